"""A run killed with SIGKILL halfway loses nothing: the next run finishes the batch, reuses what
was finished, lists every dossier exactly once, and no partial output is ever taken as complete;
nor does it leave Prefect's ephemeral API server running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from fixtures.generate import generate_batch
from flows import server_guard
from tests.conftest import ROOT, dossier_cmd, read_results, run_dossier, without_shared_api
from tests.short_dossiers import keep_longest_pdfs

pytestmark = pytest.mark.e2e


def _cached_ids(out: Path) -> set[str]:
    ids = set()
    for entry in (out / ".cache" / "extract").rglob("*.json"):
        try:
            ids.add(json.loads(entry.read_text(encoding="utf-8"))["dossier_id"])
        except (ValueError, KeyError):
            pytest.fail(f"a cache entry is partial: {entry}")
    return ids


def _guarded_servers(pid: int) -> list[int]:
    """The Prefect servers run by `pid`, once a guard is watching them."""
    kids = server_guard.children(pid)
    return [p for p, args in kids if server_guard.is_server(args)] if any(server_guard.is_guard(a) for _, a in kids) else []


def _assert_stopped_within(servers: list[int], seconds: float) -> None:
    """The killed run's servers are gone within `seconds` (a bound for a loaded machine)."""
    gone_by = time.monotonic() + seconds
    while time.monotonic() < gone_by and any(_running(pid) for pid in servers):
        time.sleep(0.2)
    assert not any(_running(pid) for pid in servers), "the killed run left its Prefect server running"


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


HOLD_HOOK = Path(__file__).resolve().parent / "hold_hook"  # its sitecustomize holds one dossier
HELD = "A0004"


def test_sigkill_mid_batch_then_resume(tmp_path: Path) -> None:
    batch = tmp_path / "batch-kill"
    generate_batch(batch, n=5, seed=5, forms=["docx", "scan", "text_pdf", "docx", "text_pdf"], damage="clean")
    keep_longest_pdfs(batch / "A0002")  # the scanned one: OCR, but not a whole dossier's
    out = tmp_path / "out"
    # One dossier's reading hangs until the kill: the run cannot finish first, whatever the
    # machine's speed, and the others are read and cached meanwhile.
    # Without the tests' shared API: what is checked is the run's own ephemeral server.
    env = dict(without_shared_api(), DOSSIER_TEST_HOLD_DOSSIER=HELD,
               PYTHONPATH=os.pathsep.join(p for p in (str(HOLD_HOOK), os.environ.get("PYTHONPATH", "")) if p))
    proc = subprocess.Popen(
        [*dossier_cmd(), "run", str(batch), "--out", str(out), "--no-db", "--date", "2020-07-01", "--workers", "1"],
        cwd=str(ROOT),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the kill takes OCR children with it
    )
    # Wait for the four free dossiers to be cached and the server to be guarded. The bound is a
    # safeguard against a broken run, not a measure: the held dossier keeps the run going.
    deadline = time.monotonic() + 600
    try:
        while (time.monotonic() < deadline and proc.poll() is None
               and not (len(_cached_ids(out)) == 4 and _guarded_servers(proc.pid))):
            time.sleep(0.2)
        assert proc.poll() is None, f"the run ended (exit {proc.returncode}) while a dossier was held"
        assert _cached_ids(out) == {"A0001", "A0002", "A0003", "A0005"}, _cached_ids(out)
        servers = _guarded_servers(proc.pid)
        assert servers, "Prefect's ephemeral API server was not found running under a guard"
        # The run alone first: its ephemeral API server must not outlive it.
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        _assert_stopped_within(servers, 30)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the OCR children the run left
        except ProcessLookupError:
            pass
        proc.wait(30)
    finished_before_kill = _cached_ids(out)
    assert HELD not in finished_before_kill and len(finished_before_kill) == 4
    assert not (out / "results.jsonl").exists(), "a killed first run must not leave a results file"

    run_dossier("run", str(batch), "--out", str(out), "--no-db", "--date", "2020-07-01")
    results = read_results(out)  # asserts each dossier appears once
    assert sorted(results) == ["A0001", "A0002", "A0003", "A0004", "A0005"]
    reused = {did for did, line in results.items() if line["stats"]["reused"]}
    assert finished_before_kill <= reused
    assert all(line["status"] != "error" for line in results.values())
    leftovers = [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_run_killed_while_its_server_starts_leaves_no_server(tmp_path: Path, sig: signal.Signals) -> None:
    """Killed the moment its ephemeral API server exists, before the flow (or even the server's
    health check) is reached: the server still does not outlive the run."""
    batch = tmp_path / "batch-early"
    generate_batch(batch, n=1, seed=5, forms=["docx"], damage="clean")
    proc = subprocess.Popen(
        [*dossier_cmd(), "run", str(batch), "--out", str(tmp_path / "out"), "--no-db", "--date", "2020-07-01"],
        cwd=str(ROOT), env=without_shared_api(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    servers: list[int] = []
    try:
        deadline = time.monotonic() + 600  # a safeguard against a broken run, not a measure
        while time.monotonic() < deadline and proc.poll() is None and not servers:
            servers = server_guard.server_children(proc.pid)
            time.sleep(0.05)
        assert servers, f"the run started no Prefect server (exit {proc.poll()})"
        os.kill(proc.pid, sig)  # the run alone: its server must not depend on the group's kill
        proc.wait(120)
        _assert_stopped_within(servers, 60)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(30)
        for pid in servers:  # reverted code must not leave the test's own orphan behind
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
