"""Dossiers handed to a Dask cluster as soon as the batch is listed, before Prefect starts.

Without a shared Prefect API, the flow hands dossiers to the cluster as plain Dask tasks
(`flows.dask_worker`). Submitted from the flow's body, they waited for Prefect's import and its
ephemeral API (5–8 s on a loaded machine) while the workers idled: on a batch of text-layer
dossiers that made a Dask run a third slower than a local one, whose reading starts at once
(`flows.read_ahead`). So `run_batch` submits them here first; the flow only collects them.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

from dossierflow.config import Limits
from dossierflow.ingest import DossierInput
from dossierflow.pipeline import Extracted
from flows import dask_worker

WORKER_LOST_MESSAGE = "读取该档案的进程两次意外终止，档案未能处理，请重新运行本批次"


class DaskHandOut:
    """The pending dossiers, submitted biggest first, and collected as they finish."""

    def __init__(self, address: str, pending: list[DossierInput], limits: Limits, out: Path):
        from distributed import Client

        self._client = Client(address)
        # Submission order is the biggest-first order; priorities keep it on a busy cluster.
        # retries=1: what extract_on_worker raises is a reading process's death (WorkerLost),
        # never a bad file (that is an outcome), so Dask's retry-on-any-exception is the same
        # rule as the flow's tasks' (flows.retry).
        self._futures = [
            self._client.submit(dask_worker.extract_on_worker, d, limits, str(out),
                                key=f"extract-{d.dossier_id}-{uuid.uuid4().hex}",
                                priority=len(pending) - i, pure=False, retries=1)
            for i, d in enumerate(pending)
        ]
        self._dossier_of = {fut.key: d.dossier_id for fut, d in zip(self._futures, pending)}

    def finished(self) -> Iterator[Extracted]:
        """Each dossier's outcome as its task finishes; a task that failed after its retry is an
        `error` outcome and the batch goes on. Each result is released once handed over."""
        from distributed import as_completed

        futures, self._futures = self._futures, []
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception:  # noqa: BLE001 - retried already; the batch goes on
                yield Extracted(self._dossier_of[fut.key], error=WORKER_LOST_MESSAGE)
            fut.release()

    def close(self) -> None:
        """Cancel what was not collected (a run that failed or was stopped) and disconnect;
        called by the flow and again by `run_batch`, which created it."""
        if self._futures:
            self._client.cancel(self._futures)
            self._futures = []
        if self._client.status not in ("closing", "closed"):
            self._client.close()
