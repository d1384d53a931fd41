"""Near-duplicate Chinese text: character shingles, minus boilerplate, compared by overlap.

Work summaries share a lot of set phrases (本人自参加工作以来, 认真贯彻落实…) and forms share
labels. Shingles that occur in many dossiers of the batch and the history are boilerplate and
are removed before two texts are compared, so only what an applicant wrote themselves counts.
"""

from __future__ import annotations

import hashlib
import re

SHINGLE_CHARS = 5
# Keep CJK, Latin letters and digits; punctuation and spacing differ between copies of one text.
_KEEP = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9]")


def shingles(text: str, k: int = SHINGLE_CHARS) -> list[int]:
    """Sorted distinct 32-bit hashes of the text's k-character shingles (stable across runs)."""
    s = _KEEP.sub("", text).lower()
    if len(s) < k:
        return []
    out = {int.from_bytes(hashlib.blake2b(s[i : i + k].encode(), digest_size=4).digest(), "big") for i in range(len(s) - k + 1)}
    return sorted(out)


def overlap(a: set[int], b: set[int]) -> tuple[float, float, int]:
    """(Jaccard, containment of the smaller in the larger, shared count)."""
    if not a or not b:
        return 0.0, 0.0, 0
    shared = len(a & b)
    return shared / len(a | b), shared / min(len(a), len(b)), shared
