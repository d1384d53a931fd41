"""Small helpers the integrity checks share: ISO dates, names, flag construction."""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from dossierflow.models import Flag, Source, distinct_sources
from dossierflow.periods import add_years
from dossierflow.privacy import mask_ids_in_text


def parse_iso(value: object) -> Optional[dt.date]:
    """``YYYY-MM`` counts from the month's first day; anything else that is not ISO → None."""
    if not isinstance(value, str):
        return None
    parts = value.split("-")
    try:
        if len(parts) == 2:
            return dt.date(int(parts[0]), int(parts[1]), 1)
        if len(parts) == 3:
            return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None
    return None


def same_month(a: str, b: str) -> bool:
    return a[:7] == b[:7]


MIN_NUMBER_CHARS = 6


def norm_number(n: Optional[str]) -> Optional[str]:
    """A certificate number without separators, upper-cased; None when too short to identify
    anything: OCR often keeps only the start of a number ("2019-"), and a year is no number."""
    if not n:
        return None
    s = re.sub(r"[^0-9A-Za-z]", "", n).upper()
    return s if len(s) >= MIN_NUMBER_CHARS else None


_NUMBER_SEPARATORS = re.compile(r"[\s\-－—–_/.·:：、,，()（）]+")
_NUMBER_CHAR = re.compile(r"[0-9A-Z]")
MAX_UNREAD_CHARS = 2  # more unread characters than this and a reading is too far gone to compare


def number_reading(n: Optional[str]) -> Optional[str]:
    """A certificate number as read: separators removed, upper-cased, every other character kept.
    norm_number drops what is not a letter or digit, which makes two readings of one number
    differ in length when OCR read a damaged character as a CJK one (2016-小-282)."""
    if not n:
        return None
    s = _NUMBER_SEPARATORS.sub("", n).upper()
    return s if len(_NUMBER_CHAR.findall(s)) >= MIN_NUMBER_CHARS else None


def numbers_may_agree(a: Optional[str], b: Optional[str]) -> bool:
    """Two readings of a number (number_reading) that differ only where one of them holds a
    character no number is printed with (OCR could not read it): what both read as letters and
    digits agrees, character for character, and the unread ones are few."""
    if not a or not b or len(a) != len(b) or a == b:
        return False
    differ = [(x, y) for x, y in zip(a, b) if x != y]
    if len(differ) > MAX_UNREAD_CHARS:
        return False
    return all(not (_NUMBER_CHAR.fullmatch(x) and _NUMBER_CHAR.fullmatch(y)) for x, y in differ)


# A forged date is made to look plausible; a date read from a scan years past the day the batch is
# processed (二〇一三 read as 2043) is a misreading: such an item's date is not known.
OCR_FUTURE_YEARS = 2


def misread_future(day: dt.date, processing_date: dt.date) -> bool:
    """A date on a scanned page this far past the processing date cannot have been read right."""
    return day > add_years(processing_date, OCR_FUTURE_YEARS)


_NAME_NOISE = re.compile(r"[\s\u3000·•．.、,，()（）:：]")


def norm_name(name: object) -> str:
    return _NAME_NOISE.sub("", str(name or ""))


def flag(code: str, message: str, sources: list[Source] | None = None, related: list[str] | None = None, **details: object) -> Flag:
    """Every flag message passes through ID masking: messages end up in reports and logs."""
    return Flag(
        code=code,
        message=mask_ids_in_text(message),
        related=sorted(set(related or [])),
        sources=distinct_sources(sources or []),
        details=dict(details),
    )
