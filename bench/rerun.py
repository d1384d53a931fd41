"""The re-run of an unchanged batch as a fraction of its first run, with its Prefect flow run
recorded (issues #22 and #27: under 5%).

Generates a batch (scanned dossiers by default: a first run dominated by OCR, as a clerk's
is), runs `dossier run` on it into a fresh OUT, then again `--repeat` times on the same OUT
(every dossier reused), and prints wall and CPU seconds of each and the ratio. CPU time is that of
the command's whole process tree (sampled, so reading processes that end are counted too),
because on a loaded machine wall time mostly measures the other load.

Without `--api` the runs use Prefect's ephemeral API: a re-run's flow run is recorded by a
detached process after the command returned (`flows.record_reused`); its own wall and CPU
time are printed beside, outside the ratio, since the clerk does not wait for it. With `--api`
a local Prefect server is started first (as `dossier watch` does) and every run reports to it
(`PREFECT_API_URL`): the re-run then records its flow run in its own process, inside the ratio.

    .venv/bin/python bench/rerun.py --n 10 --seed 11 --repeat 3
    .venv/bin/python bench/rerun.py --n 10 --seed 11 --repeat 3 --api
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator, Optional

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.prefect_home import own_prefect_home  # noqa: E402


class TreeCPU:
    """CPU seconds of a process and every descendant it ever had, sampled until it ends: the
    last reading of each process counts, so children that ended are not lost (bar the last
    sampling interval of their life)."""

    def __init__(self, pid: int, every: float = 0.1):
        self.pid, self.every = pid, every
        self._seen: dict[tuple[int, float], float] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while True:
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                return
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    t = proc.cpu_times()
                    self._seen[(proc.pid, proc.create_time())] = t.user + t.system
            time.sleep(self.every)

    def seconds(self) -> float:
        self._thread.join()
        return sum(self._seen.values())


def run(batch: Path, out: Path, env: dict) -> tuple[float, float]:
    """Wall and CPU seconds of one `dossier run`."""
    cmd = [sys.executable, "-m", "dossierflow.cli", "run", str(batch), "--out", str(out), "--no-db", "--date", "2020-07-01"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    cpu = TreeCPU(proc.pid)
    _, stderr = proc.communicate()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"dossier run failed ({proc.returncode}):\n{stderr.decode(errors='replace')[-3000:]}")
    return wall, cpu.seconds()


def detached_recorder(out: Path, timeout: float = 900) -> Optional[tuple[float, float]]:
    """Wall and CPU seconds of the process recording a reused run (None if none ran)."""
    needle = str(out.resolve())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for proc in psutil.process_iter(["cmdline"]):
            args = proc.info["cmdline"] or []
            if "flows.record_reused" in args and any(needle in a for a in args):
                started = proc.create_time()
                cpu = TreeCPU(proc.pid)
                with contextlib.suppress(psutil.Error):
                    proc.wait(timeout)
                return time.time() - started, cpu.seconds()
        time.sleep(0.05)
    return None


@contextlib.contextmanager
def local_api(env: dict) -> Iterator[dict]:
    from flows.local_api import prefect_api

    os.environ["PREFECT_HOME"] = env["PREFECT_HOME"]
    with prefect_api() as address:
        yield {**env, "PREFECT_API_URL": f"{address}/api"} if address else env


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # each figure shows as it is measured
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=Path, help="an existing batch (else one is generated)")
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--forms", default="scan")
    parser.add_argument("--repeat", type=int, default=3, help="re-runs after the first run")
    parser.add_argument("--api", action="store_true", help="report to a local Prefect server, not the ephemeral API")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-rerun-") as tmp:
        env = {**own_prefect_home(Path(tmp)), "PYTHONPATH": str(ROOT), "OMP_THREAD_LIMIT": "1"}
        batch = args.batch
        if batch is None:
            from fixtures.generate import generate_batch

            batch = Path(tmp) / "batch"
            generate_batch(batch, n=args.n, seed=args.seed, forms=args.forms.split(","))
        with local_api(env) if args.api else contextlib.nullcontext(env) as run_env:
            out = Path(tmp) / "out"
            print(f"batch {batch} ({args.n} dossiers, seed {args.seed}, {args.forms}); "
                  f"Prefect API: {'local server' if args.api else 'ephemeral'}; load average {os.getloadavg()[0]:.1f}")
            first = run(batch, out, run_env)
            print(f"first run  {first[0]:7.1f} s wall  {first[1]:7.1f} s CPU")
            reruns = []
            for _ in range(args.repeat):
                reruns.append(run(batch, out, run_env))
                recorder = None if args.api else detached_recorder(out)
                note = f"; recorded afterwards by a detached process: {recorder[0]:.1f} s wall, {recorder[1]:.1f} s CPU" if recorder else ""
                w, c = reruns[-1]
                print(f"re-run     {w:7.1f} s wall  {c:7.1f} s CPU  ({100 * w / first[0]:.1f}% / {100 * c / first[1]:.1f}%){note}")
    wall, cpu = statistics.median(w for w, _ in reruns), statistics.median(c for _, c in reruns)
    print(f"re-run / first run (median of {len(reruns)}): {100 * wall / first[0]:.1f}% wall, {100 * cpu / first[1]:.1f}% CPU")


if __name__ == "__main__":
    main()
