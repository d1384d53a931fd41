"""How personal data appears to people: ID numbers masked to their first 6 and last 4 characters.

The database and results.jsonl keep full numbers (matching needs them); everything a clerk,
reviewer or log reads goes through here.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from dossierflow.checkdigits import id_birth_date, id_check_char

# Fields whose value is an ID number: masked in text, and their page region drawn flat in any
# picture shown to someone who reads it masked (a region's margin, the label, stays).
PRIVATE_FIELDS = ("id_number",)

_ID_IN_TEXT = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9Xx])")


def mask_id(id_number: Optional[str]) -> str:
    """``150203199001011234`` → ``150203********1234``; too short to mask partially → all stars."""
    if not id_number:
        return ""
    s = str(id_number).strip()
    if len(s) <= 10:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


def mask_ids_in_text(text: str) -> str:
    """Mask every 18-character ID number inside free text (messages, log lines)."""
    return _ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), text)


# -- ID numbers in what was read -------------------------------------------------------------
# OCR's usual confusions in digits, and the spaces and hyphens a printed number is grouped by.
_READ_AS_DIGIT = str.maketrans({"O": "0", "o": "0", "〇": "0", "D": "0", "I": "1", "l": "1", "|": "1", "×": "X", "x": "X"})
_GROUPING = re.compile(r"(?<=[0-9X])[\s\-－—]+(?=[0-9X])")
# 17 to 19 characters: a number OCR read one digit short or long is still the person's number.
_ID_LIKE = re.compile(r"(?<![0-9])[1-9][0-9]{15,17}[0-9X](?![0-9X])")


def _check_holds(number: str) -> bool:
    return len(number) == 18 and id_check_char(number[:17]) == number[17]


def _born_in_it(number: str) -> bool:
    """Digits 7–14 are a real birth date of a living person (GB 11643's layout)."""
    born = id_birth_date(number)
    return born is not None and 1900 <= born.year <= dt.date.today().year


def holds_id_number(text: str) -> bool:
    """Does this read text (an OCR line, a text-layer line) show a citizen ID number? One whose
    check digit holds, or a near miss (a misread digit breaks the check; one dropped or doubled
    digit changes the length) that still carries a birth date where GB 11643 puts it: other long
    numbers (certificate, ISSN, phone) rarely do both."""
    flat = _GROUPING.sub("", text.translate(_READ_AS_DIGIT).upper())
    return any(_check_holds(m.group(0)) or _born_in_it(m.group(0)) for m in _ID_LIKE.finditer(flat))
