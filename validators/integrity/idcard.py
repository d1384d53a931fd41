"""GB 11643-1999 citizen ID numbers: check digit, embedded birth date and sex digit."""

from __future__ import annotations

import re
from typing import Optional

# The check character and the birth date are the ground's (shared with masking what is read).
from dossierflow.checkdigits import id_birth_date as birth_date_of
from dossierflow.checkdigits import id_check_char as check_char

_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


def gender_of(id_number: str) -> str:
    """The 17th digit: odd for men, even for women."""
    return "男" if int(id_number[16]) % 2 == 1 else "女"


def id_problems(id_number: str, birth_date: Optional[str], gender: Optional[str]) -> list[str]:
    """Chinese descriptions of what is wrong with the number (empty when it is consistent)."""
    s = id_number.strip().upper()
    if not _SHAPE.match(s):
        return ["号码不是18位（前17位数字，末位数字或X）"]
    problems: list[str] = []
    if check_char(s[:17]) != s[17]:
        problems.append(f"校验码应为 {check_char(s[:17])}，实为 {s[17]}")
    born = birth_date_of(s)
    if born is None:
        problems.append("号码中的出生日期不是有效日期")
    elif birth_date:
        # The form gives YYYY-MM or YYYY-MM-DD; compare only what it gives.
        parts = birth_date.split("-")
        id_parts = [f"{born.year:04d}", f"{born.month:02d}", f"{born.day:02d}"][: len(parts)]
        if parts != id_parts:
            problems.append(f"号码中的出生日期 {born.isoformat()} 与表中出生年月 {birth_date} 不符")
    if gender in ("男", "女") and gender_of(s) != gender:
        problems.append(f"号码第17位表示性别为{gender_of(s)}，表中性别为{gender}")
    return problems
