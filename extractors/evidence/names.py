"""Names run together or misread: splitting author lists, matching the applicant."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

import yaml

from extractors import normalize as nz


@lru_cache(maxsize=1)
def _surnames() -> tuple[dict[str, int], frozenset[str]]:
    """Single surnames with their rank (most common first) and double surnames."""
    with open(nz.DATA_DIR / "surnames.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    single = str(raw["single"])
    return {ch: i for i, ch in reversed(list(enumerate(single)))}, frozenset(raw["double"])


def split_names(chunk: str, applicant: Optional[str] = None) -> Optional[list[str]]:
    """Names run together ("钟月杜文强"): cut around the applicant's name (one OCR-damaged
    character allowed), the rest into 2–3 character names that start with a surname. None when
    the split is ambiguous."""
    if not chunk:
        return []
    if applicant and len(applicant) >= 2:
        n = len(applicant)
        for i in range(len(chunk) - n + 1):
            window = chunk[i : i + n]
            if window == applicant or (n >= 3 and sum(a != b for a, b in zip(window, applicant)) == 1):
                left = split_names(chunk[:i], None)
                right = split_names(chunk[i + n :], applicant)
                if left is None or right is None:
                    return None
                return left + [applicant] + right
    if 2 <= len(chunk) <= 3:
        return [chunk]
    rank, double = _surnames()
    results: list[tuple[float, list[str]]] = []

    def cost_of(part: str, first: bool) -> Optional[float]:
        if len(part) == 4:
            return 0.0 if part[:2] in double else None
        if part[:2] in double:
            return 0.0
        if part[0] in rank:
            return rank[part[0]] / 1000.0  # rarer surnames cost more
        return 5.0 if first else None  # a name without a surname (蒙古族 names) only leads

    def walk(rest: str, acc: list[str], cost: float) -> None:
        if not rest:
            results.append((cost - 0.5 * sum(1 for x in acc if len(x) == 3), list(acc)))
            return
        for size in (2, 3, 4):
            part = rest[:size]
            if len(part) < size:
                break
            c = cost_of(part, not acc)
            if c is not None:
                walk(rest[size:], acc + [part], cost + c)

    walk(chunk, [], 0.0)
    if not results:
        return None
    results.sort(key=lambda r: r[0])
    if len(results) > 1 and abs(results[1][0] - results[0][0]) < 1e-9:
        return None
    return results[0][1]


def parse_authors(text: str, applicant: Optional[str] = None) -> Optional[list[str]]:
    t = re.sub(r"^(作者|作者姓名)[:：]?", "", text.strip())
    t = re.sub(r"[\d*＊†]+|[（(][^）)]*[）)]", " ", t)
    parts = [p for p in re.split(r"[\s,，、;；]+", t) if p]
    names: list[str] = []
    for p in parts:
        if not re.fullmatch(r"[\u4e00-\u9fff·]+", p):
            continue
        if len(p) <= 3 and not (applicant and len(p) == len(applicant) and nz.edit_distance(p, applicant) == 1 and len(p) >= 3):
            names.append(p)
            continue
        split = split_names(p, applicant)
        if split is None:
            return None
        names.extend(split)
    return names or None

