"""The throughput benchmark's CPU time counts what a run's orphaned processes spend.

A run leaves processes behind its main one (the reading forkserver, the Prefect server's guard);
their CPU time reaches getrusage(RUSAGE_CHILDREN) only if someone reaps them. Measured in a
fresh interpreter, because becoming a subreaper changes the process for good.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A command that starts a child in its own session, burns BURN CPU seconds there, and returns
# at once: the child is orphaned, as a run's forkserver is.
BURN = 0.6
ORPHANING = (
    "import subprocess, sys;"
    "subprocess.Popen([sys.executable, '-c', "
    f"'import time\\nwhile time.process_time() < {BURN}: pass'], start_new_session=True)"
)

MEASURE = f"""
import subprocess, sys
sys.path.insert(0, {str(ROOT)!r})
from bench.cputime import ChildCPU, become_subreaper
subreaper = become_subreaper() if sys.argv[1] == "subreaper" else False
with ChildCPU(reap=subreaper) as cpu:
    subprocess.run([sys.executable, "-c", {ORPHANING!r}], check=True)
print(cpu.seconds)
"""


def measured(mode: str) -> float:
    out = subprocess.run([sys.executable, "-c", MEASURE, mode], check=True, capture_output=True, text=True, timeout=300)
    return float(out.stdout.strip())


def test_an_orphans_cpu_time_is_counted() -> None:
    assert measured("subreaper") >= BURN


def test_without_the_subreaper_it_escapes() -> None:
    # The control: what the benchmark measured before it reaped orphans.
    assert measured("plain") < BURN / 2


# A process that reaps one child after it burned BURN seconds, then keeps a second one alive
# that has burned as much, and waits for its stdin to close.
FAMILY = f"""
import subprocess, sys
burn = 'import time\\nwhile time.process_time() < {BURN}: pass'
subprocess.run([sys.executable, '-c', burn], check=True)
alive = subprocess.Popen([sys.executable, '-c', burn + '\\nprint("burnt", flush=True)\\ntime.sleep(120)'])
sys.stdin.readline()
alive.kill()
"""


# /proc reports CPU time in whole clock ticks, user and system truncated apart, for a process and
# for its reaped children: each of the two burners can lose up to four ticks. Missing either
# burner would lose BURN, far more.
SLACK = 2 * 4 / os.sysconf("SC_CLK_TCK")


def test_tree_cpu_counts_a_process_with_its_reaped_and_its_live_children() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.cputime import tree_cpu

    family = subprocess.Popen([sys.executable, "-c", FAMILY], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert family.stdout is not None and family.stdout.readline().strip() == "burnt"
        assert tree_cpu(family.pid) >= 2 * BURN - SLACK
    finally:
        family.communicate("\n", timeout=60)
    assert tree_cpu(family.pid) == 0.0  # gone
