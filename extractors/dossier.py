"""One dossier's files → `DossierExtraction`: the expensive, cacheable part of a run.

Each file is parsed in its own killable subprocess (readers.isolate), so one hostile file costs
that file, never the dossier or the batch. A file that cannot be read is recorded on its
`FileInfo.error` and in `problems`; the rest of the dossier is still read.

A dossier's files are read concurrently, and a thick PDF in page ranges, each in its own child;
`readers.slots` keeps the children to one per core, so the threads here only wait.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional

from dossierflow.config import Limits
from dossierflow.errors import FileRejected
from dossierflow.inputs import DossierInput, InputFile
from dossierflow.models import DossierExtraction, FileInfo, PageContent
from extractors.calibration import calibrate_evidence, calibrate_fields
from extractors.classify import classify
from extractors.evidence import extract_evidence
from extractors.fields import extract_fields, extract_form_fields
from extractors.readers import PageRange, read_file
from extractors.readers.isolate import read_file_isolated
from extractors.reread_policy import FIELD_REREAD_POLICY
from extractors.version import extractor_version

# Hashed from extraction's own files (extractors/version.py): any change to them means cached
# extractions are not reused.
EXTRACTOR_VERSION = extractor_version()

FileReader = Callable[[InputFile, Limits, PageRange], tuple[FileInfo, list[PageContent]]]
# Pages of a PDF read by one child: small enough that a 30-page booklet spreads over every core,
# large enough that re-opening the file per part (a few ms) stays negligible next to OCR.
PDF_PART_PAGES = 3
MAX_READ_THREADS = 8  # per dossier; they wait for core slots, so more would only hold memory


def _kind_from_suffix(rel: str) -> str:
    suffix = rel.rsplit(".", 1)[-1].lower() if "." in rel else ""
    if suffix == "pdf":
        return "pdf"
    if suffix == "docx":
        return "docx"
    if suffix in ("jpg", "jpeg", "png", "tif", "tiff", "bmp"):
        return "image"
    return "other"


def isolated_reader(f: InputFile, limits: Limits, pages: PageRange = None) -> tuple[FileInfo, list[PageContent]]:
    read = read_file_isolated(f.path, f.rel, limits, pages, FIELD_REREAD_POLICY)
    return read.info, read.pages


def in_process_reader(f: InputFile, limits: Limits, pages: PageRange = None) -> tuple[FileInfo, list[PageContent]]:
    """For tests and debugging: same as isolated_reader but without the subprocess."""
    read = read_file(f.path, f.rel, limits, pages, FIELD_REREAD_POLICY)
    return read.info, read.pages


def read_in_parts(f: InputFile, limits: Limits, reader: FileReader, pool: ThreadPoolExecutor) -> tuple[FileInfo, list[PageContent]]:
    """One file; a PDF longer than one part has its other parts read in parallel.

    Only the file itself tells how many pages it has, so the first part is read before the rest
    are started. A part that fails rejects the whole file, as reading it in one piece would.
    """
    info, pages = reader(f, limits, (0, PDF_PART_PAGES))
    if info.kind != "pdf" or info.pages <= PDF_PART_PAGES:
        return info, pages
    parts = [(start, min(start + PDF_PART_PAGES, info.pages)) for start in range(PDF_PART_PAGES, info.pages, PDF_PART_PAGES)]
    rest = [pool.submit(reader, f, limits, part) for part in parts]
    pages = list(pages)
    text_pages, disagreeing = info.text_layer_pages, list(info.hidden_text_disagreeing_pages)
    for fut in rest:
        part_info, part_pages = fut.result()
        pages.extend(part_pages)
        text_pages += part_info.text_layer_pages
        disagreeing += part_info.hidden_text_disagreeing_pages
    return info.model_copy(update={"text_layer_pages": text_pages, "hidden_text_disagreeing_pages": disagreeing}), pages


def read_files(
    dossier: DossierInput, limits: Limits, reader: FileReader
) -> tuple[list[FileInfo], list[PageContent], list[str]]:
    infos: list[FileInfo] = []
    pages: list[PageContent] = []
    problems = list(dossier.problems)
    threads = max(1, min(MAX_READ_THREADS, 2 * len(dossier.files)))
    # Two pools: a file's thread waits on its parts, so parts must not queue behind files.
    with ThreadPoolExecutor(threads, thread_name_prefix="part") as parts:
        with ThreadPoolExecutor(threads, thread_name_prefix="file") as files:
            reads = [files.submit(read_in_parts, f, limits, reader, parts) for f in dossier.files]
    for f, fut in zip(dossier.files, reads):
        try:
            info, file_pages = fut.result()
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
    started = time.monotonic()
    infos, pages, problems = read_files(dossier, limits, reader or isolated_reader)
    return DossierExtraction(
        dossier_id=dossier.dossier_id,
        files=infos,
        pages=pages,
        **extracted_from(pages),
        problems=problems,
        seconds=round(time.monotonic() - started, 3),
    )


def extracted_from(pages: list[PageContent]) -> dict:
    """Everything extraction makes of a dossier's pages once they are read: its documents,
    fields, each form's fields and evidence, as `DossierExtraction`'s attributes (a benchmark
    replays a run's cached pages through it: bench/replay.py)."""
    if not pages:
        return {"documents": [], "fields": {}, "evidence": [], "form_fields": {}}
    documents = classify(pages)
    # Each form's own reading: the merged `fields` hides where 评审表 and 送审表 disagree.
    form_fields = extract_form_fields(pages, documents)
    fields = extract_fields(pages, documents, form_fields)
    evidence = extract_evidence(pages, documents, fields)
    # Calibrated last: every step above compares confidences on the scale it was written for.
    return {
        "documents": documents,
        "fields": calibrate_fields(fields),
        "evidence": calibrate_evidence(evidence),
        "form_fields": {form: calibrate_fields(values) for form, values in form_fields.items()},
    }
