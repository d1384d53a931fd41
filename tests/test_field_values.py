"""A reviewer's typed value is held to its field's kind and stored as the extractors store it."""

from __future__ import annotations

import pytest

from dossierflow.errors import UsageError
from dossierflow.field_values import parse_field_value, same_value
from validators.integrity.idcard import check_char

FIRST17 = "15020319800101123"
ID = FIRST17 + check_char(FIRST17)


@pytest.mark.parametrize("field, typed, stored", [
    ("birth_date", "1980年2月", "1980-02"),
    ("birth_date", "1980-02-29", "1980-02-29"),
    ("graduation_date", "2005.07.01", "2005-07-01"),
    ("education", "本科", "bachelor"),
    ("education", "master", "master"),
    ("employer_type", "国企", "state_enterprise"),
    ("full_time", "全日制", True),
    ("full_time", "非全日制", False),
    ("covid_frontline", "否", False),
    ("post_grade", "专业技术七级", 7),
    ("county_years", "12", 12),
    ("public_ce_hours", "30学时", 30.0),
    ("series", "卫生系列", "卫生"),
    ("applied_title", "高级工程师", "高级工程师"),
    ("current_title", "无", "无"),
    ("region", "土默特右旗", "土默特右旗"),
    ("id_number", ID.lower(), ID.upper()),
    ("name", "王 秀英", "王秀英"),
])
def test_a_value_the_field_can_hold_is_stored_normalised(field: str, typed: str, stored: object) -> None:
    assert parse_field_value(field, typed) == stored


@pytest.mark.parametrize("field, typed", [
    ("birth_date", "1981-02-29"),  # not a leap year
    ("birth_date", "2005-13"),
    ("education", "本各"),  # one character off: the extractor's guess, never a reviewer's value
    ("full_time", "全日"),
    ("post_grade", "14"),
    ("county_years", "3.5"),
    ("series", "卫主"),
    ("applied_title", "高级工程"),
    ("region", "火星区"),
    ("id_number", FIRST17 + ("0" if check_char(FIRST17) != "0" else "1")),
    ("id_number", "1502031980"),
    ("name", "Wang"),
    ("gender", "未知"),
    ("region_level", "county"),  # derived from region
    ("no_such_field", "x"),
    ("employer", ""),
])
def test_a_value_the_field_cannot_hold_is_refused(field: str, typed: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse_field_value(field, typed)
    assert FIRST17 not in str(refused.value)  # an ID number is shown masked


def test_a_form_shows_a_code_as_its_word_and_an_absent_value_as_empty() -> None:
    assert same_value("education", "本科", "bachelor") and same_value("education", "bachelor", "bachelor")
    assert same_value("post_grade", "7", 7) and same_value("region", "", None)
    assert not same_value("education", "硕士研究生", "bachelor") and not same_value("region", "", "土默特右旗")
