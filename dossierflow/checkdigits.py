"""Check digits of the identifiers dossiers carry: what reading and integrity both test.

An OCR misreading of one digit almost always breaks the check digit, so a failing check on a
scanned number first means "read it again", and only then "a lead for review".
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

ISSN_SHAPE = re.compile(r"(?<![\dXx])(\d{4})[-‐—–－]?(\d{3})([\dXx])(?![\dXx])")


def issn_check_char(seven_digits: str) -> str:
    """The ISO 3297 check character for the first seven digits of an ISSN (0-9 or X)."""
    total = sum(int(d) * w for d, w in zip(seven_digits, range(8, 1, -1)))
    expected = (11 - total % 11) % 11
    return "X" if expected == 10 else str(expected)


def valid_issns(text: str) -> list[str]:
    """The ISSNs in `text` whose check character is right, as NNNN-NNNC."""
    return [
        f"{m.group(1)}-{m.group(2)}{m.group(3).upper()}"
        for m in ISSN_SHAPE.finditer(text)
        if issn_check_char(m.group(1) + m.group(2)) == m.group(3).upper()
    ]


def broken_issn(text: str) -> Optional[str]:
    """The first ISSN-shaped number in `text` whose check character is wrong, if any."""
    for m in ISSN_SHAPE.finditer(text):
        if issn_check_char(m.group(1) + m.group(2)) != m.group(3).upper():
            return m.group(0)
    return None


# GB 11643-1999 citizen ID numbers: the weights of the first 17 digits; the check character is
# picked by their weighted sum modulo 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_char(first17: str) -> str:
    """The GB 11643 check character (0-9 or X) for an ID number's first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def id_birth_date(id_number: str) -> Optional[dt.date]:
    """The birth date an ID number carries in digits 7–14, or None when they are not a real date."""
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except (ValueError, IndexError):
        return None
