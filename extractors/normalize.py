"""Value normalisers: dates, Chinese numerals, enumerations, ID numbers, regions, fuzzy text.

Every parser returns None when it cannot read the value with certainty. Forms are filled by
hand and read by OCR, so a wrong guess here would silently change a verdict downstream; an
absent value makes the rule say `review` instead.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

from dossierflow.privacy import mask_id  # noqa: F401  (re-exported: one masking rule everywhere)

# Re-exported: extraction modules compare text through this module.
from dossierflow.text import SubMatch, best_substring, compact, edit_distance, fold_width, similarity, skeleton  # noqa: F401
from extractors.calibration import check_weight

DATA_DIR = Path(__file__).parent / "data"

PLACE_MIN_SCORE = 0.74  # a county name with one damaged character in four still counts


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "o": 0, "0": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2,
              "三": 3, "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7,
              "八": 8, "捌": 8, "九": 9, "玖": 9}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}


def chinese_to_int(text: str) -> Optional[int]:
    """二〇〇五 → 2005 (digit by digit), 二十一 → 21, 十二 → 12, 一百零五 → 105; arabic passes."""
    t = compact(text)
    if not t:
        return None
    if t.isdigit():
        # str.isdigit also accepts superscripts and circled digits (², ①), which int() refuses.
        return int(t) if t.isdecimal() else None
    if all(ch in _CN_DIGITS for ch in t):
        if all(ch in "Oo0" for ch in t):
            return None  # a run of letter O is not a number
        return int("".join(str(_CN_DIGITS[ch]) for ch in t))
    if not all(ch in _CN_DIGITS or ch in _CN_UNITS for ch in t):
        return None
    total, digit, last_unit = 0, None, 10**9
    for ch in t:
        if ch in _CN_DIGITS:
            if digit is not None and _CN_DIGITS[ch] != 0:
                return None  # two digits in a row without a unit: not a counting numeral
            digit = _CN_DIGITS[ch] if _CN_DIGITS[ch] != 0 else None
        else:
            unit = _CN_UNITS[ch]
            if unit >= last_unit:
                return None
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    return total + (digit or 0)


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------

_CN_NUM = "〇○零OoＯ0一二三四五六七八九十"
_CN_DATE = re.compile(
    rf"([{_CN_NUM}]{{4}})年([{_CN_NUM}]{{1,3}}|\d{{1,2}})月(?:([{_CN_NUM}]{{1,3}}|\d{{1,2}})[日号])?"
)
_AR_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:年|[.\-/．·,，]\s*)(\d{1,2})(?!\d)\s*月?"
    r"(?:\s*(?:[.\-/．·]\s*)?(\d{1,2})(?!\d)\s*[日号]?)?"
)
_COMPACT_DATE = re.compile(r"^((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])?$")
_OCR_ZERO = re.compile(r"(?<=\d)[OoＯ〇]|[OoＯ〇](?=\d)")
# l, I, | read for a 1 only between digits or as the 1 of a 19xx year: a table rule or frame
# line next to a date is not one.
_OCR_ONE = re.compile(r"(?<=\d)[lI|](?=\d)|(?<!\d)[lI|](?=9\d{2}(?!\d))")


class RepairedIso(str):
    """An ISO date that only a repair of the reading makes. It is passed along like any date
    string, so whoever finally records it (a field, an evidence item) can lower its certainty
    without every reader in between having to carry a flag."""


def is_repaired(value: object) -> bool:
    return isinstance(value, RepairedIso)


@dataclass(frozen=True)
class DateHit:
    iso: str
    start: int
    end: int
    # The date exists only after a repair that assumed what OCR did not read (see `_read_only`).
    repaired: bool = False


def _iso(year: int, month: int, day: Optional[int]) -> Optional[str]:
    if not (1900 <= year <= 2100 and 1 <= month <= 12):
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        _dt.date(year, month, day)
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


# OCR splits a 〇 between Chinese numerals into two Latin glyphs: 二〇GO三 is 二〇〇三.
_OCR_CN_ZERO = re.compile(r"(?<=[〇○零一二三四五六七八九])[GC][O0]|[GC][O0](?=[〇○零一二三四五六七八九])")
# A year written 二…年 is 二〇 and two numerals (二一… would be past 2100): whatever OCR made of
# the 〇, one glyph or two (二O〇一八, 二G〇一八, 二（）一八, 二候一八), or none at all (a thin 〇
# lost under a seal: 二一八), is that 〇. A single numeral stays as read (二〇〇五 is 2005).
_YEAR_NUMERAL = "〇○零Oo0一二三四五六七八九"
_CN_YEAR_20 = re.compile(rf"(?<![{_YEAR_NUMERAL}])二([^年月日十百\d]{{0,2}}?)(?=[{_YEAR_NUMERAL}]{{2}}年)")


def _repair_cn_year(m: re.Match[str]) -> str:
    middle = m.group(1)
    return m.group(0) if len(middle) == 1 and middle in _YEAR_NUMERAL else "二〇"


# A year unit OCR lost between year and month (201911月 for 2019年11月).
_LOST_YEAR_UNIT = re.compile(r"(?<!\d)((?:19|20)\d{2})(0?[1-9]|1[0-2])月")
# A year-month slash read as V (2013/1 → 2013V1).
_V_SLASH_MONTH = re.compile(r"(?<![\d/])((?:19|20)\d{2})[Vv](0?[1-9]|1[0-2])(?![\d/VvS])")
# A slash date's second slash, next to a 5 and on a noisy scan, comes out as V, V/ or /V, and
# the 5 itself as S (2020/5/15 → 2020/5V/15, 2020/SV15). Only a year-led slash date is repaired.
_OCR_SLASH_DATE = re.compile(r"((?:19|20)\d{2})/([\dS]{1,2})(?:V/|/V|V)([\dS]{1,2})(?![\dS])")


# A stray glyph between a full date's day and its 日 (2020年5月28有日: a seal's lettering or a
# speck read as a character) belongs to no date.
_STRAY_BEFORE_DAY = re.compile(r"((?:19|20)\d{2}年(?:0?[1-9]|1[0-2])月(?:0?[1-9]|[12]\d|3[01]))[^\d年月日号至到一十丨lI|]([日号])")
# Likewise between 年 and a month in figures (2019年三4月: a seal's ring read as 三). Not a
# one's look-alike in either: 2019年一2月 may be 12月.
_STRAY_BEFORE_MONTH = re.compile(r"((?:19|20)\d{2}年)[^\d年月日号至到一十丨lI|]((?:0?[1-9]|1[0-2])月)")


def _repair_slash(m: re.Match[str]) -> str:
    return f"{m.group(1)}/{m.group(2).replace('S', '5')}/{m.group(3).replace('S', '5')}"


def _read_only(text: str) -> str:
    """`text` with only the glyphs put right that stand for exactly one character: an O among
    digits is 0, an l among digits is 1, a 〇 split in two (GO) is 〇. Nothing is assumed."""
    t = compact(text)
    t = _OCR_CN_ZERO.sub("〇", t)
    t = _OCR_ZERO.sub("0", t)
    return _OCR_ONE.sub("1", t)


def prep_date_text(text: str) -> str:
    """`text` as date parsing sees it (no spaces, OCR look-alikes fixed, lost characters
    repaired): `find_dates` offsets refer to this string."""
    t = compact(text)
    t = _OCR_CN_ZERO.sub("〇", t)
    t = _CN_YEAR_20.sub(_repair_cn_year, t)
    t = _OCR_ZERO.sub("0", t)
    t = _OCR_ONE.sub("1", t)
    t = _LOST_YEAR_UNIT.sub(r"\1年\2月", t)
    t = _V_SLASH_MONTH.sub(r"\1/\2", t)
    t = _STRAY_BEFORE_DAY.sub(r"\1\2", t)
    t = _STRAY_BEFORE_MONTH.sub(r"\1\2", t)
    return _OCR_SLASH_DATE.sub(_repair_slash, t)


_prep_date_text = prep_date_text


def find_dates(text: str) -> list[DateHit]:
    """Every date in `text`, in order; offsets refer to the prepared (space-free) text.

    A date the text holds only once a repair assumed something OCR did not read (a 〇 or a year
    unit lost, a year's 〇 completed, a glyph taken for a numeral or dropped as stray) is marked
    `repaired`: the repair may have made a wrong date out of a right one (二二八 is 二〇二八 to
    the repair, yet may be 二〇〇八), so such a date is a guess until another reading confirms it."""
    prepared = _prep_date_text(text)
    hits = _dates_in(prepared)
    read_only = _read_only(text)
    if read_only == prepared:
        return hits
    as_read = {h.iso for h in _dates_in(read_only)}
    return [h if h.iso in as_read else DateHit(RepairedIso(h.iso), h.start, h.end, repaired=True) for h in hits]


def _dates_in(t: str) -> list[DateHit]:
    hits: list[DateHit] = []
    taken: list[tuple[int, int]] = []
    for m in _CN_DATE.finditer(t):
        year = chinese_to_int(m.group(1))
        month = chinese_to_int(m.group(2))
        day = chinese_to_int(m.group(3)) if m.group(3) else None
        if year is None or month is None or (m.group(3) and day is None):
            continue
        iso = _iso(year, month, day)
        if iso:
            hits.append(DateHit(iso, m.start(), m.end()))
            taken.append((m.start(), m.end()))
    for m in _AR_DATE.finditer(t):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        day = int(m.group(3)) if m.group(3) else None
        iso = _iso(int(m.group(1)), int(m.group(2)), day)
        if iso is None and day is not None:
            # "2005.07.45" is not a day; do not fall back to the month: the text is damaged.
            continue
        if iso:
            hits.append(DateHit(iso, m.start(), m.end()))
    if not hits:
        m = _COMPACT_DATE.match(t)
        if m:
            iso = _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)) if m.group(3) else None)
            if iso:
                hits.append(DateHit(iso, 0, len(t)))
    return sorted(hits, key=lambda h: h.start)


# A year, month and day in a date's shape that cannot all be (2918年11月, 2018年19月): a digit
# misread, as the year of a date starts 19 or 20.
_DATE_SHAPE = re.compile(
    r"(?<!\d)([12]\d{3})\s*(?:年|[.\-/．]\s*)(\d{1,2})(?!\d)\s*月?(?:\s*(?:[.\-/．]\s*)?(\d{1,2})(?!\d)\s*[日号])?"
)


def impossible_date(text: str) -> bool:
    """`text` holds something written as a date that is no date: a numeral misread."""
    for m in _DATE_SHAPE.finditer(_prep_date_text(text)):
        if _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)) if m.group(3) else None) is None:
            return True
    return False


def another_date(ours: str, theirs: str) -> bool:
    """`theirs` holds a date `ours` does not (二C一〇年 against 二C〇一年: 2010 against 2001); a
    date it could not make out, or none at all, disputes nothing, nor does one of our dates
    with a digit lost (2020.05.2 against 2020.05.25) or its day (2020.05:24)."""
    ours_hits = find_dates(ours)
    known = {h.iso for h in ours_hits}
    prepared = _prep_date_text(ours)
    our_digits = [re.sub(r"\D", "", prepared[h.start : h.end]) for h in ours_hits]
    theirs_prepared = _prep_date_text(theirs)
    for h in find_dates(theirs):
        if h.iso in known or any(k.startswith(h.iso) for k in known):
            continue  # ours, or ours without the day it could not make out (2020.05:24)
        digits = re.sub(r"\D", "", theirs_prepared[h.start : h.end])
        if not any(one_dropped(d, digits) for d in our_digits):
            return True
    return False


def one_dropped(longer: str, shorter: str) -> bool:
    """`shorter` is `longer` with one character left out (2020.05.2 of 2020.05.25)."""
    return len(longer) == len(shorter) + 1 and any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def parse_date(text: Optional[str]) -> Optional[str]:
    """`2005年7月` → `2005-07`, `二〇〇五年七月一日` → `2005-07-01`; None if absent or ambiguous."""
    reading = read_date(text)
    return reading.iso if reading else None


@dataclass(frozen=True)
class DateReading:
    iso: str
    repaired: bool  # only a repair of what OCR read makes it this date (see `find_dates`)


def read_date(text: Optional[str]) -> Optional[DateReading]:
    """The one date in `text`, and whether it had to be repaired to be read; None if absent or
    ambiguous."""
    if not text:
        return None
    hits = find_dates(text)
    found = {h.iso for h in hits}
    if len(found) != 1:
        return None
    iso = found.pop()
    repaired = all(h.repaired for h in hits)
    return DateReading(RepairedIso(iso) if repaired else str(iso), repaired)


_SLASH_YEAR = re.compile(r"((?:19|20)\d{2})([\d/]+)")
_SLASH_SEPARATORS = ("7/", "/", "7")  # how Tesseract renders a slash between date digits


def _slash_readings(rest: str, parts: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    """Every way `rest` splits into one or two (separator, 1-2 digit number) pairs."""
    if not rest:
        return [parts] if parts else []
    if len(parts) == 2:
        return []
    found: list[tuple[int, ...]] = []
    for sep in _SLASH_SEPARATORS:
        if not rest.startswith(sep):
            continue
        after = rest[len(sep) :]
        for n in (1, 2):
            digits = after[:n]
            if len(digits) == n and digits.isdigit():
                found += _slash_readings(after[n:], parts + (int(digits),))
    return found


def repair_slash_date(text: Optional[str]) -> Optional[str]:
    """`2003/7` that OCR read as `200377`, `20037/7`, `2020/5711` or `2020/47/12`: Tesseract
    takes a slash for a 7, or for `7/`. Every way of reading the sevens is tried; the date is
    returned only when exactly one reading is a real date. Only for forms known to write dates
    with slashes (the caller decides); a plain parse that succeeds always wins."""
    if not text:
        return None
    m = _SLASH_YEAR.fullmatch(_prep_date_text(text))
    if not m:
        return None
    year = int(m.group(1))
    dates = {iso for parts in _slash_readings(m.group(2)) if (iso := _iso(year, parts[0], parts[1] if len(parts) > 1 else None))}
    # A 7 taken for the slash it usually is: a repair, however the date then reads.
    return RepairedIso(dates.pop()) if len(dates) == 1 else None


def parse_year(text: str) -> Optional[int]:
    m = re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", _prep_date_text(text))
    if m:
        return int(m.group(1))
    m = re.search(rf"([{_CN_NUM}]{{4}})年", text)
    if m:
        year = chinese_to_int(m.group(1))
        return year if year and 1900 <= year <= 2100 else None
    return None


# ---------------------------------------------------------------------------------------------
# Enumerations
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def enum_table() -> dict[str, dict[str, list[str]]]:
    with open(DATA_DIR / "enums.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return {kind: {str(code): [str(v) for v in variants] for code, variants in codes.items()} for kind, codes in raw.items()}


@dataclass(frozen=True)
class Mapped:
    value: str
    certainty: float  # 1.0 exact; lower when the value carried extra text or was OCR-damaged
    check: Optional[str] = None  # the check OCR damage made it need (extractors/data/checks.tsv)


def map_enum(kind: str, text: Optional[str]) -> Optional[Mapped]:
    """The code whose variant is found in `text` (longest variant wins); fuzzy only when unique."""
    if not text:
        return None
    t = skeleton(text)
    if not t:
        return None
    table = enum_table()[kind]
    exact = [code for code, vs in table.items() if t in vs]
    if len(set(exact)) == 1:
        return Mapped(exact[0], 1.0)
    best_len, best_codes = 0, set()
    for code, variants in table.items():
        for v in variants:
            if len(v) >= 2 or len(t) <= 3:  # one-character variants only match short values
                if v in t:
                    if len(v) > best_len:
                        best_len, best_codes = len(v), {code}
                    elif len(v) == best_len:
                        best_codes.add(code)
    if len(best_codes) == 1 and best_len:
        return Mapped(best_codes.pop(), 0.95 if best_len * 2 >= len(t) else 0.85)
    if best_codes:
        return None
    # A stray mark OCR read as a character inside a variant of four or more (民和营企业): every
    # character of the variant is there, in order.
    inserted = {
        code
        for code, variants in table.items()
        for v in variants
        if len(v) >= 4 and one_dropped(t, v)
    }
    if len(inserted) == 1:
        return Mapped(inserted.pop(), check_weight("stray_inserted"), "stray_inserted")
    # OCR damage: one wrong character in a variant of four or more characters.
    scored: dict[str, float] = {}
    for code, variants in table.items():
        for v in variants:
            if len(v) >= 4:
                s = similarity(v, t)
                if s >= 0.74:
                    scored[code] = max(scored.get(code, 0.0), s)
    if not scored:
        return _one_misread(kind, t, table)
    ranked = sorted(scored.items(), key=lambda kv: -kv[1])
    if len(ranked) > 1 and ranked[1][1] >= ranked[0][1] - 0.05:
        return None
    return Mapped(ranked[0][0], round(0.8 * ranked[0][1], 3))


# Where one character turns an answer into its opposite (全日制 / 非全日制), a misread one is no
# answer at all.
_YES_NO_KINDS = frozenset({"full_time", "covid_frontline"})


def _one_misread(kind: str, t: str, table: dict[str, list[str]]) -> Optional[Mapped]:
    """A short value one character off a single code's variant (本各 for 本科): too weak to be
    taken alone (check one_misread), but a reading another source can confirm."""
    if kind in _YES_NO_KINDS or not 2 <= len(t) <= 3:
        return None
    near = {
        code
        for code, variants in table.items()
        for v in variants
        if len(v) == len(t) and sum(a != b for a, b in zip(v, t)) == 1
    }
    return Mapped(near.pop(), check_weight("one_misread"), "one_misread") if len(near) == 1 else None


# The plain readers below answer without a certainty: a value with a character misread is none.
def _code(kind: str, text: Optional[str]) -> Optional[str]:
    m = map_enum(kind, text)
    return None if m is None or m.check == "one_misread" else m.value


def _bool(kind: str, text: Optional[str]) -> Optional[bool]:
    m = map_enum(kind, text)
    return None if m is None or m.check == "one_misread" else m.value == "true"


def gender(text: Optional[str]) -> Optional[str]:
    return _code("gender", text)


def employer_type(text: Optional[str]) -> Optional[str]:
    return _code("employer_type", text)


def person_status(text: Optional[str]) -> Optional[str]:
    return _code("person_status", text)


def route(text: Optional[str]) -> Optional[str]:
    return _code("route", text)


def education(text: Optional[str]) -> Optional[str]:
    return _code("education", text)


def full_time(text: Optional[str]) -> Optional[bool]:
    return _bool("full_time", text)


def covid_frontline(text: Optional[str]) -> Optional[bool]:
    return _bool("covid_frontline", text)


def skill_level(text: Optional[str]) -> Optional[str]:
    return _code("skill_level", text)


_POST_GRADE = re.compile(r"(?:专业技术|专技)?(?:岗位)?([一二三四五六七八九十]{1,3}|\d{1,2})级")


def post_grade(text: Optional[str]) -> Optional[int]:
    """`专业技术七级` / `专业技术7级` / `专技十二级` → 7 / 7 / 12 (grades 1–13)."""
    if not text:
        return None
    t = skeleton(text)
    found = {chinese_to_int(m.group(1)) for m in _POST_GRADE.finditer(t)}
    if len(found) != 1:
        if t.isdecimal():
            found = {int(t)}
        else:
            return None
    grade = found.pop()
    return grade if grade is not None and 1 <= grade <= 13 else None


_NUMBER = re.compile(r"(?<![\d.])(\d{1,4}(?:\.\d{1,2})?)(?![\d.])")
_CN_COUNT = re.compile(r"([零〇一二两三四五六七八九十百]{1,6})")


def parse_number(text: Optional[str], unit: str = "") -> Optional[float]:
    """A single number in the text (`30学时`, `30.5`, `三十学时`); None if none or several."""
    if not text:
        return None
    t = _prep_date_text(text)
    if unit:
        t = t.replace(unit, " ")
    nums = _NUMBER.findall(t)
    if len(nums) == 1:
        return float(nums[0])
    if not nums:
        cns = _CN_COUNT.findall(t)
        if len(cns) == 1:
            v = chinese_to_int(cns[0])
            return None if v is None else float(v)
    return None


def hours(text: Optional[str]) -> Optional[float]:
    return parse_number(text, "学时")


def years(text: Optional[str]) -> Optional[int]:
    """Whole years (`12年`, `十二年`, `12`); a fraction is not a whole year, so None."""
    n = parse_number(text, "年")
    if n is None or n != int(n) or n < 0 or n > 60:
        return None
    return int(n)


# ---------------------------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------------------------

def _load_places() -> dict:
    with open(DATA_DIR / "places.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


_PLACES = _load_places()
COUNTIES: tuple[str, ...] = tuple(_PLACES["counties"])
_COUNTY_ALIASES: dict[str, str] = {str(a): c for c, entry in _PLACES["counties"].items() for a in entry["aliases"]}
_CITY_MARKS: tuple[str, ...] = tuple(_PLACES["city_marks"])
_TOWNSHIP = re.compile("(" + "|".join(re.escape(x) for x in _PLACES["township_suffixes"]) + ")")


# What may stand before a county's name in a region cell: the city, the region.
_REGION_PREFIX = re.compile(r"^(?:内蒙古(?:自治区)?)?(?:包头市?)?$")


def canonical_region(text: Optional[str]) -> Optional[str]:
    """The region as written, with the county part repaired when OCR damaged one character, and
    without a stray glyph before the county's name (和白云鄂博矿区: the cell's first glyph read
    twice) — only the city or the region may stand there."""
    if not text:
        return None
    t = skeleton(text)
    if not t:
        return None
    if any(m in t for m in _CITY_MARKS):
        return t
    for c in COUNTIES:
        if c in t:
            before = t[: t.index(c)]
            return t if _REGION_PREFIX.match(before) else t[len(before):]
    for alias in _COUNTY_ALIASES:
        if alias in t:
            return t
    best: Optional[tuple[float, str, SubMatch]] = None
    for c in COUNTIES:
        sm = best_substring(c, t, PLACE_MIN_SCORE)
        if sm and sm.score >= PLACE_MIN_SCORE and (best is None or sm.score > best[0]):
            best = (sm.score, c, sm)
    if best is None:
        return None
    _, c, sm = best
    return t[: sm.start] + c + t[sm.end :]


def repair_places(text: str) -> str:
    """County names inside a longer name (a unit, an issuer) with one OCR-damaged character
    put right: 包头市土黔特右旗人力资源… → 包头市土默特右旗人力资源…"""
    t = text
    for c in COUNTIES:
        if c in t or len(c) < 4:
            continue
        sm = best_substring(c, t, PLACE_MIN_SCORE)
        if sm and sm.score >= PLACE_MIN_SCORE and sm.end - sm.start == len(c):
            t = t[: sm.start] + c + t[sm.end :]
    return t


_DASHES = "—－―─–\\-"
# A title's subtitle dash (——以包头市为例) as OCR reads it: one dash lost (—以), a dash read as
# the character 一 (—一, 一一), or as hyphens (－－). Between Chinese text only, so COVID-19 and
# 2019-2020 keep their hyphen; 一一 only before the words a subtitle opens with (一一对应 is a word).
_SUBTITLE_DASH = re.compile(
    rf"(?<=[\u4e00-\u9fff）)》”])(?:[{_DASHES}]一|一[{_DASHES}]|[{_DASHES}]{{1,2}}|一一(?=以.{{1,12}}为例|基于|兼))(?=[\u4e00-\u9fff《“（(])"
)


def title_dashes(title: str) -> str:
    """`title` with its subtitle dash written as the two dashes it is printed with."""
    return _SUBTITLE_DASH.sub("——", title)


def region_level(region: Optional[str]) -> Optional[str]:
    """市直 → city; a banner/county/district → county; one of its 苏木/乡/镇 → township."""
    if not region:
        return None
    t = skeleton(region)
    if any(m in t for m in _CITY_MARKS):
        return "city"
    county = next((c for c in COUNTIES if c in t), None)
    if county is None:
        county = next((full for alias, full in _COUNTY_ALIASES.items() if alias in t), None)
    rest = t
    for c in COUNTIES + tuple(_COUNTY_ALIASES):
        rest = rest.replace(c, "")
    if _TOWNSHIP.search(rest):
        return "township"
    if county is not None:
        return "county"
    return None


# ---------------------------------------------------------------------------------------------
# ID numbers
# ---------------------------------------------------------------------------------------------

_ID_TRANSLATE = str.maketrans({"O": "0", "o": "0", "〇": "0", "I": "1", "l": "1", "|": "1", "×": "X", "x": "X"})


def clean_id_number(text: Optional[str]) -> Optional[str]:
    """18 characters, digits with a final digit or X; OCR's O/l confusions repaired."""
    if not text:
        return None
    t = skeleton(text).translate(_ID_TRANSLATE)
    m = re.search(r"(?<![0-9X])([0-9]{17}[0-9X])(?![0-9X])", t)
    return m.group(1) if m else None

