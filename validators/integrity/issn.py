"""Journal identifiers: the ISSN check digit (ISO 3297) and the Chinese CN 刊号 shape."""

from __future__ import annotations

import re
from typing import Optional

from dossierflow.checkdigits import issn_check_char

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
    want = issn_check_char(m.group(1) + m.group(2))
    if m.group(3) != want:
        return f"ISSN {issn} 校验位应为 {want}"
    return None


def cn_problem(cn: str) -> Optional[str]:
    if not _CN.match(normalise(cn)):
        return f"国内统一刊号 {cn} 格式不正确（应为 CN NN-NNNN/X）"
    return None
