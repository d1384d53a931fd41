"""Scale-out: the same flow on a real local Dask cluster of worker processes gives the same
results as the default runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.generate import generate_batch
from tests.conftest import read_results, run_dossier

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


def test_dask_cluster_matches_default_runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    distributed = pytest.importorskip("distributed")
    batch = tmp_path / "batch-dask"
    generate_batch(batch, n=3, seed=3, forms=["docx", "text_pdf", "scan"], damage="clean")

    run_dossier("run", str(batch), "--out", str(tmp_path / "local"), "--no-db", "--date", "2020-07-01")

    # Each file is parsed in a child process; Dask's worker processes are daemonic by default
    # and daemonic processes may not have children.
    monkeypatch.setenv("DASK_DISTRIBUTED__WORKER__DAEMON", "False")
    import dask

    dask.config.refresh()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run_dossier(
            "run", str(batch), "--out", str(tmp_path / "dask"), "--no-db", "--date", "2020-07-01",
            "--dask-address", cluster.scheduler_address,
        )
        with distributed.Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2

    local, on_dask = read_results(tmp_path / "local"), read_results(tmp_path / "dask")
    assert sorted(local) == sorted(on_dask) == ["A0001", "A0002", "A0003"]
    for did in local:
        assert _essence(on_dask[did]) == _essence(local[did]), did


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
    # Worker threads in this process: the cluster starts in a second and reads with this
    # process's reading children; what is measured is when the flow submits, not where.
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        summary = run_batch(batch, out, processing_date=__import__("datetime").date(2020, 7, 1), workers=1,
                            dask_address=cluster.scheduler_address)

    assert seen_at_flow_start == [2]
    assert sum(summary["counts"].values()) == 2 and "error" not in summary["counts"]
