"""Phone-app scans: what each capture correction (extractors/readers/capture.py) buys, and costs.

    python bench/phone.py --seeds 950,951 --n 2 [--configs none,light+cast,page+light+cast]

Generates one phone batch per seed (`--forms phone`), runs `dossier run` on it once per
configuration of the capture steps (DOSSIER_CAPTURE_STEPS), and prints per configuration: fields
read right, status right, decisive errors (a decided status that is wrong, a flag the truth
lacks), and seconds per photographed page (wall clock of the whole run over the pages OCR'd).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.prefect_home import own_prefect_home  # noqa: E402
from fixtures.generate import generate_batch  # noqa: E402
from fixtures.scoring import load_results, score  # noqa: E402
from fixtures.truth import BatchTruth, truth_path  # noqa: E402

DECIDED = ("accepted", "returned", "rejected")


def decisive_errors(results: dict[str, dict], truth: BatchTruth) -> list[str]:
    """Confident wrong outcomes: a decided status other than the truth's, a flag it lacks."""
    out = []
    for d in truth.dossiers:
        row = results.get(d.dossier_id, {})
        status = row.get("status")
        if status in DECIDED and status != d.expected_status:
            out.append(f"{d.dossier_id}: status {status}, truth {d.expected_status}")
        for code in sorted({f["code"] for f in row.get("flags", [])} - set(d.expected_flags)):
            out.append(f"{d.dossier_id}: flag {code} the truth lacks")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="950")
    ap.add_argument("--n", type=int, default=2)
    ap.add_argument("--configs", default="none,light+cast,page+light+cast",
                    help="comma list; each a +-joined list of capture steps (page, light, cast) or none")
    ap.add_argument("--work", type=Path)
    ap.add_argument("--dossier", default=str(ROOT / ".venv" / "bin" / "dossier"))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="dossier-phone-"))
    configs = args.configs.split(",")
    totals = {c: {"fields": [0, 0], "status": [0, 0], "decisive": [], "seconds": 0.0, "pages": 0} for c in configs}
    for seed in (int(s) for s in args.seeds.split(",")):
        batch = work / f"phone-s{seed}"
        truth = generate_batch(batch, n=args.n, seed=seed, forms=["phone"], damage="clean")
        pages = sum(len(d.scan_pages) for d in truth.dossiers)
        for c in configs:
            out = work / f"out-s{seed}-{c}"
            env = {**own_prefect_home(work), "DOSSIER_CAPTURE_STEPS": "none" if c == "none" else c.replace("+", ",")}
            db = f"sqlite:///{(work / f'db-s{seed}-{c}.db').resolve()}"
            started = time.perf_counter()
            run = subprocess.run([args.dossier, "run", str(batch), "--out", str(out), "--db", db], env=env,
                                 stdout=subprocess.DEVNULL)
            took = time.perf_counter() - started
            if not (out / "results.jsonl").exists():
                print(f"seed {seed} {c}: dossier run exited {run.returncode}", file=sys.stderr)
                continue
            results = load_results(out / "results.jsonl")
            t = BatchTruth.read(truth_path(batch))
            rep = score(results, t)
            tot = totals[c]
            tot["fields"][0] += rep.fields.hit
            tot["fields"][1] += rep.fields.total
            tot["status"][0] += rep.status.hit
            tot["status"][1] += rep.status.total
            tot["decisive"] += [f"s{seed} {e}" for e in decisive_errors(results, t)]
            tot["seconds"] += took
            tot["pages"] += pages
            print(f"seed {seed} {c:18s} fields {rep.fields.text()}  status {rep.status.text()}  "
                  f"{took / max(1, pages):.2f} s/page", flush=True)
    print(f"\n{'steps':18s} {'fields':>16s} {'status':>12s} {'decisive':>8s} {'s/page':>7s}")
    for c, tot in totals.items():
        f, s = tot["fields"], tot["status"]
        print(f"{c:18s} {f[0]:>6d}/{f[1]:<4d} {100 * f[0] / max(1, f[1]):5.1f}% {s[0]:>3d}/{s[1]:<3d} "
              f"{len(tot['decisive']):>8d} {tot['seconds'] / max(1, tot['pages']):7.2f}")
        for e in tot["decisive"]:
            print(f"    {e}")
    if args.json:
        args.json.write_text(json.dumps(totals, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
