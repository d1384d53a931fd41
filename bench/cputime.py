"""CPU time (user + system) of the processes a benchmark starts, children and orphans included.

On a machine other work is loading, wall-clock time says as much about the neighbours as about
the program; the CPU seconds a process tree consumes change far less. `getrusage(RUSAGE_CHILDREN)`
counts every descendant that was waited for, the grandchildren too (a parent folds the children it
reaped into its own figure); a descendant whose parent exits first (the Prefect server's guard, a
background recorder) would escape it, so the benchmark process makes itself a child subreaper:
such orphans are handed to it, and `ChildCPU` reaps them before reading the figure.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import psutil

_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Orphaned descendants become this process's children (Linux); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def reap_orphans(wait: float = 120.0) -> int:
    """Wait for every child still alive or unreaped (orphans handed over by the subreaper), up to
    `wait` seconds; how many were reaped. Call only when no other code in this process is waiting
    for a child of its own."""
    reaped, deadline = 0, time.monotonic() + wait
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return reaped
        if pid:
            reaped += 1
        elif time.monotonic() > deadline:
            return reaped
        else:
            time.sleep(0.05)


def tree_cpu(pid: int) -> float:
    """CPU seconds of one live process and its descendants, live or finished and waited for
    (a process's figure includes the children it reaped). 0 when the process is gone."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            t = proc.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
    return total


def children_cpu() -> float:
    """user + system seconds of every reaped descendant so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class ChildCPU:
    """CPU seconds of the descendants that end inside the block (run the measured commands as
    subprocesses and wait for them inside it). `reap=True` also waits for orphans first."""

    def __init__(self, reap: bool = False):
        self.reap, self.seconds = reap, 0.0

    def __enter__(self) -> "ChildCPU":
        self._start = children_cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.reap:
            reap_orphans()
        self.seconds = children_cpu() - self._start


def run_tree(cmd: Sequence[str], **popen: Any) -> tuple[subprocess.CompletedProcess, float]:
    """Run `cmd` under a fresh interpreter that is its subreaper, and return its completed process
    and the CPU seconds of its whole tree, orphans included (killed or left to end by themselves).
    For a caller that keeps children of its own alive (a Dask cluster) and so may neither become
    the subreaper of the command's orphans nor reap every child it has; the wrapper's own
    interpreter is not counted."""
    with tempfile.TemporaryDirectory(prefix="cputime-") as tmp:
        figure = Path(tmp) / "cpu"
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), str(figure), "--", *cmd], **popen)
        seconds = float(figure.read_text()) if figure.exists() else 0.0
    return done, seconds


def _wrap(argv: list[str]) -> int:
    """`cputime.py FIGURE -- CMD...`: run CMD as this subreaper's child, reap its orphans, write
    the tree's CPU seconds to FIGURE, exit with CMD's code."""
    figure, cmd = Path(argv[0]), argv[2:]
    become_subreaper()
    with ChildCPU(reap=True) as cpu:
        code = subprocess.call(cmd)
    figure.write_text(repr(cpu.seconds))
    return code


if __name__ == "__main__":
    sys.exit(_wrap(sys.argv[1:]))
