"""One dossier's files → `DossierExtraction`: the expensive, cacheable part of a run.

Each file is parsed in its own killable subprocess (readers.isolate), so one hostile file costs
that file, never the dossier or the batch. A file that cannot be read is recorded on its
`FileInfo.error` and in `problems`; the rest of the dossier is still read.
"""

from __future__ import annotations

import time
from typing import Callable, Optional

from dossierflow.config import Limits
from dossierflow.errors import FileRejected
from dossierflow.ingest import DossierInput, InputFile
from dossierflow.models import DossierExtraction, FileInfo, PageContent

# Bumped whenever extraction output changes meaning, so cached extractions are not reused.
EXTRACTOR_VERSION = "extract-3"

FileReader = Callable[[InputFile, Limits], tuple[FileInfo, list[PageContent]]]


def _kind_from_suffix(rel: str) -> str:
    suffix = rel.rsplit(".", 1)[-1].lower() if "." in rel else ""
    if suffix == "pdf":
        return "pdf"
    if suffix == "docx":
        return "docx"
    if suffix in ("jpg", "jpeg", "png", "tif", "tiff", "bmp"):
        return "image"
    return "other"


def isolated_reader(f: InputFile, limits: Limits) -> tuple[FileInfo, list[PageContent]]:
    from extractors.readers.isolate import read_file_isolated

    read = read_file_isolated(f.path, f.rel, limits)
    return read.info, read.pages


def in_process_reader(f: InputFile, limits: Limits) -> tuple[FileInfo, list[PageContent]]:
    """For tests and debugging: same as isolated_reader but without the subprocess."""
    from extractors.readers import read_file

    read = read_file(f.path, f.rel, limits)
    return read.info, read.pages


def read_files(
    dossier: DossierInput, limits: Limits, reader: FileReader
) -> tuple[list[FileInfo], list[PageContent], list[str]]:
    infos: list[FileInfo] = []
    pages: list[PageContent] = []
    problems = list(dossier.problems)
    for f in dossier.files:
        try:
            info, file_pages = reader(f, limits)
        except FileRejected as exc:
            msg = str(exc) or type(exc).__name__
            problems.append(f"{f.rel}：{msg}")
            infos.append(
                FileInfo(path=f.rel, sha256=f.sha256, size=f.size, kind=_kind_from_suffix(f.rel), error=msg)  # type: ignore[arg-type]
            )
            continue
        # The reader does not know the hash we already computed; keep ours as the key.
        info = info.model_copy(update={"sha256": f.sha256, "size": f.size, "path": f.rel})
        infos.append(info)
        pages.extend(file_pages)
    return infos, pages, problems


def extract_dossier(
    dossier: DossierInput, limits: Limits, reader: Optional[FileReader] = None
) -> DossierExtraction:
    """Read, classify and extract one dossier. Never raises for a bad file; see `problems`."""
    from extractors.classify import classify
    from extractors.evidence import extract_evidence
    from extractors.fields import extract_fields, extract_form_fields

    started = time.monotonic()
    infos, pages, problems = read_files(dossier, limits, reader or isolated_reader)
    documents = classify(pages) if pages else []
    fields = extract_fields(pages, documents) if pages else {}
    evidence = extract_evidence(pages, documents, fields) if pages else []
    # Each form's own reading: the merged `fields` hides where 评审表 and 送审表 disagree.
    form_fields = extract_form_fields(pages, documents) if pages else {}
    return DossierExtraction(
        dossier_id=dossier.dossier_id,
        files=infos,
        pages=pages,
        documents=documents,
        fields=fields,
        evidence=evidence,
        form_fields=form_fields,
        problems=problems,
        seconds=round(time.monotonic() - started, 3),
    )
