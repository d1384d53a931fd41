"""A run connecting to a Dask cluster warms its workers before it hands them a dossier: each
imports the reading code and starts its reading forkserver while the batch is listed and Prefect
starts, so a fresh worker's first dossier waits for neither (flows.dask_hand_out)."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.e2e

# Asked of a worker with the builtin `eval`, so that asking imports nothing on the worker.
HAS_READING_CODE = "__import__('sys').modules.get('flows.dask_worker') is not None"
HAS_FORKSERVER = "__import__('multiprocessing.forkserver').forkserver._forkserver._forkserver_pid is not None"


def samples_stacks(dask_worker) -> bool:  # type: ignore[no-untyped-def]
    # Whether the worker's profiler still runs (flows.dask_worker.stop_profiler, CPython gh-106883).
    return "profile" in dask_worker.periodic_callbacks


@pytest.mark.timeout(600)
def test_connecting_warms_every_worker_before_any_dossier(monkeypatch: pytest.MonkeyPatch) -> None:
    distributed = pytest.importorskip("distributed")
    import dask

    from flows.dask_hand_out import DaskConnection

    monkeypatch.setenv("DASK_DISTRIBUTED__WORKER__DAEMON", "False")
    dask.config.refresh()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as probe:
        assert not any(probe.run(eval, HAS_READING_CODE).values())  # fresh workers
        assert all(probe.run(samples_stacks).values())  # with Dask's profiler, as Dask starts them
        connection = DaskConnection(cluster.scheduler_address)
        try:
            connection.client()
            deadline, warm = time.monotonic() + 120, {}
            while time.monotonic() < deadline:
                warm = {w: (code, probe.run(eval, HAS_FORKSERVER, workers=[w])[w])
                        for w, code in probe.run(eval, HAS_READING_CODE).items()}
                if len(warm) == 2 and all(all(v) for v in warm.values()):
                    break
                time.sleep(0.5)
            assert warm and all(all(v) for v in warm.values()), warm
            assert not any(probe.run(samples_stacks).values())
        finally:
            connection.close()


@pytest.mark.timeout(600)
def test_a_worker_started_with_the_preload_is_warm_before_any_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's recipe starts workers with `--preload flows.dask_worker`: warm before any run
    connects."""
    distributed = pytest.importorskip("distributed")
    import dask

    monkeypatch.setenv("DASK_DISTRIBUTED__WORKER__DAEMON", "False")
    dask.config.refresh()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  preload=["flows.dask_worker"]) as cluster, distributed.Client(cluster) as probe:
        deadline, warm = time.monotonic() + 120, {}
        while time.monotonic() < deadline:
            warm = {w: (code, probe.run(eval, HAS_FORKSERVER, workers=[w])[w])
                    for w, code in probe.run(eval, HAS_READING_CODE).items()}
            if warm and all(all(v) for v in warm.values()):
                break
            time.sleep(0.5)
        assert warm and all(all(v) for v in warm.values()), warm
        assert not any(probe.run(samples_stacks).values())


def test_closing_an_unused_connection_does_not_wait_for_it(tmp_path) -> None:  # noqa: ANN001
    """A fully cached re-run closes the connection it opened before listing: an unreachable
    scheduler must not hold it for the connect timeout."""
    pytest.importorskip("distributed")
    import dask

    from flows.dask_hand_out import DaskConnection

    with dask.config.set({"distributed.comm.timeouts.connect": "10s"}):
        connection = DaskConnection("tcp://127.0.0.1:1")  # nothing listens there
        connection.close()
        still_connecting = connection._thread.is_alive()
        connection._thread.join(60)
    assert still_connecting
    assert not connection._thread.is_alive()
    with pytest.raises(OSError):
        connection.client()
