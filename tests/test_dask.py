"""Scale-out: the same flow on a real local Dask cluster of worker processes gives the same
results as the default runner, and leaves no process behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.generate import generate_batch
from flows.dask_worker import DAEMON_SETTING
from tests.conftest import read_results, run_dossier
from tests.short_dossiers import keep_longest_pdfs
from tests.test_dask_workers import _left_behind, _new_mark, _run_on_cluster

pytestmark = pytest.mark.e2e


def _essence(line: dict) -> dict:
    """What must not depend on where tasks ran (timings and reuse do)."""
    return {
        "status": line["status"],
        "fields": {k: v["value"] for k, v in line["fields"].items()},
        "documents": sorted((d["kind"], d["file"], tuple(d["pages"])) for d in line["documents"]),
        "findings": {f["rule"]: f["outcome"] for f in line["findings"]},
        "flags": sorted(f["code"] for f in line["flags"]),
    }


@pytest.mark.timeout(900)
def test_dask_cluster_matches_default_runner_and_leaves_no_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One local run and one run on a cluster of two worker processes (non-daemonic: each file is
    parsed in a child process, and daemonic processes may not have children): the same results;
    no worker starts a Prefect API of its own or warns about daemons; and once both are over, no
    process either of them started is left (tests/test_dask_workers.py has the daemonic case)."""
    pytest.importorskip("distributed")
    mark = _new_mark(monkeypatch)
    batch = tmp_path / "batch-dask"
    generate_batch(batch, n=3, seed=3, forms=["docx", "text_pdf", "scan"], damage="clean")
    keep_longest_pdfs(batch / "A0003")  # the scanned one: OCR on both sides, not a whole dossier's

    run_dossier("run", str(batch), "--out", str(tmp_path / "local"), "--no-db", "--date", "2020-07-01")
    stderr, servers = _run_on_cluster(batch, tmp_path / "dask", daemon=False, monkeypatch=monkeypatch)

    assert servers == [[], []], "a Dask worker started its own Prefect API server"
    assert DAEMON_SETTING not in stderr  # non-daemonic workers: nothing to warn about
    local, on_dask = read_results(tmp_path / "local"), read_results(tmp_path / "dask")
    assert sorted(local) == sorted(on_dask) == ["A0001", "A0002", "A0003"]
    for did in local:
        assert _essence(on_dask[did]) == _essence(local[did]), did
    assert _left_behind(mark) == []


def test_dossiers_reach_the_cluster_before_the_flow_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading on Dask starts as soon as the batch is listed, not once Prefect is up and the
    flow's body hands the dossiers out: by the time the flow runs, they are submitted."""
    distributed = pytest.importorskip("distributed")
    from flows import read_ahead, server_guard
    from flows.batch_flow import run_batch

    batch = tmp_path / "batch-dask"
    generate_batch(batch, n=2, seed=3, forms=["docx"], damage="clean")
    out = tmp_path / "out"
    seen_at_flow_start: list[int] = []
    guard = server_guard.guard_servers

    def note_submitted() -> list[int]:  # the first thing the flow's body does
        ahead = read_ahead.lookup(out)
        hand_out = getattr(ahead, "on_dask", None)
        seen_at_flow_start.append(len(hand_out._futures) if hand_out is not None else 0)
        return guard()

    monkeypatch.setattr(server_guard, "guard_servers", note_submitted)
    # Prefect's ephemeral API, as on a machine with none configured: its start is what reading
    # used to wait for. The tests' shared server answers at once.
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    # Worker threads in this process: the cluster starts in a second and reads with this
    # process's reading children; what is measured is when the flow submits, not where.
    with temporary_settings(restore_defaults={PREFECT_API_URL}), \
            distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        summary = run_batch(batch, out, processing_date=__import__("datetime").date(2020, 7, 1), workers=1,
                            dask_address=cluster.scheduler_address)

    assert seen_at_flow_start == [2]
    assert sum(summary["counts"].values()) == 2 and "error" not in summary["counts"]
