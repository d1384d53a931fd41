"""Dask workers and cleanup on the real engines: a daemonic worker is reported once, naming the
setting; workers start no Prefect API of their own and no process the run started is left. The
non-daemonic case, against a local run of the same batch, is tests/test_dask.py's (its helpers
here)."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from fixtures.generate import generate_batch
from flows.dask_worker import DAEMON_SETTING
from flows.server_guard import children, is_server
from tests.conftest import read_results, run_dossier

pytestmark = pytest.mark.e2e
distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

MARK = "DOSSIER_TEST_PROCESS_MARK"


def _marked(mark: str) -> list[tuple[int, int, str]]:
    """Live processes carrying this test's mark in their environment: everything the runs and
    the cluster started inherits it, whatever became of their parents."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if proc.pid == os.getpid():
            continue
        try:
            if proc.environ().get(MARK) == mark and proc.status() != psutil.STATUS_ZOMBIE:
                found.append((proc.pid, proc.ppid(), " ".join(proc.info["cmdline"] or [])[:200]))
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def _left_behind(mark: str, grace_s: float = 60.0) -> list[tuple[int, int, str]]:
    """What is still running once the processes that end on their own have had time to."""
    deadline = time.monotonic() + grace_s
    while (left := _marked(mark)) and time.monotonic() < deadline:
        time.sleep(1)
    return left


def _new_mark(monkeypatch: pytest.MonkeyPatch) -> str:
    from multiprocessing import resource_tracker

    # This test process's own tracker lives as long as pytest: started before the mark, unmarked.
    resource_tracker.ensure_running()
    mark = uuid.uuid4().hex
    monkeypatch.setenv(MARK, mark)
    return mark


def _batch(tmp_path: Path) -> Path:
    batch = tmp_path / "batch-workers"
    generate_batch(batch, n=2, seed=5, forms=["docx", "text_pdf"], damage="clean")
    return batch


def _run_on_cluster(batch: Path, out: Path, daemon: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[list[int]]]:
    """A run on a fresh two-worker cluster; its stderr and each worker's Prefect server children."""
    import dask

    monkeypatch.setenv("DASK_DISTRIBUTED__WORKER__DAEMON", str(daemon))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    dask.config.refresh()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        proc = run_dossier("run", str(batch), "--out", str(out), "--no-db", "--date", "2020-07-01",
                           "--dask-address", cluster.scheduler_address)
        with distributed.Client(cluster) as client:
            pids = list(client.run(os.getpid).values())
        servers = [[pid for pid, args in children(worker) if is_server(args)] for worker in pids]
    return proc.stderr, servers


@pytest.mark.timeout(900)
def test_a_daemonic_worker_is_reported_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mark = _new_mark(monkeypatch)
    batch = _batch(tmp_path)

    stderr, servers = _run_on_cluster(batch, tmp_path / "dask", daemon=True, monkeypatch=monkeypatch)

    assert stderr.count(DAEMON_SETTING) == 1, stderr[-2000:]
    assert "守护进程" in stderr
    assert servers == [[], []]
    assert {r["status"] for r in read_results(tmp_path / "dask").values()} != {"error"}
    assert _left_behind(mark) == []
