"""The Prefect-free stages of a batch run, shared by the flow and the nothing-to-extract path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.ingest import BatchInput, DossierInput, open_batch
from dossierflow.output import write_outputs
from dossierflow.pipeline import Extracted, judge_batch, largest_first
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


def list_batch(batch_path: Path, out: Path, limits: Limits) -> tuple[BatchInput, dict[str, Extracted], list[DossierInput]]:
    """List the batch once and announce it: its cached outcomes, and the dossiers still to
    extract, biggest first (a thick booklet started last would run alone on one core)."""
    out.mkdir(parents=True, exist_ok=True)
    batch = open_batch(batch_path, out / ".work", limits)
    progress.emit("listed", total=len(batch.dossiers))
    outcomes, pending = split_cached(batch, ExtractionCache(out))
    announce_reused(outcomes)
    return batch, outcomes, largest_first(pending)


def _open_store(db_url: Optional[str]):
    from dossierflow.storage import open_store

    return open_store(db_url)


def finish(
    out: Path,
    batch: BatchInput,
    outcomes: dict[str, Extracted],
    db_url: Optional[str],
    rulebook: str,
    day: dt.date,
    notice_template: Optional[str] = None,
) -> dict:
    """Judge the whole batch, write the outputs, record in the store; the run's summary."""
    ordered = [outcomes[d.dossier_id] for d in batch.dossiers]
    progress.emit("judging")
    store = _open_store(db_url)
    try:
        judged = judge_batch(batch, ordered, rulebook, day, store)
        write_outputs(
            out,
            batch,
            judged.results,
            judged.batch_findings,
            day,
            rulebook=judged.rulebook,
            notice_template=Path(notice_template) if notice_template else None,
        )
        if store is not None:
            store.record_dossiers(batch.batch_id, judged.policy_year, {
                o.dossier_id: o.extraction for o in ordered if o.extraction is not None
            }, judged.results, unit=batch.info.unit)
    finally:
        if store is not None:
            store.close()
    counts: dict[str, int] = {}
    for r in judged.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    progress.emit("finished", counts=counts)
    return {"batch_id": batch.batch_id, "dossiers": len(ordered), "counts": counts}
