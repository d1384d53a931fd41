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
