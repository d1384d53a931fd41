"""The Prefect side of a run: the flow and one extraction task per dossier.

Kept apart from `flows.batch_flow` so that a run with nothing left to extract (a re-run of an
unchanged batch) neither imports Prefect nor starts its ephemeral API, which alone costs seconds.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Optional

# Reading starts before Prefect's ephemeral API (flows.read_ahead), so its server starts on cores
# that are already busy; its default 20 s wait is too short on a loaded two-core machine.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NONE  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.ingest import DossierInput
from dossierflow.pipeline import Extracted, extract_slim
from extractors.readers import slots
from flows import progress, read_ahead, server_guard
from flows.stages import finish, list_batch

# The in-process ephemeral API logs its own shutdown races (cancelled event flushes) as errors
# after every run; they are not about the batch and would read as failures to a clerk.
logging.getLogger("prefect.server").setLevel(logging.CRITICAL)


@task(cache_policy=NONE, task_run_name="extract-{dossier.dossier_id}")
def extract_task(dossier: DossierInput, limits: Limits, out_dir: str) -> Extracted:
    ahead = read_ahead.lookup(Path(out_dir))
    outcome = ahead.take(dossier.dossier_id) if ahead is not None else None
    if outcome is not None:
        return outcome
    _fit_slots_to_dask_worker()
    return extract_slim(dossier, limits, ExtractionCache(Path(out_dir)))


def _fit_slots_to_dask_worker() -> None:
    """On a Dask worker, parse with as many children as the worker has threads, not as many as
    the machine has cores: several worker processes may share one machine."""
    try:
        from distributed import get_worker

        threads = get_worker().state.nthreads
    except (ImportError, ValueError, AttributeError):
        return
    if slots.size() != threads:
        slots.configure(threads)


@flow(name="dossier-batch", validate_parameters=False)
def dossier_batch(
    batch_path: str,
    out_dir: str,
    db_url: Optional[str] = None,
    rulebook: str = "baotou-2020",
    processing_date: Optional[str] = None,
    limits: Optional[Limits] = None,
    notice_template: Optional[str] = None,
) -> dict:
    server_guard.guard_servers()  # the ephemeral API is up by now: stop it should this run be killed
    limits = limits or Limits.from_env()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    day = dt.date.fromisoformat(processing_date) if processing_date else dt.date.today()
    handed = read_ahead.lookup(out)
    if handed is not None:  # listed by `run_batch`, which has announced it
        batch, outcomes, pending = handed.batch, dict(handed.cached), handed.pending
    else:
        batch, outcomes, pending = list_batch(Path(batch_path), out, limits)
    # Biggest first: with one task per dossier, a large booklet started last would run alone
    # on one core while the others idle.
    futures = [extract_task.submit(d, limits, str(out)) for d in pending]
    for fut in as_completed(futures):
        outcome: Extracted = fut.result()
        outcomes[outcome.dossier_id] = outcome
        progress.emit("done", dossier_id=outcome.dossier_id, status="error" if outcome.error else "read")
    # A finished future keeps its result; dropping them leaves the slim outcomes as the only copy.
    del futures
    return finish(out, batch, outcomes, db_url, rulebook, day, notice_template)


def task_runner(workers: Optional[int] = None, dask_address: Optional[str] = None):
    """Threads by default (each file is parsed in its own subprocess, so threads are enough to
    keep every core busy); a Dask cluster when an address is given."""
    address = dask_address or os.environ.get("DOSSIER_DASK_ADDRESS")
    if address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=address)
    return ThreadPoolTaskRunner(max_workers=workers or os.cpu_count() or 2)
