"""Journal articles: title, journal, ISSN, CN, issue, authors and the applicant's rank."""

from __future__ import annotations

import re
from typing import Optional

from dossierflow.models import Document, Evidence, FieldValue
from dossierflow.text import em_count
from extractors import normalize as nz
from extractors.evidence.common import CN, ISSN, ISSUE, VOL_NO, applicant_of, date_after, make_evidence
from extractors.evidence.names import parse_authors
from extractors.layout import DocView, TextLine


def read_paper(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    text = view.text
    issn_f = view.search(ISSN)
    cn_f = view.search(CN)
    issn = None
    if issn_f is not None:
        m = ISSN.search(issn_f.text)
        issn = f"{m.group(1)}-{m.group(2).upper()}" if m else None
    cn = None
    if cn_f is not None:
        m = CN.search(cn_f.text)
        cn = f"{m.group(1)}-{m.group(2)}/{m.group(3).upper()}" if m else None
    issue_m = ISSUE.search(text) or VOL_NO.search(text)
    issue = f"{issue_m.group(1)}年第{int(issue_m.group(2))}期" if issue_m else None
    journal = _journal(view)
    applicant = applicant_of(fields)
    title, authors_line = _paper_title_authors(view, applicant)
    authors = parse_authors(authors_line, applicant) if authors_line else None
    rank = authors.index(applicant) + 1 if authors and applicant in authors else None
    date = date_after(view, ("发表日期", "出版日期", "发表时间", "出版时间"))
    if date is None:
        m = re.search(r"((?:19|20)\d{2})年(\d{1,2})月(?:出版|发表)", text)
        date = nz.parse_date(m.group(0)) if m else None
    if date is None and issue_m is not None:
        date = _issue_date(view, issue_m.group(1))

    anchor = view.line_with(title).found(title) if title and view.line_with(title) else None
    return [
        make_evidence(
            "paper", view, anchor, title=nz.title_dashes(title) if title else None, journal=journal, issn=issn, cn=cn, issue=issue,
            authors=authors, author_rank=rank, date=date, text=view.plain_text(),
        )
    ]


def _issue_date(view: DocView, year: str) -> Optional[str]:
    for ln in view.lines:
        for h in nz.find_dates(ln.text):
            if h.iso.startswith(year) and "收稿" not in ln.text and "修回" not in ln.text:
                return h.iso
    return None


_JOURNAL_BRACKET = re.compile(r"《([^》]{2,24})》")
_JOURNAL_HEAD = re.compile(r"^([\u4e00-\u9fff]{2,16}?)(?:杂志|学报)?[·•\s“”\"'、,，]*(?:(?:19|20)\d{2}年|第\d+卷|ISSN|CN|Vol)", re.I)


def _journal(view: DocView) -> Optional[str]:
    f = view.value(("刊名", "期刊名称", "刊物名称"), inside=False)
    if f is not None and 2 <= len(f.text) <= 24:
        return f.text
    for ln in view.lines[:12]:
        m = _JOURNAL_BRACKET.search(ln.text)
        if m:
            return m.group(1)
    for ln in view.lines[:12]:
        m = _JOURNAL_HEAD.match(ln.text)
        if m:
            name = m.group(1)
            full = ln.text[: ln.text.find(name) + len(name) + 2]
            for suffix in ("杂志", "学报"):
                if full.startswith(name + suffix):
                    return name + suffix
            return name
    return None


# Where the article's front matter ends: 摘要 with one of its characters misread when it is
# bracketed (【质要】), or the keywords or the introduction when 摘要 is not read at all.
_ABSTRACT_START = re.compile(r"[［\[【]?摘要|[［\[【](?:\S要|摘\S)[］\]】]|关键词|\d?\s*引言")
_META_LINE = re.compile(r"(ISSN|CN\d|摘要|关键词|中图分类号|文献标识码|文章编号|收稿日期|作者简介|第\d+卷|年第\d+期|Vol|No\.|^[（(]|\d{6})", re.I)


def _paper_title_authors(view: DocView, applicant: Optional[str] = None) -> tuple[Optional[str], Optional[str]]:
    """On the article page: the title is the tallest line above 摘要; the authors follow it."""
    article_page = next((p for p in view.pages if "摘要" in nz.compact(p.text()) or "关键词" in nz.compact(p.text())), None)
    page = article_page or (view.pages[-1] if view.pages else None)
    if page is None:
        return None, None
    # One unit per segment: a tall title line overlaps the small ISSN line beside it, and the
    # two must not be read as one line.
    ls = [
        TextLine(ln.page, (s,), nz.compact(s.text), ln.stored)
        for ln in view.lines if ln.page is page for s in ln.segs
    ]
    stop = next((i for i, ln in enumerate(ls) if _ABSTRACT_START.match(ln.text)), len(ls))
    cands = [
        (i, ln) for i, ln in enumerate(ls[:stop])
        if ln.text and not _META_LINE.search(ln.text) and re.search(r"[\u4e00-\u9fff]{4,}", ln.text)
    ]
    # The authors' line is short and splits into names; the title does not.
    not_authors = [(i, ln) for i, ln in cands if not _looks_like_authors(ln, applicant)]
    cands = not_authors or cands
    labelled = view.value(("题目", "论文题目", "篇名"), inside=False)
    if labelled is not None:
        title = labelled.text
    elif cands:
        if page.coords == "pt":
            # The title is set in the page's largest type: its width per em, not its box's
            # height, which on a skewed scan grows with the line's length.
            i, ln = max(cands, key=lambda c: _type_size(c[1]))
        else:
            i, ln = cands[0]
        title = ln.text
    else:
        return None, None
    labelled_auth = view.value(("作者", "作者姓名"), inside=False)
    if labelled_auth is not None:
        return title, labelled_auth.text
    idx = next((k for k, ln in enumerate(ls) if ln.text == title), None)
    if idx is not None:
        for ln in ls[idx + 1 : idx + 5]:
            if _looks_like_authors(ln, applicant):
                return title, " ".join(s.text for s in ln.segs)
    return title, None


def _type_size(ln: TextLine) -> float:
    if ln.box is None:
        return 0.0
    ems = sum(em_count(s.text) for s in ln.segs)
    return (ln.box[2] - ln.box[0]) / ems if ems else 0.0


def _looks_like_authors(ln: TextLine, applicant: Optional[str] = None) -> bool:
    if re.search(r"[（(]|摘要|关键词|单位|大学|公司", ln.text):
        return False
    plain = " ".join(s.text for s in ln.segs)
    names = parse_authors(plain, applicant)
    return bool(names) and all(2 <= len(n) <= 5 for n in names) and len(ln.text) <= 40


def date_papers_from_claims(items: list[Evidence]) -> list[Evidence]:
    """A journal page often prints only year and issue; the 评审表 lists the paper with its
    publication month. An undated paper takes the date of the claim with the same title."""
    claims = [e for e in items if e.kind == "claimed_paper" and e.title and e.date]
    out: list[Evidence] = []
    for e in items:
        if e.kind == "paper" and e.date is None and e.title:
            match = max(claims, key=lambda c: nz.similarity(nz.skeleton(c.title or ""), nz.skeleton(e.title or "")), default=None)
            if match is not None and nz.similarity(nz.skeleton(match.title or ""), nz.skeleton(e.title)) >= 0.8:
                year = re.search(r"(19|20)\d{2}", e.issue or "")
                if year is None or (match.date or "").startswith(year.group(0)):
                    e = e.model_copy(update={"date": match.date})
        if e.kind == "paper" and e.date is None and e.issue:
            m = ISSUE.search(e.issue)
            if m and 1 <= int(m.group(2)) <= 12:
                # A monthly journal's issue N appears in month N: the date when nothing better is printed.
                e = e.model_copy(update={"date": f"{m.group(1)}-{int(m.group(2)):02d}", "confidence": round(e.confidence * 0.9, 3)})
        out.append(e)
    return out


_CLAIM_OF = {"claimed_paper": ("paper",), "claimed_award": ("award", "honor"), "claimed_achievement": ("patent", "award", "honor", "paper")}
CORROBORATED_MIN_LEN = 8  # titles this long may differ in one OCR-damaged character and still agree


def _same_title(a: str, b: str) -> bool:
    allowed = 1 if min(len(a), len(b)) >= CORROBORATED_MIN_LEN else 0
    return nz.edit_distance(a, b) <= allowed


def corroborate_claims(items: list[Evidence]) -> list[Evidence]:
    """A claim title OCR read with low confidence that an attachment, read separately, prints
    the same way is read right: two independent readings do not agree by chance. The claim
    takes the attachment's confidence."""
    out: list[Evidence] = []
    for e in items:
        kinds = _CLAIM_OF.get(e.kind)
        if kinds and e.title:
            own = nz.skeleton(e.title)
            agree = [a.confidence for a in items if a.kind in kinds and a.title and len(own) >= 4
                     and _same_title(nz.skeleton(a.title), own)]
            if agree and max(agree) > e.confidence:
                e = e.model_copy(update={"confidence": round(max(agree), 3)})
        out.append(e)
    return out

