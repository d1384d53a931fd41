"""The batch run: list → extract each dossier (one task each, in parallel) → judge → write.

The flow (`flows.prefect_flow`) only orchestrates `dossierflow.pipeline`; every step is testable
without Prefect. Extraction results are reused through our own content-keyed cache (Prefect's
default cache key includes the flow-run id, so it cannot resume a batch across runs). When the
cache already holds every dossier, the run judges and writes directly: importing Prefect and
starting its ephemeral API would cost far more than the rest of such a re-run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.errors import BatchNotFound
from dossierflow.ingest import open_batch
from flows import progress
from flows.stages import announce_reused, finish, split_cached


def __getattr__(name: str):
    # The Prefect objects used to live here; keep them importable without importing Prefect eagerly.
    if name in ("dossier_batch", "extract_task", "task_runner"):
        from flows import prefect_flow

        return getattr(prefect_flow, name)
    raise AttributeError(name)


def _all_cached(batch_path: Path, out_dir: Path, limits: Limits, db_url, rulebook, day) -> Optional[dict]:
    """The run's summary if no dossier needs extracting, else None (the flow must run)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    batch = open_batch(batch_path, out_dir / ".work", limits)
    outcomes, pending = split_cached(batch, ExtractionCache(out_dir))
    if pending:
        return None
    progress.emit("listed", total=len(batch.dossiers))
    announce_reused(outcomes)
    return finish(out_dir, batch, outcomes, db_url, rulebook, day or dt.date.today())


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
    limits = limits or Limits.from_env()
    # Only an OUT that already has a cache can be fully reused; a fresh one skips the check,
    # so a first run lists and hashes the batch once.
    if (out_dir / ".cache" / "extract").is_dir():
        summary = _all_cached(batch_path, out_dir, limits, db_url, rulebook, processing_date)
        if summary is not None:
            return summary
    from flows.prefect_flow import dossier_batch, task_runner

    runner = task_runner(workers, dask_address)
    return dossier_batch.with_options(task_runner=runner)(
        str(batch_path),
        str(out_dir),
        db_url=db_url,
        rulebook=rulebook,
        processing_date=processing_date.isoformat() if processing_date else None,
        limits=limits,
    )
