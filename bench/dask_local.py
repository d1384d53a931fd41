"""A Dask run against a local run on the same machine, on a text-layer batch (issue #27).

Generates a batch of text-PDF and Word dossiers, runs `dossier run` on it locally, then again with
`--dask-address` on a Dask cluster of this machine's cores (a scheduler and `--nworkers N
--nthreads 1` workers, not daemonic, as the README recipe starts them), each into a fresh output
folder (no cache reused), and prints both wall times and their ratio, and whether the results
agree. The machine's other load changes both figures; run it on an idle machine for a figure to
report, and repeat (`--repeat`) for a median.

    .venv/bin/python bench/dask_local.py --n 12 --workers 2 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _dossier(*args: str, env: dict) -> float:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "dossierflow.cli", *args], env=env, cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"dossier {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return time.monotonic() - started


def _statuses(out: Path) -> dict[str, str]:
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    return {row["dossier_id"]: row["status"] for row in map(json.loads, lines)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=12, help="dossiers in the batch")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="Dask worker processes (one thread each)")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    from distributed import LocalCluster

    from fixtures.generate import generate_batch

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_THREAD_LIMIT": "1", "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    os.environ.update(DASK_DISTRIBUTED__WORKER__DAEMON="False", OMP_THREAD_LIMIT="1")
    import dask

    dask.config.refresh()  # the cluster's workers read the setting from dask's config
    with tempfile.TemporaryDirectory(prefix="dask-local-") as tmp:
        batch = Path(tmp) / "batch"
        generate_batch(batch, n=args.n, seed=args.seed, forms=["text_pdf", "docx"], damage="clean")
        common = ["run", str(batch), "--no-db", "--date", "2020-07-01", "--workers", str(args.workers)]
        local, on_dask, agree = [], [], True
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            for i in range(args.repeat):
                local.append(_dossier(*common, "--out", f"{tmp}/local{i}", env=env))
                on_dask.append(_dossier(*common, "--out", f"{tmp}/dask{i}", "--dask-address", cluster.scheduler_address, env=env))
                agree &= _statuses(Path(f"{tmp}/local{i}")) == _statuses(Path(f"{tmp}/dask{i}"))
    loc, dsk = statistics.median(local), statistics.median(on_dask)
    print(f"dossiers {args.n}, Dask workers {args.workers}, runs {args.repeat}")
    print(f"local  {loc:.1f} s  {[round(t, 1) for t in local]}")
    print(f"dask   {dsk:.1f} s  {[round(t, 1) for t in on_dask]}")
    print(f"ratio dask/local {dsk / loc:.2f}; statuses agree: {agree}")


if __name__ == "__main__":
    main()
