"""A Dask run against a local run on the same machine, and reading on one Dask worker against two
(issue #27).

Generates a batch (text-PDF and Word dossiers by default, `--forms`), runs `dossier run` on it
locally, then again with `--dask-address` on a Dask cluster of this machine's cores (a scheduler
and `--workers` worker processes of one thread, not daemonic, as the README recipe starts them),
each into a fresh output folder (no cache reused), and prints both wall times, the CPU time of
everything the run used (its own process tree and the workers'), their ratio, and whether the
results agree. `--scaling` then stands for two worker machines: `dask worker` processes pinned with
`taskset` to core 0 only, then one on core 0 and one on core 1, reading the same batch afresh,
and prints the run's wall and CPU time on each cluster and the speed-up. The machine's other load
changes every figure; repeat (`--repeat`) for a median, and read CPU time beside wall.

    .venv/bin/python bench/dask_local.py --n 12 --workers 2 --repeat 3
    .venv/bin/python bench/dask_local.py --n 12 --scaling --repeat 3
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.prefect_home import own_prefect_home  # noqa: E402


def _cpu_seconds() -> float:
    """CPU time of this process, its finished children, and every live descendant (the Dask
    workers and their reading processes) with their own finished children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    for proc in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            t = proc.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
    return total


def _dossier(*args: str, env: dict) -> tuple[float, float]:
    """Wall and CPU seconds of one `dossier` command (with what it made the workers do)."""
    cpu, started = _cpu_seconds(), time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "dossierflow.cli", *args], env=env, cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"dossier {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return time.monotonic() - started, _cpu_seconds() - cpu


def _results(out: Path) -> dict[str, dict]:
    """Each dossier's line without what depends on where and when it ran."""
    rows = {}
    for row in map(json.loads, (out / "results.jsonl").read_text(encoding="utf-8").splitlines()):
        row.pop("stats", None)
        rows[row["dossier_id"]] = row
    return rows


@contextlib.contextmanager
def _pinned_cluster(cores: list[int], env: dict) -> Iterator[str]:
    """A scheduler, and one `dask worker` process of one thread pinned to each core in `cores`
    (its reading processes inherit the pinning): the stand-in for one machine per core."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster:
        workers = [
            subprocess.Popen(["taskset", "-c", str(core), sys.executable, "-m", "distributed.cli.dask_worker",
                              cluster.scheduler_address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
                             env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for core in cores
        ]
        try:
            with Client(cluster.scheduler_address) as client:
                client.wait_for_workers(len(cores), timeout=300)
            yield cluster.scheduler_address
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                try:
                    worker.wait(30)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()


def _scaling(batch: Path, tmp: str, common: list[str], repeat: int, env: dict) -> None:
    if shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        sys.exit("--scaling needs taskset and two cores")
    figures: dict[int, list[tuple[float, float]]] = {}
    outs: dict[int, Path] = {}
    for cores in ([0], [0, 1]):
        with _pinned_cluster(cores, env) as address:
            for i in range(repeat):
                outs[len(cores)] = Path(f"{tmp}/pinned{len(cores)}-{i}")
                figures.setdefault(len(cores), []).append(
                    _dossier(*common, "--out", str(outs[len(cores)]), "--dask-address", address, env=env))
    same = _results(outs[1]) == _results(outs[2])
    one, two = (statistics.median(w for w, _ in figures[k]) for k in (1, 2))
    for k in (1, 2):
        runs = ", ".join(f"{w:.1f} s wall / {c:.1f} s CPU" for w, c in figures[k])
        print(f"{k} pinned worker{'s' if k > 1 else ' '}  {runs}")
    print(f"speed-up 2 workers / 1 worker {one / two:.2f} (median wall); results identical: {same}")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # each figure shows as it is measured
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=12, help="dossiers in the batch")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--forms", default="text_pdf,docx")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="Dask worker processes (one thread each)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--scaling", action="store_true", help="one pinned worker against two, instead of Dask against local")
    args = parser.parse_args()

    from distributed import LocalCluster

    from fixtures.generate import generate_batch

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_THREAD_LIMIT": "1", "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    os.environ.update(DASK_DISTRIBUTED__WORKER__DAEMON="False", OMP_THREAD_LIMIT="1")
    import dask

    dask.config.refresh()  # the cluster's workers read the setting from dask's config
    with tempfile.TemporaryDirectory(prefix="dask-local-") as tmp:
        env = own_prefect_home(Path(tmp), env)  # its own Prefect home: runs at once do not collide
        batch = Path(tmp) / "batch"
        generate_batch(batch, n=args.n, seed=args.seed, forms=args.forms.split(","), damage="clean")
        common = ["run", str(batch), "--no-db", "--date", "2020-07-01", "--workers", str(args.workers)]
        print(f"dossiers {args.n} (seed {args.seed}, {args.forms}), runs {args.repeat}, load average {os.getloadavg()[0]:.1f}")
        if args.scaling:
            _scaling(batch, tmp, ["run", str(batch), "--no-db", "--date", "2020-07-01"], args.repeat, env)
            return
        local, on_dask, agree = [], [], True
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            for i in range(args.repeat):
                local.append(_dossier(*common, "--out", f"{tmp}/local{i}", env=env))
                on_dask.append(_dossier(*common, "--out", f"{tmp}/dask{i}", "--dask-address", cluster.scheduler_address, env=env))
                agree &= _results(Path(f"{tmp}/local{i}")) == _results(Path(f"{tmp}/dask{i}"))
    loc, dsk = statistics.median(w for w, _ in local), statistics.median(w for w, _ in on_dask)
    loc_cpu, dsk_cpu = statistics.median(c for _, c in local), statistics.median(c for _, c in on_dask)
    print(f"Dask workers {args.workers}")
    print(f"local  {loc:.1f} s wall, {loc_cpu:.1f} s CPU  {[(round(w, 1), round(c, 1)) for w, c in local]}")
    print(f"dask   {dsk:.1f} s wall, {dsk_cpu:.1f} s CPU  {[(round(w, 1), round(c, 1)) for w, c in on_dask]}")
    print(f"ratio dask/local {dsk / loc:.2f} wall, {dsk_cpu / loc_cpu:.2f} CPU; results identical: {agree}")


if __name__ == "__main__":
    main()
