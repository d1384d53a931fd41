"""The Prefect-free stages of a batch run, shared by the flow and the nothing-to-extract path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterable, Optional

from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.corrections import decisions_for
from dossierflow.errors import BatchInvalid, EmptyBatch
from dossierflow.ingest import BatchInput, DossierInput, no_dossiers_message, open_batch
from dossierflow.judging_record import JudgingRecord
from dossierflow.output import write_result_lines
from dossierflow.pipeline import BatchJudging, Extracted, Judged, largest_first, policy_year_of
from dossierflow.result_stream import ResultStream, SpooledLines
from dossierflow.results import result_line
from dossierflow.storage import open_store
from extractors.dossier import EXTRACTOR_VERSION
from flows import progress
from validators.rulebook import load_rulebook


def split_cached(batch: BatchInput, cache: ExtractionCache) -> tuple[dict[str, Extracted], list[DossierInput]]:
    """Outcomes reused from the cache (parked there), and the dossiers still to extract."""
    outcomes: dict[str, Extracted] = {}
    pending: list[DossierInput] = []
    for d in batch.dossiers:
        key = d.content_key(EXTRACTOR_VERSION)
        # Read (a damaged entry is read again from the files), then left in the cache: judging
        # reads it back when it comes to the dossier (pipeline.parked).
        if not d.error and cache.get(key) is not None:
            outcomes[d.dossier_id] = Extracted(d.dossier_id, reused=True, key=key)
        else:
            pending.append(d)
    return outcomes, pending


def announce_reused(outcomes: dict[str, Extracted]) -> None:
    for did in outcomes:
        progress.emit("done", dossier_id=did, status="reused")


def check_before_reading(db_url: Optional[str], rulebook: str) -> None:
    """Load the rulebook and open the database before a single file is read: a mistyped
    rulebook or an unreachable database fails the run in seconds, not after hours of OCR."""
    load_rulebook(rulebook)
    store = _open_store(db_url)
    if store is not None:
        store.close()


def list_batch(batch_path: Path, out: Path, limits: Limits) -> tuple[BatchInput, dict[str, Extracted], list[DossierInput]]:
    """List the batch once and announce it, with the root entries it skipped and why: its cached
    outcomes, and the dossiers still to extract, biggest first (a thick booklet started last
    would run alone on one core). A batch without a single dossier is refused."""
    batch = open_batch(batch_path, out / ".work", limits)
    for entry, reason in batch.skipped:
        progress.emit("skipped", entry=entry, reason=reason)
    if not batch.dossiers:
        raise EmptyBatch(no_dossiers_message(batch, batch_path))
    out.mkdir(parents=True, exist_ok=True)
    progress.emit("listed", total=len(batch.dossiers))
    outcomes, pending = split_cached(batch, ExtractionCache(out))
    announce_reused(outcomes)
    return batch, outcomes, largest_first(pending)


def _open_store(db_url: Optional[str]):
    return open_store(db_url)


def retire_superseded(store, batch: BatchInput) -> None:
    """Retire the batches `batch.yaml` says this one supersedes (dossierflow.batches)."""
    for old in batch.info.supersedes:
        problem = store.supersede_problem(old, batch.batch_id, batch.info.unit)
        if problem:
            raise BatchInvalid(f"batch.yaml 的 supersedes 无法执行：{problem}")
        store.retire_batch(old, f"批次 {batch.batch_id} 的 batch.yaml 声明替代此批次（补正后重新报送）", "batch.yaml", superseded_by=batch.batch_id)


def judge_and_record(batch: BatchInput, ordered: list[Extracted], db_url: Optional[str], rulebook: str,
                     day: dt.date, out: Optional[Path] = None) -> tuple[Judged, Optional[dict]]:
    """Judge the batch and record it; with the change log's head after it (None without a
    database). `out`: the run's output folder, whose cache holds the parked extractions and
    where the result lines are written as they are made; without it every result is held."""
    store = _open_store(db_url)
    if store is None:
        judging = BatchJudging(batch, ordered, rulebook, day, None, cache=_cache_of(out))
        results = ResultStream(judging, out)
        for _ in results:
            pass
        return results.judged(), None
    try:
        return judge_and_record_in(store, batch, ordered, rulebook, day, out)
    finally:
        store.close()


def judge_and_record_in(store, batch: BatchInput, ordered: list[Extracted], rulebook: str,
                        day: dt.date, out: Optional[Path] = None) -> tuple[Judged, Optional[dict]]:
    """Judge the batch with its reviewers' decisions (dossierflow.corrections) and record it in
    `store`; with the change log's head after it. Reading the year's history and recording this
    batch into it is one transaction under the year's lock: two runs at once would each miss
    the other."""
    with store.year_lock(policy_year_of(rulebook, day)) as locked:
        retire_superseded(locked, batch)
        judging = BatchJudging(batch, ordered, rulebook, day, locked, decisions=decisions_for(locked, batch.batch_id),
                               cache=_cache_of(out))
        results = ResultStream(judging, out)
        # The results' extractions carry the reviewers' corrections: what the history matches on.
        locked.record_dossiers(batch.batch_id, judging.policy_year, {}, results, unit=batch.info.unit, prints=judging.prints,
                               threshold=judging.rulebook.confidence_threshold)
    return results.judged(), store.log_head().model_dump()


def _cache_of(out: Optional[Path]) -> Optional[ExtractionCache]:
    return ExtractionCache(out) if out is not None else None


def judge(
    batch: BatchInput,
    outcomes: dict[str, Extracted],
    db_url: Optional[str],
    rulebook: str,
    day: dt.date,
    out: Optional[Path] = None,
) -> tuple[Judged, Optional[dict]]:
    """Rules, batch rules and integrity flags for the whole batch, recorded in the store under
    the policy year's lock (`judge_and_record`); with the change log's head after it."""
    ordered = [outcomes[d.dossier_id] for d in batch.dossiers]
    progress.emit("judging")
    return judge_and_record(batch, ordered, db_url, rulebook, day, out)


def write(
    out: Path,
    batch: BatchInput,
    judged: Judged,
    log_head: Optional[dict],
    day: dt.date,
    notice_template: Optional[str] = None,
    keep_record: bool = True,
) -> dict:
    """Write the outputs (batch.json carries the change log's head after this batch's leads);
    the run's summary. `keep_record`: write the judging record too (a re-judging keeps the
    run's, which it was judged from)."""
    if keep_record:  # before results.jsonl, which is written last: its presence means the run finished
        _keep_judging_record(out, batch, judged, day, notice_template)
    if judged.lines_file is not None:
        lines: Iterable[dict] = SpooledLines(judged.lines_file)
    else:
        lines = [result_line(r) for r in judged.results]
    progress.emit("writing", total=len(batch.dossiers))
    write_result_lines(out, batch, lines, judged.batch_findings, day, log_head=log_head, rulebook=judged.rulebook,
                       notice_template=Path(notice_template) if notice_template else None, lines_file=judged.lines_file,
                       on_written=lambda line: progress.emit("written", dossier_id=line["dossier_id"]))
    counts: dict[str, int] = {}
    for b in judged.briefs:
        counts[b.status] = counts.get(b.status, 0) + 1
    progress.emit("finished", counts=counts)
    return {"batch_id": batch.batch_id, "dossiers": len(batch.dossiers), "counts": counts}


def _keep_judging_record(out: Path, batch: BatchInput, judged: Judged, day: dt.date, notice_template: Optional[str]) -> None:
    """What a reviewer's decision needs to judge the batch again without reading it
    (dossierflow.judging_record): each dossier's cache entry or error, the rulebook, the day."""
    by_id = {b.dossier_id: b for b in judged.briefs}
    keys = {d.dossier_id: d.content_key(EXTRACTOR_VERSION) for d in batch.dossiers
            if d.dossier_id in by_id and by_id[d.dossier_id].read}
    errors = {did: b.message for did, b in by_id.items() if not b.read}
    JudgingRecord.of(batch, keys, errors, judged.rulebook_name, day, notice_template).save(out)


def finish(
    out: Path,
    batch: BatchInput,
    outcomes: dict[str, Extracted],
    db_url: Optional[str],
    rulebook: str,
    day: dt.date,
    notice_template: Optional[str] = None,
) -> dict:
    """Judge the whole batch, record it in the store, write the outputs; the run's summary."""
    judged, log_head = judge(batch, outcomes, db_url, rulebook, day, out)
    return write(out, batch, judged, log_head, day, notice_template)
