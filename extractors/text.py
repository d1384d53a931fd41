"""Text clean-up shared by every reader: Tesseract's spaced-out Chinese, full-width forms."""

from __future__ import annotations

import re
import unicodedata

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
# A space (any width) between two CJK characters, or between CJK and a digit, is Tesseract's
# artefact or a label's padding (姓　名), never meaning.
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u3000\u00a0]+(?=[{_CJK}])")
_SPACE_CJK_DIGIT = re.compile(rf"(?<=[{_CJK}])[ \t\u3000\u00a0]+(?=[0-9])|(?<=[0-9])[ \t\u3000\u00a0]+(?=[{_CJK}])")


def collapse_cjk_spaces(text: str) -> str:
    text = _SPACE_BETWEEN_CJK.sub("", text)
    return _SPACE_CJK_DIGIT.sub("", text)


def fold_width(text: str) -> str:
    """Full-width ASCII to half-width (２０１９ → 2019), keeping CJK punctuation like ：as is."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
            out.append(chr(code - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


def clean(text: str) -> str:
    """What every reader applies before a value leaves it: NFC, width folding, CJK spacing."""
    text = unicodedata.normalize("NFC", text)
    return collapse_cjk_spaces(fold_width(text)).strip()
