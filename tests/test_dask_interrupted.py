"""`dossier run --dask-address` stopped by SIGTERM or Ctrl-C while the cluster reads: like a local
run (tests/test_run_interrupted.py), it exits 130 within seconds with the Chinese line, leaves no
process of its own, and takes its dossiers off the cluster: the scheduler holds none of the run's
tasks afterwards, and the dossier the worker was reading is stopped, not read to its end for no
one (it is not in the cache: the next run reads it).

On a real local Dask cluster (one non-daemonic worker process) and real Prefect; scanned
dossiers, so that a dossier is still being read when the signal comes."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from dossierflow.errors import ReadingStopped
from extractors.readers import isolate
from fixtures.generate import generate_batch
from tests.conftest import ROOT, dossier_cmd
from tests.short_dossiers import keep_longest_pdfs
from tests.test_dask_workers import _new_mark
from tests.test_run_interrupted import EXIT_BOUND_S, GONE_BOUND_S, _alive, _descendants, _stop_all

distributed = pytest.importorskip("distributed")


def _extract_tasks(dask_scheduler) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(k) for k in dask_scheduler.tasks if str(k).startswith("extract-")]


def _executing(dask_worker) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(ts.key) for ts in dask_worker.state.tasks.values() if ts.state in ("executing", "cancelled")]


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
def test_a_signal_stops_a_dask_run_and_takes_its_dossiers_off_the_cluster(
    sig: signal.Signals, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dask

    _new_mark(monkeypatch)
    batch, out = tmp_path / "batch", tmp_path / "out"
    generate_batch(batch, n=2, seed=7, forms=["scan"], damage="clean")
    for dossier in ("A0001", "A0002"):  # several pages each: the second is read after the first
        keep_longest_pdfs(batch / dossier)
    monkeypatch.setenv("DASK_DISTRIBUTED__WORKER__DAEMON", "False")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    dask.config.refresh()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        cmd = [*dossier_cmd(), "run", str(batch), "--out", str(out), "--no-db", "--date", "2020-07-01",
               "--dask-address", cluster.scheduler_address]
        log = (tmp_path / "run.log").open("w+", encoding="utf-8")
        run = subprocess.Popen(cmd, cwd=str(ROOT), stdout=log, stderr=log, start_new_session=True)
        started: dict[int, object] = {}
        cache = out / ".cache" / "extract"
        try:
            deadline = time.monotonic() + 600
            # One dossier read (the flow is up and collecting), the next being read on the worker.
            while not (cache.is_dir() and any(cache.rglob("*.json")) and any(client.run(_executing).values())):
                assert run.poll() is None, "the run ended before it was interrupted"
                assert time.monotonic() < deadline, "no dossier reached the worker in 10 minutes"
                started.update(_descendants(run.pid))
                time.sleep(0.2)
            time.sleep(1)
            started.update(_descendants(run.pid))
            sent = time.monotonic()
            run.send_signal(sig)
            code = run.wait(timeout=EXIT_BOUND_S)  # raises when the signal is not handled
            log.seek(0)
            said = log.read()
            assert code == 130, said[-3000:]
            assert not (out / "results.jsonl").exists(), "the run went on to write its results"
            assert "已中断；已处理完的档案会保留，下次运行时复用" in said, said[-2000:]
            assert "Traceback" not in said, said[-3000:]
            while _alive(started) and time.monotonic() < sent + EXIT_BOUND_S + GONE_BOUND_S:
                time.sleep(0.5)
            assert not _alive(started), _alive(started)
            kept = sorted(cache.rglob("*.json"))
            # The run's dossiers are off the cluster: none queued, none still read by the worker.
            while client.run_on_scheduler(_extract_tasks) or any(client.run(_executing).values()):
                assert time.monotonic() < sent + 600, client.run(_executing)
                time.sleep(0.5)
            assert client.run_on_scheduler(_extract_tasks) == []
            # The dossier being read was stopped: read to its end, it would be in the cache.
            assert len(kept) == 1 and sorted(cache.rglob("*.json")) == kept
        finally:
            _stop_all(run, started)
            log.close()


_seen: list[str] = []
_cancel_now = threading.Event()


def _reads_until_cancelled() -> None:
    """A task that stands for a dossier's reading: it waits to be cancelled, then for the watcher
    to stop this process's reading, then is tried again in its thread, as a retry would."""
    from flows.dask_cancelled import stops_when_cancelled

    with stops_when_cancelled():
        _cancel_now.set()
        deadline = time.monotonic() + 60
        while not isolate._STOPPED.is_set() and time.monotonic() < deadline:
            time.sleep(0.1)
        _seen.append("stopped" if isolate._STOPPED.is_set() else "read on")
    try:
        with stops_when_cancelled():
            _seen.append("read again")
    except ReadingStopped:
        _seen.append("not again")


def _reads() -> bool:
    from flows.dask_cancelled import stops_when_cancelled

    with stops_when_cancelled():
        return not isolate._STOPPED.is_set()


@pytest.mark.timeout(300)
def test_a_cancelled_task_stops_its_workers_reading_and_the_next_task_reads() -> None:
    """On a real (in-process) Dask cluster: a task cancelled while it reads stops the worker's
    reading, is not read again should it be tried again, and the worker's next task reads."""
    _seen.clear()
    _cancel_now.clear()
    try:
        with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
                distributed.Client(cluster) as client:
            fut = client.submit(_reads_until_cancelled, pure=False)
            assert _cancel_now.wait(60)
            fut.cancel()
            deadline = time.monotonic() + 60
            while len(_seen) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert _seen == ["stopped", "not again"]
            assert client.submit(_reads, pure=False).result(timeout=60) is True
    finally:
        isolate.resume_reading()
