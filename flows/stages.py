"""The Prefect-free stages of a batch run, shared by the flow and the nothing-to-extract path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.errors import EmptyBatch
from dossierflow.ingest import BatchInput, DossierInput, no_dossiers_message, open_batch
from dossierflow.output import write_outputs
from dossierflow.pipeline import Extracted, Judged, judge_batch, largest_first
from extractors.dossier import EXTRACTOR_VERSION
from flows import progress


def split_cached(batch: BatchInput, cache: ExtractionCache) -> tuple[dict[str, Extracted], list[DossierInput]]:
    """Outcomes reused from the cache (slimmed), and the dossiers still to extract."""
    outcomes: dict[str, Extracted] = {}
    pending: list[DossierInput] = []
    for d in batch.dossiers:
        cached = None if d.error else cache.get(d.content_key(EXTRACTOR_VERSION))
        if cached is not None:
            outcomes[d.dossier_id] = Extracted(d.dossier_id, extraction=cached.slim(), reused=True)
        else:
            pending.append(d)
    return outcomes, pending


def announce_reused(outcomes: dict[str, Extracted]) -> None:
    for did in outcomes:
        progress.emit("done", dossier_id=did, status="reused")


def check_before_reading(db_url: Optional[str], rulebook: str) -> None:
    """Load the rulebook and open the database before a single file is read: a mistyped
    rulebook or an unreachable database fails the run in seconds, not after hours of OCR."""
    from validators.rulebook import load_rulebook

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
    from dossierflow.storage import open_store

    return open_store(db_url)


def judge(
    batch: BatchInput,
    outcomes: dict[str, Extracted],
    db_url: Optional[str],
    rulebook: str,
    day: dt.date,
) -> Judged:
    """Rules, batch rules and integrity flags for the whole batch (the store holds the blacklist
    and earlier batches for the cross-batch checks)."""
    ordered = [outcomes[d.dossier_id] for d in batch.dossiers]
    progress.emit("judging")
    store = _open_store(db_url)
    try:
        return judge_batch(batch, ordered, rulebook, day, store)
    finally:
        if store is not None:
            store.close()


def write(
    out: Path,
    batch: BatchInput,
    outcomes: dict[str, Extracted],
    judged: Judged,
    db_url: Optional[str],
    day: dt.date,
) -> dict:
    """Write the outputs and record the batch in the store; the run's summary."""
    ordered = [outcomes[d.dossier_id] for d in batch.dossiers]
    write_outputs(out, batch, judged.results, judged.batch_findings, day)
    store = _open_store(db_url)
    if store is not None:
        try:
            store.record_dossiers(batch.batch_id, judged.policy_year, {
                o.dossier_id: o.extraction for o in ordered if o.extraction is not None
            }, judged.results, unit=batch.info.unit)
        finally:
            store.close()
    counts: dict[str, int] = {}
    for r in judged.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    progress.emit("finished", counts=counts)
    return {"batch_id": batch.batch_id, "dossiers": len(ordered), "counts": counts}


def finish(
    out: Path,
    batch: BatchInput,
    outcomes: dict[str, Extracted],
    db_url: Optional[str],
    rulebook: str,
    day: dt.date,
) -> dict:
    """Judge the whole batch, write the outputs, record in the store; the run's summary."""
    return write(out, batch, outcomes, judge(batch, outcomes, db_url, rulebook, day), db_url, day)
