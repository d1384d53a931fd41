"""Where a `dossier run` spends its time: CPU seconds by process role, and its phases in wall time.

    .venv/bin/python bench/cpu_roles.py BATCH [--workers 2] [--repeat 2] [--work DIR]

Runs `dossier run BATCH` into a fresh OUT (no cache reused) and prints, per run:
- CPU seconds (user + system) of each role: the reading processes (the forkserver and every
  reader it forked, counted through the forkserver's reaped children and the readers still
  alive), Prefect's API server, and the run's own process (the rest of the tree: its imports,
  the flow, extracting fields, judging, writing). The tree's total is exact (this process is the
  subreaper and reads its reaped children's rusage, as `bench/cputime.py` does); the server's
  and the readers' shares are sampled from /proc every `--interval` seconds, so the last
  fraction of a second of each goes to the run's own share.
- the phases in wall seconds, from the progress lines the run prints on a pipe: listed, last
  dossier read, judging started, reports started and finished, exit.

The first run on a fresh Prefect home also creates and migrates Prefect's database (in the
server): `--repeat 2` and read the second. A loaded machine stretches wall time, not CPU time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cputime import ChildCPU, become_subreaper  # noqa: E402
from bench.prefect_home import own_prefect_home  # noqa: E402

_TICK = os.sysconf("SC_CLK_TCK")
# The progress lines (flows/progress_display.py) that mark a phase, and the phase's name.
_PHASES = [
    (re.compile(r"^批次共 \d+ 份档案"), "listed"),
    (re.compile(r"^已读取 (\d+)/\1\b"), "read"),
    (re.compile(r"^正在按政策逐条审核"), "judging"),
    (re.compile(r"^正在写出 \d+ 份"), "writing"),
    (re.compile(r"^已写出报告 (\d+)/\1$"), "reports written"),
]


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(parent pid, own CPU s, reaped children's CPU s) of a live process."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            raw = fh.read()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK, (int(fields[13]) + int(fields[14])) / _TICK


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class RoleSampler(threading.Thread):
    """Samples the run's tree: the latest CPU of the server and of the reading processes."""

    def __init__(self, root: int, interval: float):
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.server = 0.0
        self.reading = 0.0
        self.stopped = threading.Event()

    def _tree(self) -> dict[int, tuple[int, float, float]]:
        procs = {}
        for name in os.listdir("/proc"):
            if name.isdigit() and (st := _stat(int(name))) is not None:
                procs[int(name)] = st
        tree, grew = {self.root}, True
        while grew:
            grew = False
            for pid, (ppid, _, _) in procs.items():
                if pid not in tree and ppid in tree:
                    tree.add(pid)
                    grew = True
        return {pid: procs[pid] for pid in tree if pid in procs}

    def run(self) -> None:
        while not self.stopped.is_set():
            tree = self._tree()
            server = reading = 0.0
            forkservers = set()
            for pid, (ppid, own, reaped) in tree.items():
                cmd = _cmdline(pid)
                if "uvicorn" in cmd and "prefect.server" in cmd:
                    server += own + reaped
                elif "multiprocessing.forkserver" in cmd and ppid == self.root:
                    forkservers.add(pid)
                    reading += own + reaped
            for ppid, own, reaped in tree.values():
                if ppid in forkservers:
                    reading += own + reaped
            if tree:
                self.server, self.reading = max(self.server, server), max(self.reading, reading)
            self.stopped.wait(self.interval)


def run_once(batch: Path, work: Path, workers: int, interval: float) -> None:
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    env = {**own_prefect_home(work), "DOSSIER_WORKERS": str(workers)}
    cmd = [str(ROOT / ".venv" / "bin" / "dossier"), "run", str(batch), "--out", str(out), "--no-db", "--date", "2020-07-01"]
    phases: dict[str, float] = {}
    started = time.perf_counter()
    with ChildCPU(reap=True) as total:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        sampler = RoleSampler(proc.pid, interval)
        sampler.start()
        tail = []
        assert proc.stderr is not None
        for line in proc.stderr:
            now = time.perf_counter() - started
            tail = (tail + [line])[-20:]
            for pattern, phase in _PHASES:
                if pattern.search(line.strip()) and phase not in phases:
                    phases[phase] = now
        proc.wait()
        phases["exit"] = time.perf_counter() - started
        sampler.stopped.set()
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"dossier run failed ({proc.returncode}):\n{''.join(tail)}")
    own = total.seconds - sampler.server - sampler.reading
    print(f"CPU s: total {total.seconds:.1f} = reading processes {sampler.reading:.1f} "
          f"({100 * sampler.reading / total.seconds:.0f}%) + Prefect server {sampler.server:.1f} "
          f"({100 * sampler.server / total.seconds:.0f}%) + the run's own process and the rest {own:.1f} "
          f"({100 * own / total.seconds:.0f}%)")
    print("wall s: " + ", ".join(f"{name} {at:.1f}" for name, at in phases.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("batch", type=Path)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--interval", type=float, default=0.25, help="seconds between /proc samples")
    ap.add_argument("--work", type=Path, help="work folder (default: a temp folder, removed)")
    args = ap.parse_args()
    become_subreaper()
    work = args.work or Path(tempfile.mkdtemp(prefix="cpu-roles-"))
    try:
        for i in range(args.repeat):
            print(f"run {i + 1}:")
            run_once(args.batch.resolve(), work.resolve(), args.workers, args.interval)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
