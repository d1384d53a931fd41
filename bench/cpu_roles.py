"""Where a `dossier run` spends its time: CPU seconds by process role, and its phases in wall time.

    .venv/bin/python bench/cpu_roles.py BATCH [--workers 2] [--repeat 2] [--work DIR]

Runs `dossier run BATCH` into a fresh OUT (no cache reused) and prints, per run:
- CPU seconds (user + system) of each role: the reading processes (the forkserver and every
  reader it forked, counted through the forkserver's reaped children and the readers still
  alive), Prefect's API server, and the run's own process (the rest of the tree: its imports,
  the flow, extracting fields, judging, writing). The tree's total is exact (this process is the
  subreaper and reads its reaped children's rusage, as `bench/cputime.py` does); the server's
  and the readers' shares are sampled every `--interval` seconds (`cputime.tree_cpu`), so the last
  fraction of a second of each goes to the run's own share.
- the phases in wall seconds, from the progress lines the run prints on a pipe: listed, last
  dossier read, judging started, reports started and finished, exit.

The first run on a fresh Prefect home also creates and migrates Prefect's database (in the
server): `--repeat 2` and read the second. A loaded machine stretches wall time, not CPU time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cputime import ChildCPU, become_subreaper, tree_cpu  # noqa: E402
from bench.prefect_home import own_prefect_home  # noqa: E402

# The progress lines (flows/progress_display.py) that mark a phase, and the phase's name.
_PHASES = [
    (re.compile(r"^批次共 \d+ 份档案"), "listed"),
    (re.compile(r"^已读取 (\d+)/\1\b"), "read"),
    (re.compile(r"^正在按政策逐条审核"), "judging"),
    (re.compile(r"^正在写出 \d+ 份"), "writing"),
    (re.compile(r"^已写出报告 (\d+)/\1$"), "reports written"),
]


class RoleSampler(threading.Thread):
    """Samples the run's children: the latest CPU of Prefect's server and of the readers'
    forkserver, each with its descendants (`cputime.tree_cpu`: the readers alive, and those the
    forkserver has reaped)."""

    def __init__(self, root: int, interval: float):
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.server = 0.0
        self.reading = 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            root = psutil.Process(self.root)
        except psutil.Error:
            return
        while not self.stopped.is_set():
            try:
                children = root.children()
            except psutil.Error:
                return
            server = reading = 0.0
            for child in children:
                with contextlib.suppress(psutil.Error):
                    cmd = " ".join(child.cmdline())
                    if "uvicorn" in cmd and "prefect.server" in cmd:
                        server += tree_cpu(child.pid)
                    elif "multiprocessing.forkserver" in cmd:
                        reading += tree_cpu(child.pid)
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
    ap.add_argument("--interval", type=float, default=0.25, help="seconds between samples")
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
