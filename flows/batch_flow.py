"""The batch flow: list → extract each dossier (one task each, in parallel) → judge → write.

The flow only orchestrates `dossierflow.pipeline`; every step is testable without Prefect.
Extraction results are reused through our own content-keyed cache (Prefect's default cache key
includes the flow-run id, so it cannot resume a batch across runs).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Optional

from prefect import flow, task
from prefect.cache_policies import NONE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.errors import BatchNotFound
from dossierflow.ingest import DossierInput, open_batch
from dossierflow.output import write_outputs
from dossierflow.pipeline import Extracted, extract_or_reuse, judge_batch
from extractors.dossier import EXTRACTOR_VERSION
from flows import progress

# The in-process ephemeral API logs its own shutdown races (cancelled event flushes) as errors
# after every run; they are not about the batch and would read as failures to a clerk.
logging.getLogger("prefect.server").setLevel(logging.CRITICAL)


@task(cache_policy=NONE, task_run_name="extract-{dossier.dossier_id}")
def extract_task(dossier: DossierInput, limits: Limits, out_dir: str) -> Extracted:
    outcome = extract_or_reuse(dossier, limits, ExtractionCache(Path(out_dir)))
    if outcome.extraction is not None:
        # Segments are only needed to extract; judging and reports use fields and evidence.
        outcome.extraction = outcome.extraction.slim()
    return outcome


def _open_store(db_url: Optional[str]):
    from dossierflow.storage import open_store

    return open_store(db_url)


@flow(name="dossier-batch", validate_parameters=False)
def dossier_batch(
    batch_path: str,
    out_dir: str,
    db_url: Optional[str] = None,
    rulebook: str = "baotou-2020",
    processing_date: Optional[str] = None,
    limits: Optional[Limits] = None,
) -> dict:
    limits = limits or Limits.from_env()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    day = dt.date.fromisoformat(processing_date) if processing_date else dt.date.today()
    batch = open_batch(Path(batch_path), out / ".work", limits)
    progress.emit("listed", total=len(batch.dossiers))

    cache = ExtractionCache(out)
    outcomes: dict[str, Extracted] = {}
    pending: list[DossierInput] = []
    for d in batch.dossiers:
        cached = None if d.error else cache.get(d.content_key(EXTRACTOR_VERSION))
        if cached is not None:
            outcomes[d.dossier_id] = Extracted(d.dossier_id, extraction=cached.slim(), reused=True)
            progress.emit("done", dossier_id=d.dossier_id, status="reused")
        else:
            pending.append(d)

    futures = [extract_task.submit(d, limits, str(out)) for d in pending]
    for fut in as_completed(futures):
        outcome: Extracted = fut.result()
        outcomes[outcome.dossier_id] = outcome
        progress.emit("done", dossier_id=outcome.dossier_id, status="error" if outcome.error else "read")

    ordered = [outcomes[d.dossier_id] for d in batch.dossiers]
    progress.emit("judging")
    store = _open_store(db_url)
    try:
        judged = judge_batch(batch, ordered, rulebook, day, store)
        write_outputs(out, batch, judged.results, judged.batch_findings, day)
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


def task_runner(workers: Optional[int] = None, dask_address: Optional[str] = None):
    """Threads by default (each file is parsed in its own subprocess, so threads are enough to
    keep every core busy); a Dask cluster when an address is given."""
    address = dask_address or os.environ.get("DOSSIER_DASK_ADDRESS")
    if address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=address)
    return ThreadPoolTaskRunner(max_workers=workers or os.cpu_count() or 2)


def run_batch(
    batch_path: Path,
    out_dir: Path,
    db_url: Optional[str] = None,
    rulebook: str = "baotou-2020",
    processing_date: Optional[dt.date] = None,
    workers: Optional[int] = None,
    dask_address: Optional[str] = None,
    limits: Optional[Limits] = None,
) -> dict:
    if not batch_path.exists():
        # Checked before the flow starts: a mistyped path is a usage error, not a failed run.
        raise BatchNotFound(f"batch not found: {batch_path}")
    runner = task_runner(workers, dask_address)
    return dossier_batch.with_options(task_runner=runner)(
        str(batch_path),
        str(out_dir),
        db_url=db_url,
        rulebook=rulebook,
        processing_date=processing_date.isoformat() if processing_date else None,
        limits=limits,
    )
