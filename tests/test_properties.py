"""Property tests for the value parsers every verdict leans on: dates, ID numbers, ISSN/CN, titles.

Two kinds of property: nothing a form, an OCR engine or a hostile file can put in a cell makes a
parser raise (it returns None or a well-formed value), and values written in any form the spec
allows come back as what was written. The oracles here (check digits, Chinese numerals) are
written independently of the code under test, from the standards, so a shared mistake cannot
hide.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from dossierflow.vocab import LEVELS
from extractors import normalize as nz
from extractors import titles as tt
from validators.integrity import idcard, issn

# Moderate example counts: the whole CI suite has a time budget; `deadline=None` because the
# shared 2-core machine makes per-example timing meaningless.
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_ISO = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")

# ---------------------------------------------------------------------------------------------
# Hostile text: what OCR and hand-filled cells really contain, plus arbitrary code points.
# ---------------------------------------------------------------------------------------------

_NASTY = list(
    "０１２３４５６７８９ＯＸｘ"  # full-width digits and letters
    "〇○零一二三四五六七八九十百千两壹贰叁肆伍陆柒捌玖拾"  # Chinese numerals
    "年月日号级学时期第卷"
    "0123456789Xx.-/．·,，:：()（）【】《》"
    "\x00\x07\x1b\x7f\u200b\u200e\u202e\ufeff\u3000\u00a0\t\n\r "  # control / invisible / spaces
    "²³¹½⅓①⑩٣٤۵߂०१௧๑"  # digits that are "digits" to str.isdigit() but not to int()
    "OolI|×"
)
hostile_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from(_NASTY), max_size=40),
    st.lists(st.sampled_from(["2005", "年", "7", "月", "二〇〇五", "十二", ".", "/", "-", "²", "专业技术", "级",
                              "高级工程师", "（", "）", "ISSN", "CN", "X", "\x00", "３"]), max_size=12).map("".join),
)


@FAST
@given(hostile_text)
@example("²")  # str.isdigit() is True, int() refuses it
@example("专业技术²级")
@example("二〇〇五年十三月")
@example("2005年7月" * 50)
def test_date_and_number_parsers_never_raise(text: str) -> None:
    d = nz.parse_date(text)
    assert d is None or _ISO.match(d), d
    for hit in nz.find_dates(text):
        assert _ISO.match(hit.iso) and 0 <= hit.start <= hit.end
    r = nz.repair_slash_date(text)
    assert r is None or _ISO.match(r)
    y = nz.parse_year(text)
    assert y is None or 1900 <= y <= 2100
    nz.chinese_to_int(text)
    g = nz.post_grade(text)
    assert g is None or 1 <= g <= 13
    nz.parse_number(text)
    nz.hours(text)
    yrs = nz.years(text)
    assert yrs is None or 0 <= yrs <= 60


@FAST
@given(hostile_text, st.one_of(st.none(), st.sampled_from(["1980-02", "1980-02-29", "2001-13", "", "x"])),
       st.one_of(st.none(), st.sampled_from(["男", "女", "其他", ""])))
@example("11010519491231002X", None, None)
@example("１１０１０５１９４９１２３１００２Ｘ", None, None)
@example("110105194912310021\x00", "1949-12", "女")
def test_id_checks_never_raise(text: str, birth: str | None, gender: str | None) -> None:
    cleaned = nz.clean_id_number(text)
    assert cleaned is None or re.fullmatch(r"[0-9]{17}[0-9X]", cleaned)
    problems = idcard.id_problems(text, birth, gender)
    assert all(isinstance(p, str) and p for p in problems)
    if cleaned:
        idcard.id_problems(cleaned, birth, gender)
        assert len(nz.mask_id(cleaned)) == 18 and nz.mask_id(cleaned)[6:14] == "*" * 8


@FAST
@given(hostile_text)
@example("ISSN 1234-567X")
@example("CN 11-1234/TP")
@example("ＩＳＳＮ１２３４－５６７Ｘ")
def test_issn_and_cn_checks_never_raise(text: str) -> None:
    p = issn.issn_problem(text)
    assert p is None or "ISSN" in p
    c = issn.cn_problem(text)
    assert c is None or "刊号" in c


@SLOW
@given(hostile_text, st.one_of(st.none(), st.sampled_from(tt.series_names()), hostile_text))
@example("高级工程师（电气", None)
@example("（）", "工程")
@example("无", None)
def test_title_parser_never_raises(text: str, series: str | None) -> None:
    level = tt.title_level(text, series)
    assert level is None or level in LEVELS
    for s in tt.title_series(text):
        assert s in tt.series_names()
    tt.canonical_title(text, series)
    tt.canonical_series(text)
    m = tt.match_in_series(text, series)
    assert m is None or m.level is None or m.level in LEVELS


# ---------------------------------------------------------------------------------------------
# Dates: every form of dossier-format.md round-trips.
# ---------------------------------------------------------------------------------------------

_CN_DIGIT = "〇一二三四五六七八九"


def _cn_year(year: int) -> str:
    return "".join(_CN_DIGIT[int(c)] for c in f"{year:04d}")


def _cn_count(n: int) -> str:
    """1..31 as written on certificates: 七, 十, 十二, 二十, 二十一, 三十一."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGIT[tens] + "十")
    return head + (_CN_DIGIT[ones] if ones else "")


dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))
_LABELS = st.sampled_from(["", "毕业时间：", "出生年月 ", "任职时间:", "取得时间　", "（", "于"])
_TAILS = st.sampled_from(["", "毕业", "）", " 至今", "。", "取得"])


def _month_forms(d: dt.date) -> list[str]:
    return [
        f"{d.year}年{d.month}月",
        f"{d.year}年{d.month:02d}月",
        f"{d.year}.{d.month:02d}",
        f"{d.year}.{d.month}",
        f"{d.year}/{d.month}",
        f"{d.year}-{d.month:02d}",
        f"{_cn_year(d.year)}年{_cn_count(d.month)}月",
    ]


def _day_forms(d: dt.date) -> list[str]:
    return [
        f"{d.year}-{d.month:02d}-{d.day:02d}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d.year}.{d.month:02d}.{d.day:02d}",
        f"{d.year}/{d.month}/{d.day}",
        f"{_cn_year(d.year)}年{_cn_count(d.month)}月{_cn_count(d.day)}日",
    ]


@FAST
@given(dates, _LABELS, _TAILS, st.data())
@example(dt.date(2005, 7, 1), "", "", None)
@example(dt.date(2020, 12, 31), "", "", None)
def test_month_dates_round_trip(d: dt.date, label: str, tail: str, data) -> None:
    forms = _month_forms(d)
    text = forms[-1] if data is None else data.draw(st.sampled_from(forms))
    assert nz.parse_date(label + text + tail) == f"{d.year:04d}-{d.month:02d}", text


@FAST
@given(dates, _LABELS, _TAILS, st.data())
@example(dt.date(2005, 7, 1), "", "", None)
@example(dt.date(2019, 11, 30), "", "", None)
def test_day_dates_round_trip(d: dt.date, label: str, tail: str, data) -> None:
    forms = _day_forms(d)
    text = forms[-1] if data is None else data.draw(st.sampled_from(forms))
    assert nz.parse_date(label + text + tail) == d.isoformat(), text


@FAST
@given(dates, st.data())
def test_full_width_and_spaced_dates_round_trip(d: dt.date, data) -> None:
    """OCR and Word's IME give full-width digits and stray spaces; the value must not change."""
    text = data.draw(st.sampled_from(_month_forms(d)[:-1]))
    full = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)
    spaced = " ".join(text)
    assert nz.parse_date(full) == f"{d.year:04d}-{d.month:02d}"
    assert nz.parse_date(spaced) == f"{d.year:04d}-{d.month:02d}"


@FAST
@given(dates, dates, st.data())
def test_two_different_dates_are_ambiguous(a: dt.date, b: dt.date, data) -> None:
    """A cell holding two dates (`2005年7月至2008年6月`) is not one value: the parser must not pick."""
    assume((a.year, a.month) != (b.year, b.month))
    first = data.draw(st.sampled_from(_month_forms(a)))
    second = data.draw(st.sampled_from(_month_forms(b)))
    text = f"{first}至{second}"
    assert nz.parse_date(text) is None, text
    assert [h.iso for h in nz.find_dates(text)] == [f"{a:%Y-%m}", f"{b:%Y-%m}"], text


@FAST
@given(st.integers(1900, 2099), st.integers(13, 99))
def test_impossible_month_is_not_a_date(year: int, month: int) -> None:
    assert nz.parse_date(f"{year}年{month}月") is None
    assert nz.parse_date(f"{_cn_year(year)}年{_cn_count(month)}月") is None


@FAST
@given(dates, st.integers(2100, 2999), st.integers(13, 99))
def test_a_possible_date_is_never_taken_for_a_misread_one(day: dt.date, year: int, month: int) -> None:
    assert not nz.impossible_date(f"{day.year}年{day.month}月{day.day}日")
    assert not nz.impossible_date(f"{day:%Y.%m.%d}") and not nz.impossible_date(f"{day.year}-{day.month}")
    assume(year > 2100)
    assert nz.impossible_date(f"{year}年{day.month}月") and nz.impossible_date(f"{day.year}年{month}月")


@FAST
@given(st.integers(1900, 2099), st.sampled_from([(2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31)]))
def test_invalid_day_is_not_read_as_another_date(year: int, month_day: tuple[int, int]) -> None:
    # 2月30日 does not exist: the parser must say nothing rather than guess a neighbouring date.
    month, day = month_day
    assert nz.parse_date(f"{year}年{month}月{day}日") is None
    assert nz.parse_date(f"{year}-{month:02d}-{day:02d}") is None
    assert nz.parse_date(f"{_cn_year(year)}年{_cn_count(month)}月{_cn_count(day)}日") is None


@FAST
@given(st.integers(0, 9999))
def test_chinese_year_numerals_round_trip(n: int) -> None:
    assume(any(c != "0" for c in f"{n:04d}"))
    assert nz.chinese_to_int(_cn_year(n)) == n


@FAST
@given(st.integers(1, 99))
def test_chinese_counting_numerals_round_trip(n: int) -> None:
    assert nz.chinese_to_int(_cn_count(n)) == n


@FAST
@given(st.integers(1, 13), st.booleans())
def test_post_grade_round_trip(grade: int, chinese: bool) -> None:
    text = f"专业技术{_cn_count(grade) if chinese else grade}级"
    assert nz.post_grade(text) == grade


# ---------------------------------------------------------------------------------------------
# ID numbers (GB 11643-1999): weights 2^(17-i) mod 11, check = (12 - sum mod 11) mod 11, 10 → X.
# ---------------------------------------------------------------------------------------------


def _gb11643_check(first17: str) -> str:
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17))
    r = (12 - total % 11) % 11
    return "X" if r == 10 else str(r)


@st.composite
def valid_ids(draw) -> tuple[str, dt.date, str]:
    area = draw(st.from_regex(r"[1-8][0-9]{5}", fullmatch=True))
    born = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2010, 12, 31)))
    seq = draw(st.integers(0, 999))
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    gender = "男" if seq % 2 else "女"
    return first17 + _gb11643_check(first17), born, gender


def test_known_id_number_from_the_standard() -> None:
    # The worked example of GB 11643-1999 (appendix): 11010519491231002X.
    assert _gb11643_check("11010519491231002") == "X"
    assert idcard.id_problems("11010519491231002X", "1949-12-31", "女") == []


@pytest.mark.parametrize("birth", ["19800230", "19810229", "19801301", "19800000"])
def test_birth_digits_that_are_no_date_are_reported(birth: str) -> None:
    first17 = f"110105{birth}002"
    problems = idcard.id_problems(first17 + _gb11643_check(first17), None, None)
    assert problems == ["号码中的出生日期不是有效日期"], problems


@FAST
@given(valid_ids())
def test_valid_id_validates(case: tuple[str, dt.date, str]) -> None:
    number, born, gender = case
    assert idcard.id_problems(number, None, None) == []
    assert idcard.id_problems(number, f"{born:%Y-%m}", gender) == []
    assert idcard.id_problems(number, born.isoformat(), gender) == []
    assert idcard.birth_date_of(number) == born


@FAST
@given(valid_ids(), st.integers(0, 17), st.integers(1, 10))
def test_one_changed_character_fails_the_check(case: tuple[str, dt.date, str], pos: int, shift: int) -> None:
    """The mod-11 check catches every single substitution; a form typo must never pass."""
    number = case[0]
    alphabet = "0123456789X" if pos == 17 else "0123456789"
    old = number[pos]
    new = alphabet[(alphabet.index(old) + shift) % len(alphabet)]
    assume(new != old)
    bad = number[:pos] + new + number[pos + 1:]
    problems = idcard.id_problems(bad, None, None)
    assert any("校验码" in p for p in problems), (bad, problems)


@FAST
@given(valid_ids(), st.integers(0, 2))
def test_id_cleaner_recovers_the_number_from_a_cell(case: tuple[str, dt.date, str], style: int) -> None:
    number = case[0]
    text = [
        f"身份证号码：{number}",
        "公民身份号码 " + "".join(chr(ord(c) + 0xFEE0) for c in number),  # full-width
        f"{number[:6]} {number[6:14]} {number[14:].lower()}",  # grouped, lower-case x
    ][style]
    assert nz.clean_id_number(text) == number


@FAST
@given(valid_ids())
def test_birth_date_and_sex_disagreement_is_reported(case: tuple[str, dt.date, str]) -> None:
    number, born, gender = case
    other_year = f"{born.year - 1:04d}-{born.month:02d}"
    assert any("出生日期" in p for p in idcard.id_problems(number, other_year, None))
    other_sex = "女" if gender == "男" else "男"
    assert any("性别" in p for p in idcard.id_problems(number, None, other_sex))


# ---------------------------------------------------------------------------------------------
# ISSN (ISO 3297): weights 8..2 on the first seven digits, check = (11 - sum mod 11) mod 11.
# ---------------------------------------------------------------------------------------------


def _issn_check(first7: str) -> str:
    r = -sum(int(c) * (8 - i) for i, c in enumerate(first7)) % 11
    return "X" if r == 10 else str(r)


valid_issns = st.from_regex(r"[0-9]{7}", fullmatch=True).map(lambda s: f"{s[:4]}-{s[4:]}{_issn_check(s)}")


@pytest.mark.parametrize("written", ["ISSN 0028－0836", "ISSN 0028—0836", "1050－124x"])
def test_issn_with_a_full_width_or_long_dash_validates(written: str) -> None:
    assert issn.issn_problem(written) is None


@pytest.mark.parametrize("written", ["CN 11－1234／TP", "CN11—1234/G4"])
def test_cn_with_full_width_marks_validates(written: str) -> None:
    assert issn.cn_problem(written) is None


def test_known_issns() -> None:
    # Published ISSNs (Nature, and the examples of the ISSN article); the oracle must agree.
    for code in ("0028-0836", "0317-8471", "2049-3630", "1050-124X"):
        assert issn.issn_problem(code) is None, code


@FAST
@given(valid_issns, st.sampled_from(["{}", "ISSN {}", "ISSN{}", " {} ", "{}"]))
def test_valid_issn_validates(code: str, template: str) -> None:
    assert issn.issn_problem(template.format(code)) is None
    assert issn.issn_problem(code.replace("-", "")) is None
    assert issn.issn_problem(code.lower()) is None


@FAST
@given(valid_issns, st.sampled_from([0, 1, 2, 3, 5, 6, 7, 8]), st.integers(1, 10))
def test_one_changed_issn_digit_fails(code: str, pos: int, shift: int) -> None:
    alphabet = "0123456789X" if pos == 8 else "0123456789"
    old = code[pos]
    new = alphabet[(alphabet.index(old) + shift) % len(alphabet)]
    assume(new != old)
    bad = code[:pos] + new + code[pos + 1:]
    p = issn.issn_problem(bad)
    assert p is not None and "校验位" in p, bad


cn_numbers = st.builds(
    lambda prov, serial, cls: f"{prov:02d}-{serial:04d}/{cls}",
    st.integers(10, 65), st.integers(1000, 9999),
    st.sampled_from(["G4", "TP", "R", "TU", "F", "N", "S", "O1", "TM"]),
)


@FAST
@given(cn_numbers, st.sampled_from(["{}", "CN {}", "CN{}", "CN　{}", "cn{}"]))
def test_valid_cn_validates(cn: str, template: str) -> None:
    assert issn.cn_problem(template.format(cn)) is None


@FAST
@given(cn_numbers, st.sampled_from(["drop_dash", "drop_slash", "extra_digit", "no_class", "short_serial"]))
def test_malformed_cn_is_reported(cn: str, damage: str) -> None:
    bad = {
        "drop_dash": cn.replace("-", ""),
        "drop_slash": cn.replace("/", ""),
        "extra_digit": "1" + cn,
        "no_class": cn.split("/")[0] + "/",
        "short_serial": cn[:3] + cn[4:],
    }[damage]
    assert issn.cn_problem(bad) is not None, bad


# ---------------------------------------------------------------------------------------------
# Titles: levels written here by hand, not read from the implementation's titles.yaml.
# ---------------------------------------------------------------------------------------------

T, A, I, D, S = "technician", "assistant", "intermediate", "deputy_senior", "senior"  # noqa: E741 - the levels' initials

# (title, series, level) from dossier-format.md's five levels (员级, 助理级, 中级, 副高级, 正高级) and
# the national series ladders (人社部's guidance for each series). Typed out here so that a level
# moved in titles.yaml is caught: a table generated from that file agrees with any mistake in it.
# Titles several series share (馆员, 编辑, 研究员) appear with more than one of them.
TITLE_LEVELS: tuple[tuple[str, str, str], ...] = (
    ("技术员", "工程", T), ("助理工程师", "工程", A), ("工程师", "工程", I),
    ("高级工程师", "工程", D), ("正高级工程师", "工程", S), ("教授级高级工程师", "工程", S),
    ("三级教师", "中小学教师", T), ("二级教师", "中小学教师", A), ("一级教师", "中小学教师", I),
    ("高级教师", "中小学教师", D), ("正高级教师", "中小学教师", S),
    ("医士", "卫生", T), ("医师", "卫生", A), ("主治医师", "卫生", I), ("副主任医师", "卫生", D), ("主任医师", "卫生", S),
    ("护士", "卫生", T), ("护师", "卫生", A), ("主管护师", "卫生", I), ("副主任护师", "卫生", D), ("主任护师", "卫生", S),
    ("药师", "卫生", A), ("主管药师", "卫生", I), ("副主任药师", "卫生", D),
    ("技士", "卫生", T), ("技师", "卫生", A), ("主管技师", "卫生", I), ("主任技师", "卫生", S),
    ("中医主治医师", "卫生", I), ("副主任中医师", "卫生", D),
    ("助教", "高校教师", A), ("讲师", "高校教师", I), ("副教授", "高校教师", D), ("教授", "高校教师", S),
    ("研究实习员", "社科研究", A), ("助理研究员", "社科研究", I), ("副研究员", "社科研究", D), ("研究员", "社科研究", S),
    ("助理农艺师", "农牧业", A), ("农艺师", "农牧业", I), ("高级农艺师", "农牧业", D), ("农业技术推广研究员", "农牧业", S),
    ("畜牧师", "农牧业", I), ("高级兽医师", "农牧业", D),
    ("经济员", "经济", T), ("助理经济师", "经济", A), ("经济师", "经济", I), ("高级经济师", "经济", D), ("正高级经济师", "经济", S),
    ("会计员", "会计", T), ("助理会计师", "会计", A), ("会计师", "会计", I), ("高级会计师", "会计", D), ("正高级会计师", "会计", S),
    ("统计师", "统计", I), ("高级统计师", "统计", D), ("审计师", "审计", I), ("高级审计师", "审计", D),
    ("助理馆员", "档案", A), ("馆员", "档案", I), ("副研究馆员", "图书", D), ("研究馆员", "文博", S),
    ("助理记者", "新闻", A), ("记者", "新闻", I), ("主任记者", "新闻", D), ("高级记者", "新闻", S),
    ("编辑", "新闻", I), ("主任编辑", "新闻", D), ("高级编辑", "新闻", S),
    ("编辑", "出版", I), ("副编审", "出版", D), ("编审", "出版", S),
    ("三级翻译", "外语翻译", A), ("二级翻译", "外语翻译", I), ("一级翻译", "外语翻译", D), ("译审", "外语翻译", S),
    ("程序员", "计算机", A), ("软件设计师", "计算机", I), ("系统分析师", "计算机", D),
)

# Titles that name one level whatever the series (the names differ in every ladder that has them).
LEVEL_WITHOUT_SERIES: tuple[tuple[str, str], ...] = (
    ("助理工程师", A), ("高级工程师", D), ("正高级工程师", S), ("一级教师", I), ("主治医师", I),
    ("副主任医师", D), ("主任护师", S), ("副教授", D), ("高级会计师", D), ("经济师", I), ("副研究馆员", D),
    ("副编审", D), ("译审", S),
)


@pytest.mark.parametrize(("name", "series", "level"), TITLE_LEVELS, ids=[f"{s}-{n}" for n, s, _ in TITLE_LEVELS])
def test_title_maps_to_its_level(name: str, series: str, level: str) -> None:
    assert tt.title_level(name, series) == level
    assert series in tt.title_series(name)


@pytest.mark.parametrize(("name", "level"), LEVEL_WITHOUT_SERIES, ids=[n for n, _ in LEVEL_WITHOUT_SERIES])
def test_title_level_needs_no_series_where_the_name_is_one_level(name: str, level: str) -> None:
    assert tt.title_level(name) == level


@FAST
@given(st.sampled_from(TITLE_LEVELS), st.sampled_from(["电气", "机械", "内科", "小学数学", "土木", "会计"]),
       st.sampled_from(["（{}）", "({})", "【{}】"]), st.sampled_from(["", "资格", "职称"]))
def test_title_with_specialty_keeps_its_level(entry: tuple[str, str, str], spec: str, brackets: str, suffix: str) -> None:
    name, series, level = entry
    text = name + brackets.format(spec) + suffix
    assert tt.title_level(text, series) == level, text


@FAST
@given(st.sampled_from(TITLE_LEVELS), st.sampled_from(["", " ", "　", "\t"]))
def test_title_spacing_and_width_do_not_matter(entry: tuple[str, str, str], pad: str) -> None:
    name, series, level = entry
    assert tt.title_level(pad.join(name), series) == level


@pytest.mark.parametrize("word", ["无", "暂无", "未取得"])
def test_no_title_is_not_a_level(word: str) -> None:
    assert tt.is_no_title(word)
    assert tt.title_level(word) is None
