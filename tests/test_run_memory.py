"""What the run's main process holds grows with what a dossier needs, not with the batch: the
flow keeps a bounded number of extraction tasks submitted (each one's Prefect future, state and
queued call live until its outcome is taken) and lets go of a task run once its outcome is taken, and the run's artifacts read results.jsonl a line
at a time. Counted with the garbage collector during a real flow run against a real Prefect
API, and with tracemalloc's peak (allocations, not RSS or time) for the artifacts."""

from __future__ import annotations

import datetime as dt
import gc
import json
import tracemalloc
from pathlib import Path
from typing import Callable, TypeVar

import pytest

from fixtures.generate import generate_batch
from flows import artifacts
from tests.conftest import AliveSince, traced_peak

DAY = dt.date(2020, 7, 1)
T = TypeVar("T")


@pytest.fixture(scope="module")
def prefect_api():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def probed_run(probe: Callable[[], T], batch: Path, out: Path, **run: object) -> tuple[dict, list[T]]:
    """Run `batch` through the real flow and call `probe` in the flow's thread (where the
    progress listener runs) each time a dossier's outcome is handed back."""
    from flows import batch_flow, progress

    seen: list[T] = []

    def on_event(event: str, data: dict) -> None:
        if event == "done":
            seen.append(probe())

    progress.set_listener(on_event)
    try:
        summary = batch_flow.run_batch(batch, out, processing_date=DAY, **run)  # type: ignore[arg-type]
    finally:
        progress.set_listener(None)
    return summary, seen


def docx_batch_in_flight(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int, seed: int, in_flight: int) -> Path:
    """A batch of `n` Word dossiers at `seed`, for a flow that keeps at most `in_flight` tasks
    submitted (prefect_flow.IN_FLIGHT, set for the test)."""
    from flows import prefect_flow

    batch = tmp_path / "batch"
    generate_batch(batch, n=n, seed=seed, forms=("docx",))
    monkeypatch.setattr(prefect_flow, "IN_FLIGHT", in_flight)
    return batch


def live_task_futures() -> Callable[[], int]:
    """A probe counting the Prefect futures alive that were not alive when it was made."""
    from prefect.futures import PrefectFuture

    return AliveSince(PrefectFuture)


def test_a_flow_keeps_a_bounded_number_of_extraction_tasks_submitted(
    prefect_api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n, in_flight = 10, 2
    batch = docx_batch_in_flight(tmp_path, monkeypatch, n, seed=5, in_flight=in_flight)
    summary, seen = probed_run(live_task_futures(), batch, tmp_path / "out", workers=2)
    assert summary["dossiers"] == n and sum(summary["counts"].values()) == n
    assert len(seen) == n
    # Each dossier handed back while at most `in_flight` tasks were submitted and not yet taken
    # (submitted all at once, the first dossier found every one of them alive).
    assert max(seen) <= in_flight, seen
    with open(tmp_path / "out" / "results.jsonl", encoding="utf-8") as fh:
        assert sorted(json.loads(line)["dossier_id"] for line in fh) == sorted(p.name for p in batch.iterdir() if p.is_dir())


def _task_runs_kept() -> tuple[int, int, int]:
    """(task runs whose final state the flow run still links results to, cancel events its
    runner still holds, task runs whose downstream assets it still holds): read in the flow's
    thread, where the progress listener runs."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    assert context is not None
    linked = {entry[0].state_details.task_run_id for entry in context.run_results.values()}
    return len(linked), len(getattr(context.task_runner, "_cancel_events", {})), len(context.task_run_assets)


def test_a_flow_lets_go_of_each_task_run_once_its_outcome_is_taken(
    prefect_api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n, in_flight = 8, 2
    batch = docx_batch_in_flight(tmp_path, monkeypatch, n, seed=6, in_flight=in_flight)
    summary, kept = probed_run(_task_runs_kept, batch, tmp_path / "out", workers=2)
    assert sum(summary["counts"].values()) == n and len(kept) == n
    # Only the runs submitted and not yet taken may still be held; kept, the last dossier
    # found every earlier run's state, cancel event and assets still there.
    assert max(linked for linked, _, _ in kept) <= in_flight, kept
    assert max(events for _, events, _ in kept) <= in_flight, kept
    assert max(assets for _, _, assets in kept) <= in_flight, kept


def test_the_artifacts_read_results_a_line_at_a_time(tmp_path: Path) -> None:
    # A batch's results.jsonl: every line carries a dossier's evidence, tens of kilobytes.
    evidence = "证明材料" * 5000
    n = 200
    with open(tmp_path / "results.jsonl", "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"dossier_id": f"A{i:04d}", "status": "accepted", "evidence": evidence}, ensure_ascii=False) + "\n")
    one_line = len(evidence.encode()) + 100
    tracemalloc.start()
    try:
        statuses = artifacts.read_statuses(tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(statuses) == n and set(statuses.values()) == {"accepted"}
    # A few lines' worth at once, never the file's (n lines: read whole, the peak is over n times one).
    assert peak < 20 * one_line, (peak, one_line)


def _result_line(i: int) -> dict:
    return {
        "dossier_id": f"A{i:04d}", "status": "accepted", "message": "", "versions": {"extractor": "x"},
        "stats": {"pages": 3, "ocr_pages": 0}, "evidence": [], "flags": [],
        "fields": {"name": {"value": f"申报人{i}", "confidence": 1.0, "sources": []},
                   "id_number": {"value": "150203199001011234", "confidence": 1.0, "sources": []}},
        "findings": [{"rule": "PLEDGE_SIGNED", "outcome": "pass", "clause": "二（一）4", "message": "已签名", "sources": []}],
    }


def test_the_reports_hold_no_line_of_the_batch(tmp_path: Path) -> None:
    """Writing a run's reports from its spooled result lines: the batch report's rows are made
    as the page is written, not held with the page for the whole batch (814 bytes a line
    more here before). tracemalloc's peak of `write_result_lines`, 200 vs 2,000 lines."""
    from dossierflow.batch import BatchInfo
    from dossierflow.ingest import BatchInput
    from dossierflow.output import write_result_lines
    from dossierflow.result_stream import SpooledLines

    def peak_of(n: int) -> int:
        work = tmp_path / str(n)
        work.mkdir()
        lines_file = work / "lines.jsonl"
        lines_file.write_text("".join(json.dumps(_result_line(i), ensure_ascii=False) + "\n" for i in range(n)), encoding="utf-8")
        batch = BatchInput(batch_id="b1", root=work, info=BatchInfo(batch_id="b1"), dossiers=[], skipped=[])
        gc.collect()
        return traced_peak(lambda: write_result_lines(work / "out", batch, SpooledLines(lines_file), [], DAY, lines_file=lines_file))

    peak_of(5)  # first-use imports and templates aside
    small, large = peak_of(200), peak_of(2000)
    assert (large - small) / 1800 < 600, f"{(large - small) / 1800:.0f} bytes a line"
    page = (tmp_path / "2000" / "out" / "report.html").read_text(encoding="utf-8")
    assert page.count('/report.html">A') == 2000 and "150203********1234" in page
