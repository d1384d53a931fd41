"""Does memory stay flat as the batch grows? Peak RSS of `dossier run` for a small and a large batch.

    .venv/bin/python bench/memory.py                         # 100 vs 2,000 DOCX/text-PDF dossiers
    .venv/bin/python bench/memory.py --small 10 --large 100 --forms docx,text_pdf --seed 3
    .venv/bin/python bench/memory.py --keep /tmp/mem         # keep (and reuse) the generated batches

Each batch is generated (or reused from --keep when it was generated with the same size, seed and
forms), then run with `dossier run` into a fresh OUT while two things are sampled: the RSS of the
main process (the CLI, which runs the flow, judges and writes) and the summed RSS of the whole
process tree (with its forkserver, every reader child and Prefect's API server). Printed: both
peaks for each batch and the main process's growth per dossier between the two. The bar is on
that growth: what the main process keeps per dossier must be small enough that a city's 5,000
dossiers fit (GROWTH_BAR_MIB per dossier is at most 100 MiB over the whole batch).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.prefect_home import own_prefect_home  # noqa: E402
from bench.rss import RssPeaks  # noqa: E402

GROWTH_BAR_MIB = 0.02  # per dossier: 100 MiB over 5,000


def generated(work: Path, n: int, seed: int, forms: list[str]) -> Path:
    """The batch of n at `seed`: the one in `work` when it was generated so, else a new one."""
    from fixtures import generate_batch
    from fixtures.truth import BatchTruth, truth_path

    batch = work / f"batch-{n}-{seed}-{'-'.join(forms)}"
    if truth_path(batch).exists():
        truth = BatchTruth.read(truth_path(batch))
        if truth.seed == seed and len(truth.dossiers) == n:
            return batch
    generate_batch(batch, n=n, seed=seed, forms=forms, damage="clean")
    return batch


def measure(work: Path, n: int, seed: int, forms: list[str], workers: int) -> tuple[int, float, int, int]:
    """(dossiers, seconds, main process peak RSS, process tree peak RSS) of one fresh run."""
    batch = generated(work, n, seed, forms)
    out = work / f"out-{n}"
    if out.exists():
        shutil.rmtree(out)
    env = {**own_prefect_home(work), "DOSSIER_WORKERS": str(workers)}
    cmd = [str(ROOT / ".venv" / "bin" / "dossier"), "run", str(batch), "--out", str(out), "--no-db", "--date", "2020-07-01"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with RssPeaks(proc.pid) as peaks:
        _, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"dossier run failed ({proc.returncode}):\n{stderr.decode(errors='replace')[-3000:]}")
    shutil.rmtree(out, ignore_errors=True)
    return n, seconds, peaks.main, peaks.tree


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", type=int, default=100)
    ap.add_argument("--large", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--forms", default="docx,text_pdf")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", type=Path, help="keep the work folder here")
    args = ap.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="dossier-mem-"))
    work.mkdir(parents=True, exist_ok=True)
    forms = args.forms.split(",")
    started = time.perf_counter()
    try:
        rows = [measure(work, n, args.seed, forms, args.workers) for n in (args.small, args.large)]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    for n, seconds, main_peak, tree_peak in rows:
        print(f"{n:5d} dossiers: {seconds:8.1f} s   peak RSS main process {main_peak / 2**20:7.1f} MiB"
              f"   process tree {tree_peak / 2**20:7.1f} MiB")
    (n0, _, main0, _), (n1, _, main1, _) = rows
    growth = (main1 - main0) / 2**20 / (n1 - n0)
    verdict = "OK" if growth <= GROWTH_BAR_MIB else "TOO HIGH"
    print(f"main process growth per dossier ({n0} -> {n1}): {growth * 1024:.1f} KiB"
          f"  (bar {GROWTH_BAR_MIB * 1024:.0f} KiB: {verdict}; at 5,000 dossiers {growth * 5000:.0f} MiB)")
    print(f"bench wall time: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
