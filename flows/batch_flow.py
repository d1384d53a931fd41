"""The batch run: list → extract each dossier (one task each, in parallel) → judge → write.

The flow (`flows.prefect_flow`) only orchestrates `dossierflow.pipeline`; every step is testable
without Prefect. The batch is listed once, here, and handed to the flow. Extraction results are
reused through our own content-keyed cache (Prefect's default cache key includes the flow-run
id, so it cannot resume a batch across runs). When the cache already holds every dossier, the
run judges and writes directly, and its flow run is recorded beside (`flows.record_reused`):
starting Prefect's ephemeral API would cost far more than the rest of such a re-run. Otherwise,
reading starts before Prefect is up (`flows.read_ahead`, `flows.dask_hand_out`).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Optional

from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.errors import BatchNotFound
from extractors.readers import slots
from flows import dask_worker, database, heap, read_ahead, record_reused
from flows.dask_hand_out import DaskConnection, DaskHandOut
from flows.ephemeral_api import ephemeral_api
from flows.interruption import stops_reading_on_signals
from flows.run_identity import run_name, run_tags
from flows.stages import check_before_reading, finish, list_batch


def __getattr__(name: str):
    # The Prefect objects used to live here; keep them importable without importing Prefect eagerly.
    if name in ("dossier_batch", "extract_task", "task_runner"):
        from flows import prefect_flow

        return getattr(prefect_flow, name)
    raise AttributeError(name)


def run_batch(
    batch_path: Path,
    out_dir: Path,
    db_url: Optional[str] = None,
    rulebook: str = "baotou-2020",
    processing_date: Optional[dt.date] = None,
    workers: Optional[int] = None,
    dask_address: Optional[str] = None,
    limits: Optional[Limits] = None,
    notice_template: Optional[Path] = None,
) -> dict:
    if not batch_path.exists():
        # Checked before the flow starts: a mistyped path is a usage error, not a failed run.
        raise BatchNotFound(f"找不到批次：{batch_path}")
    with stops_reading_on_signals():
        return _run_batch(batch_path, out_dir, db_url, rulebook, processing_date, workers, dask_address, limits,
                          notice_template)


def _run_batch(
    batch_path: Path,
    out_dir: Path,
    db_url: Optional[str],
    rulebook: str,
    processing_date: Optional[dt.date],
    workers: Optional[int],
    dask_address: Optional[str],
    limits: Optional[Limits],
    notice_template: Optional[Path],
) -> dict:
    limits = limits or Limits.from_env()
    check_before_reading(db_url, rulebook)
    day = processing_date or dt.date.today()
    template = str(notice_template) if notice_template else None
    dask_address = dask_address or os.environ.get("DOSSIER_DASK_ADDRESS")
    # The cluster's workers warm up while the batch is listed (flows.dask_hand_out).
    connection = DaskConnection(dask_address) if dask_address else None
    try:
        batch, outcomes, pending = list_batch(batch_path, out_dir, limits)
    except BaseException:
        if connection is not None:
            connection.close()
        raise
    if not pending:
        if connection is not None:
            connection.close()
        recorder = record_reused.Recorder()  # Prefect gets ready while the batch is judged
        summary = finish(out_dir, batch, outcomes, db_url, rulebook, day, template)
        recorded = recorder.finish(record_reused.payload(summary, out_dir, rulebook, day, batch.info.unit))
        return {**summary, "flow_run_name": run_name(batch.batch_id, day), **recorded}

    slots.configure(workers)
    heap.limit_arenas()  # before the read-ahead's and Prefect's threads start
    # Reading starts now, while Prefect's API starts: locally in this process, on a Dask
    # cluster as plain tasks unless a shared Prefect API lets the flow's task runner use it.
    cache = ExtractionCache(out_dir)
    ahead = read_ahead.ReadAhead(batch, outcomes, pending, limits, cache, read=not dask_address)
    read_ahead.register(out_dir, ahead)
    try:
        if connection is not None and not dask_worker.flow_api_is_shared():
            ahead.on_dask = DaskHandOut(connection, pending, limits, out_dir)
        elif connection is not None:
            connection.close()  # Prefect's Dask task runner connects on its own; the workers are warm
        # Prefect, loaded only when a dossier needs reading: a fully cached re-run never imports it.
        from prefect import tags

        from flows.prefect_flow import dask_plain_address, dossier_batch, task_runner

        runner = task_runner(workers, dask_address)
        plain_address = dask_plain_address(dask_address)  # before the run's API is set
        with ephemeral_api(), tags(*run_tags(batch.batch_id, batch.info.unit, rulebook)):
            summary = dossier_batch.with_options(task_runner=runner, flow_run_name=run_name(batch.batch_id, day))(
                str(batch_path),
                str(out_dir),
                database=database.reference(db_url),
                rulebook=rulebook,
                processing_date=day.isoformat(),
                limits=limits,
                dask_address=plain_address,
                notice_template=template,
            )
        return {**summary, "flow_run_name": run_name(batch.batch_id, day)}
    finally:
        read_ahead.unregister(out_dir)
