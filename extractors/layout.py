"""Walking a page's segments the way a reader's eye does: same row, right of, next cell, below.

Three coordinate worlds meet here. Table cells carry `cell=(table, row, col)`, the most reliable
neighbourhood. PDF and OCR pages have boxes in points; rows are judged by vertical overlap.
DOCX pages have a logical grid whose y is a row or paragraph index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Optional

from dossierflow.models import BBox, PageContent, Segment, Source
from extractors import normalize as nz
from extractors.calibration import check_weight

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


# ---------------------------------------------------------------------------------------------
# Upright view. OCR readers keep boxes in the page's stored coordinates (what a reviewer sees in
# the PDF), but a page scanned sideways reads along its stored y axis. Layout works upright;
# sources are mapped back to stored coordinates.
# ---------------------------------------------------------------------------------------------


def turn_of(page: PageContent) -> int:
    """The quarter-turn to apply to this page's boxes to read them upright (0 when already so)."""
    r = page.rotation % 360
    if r == 0 or page.coords != "pt" or not (page.width_pt and page.height_pt):
        return 0
    if r in (90, 270):
        # Boxes already upright read along x: most text segments are wider than tall.
        long_segs = [s for s in page.segments if len(s.text) >= 4]
        tall = sum(1 for s in long_segs if (s.box[3] - s.box[1]) > (s.box[2] - s.box[0]))
        if long_segs and tall * 2 < len(long_segs):
            return 0
    return r


def _turn_box(box: BBox, r: int, w: float, h: float) -> BBox:
    x0, y0, x1, y1 = box
    if r == 270:
        return (y0, w - x1, y1, w - x0)
    if r == 90:
        return (h - y1, x0, h - y0, x1)
    if r == 180:
        return (w - x1, h - y1, w - x0, h - y0)
    return box


def upright(page: PageContent) -> PageContent:
    r = turn_of(page)
    if r == 0:
        return page
    w, h = float(page.width_pt or 0), float(page.height_pt or 0)
    segs = [s.model_copy(update={"box": _turn_box(s.box, r, w, h)}) for s in page.segments]
    ink = [_turn_box(b, r, w, h) for b in page.unread_ink]
    nw, nh = (h, w) if r in (90, 270) else (w, h)
    return page.model_copy(update={"segments": segs, "unread_ink": ink, "width_pt": nw, "height_pt": nh})


def stored_box(page: PageContent, box: BBox) -> BBox:
    """An upright box of `page` back in the page's stored coordinates."""
    r = turn_of(page)
    if r == 0:
        return box
    w, h = float(page.width_pt or 0), float(page.height_pt or 0)
    x0, y0, x1, y1 = box
    if r == 270:
        return (w - y1, x0, w - y0, x1)
    if r == 90:
        return (y0, h - x1, y1, h - x0)
    return (w - x1, h - y1, w - x0, h - y0)


def source_of(page: PageContent, box: Optional[BBox], locator: Optional[str] = None) -> Source:
    """The Source of an upright box on `page` (the stored page): grid pages give the locator."""
    if page.coords == "grid":
        return page.source(locator=locator)
    if box is None:
        return page.source()
    b = stored_box(page, box)
    return page.source(box=(round(b[0], 1), round(b[1], 1), round(b[2], 1), round(b[3], 1)))


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


# ---------------------------------------------------------------------------------------------
# A document's pages as text: certificates and letters are not forms. A value may follow a label
# (`证书编号：…`), sit in the cell beside it, or only appear inside a sentence; evidence readers
# ask for labels first and fall back to patterns over the running text.
# ---------------------------------------------------------------------------------------------

_COLON = re.compile(r"^[\s:：;；,，、|_\-—]+")
_STAMP = re.compile(r"^[（(](?:盖章|公章|签章|签字|签名)[）)][:：]?")


@dataclass(frozen=True)
class Found:
    text: str  # the value as read (compact, edges stripped)
    page: PageContent  # the upright view the value was found on
    box: Optional[BBox]  # upright coordinates
    locator: Optional[str]
    conf: float
    stored: PageContent  # the page as the reader gave it: sources point here

    def source(self) -> Source:
        return source_of(self.stored, self.box, self.locator)


@dataclass(frozen=True)
class TextLine:
    page: PageContent
    segs: tuple[Segment, ...]
    text: str  # compact text of the line
    stored: PageContent

    @property
    def box(self) -> Optional[BBox]:
        return union(s.box for s in self.segs)

    @property
    def conf(self) -> float:
        return min((s.conf for s in self.segs), default=1.0)

    def found(self, text: str) -> Found:
        loc = self.segs[0].locator if self.segs else None
        return Found(text, self.page, self.box, loc, self.conf, self.stored)


class DocView:
    def __init__(self, pages: list[PageContent], ignore_dates: frozenset[str] = frozenset()):
        # Dates that are never a document's own date (the holder's birth month, printed on
        # diplomas and degrees): readers looking for "the date at the bottom" skip them.
        self.ignore_dates = ignore_dates
        self.stored = pages
        self.pages = [upright(p) for p in pages]
        self._stored_of = {id(u): p for u, p in zip(self.pages, pages)}
        self.lines: list[TextLine] = [
            TextLine(u, tuple(ln), nz.compact(line_text(ln)), p) for u, p in zip(self.pages, pages) for ln in lines(u)
        ]

    def stored_of(self, page: PageContent) -> PageContent:
        return self._stored_of.get(id(page), page)

    def found(self, text: str, page: PageContent, seg: Segment) -> Found:
        return Found(text, page, seg.box, seg.locator, seg.conf, self.stored_of(page))

    @property
    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines)

    def plain_text(self) -> str:
        """The document's text as written, line by line (spaces kept), for near-duplicate checks."""
        return "\n".join(" ".join(s.text for s in ln.segs) for ln in self.lines)

    def first_page(self) -> Optional[PageContent]:
        return self.pages[0] if self.pages else None

    def whole_source(self) -> Optional[Source]:
        p = self.stored[0] if self.stored else None
        if p is None:
            return None
        return p.source(box=page_box(p)) if p.coords == "pt" else p.source(locator=None)

    @property
    def flat(self) -> str:
        """All text run together: sentences that wrap over lines read whole."""
        return "".join(ln.text for ln in self.lines)

    def value(
        self,
        labels: Iterable[str],
        stop_labels: Iterable[str] = (),
        accept: Optional[Callable[[str], bool]] = None,
        inside: bool = True,
    ) -> Optional[Found]:
        """The value after the first of `labels` that starts a segment: the rest of the segment,
        else the next cell, the segment to the right or the one below. `accept` rejects values
        that do not read as the kind asked for, and the search goes on."""
        labs = sorted((nz.compact(x) for x in labels), key=len, reverse=True)
        stops = [nz.compact(x) for x in stop_labels]
        for page in self.pages:
            for ln in lines(page):
                for seg in ln:
                    t = nz.compact(seg.text).lstrip(_LEAD_JUNK)
                    lab = next((x for x in labs if t.startswith(x)), None)
                    if lab is None:
                        continue
                    rest = _cut(_COLON.sub("", _STAMP.sub("", t[len(lab) :])), stops)
                    if rest:
                        if accept is None or accept(rest):
                            return self.found(rest, page, seg)
                        continue
                    for nb in _neighbours(seg, page):
                        nt = _cut(_COLON.sub("", nz.compact(nb.text)), stops)
                        if nt and not _is_labelish(nb.text) and (accept is None or accept(nt)):
                            found = self.found(nt, page, nb)
                            if _read_otherwise(nb, page, nt, stops):
                                # No surer than two recognisers' disagreement: none is taken.
                                return replace(found, conf=min(found.conf, check_weight("engines_disagree")))
                            return found
        return self._value_inside(labs, stops, accept) if inside else None

    def _value_inside(
        self, labs: list[str], stops: list[str], accept: Optional[Callable[[str], bool]]
    ) -> Optional[Found]:
        """A label in the middle of a run of text (OCR read a framed certificate as one block):
        the value runs to the next label of `KNOWN_LABELS`, a stop label or punctuation."""
        cut_at = [x for x in KNOWN_LABELS if x not in labs] + stops
        for page in self.pages:
            for seg in page.segments:
                t = nz.compact(seg.text)
                for lab in labs:
                    start = 0
                    while True:
                        idx = t.find(lab, start)
                        if idx <= 0:
                            break
                        start = idx + 1
                        rest = _COLON.sub("", _STAMP.sub("", t[idx + len(lab) :]))
                        rest = re.split(r"[。；;，,]", rest, maxsplit=1)[0]
                        rest = _cut_plain(rest, cut_at)[:40]
                        if rest and (accept is None or accept(rest)):
                            return Found(rest, page, seg.box, seg.locator, min(seg.conf, 0.8), self.stored_of(page))
        return None

    def search(self, pattern: "re.Pattern[str]", group: int = 0) -> Optional[Found]:
        for ln in self.lines:
            m = pattern.search(ln.text)
            if m:
                return ln.found(m.group(group))
        return None

    def search_all(self, pattern: "re.Pattern[str]") -> list[tuple[TextLine, "re.Match[str]"]]:
        return [(ln, m) for ln in self.lines for m in pattern.finditer(ln.text)]

    def line_with(self, needle: str) -> Optional[TextLine]:
        n = nz.compact(needle)
        return next((ln for ln in self.lines if n in ln.text), None)


_NEXT_LABEL = re.compile(r"(?<=.)[\u4e00-\u9fff]{2,8}[:：]")
_LEAD_JUNK = " :：|_-—·•'\"[]【】"


def _cut(text: str, labels: list[str]) -> str:
    """A value stops where the next label on the same line begins (a stop label, or `词：`)."""
    cut = len(text)
    for lab in labels:
        if lab:
            i = text.find(lab)
            if 0 < i < cut:
                cut = i
    m = _NEXT_LABEL.search(text)
    if m and m.start() < cut:
        cut = m.start()
    return text[:cut].strip(" :：;；,，、|")


# Labels certificates and letters print; a value found inside running text stops at the next one.
KNOWN_LABELS = tuple(
    nz.compact(x)
    for x in (
        "姓名", "性别", "出生年月", "出生日期", "身份证号", "身份证号码", "专业", "资格名称", "评审组织", "评审机构",
        "批准时间", "批准文号", "证书编号", "编号", "校名", "学校", "考试名称", "考试年度", "成绩", "证明编号",
        "发证日期", "发证机关", "工作单位", "审验单位", "审验日期", "公示结果", "日期", "管理号", "级别", "等级",
        "职业", "发明名称", "专利号", "发明人", "专利权人", "授权公告日", "专利申请日", "实用新型名称",
    )
)


def _cut_plain(text: str, labels: list[str]) -> str:
    cut = len(text)
    for lab in labels:
        i = text.find(lab)
        if 0 <= i < cut:
            cut = i
    return text[:cut].strip(" :：;；,，、|")


def _read_otherwise(cell: Segment, page: PageContent, value: str, stops: list[str]) -> bool:
    """Was the same table cell read again, as another table found over the same ruling (a
    certificate's frame and its table), and that reading says something else (2007年5月 against
    2007年9月)? Which one is right the page does not tell."""
    if cell.cell is None:
        return False
    for other in page.segments:
        if other is cell or other.cell is None or other.cell[0] == cell.cell[0] or not _same_box(other.box, cell.box):
            continue
        if _NOT_WORD.sub("", _cut(_COLON.sub("", nz.compact(other.text)), stops)) != _NOT_WORD.sub("", value):
            return True
    return False


_NOT_WORD = re.compile(r"[^\w]")
SAME_BOX_PT = 2.0  # two readings of one cell carry its box, as the ruling gave it, to the point


def _same_box(a: BBox, b: BBox) -> bool:
    return all(abs(x - y) <= SAME_BOX_PT for x, y in zip(a, b))


def _is_labelish(text: str) -> bool:
    t = nz.compact(text)
    return t.endswith((":", "：")) and len(t) <= 10


def _neighbours(seg: Segment, page: PageContent) -> list[Segment]:
    out: list[Segment] = []
    c = next_cell(seg, page)
    if c is not None:
        out.append(c)
    else:
        r = right_of(seg, page)
        if r:
            out.append(r[0])
    b = below(seg, page)
    if b is not None:
        out.append(b)
    return out
