"""Does memory stay flat as the batch grows? Peak RSS of `dossier run` for a small and a large batch.

    .venv/bin/python bench/memory.py                         # 10 vs 100 DOCX/text-PDF dossiers
    .venv/bin/python bench/memory.py --small 10 --large 100 --forms docx,text_pdf --seed 3

Each batch is generated, then run with `dossier run` into a fresh OUT while the summed RSS of
the whole process tree (the CLI, its forkserver and every reader child) is sampled. The issue's
bar: peak for the large batch within 1.5x of the small one. The judging step holds every dossier
at once by design (POST_QUOTA, duplicates), so what must not grow is per-dossier residue — full
extractions kept alive by futures, caches, or the in-process API.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from throughput import run_pipeline  # noqa: E402  (bench/ is not a package)

BAR = 1.5


def measure(work: Path, n: int, seed: int, forms: list[str], workers: int) -> tuple[int, float, int]:
    """(dossiers, seconds, peak RSS bytes) of one fresh run over a generated batch of n."""
    from fixtures import generate_batch

    batch = work / f"batch-{n}"
    out = work / f"out-{n}"
    generate_batch(batch, n=n, seed=seed, forms=forms, damage="clean")
    if out.exists():
        shutil.rmtree(out)
    seconds, peak = run_pipeline(batch, out, workers)
    return n, seconds, peak


def main() -> None:
    import os

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", type=int, default=10)
    ap.add_argument("--large", type=int, default=100)
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
    for n, seconds, peak in rows:
        print(f"{n:5d} dossiers: {seconds:8.2f} s   peak RSS (process tree) {peak / 2**20:8.1f} MiB")
    ratio = rows[1][2] / rows[0][2] if rows[0][2] else float("nan")
    verdict = "OK" if ratio <= BAR else "TOO HIGH"
    print(f"peak RSS {args.large} / {args.small}: {ratio:.2f}  (bar {BAR:.2f}: {verdict})")
    print(f"bench wall time: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
