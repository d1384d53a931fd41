"""What a reviewer types for a field, checked and normalised as the extractors would store it.

A reviewer's value becomes a fact judged with confidence 1.0, so it is held to the field's own
kind: a date must be a real date, an ID number must pass its check digit, a closed vocabulary
(gender, education, route...) must match its lexicon (`extractors/data/enums.yaml`, the title
table) exactly, by its code or one of its written forms. Anything else is refused with a
Chinese message; nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Callable, Optional

from dossierflow.errors import UsageError
from dossierflow.labels import FIELD_LABELS
from dossierflow.vocab import BOOL_FIELDS, DATE_FIELDS, DERIVED_FIELDS, FIELD_KEYS, INT_FIELDS, NUMBER_FIELDS
from extractors import normalize as nz
from extractors import titles as tt

FieldScalar = str | int | float | bool | None

# Closed vocabularies read through the enumeration lexicon.
ENUM_FIELDS = ("gender", "employer_type", "person_status", "route", "education", "skill_level")
_INT_RANGES = {"county_years": (0, 60), "township_years": (0, 60), "post_grade": (1, 13)}
_ISO = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_ID = re.compile(r"^\d{17}[\dX]$")


def label(field: str) -> str:
    return f"{FIELD_LABELS.get(field, field)}（{field}）"


def check_field(field: str) -> None:
    if field not in FIELD_KEYS:
        raise UsageError(f"没有名为 {field} 的字段（字段见 dossier-format.md 的字段表）")
    if field in DERIVED_FIELDS:
        base = {"region_level": "region", "applied_level": "applied_title"}.get(field, "")
        raise UsageError(f"字段 {label(field)} 由 {base} 推出，不能直接更正；请更正 {label(base)}")


def parse_field_value(field: str, text: object) -> FieldScalar:
    """The value as results.jsonl holds it (dates ISO, enumerations as codes, numbers as numbers,
    booleans as booleans); UsageError naming the field and why otherwise."""
    check_field(field)
    t = str(text).strip() if text is not None else ""
    if not t:
        raise UsageError(f"字段 {label(field)} 的值不能为空")
    parse = _PARSERS.get(field) or _kind_parser(field)
    value = parse(t)
    if value is None:
        if field == "id_number":
            from dossierflow.privacy import mask_id

            t = mask_id(t) or t[:6] + "…"
        raise UsageError(f"「{t}」不是字段 {label(field)} 可取的值：{_EXPECTED.get(field) or _kind_expected(field)}")
    return value


def _date(t: str) -> Optional[str]:
    m = _ISO.match(t)
    if m is None:
        reading = nz.read_date(t)
        if reading is None or reading.repaired:  # a date only a repair makes is not what was typed
            return None
        m = _ISO.match(str(reading.iso))
        if m is None:
            return None
    year, month, day = int(m.group(1)), int(m.group(2)), m.group(3)
    try:
        dt.date(year, month, int(day) if day else 1)
    except ValueError:
        return None
    if not 1900 <= year <= 2100:
        return None
    return f"{year:04d}-{month:02d}" + (f"-{int(day):02d}" if day else "")


def _id_number(t: str) -> Optional[str]:
    from validators.integrity.idcard import check_char

    s = re.sub(r"\s", "", t).upper()
    if not _ID.match(s) or check_char(s[:17]) != s[17]:
        return None
    return s


def _enum(kind: str) -> Callable[[str], Optional[str]]:
    def parse(t: str) -> Optional[str]:
        table = nz.enum_table()[kind]
        if t in table:
            return t
        matches = {code for code, variants in table.items() if nz.skeleton(t) in variants}
        return matches.pop() if len(matches) == 1 else None

    return parse


def _bool(kind: str) -> Callable[[str], Optional[bool]]:
    def parse(t: str) -> Optional[bool]:
        if t.lower() in ("true", "false"):
            return t.lower() == "true"
        found = _enum(kind)(t)
        return None if found is None else found == "true"

    return parse


def _int_field(field: str) -> Callable[[str], Optional[int]]:
    low, high = _INT_RANGES[field]

    def parse(t: str) -> Optional[int]:
        n = nz.post_grade(t) if field == "post_grade" else (int(t) if t.isdecimal() else nz.years(t))
        return n if n is not None and low <= n <= high else None

    return parse


def _number(t: str) -> Optional[float]:
    n = nz.parse_number(t)
    return n if n is not None and 0 <= n <= 1000 else None


def _title(t: str) -> Optional[str]:
    if tt.is_no_title(t):
        return "无"
    m = tt.match_title(t)
    return m.name if m is not None and m.certainty >= 1.0 else None


def _applied_title(t: str) -> Optional[str]:
    m = tt.match_title(t)
    return m.name if m is not None and m.certainty >= 1.0 else None


def _series(t: str) -> Optional[str]:
    return tt.canonical_series(t) if _exact_series(t) else None


def _exact_series(t: str) -> bool:
    """A series named as the lexicon names it (or its suffixed form, 卫生系列), not repaired."""
    s = nz.skeleton(t)
    return s in tt.series_names() or re.sub(r"(系列|专业技术人员|专业|职称)$", "", s) in tt.series_names()


def _region(t: str) -> Optional[str]:
    found = nz.canonical_region(t)
    if found is None or nz.region_level(found) is None:
        return None
    return found if found == nz.skeleton(t) else None


def _name(t: str) -> Optional[str]:
    s = nz.skeleton(t)
    return s if re.fullmatch(r"[\u4e00-\u9fff·]{2,20}", s) else None


def _text(t: str) -> Optional[str]:
    return t if len(t) <= 200 else None


def _skill_level(t: str) -> Optional[str]:
    return _enum("skill_level")(t)


_PARSERS: dict[str, Callable[[str], FieldScalar]] = {
    "id_number": _id_number,
    "current_title": _title,
    "applied_title": _applied_title,
    "series": _series,
    "region": _region,
    "name": _name,
    "employer": _text,
    "specialty": _text,
    "school": _text,
    "major": _text,
    "public_ce_hours": _number,
    "skill_level": _skill_level,
}

_EXPECTED = {
    "id_number": "应为18位身份证号码（末位可为X），且校验码正确",
    "current_title": "应为职称表中的职称名称，或“无”",
    "applied_title": "应为职称表中的职称名称（如 高级工程师）",
    "series": "应为申报系列的名称（如 工程、中小学教师、卫生）",
    "region": "应为 市直，或包头市的旗县区名称（可带苏木乡镇）",
    "name": "应为2至20个汉字",
    "public_ce_hours": "应为0至1000之间的学时数",
}


def _kind_parser(field: str) -> Callable[[str], FieldScalar]:
    if field in DATE_FIELDS:
        return _date
    if field in BOOL_FIELDS:
        return _bool(field)
    if field in INT_FIELDS:
        return _int_field(field)
    if field in NUMBER_FIELDS:
        return _number
    if field in ENUM_FIELDS:
        return _enum(field)
    return _text


def _kind_expected(field: str) -> str:
    if field in DATE_FIELDS:
        return "应为真实存在的日期，如 2005-07 或 2005-07-01"
    if field in BOOL_FIELDS:
        yes_no = "、".join(v for vs in nz.enum_table()[field].values() for v in vs[:2])
        return f"应为 true / false 或 {yes_no}"
    if field in INT_FIELDS:
        low, high = _INT_RANGES[field]
        return f"应为 {low} 至 {high} 之间的整数"
    if field in ENUM_FIELDS:
        table = nz.enum_table()[field]
        return "应为以下之一：" + "、".join(f"{vs[0]}（{code}）" if vs[0] != code else code for code, vs in table.items())
    return "不能超过200个字"


def same_value(field: str, shown: object, current: FieldScalar) -> bool:
    """Whether what a form showed (`shown`, as typed or as results.jsonl holds it) is `current`:
    an absent value shows as empty; a code may show as its Chinese word."""
    if current is None:
        return shown is None or str(shown).strip() == ""
    if shown is None:
        return False
    if shown == current or str(shown).strip() == str(current):
        return True
    from dossierflow.display import shown_value

    if str(shown).strip() == shown_value(field, current):
        return True
    try:
        return parse_field_value(field, shown) == current
    except UsageError:
        return False
