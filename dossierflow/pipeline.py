"""The run as plain functions: list the batch, extract (cached), judge, write.

`flows/prefect_flow.py` wraps these in Prefect tasks; tests call them directly. Judging is done
for the whole batch at once because POST_QUOTA, duplicates and text reuse need every dossier;
it holds of each dossier only what those need, and reads its extraction back from the cache
to make its result (`BatchJudging`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional, Self

from pydantic import BaseModel

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
from validators.engine import batch_facts, evaluate_batch_facts, evaluate_dossier, with_batch_rules
from validators.integrity import CrossThresholds, cross_flags_of_prints, dossier_flags, fingerprint
from validators.integrity.fingerprint import packed
from validators.rulebook import load_rulebook
from validators.status import derive_status

if TYPE_CHECKING:
    from dossierflow.corrections import HumanDecisions
    from validators.engine import BatchFacts

log = logging.getLogger(__name__)

# A parked extraction (`parked`) whose cache entry went missing during the run.
EXTRACTION_LOST = "档案已读取，但其读取结果在判定前从输出目录的缓存中丢失，请重新运行本批次"


@dataclass
class Extracted:
    """What one extraction task hands back: the extraction, or why there is none."""

    dossier_id: str
    extraction: Optional[DossierExtraction] = None
    error: Optional[str] = None
    reused: bool = False
    seconds: float = 0.0
    worker_note: Optional[str] = None  # a problem of the process that read it, for the clerk
    key: Optional[str] = None  # its extraction's cache entry: where a parked outcome's extraction is


def parked(outcome: Extracted, cache: ExtractionCache) -> Extracted:
    """The outcome without its extraction once the cache holds it: judging reads it back when
    it comes to the dossier (`BatchJudging`), so a batch's outcomes stay small in memory
    however many dossiers it has."""
    if outcome.extraction is None or outcome.key is None or not cache.holds(outcome.key):
        return outcome
    return replace(outcome, extraction=None)


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
        return Extracted(dossier.dossier_id, extraction=cached, reused=True, key=key)
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
    return Extracted(dossier.dossier_id, extraction=extraction, seconds=time.monotonic() - started, key=key)


def extract_slim(dossier: DossierInput, limits: Limits, cache: ExtractionCache) -> Extracted:
    """`extract_or_reuse`, handing back no extraction (`parked`: the cache holds it) or, should
    the cache not hold it, the slim one: segments are only needed to extract; judging and
    reports use fields and evidence."""
    outcome = parked(extract_or_reuse(dossier, limits, cache), cache)
    if outcome.extraction is not None:
        outcome.extraction = outcome.extraction.slim()
    return outcome


def largest_first(dossiers: list[DossierInput]) -> list[DossierInput]:
    """Dossiers by total file size, biggest first: the order that keeps every worker busy to the end.

    Size is a rough proxy for reading time, but the costly case it guards against is a thick
    scanned booklet started last and left running alone on one core.
    """
    return sorted(dossiers, key=lambda d: sum(f.size for f in d.files), reverse=True)


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


@dataclass
class Brief:
    """What the run's summary and judging record need of one result, held for the whole batch."""

    dossier_id: str
    status: str
    message: Optional[str]
    read: bool  # judged from an extraction (else an `error` line)


@dataclass
class Judged:
    policy_year: int
    briefs: list[Brief]
    batch_findings: list[dict] = field(default_factory=list)
    rulebook: object | None = None  # the Rulebook judged with: its rule names for what people read
    rulebook_name: str = ""  # as the run named it (a name or a YAML path): to judge again with
    # Judged without an output folder (tests, the audit): every result, held. A run streams them
    # instead: `lines_file` holds their result lines, written as each dossier was judged.
    results: list[DossierResult] = field(default_factory=list)
    lines_file: Optional[Path] = None


class _Compressed(BaseModel):
    """A model judging holds per dossier as compressed JSON: as models, what it keeps of every
    dossier between its two looks would be several times larger."""

    def packed(self) -> bytes:
        return zlib.compress(self.model_dump_json().encode(), 1)

    @classmethod
    def unpacked(cls, data: bytes) -> Self:
        return cls.model_validate_json(zlib.decompress(data))


class _Judgement(_Compressed):
    """A dossier's own findings, flags and decisions, held between the two looks at it
    (`BatchJudging`)."""

    findings: list[Finding]
    flags: list[Flag]
    decisions: list[DecisionRef]


class _BatchRules(_Compressed):
    """A dossier's batch-rule findings, held until its result is made: as models they were the
    largest part of what judging held per dossier after the batch rules."""

    findings: list[Finding]


def extraction_of(outcome: Extracted, cache: Optional[ExtractionCache]) -> Optional[DossierExtraction]:
    """The outcome's extraction as judging uses it (slim): held, or read back from the cache."""
    if outcome.extraction is not None:
        return outcome.extraction
    if outcome.key is None or cache is None:
        return None
    cached = cache.get(outcome.key)
    return cached.slim() if cached is not None else None


class BatchJudging:
    """Rules, batch rules, integrity flags and status for every dossier of the batch, looking
    at each dossier twice so that no more than one extraction is held at a time.

    The first look (here) applies the reviewers' corrections, judges the dossier's own rules
    and integrity, and keeps what the batch rules (`BatchFacts`) and the cross-dossier checks
    (its fingerprint) need; the batch rules and cross checks then run on those. The second look
    (`results`) reads the extraction again (from the cache when the outcome is parked there:
    `parked`) and makes the dossier's result. A city's batch thus costs kilobytes per dossier
    in memory, not its extractions.

    `decisions`: reviewers' corrections and settlements of this batch
    (`dossierflow.corrections.decisions_for`), applied before any rule reads a value, so batch
    rules and cross-dossier checks count the corrected facts (dossierflow.apply_decisions)."""

    def __init__(
        self,
        batch: BatchInput,
        outcomes: list[Extracted],
        rulebook_name: str,
        processing_date: dt.date,
        store: object | None = None,
        decisions: Optional["HumanDecisions"] = None,
        cache: Optional[ExtractionCache] = None,
    ):
        self.batch, self.cache, self.decisions = batch, cache, decisions
        self.rulebook_name = rulebook_name
        self.rulebook = rulebook = load_rulebook(rulebook_name)
        self.versions = {**engine_versions(rulebook), "extractor": EXTRACTOR_VERSION}
        self.policy_year = policy_year_of(rulebook, processing_date)
        ctx = RunContext(
            batch=batch.info,
            processing_date=processing_date,
            blacklist_lookup=getattr(store, "blacklist_lookup", None),
        )
        self.batch_codes = {code for code, spec in rulebook.rules.items() if spec.severity == "batch"}
        dossier_codes = set(rulebook.rules) - self.batch_codes
        self.outcomes: list[Extracted] = []
        # What judging holds of a dossier until its result is made: a few kilobytes, where its
        # extraction is hundreds. The batch rules' facts only until the batch rules have run.
        self.held: dict[str, bytes] = {}  # dossier id → its packed `_Judgement`
        facts: dict[str, BatchFacts] = {}
        same_region: dict[str, list[Finding]] = {}
        self.prints: dict = {}  # dossier id → packed DossierPrint: what the history records and the cross checks compare
        for o in outcomes:
            ex = extraction_of(o, cache) if o.error is None else None
            if ex is None:
                self.outcomes.append(o if o.error else replace(o, extraction=None, error=o.error or EXTRACTION_LOST))
                continue
            self.outcomes.append(o)
            refs: list[DecisionRef] = []
            if decisions is not None:
                ex, refs = apply_corrections(ex, decisions.for_dossier(o.dossier_id).corrections)
            fs = evaluate_dossier(ex, rulebook, ctx)
            if decisions is not None:  # before the batch rules, which summarise some dossier rules (SAME_REGION)
                refs += apply_settlements(fs, decisions.for_dossier(o.dossier_id).settlements, dossier_codes)
            self.prints[o.dossier_id] = packed(fingerprint(ex, batch.batch_id, self.policy_year, rulebook.confidence_threshold))
            self.held[o.dossier_id] = _Judgement(
                findings=fs, flags=dossier_flags(ex, ctx, rulebook.confidence_threshold), decisions=refs
            ).packed()
            facts[o.dossier_id] = batch_facts(ex, rulebook, batch.info)
            same_region[o.dossier_id] = [f for f in fs if f.rule == "SAME_REGION"]
            del ex, fs
        self.batch_eval = evaluate_batch_facts(facts, same_region, rulebook, batch.info)
        del facts, same_region
        self.batch_rules = {did: _BatchRules(findings=fs).packed() for did, fs in self.batch_eval.batch_rules.items()}
        # Each dossier's batch-rule findings are in `batch_rules` now (POST_QUOTA's among them).
        self.batch_eval.batch_rules, self.batch_eval.post_quota = {}, {}
        thresholds = getattr(rulebook, "cross_thresholds", None) or CrossThresholds()
        self.cross = cross_flags_of_prints(
            list(self.prints.values()), store, batch.batch_id, thresholds, supersedes=tuple(batch.info.supersedes)
        )

    @property
    def batch_findings(self) -> list[dict]:
        return _batch_findings_as_dicts(self.batch_eval)

    def results(self) -> Iterator[DossierResult]:
        """Each dossier's result, in the batch's order, made as it is asked for."""
        for o in self.outcomes:
            yield self._result(o)

    def _result(self, o: Extracted) -> DossierResult:

        stats = {"seconds": round(o.seconds, 3), "reused": o.reused}
        held = self.held.get(o.dossier_id)
        ex = extraction_of(o, self.cache) if held is not None else None
        if held is None or ex is None:
            message = o.error if held is None else EXTRACTION_LOST
            return DossierResult(dossier_id=o.dossier_id, status="error", message=message, stats=stats, versions=self.versions)
        if self.decisions is not None:
            ex, _ = apply_corrections(ex, self.decisions.for_dossier(o.dossier_id).corrections)
        judgement = _Judgement.unpacked(held)
        fs = with_batch_rules(judgement.findings, _BatchRules.unpacked(self.batch_rules[o.dossier_id]).findings)
        refs = judgement.decisions
        if self.decisions is not None:
            refs += apply_settlements(fs, self.decisions.for_dossier(o.dossier_id).settlements, self.batch_codes)
        fl = judgement.flags + self.cross.get(o.dossier_id, [])
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
        return DossierResult(
            dossier_id=o.dossier_id,
            status=status,
            message=message,
            extraction=ex,
            findings=fs,
            flags=fl,
            stats=stats,
            versions=self.versions,
            decisions=sorted(refs, key=lambda d: d.seq),
        )


def judge_batch(
    batch: BatchInput,
    outcomes: list[Extracted],
    rulebook_name: str,
    processing_date: dt.date,
    store: object | None = None,
    decisions: Optional["HumanDecisions"] = None,
    cache: Optional[ExtractionCache] = None,
) -> Judged:
    """`BatchJudging` with every result held: for callers that want them all (the audit, tests);
    a run streams them (`flows.stages`)."""
    judging = BatchJudging(batch, outcomes, rulebook_name, processing_date, store, decisions, cache)
    results = list(judging.results())
    return Judged(
        policy_year=judging.policy_year, briefs=[brief_of(r) for r in results], batch_findings=judging.batch_findings,
        rulebook=judging.rulebook, rulebook_name=rulebook_name, results=results,
    )


def brief_of(r: DossierResult) -> Brief:
    return Brief(r.dossier_id, r.status, r.message, r.extraction is not None)


def _batch_findings_as_dicts(batch_eval: object) -> list[dict]:
    items = getattr(batch_eval, "batch_findings", None) or []
    out = []
    for item in items:
        if hasattr(item, "model_dump"):
            out.append(item.model_dump(mode="json"))
        elif isinstance(item, dict):
            out.append(item)
    return out

