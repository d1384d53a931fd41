"""What runs on a Dask worker: one dossier's extraction, with no Prefect API of its own.

A Prefect task on a worker needs an API to report to. Without one configured (`PREFECT_API_URL`)
Prefect starts a temporary API server inside each worker process, which outlives a stopped
worker. So when the flow runs on its own ephemeral API, the flow hands dossiers to the cluster as
plain Dask tasks (`extract_on_worker`, nothing of Prefect imported on the worker); only with a
shared Prefect server do the workers run Prefect tasks, reporting to the flow's API.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
from pathlib import Path
from typing import Optional

import dask.config

from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.ingest import DossierInput
from dossierflow.pipeline import Extracted, extract_slim
from extractors.readers import isolate, slots
from extractors.reread_policy import FIELD_REREAD_POLICY
from flows.dask_cancelled import stops_when_cancelled

log = logging.getLogger(__name__)

# A Dask worker samples its threads' stacks every 10 ms (sys._current_frames()) and registers a
# Python gc callback. On Python 3.11 before 3.11.9 the two can deadlock with a thread being
# started (CPython gh-106883: the interpreter's thread-list lock and the GIL taken in opposite
# orders), and every task here starts threads: the worker then hangs for good. Nobody reads the
# profile, so it is off: for workers made in a process that imported this module (the preload's
# are: a preload is imported before the worker sets up its profiler), and stopped on a worker
# already running when a run warms it up (`stop_profiler`).
dask.config.set({"distributed.worker.profile.enabled": False})
PROFILER_CALLBACKS = ("profile", "profile-cycle")

DAEMON_SETTING = "DASK_DISTRIBUTED__WORKER__DAEMON=False"
DAEMON_WARNING = (
    "Dask 工作进程是守护进程，不能保留常驻的文件读取子进程，每个文件都要新启动一个解释器读取，"
    f"读取速度慢 2–10 倍。请在启动 dask worker 时设置 {DAEMON_SETTING}。"
)
_warned = False


def daemon_note() -> Optional[str]:
    """The warning when this process is daemonic (Dask's default for worker processes), logged
    once per process; returned every time, so the flow can show it to the clerk once."""
    global _warned
    if not mp.current_process().daemon:
        return None
    if not _warned:
        _warned = True
        log.warning(DAEMON_WARNING)
    return DAEMON_WARNING


def fit_slots_to_worker() -> None:
    """On a Dask worker, parse with as many children as the worker has threads, not as many as
    the machine has cores: several worker processes may share one machine."""
    try:
        from distributed import get_worker

        threads = get_worker().state.nthreads
    except (ImportError, ValueError, AttributeError):
        return
    if slots.size() != threads:
        slots.configure(threads)


def _start_reading() -> None:
    """Start this worker's reading forkserver, preloading the readers. A daemonic worker reads
    each file in a fresh interpreter: it has no forkserver to start."""
    if not mp.current_process().daemon:
        isolate.start_forkserver(FIELD_REREAD_POLICY)


def stop_profiler(worker) -> None:  # type: ignore[no-untyped-def]
    """Stop a worker's stack sampling (see PROFILER_CALLBACKS above). On its event loop."""
    for name in PROFILER_CALLBACKS:
        callback = worker.periodic_callbacks.pop(name, None)
        if callback is not None:
            callback.stop()


async def warm_up(dask_worker=None) -> None:  # type: ignore[no-untyped-def]
    """Run on every worker as a run connects, while the flow lists its batch and starts Prefect:
    unpickling this function imports the reading code, and the reading forkserver starts
    preloading the readers, so a fresh worker's first dossier waits for neither. A coroutine:
    Dask runs only those on its workers without the caller waiting, on the worker's event loop
    (Dask passes the worker to a function with a `dask_worker` parameter)."""
    if dask_worker is not None:
        stop_profiler(dask_worker)
    _start_reading()


def dask_setup(worker) -> None:  # type: ignore[no-untyped-def]
    """Dask's preload hook (`dask worker --preload flows.dask_worker`): a worker warms up as it
    starts, before any run connects, so even the first run's first dossier finds the reading code
    imported (this module) and the reading forkserver preloaded. Its profiler is already off:
    Dask imported this module, which turns it off, before the worker set one up."""
    _start_reading()


def extract_on_worker(dossier: DossierInput, limits: Limits, out_dir: str) -> Extracted:
    fit_slots_to_worker()
    note = daemon_note()
    with stops_when_cancelled():
        outcome = extract_slim(dossier, limits, ExtractionCache(Path(out_dir)))
    outcome.worker_note = note
    return outcome


def flow_api_is_shared() -> bool:
    """Whether the flow reports to a configured Prefect server that workers can reach too."""
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())
