"""The Prefect side of a run: the flow and one extraction task per dossier.

Kept apart from `flows.batch_flow` so that a run with nothing left to extract (a re-run of an
unchanged batch) neither imports Prefect nor starts its ephemeral API, which alone costs seconds.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from pathlib import Path
from typing import Iterable, Iterator, Optional

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
from dossierflow.pipeline import Extracted
from flows import dask_worker, progress, read_ahead, server_guard
from flows import database as databases
from flows.stages import finish, list_batch

# The in-process ephemeral API logs its own shutdown races (cancelled event flushes) as errors
# after every run; they are not about the batch and would read as failures to a clerk.
logging.getLogger("prefect.server").setLevel(logging.CRITICAL)
log = logging.getLogger(__name__)


@task(cache_policy=NONE, task_run_name="extract-{dossier.dossier_id}")
def extract_task(dossier: DossierInput, limits: Limits, out_dir: str) -> Extracted:
    ahead = read_ahead.lookup(Path(out_dir))
    outcome = ahead.take(dossier.dossier_id) if ahead is not None else None
    if outcome is not None:
        return outcome
    return dask_worker.extract_on_worker(dossier, limits, out_dir)


def _on_dask(address: str, pending: list[DossierInput], limits: Limits, out: Path) -> Iterator[Extracted]:
    """Plain Dask tasks, as they finish: the workers need no Prefect API (flows.dask_worker)."""
    from distributed import Client, as_completed as dask_completed

    with Client(address) as client:
        # Submission order is the biggest-first order; priorities keep it on a busy cluster.
        futures = [
            client.submit(dask_worker.extract_on_worker, d, limits, str(out), key=f"extract-{d.dossier_id}-{uuid.uuid4().hex}",
                          priority=len(pending) - i, pure=False)
            for i, d in enumerate(pending)
        ]
        for fut in dask_completed(futures):
            yield fut.result()
            fut.release()


@flow(name="dossier-batch", validate_parameters=False)
def dossier_batch(
    batch_path: str,
    out_dir: str,
    database: Optional[str] = None,
    rulebook: str = "baotou-2020",
    processing_date: Optional[str] = None,
    limits: Optional[Limits] = None,
    dask_address: Optional[str] = None,
    notice_template: Optional[str] = None,
) -> dict:
    """`database`: the URL with any password as *** (flows.database); None records nothing.
    `dask_address`: read on this cluster as plain Dask tasks (the flow's API is its own
    ephemeral one, which workers cannot reach); None: read with the flow's task runner."""
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
    if dask_address:
        finished: Iterable[Extracted] = _on_dask(dask_address, pending, limits, out)
    else:
        finished = (fut.result() for fut in as_completed([extract_task.submit(d, limits, str(out)) for d in pending]))
    notes: set[str] = set()
    for outcome in finished:
        outcomes[outcome.dossier_id] = outcome
        progress.emit("done", dossier_id=outcome.dossier_id, status="error" if outcome.error else "read")
        if outcome.worker_note and outcome.worker_note not in notes:
            notes.add(outcome.worker_note)  # once per run, not once per dossier
            log.info(outcome.worker_note)
            progress.emit("warning", message=outcome.worker_note)
    # The finished futures went with the generator: the slim outcomes are the only copy.
    del finished
    return finish(out, batch, outcomes, databases.resolve(database), rulebook, day, notice_template)


def task_runner(workers: Optional[int] = None, dask_address: Optional[str] = None):
    """Threads by default (each file is parsed in its own subprocess, so threads are enough to
    keep every core busy); a Dask cluster when an address is given and the flow reports to a
    shared Prefect server (else the flow submits plain Dask tasks itself: `dask_plain_address`)."""
    address = dask_address or os.environ.get("DOSSIER_DASK_ADDRESS")
    if address and dask_worker.flow_api_is_shared():
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=address)
    return ThreadPoolTaskRunner(max_workers=workers or os.cpu_count() or 2)


def dask_plain_address(dask_address: Optional[str] = None) -> Optional[str]:
    """The cluster to hand plain Dask tasks to: when there is one and no shared Prefect API."""
    address = dask_address or os.environ.get("DOSSIER_DASK_ADDRESS")
    if address and not dask_worker.flow_api_is_shared():
        return address
    return None
