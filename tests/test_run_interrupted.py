"""`dossier run` stopped by SIGTERM or Ctrl-C while its readers are busy: it stops within
seconds (not when the dossiers being read are done), leaves no process behind, keeps the
dossiers it finished, says so in Chinese (and only in Chinese), and the next run resumes from
them.

The end-to-end test is a real run (real Tesseract on generated scans, real Prefect): its bound
on the exit is generous for a loaded machine, far below the minute a scanned dossier's reading
takes there, and is about the signal being handled, not about speed."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from dossierflow.errors import ReadingStopped
from extractors.readers import isolate
from flows.interruption import stops_reading_on_signals
from tests.conftest import ROOT, dossier_cmd, read_results, without_shared_api
from tests.short_dossiers import keep_longest_pdfs

EXIT_BOUND_S = 60  # against readings of minutes: a handled signal, not a speed figure
GONE_BOUND_S = 30  # for every process the run started to be gone after it exited


def test_a_signal_stops_reading_and_interrupts_then_a_new_scope_reads_again(tmp_path: Path) -> None:
    # What the process had before: another test in this worker may have left its own handler.
    sigterm_before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        with stops_reading_on_signals():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # the handler runs at once: never reached
    with pytest.raises(ReadingStopped):
        isolate.read_file_isolated(tmp_path / "none.pdf", "none.pdf", limits=_limits())
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back as it was
    with stops_reading_on_signals():
        assert not isolate._STOPPED.is_set()  # a new run reads
    assert signal.getsignal(signal.SIGTERM) is sigterm_before


def test_a_signal_the_process_ignores_stays_ignored() -> None:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with stops_reading_on_signals():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    finally:
        signal.signal(signal.SIGINT, previous)


def _limits():  # type: ignore[no-untyped-def]
    from dossierflow.config import Limits

    return Limits()


def _descendants(pid: int) -> dict[int, object]:
    import psutil

    try:
        return {p.pid: p for p in psutil.Process(pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return {}


def _alive(procs: dict[int, object]) -> list[str]:
    import psutil

    left = []
    for proc in procs.values():
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:  # type: ignore[attr-defined]
                left.append(" ".join(proc.cmdline())[:120])  # type: ignore[attr-defined]
        except psutil.NoSuchProcess:
            pass
    return left


def _stop_all(run: subprocess.Popen, started: dict[int, object]) -> None:
    """Whatever a failed test leaves: the run's process group, and each process it started."""
    if run.poll() is None:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    for proc in started.values():
        try:
            proc.kill()  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - already gone
            pass


@pytest.mark.e2e
@pytest.mark.slow
def test_sigterm_while_reading_stops_the_run_and_a_rerun_resumes(tmp_path: Path) -> None:
    from fixtures.generate import generate_batch

    batch, out = tmp_path / "batch", tmp_path / "out"
    generate_batch(batch, n=2, seed=7, forms=["scan"], damage="clean")
    for dossier in ("A0001", "A0002"):  # several pages each: one is still read when the other is done
        keep_longest_pdfs(batch / dossier)
    # The run's own ephemeral API, not the tests' shared one: its server must go with the run.
    env = {**without_shared_api(), "DOSSIER_DATA_DIR": str(tmp_path / "data")}
    cmd = [*dossier_cmd(), "run", str(batch), "--out", str(out), "--no-db", "--workers", "1", "--date", "2020-07-01"]
    cache = out / ".cache" / "extract"
    log = (tmp_path / "run.log").open("w+", encoding="utf-8")
    # Its own session: the signal reaches the run alone, as `kill PID` or a service manager sends it.
    run = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=log, stderr=log, start_new_session=True)
    started: dict[int, object] = {}
    try:
        # Both dossiers are read at once (two a core slot): once one is in the cache, the other
        # is being read.
        deadline = time.monotonic() + 900
        while not (cache.is_dir() and any(cache.rglob("*.json"))):
            assert run.poll() is None, "the run ended before it was interrupted"
            assert time.monotonic() < deadline, "no dossier was read in 15 minutes"
            started.update(_descendants(run.pid))
            time.sleep(0.2)
        started.update(_descendants(run.pid))
        kept = {p: p.stat().st_ino for p in cache.rglob("*.json")}
        sent = time.monotonic()
        run.send_signal(signal.SIGTERM)
        code = run.wait(timeout=EXIT_BOUND_S)  # raises when the signal is not handled
        assert not (out / "results.jsonl").exists(), "the run went on to write its results"
        assert code == 130, code
        log.seek(0)
        said = log.read()
        assert "已中断；已处理完的档案会保留，下次运行时复用" in said, said[-2000:]
        # Prefect's English crash lines stay in the flow run's log, off the clerk's terminal.
        assert "Crash detected" not in said and "Traceback" not in said, said[-2000:]
        # Every process it started goes: readers, the forkserver, Prefect's server, the guard.
        assert started
        while _alive(started) and time.monotonic() < sent + EXIT_BOUND_S + GONE_BOUND_S:
            time.sleep(0.5)
        assert not _alive(started), _alive(started)
    finally:
        _stop_all(run, started)
        log.close()
    assert len(kept) == 1
    # The next run resumes: the dossier read before the signal is reused as it was, the other read.
    again = subprocess.run(cmd, env=env, cwd=str(ROOT), capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr[-3000:]
    assert set(read_results(out)) == {"A0001", "A0002"}
    assert all(p.stat().st_ino == ino for p, ino in kept.items())  # not written again
    assert all(line["status"] != "error" for line in read_results(out).values())
