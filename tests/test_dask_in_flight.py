"""With a shared Prefect API and a Dask cluster, the flow's extraction tasks run on the cluster
through Prefect's Dask task runner (`flows.prefect_flow.task_runner`), and the flow still keeps no
more than `IN_FLIGHT` of them submitted: each one's Prefect future lives until its outcome is
taken. Counted with the garbage collector during a real flow run against a real Prefect API on a
real local Dask cluster (its workers threads of this process: a cluster up in a second)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.test_run_memory import docx_batch_in_flight, live_task_futures, probed_run

pytestmark = pytest.mark.e2e
distributed = pytest.importorskip("distributed")
pytest.importorskip("prefect_dask")

DAY = dt.date(2020, 7, 1)


@pytest.fixture(scope="module")
def prefect_api():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.mark.timeout(900)
def test_a_flow_on_dask_with_a_shared_api_keeps_a_bounded_number_of_tasks_submitted(
    prefect_api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect_dask import DaskTaskRunner

    from flows import dask_worker, prefect_flow

    n, in_flight = 8, 2
    batch = docx_batch_in_flight(tmp_path, monkeypatch, n, seed=5, in_flight=in_flight)
    assert dask_worker.flow_api_is_shared()  # the harness's API is the flow's and the workers'
    runners: list[object] = []
    real_runner = prefect_flow.task_runner
    monkeypatch.setattr(prefect_flow, "task_runner", lambda *a, **k: runners.append(real_runner(*a, **k)) or runners[-1])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client, distributed.get_task_stream(client) as stream:
        summary, seen = probed_run(live_task_futures(), batch, tmp_path / "out", workers=1,
                                   dask_address=cluster.scheduler_address)
    assert [type(r) for r in runners] == [DaskTaskRunner]
    assert len([r for r in stream.data if "extract" in str(r["key"])]) == n  # read on the cluster
    assert summary["dossiers"] == n and sum(summary["counts"].values()) == n
    assert "error" not in summary["counts"]
    assert len(seen) == n
    # Each dossier handed back while at most `in_flight` tasks were submitted and not yet taken.
    assert max(seen) <= in_flight, seen
