"""Values as people read them: the Chinese word for each code the fields hold (本科, 事业单位,
副高级), 是/否 for yes-no fields. The tables are the ones finding messages use."""

from __future__ import annotations

import re

from validators.messages import EDUCATION_NAMES, EMPLOYER_NAMES, LEVEL_NAMES, ROUTE_NAMES, STATUS_NAMES

REGION_LEVEL_NAMES = {"city": "市直（盟市级）", "county": "旗县区", "township": "苏木乡镇"}

VALUE_NAMES: dict[str, dict[str, str]] = {
    "education": EDUCATION_NAMES,
    "employer_type": EMPLOYER_NAMES,
    "route": ROUTE_NAMES,
    "person_status": STATUS_NAMES,
    "applied_level": LEVEL_NAMES,
    "current_level": LEVEL_NAMES,
    "region_level": REGION_LEVEL_NAMES,
}
YES_NO_NAMES: dict[str, tuple[str, str]] = {"full_time": ("全日制", "非全日制")}


def shown_value(key: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        yes, no = YES_NO_NAMES.get(key, ("是", "否"))
        return yes if value else no
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    table = VALUE_NAMES.get(key)
    if table is not None and isinstance(value, str):
        return table.get(value, value)
    return str(value)


_LOCATORS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"table (\d+), row (\d+), cell (\d+)"), r"表格\1第\2行第\3格"),
    (re.compile(r"paragraph (\d+)"), r"第\1段"),
    (re.compile(r"form field"), "表单域"),
]


def locator_text(locator: str | None) -> str:
    """A Word source's place in Chinese: 表格1第7行第2格, 第4段."""
    text = locator or ""
    for pattern, repl in _LOCATORS:
        text = pattern.sub(repl, text)
    return text
