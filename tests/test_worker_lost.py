"""A reading worker killed by another process is the worker's death, not the file's: its dossier
is read once more (flows.retry). A worker that crashes on a file stays that file's problem and is
not retried. Workers are killed for real, with signals, while they hold a file."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import threading
from pathlib import Path
from uuid import UUID

import pytest

from dossierflow.config import Limits
from dossierflow.errors import CorruptFile, WorkerLost
from extractors.readers import isolate
from fixtures.generate import generate_batch

DAY = dt.date(2020, 7, 1)


@pytest.fixture(scope="module")
def prefect_api():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture
def docx_batch(tmp_path: Path) -> Path:
    batch = tmp_path / "q3-docx"
    generate_batch(batch, n=2, seed=5, forms=("docx",))
    return batch


def _kill_first_worker(monkeypatch: pytest.MonkeyPatch, sig: signal.Signals) -> list[str]:
    """The first worker handed a file dies of `sig` before it can answer: stopped, given the
    file, signalled, continued (so the file is surely in its hands and no answer can win)."""
    killed: list[str] = []
    lock = threading.Lock()

    def send(limits: Limits, request: tuple) -> isolate._Worker:
        worker = isolate._POOL.take(limits)
        with lock:
            first = not killed
            if first:
                killed.append(request[0])
        if first:
            os.kill(worker.proc.pid, signal.SIGSTOP)
        worker.conn.send(request)
        if first:
            os.kill(worker.proc.pid, sig)
            os.kill(worker.proc.pid, signal.SIGCONT)
        return worker

    monkeypatch.setattr(isolate, "_send", send)
    return killed


def _a_docx(batch: Path) -> Path:
    return sorted(batch.rglob("*.docx"))[0]


def test_a_worker_killed_from_outside_is_a_lost_worker(docx_batch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _kill_first_worker(monkeypatch, signal.SIGKILL)
    path = _a_docx(docx_batch)
    with pytest.raises(WorkerLost):
        isolate.read_file_isolated(path, path.name, Limits())
    assert isolate.read_file_isolated(path, path.name, Limits()).pages  # the next worker reads it


def test_a_worker_that_crashes_on_a_file_is_the_files_problem(docx_batch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _kill_first_worker(monkeypatch, signal.SIGSEGV)
    path = _a_docx(docx_batch)
    with pytest.raises(CorruptFile, match="SIGSEGV"):
        isolate.read_file_isolated(path, path.name, Limits())


def _extract_runs(run_id: UUID) -> dict[str, int]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    return {t.name: t.run_count for t in tasks if t.name.startswith("extract-")}


def _rows(out: Path) -> dict[str, dict]:
    return {r["dossier_id"]: r for r in map(json.loads, (out / "results.jsonl").read_text(encoding="utf-8").splitlines())}


def test_a_dossier_whose_worker_was_killed_is_read_again(
    prefect_api, docx_batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.batch_flow import run_batch

    killed = _kill_first_worker(monkeypatch, signal.SIGKILL)
    out = tmp_path / "out"
    summary = run_batch(docx_batch, out, processing_date=DAY, workers=1)

    assert len(killed) == 1
    rows = _rows(out)
    assert all(r["status"] != "error" and not r.get("message") for r in rows.values()), rows
    victim = next(did for did in rows if f"/{did}/" in killed[0])
    runs = _extract_runs(UUID(summary["flow_run_id"]))
    assert runs[f"extract-{victim}"] == 2 and all(n == 1 for name, n in runs.items() if name != f"extract-{victim}")


def test_a_file_that_crashes_its_reader_is_not_retried(
    prefect_api, docx_batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.batch_flow import run_batch

    killed = _kill_first_worker(monkeypatch, signal.SIGSEGV)
    out = tmp_path / "out"
    summary = run_batch(docx_batch, out, processing_date=DAY, workers=1)

    rows = _rows(out)
    victim = next(did for did in rows if f"/{did}/" in killed[0])
    assert "SIGSEGV" in (rows[victim].get("message") or ""), rows[victim]
    assert set(_extract_runs(UUID(summary["flow_run_id"])).values()) == {1}
