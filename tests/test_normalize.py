"""Normalisers: every date form of the spec, numerals, enumerations, regions, IDs, titles."""

from __future__ import annotations

import pytest

from extractors import normalize as nz
from extractors import titles as tt
from extractors.calibration import check_weight


@pytest.mark.parametrize(
    "text, iso",
    [
        ("2005年7月", "2005-07"),
        ("2005年7月1日", "2005-07-01"),
        ("2005.07", "2005-07"),
        ("2005-07-01", "2005-07-01"),
        ("2005/7", "2005-07"),
        ("2005/7/1", "2005-07-01"),
        ("二〇〇五年七月", "2005-07"),
        ("二〇〇五年七月一日", "2005-07-01"),
        ("二〇二〇年十二月三十一日", "2020-12-31"),
        ("2005年07月", "2005-07"),
        ("2005.07.01", "2005-07-01"),
        # OCR noise: spaces, letter O for 〇 or 0, full-width digits
        ("2 005 年 7 月", "2005-07"),
        ("二OO五年七月", "2005-07"),
        ("二○○五年七月一日", "2005-07-01"),
        ("二〇GO三年九月", "2003-09"),  # OCR's two glyphs for one 〇
        ("二O〇一八年十二月", "2018-12"),  # a 二…年 year's 〇, however OCR made it
        ("二G〇一八年十二月", "2018-12"),
        ("二（）一八年十二月", "2018-12"),
        ("二Q一八年十二月", "2018-12"),
        ("二O〇〇五年七月", "2005-07"),
        ("二一八年十二月", "2018-12"),  # the thin 〇 lost altogether
        ("二 一九年三月", "2019-03"),
        ("江|2003年7月", "2003-07"),  # a frame line before a date is not a digit 1
        ("l998年7月", "1998-07"),
        ("2O05.07", "2005-07"),
        ("２００５年７月", "2005-07"),
        ("20050701", "2005-07-01"),
        ("于2018年9月至今", "2018-09"),
    ],
)
def test_parse_date_forms(text: str, iso: str) -> None:
    assert nz.parse_date(text) == iso


@pytest.mark.parametrize("text", ["工作二十五六年七月", "二一九八年七月", "第二批一八年"])
def test_a_twenty_something_is_not_made_a_year(text: str) -> None:
    assert nz.parse_date(text) is None


@pytest.mark.parametrize("text", ["", "2005年", "2005年13月", "2005.02.30", "不详", "2019.01-2019.06", "第3期"])
def test_parse_date_refuses_what_it_cannot_read(text: str) -> None:
    assert nz.parse_date(text) is None


def test_find_dates_reads_a_period_in_order() -> None:
    hits = nz.find_dates("2020年5月27日至2020年6月3日公示")
    assert [h.iso for h in hits] == ["2020-05-27", "2020-06-03"]


@pytest.mark.parametrize(
    "text, n", [("二〇〇五", 2005), ("十", 10), ("十二", 12), ("二十", 20), ("三十一", 31), ("一百零五", 105), ("两", 2), ("7", 7)]
)
def test_chinese_to_int(text: str, n: int) -> None:
    assert nz.chinese_to_int(text) == n


@pytest.mark.parametrize("text", ["", "十十", "abc", "OO"])
def test_chinese_to_int_rejects(text: str) -> None:
    assert nz.chinese_to_int(text) is None


@pytest.mark.parametrize(
    "fn, text, value",
    [
        (nz.gender, "女", "女"),
        (nz.gender, " 男 ", "男"),
        (nz.employer_type, "事业单位", "public_institution"),
        (nz.employer_type, "非公有制企业", "non_public"),
        (nz.employer_type, "民营企业", "non_public"),
        (nz.employer_type, "中央或外省区驻包单位", "external_unit"),
        (nz.employer_type, "国有企业", "state_enterprise"),
        (nz.employer_type, "事止单位", "public_institution"),  # one OCR-damaged character
        (nz.person_status, "参照公务员法管理人员", "civil_servant_managed"),
        (nz.person_status, "公务员", "civil_servant"),
        (nz.person_status, "公务员调入", "civil_servant_transfer"),
        (nz.person_status, "军队转业干部", "military_transfer"),
        (nz.route, "苏木乡镇直接申报", "township_direct"),
        (nz.route, "非公直接申报", "non_public_direct"),
        (nz.route, "破格申报", "exceptional"),
        (nz.route, "高技能人才", "skilled_worker"),
        (nz.education, "研究生（博士）", "doctorate"),
        (nz.education, "研究生（硕士）", "master"),
        (nz.education, "硕士研究生", "master"),
        (nz.education, "大学本科", "bachelor"),
        (nz.education, "中等专科", "secondary"),
        (nz.education, "专科", "associate"),
        (nz.full_time, "全日制", True),
        (nz.full_time, "非全日制", False),
        (nz.covid_frontline, "是", True),
        (nz.covid_frontline, "否", False),
        (nz.skill_level, "高级技师", "高级技师"),
        (nz.skill_level, "技师", "技师"),
        (nz.skill_level, "高级工", "高级工"),
        (nz.post_grade, "专业技术七级", 7),
        (nz.post_grade, "专业技术7级", 7),
        (nz.post_grade, "专业技术十二级", 12),
        (nz.hours, "30学时", 30.0),
        (nz.hours, "三十学时", 30.0),
        (nz.years, "12年", 12),
        (nz.years, "十二年", 12),
    ],
)
def test_enum_mappers(fn, text, value) -> None:
    assert fn(text) == value


@pytest.mark.parametrize(
    "fn, text",
    [(nz.gender, "不详"), (nz.education, "研究"), (nz.route, "其他"), (nz.post_grade, "专业技术二十级"), (nz.years, "2.5年"),
     (nz.covid_frontline, "是否"), (nz.employer_type, "")],
)
def test_enum_mappers_never_guess(fn, text) -> None:
    assert fn(text) is None


def test_a_short_value_one_character_off_is_a_weak_reading_never_a_plain_answer() -> None:
    assert nz.map_enum("education", "本各") == nz.Mapped("bachelor", check_weight("one_misread"), "one_misread")
    assert nz.education("本各") is None  # the plain reader takes no weak reading
    # One character off two codes (大本 / 大专), or an answer one character makes its opposite.
    assert nz.map_enum("education", "大夲") is None and nz.map_enum("skill_level", "四级") is None
    assert nz.map_enum("full_time", "全日剧") is None


def test_a_stray_character_inside_a_long_value_costs_little() -> None:
    # 民营企业 with a stray mark read as 和: every character of the variant there, in order.
    assert nz.map_enum("employer_type", "民和营企业") == nz.Mapped("non_public", check_weight("stray_inserted"), "stray_inserted")
    assert nz.map_enum("full_time", "非全和日制") == nz.Mapped("false", check_weight("stray_inserted"), "stray_inserted")


@pytest.mark.parametrize(
    "region, level",
    [
        ("市直", "city"),
        ("市直（昆都仑区）", "city"),
        ("昆都仑区", "county"),
        ("达尔罕茂明安联合旗", "county"),
        ("白云鄂博矿区", "county"),
        ("土默特右旗萨拉齐镇", "township"),
        ("达尔罕茂明安联合旗百灵庙镇", "township"),
        ("达尔罕茂明安联合旗满都拉苏木", "township"),
        ("固阳县兴顺西乡", "township"),
        ("北京市", None),
        ("", None),
    ],
)
def test_region_level(region: str, level) -> None:
    assert nz.region_level(region) == level


def test_canonical_region_repairs_one_character() -> None:
    assert nz.canonical_region("昆都伦区") == "昆都仑区"
    assert nz.canonical_region("火星") is None
    assert nz.canonical_region("和白云鄂博矿区") == "白云鄂博矿区"  # a stray glyph before the county
    assert nz.canonical_region("内蒙古包头市东河区") == "内蒙古包头市东河区"
    assert nz.canonical_region("土默特右旗萨拉齐镇") == "土默特右旗萨拉齐镇"


def test_id_number_clean_up_and_mask() -> None:
    assert nz.clean_id_number("15020319820512001x") == "15020319820512001X"
    assert nz.clean_id_number("1502 0319 8205 1200 17") == "150203198205120017"
    assert nz.clean_id_number("15020319820512OO17") == "150203198205120017"
    assert nz.clean_id_number("1502031982051200") is None
    assert nz.mask_id("150203198205120017") == "150203********0017"


def test_best_substring_scores_damage() -> None:
    exact = nz.best_substring("评审表", "专业技术资格评审表")
    assert exact is not None and exact.score == 1.0 and (exact.start, exact.end) == (6, 9)
    damaged = nz.best_substring("专业技术资格评审表", "2020年度专业技术资格评軍表")
    assert damaged is not None and 0.85 < damaged.score < 1.0


@pytest.mark.parametrize(
    "title, level, series",
    [
        ("高级工程师", "deputy_senior", ["工程", "计算机"]),
        ("正高级工程师", "senior", ["工程"]),
        ("主治医师", "intermediate", ["卫生"]),
        ("副主任护师", "deputy_senior", ["卫生"]),
        ("主管药师", "intermediate", ["卫生"]),
        ("副主任技师", "deputy_senior", ["卫生"]),
        ("一级教师", "intermediate", ["中小学教师"]),
        ("副教授", "deputy_senior", ["高校教师", "党校教师"]),
        ("高级畜牧师", "deputy_senior", ["农牧业"]),
        ("助理会计师", "assistant", ["会计"]),
        ("审计员", "technician", ["审计"]),
        ("副研究馆员", "deputy_senior", ["档案", "图书", "文博"]),
        ("主任记者", "deputy_senior", ["新闻"]),
        ("副编审", "deputy_senior", ["出版"]),
        ("译审", "senior", ["蒙语翻译", "外语翻译"]),
        ("助理研究员", "intermediate", ["社科研究", "农牧林业科研"]),
    ],
)
def test_title_table(title: str, level: str, series: list[str]) -> None:
    assert tt.title_level(title) == level
    assert tt.title_series(title) == series


def test_title_variants_and_damage() -> None:
    assert tt.title_level("高级工程师（电气）") == "deputy_senior"
    assert tt.title_level("内科副主任医师") == "deputy_senior"  # longest title the text ends with
    assert tt.canonical_title("高级工柱师") == "高级工程师"  # one OCR-damaged character
    assert tt.title_level("无") is None and tt.is_no_title("无")
    assert tt.title_level("宇航员") is None
    assert tt.title_level("技术员", "农牧业") == "technician"


def test_canonical_series() -> None:
    assert tt.canonical_series("卫生系列") == "卫生"
    assert tt.canonical_series("中小学教师") == "中小学教师"
    assert tt.canonical_series("工程技术") == "工程"
    assert tt.canonical_series("农牧林业科研") == "农牧林业科研"
    assert tt.canonical_series("火箭") is None


@pytest.mark.parametrize("name", sorted(tt.series_names()))
def test_a_series_name_with_a_speck_read_as_a_letter_beside_it_is_that_series(name: str) -> None:
    from extractors.fields import PARSERS

    for text in (f"{name} N", f"{name}N", f"{name}1", f"l{name}"):
        assert tt.canonical_series(text) == name
        parsed = PARSERS["series"](text)
        # The value is the series, not written as its name alone: series_fuzzy says so.
        assert parsed is not None and parsed[0] == name and "series_fuzzy" in parsed[2]
    assert tt.canonical_series("N l") is None


@pytest.mark.parametrize(
    "text, iso",
    [("200377", "2003-07"), ("19797/7", "1979-07"), ("20037/11", "2003-11"), ("202075/6", "2020-05-06"),
     ("2020/5711", "2020-05-11"), ("2020/577", "2020-05-07"), ("2020/47/12", "2020-04-12")],
)
def test_repair_slash_date(text: str, iso: str) -> None:
    assert nz.parse_date(text) is None  # never read as a date without the caller's say-so
    assert nz.repair_slash_date(text) == iso


def test_repair_slash_date_refuses_non_dates() -> None:
    assert nz.repair_slash_date("2020713") is None
    assert nz.repair_slash_date("hello") is None
    assert nz.repair_slash_date("2020/77") is None  # month 77 whichever 7 is the slash
    assert nz.repair_slash_date("2020/4/12/3") is None  # more parts than a date has


def test_repair_places_and_title_within_series() -> None:
    assert nz.repair_places("包头市土黔特右旗人力资源和社会保障局") == "包头市土默特右旗人力资源和社会保障局"
    assert nz.repair_places("包头市教育局") == "包头市教育局"
    m = tt.match_in_series("冀牧师", "农牧业")
    assert m is not None and m.name == "畜牧师" and m.certainty < 1
    assert tt.match_in_series("冀牧师", "工程") is None


def test_a_date_that_cannot_be_is_told_from_numbers_that_are_no_date() -> None:
    from extractors.normalize import impossible_date

    for text in ("2918年11月", "2018年19月", "2018年2月30日", "2018.13"):
        assert impossible_date(text), text
    for text in ("2018年11月", "2O18年11月", "2020年5月24日", "1009-7716", "NM321-2018-982", "2016.09-2020.07"):
        assert not impossible_date(text), text


def test_a_date_read_with_a_digit_lost_disputes_nothing() -> None:
    from extractors.normalize import another_date

    ours = "我单位于2020.05.25至2020.05.31，在单位公示栏"
    assert not another_date(ours, "我单位于2020.05.2至2020.05.31，在单位公示栏")
    assert another_date(ours, "我单位于2020.05.26至2020.05.31，在单位公示栏")
    assert another_date("二C〇一年七月", "二C一〇年七月")
    # The day not made out (a colon for its separator): the month is ours.
    assert not another_date("于2020.05.18至2020.05.24，在单位", "于2020.05.8至2020.05:24，在单位")
    assert another_date("于2020.05.18至2020.05.24，在单位", "于2020.05.18至2020.06:24，在单位")


def test_a_date_whose_year_unit_ocr_lost_is_that_date() -> None:
    assert nz.parse_date("201911月") == "2019-11" and nz.parse_date("20193月") == "2019-03"
    assert nz.parse_date("2019123月") is None  # no month is 23 or 123


def test_a_year_month_slash_read_as_v_is_a_slash() -> None:
    assert nz.parse_date("2013V1") == "2013-01" and nz.parse_date("2013V12") == "2013-12"
    assert nz.parse_date("2013V13") is None


@pytest.mark.parametrize(
    ("read", "title"),
    [
        ("小学语文群文阅读教学实践—一以包头市为例", "小学语文群文阅读教学实践——以包头市为例"),
        ("公共图书馆阅读推广活动创新研究一一以包头市为例", "公共图书馆阅读推广活动创新研究——以包头市为例"),
        ("腹腔镜胆囊切除术围手术期护理体会－－以包头市为例", "腹腔镜胆囊切除术围手术期护理体会——以包头市为例"),
        ("包头地区玉米膜下滴灌高产栽培技术—以包头市为例", "包头地区玉米膜下滴灌高产栽培技术——以包头市为例"),
        ("课堂提问策略一一基于核心素养的视角", "课堂提问策略——基于核心素养的视角"),
        ("公共图书馆阅读推广——以包头市为例", "公共图书馆阅读推广——以包头市为例"),
        # Left alone: a word, hyphens between figures or Latin, and 一一 opening no subtitle.
        ("一一对应思想在小学数学中的应用", "一一对应思想在小学数学中的应用"),
        ("COVID-19疫情下的社区护理", "COVID-19疫情下的社区护理"),
        ("2018-2019年度基层统计数据质量", "2018-2019年度基层统计数据质量"),
        ("逐一一以贯之", "逐一一以贯之"),
    ],
)
def test_a_subtitle_dash_as_ocr_reads_it_is_two_dashes(read: str, title: str) -> None:
    assert nz.title_dashes(read) == title


def test_a_stray_glyph_between_a_day_and_its_unit_belongs_to_no_date() -> None:
    text = "我单位于2020年5月28有日至2020年6月4日，在单位公示栏"
    assert [h.iso for h in nz.find_dates(text)] == ["2020-05-28", "2020-06-04"]
    assert nz.prep_date_text("2020年5月28至日") == "2020年5月28至日"  # 至 is no stray


def test_a_stray_glyph_between_year_and_month_belongs_to_no_date() -> None:
    assert [h.iso for h in nz.find_dates("2019年三4月")] == ["2019-04"]  # a seal's ring read as 三
    # A one's look-alike may be the month's first figure (一2 for 12): left as read.
    assert nz.prep_date_text("2019年一2月") == "2019年一2月"
