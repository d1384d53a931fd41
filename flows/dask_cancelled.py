"""A dossier whose run was stopped stops being read on its Dask worker too.

A stopped run cancels its futures (`flows.dask_hand_out`), and a run killed outright loses its
client, whose futures the scheduler then releases. Either way Dask cannot stop a task already
running: the worker marks it cancelled and lets it run to its end, so a thick scanned booklet
kept the worker's core for minutes after the clerk's Ctrl-C, for an outcome no one collects.
While a dossier is read on a worker, a watcher polls its task's state; once cancelled, and when
no task of this worker still wanted is being read, it stops the worker's reading
(`isolate.stop_reading`: its reading processes are killed and the cancelled task ends with
ReadingStopped, which Dask discards). The next task on the worker reads again.

On a worker with several threads a dossier still wanted keeps the cancelled one reading to its
end: this process's reading can only be stopped as a whole.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

from dossierflow.errors import ReadingStopped
from extractors.readers.isolate import READING_STOPPED, resume_reading, stop_reading

POLL_S = 0.5
_stopped_here = threading.Event()  # this module stopped the reading (not a signal to the run)


def _cancelled(worker, key) -> bool:  # type: ignore[no-untyped-def]
    ts = worker.state.tasks.get(key)
    return ts is None or ts.state in ("cancelled", "released", "forgotten")


def _others_wanted(worker, key) -> bool:  # type: ignore[no-untyped-def]
    """Whether another task is executing on this worker and still wanted. The worker's state is
    changed by its event loop: a copy taken while it changes is retried at the next poll."""
    executing = list(worker.state.executing)
    return any(ts.key != key and ts.state in ("executing", "long-running") for ts in executing)


@contextlib.contextmanager
def stops_when_cancelled() -> Iterator[None]:
    """Around one task's reading on a Dask worker; outside a Dask task, nothing."""
    try:
        from distributed import get_worker

        worker = get_worker()
        key = worker.get_current_task()
    except (ImportError, ValueError, AttributeError):
        yield
        return
    if _cancelled(worker, key):
        # A cancelled task tried again in its thread (a Prefect task's retry on ReadingStopped,
        # with a shared API): it must not undo the stop and read its dossier after all.
        raise ReadingStopped(READING_STOPPED)
    if _stopped_here.is_set():  # a previous cancelled task stopped this process's reading
        _stopped_here.clear()
        resume_reading()
    done = threading.Event()

    def watch() -> None:
        while not done.wait(POLL_S):
            try:
                if not _cancelled(worker, key) or _others_wanted(worker, key):
                    continue
            except RuntimeError:  # the state changed while copied
                continue
            _stopped_here.set()
            stop_reading()
            return

    watcher = threading.Thread(target=watch, name=f"cancel-watch-{key}", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
