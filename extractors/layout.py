"""Walking a page's segments the way a reader's eye does: same row, right of, next cell, below.

Three coordinate worlds meet here. Table cells carry `cell=(table, row, col)`, the most reliable
neighbourhood. PDF and OCR pages have boxes in points; rows are judged by vertical overlap.
DOCX pages have a logical grid whose y is a row or paragraph index.
"""

from __future__ import annotations

from typing import Iterable, Optional

from dossierflow.models import BBox, PageContent, Segment

# Two boxes are on one line when they overlap vertically by this share of the smaller height.
ROW_OVERLAP = 0.5
# "Directly below" looks at most this many line heights down.
BELOW_LINES = 2.6


def height(box: BBox) -> float:
    return max(box[3] - box[1], 1e-6)


def v_overlap(a: BBox, b: BBox) -> float:
    """Vertical overlap as a share of the smaller box's height."""
    inter = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, inter) / min(height(a), height(b))


def h_overlap(a: BBox, b: BBox) -> float:
    inter = min(a[2], b[2]) - max(a[0], b[0])
    return max(0.0, inter) / max(min(a[2] - a[0], b[2] - b[0]), 1e-6)


def union(boxes: Iterable[BBox]) -> Optional[BBox]:
    bs = list(boxes)
    if not bs:
        return None
    return (min(b[0] for b in bs), min(b[1] for b in bs), max(b[2] for b in bs), max(b[3] for b in bs))


def page_box(page: PageContent) -> BBox:
    if page.width_pt and page.height_pt:
        return (0.0, 0.0, float(page.width_pt), float(page.height_pt))
    return union(s.box for s in page.segments) or (0.0, 0.0, 0.0, 0.0)


def same_row(a: Segment, b: Segment, page: PageContent) -> bool:
    if a.cell is not None and b.cell is not None:
        return a.cell[:2] == b.cell[:2]
    if page.coords == "grid":
        if (a.cell is None) != (b.cell is None):
            return False
        return abs(a.box[1] - b.box[1]) < 0.5
    return v_overlap(a.box, b.box) >= ROW_OVERLAP


def next_cell(seg: Segment, page: PageContent) -> Optional[Segment]:
    """The cell right of `seg` in its table row (the nearest higher column index)."""
    if seg.cell is None:
        return None
    t, r, c = seg.cell
    after = [s for s in page.segments if s.cell is not None and s.cell[0] == t and s.cell[1] == r and s.cell[2] > c]
    return min(after, key=lambda s: s.cell[2]) if after else None  # type: ignore[index]


def right_of(seg: Segment, page: PageContent) -> list[Segment]:
    """Segments on the same row to the right of `seg`, nearest first."""
    out = [
        s for s in page.segments
        if s is not seg and same_row(seg, s, page) and s.box[0] >= seg.box[2] - 0.3 * height(seg.box)
    ]
    if seg.cell is not None:
        out = [s for s in out if s.cell is None or s.cell[2] > seg.cell[2] or s.cell[0] != seg.cell[0]] or out
    return sorted(out, key=lambda s: s.box[0])


def below(seg: Segment, page: PageContent) -> Optional[Segment]:
    """The nearest segment under `seg` that overlaps it horizontally, within a couple of lines."""
    if seg.cell is not None:
        t, r, c = seg.cell
        under = [s for s in page.segments if s.cell is not None and s.cell[0] == t and s.cell[2] == c and s.cell[1] > r]
        if under:
            return min(under, key=lambda s: s.cell[1])  # type: ignore[index]
    if page.coords == "grid":
        under = [s for s in page.segments if s.cell is None and seg.cell is None and s.box[1] > seg.box[1]]
        return min(under, key=lambda s: s.box[1]) if under else None
    limit = seg.box[3] + BELOW_LINES * height(seg.box)
    under = [
        s for s in page.segments
        if s is not seg and s.box[1] >= seg.box[3] - 0.3 * height(seg.box) and s.box[1] <= limit
        and h_overlap(seg.box, s.box) > 0.3 and v_overlap(seg.box, s.box) < ROW_OVERLAP
    ]
    return min(under, key=lambda s: s.box[1]) if under else None


def order_key(seg: Segment) -> tuple:
    return (seg.box[1], seg.box[0])


def lines(page: PageContent) -> list[list[Segment]]:
    """Segments grouped into visual lines (rows), top to bottom, each left to right."""
    segs = sorted(page.segments, key=order_key)
    out: list[list[Segment]] = []
    for s in segs:
        for line in reversed(out[-3:]):
            if same_row(line[0], s, page):
                line.append(s)
                break
        else:
            out.append([s])
    for line in out:
        line.sort(key=lambda s: (s.box[0], s.cell[2] if s.cell else 0))
    return out


def line_text(line: list[Segment]) -> str:
    return "".join(s.text for s in line)


def top_lines(page: PageContent, n: int = 6, share: float = 0.4) -> list[list[Segment]]:
    """The first `n` lines, but none below `share` of the page height (where titles sit)."""
    ls = lines(page)
    if page.coords == "pt" and page.height_pt:
        limit = page.height_pt * share
        ls = [ln for ln in ls if ln[0].box[1] <= limit] or ls[:1]
    return ls[:n]
