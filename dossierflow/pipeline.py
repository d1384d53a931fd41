"""The run as plain functions: list the batch, extract (cached), judge, write.

`flows/prefect_flow.py` wraps these in Prefect tasks; tests call them directly. Judging is done
for the whole batch at once because POST_QUOTA, duplicates and text reuse need every dossier.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from dossierflow.apply_decisions import apply_corrections, apply_settlements
from dossierflow.batch import RunContext
from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.errors import WorkerLost
from dossierflow.failures import DOSSIER_FAILED
from dossierflow.ingest import BatchInput, DossierInput
from dossierflow.models import DecisionRef, DossierExtraction, DossierResult, Finding, Flag
from dossierflow.versions import engine_versions
from extractors.dossier import EXTRACTOR_VERSION, FileReader, extract_dossier
from validators.engine import evaluate_batch, evaluate_dossier
from validators.integrity import CrossThresholds, cross_flags, dossier_flags
from validators.rulebook import load_rulebook
from validators.status import derive_status

if TYPE_CHECKING:
    from dossierflow.corrections import HumanDecisions

log = logging.getLogger(__name__)


@dataclass
class Extracted:
    """What one extraction task hands back: the extraction, or why there is none."""

    dossier_id: str
    extraction: Optional[DossierExtraction] = None
    error: Optional[str] = None
    reused: bool = False
    seconds: float = 0.0
    worker_note: Optional[str] = None  # a problem of the process that read it, for the clerk


def extract_or_reuse(
    dossier: DossierInput, limits: Limits, cache: ExtractionCache, reader: Optional[FileReader] = None
) -> Extracted:
    """Never raises: a dossier that cannot be read becomes an `error` outcome, the batch goes on."""
    started = time.monotonic()
    if dossier.error:
        return Extracted(dossier.dossier_id, error=dossier.error)
    key = dossier.content_key(EXTRACTOR_VERSION)
    cached = cache.get(key)
    if cached is not None:
        return Extracted(dossier.dossier_id, extraction=cached, reused=True)
    try:
        extraction = extract_dossier(dossier, limits, reader)
    except WorkerLost:
        raise  # not this dossier's fault: its task is retried (flows.retry)
    except Exception:  # noqa: BLE001 - any bug in one dossier must not stop the batch
        log.error("dossier %s failed: %s", dossier.dossier_id, traceback.format_exc())
        return Extracted(
            dossier.dossier_id,
            error=DOSSIER_FAILED,
            seconds=time.monotonic() - started,
        )
    if not extraction.pages:
        reasons = "；".join(extraction.problems) or "没有可读取的页面"
        return Extracted(dossier.dossier_id, error=f"档案中没有任何可读取的材料：{reasons}")
    cache.put(key, extraction)
    return Extracted(dossier.dossier_id, extraction=extraction, seconds=time.monotonic() - started)


def extract_slim(dossier: DossierInput, limits: Limits, cache: ExtractionCache) -> Extracted:
    """`extract_or_reuse`, keeping only what judging needs: segments are only needed to extract;
    judging and reports use fields and evidence, so a batch's outcomes stay small in memory."""
    outcome = extract_or_reuse(dossier, limits, cache)
    if outcome.extraction is not None:
        outcome.extraction = outcome.extraction.slim()
    return outcome


def largest_first(dossiers: list[DossierInput]) -> list[DossierInput]:
    """Dossiers by total file size, biggest first: the order that keeps every worker busy to the end.

    Size is a rough proxy for reading time, but the costly case it guards against is a thick
    scanned booklet started last and left running alone on one core.
    """
    return sorted(dossiers, key=lambda d: sum(f.size for f in d.files), reverse=True)


@dataclass
class Judged:
    results: list[DossierResult]
    policy_year: int
    batch_findings: list[dict] = field(default_factory=list)
    rulebook: object | None = None  # the Rulebook judged with: its rule names for what people read
    rulebook_name: str = ""  # as the run named it (a name or a YAML path): to judge again with


def page_counts(pages: list) -> dict[str, int]:
    """Pages read and how many of them by OCR. Every page content counts once: a PDF page, a
    Word file, a scanned image file (a single scan has no page number, yet it is a page and
    is OCR'd: counting only numbered pages gave fewer pages than OCR'd ones). A portrait photo
    is not a page."""
    sheets = [p for p in pages if not p.image_is_photo]
    return {"pages": len(sheets), "ocr_pages": sum(1 for p in sheets if p.method == "ocr")}


def _unreadable_note(extraction: DossierExtraction) -> Optional[str]:
    """Files the dossier holds but that could not be used: each named with its reason.

    `problems` carries both the readers' rejections ("<file>：<reason>") and what ingest
    skipped (oversized files, links, unsafe or damaged zip members)."""
    if not extraction.problems:
        return None
    return "以下材料无法读取或已跳过，请单位核实后重新提交：" + "；".join(extraction.problems)


def _active_content_note(extraction: DossierExtraction) -> Optional[str]:
    """PDFs carrying JavaScript or launch actions: never executed, but a reviewer must know."""
    risky = []
    for f in extraction.files:
        kinds = [label for label, on in (("JavaScript 脚本", f.has_javascript), ("启动外部程序的动作", f.has_launch_action)) if on]
        if kinds:
            risky.append(f"{f.path}（{'、'.join(kinds)}）")
    if not risky:
        return None
    return "以下文件含有可执行内容（系统未执行），请核实文件来源：" + "、".join(risky)


def policy_year_of(rulebook: object, processing_date: dt.date) -> int:
    """The policy year a run checks duplicates within (the rulebook's, else the run's year)."""
    if isinstance(rulebook, str):
        rulebook = load_rulebook(rulebook)
    return int(getattr(rulebook, "policy_year", processing_date.year))


def judge_batch(
    batch: BatchInput,
    outcomes: list[Extracted],
    rulebook_name: str,
    processing_date: dt.date,
    store: object | None = None,
    decisions: Optional["HumanDecisions"] = None,
) -> Judged:
    """Rules, batch rules, integrity flags and status for every dossier of the batch.

    `decisions`: reviewers' corrections and settlements of this batch
    (`dossierflow.corrections.decisions_for`), applied before any rule reads a value, so batch
    rules and cross-dossier checks count the corrected facts (dossierflow.apply_decisions)."""
    rulebook = load_rulebook(rulebook_name)
    versions = {**engine_versions(rulebook), "extractor": EXTRACTOR_VERSION}
    ctx = RunContext(
        batch=batch.info,
        processing_date=processing_date,
        blacklist_lookup=getattr(store, "blacklist_lookup", None),
    )
    extractions = {o.dossier_id: o.extraction for o in outcomes if o.extraction is not None}
    refs: dict[str, list[DecisionRef]] = {}
    if decisions is not None:
        for did, ex in extractions.items():
            extractions[did], refs[did] = apply_corrections(ex, decisions.for_dossier(did).corrections)
    findings: dict[str, list[Finding]] = {
        did: evaluate_dossier(ex, rulebook, ctx) for did, ex in extractions.items()
    }
    batch_codes = {code for code, spec in rulebook.rules.items() if spec.severity == "batch"}
    if decisions is not None:  # before the batch rules, which summarise some dossier rules (SAME_REGION)
        for did, fs in findings.items():
            refs[did] += apply_settlements(fs, decisions.for_dossier(did).settlements, set(rulebook.rules) - batch_codes)
    batch_eval = evaluate_batch(extractions, findings, rulebook, batch.info)
    if decisions is not None:
        for did, fs in findings.items():
            refs[did] += apply_settlements(fs, decisions.for_dossier(did).settlements, batch_codes)
    flags: dict[str, list[Flag]] = {did: dossier_flags(ex, ctx) for did, ex in extractions.items()}
    policy_year = policy_year_of(rulebook, processing_date)
    supersedes = tuple(batch.info.supersedes)
    thresholds = getattr(rulebook, "cross_thresholds", None) or CrossThresholds()
    for did, extra in cross_flags(extractions, store, batch.batch_id, policy_year, thresholds, supersedes=supersedes).items():
        flags.setdefault(did, []).extend(extra)

    results: list[DossierResult] = []
    for o in outcomes:
        stats = {"seconds": round(o.seconds, 3), "reused": o.reused}
        if o.extraction is None:
            results.append(
                DossierResult(dossier_id=o.dossier_id, status="error", message=o.error, stats=stats, versions=versions)
            )
            continue
        ex = extractions[o.dossier_id]
        fs = findings[o.dossier_id]
        fl = flags.get(o.dossier_id, [])
        status = derive_status(fs, fl)
        unreadable = _unreadable_note(ex)
        if unreadable and status in ("accepted", "needs_review"):
            # An unreadable file is a gap in the booklet the unit must fix (二（一）2).
            status = "returned"
        message = "。".join(n for n in (unreadable, _active_content_note(ex)) if n) or None
        stats.update(
            **page_counts(ex.pages),
            extract_seconds=ex.seconds,
            # File hashes let an auditor tell a changed file from a changed result.
            files=[{"path": f.path, "sha256": f.sha256} for f in ex.files],
        )
        results.append(
            DossierResult(
                dossier_id=o.dossier_id,
                status=status,
                message=message,
                extraction=ex,
                findings=fs,
                flags=fl,
                stats=stats,
                versions=versions,
                decisions=sorted(refs.get(o.dossier_id, []), key=lambda d: d.seq),
            )
        )
    return Judged(
        results=results, policy_year=policy_year, batch_findings=_batch_findings_as_dicts(batch_eval), rulebook=rulebook,
        rulebook_name=rulebook_name,
    )


def _batch_findings_as_dicts(batch_eval: object) -> list[dict]:
    items = getattr(batch_eval, "batch_findings", None) or []
    out = []
    for item in items:
        if hasattr(item, "model_dump"):
            out.append(item.model_dump(mode="json"))
        elif isinstance(item, dict):
            out.append(item)
    return out

