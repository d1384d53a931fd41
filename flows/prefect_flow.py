"""The Prefect side of a run: the flow and one extraction task per dossier.

Kept apart from `flows.batch_flow` so that a run with nothing left to extract (a re-run of an
unchanged batch) neither imports Prefect nor starts its ephemeral API, which alone costs seconds.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
from pathlib import Path
from typing import Iterable, Iterator, Optional

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.runtime import flow_run as current_flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from dossierflow.config import Limits
from dossierflow.ingest import BatchInput, DossierInput
from dossierflow.pipeline import Extracted, Judged
from flows import artifacts, dask_worker, finished_runs, heap, progress, read_ahead, server_guard
from flows import database as databases
from flows.dask_hand_out import WORKER_LOST_MESSAGE, DaskConnection, DaskHandOut
from flows.interruption import stops_reading_on_signals
from flows.retry import worker_died
from flows.stages import judge, list_batch, write

# The in-process ephemeral API logs its own shutdown races (cancelled event flushes) as errors
# after every run; they are not about the batch and would read as failures to a clerk.
logging.getLogger("prefect.server").setLevel(logging.CRITICAL)


class _ToTerminal(logging.Handler):
    """Hands the run logger's records to the root handlers (the terminal) from a level on."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger().handle(record)


def _run_logs_to_api() -> None:
    """The run logger's INFO lines reach the run's log in the UI even when the CLI quiets
    Prefect (PREFECT_LOGGING_LEVEL=WARNING); the terminal still shows only what Prefect's level
    lets through, so the progress display stays the only voice of a clerk's run."""
    terminal_level = logging.getLogger("prefect").getEffectiveLevel()
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logger = logging.getLogger(name)
        if any(isinstance(h, _ToTerminal) for h in logger.handlers):
            continue
        logger.setLevel(min(logging.INFO, terminal_level))
        logger.propagate = False
        logger.addHandler(_ToTerminal(terminal_level))


_run_logs_to_api()


@task(cache_policy=NONE, task_run_name="extract-{dossier.dossier_id}", retries=1, retry_condition_fn=worker_died)
def extract_task(dossier: DossierInput, limits: Limits, out_dir: str) -> Extracted:
    ahead = read_ahead.lookup(Path(out_dir))
    outcome = ahead.take(dossier.dossier_id) if ahead is not None else None
    if outcome is not None:
        return outcome
    return dask_worker.extract_on_worker(dossier, limits, out_dir)


def _on_dask(address: str, pending: list[DossierInput], limits: Limits, out: Path) -> Iterator[Extracted]:
    """Plain Dask tasks, as they finish: the workers need no Prefect API (flows.dask_worker).
    A run started by `run_batch` submitted them before Prefect started (`handed.on_dask`)."""
    handed = read_ahead.lookup(out)
    hand_out = handed.on_dask if handed is not None and handed.on_dask is not None else DaskHandOut(DaskConnection(address), pending, limits, out)
    try:
        yield from hand_out.finished()
    finally:
        hand_out.close()


@task(cache_policy=NONE, task_run_name="judge")
def judge_task(
    batch: BatchInput, outcomes: dict[str, Extracted], database: Optional[str], rulebook: str, day: dt.date, out: Path
) -> tuple[Judged, Optional[dict]]:
    """`database` as the flow holds it (no password); resolved here, in the task's process.
    `out`: its cache holds the outcomes' extractions, read back one dossier at a time."""
    return judge(batch, outcomes, databases.resolve(database), rulebook, day, out)


@task(cache_policy=NONE, task_run_name="write")
def write_task(
    out: Path, batch: BatchInput, judged: Judged, log_head: Optional[dict], day: dt.date, notice_template: Optional[str]
) -> dict:
    return write(out, batch, judged, log_head, day, notice_template)


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
    # Prefect's engine set its own SIGTERM handler for the flow run: reading stops before it runs.
    with stops_reading_on_signals():
        return _dossier_batch(batch_path, out_dir, database, rulebook, processing_date, limits, dask_address,
                              notice_template)


def _dossier_batch(
    batch_path: str,
    out_dir: str,
    database: Optional[str],
    rulebook: str,
    processing_date: Optional[str],
    limits: Optional[Limits],
    dask_address: Optional[str],
    notice_template: Optional[str],
) -> dict:
    logger = get_run_logger()
    limits = limits or Limits.from_env()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    day = dt.date.fromisoformat(processing_date) if processing_date else dt.date.today()
    handed = read_ahead.lookup(out)
    if handed is not None:  # listed by `run_batch`, which has announced it
        batch, outcomes, pending = handed.batch, dict(handed.cached), handed.pending
    else:
        batch, outcomes, pending = list_batch(Path(batch_path), out, limits)
    logger.info("批次 %s：%d 份档案，%d 份复用缓存，%d 份待读取", batch.batch_id, len(batch.dossiers), len(outcomes), len(pending))
    # Biggest first: with one task per dossier, a large booklet started last would run alone
    # on one core while the others idle.
    if dask_address:
        finished: Iterable[Extracted] = _on_dask(dask_address, pending, limits, out)
    else:
        finished = _as_finished(pending, limits, out, logger)
    notes: set[str] = set()
    for outcome in finished:
        outcomes[outcome.dossier_id] = outcome
        if outcome.error:
            logger.warning("档案 %s 无法处理：%s", outcome.dossier_id, outcome.error)
        progress.emit("done", dossier_id=outcome.dossier_id, status="error" if outcome.error else "read")
        if outcome.worker_note and outcome.worker_note not in notes:
            notes.add(outcome.worker_note)  # once per run, not once per dossier
            logger.info(outcome.worker_note)  # the run log; the terminal shows it once, below
            progress.emit("warning", message=outcome.worker_note)
    # The finished futures went with the generator. The outcomes hold no extraction: each is in
    # the cache (pipeline.parked), read back by judging one dossier at a time.
    del finished
    heap.trim()  # what reading freed, before judging builds its own
    # quote(): Prefect would walk these for futures, and a rulebook's parameter models (a field
    # named `keys`) break its walk; they hold no futures, and a walk of every outcome costs time.
    judged, log_head = judge_task(quote(batch), quote(outcomes), database, rulebook, day, out)
    heap.trim()  # judging's working sets, before the reports are written
    summary = write_task(out, quote(batch), quote(judged), log_head, day, notice_template)
    return _published(summary, day, out, logger)


# Extraction tasks submitted and not yet handed back, at most. Each costs the flow its Prefect
# future, task-run state and queued call until its outcome is taken: submitting a city's batch
# at once held all of them through the reading, tens of kilobytes per dossier. More than any
# one machine's cores (locally the tasks only take what `flows.read_ahead` read), and enough
# task slots for a modest Dask cluster behind a shared Prefect API.
IN_FLIGHT = 128
# Outcomes handed back between trims of the heap (flows.heap) while the batch is read: what the
# finished tasks freed goes back to the system as the batch goes, not only after it.
TRIM_EVERY = 256


def _as_finished(
    pending: list[DossierInput], limits: Limits, out: Path, logger, in_flight: Optional[int] = None  # type: ignore[no-untyped-def]
) -> Iterator[Extracted]:
    """The flow's own tasks, as they finish, no more than `in_flight` submitted at once (in the
    batch's order: the next is submitted as one is handed back, and its future and what Prefect
    kept of its run dropped: `flows.finished_runs`); a
    dossier whose task failed after its retry is an `error` line and the batch goes on."""
    finished: queue.SimpleQueue = queue.SimpleQueue()
    waiting = iter(pending)

    def submit_next() -> int:
        dossier = next(waiting, None)
        if dossier is None:
            return 0
        fut = extract_task.submit(dossier, limits, str(out))
        fut.add_done_callback(lambda done, did=dossier.dossier_id: finished.put((did, done)))
        return 1

    running = sum(submit_next() for _ in range(in_flight or IN_FLIGHT))
    handed = 0
    while running:
        dossier_id, fut = finished.get()
        running += submit_next() - 1
        try:
            outcome = fut.result()
        except Exception as exc:  # noqa: BLE001 - retried already (flows.retry); the batch goes on
            logger.error("档案 %s 未能处理：%s", dossier_id, exc)
            outcome = Extracted(dossier_id, error=WORKER_LOST_MESSAGE)
        finished_runs.forget(fut.task_run_id, outcome)
        del fut
        handed += 1
        if handed % TRIM_EVERY == 0:
            heap.trim()
        yield outcome


@flow(name="dossier-batch", validate_parameters=False)
def reused_batch(batch_id: str, out_dir: str, processing_date: str, dossiers: int, counts: dict) -> dict:
    """A run whose every dossier was reused and which was judged and written without Prefect
    (`flows.batch_flow`): recorded afterwards, so the UI's history and artifacts miss no run."""
    server_guard.guard_servers()
    logger = get_run_logger()
    logger.info("批次 %s：%d 份档案全部复用缓存，已在 Prefect 之外判定并写出", batch_id, dossiers)
    summary = {"batch_id": batch_id, "dossiers": dossiers, "counts": counts}
    return _published(summary, dt.date.fromisoformat(processing_date), Path(out_dir), logger)


def _published(summary: dict, day: dt.date, out: Path, logger) -> dict:
    keys = artifacts.publish(summary["batch_id"], day, out)
    counts = "，".join(f"{k} {v}" for k, v in sorted(summary["counts"].items()))
    logger.info("批次 %s 完成：%s；摘要见产物 %s", summary["batch_id"], counts, keys["summary"])
    return {**summary, "flow_run_id": str(current_flow_run.get_id()), "artifact_key": keys["summary"]}


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
