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

CPU time is counted exactly: the command's own tree (its readers, Prefect's server, orphans) by a
subreaper (`bench.cputime.run_tree`), and on a Dask run the cluster's processes and this one
(the local cluster's scheduler) by their CPU before and after it. The cluster's CPU during a
local run, which does not use it, is its idle upkeep, printed apart. Workers start with the
README's `--preload flows.dask_worker`; with `--cold` they do not, and the first Dask run meets
fresh workers (the run warms them as it connects), the next ones warm.

Reading is measured apart from the run's fixed part (Prefect's start, judging, writing, which do
not scale with workers), from what the scheduler already records of every task (its task stream,
nothing added to the run): the workers' span, from the first dossier's reading started to the
last one's finished; the time before and after it; and each worker's reading CPU (its process
tree: the worker and its reading processes). Scaling of reading is judged on the span and, on a
shared machine where each core's share changes with the other load, on the reading CPU: one
worker's against the busier of two's (what the span would be on idle cores).

    .venv/bin/python bench/dask_local.py --n 12 --workers 2 --repeat 3
    .venv/bin/python bench/dask_local.py --n 12 --scaling --repeat 3
    .venv/bin/python bench/dask_local.py --n 4 --forms scan --scaling --repeat 2
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cputime import run_tree, tree_cpu  # noqa: E402
from bench.prefect_home import own_prefect_home  # noqa: E402


class _LiveCpu:
    """CPU seconds, over one command, of the processes that outlive it: this process (a local
    cluster's scheduler and the watching client) and its children alive before the command began
    (the cluster's nannies and workers, with their reading processes), each with its
    descendants. A process of these that ends during the command is left out; the command's own
    tree is counted apart, exactly (`cputime.run_tree`)."""

    def __init__(self) -> None:
        self._start = self._now()

    @staticmethod
    def _now() -> dict[object, float]:
        found: dict[object, float] = {}
        for proc in psutil.Process().children():
            with contextlib.suppress(psutil.Error):
                found[(proc.pid, proc.create_time())] = tree_cpu(proc.pid)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        found["self"] = usage.ru_utime + usage.ru_stime
        return found

    def stop(self) -> float:
        end = self._now()
        return sum(end[k] - v for k, v in self._start.items() if k in end)


@dataclass
class Run:
    """One `dossier` command: its wall and CPU seconds and, on Dask, what its reading took."""

    wall: float
    cpu: float
    span: Optional[float] = None  # first dossier's reading started → last one's finished
    before: Optional[float] = None  # command started → first reading started
    after: Optional[float] = None  # last reading finished → command over
    worker_cpu: list[float] = field(default_factory=list)  # each worker's process tree
    tasks: list[int] = field(default_factory=list)  # dossiers read by each worker
    idle_end: Optional[float] = None  # the first worker done → the last: one idled while another read
    tree_cpu: float = 0.0  # the command's own process tree
    beside_cpu: float = 0.0  # the cluster's processes and this one's meanwhile (idle on a local run)

    def text(self) -> str:
        line = (f"{self.wall:.1f} s wall / {self.cpu:.1f} s CPU (command {self.tree_cpu:.1f} s,"
                f" cluster {self.beside_cpu:.1f} s{'' if self.span is not None else ' idle, not counted'})")
        if self.span is not None:
            line += (f" (reading span {self.span:.1f} s, before {self.before:.1f} s, after {self.after:.1f} s;"
                     f" worker CPU {'+'.join(f'{c:.1f}' for c in self.worker_cpu)} s,"
                     f" dossiers {'+'.join(map(str, self.tasks))}"
                     + (f", idle at the end {self.idle_end:.1f} s" if self.idle_end is not None else "") + ")")
        return line


class _Watch:
    """The scheduler's task stream and the workers' CPU over one command on a Dask cluster."""

    def __init__(self, address: str, worker_pids: Optional[dict[str, int]] = None):
        from distributed import Client

        self.client = Client(address)
        self.client.get_task_stream(start=time.time())  # registers the scheduler's task-stream plugin
        # Each worker's process (the nanny's child for a nanny'd worker) by its address.
        self.pids = worker_pids or self.client.run(os.getpid)

    def close(self) -> None:
        self.client.close()

    def measure(self, run: Run, started: float, ended: float, cpu_before: dict[str, float]) -> Run:
        records = [r for r in self.client.get_task_stream(start=started)
                   if str(r["key"]).startswith("extract-")]
        computes = [(r["worker"], s["start"], s["stop"]) for r in records
                    for s in r["startstops"] if s["action"] == "compute"]
        if computes:
            first, last = min(c[1] for c in computes), max(c[2] for c in computes)
            run.span, run.before, run.after = last - first, first - started, ended - last
            done_at = {w: max(c[2] for c in computes if c[0] == w) for w in {c[0] for c in computes}}
            if len(done_at) > 1:
                run.idle_end = max(done_at.values()) - min(done_at.values())
        addresses = sorted(self.pids)
        run.worker_cpu = [tree_cpu(self.pids[a]) - cpu_before.get(a, 0.0) for a in addresses]
        run.tasks = [sum(1 for r in records if r["worker"] == a) for a in addresses]
        return run

    def cpu_now(self) -> dict[str, float]:
        return {a: tree_cpu(pid) for a, pid in self.pids.items()}


def _measured(cmd: list[str], env: dict, live: bool) -> tuple[subprocess.CompletedProcess, Run]:
    """Run `cmd`: its wall seconds, and the CPU seconds of its whole tree (its reading processes
    and Prefect server are killed at its end, its orphans reaped: `cputime.run_tree`), plus with
    `live` what the processes that outlive it spent meanwhile (a Dask cluster's: `_LiveCpu`)."""
    outliving = _LiveCpu()
    started = time.monotonic()
    proc, tree = run_tree(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - started
    beside = outliving.stop()
    return proc, Run(wall, tree + (beside if live else 0.0), tree_cpu=tree, beside_cpu=beside)


def _dossier(*args: str, env: dict, watch: Optional[_Watch] = None) -> Run:
    """Wall and CPU seconds of one `dossier` command (with what it made the workers do)."""
    workers_before = watch.cpu_now() if watch else {}
    epoch = time.time()
    proc, run = _measured([sys.executable, "-m", "dossierflow.cli", *args], env, live=watch is not None)
    if proc.returncode != 0:
        sys.exit(f"dossier {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return watch.measure(run, epoch, time.time(), workers_before) if watch else run


def _results(out: Path) -> dict[str, dict]:
    """Each dossier's line without what depends on where and when it ran."""
    rows = {}
    for row in map(json.loads, (out / "results.jsonl").read_text(encoding="utf-8").splitlines()):
        row.pop("stats", None)
        rows[row["dossier_id"]] = row
    return rows


@contextlib.contextmanager
def _pinned_cluster(cores: list[int], env: dict) -> Iterator[tuple[str, dict[str, int]]]:
    """A scheduler, and one `dask worker` process of one thread pinned to each core in `cores`
    (its reading processes inherit the pinning): the stand-in for one machine per core. Yields
    the scheduler's address and each worker's process id by its address."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster:
        workers = [
            subprocess.Popen(["taskset", "-c", str(core), sys.executable, "-m", "distributed.cli.dask_worker",
                              cluster.scheduler_address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                              "--preload", "flows.dask_worker"],
                             env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for core in cores
        ]
        try:
            with Client(cluster.scheduler_address) as client:
                client.wait_for_workers(len(cores), timeout=300)
                pids = client.run(os.getpid)
            yield cluster.scheduler_address, pids
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                try:
                    worker.wait(30)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()


def _median(runs: list[Run], what: str) -> float:
    return statistics.median(getattr(r, what) for r in runs)


def _scaling(batch: Path, tmp: str, common: list[str], repeat: int, env: dict) -> None:
    if shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        sys.exit("--scaling needs taskset and two cores")
    figures: dict[int, list[Run]] = {}
    outs: dict[int, Path] = {}
    for cores in ([0], [0, 1]):
        with _pinned_cluster(cores, env) as (address, pids):
            watch = _Watch(address, pids)
            try:
                for i in range(repeat):
                    outs[len(cores)] = Path(f"{tmp}/pinned{len(cores)}-{i}")
                    figures.setdefault(len(cores), []).append(
                        _dossier(*common, "--out", str(outs[len(cores)]), "--dask-address", address, env=env,
                                 watch=watch))
                    print(f"{len(cores)} pinned: {figures[len(cores)][-1].text()}; load average {os.getloadavg()[0]:.1f}")
            finally:
                watch.close()
    same = _results(outs[1]) == _results(outs[2])
    for k in (1, 2):
        print(f"{k} pinned worker{'s' if k > 1 else ' '}  median {_median(figures[k], 'wall'):.1f} s wall,"
              f" {_median(figures[k], 'cpu'):.1f} s CPU, reading span {_median(figures[k], 'span'):.1f} s")
    whole = _median(figures[1], "wall") / _median(figures[2], "wall")
    reading = _median(figures[1], "span") / _median(figures[2], "span")
    # On a shared machine each pinned core gives its worker whatever share the other load leaves
    # it, so the span's ratio carries the load's; the CPU ratio does not: what one worker read
    # against what the busier of two read, the span on idle cores.
    one_cpu = statistics.median(sum(r.worker_cpu) for r in figures[1])
    busiest = statistics.median(max(r.worker_cpu) for r in figures[2])
    overhead = statistics.median(sum(r.worker_cpu) for r in figures[2]) / one_cpu
    print(f"speed-up 2 workers / 1 worker: reading span {reading:.2f}, whole run {whole:.2f},"
          f" reading CPU {one_cpu / busiest:.2f} (one worker's / the busier of two's; two workers' CPU"
          f" {overhead:.2f}x one's) (medians); results identical: {same}; load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # each figure shows as it is measured
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=12, help="dossiers in the batch")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--forms", default="text_pdf,docx")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="Dask worker processes (one thread each)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cold", action="store_true", help="workers without the preload: the first run warms them")
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
        local: list[Run] = []
        on_dask: list[Run] = []
        agree = True
        preload = [] if args.cold else ["flows.dask_worker"]  # the README's recipe preloads
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          preload=preload) as cluster:
            watch = _Watch(cluster.scheduler_address)
            try:
                for i in range(args.repeat):
                    local.append(_dossier(*common, "--out", f"{tmp}/local{i}", env=env))
                    on_dask.append(_dossier(*common, "--out", f"{tmp}/dask{i}", "--dask-address",
                                            cluster.scheduler_address, env=env, watch=watch))
                    agree &= _results(Path(f"{tmp}/local{i}")) == _results(Path(f"{tmp}/dask{i}"))
                    print(f"local {local[-1].text()}\ndask  {on_dask[-1].text()}; load average {os.getloadavg()[0]:.1f}")
            finally:
                watch.close()
    loc, dsk = _median(local, "wall"), _median(on_dask, "wall")
    loc_cpu, dsk_cpu = _median(local, "cpu"), _median(on_dask, "cpu")
    print(f"Dask workers {args.workers}")
    print(f"local  median {loc:.1f} s wall, {loc_cpu:.1f} s CPU")
    print(f"dask   median {dsk:.1f} s wall, {dsk_cpu:.1f} s CPU, reading span {_median(on_dask, 'span'):.1f} s")
    # The cluster's upkeep (event loops, heartbeats) while it idles through the local runs: a Dask
    # run pays it for its whole wall time, so on a loaded machine it grows with the load.
    upkeep = sum(r.beside_cpu for r in local) / sum(r.wall for r in local)
    print(f"ratio dask/local {dsk / loc:.2f} wall, {dsk_cpu / loc_cpu:.2f} CPU; results identical: {agree};"
          f" idle cluster's upkeep {upkeep * 100:.1f} CPU s per 100 s wall; load average {os.getloadavg()[0]:.1f}")

if __name__ == "__main__":
    main()
