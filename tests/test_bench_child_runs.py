"""bench/child_runs.py: a bench stopped by SIGTERM stops its child command, waits for it, and
ends through SystemExit so its temporary folders go; without a signal, the child's code is
returned as subprocess.run returns it. Real processes and real signals."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.conftest import ROOT

# The child: says it started, and on SIGTERM writes that it got it and ends with 130, as
# `dossier run` does.
CHILD = textwrap.dedent("""
    import signal, sys, time
    from pathlib import Path
    seen = Path(sys.argv[1])
    def stop(signum, frame):
        seen.with_suffix(".term").write_text("SIGTERM")
        sys.exit(130)
    signal.signal(signal.SIGTERM, stop)
    seen.with_suffix(".started").write_text("")
    time.sleep(120)
""")

# The bench: runs the child in a temporary folder it names in a file, as readme_figures does.
BENCH = textwrap.dedent("""
    import sys, tempfile
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from bench import child_runs
    seen = Path(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="child-runs-test-") as tmp:
        seen.with_suffix(".tmp").write_text(tmp)
        done = child_runs.run([sys.executable, "-c", sys.argv[3], str(seen)])
    sys.exit(done.returncode)
""")


def _wait_for(path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def test_sigterm_to_the_bench_stops_its_child_and_removes_its_temporary_folder(tmp_path: Path) -> None:
    seen = tmp_path / "seen"
    bench = subprocess.Popen([sys.executable, "-c", BENCH, str(ROOT), str(seen), CHILD])
    try:
        _wait_for(seen.with_suffix(".started"))
        bench.send_signal(signal.SIGTERM)  # the bench alone, as `kill PID` or `timeout` sends it
        code = bench.wait(timeout=60)
    finally:
        if bench.poll() is None:
            bench.kill()
    assert seen.with_suffix(".term").read_text() == "SIGTERM"  # passed on to the child
    assert code == 128 + signal.SIGTERM
    assert not Path(seen.with_suffix(".tmp").read_text()).exists()  # the bench's `with` ran


def test_without_a_signal_the_childs_code_comes_back(tmp_path: Path) -> None:
    from bench import child_runs

    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    done = child_runs.run([sys.executable, "-c", "import sys; sys.exit(7)"], cwd=tmp_path)
    assert done.returncode == 7
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before  # put back
