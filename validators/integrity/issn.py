"""Journal identifiers: the ISSN check digit (ISO 3297) and the Chinese CN 刊号 shape."""

from __future__ import annotations

import re
from typing import Optional

_ISSN = re.compile(r"^([0-9]{4})-?([0-9]{3})([0-9X])$")
# CN NN-NNNN/X: province code, serial, and a 中图法 class (letters, sometimes a digit: G4, TP).
_CN = re.compile(r"^(?:CN)?([0-9]{2})-([0-9]{4})/([A-Z]{1,2}[0-9]{0,2})$")


def normalise(code: str) -> str:
    return re.sub(r"[\s\u3000]", "", code).upper().replace("－", "-").replace("—", "-").replace("／", "/")


def issn_problem(issn: str) -> Optional[str]:
    s = normalise(issn).removeprefix("ISSN")
    m = _ISSN.match(s)
    if not m:
        return f"ISSN {issn} 格式不正确（应为 NNNN-NNNC）"
    digits = m.group(1) + m.group(2)
    total = sum(int(d) * w for d, w in zip(digits, range(8, 1, -1)))
    expected = (11 - total % 11) % 11
    want = "X" if expected == 10 else str(expected)
    if m.group(3) != want:
        return f"ISSN {issn} 校验位应为 {want}"
    return None


def cn_problem(cn: str) -> Optional[str]:
    if not _CN.match(normalise(cn)):
        return f"国内统一刊号 {cn} 格式不正确（应为 CN NN-NNNN/X）"
    return None
