"""Documents → evidence: what each attachment says (holder, title, date, level …) and the claims
the 评审表 lists, each with the page and box it was read from.

One small reader per kind. Readers ask for labelled values first and fall back to patterns over
the running text, because certificates print their data either way. A value a reader cannot
find stays None: the rules then say `review`, which is better than a guess.
"""

from __future__ import annotations

from dossierflow.models import Document, Evidence, FieldValue, PageContent
from extractors.evidence.cecard import CeCard, CeCell, read_ce, read_ce_card
from extractors.evidence.certificates import (
    read_award,
    read_degree,
    read_diploma,
    read_exam_cert,
    read_honor,
    read_patent,
    read_skill_cert,
    read_title_cert,
)
from extractors.evidence.claims import read_claims
from extractors.evidence.common import Reader, applicant_of, holder_id, looks_like_misread
from extractors.evidence.letters import (
    read_covid,
    read_employment,
    read_entrustment,
    read_material_list,
    read_photo,
    read_pledge,
    read_publicity,
    read_work_summary,
)
from extractors.evidence.names import split_names
from extractors.evidence.papers import corroborate_claims, date_papers_from_claims, read_paper
from extractors.layout import DocView, page_box

__all__ = ["CeCard", "CeCell", "READERS", "extract_evidence", "read_ce_card", "split_names"]

READERS: dict[str, Reader] = {
    "paper": read_paper,
    "award": read_award,
    "honor": read_honor,
    "patent": read_patent,
    "diploma": read_diploma,
    "degree": read_degree,
    "title_cert": read_title_cert,
    "skill_cert": read_skill_cert,
    "exam_cert": read_exam_cert,
    "employment": read_employment,
    "covid_proof": read_covid,
    "entrustment": read_entrustment,
    "pledge": read_pledge,
    "ce_card": read_ce,
    "publicity": read_publicity,
    "material_list": read_material_list,
    "photo": read_photo,
    "work_summary": read_work_summary,
}


# ---------------------------------------------------------------------------------------------


def _doc_pages(doc: Document, pages: list[PageContent]) -> list[PageContent]:
    return [p for p in pages if p.file == doc.file and (not doc.pages or (p.page or 1) in doc.pages)]


def extract_evidence(pages: list[PageContent], documents: list[Document], fields: dict[str, FieldValue]) -> list[Evidence]:
    out: list[Evidence] = []
    birth = fields.get("birth_date")
    ignore = frozenset({str(birth.value)}) if birth is not None and birth.value else frozenset()
    for doc in documents:
        view = DocView(_doc_pages(doc, pages), ignore_dates=ignore)
        if not view.pages:
            continue
        if doc.kind == "eval_form":
            out.extend(read_claims(view))
            continue
        reader = READERS.get(doc.kind)
        if reader is None:
            continue
        for ev in reader(view, doc, fields):
            if ev.kind in _HOLDER_KINDS and ev.holder_id_number is None:
                ev = ev.model_copy(update={"holder_id_number": holder_id(view)})
            if ev.kind in _HOLDER_KINDS and _holder_doubtful(view, ev, fields):
                # The name is unread, not the certificate: its dates and results stay usable.
                ev = ev.model_copy(update={"holder": None})
            if doc.pages and ev.source.page is None and view.stored[0].coords == "pt":
                ev = ev.model_copy(update={"source": view.stored[0].source(box=page_box(view.stored[0]))})
            out.append(ev)
    return corroborate_claims(date_papers_from_claims(out))


def _holder_doubtful(view: DocView, ev: Evidence, fields: dict[str, FieldValue]) -> bool:
    """A holder OCR read close to, but not as, the applicant's name: OCR damage is far likelier
    than another person of nearly the same name, so the holder counts as not read rather than
    raising a mismatch flag. A clearly different name is kept and flagged."""
    if not any(p.method == "ocr" for p in view.pages):
        return False
    applicant = applicant_of(fields)
    return bool(ev.holder and applicant and looks_like_misread(ev.holder, applicant))


_HOLDER_KINDS = frozenset({"diploma", "degree", "title_cert", "skill_cert", "exam_cert", "award", "honor", "employment", "covid_proof"})


