"""Dossiers handed to a Dask cluster as soon as the batch is listed, before Prefect starts.

Without a shared Prefect API, the flow hands dossiers to the cluster as plain Dask tasks
(`flows.dask_worker`). Submitted from the flow's body, they waited for Prefect's import and its
ephemeral API (5–8 s on a loaded machine) while the workers idled: on a batch of text-layer
dossiers that made a Dask run a third slower than a local one, whose reading starts at once
(`flows.read_ahead`). So `run_batch` submits them here first; the flow only collects them.

A fresh worker's first dossier also waited for the worker to import the reading code and start
its reading forkserver: `run_batch` connects before it lists the batch (`DaskConnection`) and has
every worker do both then (`dask_worker.warm_up`), while the batch is listed and Prefect starts.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional

from dossierflow.config import Limits
from dossierflow.ingest import DossierInput
from dossierflow.pipeline import Extracted
from flows import dask_worker

if TYPE_CHECKING:
    from distributed import Client

WORKER_LOST_MESSAGE = "读取该档案的进程两次意外终止，档案未能处理，请重新运行本批次"


class DaskConnection:
    """A client of the cluster, connecting in the background from the moment it is made; once
    connected it has every worker warm up (`dask_worker.warm_up`, not waited for)."""

    def __init__(self, address: str):
        self._client: Optional["Client"] = None
        self._error: Optional[BaseException] = None
        self._closing = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._connect, args=(address,), name="dask-connect", daemon=True)
        self._thread.start()

    def _connect(self, address: str) -> None:
        try:
            from distributed import Client

            client = Client(address)
            with self._lock:
                self._client, dropped = client, self._closing
            if dropped:
                client.close()
                return
            client.run(dask_worker.warm_up, wait=False)
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread by client()
            self._error = exc

    def client(self) -> "Client":
        """The connected client; what connecting raised (an unreachable scheduler), raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._client is not None
        return self._client

    def close(self) -> None:
        """Disconnect. A connection still being made is closed once made, not waited for: a run
        that needs no cluster after all (every dossier cached) must not wait on an unreachable
        scheduler's connect timeout."""
        with self._lock:
            self._closing, client = True, self._client
        if client is not None and client.status not in ("closing", "closed"):
            client.close()


class DaskHandOut:
    """The pending dossiers, submitted biggest first, and collected as they finish."""

    def __init__(self, connection: DaskConnection, pending: list[DossierInput], limits: Limits, out: Path):
        self._connection = connection
        try:
            self._submit(pending, limits, out)
        except BaseException:
            connection.close()
            raise

    def _submit(self, pending: list[DossierInput], limits: Limits, out: Path) -> None:
        self._client = self._connection.client()
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
        self._connection.close()
