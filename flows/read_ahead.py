"""Reading that starts before Prefect is ready, for the local runner.

Prefect's local ephemeral API is a server in a subprocess; starting it costs 5–8 s of wall time
before the flow's first task may run. On a batch of a few hundred pages that is a third of the
run. So, when the tasks will run in this process, the pending dossiers are handed to a
`ReadAhead` as soon as the batch is listed, and each Prefect task takes its dossier's outcome
from it (waiting if it is still being read). The flow still has one task per dossier, with its
state and result; the work simply started earlier. On a Dask cluster without a shared Prefect
API, the dossiers are submitted to it just as early (`flows.dask_hand_out`, kept in `on_dask`).

Registered per output folder, in this process only: a flow run by a Prefect worker elsewhere
finds nothing here and reads its dossiers itself.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.ingest import BatchInput, DossierInput
from dossierflow.pipeline import Extracted, extract_slim
from extractors.readers import slots

if TYPE_CHECKING:
    from flows.dask_hand_out import DaskHandOut

_registry: dict[str, "ReadAhead"] = {}
_registry_lock = threading.Lock()


# Dossiers submitted to the read-ahead's pool and not yet taken, at most. Each costs a future
# and a queued call (about 2 KiB) until taken: a city's batch submitted at once held all of
# them through the reading. Far more than the pool's threads, so that the reading started
# before Prefect is up does not stall on a full window before the first task takes from it.
AHEAD = 256


class ReadAhead:
    """The batch as the caller listed it (its cached outcomes, the dossiers still pending), and
    the pending ones being extracted in order (biggest first), a few at a time, when `read` is
    true, no more than `ahead` of them submitted and not yet taken. Unread, it only hands the
    listing to the flow, so the batch is not listed (hashed, unzipped) twice."""

    def __init__(
        self, batch: BatchInput, cached: dict[str, Extracted], pending: list[DossierInput], limits: Limits,
        cache: ExtractionCache, read: bool = True, in_flight: Optional[int] = None, ahead: Optional[int] = None,
    ):
        self.batch, self.cached, self.pending = batch, cached, pending
        self.on_dask: Optional["DaskHandOut"] = None  # the pending dossiers, already on a Dask cluster
        self._limits, self._cache, self._ahead = limits, cache, ahead or AHEAD
        # Two dossiers per core slot: while one waits for its last file another fills the core.
        self._pool = ThreadPoolExecutor(in_flight or 2 * slots.size(), thread_name_prefix="read-ahead")
        self._lock = threading.Lock()
        self._futures: dict[str, Future[Extracted]] = {}
        # Not yet submitted, in the order given (dicts keep it).
        self._waiting: dict[str, DossierInput] = {d.dossier_id: d for d in pending} if read else {}
        with self._lock:
            self._top_up()

    def _top_up(self) -> None:
        while self._waiting and len(self._futures) < self._ahead:
            dossier_id = next(iter(self._waiting))
            self._submit(self._waiting.pop(dossier_id))

    def _submit(self, dossier: DossierInput) -> Future[Extracted]:
        fut = self._pool.submit(extract_slim, dossier, self._limits, self._cache)
        self._futures[dossier.dossier_id] = fut
        return fut

    def take(self, dossier_id: str) -> Optional[Extracted]:
        """The dossier's outcome (waiting for it; submitted now if it was still waiting its
        turn), or None if this read-ahead does not hold it. Taken outcomes are dropped here, so
        memory holds only outcomes not yet handed over."""
        with self._lock:
            waiting = self._waiting.pop(dossier_id, None)
            if waiting is not None:
                self._submit(waiting)
            fut = self._futures.pop(dossier_id, None)
            self._top_up()
        return fut.result() if fut is not None else None

    def close(self) -> None:
        """Stop starting new dossiers; those being read finish (their children are bounded)."""
        with self._lock:
            self._waiting.clear()
            for fut in self._futures.values():
                fut.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self.on_dask is not None:
            self.on_dask.close()


def register(out_dir: Path, ahead: ReadAhead) -> None:
    with _registry_lock:
        _registry[str(Path(out_dir).resolve())] = ahead


def unregister(out_dir: Path) -> None:
    with _registry_lock:
        ahead = _registry.pop(str(Path(out_dir).resolve()), None)
    if ahead is not None:
        ahead.close()


def lookup(out_dir: Path) -> Optional[ReadAhead]:
    with _registry_lock:
        return _registry.get(str(Path(out_dir).resolve()))
