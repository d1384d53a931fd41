"""When a per-dossier task is worth a second try: only when the process doing its work died.

A bad file never gets here: its reader's crash, timeout or memory cap is that file's problem and
becomes an `error` line or a note on the dossier, and a second try would only crash again."""

from __future__ import annotations

# By name, so neither Dask nor concurrent.futures need importing to recognise their errors.
WORKER_DEATHS = frozenset({
    "WorkerLost",  # dossierflow.errors: our own extraction process died
    "BrokenProcessPool",  # concurrent.futures: a pool process was killed
    "KilledWorker",  # distributed: the Dask worker running the task died
})


def is_worker_death(exc: object) -> bool:
    return isinstance(exc, BaseException) and any(cls.__name__ in WORKER_DEATHS for cls in type(exc).__mro__)


def worker_died(task: object, task_run: object, state: object) -> bool:
    """Prefect's `retry_condition_fn`: the failed state's exception is a worker's death."""
    try:
        exc = state.result(raise_on_failure=False)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a result that cannot be read is no reason to retry
        return False
    return is_worker_death(exc)
