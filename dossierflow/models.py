"""Typed boundaries between the stages: pages → documents → fields/evidence → findings/flags.

Every value that leaves a stage carries a `Source` so a reviewer can go back to the page it came
from. Confidences are on one scale, 0–1, everywhere (Tesseract's 0–100 is converted on read).
"""

from __future__ import annotations

import re
from typing import Iterable, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dossierflow.vocab import ATTACHMENT_KINDS, DOC_KIND_SET, EVIDENCE_KINDS, FIELD_KEYS, FLAG_CODE_SET, RULE_CODE_SET

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$")
BBox = tuple[float, float, float, float]  # PDF points, [x0, top, x1, bottom] from the top-left
FieldScalar = Union[str, int, float, bool, None]
Outcome = Literal["pass", "fail", "review", "not_applicable"]
Status = Literal["accepted", "returned", "rejected", "integrity_review", "needs_review", "error"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Source(Strict):
    """Where a value was read. `file` is relative to the batch root (e.g. ``A0001/评审表.pdf``)."""

    file: str
    page: Optional[int] = Field(default=None, ge=1)
    bbox: Optional[BBox] = None
    locator: Optional[str] = None  # DOCX: "table 1, row 3, cell 2" or "paragraph 12"

    def contract(self) -> dict:
        """The source as results.jsonl shows it (no nulls except page, which the contract allows)."""
        out: dict = {"file": self.file, "page": self.page}
        if self.bbox is not None:
            out["bbox"] = [round(v, 1) for v in self.bbox]
        if self.locator:
            out["locator"] = self.locator
        return out


def distinct_sources(sources: Iterable[Source]) -> list[Source]:
    """The sources once each, first citation first. A page cited whole is dropped where the same
    list cites a region of that page: the region shows the page too, and a report would otherwise
    show the one page twice, once as a thumbnail and once as its region."""
    listed = list(sources)
    with_region = {(s.file, s.page) for s in listed if s.bbox is not None and s.page is not None}
    seen: set[tuple] = set()
    out: list[Source] = []
    for s in listed:
        key = (s.file, s.page, s.bbox, s.locator)
        if key in seen or (s.bbox is None and s.locator is None and s.page is not None and (s.file, s.page) in with_region):
            continue
        seen.add(key)
        out.append(s)
    return out


# ---------------------------------------------------------------------------------------------
# Pages: what the readers (text layer, DOCX, OCR) produce, one format for all three.
# ---------------------------------------------------------------------------------------------


class Segment(Strict):
    """A run of text the reader saw as one unit: a table cell, a text line, an OCR line.

    `box` is always filled and is what layout logic (same row, right of, below) uses. For PDF
    and image pages it is in PDF points from the page's top-left. For DOCX it is a logical grid
    (x = cell index, y = row/paragraph index, in units of 1) and `locator` names the place; such
    boxes are never shown to users as a bbox.
    """

    text: str
    box: BBox
    conf: float = Field(ge=0.0, le=1.0)
    locator: Optional[str] = None
    # For table cells: (table index, row index, cell index), 0-based. Lets extractors walk a row.
    cell: Optional[tuple[int, int, int]] = None
    # Other readings OCR thought possible, one unsure character different (叶宇春 for 叶字春):
    # a name expected from elsewhere in the dossier may be matched against them.
    alternatives: list[str] = Field(default_factory=list)
    # For each alternative, how sure it is should `text` be ruled out (a title that names no
    # title): the runner-up's chance given the character read is wrong.
    alternative_confs: list[float] = Field(default_factory=list)


class PageContent(Strict):
    """One page of one file, as read. DOCX files are one logical page with `page` None."""

    file: str
    page: Optional[int] = None
    method: Literal["text", "ocr", "docx", "image"]
    coords: Literal["pt", "grid"] = "pt"
    width_pt: Optional[float] = None
    height_pt: Optional[float] = None
    segments: list[Segment] = Field(default_factory=list)
    ocr_confidence: Optional[float] = Field(default=None, ge=0.0, le=1.0)
    rotation: int = 0  # degrees the page was turned to read upright (0/90/180/270)
    skew: float = 0.0  # degrees of skew corrected
    dpi: Optional[int] = None
    image_hash: Optional[str] = None  # perceptual hash (hex) of the page image, for duplicates
    image_is_photo: bool = False  # an image file that is a portrait photo, not a page
    # OCR pages: boxes of ink no read word accounts for (handwriting OCR returned nothing for).
    # An empty reading over such ink is an unread place, not a blank one.
    unread_ink: list[BBox] = Field(default_factory=list)
    photo: Optional["PhotoInfo"] = None

    def text(self) -> str:
        return "\n".join(s.text for s in self.segments)

    def source(self, box: Optional[BBox] = None, locator: Optional[str] = None) -> Source:
        if self.coords == "grid":
            return Source(file=self.file, page=None, locator=locator)
        return Source(file=self.file, page=self.page, bbox=box)


class PhotoInfo(Strict):
    width_px: int
    height_px: int
    aspect: float  # width / height
    background_lightness: float = Field(ge=0.0, le=1.0)  # mean lightness of the border, 0–1
    portrait: bool  # a face-like portrait was found (or at least a dark centre on a light edge)


class FileInfo(Strict):
    """One input file: what it is and what its structure says (PDF_EDITED reads this)."""

    path: str  # relative to the batch root
    sha256: str
    size: int
    kind: Literal["pdf", "docx", "image", "other"]
    pages: int = 0
    text_layer_pages: int = 0
    encrypted: bool = False
    producer: Optional[str] = None
    creator: Optional[str] = None
    created: Optional[str] = None
    modified: Optional[str] = None
    linearized: bool = False  # fast web view: a linearization dictionary whose /L fits the file
    original_end: Optional[int] = None  # byte where the first save ended (None: not read)
    incremental_updates: int = 0  # revisions appended after original_end, their xref /Prev pointing back
    has_javascript: bool = False
    has_launch_action: bool = False
    # Pages whose invisible text layer says what the OCR of their image does not (1-based)
    hidden_text_disagreeing_pages: list[int] = Field(default_factory=list)
    error: Optional[str] = None  # set when the file could not be read; the dossier goes on


# ---------------------------------------------------------------------------------------------
# Documents, fields, evidence
# ---------------------------------------------------------------------------------------------


class Document(Strict):
    kind: str
    file: str
    pages: list[int] = Field(default_factory=list)  # 1-based; [] for DOCX and images... see note
    confidence: float = Field(ge=0.0, le=1.0)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        if v not in DOC_KIND_SET:
            raise ValueError(f"unknown document kind {v!r}")
        return v


class DecisionRef(Strict):
    """A reviewer's decision a result rests on (dossierflow.corrections): a field value they
    corrected or a `review` finding they settled. `seq` is its entry in the change log."""

    kind: Literal["correction", "settlement"]
    seq: int
    reviewer: str
    decided_at: str
    reason: str
    field: Optional[str] = None  # a correction's field key
    rule: Optional[str] = None  # a settlement's rule code
    value: FieldScalar = None  # the corrected value, or the settled outcome
    machine: FieldScalar = None  # what the machine had: the value read (None: not found), or the outcome
    applied: bool = True  # False: the dossier no longer reads as it did when decided (see corrections)

    def contract(self) -> dict:
        return self.model_dump(exclude={"field"} if self.field is None else {"rule"})


class FieldValue(Strict):
    value: FieldScalar
    confidence: float = Field(ge=0.0, le=1.0)
    source: Source
    raw: Optional[str] = None  # the text as read, before normalisation (kept for review)
    decision: Optional[DecisionRef] = None  # set when a reviewer corrected the value
    # What the reading passed or needed on the way (a repair, a lexicon entry, another source
    # agreeing: extractors/data/checks.tsv), the calibration map's other input beside the
    # confidence. Extraction's working state: the calibrated confidence is what is written.
    checks: tuple[str, ...] = Field(default=(), exclude=True)


class Evidence(Strict):
    """One piece of evidence. Which attributes are set depends on `kind`; absent means not read."""

    kind: str
    source: Source
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    title: Optional[str] = None  # paper/award/honour/patent/certificate title, achievement name
    date: Optional[str] = None  # ISO YYYY-MM or YYYY-MM-DD
    holder: Optional[str] = None
    holder_id_number: Optional[str] = None
    number: Optional[str] = None  # certificate / patent number
    issuer: Optional[str] = None
    level: Optional[str] = None  # 国家级/自治区级/市级; diploma level code; skill level; title level code
    grade: Optional[str] = None  # 一等奖 …
    award: Optional[str] = None  # award: the award's name (内蒙古自治区科学技术进步奖), apart from the work's title
    holder_rank: Optional[int] = None  # award: holder's rank among the winners
    journal: Optional[str] = None
    issn: Optional[str] = None
    cn: Optional[str] = None
    issue: Optional[str] = None  # paper: year/issue, e.g. "2019年第3期"
    authors: Optional[list[str]] = None
    author_rank: Optional[int] = None  # applicant's position among the authors, 1-based
    school: Optional[str] = None
    major: Optional[str] = None
    full_time: Optional[bool] = None
    degree: Optional[str] = None
    exam: Optional[str] = None
    result: Optional[str] = None  # exam: 合格; publicity: 无异议 / 有异议
    signed: Optional[bool] = None  # pledge
    signer: Optional[str] = None  # pledge
    period_from: Optional[str] = None  # publicity / covid_proof
    period_to: Optional[str] = None
    unit: Optional[str] = None
    role: Optional[str] = None
    post_grade: Optional[int] = None
    since: Optional[str] = None
    # ce_card: {"2018": {"public": 30, "professional": 60}, ...}
    hours: Optional[dict[str, dict[str, float]]] = None
    items: Optional[list[dict]] = None  # material_list: [{"no": 1, "name": "...", "pages": 2}]
    # Parts of the document seen but not read: a ce_card year whose row's hours went unread ("2020"),
    # "?" for a row whose year went unread; a material_list item number whose name went unread.
    # A rule never calls such a part absent (rules.md: absence rests on confident evidence).
    unread_parts: Optional[list[str]] = None
    # How sure the reading of each part is: ce_card by year, material_list by item number.
    part_confidence: Optional[dict[str, float]] = None
    photo: Optional[PhotoInfo] = None
    text: Optional[str] = None  # work_summary / paper body, for near-duplicate detection

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        if v not in EVIDENCE_KINDS:
            raise ValueError(f"unknown evidence kind {v!r}")
        return v

    @field_validator("date", "period_from", "period_to", "since")
    @classmethod
    def _iso_date(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not _ISO_DATE.match(v):
            raise ValueError(f"not an ISO date (YYYY-MM or YYYY-MM-DD): {v!r}")
        return v

    def contract(self) -> dict:
        out = self.model_dump(exclude_none=True, exclude={"source", "text", "confidence"})
        out["source"] = self.source.contract()
        if self.date is None:
            out.pop("date", None)
        return out


class DossierExtraction(Strict):
    """Everything read from one dossier: the cached, expensive part of a run."""

    dossier_id: str
    files: list[FileInfo] = Field(default_factory=list)
    pages: list[PageContent] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)  # human-readable (Chinese) notes, e.g. unreadable file
    seconds: float = 0.0
    # Values as each form states them, by document kind ({"submit_form": {"name": ...}}), for
    # FORMS_CONSISTENT; `fields` holds the dossier's one reading of each key.
    form_fields: dict[str, dict[str, FieldValue]] = Field(default_factory=dict)

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, v: dict[str, FieldValue]) -> dict[str, FieldValue]:
        unknown = set(v) - FIELD_KEYS
        if unknown:
            raise ValueError(f"unknown field keys {sorted(unknown)}")
        return v

    def field(self, key: str) -> FieldScalar:
        fv = self.fields.get(key)
        return None if fv is None else fv.value

    def docs(self, kind: str) -> list[Document]:
        return [d for d in self.documents if d.kind == kind]

    def items(self, kind: str) -> list[Evidence]:
        return [e for e in self.evidence if e.kind == kind]

    def slim(self) -> "DossierExtraction":
        """A copy without page segments: what judging and reports need, a fraction of the memory.
        Attachment pages keep theirs: the cross-dossier check tells a reused certificate from
        another filling of its template by the page's text when its evidence was read unsurely
        (a few lines a page)."""
        attachments = [d for d in self.documents if d.kind in ATTACHMENT_KINDS]

        def keeps(p: PageContent) -> bool:
            # As the cross check places a page in a document: an image file's page has no number.
            return any(d.file == p.file and (p.page is None or not d.pages or p.page in d.pages) for d in attachments)

        return self.model_copy(
            update={"pages": [p if keeps(p) else p.model_copy(update={"segments": []}) for p in self.pages]}
        )


# ---------------------------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------------------------


class Finding(Strict):
    rule: str
    outcome: Outcome
    clause: str
    message: str = ""
    sources: list[Source] = Field(default_factory=list)
    # Rules marked "deciding" can turn a `review` into needs_review; warnings never change status.
    severity: Literal["materials", "eligibility", "warning"] = "materials"
    details: dict = Field(default_factory=dict)  # numbers the rule computed (years held, counts)
    decision: Optional[DecisionRef] = None  # set when a reviewer settled this finding

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, v: str) -> str:
        if v not in RULE_CODE_SET:
            raise ValueError(f"unknown rule code {v!r}")
        return v

    def contract(self) -> dict:
        out = {"rule": self.rule, "outcome": self.outcome, "clause": self.clause, "message": self.message}
        out["sources"] = [s.contract() for s in self.sources]
        if self.decision is not None:
            out["decision"] = self.decision.contract()
        return out


class Flag(Strict):
    code: str
    message: str
    related: list[str] = Field(default_factory=list)  # other dossier ids involved
    sources: list[Source] = Field(default_factory=list)
    details: dict = Field(default_factory=dict)

    @field_validator("code")
    @classmethod
    def _known_code(cls, v: str) -> str:
        if v not in FLAG_CODE_SET:
            raise ValueError(f"unknown flag code {v!r}")
        return v

    def contract(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "related": list(self.related),
            "sources": [s.contract() for s in self.sources],
        }


class DossierResult(Strict):
    dossier_id: str
    status: Status
    message: Optional[str] = None
    extraction: Optional[DossierExtraction] = None
    findings: list[Finding] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    stats: dict = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)
    # Every reviewer's decision on this dossier, applied or lapsed (DecisionRef.applied).
    decisions: list[DecisionRef] = Field(default_factory=list)


PageContent.model_rebuild()
