"""The lists of papers, awards and achievements written on the 评审表: each row a claim that
the rules check has its attachment."""

from __future__ import annotations

import re
from typing import Optional

from dossierflow.models import Evidence, Segment
from extractors import lexicons as lx
from extractors import normalize as nz
from extractors.evidence.common import GRADE, award_level, level_word, unsure_if_repaired
from extractors.layout import DocView, Found, TextLine, union

_SECTIONS = (
    ("claimed_paper", ("论文", "著作", "发表")),
    ("claimed_award", ("获奖", "奖励", "奖项")),
    ("claimed_achievement", ("业绩", "成果", "项目")),
)
_COL_TITLE = ("题目", "名称", "项目", "论文", "成果", "奖项", "业绩")
_COL_JOURNAL = ("刊物", "期刊", "刊名", "出版")
_COL_DATE = ("时间", "日期", "年月")
_COL_GRADE = ("等级", "级别", "获奖等级")
_COL_RANK = ("排名", "本人排序", "作者排序", "位次", "排序")
_COL_LEVEL = ("级别",)
# Cells no claim holds but a header does: what the date, journal, grade, rank and level columns
# are called (a category column's values, 项目 or 成果, are also headings' words, so not these).
_HEADINGS = frozenset(_COL_JOURNAL + _COL_DATE + _COL_GRADE + _COL_RANK + _COL_LEVEL
                      + ("刊物名称", "期刊名称", "发表时间", "获奖时间", "本人排名", "ISSN", "CN"))


def read_claims(view: DocView) -> list[Evidence]:
    """Rows of the 评审表's lists of papers, awards and achievements. A header row names the
    columns; the rows under it (until a row that is not a claim) are the claims."""
    out: list[Evidence] = []
    current: Optional[str] = None
    columns: dict[str, tuple[float, float]] = {}
    for ln in view.lines:
        cells = [(s, nz.compact(s.text)) for s in ln.segs]
        texts = [t for _, t in cells]
        joined = "".join(texts)
        header_kind = _header_kind(texts, joined)
        if header_kind is None and current is not None and not columns and _names_columns(texts):
            # The header row under a list's caption, its kind word misread (成果名称 read
            # 成名称果): the caption already said which list this is.
            header_kind = current
        if header_kind is not None:
            current = header_kind
            columns = {}
            for s, t in cells:
                col = _column_name(t)
                if col and col not in columns:
                    columns[col] = (s.box[0], s.box[2]) if ln.page.coords == "pt" or s.cell is None else (s.cell[2], s.cell[2] + 1)
            continue
        caption_kind = _caption_kind(joined)
        if caption_kind is not None:
            # A list's numbered caption starts that list, whatever was read before it; its
            # header row, next, names the columns.
            current, columns = caption_kind, {}
            continue
        if current is None:
            continue
        if len(cells) < 2 or _is_section_break(joined):
            current = None if _is_section_break(joined) else current
            continue
        if lx.is_form_heading(joined):
            # The form's own words, never a claim: the next list's heading (a caption row merged
            # across the table, or a line of its own read beside a stray mark), or a line of
            # header labels. The list's kind is left to the next header row, as a line of labels
            # may be the second line of this list's own header.
            continue
        if any(t.upper() in _HEADINGS for _, t in cells[1:]):
            # A cell that reads as a column heading (级别, 获奖时间) makes the row a heading: the next
            # list's title and part of its header read as one line (二、任现职以来获奖情况 | 级别,
            # the 、 lost), never a claim.
            continue
        held: dict[str, list[Segment]] = {}
        row = _assign(cells, columns, ln, held)
        title = row.get("title")
        if not title or not re.search(r"[\u4e00-\u9fff]{3,}", title) or lx.is_form_heading(title):
            continue
        date = nz.parse_date(row.get("date") or "") if row.get("date") else None
        grade = None
        if row.get("grade"):
            gm = GRADE.search(row["grade"])
            grade = gm.group(1) if gm else None
        level = None
        if current == "claimed_award":
            level = level_word(row.get("level", "")) or award_level(row.get("grade", "") + row.get("title", ""))
        issn = None
        if row.get("issn"):
            # Exactly four and four: 02357-5930 (0257-5930 with a digit read twice) is unread,
            # not the ISSN 2357-5930 with a wrong check digit.
            # Nor is 5930-2016 in 0257-59302016-12 (the date's cell run into the ISSN's): digits
            # joined by a dash to more digits before them are no ISSN's start.
            im = re.search(r"(?<![\d\-‐—–])(\d{4})[-‐—–]?(\d{3}[\dXx])(?![\dXx])", row["issn"])
            issn = f"{im.group(1)}-{im.group(2).upper()}" if im else None
        rank = None
        if row.get("rank"):
            rm = re.search(r"([一二三四五六七八九十\d]{1,3})", row["rank"])
            rank = nz.chinese_to_int(rm.group(1)) if rm else None
        number = None
        if row.get("number"):
            number = re.sub(r"\s+", " ", row["number"]).strip() or None
        # The claim points at its title's cell, as sure as the cells of its title and date: a
        # row number read unsurely (1 at 0.56) says nothing about what is claimed.
        stating = held.get("title", []) + held.get("date", [])
        src_found = Found(title, ln.page, union(s.box for s in held["title"]), held["title"][0].locator,
                          min(s.conf for s in stating), ln.stored) if held.get("title") else ln.found(title)
        out.append(
            Evidence(kind=current, source=src_found.source(), **unsure_if_repaired(dict(
                confidence=round(src_found.conf, 3), title=nz.title_dashes(title),
                journal=row.get("journal") if current == "claimed_paper" else None, date=date, issn=issn,
                grade=grade, level=level,
                author_rank=rank if current == "claimed_paper" else None,
                holder_rank=rank if current != "claimed_paper" else None, number=number,
            )))
        )
    return out


def _names_columns(texts: list[str]) -> bool:
    """Does the line read as a list's header row: a title column and a date, journal or grade
    column, each a short cell?"""
    has_title = any(any(w in t for w in _COL_TITLE) and len(t) <= 10 for t in texts)
    has_other = any(any(w in t for w in _COL_DATE + _COL_JOURNAL + _COL_GRADE) and len(t) <= 10 for t in texts)
    return has_title and has_other and len(texts) >= 2


def _header_kind(texts: list[str], joined: str) -> Optional[str]:
    if not _names_columns(texts):
        return None
    for kind, words in _SECTIONS:
        if any(w in joined for w in words):
            if kind == "claimed_achievement" and any(w in joined for w in _COL_JOURNAL):
                return "claimed_paper"
            if kind == "claimed_paper" and not any(w in joined for w in _COL_JOURNAL + ("论文",)):
                continue
            return kind
    return None


def _column_name(t: str) -> Optional[str]:
    if t in ("类别", "类型", "成果类别", "成果类型"):
        return "category"
    if t in ("编号", "专利号", "证书编号", "标准号"):
        return "number"
    if "ISSN" in t.upper():
        return "issn"
    if "CN" in t.upper() and len(t) <= 6:
        return "cn"
    if any(w in t for w in _COL_LEVEL):
        return "level"
    if any(w in t for w in _COL_JOURNAL):
        return "journal"
    if any(w in t for w in _COL_DATE):
        return "date"
    if any(w in t for w in _COL_GRADE):
        return "grade"
    if any(w in t for w in _COL_RANK):
        return "rank"
    if any(w in t for w in _COL_TITLE):
        return "title"
    return None


_CAPTION_START = re.compile(r"^[一二三四五六七八九十]")


def _caption_kind(joined: str) -> Optional[str]:
    """The list a numbered caption of the form's own (三、主要业绩成果（专利、标准、项目）) heads,
    told by its words, when the line reads as one of the form's headings (form_headings.txt,
    which allows a long heading's misread glyph and lost marks); else None."""
    folded = lx.fold_punctuation(joined)
    if not _CAPTION_START.match(folded) or not lx.is_form_heading(joined):
        return None
    for kind, words in _SECTIONS:
        if any(w in folded for w in words):
            return kind
    return None


_BREAK_START = re.compile(r"^(评审意见|单位意见|推荐意见|审核意见|主要|[一二三四五六七八九十]、)")
# What follows the lists on a form: opinions (单位推荐意见, 所在单位审核意见), declarations and the
# signature/date lines. Their wording varies, so the telling word is looked for near the start.
_BREAK_NEAR_START = re.compile(r"^.{0,8}?(意见|声明|承诺|签字|签名|盖章)")
_BREAK_LABEL = re.compile(r"^(申报|填表|填报|推荐|审核)(日期|时间|人)")


def _is_section_break(joined: str) -> bool:
    joined = lx.fold_punctuation(joined)  # 三丶 is 三、 read with a look-alike mark
    return bool(_BREAK_START.match(joined) or _BREAK_NEAR_START.match(joined) or _BREAK_LABEL.match(joined))


def _assign(cells: list[tuple[Segment, str]], columns: dict[str, tuple[float, float]], ln: TextLine,
            held: Optional[dict[str, list[Segment]]] = None) -> dict[str, str]:
    """The row's text by column; `held`, if given, collects each column's segments."""
    row: dict[str, str] = {}
    for s, t in cells:
        if ln.page.coords == "pt" or s.cell is None:
            x0, x1 = s.box[0], s.box[2]
        else:
            x0, x1 = s.cell[2], s.cell[2] + 1
        best, best_ov = None, 0.0
        for col, (c0, c1) in columns.items():
            ov = min(x1, c1) - max(x0, c0)
            if ov > best_ov:
                best, best_ov = col, ov
        if best is None and columns:
            cx = (x0 + x1) / 2
            best = min(columns, key=lambda c: abs((columns[c][0] + columns[c][1]) / 2 - cx))
        if best and not re.fullmatch(r"\d{1,2}", t):
            # OCR may cut one cell in two ("马" | "铃薯…"): pieces of a column join in x order.
            # Numbers keep their printed spaces (ZL 20122 1539836.2).
            piece = re.sub(r"\s+", " ", s.text.strip()) if best == "number" else t
            row[best] = row.get(best, "") + piece
            if held is not None:
                held.setdefault(best, []).append(s)
    return row


