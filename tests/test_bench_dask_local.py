"""The Dask benchmark's CPU time counts a run's whole process tree and its cluster's live work.

A run's reading processes and Prefect server are killed or orphaned at its end; sampling the live
tree missed each one's last interval and every orphan. The command's tree is counted by a
subreaper (`bench.cputime.run_tree`), the cluster's processes, which outlive it, by their delta.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench import dask_local

# Each of these short children starts a grandchild in its own session that burns BURN CPU
# seconds, and exits at once: the grandchild is orphaned, as a run's forkserver is, and ends by
# itself after the command has returned.
BURN = 0.3
ORPHANS = 3
ORPHANING = (
    "import subprocess, sys\n"
    f"for _ in range({ORPHANS}):\n"
    "    subprocess.Popen([sys.executable, '-c', "
    f"'import time\\nwhile time.process_time() < {BURN}: pass'], start_new_session=True)\n"
)


def test_orphans_that_end_after_the_command_are_counted() -> None:
    proc, run = dask_local._measured([sys.executable, "-c", ORPHANING], dict(os.environ), live=False)
    assert proc.returncode == 0
    assert run.cpu >= ORPHANS * BURN


WORKER_BURN = 0.8

# A stand-in for a cluster worker: alive before the command and after it, it burns WORKER_BURN CPU
# seconds when the command asks (a file appears) and says when it is done; the command waits.
WORKER = (
    "import os, sys, time\n"
    "go, done = sys.argv[1], sys.argv[2]\n"
    "while not os.path.exists(go): time.sleep(0.01)\n"
    "start = time.process_time()\n"
    f"while time.process_time() - start < {WORKER_BURN}: pass\n"
    "open(done, 'w').close()\n"
    "time.sleep(60)\n"
)
ASKING = (
    "import os, sys, time\n"
    "open(sys.argv[1], 'w').close()\n"
    "while not os.path.exists(sys.argv[2]): time.sleep(0.01)\n"
)


def _with_worker(tmp_path, live: bool) -> float:
    go, done = str(tmp_path / "go"), str(tmp_path / "done")
    worker = subprocess.Popen([sys.executable, "-c", WORKER, go, done])
    try:
        time.sleep(0.2)
        proc, run = dask_local._measured([sys.executable, "-c", ASKING, go, done], dict(os.environ), live=live)
        assert proc.returncode == 0
        return run.cpu
    finally:
        worker.kill()
        worker.wait()


def test_a_live_child_of_the_bench_counts_what_it_spent_during_the_command(tmp_path) -> None:
    assert _with_worker(tmp_path, live=True) >= WORKER_BURN


def test_without_live_the_cluster_is_not_charged_to_a_local_run(tmp_path) -> None:
    assert _with_worker(tmp_path, live=False) < WORKER_BURN
