"""What cross-dossier checks need from one dossier, small enough to store per batch.

The same `DossierPrint` is built for the dossiers of the current batch and loaded from the
database for earlier batches, so one comparison routine serves both.
"""

from __future__ import annotations

import re
import sys
from array import array
from typing import Annotated, Any, NamedTuple, Optional, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from dossierflow.models import DossierExtraction, Evidence, PageContent, Source
from dossierflow.vocab import ATTACHMENT_KINDS
from validators.integrity.common import MAX_UNREAD_CHARS, norm_name, norm_number, number_reading
from validators.integrity.textsim import shingles

# Pages compared are attachments' (dossierflow.vocab.ATTACHMENT_KINDS): forms share their printed
# layout by design and are skipped. Journal pages are left out: co-authors, and authors in one
# issue, legitimately hand in the same printed pages; one paper claimed twice is SHARED_PAPER's
# business. Portrait photos are left out: a head on a white background hashes alike for everyone.
TEXT_KINDS = ("work_summary", "paper")
MIN_TITLE_CHARS = 6
_TOKEN = re.compile(r"[A-Z0-9]{6,}")
_CJK_ONLY = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff]")
MIN_LINE_CHARS = 4  # shorter CJK runs are mostly OCR debris around seals and borders


def _source_at(w: Union["Where", "PackedWhere"]) -> Source:
    return Source(file=w.file, page=w.page, bbox=w.bbox, locator=w.locator)


def _label_at(w: Union["Where", "PackedWhere"]) -> str:
    """Where a page is, as a person reads it in a lead's message."""
    return f"{w.file} 第{w.page}页" if w.page else w.file


def _ref(batch_id: str, dossier_id: str, from_batch: str) -> str:
    return dossier_id if batch_id == from_batch else f"{batch_id}/{dossier_id}"


class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Where(Strict):
    file: str
    page: Optional[int] = None
    bbox: Optional[tuple[float, float, float, float]] = None
    locator: Optional[str] = None

    def source(self) -> Source:
        return _source_at(self)

    def label(self) -> str:
        return _label_at(self)


class PageSig(Strict):
    where: Where
    kind: str
    image_hash: str
    file_sha256: Optional[str] = None
    number: Optional[str] = None
    # The number as read, a character OCR could not read kept as "?" (common.number_reading).
    number_read: Optional[str] = None
    holder: Optional[str] = None
    holder_rank: Optional[int] = None  # awards: the holder's place among the winners
    named: list[str] = Field(default_factory=list)  # every person the certificate names (team awards)
    # From the page text, when segments were kept: identifiers (certificate numbers, dates) and
    # the significant lines, which is where two fillings of one template differ.
    tokens: list[str] = Field(default_factory=list)
    lines: list[str] = Field(default_factory=list)


class PaperClaim(Strict):
    key: str
    title: str
    journal: Optional[str] = None
    issn: Optional[str] = None
    year: Optional[str] = None  # YYYY, or YYYY-MM when the month is known
    author_rank: Optional[int] = None
    where: Where


def _packed(v: Any) -> array:
    return v if isinstance(v, array) else array("I", v)


# A text's shingle hashes (32 bits each) packed 4 bytes apiece: a run holds every dossier's
# fingerprint, and the history's, at once; a list of Python ints would take 9 times the memory.
Shingles = Annotated[Any, BeforeValidator(_packed), PlainSerializer(lambda a: a.tolist(), return_type=list[int])]


class TextPrint(Strict):
    kind: str
    where: Where
    shingles: Shingles
    title_key: Optional[str] = None  # papers: co-authors hand in the same text legitimately


class DossierPrint(Strict):
    batch_id: str
    dossier_id: str
    policy_year: int
    id_number: Optional[str] = None
    name: Optional[str] = None
    unit: Optional[str] = None
    id_where: Optional[Where] = None  # where the ID number was read (DUPLICATE_APPLICANT's evidence)
    pages: list[PageSig] = Field(default_factory=list)
    papers: list[PaperClaim] = Field(default_factory=list)
    texts: list[TextPrint] = Field(default_factory=list)

    def ref(self, from_batch: str) -> str:
        """How another dossier is named in `related`: its id, prefixed by its batch when foreign."""
        return _ref(self.batch_id, self.dossier_id, from_batch)


# What a run holds of every dossier, its batch's and the history's, until the cross checks have
# run: the same fields as the models above, as tuples. A pydantic model of this size costs about
# twice its tuple (its __dict__ and the set of fields set, per page and per paper); the models
# stay the boundary (what is built from an extraction, stored and loaded), the tuples are what
# is held. Kinds and file names recur across dossiers and are held once.


class PackedWhere(NamedTuple):
    file: str
    page: Optional[int]
    bbox: Optional[tuple[float, float, float, float]]
    locator: Optional[str]

    def source(self) -> Source:
        return _source_at(self)

    def label(self) -> str:
        return _label_at(self)


class PackedPage(NamedTuple):
    where: PackedWhere
    kind: str
    image_hash: str
    file_sha256: Optional[str]
    number: Optional[str]
    number_read: Optional[str]
    holder: Optional[str]
    holder_rank: Optional[int]
    named: tuple[str, ...]
    tokens: tuple[str, ...]
    lines: tuple[str, ...]


class PackedPaper(NamedTuple):
    key: str
    title: str
    journal: Optional[str]
    issn: Optional[str]
    year: Optional[str]
    author_rank: Optional[int]
    where: PackedWhere


class PackedText(NamedTuple):
    kind: str
    where: PackedWhere
    shingles: array
    title_key: Optional[str]


class PackedPrint(NamedTuple):
    batch_id: str
    dossier_id: str
    policy_year: int
    id_number: Optional[str]
    name: Optional[str]
    unit: Optional[str]
    id_where: Optional[PackedWhere]
    pages: tuple[PackedPage, ...]
    papers: tuple[PackedPaper, ...]
    texts: tuple[PackedText, ...]

    def ref(self, from_batch: str) -> str:
        """How another dossier is named in `related`: its id, prefixed by its batch when foreign."""
        return _ref(self.batch_id, self.dossier_id, from_batch)

    def full(self) -> DossierPrint:
        """The model again, field for field: what is stored."""
        return DossierPrint.model_validate(_as_dict(self))


def _as_dict(value: Any) -> Any:
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {k: _as_dict(v) for k, v in value._asdict().items()}
    if isinstance(value, tuple) and not isinstance(value, array):
        return [_as_dict(v) for v in value]
    return value


def _packed_where(w: Optional[Where]) -> Optional[PackedWhere]:
    if w is None:
        return None
    return PackedWhere(sys.intern(w.file), w.page, w.bbox, w.locator)


def packed(p: Union[DossierPrint, PackedPrint]) -> PackedPrint:
    """`p` as the run holds it (a packed print is returned as it is)."""
    if isinstance(p, PackedPrint):
        return p
    return PackedPrint(
        p.batch_id, p.dossier_id, p.policy_year, p.id_number, p.name, p.unit, _packed_where(p.id_where),
        tuple(
            PackedPage(_packed_where(s.where), sys.intern(s.kind), s.image_hash, s.file_sha256, s.number, s.number_read,
                       s.holder, s.holder_rank, tuple(s.named), tuple(s.tokens), tuple(s.lines))
            for s in p.pages
        ),
        tuple(PackedPaper(c.key, c.title, c.journal, c.issn, c.year, c.author_rank, _packed_where(c.where)) for c in p.papers),
        tuple(PackedText(sys.intern(t.kind), _packed_where(t.where), t.shingles, t.title_key) for t in p.texts),
    )


def full(p: Union[DossierPrint, PackedPrint]) -> DossierPrint:
    return p.full() if isinstance(p, PackedPrint) else p


_TITLE_NOISE = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9]")


def title_key(title: str) -> str:
    return _TITLE_NOISE.sub("", title).lower()


def _where(src: Source) -> Where:
    return Where(file=src.file, page=src.page, bbox=src.bbox, locator=src.locator)


def _page_kind(ex: DossierExtraction, page: PageContent) -> str:
    # An image file is one page whose number is None, while its document may list page 1.
    for doc in ex.documents:
        if doc.file == page.file and (page.page is None or not doc.pages or page.page in doc.pages):
            return doc.kind
    return "unknown"


def _on_page(ev: Evidence, page: PageContent) -> bool:
    return ev.source.file == page.file and (ev.source.page == page.page or ev.source.page is None or page.page is None)


def page_tokens(text: str) -> list[str]:
    """Identifier-like runs (certificate numbers, dates), separators removed: BT2018-0231 → BT20180231."""
    # Separators inside one line only: a token never spans two lines.
    joined = re.sub(r"(?<=[0-9A-Za-z])[-/－—.· \t\u3000]+(?=[0-9A-Za-z])", "", text).upper()
    return sorted(set(_TOKEN.findall(joined)))


def page_lines(text: str) -> list[str]:
    lines = (_CJK_ONLY.sub("", line) for line in text.splitlines())
    return [line for line in lines if len(line) >= MIN_LINE_CHARS]


_NAME_SPLIT = re.compile(r"[、,，;；/\s\u3000]+")


def _names(ev: Evidence) -> list[str]:
    names = [norm_name(a) for a in ev.authors or []]
    if ev.holder:
        names += [norm_name(n) for n in _NAME_SPLIT.split(ev.holder)] + [norm_name(ev.holder)]
    return [n for n in names if n]


def _page_sigs(ex: DossierExtraction, threshold: float) -> list[PageSig]:
    shas = {f.path: f.sha256 for f in ex.files}
    out: list[PageSig] = []
    for page in ex.pages:
        if not page.image_hash:
            continue
        kind = _page_kind(ex, page)
        if kind not in ATTACHMENT_KINDS or page.image_is_photo:
            continue
        on_page = [e for e in ex.evidence if _on_page(e, page) and e.confidence >= threshold]
        raw_number = next((e.number for e in on_page if norm_number(e.number)), None)
        if raw_number is None:
            raw_number = number_as_printed(next((e.number for e in on_page if e.number), None), page.text())
        number = norm_number(raw_number)
        holder = next((norm_name(e.holder) for e in on_page if e.holder), None)
        named = sorted({n for e in on_page for n in _names(e)})
        holder_rank = next((e.holder_rank for e in on_page if e.holder_rank is not None), None)
        out.append(
            PageSig(
                where=Where(file=page.file, page=page.page),
                kind=kind,
                image_hash=page.image_hash.lower(),
                file_sha256=shas.get(page.file),
                number=number,
                number_read=number_reading(raw_number),
                holder=holder,
                holder_rank=holder_rank,
                named=named,
                tokens=page_tokens(page.text()),
                lines=page_lines(page.text()),
            )
        )
    return out


# A certificate number after its label on the page, up to MAX_UNREAD_CHARS glyphs OCR misread
# inside it kept (证书编号：2017- 上390, J read 上).
_LABELLED_NUMBER = re.compile(
    r"(?:编号|证书号|管理号)[^0-9A-Za-z\n]{0,3}"
    r"([0-9A-Za-z][0-9A-Za-z\-－ ]*(?:[\u4e00-\u9fff][\-－ ]*[0-9A-Za-z][0-9A-Za-z\-－ ]*){0,%d})" % MAX_UNREAD_CHARS
)


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def number_as_printed(start: Optional[str], text: str) -> Optional[str]:
    """The whole reading of a number the extractor cut short at a glyph OCR misread inside it
    ("2017-" of "2017- 上390"): a start that identifies nothing alone, which the page's reading
    after the label continues. The cross check compares such readings by what both read as
    letters and figures (common.numbers_may_agree); nothing else takes the number from here."""
    head = _alnum(start or "")
    if not head:
        return None
    for m in _LABELLED_NUMBER.finditer(text):
        reading = m.group(1).strip()
        whole = norm_number(reading)  # the reading's letters and figures, when enough to identify
        if whole and whole.startswith(head) and len(whole) > len(head):
            return reading
    return None


def _norm_issn(issn: Optional[str]) -> Optional[str]:
    if not issn:
        return None
    s = re.sub(r"[^0-9X]", "", issn.upper())
    return s if len(s) == 8 else None


def _rank(ev: Evidence, name: str) -> Optional[int]:
    if ev.author_rank is not None:
        return ev.author_rank
    if ev.authors and name:
        names = [norm_name(a) for a in ev.authors]
        if name in names:
            return names.index(name) + 1
    return None


def _papers(ex: DossierExtraction, name: str, threshold: float) -> list[PaperClaim]:
    by_key: dict[str, PaperClaim] = {}
    for ev in ex.evidence:
        if ev.kind not in ("paper", "claimed_paper") or not ev.title or ev.confidence < threshold:
            continue
        key = title_key(ev.title)
        if len(key) < MIN_TITLE_CHARS:
            continue
        rank = _rank(ev, name)
        known = by_key.get(key)
        # The attachment's author line outranks the form's claim; either saying "first" counts.
        if known is None or (rank is not None and (known.author_rank is None or rank < known.author_rank)):
            by_key[key] = PaperClaim(
                key=key,
                title=ev.title,
                journal=ev.journal or (known.journal if known else None),
                issn=_norm_issn(ev.issn) or (known.issn if known else None),
                year=(ev.date or "")[:7] or (known.year if known else None),
                author_rank=rank,
                where=_where(ev.source),
            )
        elif known is not None:
            # Keep what the other mention knows of the journal (the form may list it, the page not).
            known.journal = known.journal or ev.journal
            known.issn = known.issn or _norm_issn(ev.issn)
            known.year = known.year or (ev.date or "")[:7] or None
    return list(by_key.values())


def _texts(ex: DossierExtraction) -> list[TextPrint]:
    out: list[TextPrint] = []
    for ev in ex.evidence:
        if ev.kind in TEXT_KINDS and ev.text:
            key = title_key(ev.title) if ev.kind == "paper" and ev.title else None
            out.append(TextPrint(kind=ev.kind, where=_where(ev.source), shingles=shingles(ev.text), title_key=key))
    if not any(t.kind == "work_summary" for t in out):
        # Without a work_summary evidence item, read the summary pages themselves (when kept).
        for doc in ex.docs("work_summary"):
            pages = [p for p in ex.pages if p.file == doc.file and (p.page in doc.pages or not doc.pages)]
            text = "\n".join(p.text() for p in pages)
            if text.strip():
                first = pages[0]
                out.append(TextPrint(kind="work_summary", where=Where(file=first.file, page=first.page), shingles=shingles(text)))
    return [t for t in out if t.shingles]


def fingerprint(ex: DossierExtraction, batch_id: str, policy_year: int, threshold: float) -> DossierPrint:
    """What the cross-dossier checks compare of `ex`. `threshold` is the rulebook's confidence
    threshold: a value or item read below it is too likely an OCR misreading to accuse anyone on,
    and is left out."""
    id_fv = ex.fields.get("id_number")
    id_number = str(id_fv.value).upper() if id_fv and id_fv.value and id_fv.confidence >= threshold else None
    name = norm_name(ex.field("name")) or None
    return DossierPrint(
        batch_id=batch_id,
        dossier_id=ex.dossier_id,
        policy_year=policy_year,
        id_number=id_number,
        name=name,
        unit=str(ex.field("employer")) if ex.field("employer") else None,
        id_where=_where(id_fv.source) if id_number and id_fv else None,
        pages=_page_sigs(ex, threshold),
        papers=_papers(ex, name or "", threshold),
        texts=_texts(ex),
    )
