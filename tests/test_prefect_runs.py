"""Runs as a Prefect user sees them: named after the batch, tagged, with artifacts and logs in
the API, judging and writing as tasks, a dead worker retried once, and a fully reused run still
recorded. Real flows against a real (temporary) Prefect API; DOCX batches only, no OCR."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path
from uuid import UUID

import pytest

from dossierflow.config import Limits
from dossierflow.errors import CorruptFile, WorkerLost
from dossierflow.ingest import DossierInput
from dossierflow.pipeline import Extracted
from fixtures.generate import generate_batch
from flows.run_identity import artifact_key, run_name

DAY = dt.date(2020, 7, 1)


@pytest.fixture(scope="module")
def prefect_api():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture
def client(prefect_api):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as c:
        yield c


@pytest.fixture
def docx_batch(tmp_path: Path) -> Path:
    batch = tmp_path / "q3-docx"
    generate_batch(batch, n=2, seed=5, forms=("docx",))
    return batch


def _artifacts(client, key: str):
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    return client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))


def _run_logs(client, run_id: UUID) -> list[str]:
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()
    return [log.message for log in client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))]


def test_a_run_is_named_tagged_and_publishes_its_summary(client, docx_batch: Path, tmp_path: Path) -> None:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.batch_flow import run_batch

    out = tmp_path / "out"
    summary = run_batch(docx_batch, out, processing_date=DAY, workers=1)

    run_id = UUID(summary["flow_run_id"])
    run = client.read_flow_run(run_id)
    assert run.name == run_name("q3-docx", DAY) == "q3-docx-2020-07-01"
    unit = __import__("yaml").safe_load((docx_batch / "batch.yaml").read_text(encoding="utf-8"))["unit"]
    assert {"batch:q3-docx", "rulebook:baotou-2020", f"unit:{unit}"} <= set(run.tags)

    tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    assert {t.name for t in tasks} >= {"judge", "write", "extract-A0001", "extract-A0002"}

    [table] = _artifacts(client, "batch-q3-docx-counts")
    assert table.type == "table" and table.flow_run_id == run_id
    rows = __import__("json").loads(table.data)
    statuses = {r["dossier_id"]: r["status"] for r in map(__import__("json").loads, (out / "results.jsonl").read_text(encoding="utf-8").splitlines())}
    assert sum(r["档案数"] for r in rows) == len(statuses) == 2
    for row in rows:
        assert row["档案数"] == sum(1 for s in statuses.values() if s == row["代码"])

    [markdown] = _artifacts(client, "batch-q3-docx")
    assert markdown.type == "markdown" and markdown.flow_run_id == run_id
    assert str((out / "report.html").resolve()) in markdown.data

    logs = _run_logs(client, run_id)
    assert any("批次 q3-docx：2 份档案" in m for m in logs), logs


def test_a_fully_reused_rerun_records_its_flow_run_named_and_tagged(
    client, docx_batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With an API configured, a re-run that reads nothing records its flow run in its own
    process, under the batch's name and tags, and hands back its id as a full run does."""
    from prefect.settings import PREFECT_API_URL

    from flows.batch_flow import run_batch

    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())  # as an operator configures it
    out = tmp_path / "out"
    first = run_batch(docx_batch, out, processing_date=DAY, workers=1)
    summary = run_batch(docx_batch, out, processing_date=DAY, workers=1)

    assert summary["counts"] == first["counts"]
    run = client.read_flow_run(UUID(summary["flow_run_id"]))
    assert run.id != UUID(first["flow_run_id"])
    assert run.name == "q3-docx-2020-07-01" and run.state.is_completed()
    unit = __import__("yaml").safe_load((docx_batch / "batch.yaml").read_text(encoding="utf-8"))["unit"]
    assert {"batch:q3-docx", "rulebook:baotou-2020", f"unit:{unit}"} <= set(run.tags)
    summaries = [a for a in _artifacts(client, "batch-q3-docx") if a.flow_run_id == run.id]
    assert summaries and str((out / "report.html").resolve()) in summaries[0].data
    assert any("全部复用缓存" in m for m in _run_logs(client, run.id))


def test_without_an_api_a_fully_reused_rerun_is_recorded_by_a_process_of_its_own(
    client, docx_batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With only Prefect's ephemeral API, whose start-up would cost more than the re-run, a
    detached process records the run after the command returned."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows import batch_flow, record_reused

    out = tmp_path / "out"
    batch_flow.run_batch(docx_batch, out, processing_date=DAY, workers=1)
    api = PREFECT_API_URL.value()
    launched: list[subprocess.Popen] = []
    real_launch = record_reused.launch
    monkeypatch.setattr(record_reused, "launch", lambda rec: launched.append(real_launch(rec)) or launched[-1])
    with temporary_settings(restore_defaults={PREFECT_API_URL}):  # this process sees no API
        # The detached recorder has a new interpreter: it finds the test's API in its environment.
        monkeypatch.setenv("PREFECT_API_URL", api)
        summary = batch_flow.run_batch(docx_batch, out, processing_date=DAY, workers=1)

    assert summary["recorded_later"] and "flow_run_id" not in summary  # returned before recording
    [proc] = launched
    assert proc.wait(timeout=300) == 0, (out / ".work" / "prefect-record.log").read_text(errors="replace")
    runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=["q3-docx-2020-07-01"])))
    latest = max(runs, key=lambda r: r.created)
    assert latest.state.is_completed() and "batch:q3-docx" in latest.tags
    summaries = [a for a in _artifacts(client, "batch-q3-docx") if a.flow_run_id == latest.id]
    assert summaries and str((out / "report.html").resolve()) in summaries[0].data


@pytest.fixture
def dossier(tmp_path: Path) -> DossierInput:
    return DossierInput(dossier_id="A0001", entry="A0001")


def _flaky_extract(monkeypatch: pytest.MonkeyPatch, failures: list[Exception]) -> list[str]:
    """extract_slim raising the given exceptions on its first calls, then succeeding."""
    from flows import dask_worker

    calls: list[str] = []

    def fake(dossier, limits, cache):
        calls.append(dossier.dossier_id)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return Extracted(dossier.dossier_id, error="read")

    monkeypatch.setattr(dask_worker, "extract_slim", fake)
    return calls


def _run_task(dossier: DossierInput, out: Path):
    from prefect import flow

    from flows.prefect_flow import extract_task

    @flow
    def one_dossier():
        return extract_task.submit(dossier, Limits(), str(out)).result(raise_on_failure=False)

    return one_dossier()


def test_a_task_whose_worker_died_is_retried_once(prefect_api, dossier, tmp_path, monkeypatch) -> None:
    calls = _flaky_extract(monkeypatch, [WorkerLost("worker killed")])
    outcome = _run_task(dossier, tmp_path)
    assert calls == ["A0001", "A0001"] and isinstance(outcome, Extracted)


def test_a_worker_that_dies_twice_is_not_tried_a_third_time(prefect_api, dossier, tmp_path, monkeypatch) -> None:
    calls = _flaky_extract(monkeypatch, [WorkerLost("killed"), WorkerLost("killed again"), WorkerLost("never")])
    outcome = _run_task(dossier, tmp_path)
    assert calls == ["A0001", "A0001"] and isinstance(outcome, WorkerLost)


def test_other_failures_are_not_retried(prefect_api, dossier, tmp_path, monkeypatch) -> None:
    calls = _flaky_extract(monkeypatch, [CorruptFile("文件无法解析")])
    outcome = _run_task(dossier, tmp_path)
    assert calls == ["A0001"] and isinstance(outcome, CorruptFile)


def test_a_dossier_whose_worker_keeps_dying_becomes_an_error_line(
    prefect_api, docx_batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows import dask_worker
    from flows.batch_flow import run_batch
    from flows.read_ahead import ReadAhead

    real = dask_worker.extract_slim

    def dies_on_a0002(dossier, limits, cache):
        if dossier.dossier_id == "A0002":
            raise WorkerLost("killed")
        return real(dossier, limits, cache)

    monkeypatch.setattr(dask_worker, "extract_slim", dies_on_a0002)
    monkeypatch.setattr(ReadAhead, "take", lambda self, did: None)  # the tasks read themselves
    out = tmp_path / "out"
    summary = run_batch(docx_batch, out, processing_date=DAY, workers=1)
    assert summary["counts"].get("error") == 1
    rows = {r["dossier_id"]: r for r in map(__import__("json").loads, (out / "results.jsonl").read_text(encoding="utf-8").splitlines())}
    assert rows["A0002"]["status"] == "error" and "意外终止" in rows["A0002"]["message"]
    assert rows["A0001"]["status"] != "error"


@pytest.mark.parametrize("batch_id, key", [
    ("q3-docx", "batch-q3-docx"),
    ("Q3_Docx", None),
    ("青山区2020", None),
])
def test_artifact_keys_are_what_prefect_accepts(batch_id: str, key: str | None) -> None:
    import re

    got = artifact_key(batch_id)
    assert re.fullmatch(r"[a-z0-9-]+", got) and got.startswith("batch-")
    if key:
        assert got == key
    assert artifact_key(batch_id + "x") != got


def test_dossier_run_prints_the_run_id_and_name(docx_batch: Path, tmp_path: Path) -> None:
    import re

    from tests.conftest import run_dossier

    proc = run_dossier("run", str(docx_batch), "--out", str(tmp_path / "out"), "--no-db", "--date", DAY.isoformat(),
                       env={"PREFECT_HOME": str(tmp_path / "prefect-home")})
    found = re.search(r"Prefect 运行：([0-9a-f-]{36})（q3-docx-2020-07-01）", proc.stderr)
    assert found, proc.stderr
    UUID(found.group(1))
    assert "Beginning flow run" not in proc.stderr and "批次 q3-docx：" not in proc.stderr  # the run log stays off the terminal


def test_run_log_info_reaches_the_api_but_not_a_quieted_terminal() -> None:
    """With Prefect quieted as the CLI does, the run logger still emits INFO (the API handler
    sends it to the run's log) while the terminal (root handlers) gets only warnings."""
    import json
    import sys

    probe = (
        "import json, logging\n"
        "import flows.prefect_flow\n"
        "seen = []\n"
        "class Catch(logging.Handler):\n"
        "    def emit(self, r): seen.append(r.getMessage())\n"
        "logging.getLogger().addHandler(Catch())\n"
        "log = logging.getLogger('prefect.flow_runs')\n"
        "log.info('info line'); log.warning('warning line')\n"
        "print(json.dumps({'info_enabled': log.isEnabledFor(logging.INFO), 'terminal': seen}))\n"
    )
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"}
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300, check=True)
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got == {"info_enabled": True, "terminal": ["warning line"]}


def test_an_api_is_looked_for_where_prefect_reads_its_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without any, a fully reused run skips importing Prefect and leaves the recording to a
    detached process; a profile or environment naming an API makes it record in-process."""
    from flows.record_reused import api_may_be_configured

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_PROFILES_PATH", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    assert not api_may_be_configured()
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "profiles.toml").write_text(
        'active = "city"\n[profiles.city]\nPREFECT_API_URL = "http://server:4200/api"\n', encoding="utf-8")
    assert api_may_be_configured()
    (tmp_path / "home" / "profiles.toml").unlink()
    monkeypatch.setenv("PREFECT_API_URL", "http://server:4200/api")
    assert api_may_be_configured()
