"""Text clean-up and comparison shared by every layer.

Readers clean what they read (`clean`: Tesseract's spaced-out Chinese, full-width forms);
extraction and the rules compare what was read with what was expected (`skeleton`,
`edit_distance`, `best_substring`) the same way, so both sides agree on what a match is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

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


_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_PUNCT = re.compile(r"[\s\u3000\u00a0:：;；,，.。、·•\-—_()（）\[\]【】<>《》\"'“”‘’|/\\]+")


def compact(text: str) -> str:
    """Text with all whitespace removed and width folded: how labels and titles are compared."""
    return _SPACES.sub("", fold_width(text))


def skeleton(text: str) -> str:
    """Text without whitespace or punctuation: the part OCR damage and layout cannot change."""
    return _PUNCT.sub("", fold_width(text))


def glyph_advance(ch: str) -> float:
    """Relative advance of a glyph: CJK and full-width forms are square, the rest about half."""
    return 1.0 if ord(ch) >= 0x2E80 else 0.5


def em_count(text: str) -> float:
    """How many ems of type a text's glyphs take, spaces left out: a line's width over this is
    its type size, which a skewed line's box height is not (a long line is boxed taller)."""
    return sum(glyph_advance(ch) for ch in _SPACES.sub("", text))


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def similarity(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return 1.0 - edit_distance(a, b) / max(len(a), len(b))


@dataclass(frozen=True)
class SubMatch:
    score: float  # 1 - edits / len(needle)
    start: int
    end: int


def best_substring(needle: str, hay: str, min_score: float = 0.0) -> Optional[SubMatch]:
    """Where `needle` occurs in `hay` with the fewest edits (semi-global alignment).

    An OCR-damaged title ("专业技术资格评軍表") or a title with a prefix ("2020年度专业…") still
    matches; the score says how much was damaged. With `min_score`, a needle that cannot reach it
    is None without the alignment: every needle character `hay` lacks costs an edit, so the
    characters they share bound the score from above. (Label and title search call this hundreds
    of thousands of times a batch, nearly always on text that shares little with the needle.)
    """
    if not needle or not hay:
        return None
    idx = hay.find(needle)
    if idx >= 0:
        return SubMatch(1.0, idx, idx + len(needle))
    n, m = len(needle), len(hay)
    if min_score > 0:
        present = sum(c in hay for c in needle)
        if present < min_score * n:
            return None
    # dist[j]: edits aligning needle[:i] ending at hay[:j]; start[j]: where that alignment began.
    dist = [0] * (m + 1)
    start = list(range(m + 1))
    for i in range(1, n + 1):
        ndist = [i] + [0] * m
        nstart = [0] + [0] * m
        for j in range(1, m + 1):
            sub = dist[j - 1] + (needle[i - 1] != hay[j - 1])
            dele = dist[j] + 1
            ins = ndist[j - 1] + 1
            best = min(sub, dele, ins)
            ndist[j] = best
            if best == sub:
                nstart[j] = start[j - 1]
            elif best == dele:
                nstart[j] = start[j]
            else:
                nstart[j] = nstart[j - 1]
        dist, start = ndist, nstart
    end = min(range(1, m + 1), key=lambda j: (dist[j], -j))
    return SubMatch(max(0.0, 1.0 - dist[end] / n), start[end], end)
