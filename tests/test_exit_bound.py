"""A run that failed or was stopped ends even when something waits for good at interpreter exit
(Prefect's queue drain after its API went away), and ends normally when nothing does."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _exit_in_child(tmp_path: Path, at_exit: str, grace_s: float) -> subprocess.CompletedProcess:
    script = textwrap.dedent(f"""
        import sys, threading, time
        sys.path.insert(0, {str(ROOT)!r})
        from dossierflow.exit_bound import exit_within
        done = {str(tmp_path / "drained")!r}
        {at_exit}
        exit_within(130, grace_s={grace_s})
    """)
    # The child's timeout only catches a hang (the failure this guards against), it times nothing.
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)


def test_a_wait_without_end_at_exit_does_not_keep_the_process(tmp_path: Path) -> None:
    child = _exit_in_child(tmp_path, "threading._register_atexit(threading.Event().wait)", grace_s=0.5)
    assert child.returncode == 130, child.stderr


def test_what_drains_within_the_grace_period_still_runs(tmp_path: Path) -> None:
    at_exit = "threading._register_atexit(lambda: (time.sleep(0.2), open(done, 'w').write('ok')))"
    child = _exit_in_child(tmp_path, at_exit, grace_s=60)
    assert child.returncode == 130, child.stderr
    assert (tmp_path / "drained").read_text() == "ok"


def test_a_caller_that_catches_the_exit_goes_on(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from dossierflow.exit_bound import exit_within
        try:
            exit_within(130, grace_s=0.2)
        except SystemExit:
            pass
        time.sleep(1.0)
        open({str(tmp_path / "went_on")!r}, "w").write("ok")
    """)
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    assert (tmp_path / "went_on").read_text() == "ok"
