"""继续教育审验卡: hours per year (公需 / 专业), the verifying unit and date."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from dossierflow.models import BBox, Document, Evidence, FieldValue, PageContent, Segment, Source
from extractors import normalize as nz
from extractors.evidence.common import date_after, last_date, make_evidence, org_name, signer_unit
from extractors.layout import DocView, lines, source_of, union, upright


@dataclass(frozen=True)
class CeCell:
    value: float
    confidence: float
    source: Source
    raw: str


@dataclass
class CeCard:
    cells: dict[tuple[str, str], CeCell] = field(default_factory=dict)  # (year, public|professional)
    years_seen: set[str] = field(default_factory=set)  # a year cell of the table, hours read or not
    yearless_rows: int = 0  # rows of hours whose year cell was not read

    def hours(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for (year, kind), cell in sorted(self.cells.items()):
            out.setdefault(year, {})[kind] = cell.value
        return out

    def unread(self) -> list[str]:
        """Years whose row is on the card but whose hours were not read, and "?" for a row of
        hours whose year was not read: either may be the year a rule would call missing."""
        read = {year for year, _ in self.cells}
        return sorted(self.years_seen - read) + (["?"] if self.yearless_rows else [])

    def confidence(self) -> dict[str, float]:
        """Per year, the least sure of its hours cells."""
        out: dict[str, float] = {}
        for (year, _), cell in self.cells.items():
            out[year] = min(out.get(year, 1.0), cell.confidence)
        return out


# A speck beside a year cell's four digits (a dot of dust or JPEG noise, read as a mark) is no
# part of it: the cell holds a year and nothing else, so its digits are the year.
_SPECK = r"[.,'`·，。、．丶]"
_YEAR_CELL = re.compile(rf"^{_SPECK}?((?:19|20)\d{{2}})(?:年度?|年)?{_SPECK}?$")
_YEAR_ANY = re.compile(r"(?<!\d)((?:201|202)\d)(?:年度?)?(?!\d)")
_HOURS = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d)?)(?:学时|小时|课时)?(?![\d.])")


def read_ce_card(pages: list[PageContent]) -> CeCard:
    """Hours per year. Columns are told apart by their headers (公需 / 专业) when a header row is
    found, else by the words on the row itself (`公需科目30学时`), else by order (公需 first)."""
    card = CeCard()
    for stored in pages:
        page = upright(stored)
        header: dict[str, tuple[float, float]] = {}
        in_table = False  # between the header row and the first labelled line below it
        for ln in lines(page):
            texts = [nz.compact(s.text) for s in ln]
            joined = "".join(texts)
            if _LABEL_LINE.search(joined):
                in_table = False
                continue
            read_before = len(card.cells)
            if _read_line(card, stored, ln, texts, joined, header):
                in_table = any(kind in header for kind in _HEADER_WORDS) or _year_header(header) is not None
                continue
            if len(card.cells) == read_before and _row_unread(texts, joined, in_table):
                # A row of the table that yielded no hours: its year cannot be called absent.
                m = _YEAR_ANY.search(joined)
                if m:
                    card.years_seen.add(m.group(1))
                else:
                    card.yearless_rows += 1
        card.yearless_rows += _rows_skipped(stored)
    return card


def _rows_skipped(page: PageContent) -> int:
    """Rows of the hours table OCR read nothing of: the table's ruling still has them (its cells
    are numbered by row), so a gap in the numbers between two read rows is a row whose year may
    be the one a rule would call missing."""
    rows: dict[int, set[int]] = {}
    for s in page.segments:
        if s.cell is not None and _YEAR_CELL.match(nz.compact(s.text)):
            rows.setdefault(s.cell[0], set()).add(s.cell[1])
    read = {t: {s.cell[1] for s in page.segments if s.cell is not None and s.cell[0] == t and s.text.strip()}
            for t in rows}
    return sum(len(set(range(min(r), max(r) + 1)) - read[t]) for t, r in rows.items())


# A labelled line of the card (审验单位：…, 审验日期：…): the table has ended above it.
_LABEL_LINE = re.compile(r"(审验|审核|验证|发证)(单位|日期|时间|机构)|(日期|单位|姓名|职务)[:：]|盖章|签章")
_TOTAL_ROW = re.compile(r"^(合计|总计|小计)")


def _row_unread(texts: list[str], joined: str, in_table: bool) -> bool:
    """Whether a line that gave no hours is a row of the table all the same. Below the header,
    any line carrying a figure or a verdict (合格) is one; where no header was read, a line with a
    year and a figure, or two figures and no words, is one."""
    cells = [t for t in texts if t]
    if not cells or _TOTAL_ROW.match(cells[0]):
        return False
    if in_table:
        return bool(re.search(r"\d", joined)) or "合格" in joined
    figures = [t for t in cells if _HOURS.fullmatch(t)]
    return bool(_YEAR_ANY.search(joined) and figures) or _hours_row(texts)


def _read_line(card: CeCard, stored: PageContent, ln: list[Segment], texts: list[str], joined: str,
               header: dict[str, tuple[float, float]]) -> bool:
    """Hours from one line: a header row fills `header` (True), a year's row fills `card`."""
    heads_table = any(_YEAR_HEADER.match(t) for t in texts)
    if ("公需" in joined or "专业" in joined or heads_table) and not _YEAR_ANY.search(joined):
        # The last such line above the rows is their header: a row of the card's particulars
        # above the table (姓名 … 专业技术职务 …) names 专业 too, and its cells must not stay
        # columns that shadow the header's, even when the header's hours cells went unread
        # (年度 … 合计 read, 公需科目学时 and 专业科目学时 lost).
        header.clear()
        for s, t in zip(ln, texts):
            kind = _header_kind(t)
            if kind is not None:
                header[kind] = (s.box[0], s.box[2])
            elif t and (len(ln) > 2 or heads_table):
                header[f"other:{t}"] = (s.box[0], s.box[2])  # 合计, 审验结果: numbers there are not hours
        return True
    year_seg = next((s for s, t in zip(ln, texts) if _YEAR_CELL.match(t)), None)
    if year_seg is None:
        m = _YEAR_ANY.search(joined)
        if not m or not ("公需" in joined or "专业" in joined or "学时" in joined):
            return False
        _row_words(card, stored, ln, m.group(1))
        return False
    year = _YEAR_CELL.match(nz.compact(year_seg.text)).group(1)  # type: ignore[union-attr]
    if header:
        card.years_seen.add(year)
    nums = [(s, t) for s, t in zip(ln, texts) if s is not year_seg and _HOURS.fullmatch(t)]
    if header and nums and not any(kind in header for kind in _HEADER_WORDS):
        _hours_by_order_and_sum(card, stored, year, nums, header)
    elif header and nums:
        columns = [(_column_of(s.box, header), s, t) for s, t in nums]
        for kind, s, t in columns:
            if kind in ("public", "professional"):
                _put(card, stored, year, kind, s, t)
        _public_by_sum(card, stored, year, columns)
    elif "公需" in joined or "专业" in joined:
        _row_words(card, stored, ln, year)
    elif len(nums) >= 2:
        _put(card, stored, year, "public", nums[0][0], nums[0][1])
        _put(card, stored, year, "professional", nums[1][0], nums[1][1])
    return False


_YEAR_HEADER = re.compile(r"^(年度|年份)$")


def _year_header(header: dict[str, tuple[float, float]]) -> Optional[tuple[float, float]]:
    return next((span for kind, span in header.items() if _YEAR_HEADER.match(kind[len("other:"):])), None)


def _hours_by_order_and_sum(card: CeCard, page: PageContent, year: str, nums: list[tuple[Segment, str]],
                            header: dict[str, tuple[float, float]]) -> None:
    """A header row read without its hours cells (年度 … 合计: 公需科目学时 and 专业科目学时 lost
    to blur or a seal): the row's two figures between the year and the 合计 column are its
    hours in the card's order, 公需 first (as where no header is read at all), when they make
    the figure under 合计. The sum vouches that they are the two hours cells; no sum, no reading."""
    total = next((span for kind, span in header.items() if "合计" in kind), None)
    if total is None:
        return
    centre = lambda s: (s.box[0] + s.box[2]) / 2  # noqa: E731
    before = sorted(((s, t) for s, t in nums if centre(s) < total[0]), key=lambda st: st[0].box[0])
    under = [t for s, t in nums if total[0] <= centre(s) <= total[1]]
    if len(before) != 2 or len(under) != 1:
        return
    public, professional, whole = nz.hours(before[0][1]), nz.hours(before[1][1]), nz.hours(under[0])
    if public is None or professional is None or whole is None or abs(public + professional - whole) >= 0.05:
        return
    _put(card, page, year, "public", *before[0])
    _put(card, page, year, "professional", *before[1])


def _hours_row(texts: list[str]) -> bool:
    """A table row that starts with hours and names nothing: a year's row whose year cell was
    read on a line of its own or not at all."""
    cells = [t for t in texts if t]
    return len(cells) >= 2 and bool(_HOURS.fullmatch(cells[0])) and not any(
        re.search(r"[\u4e00-\u9fff]{2,}", t) and not re.search(r"\d", t) for t in cells
    )


_HEADER_WORDS = {"public": "公需", "professional": "专业"}
_HEADER_TAILS = ("科目学时", "科目", "学时")


def _header_kind(text: str) -> Optional[str]:
    """公需 or 专业 column header; a header one character off either (公怖科目学时) is the one
    it is off, when it is off only one of them."""
    if "公需" in text:
        return "public"
    if "专业" in text and "合计" not in text:
        return "professional"
    if len(text) < 3:
        return None
    near = {
        kind
        for kind, word in _HEADER_WORDS.items()
        if any(nz.edit_distance(text, word + tail) <= 1 for tail in _HEADER_TAILS)
    }
    return near.pop() if len(near) == 1 else None


def _public_by_sum(card: CeCard, page: PageContent, year: str, columns: list[tuple[Optional[str], Segment, str]]) -> None:
    """A public-hours header OCR could not read (公和需科上日学时, a seal across it): the one
    unnamed column whose hours and the professional hours make the row's 合计 is the public
    column. The sum vouches for it; no sum, no guess."""
    professional = card.cells.get((year, "professional"))
    if (year, "public") in card.cells or professional is None:
        return
    named = [(kind[len("other:"):], s, t, nz.hours(t)) for kind, s, t in columns if kind and kind.startswith("other:")]
    totals = [h for name, _, _, h in named if "合计" in name and h is not None]
    unnamed = [(s, t, h) for name, s, t, h in named if "合计" not in name and h is not None]
    if len(totals) == 1 and len(unnamed) == 1:
        s, t, h = unnamed[0]
        if abs(h + professional.value - totals[0]) < 0.05:
            _put(card, page, year, "public", s, t)


def _column_of(box: BBox, header: dict[str, tuple[float, float]]) -> Optional[str]:
    """The header column a cell sits under: the most overlap, ties and misses by nearest centre."""
    cx = (box[0] + box[2]) / 2
    ranked = sorted(
        header.items(),
        key=lambda kv: (-max(0.0, min(box[2], kv[1][1]) - max(box[0], kv[1][0])), abs((kv[1][0] + kv[1][1]) / 2 - cx)),
    )
    return ranked[0][0] if ranked else None


def _put(card: CeCard, page: PageContent, year: str, kind: str, seg: Segment, text: str) -> None:
    v = nz.hours(text)
    if v is None or (year, kind) in card.cells:
        return
    src = source_of(page, seg.box, seg.locator)
    card.cells[(year, kind)] = CeCell(v, round(seg.conf, 3), src, text)


def _row_words(card: CeCard, page: PageContent, ln: list[Segment], year: str) -> None:
    joined = "".join(nz.compact(s.text) for s in ln)
    for kind, word in (("public", "公需"), ("professional", "专业")):
        m = re.search(word + r"[^\d]{0,8}?(\d{1,3}(?:\.\d)?)", joined)
        if m and (year, kind) not in card.cells:
            box = union(s.box for s in ln)
            src = source_of(page, box, ln[0].locator)
            card.cells[(year, kind)] = CeCell(float(m.group(1)), round(min(s.conf for s in ln), 3), src, m.group(0))


def read_ce(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    card = read_ce_card(view.stored)
    unit_f = view.value(("审验单位", "验证单位", "审核单位", "发证单位"))
    unit = org_name(unit_f.text if unit_f else signer_unit(view))
    date = date_after(view, ("审验日期", "审验时间", "验证日期", "日期")) or last_date(view)
    return [make_evidence("ce_card", view, None, hours=card.hours() or None, unit=unit, date=date,
                          unread_parts=card.unread() or None, part_confidence=card.confidence() or None)]

