"""Pages → documents: recognise each kind by its title, group continuation pages, keep the rest.

A page's kind comes from the title near its top (fuzzy, so OCR damage still matches), else from
a journal article's marks (ISSN, CN, 摘要, 关键词), else from body words. An untitled page
continues the previous document of the same file when that kind runs over pages (forms, work
summaries, papers). Nothing is dropped: a page that matches nothing is `unknown`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

import yaml

from dossierflow.checkdigits import valid_issns
from dossierflow.models import Document, PageContent
from extractors.layout import line_text, top_lines, upright
from extractors.normalize import DATA_DIR, best_substring, skeleton

TITLE_MIN_SCORE = 0.75  # at most one damaged character in four
HEAD_TITLE_MIN_SCORE = 0.66  # a title at the head of a framed certificate read as one run
UNREADABLE_OCR = 0.4  # mean OCR confidence below which a page's text is noise
LONG_LINE_SLACK = 14  # a line this much longer than a title is body text that mentions it
_ITEM_LINE = re.compile(r"^\d{1,2}(?!\d)")  # "3 专业技术资格评审表 2页": a list item, not a title
LIST_KIND = "material_list"
LIST_MIN_KINDS = 3  # a page naming this many other kinds' documents, one per entry, lists materials


@dataclass(frozen=True)
class KindSpec:
    kind: str
    titles: tuple[str, ...]
    cues: tuple[str, ...]
    multipage: bool
    single: bool


@lru_cache(maxsize=1)
def kind_specs() -> tuple[KindSpec, ...]:
    with open(DATA_DIR / "doc_kinds.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return tuple(
        KindSpec(
            kind=k,
            titles=tuple(skeleton(t) for t in v.get("titles") or ()),
            cues=tuple(v.get("cues") or ()),
            multipage=bool(v.get("multipage")),
            single=bool(v.get("single")),
        )
        for k, v in raw.items()
    )


def _spec(kind: str) -> Optional[KindSpec]:
    return next((s for s in kind_specs() if s.kind == kind), None)


@dataclass(frozen=True)
class TitleHit:
    kind: str
    score: float  # title similarity × reading confidence of its line
    line_index: int


def _line_score(text: str, spec: KindSpec, first: bool = False) -> float:
    best = 0.0
    for title in spec.titles:
        if len(text) > len(title) + LONG_LINE_SLACK:
            if not first:
                continue
            # OCR sometimes returns a framed certificate as one run of text: its head is the title.
            # Decorations damage it more than a printed title line, so one more edit is allowed.
            sm = best_substring(title, text[: len(title) + 3], HEAD_TITLE_MIN_SCORE)
            if sm is not None and len(title) >= 5 and sm.score >= HEAD_TITLE_MIN_SCORE:
                best = max(best, TITLE_MIN_SCORE + (sm.score - HEAD_TITLE_MIN_SCORE) / 4)
            continue
        if len(title) <= 3:
            s = 1.0 if title in text and len(text) <= len(title) + 4 else 0.0
        else:
            # Below TITLE_MIN_SCORE a line is no title of any kind, so those scores need no alignment.
            sm = best_substring(title, text, TITLE_MIN_SCORE)
            s = sm.score if sm else 0.0
            # A title matched inside a longer line is less sure than a line that is the title.
            s -= 0.01 * max(0, len(text) - len(title) - 6)
        best = max(best, s)
    return best


def find_title(page: PageContent) -> Optional[TitleHit]:
    """The document title at the top of the page: the earliest line that reads as one."""
    candidates: list[TitleHit] = []
    for i, line in enumerate(top_lines(page)):
        text = skeleton(line_text(line))
        if not text or _ITEM_LINE.match(text) and not re.match(r"^(19|20)\d\d", text):
            continue
        scores = sorted(((_line_score(text, spec, i == 0), spec.kind) for spec in kind_specs() if spec.titles), reverse=True)
        if not scores or scores[0][0] < TITLE_MIN_SCORE:
            continue
        top_score, top_kind = scores[0]
        conf = _title_conf(line, top_kind, top_score, i == 0)
        if len(scores) > 1 and scores[1][0] >= top_score - 1e-9:
            tied = [k for s, k in scores if s >= top_score - 1e-9]
            top_kind = _break_tie(page, tied) or top_kind
            top_score *= 0.8
        candidates.append(TitleHit(top_kind, top_score * (0.5 + 0.5 * conf), i))
    if not candidates:
        return None
    strong = [c for c in candidates if c.score >= 0.85]
    return min(strong, key=lambda c: c.line_index) if strong else max(candidates, key=lambda c: c.score)


def _title_conf(line: list, kind: str, score: float, first: bool) -> float:
    """How surely the title on `line` was read: that of the segment holding it, when one does
    alone; else the line's least sure segment. A speck or a seal's edge read as a stray glyph
    beside a title (SN 王 :一 at 0.2) shares its line, not its reading."""
    spec = _spec(kind)
    holding = [s.conf for s in line if spec is not None and _line_score(skeleton(s.text), spec, first) >= score - 1e-9]
    if holding:
        return max(holding)
    return min(s.conf for s in line) if line else 1.0


def _cue_counts(page: PageContent) -> dict[str, int]:
    text = skeleton(page.text())
    return {spec.kind: sum(1 for c in spec.cues if c in text) for spec in kind_specs()}


def _break_tie(page: PageContent, kinds: list[str]) -> Optional[str]:
    counts = _cue_counts(page)
    ranked = sorted(kinds, key=lambda k: -counts.get(k, 0))
    if len(ranked) > 1 and counts.get(ranked[0], 0) == counts.get(ranked[1], 0):
        return None
    return ranked[0]


# ---------------------------------------------------------------------------------------------
# Journal pages
# ---------------------------------------------------------------------------------------------

_ISSN = re.compile(r"[I1l]\s*[S59]{1,3}\s*N\s*[X:：]?\s*\d{4}\s*[-‐—–.．·]\s*\d{3}[\dXx]", re.I)
_CN = re.compile(r"CN\s*[:：]?\s*\d{2}\s*[-‐—–]\s*\d{4}\s*/\s*[A-Z]{1,2}", re.I)
# The numbers without their labels (ISSV 1009-5438, CV 15-1225/TF): an ISSN written with its
# hyphen whose check character holds, a CN in its own shape.
_BARE_ISSN = re.compile(r"(?<![\d\-])\d{4}\s*[-‐—–]\s*\d{3}[\dXx](?![\d\-])")
_BARE_CN = re.compile(r"(?<![\d\-])\d{2}\s*[-‐—–]\s*\d{4}\s*/\s*[A-Z]{1,2}(?![A-Za-z])")
_ARTICLE = ("摘要", "关键词", "关键字", "中图分类号", "文献标识码", "文章编号", "作者简介", "Abstract", "Keywords", "Keywords", "Key words")
_CONTENTS = ("目次", "目录", "CONTENTS", "Contents")


def paper_part(page: PageContent) -> Optional[str]:
    """`article` (first page of an article), `cover`, `contents`, or None for a non-journal page."""
    text = page.text()
    sk = skeleton(text)
    article = sum(1 for w in _ARTICLE if skeleton(w) in sk)
    has_issn = bool(_ISSN.search(text)) or any(valid_issns(m.group(0)) for m in _BARE_ISSN.finditer(text))
    has_cn = bool(_CN.search(text) or _BARE_CN.search(text))
    if article >= 2 or (article >= 1 and (has_issn or has_cn)):
        return "article"
    tops = skeleton("".join(line_text(ln) for ln in top_lines(page, n=4)))
    if any(skeleton(w) in tops for w in _CONTENTS) and (has_issn or has_cn or re.search(r"第\d+期|\d{4}年第", sk)):
        return "contents"
    if has_issn and has_cn:
        return "cover"
    if any(skeleton(w) in tops for w in _CONTENTS) and len(page.segments) > 8 and re.search(r"\.{3,}|…{2,}|\d{1,3}$", text, re.M):
        return "contents"
    return None


# ---------------------------------------------------------------------------------------------
# Grouping
# ---------------------------------------------------------------------------------------------


@dataclass
class _Open:
    kind: str
    file: str
    pages: list[int] = field(default_factory=list)
    confidence: float = 1.0
    has_article: bool = False
    has_contents: bool = False

    def document(self) -> Document:
        return Document(kind=self.kind, file=self.file, pages=self.pages, confidence=round(max(0.0, min(1.0, self.confidence)), 3))


def _page_no(page: PageContent) -> list[int]:
    if page.coords == "grid":
        return []
    if page.page is None:
        return [1]  # a single image is its own one page
    return [page.page]


@dataclass(frozen=True)
class CueGuess:
    kind: str
    hits: int
    confidence: float


def _cue_kind(page: PageContent, counts: dict[str, int]) -> Optional[CueGuess]:
    """The kind whose body words the page has most of (three at least, and no tie)."""
    ranked = sorted(((k, n) for k, n in counts.items() if k != "paper"), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < 3:
        return None
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None
    return CueGuess(ranked[0][0], ranked[0][1], min(0.7, 0.4 + 0.06 * ranked[0][1]))


def _listing_guess(page: PageContent) -> Optional[CueGuess]:
    """A page whose entries are the titles of several other kinds of document is a list of
    materials, even when OCR lost its own title: its entries would otherwise vote for the
    documents they name (an item 专业技术资格评审表 made a material list an eval_form)."""
    if _spec(LIST_KIND) is None:
        return None
    named: set[str] = set()
    for seg in page.segments:
        text = skeleton(seg.text)
        text = _ITEM_LINE.sub("", text, count=1) if not re.match(r"^(19|20)\d\d", text) else text
        if not text:
            continue
        scores = [(_line_score(text, spec), spec.kind) for spec in kind_specs() if spec.titles and spec.kind != LIST_KIND]
        score, kind = max(scores, default=(0.0, ""))
        if score >= TITLE_MIN_SCORE:
            named.add(kind)
    if len(named) < LIST_MIN_KINDS:
        return None
    return CueGuess(LIST_KIND, len(named), min(0.8, 0.5 + 0.05 * len(named)))


def classify(pages: list[PageContent]) -> list[Document]:
    """Documents in page order. Every page belongs to exactly one document."""
    docs: list[_Open] = []
    for stored in pages:
        page = upright(stored)
        cur = docs[-1] if docs else None
        same_file = cur is not None and cur.file == page.file
        nos = _page_no(page)
        if page.image_is_photo:
            docs.append(_Open("photo", page.file, nos, 0.95))
            continue
        title = find_title(page)
        if title is None and page.photo is not None:
            # The reader found a pasted portrait on a page with hardly any text: the photo sheet
            # of a bound booklet.
            docs.append(_Open("photo", page.file, nos, 0.85))
            continue
        part = paper_part(page) if title is None else None
        if title is not None:
            spec = _spec(title.kind)
            if same_file and cur is not None and cur.kind == title.kind and spec is not None and spec.single:
                cur.pages.extend(nos)
                continue
            docs.append(_Open(title.kind, page.file, nos, title.score))
            continue
        if part is not None:
            if same_file and cur is not None and cur.kind == "paper" and _continues_paper(cur, part):
                cur.pages.extend(nos)
            else:
                docs.append(_Open("paper", page.file, nos, 0.8 if part == "article" else 0.7))
                cur = docs[-1]
            cur.has_article |= part == "article"
            cur.has_contents |= part == "contents"
            continue
        cur_spec = _spec(cur.kind) if cur is not None else None
        counts = _cue_counts(page)
        guess = _listing_guess(page) or _cue_kind(page, counts)
        # A page OCR could not read (upside down, blank) is not taken for the next page of anything.
        readable = bool(page.segments) and (page.ocr_confidence is None or page.ocr_confidence >= UNREADABLE_OCR)
        continues = same_file and cur is not None and cur_spec is not None and cur_spec.multipage and readable
        if continues and cur is not None:
            # An untitled page continues the open document unless its words clearly belong to
            # another kind (a certificate whose title OCR could not read).
            if guess is None or guess.kind == cur.kind or guess.hits <= counts.get(cur.kind, 0) + 1:
                cur.pages.extend(nos)
                continue
        if guess is not None:
            docs.append(_Open(guess.kind, page.file, nos, guess.confidence))
        else:
            docs.append(_Open("unknown", page.file, nos, 0.5))
    _photo_from_empty_page(docs, pages)
    return [d.document() for d in docs]


def _photo_from_empty_page(docs: list[_Open], pages: list[PageContent]) -> None:
    """A bound scan carries the photo as a page OCR finds no text on. When the dossier has no
    photo otherwise, its first such page is taken for it, with a confidence that says so."""
    if any(d.kind == "photo" for d in docs):
        return
    empty = {(p.file, p.page) for p in pages if p.method == "ocr" and not p.segments and p.page is not None}
    for d in docs:
        if d.kind == "unknown" and len(d.pages) == 1 and (d.file, d.pages[0]) in empty:
            d.kind, d.confidence = "photo", 0.4
            return


def _continues_paper(cur: _Open, part: str) -> bool:
    """Cover → contents → article is one paper; a second article or a new cover starts another."""
    if part == "article":
        return not cur.has_article
    if part == "contents":
        return not cur.has_article and not cur.has_contents
    return False  # a cover always opens a new journal issue
