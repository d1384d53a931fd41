"""Accuracy of dossierflow on a generated batch.

    python bench/accuracy.py --n 10 --seed 1 --forms docx,text_pdf,scan --damage mixed [--scenarios all]
        generates a batch, runs `dossier run BATCH --out OUT`, scores OUT/results.jsonl
    python bench/accuracy.py --results OUT/results.jsonl --truth BATCH.truth.json
        scores an existing run
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixtures.generate import ALL_FORMS, KNOWN_FORMS, generate_batch  # noqa: E402
from fixtures.scoring import score_files  # noqa: E402
from fixtures.truth import truth_path  # noqa: E402


def load_blacklist(dossier: str, db: str, entries: list) -> None:
    """The NOT_BLACKLISTED scenarios need their entries on record before the run, as a clerk
    would have them from earlier years' decisions."""
    for e in entries:
        since, until = dt.date.fromisoformat(e.since), dt.date.fromisoformat(e.until)
        years = max(1, round((until - since).days / 365.25))
        subprocess.run(
            [dossier, "blacklist", "add", e.id_number, "--reason", e.reason, "--source", "fixture truth",
             "--start", e.since, "--years", str(years), "--db", db],
            check=True, stdout=subprocess.DEVNULL,
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", type=Path)
    ap.add_argument("--truth", type=Path)
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--forms", default=",".join(ALL_FORMS),
                    help="comma list of " + ",".join(KNOWN_FORMS) + " (phone: every page a phone app's photograph)")
    ap.add_argument("--damage", default="mixed", choices=("clean", "damaged", "mixed"))
    ap.add_argument("--scenarios", default="clean")
    ap.add_argument("--work", type=Path, help="where to put the batch and the run (default: a temp folder)")
    ap.add_argument("--dossier", default=str(ROOT / ".venv" / "bin" / "dossier"), help="the dossier command")
    ap.add_argument("--db", help="database URL for the run (default: a fresh SQLite file in the work folder, so "
                                 "history from earlier runs cannot raise cross-batch flags)")
    ap.add_argument("--workers", type=int, help="passed to dossier run")
    ap.add_argument("--json", type=Path, help="also write the numbers as JSON here")
    ap.add_argument("--errors", type=int, default=15, help="how many field/status errors to list")
    args = ap.parse_args()

    if args.results or args.truth:
        if not (args.results and args.truth):
            ap.error("--results and --truth go together")
        results, truth = args.results, args.truth
    else:
        work = args.work or Path(tempfile.mkdtemp(prefix="dossier-accuracy-"))
        batch, out = work / f"batch-s{args.seed}", work / f"out-s{args.seed}"
        generated = generate_batch(batch, n=args.n, seed=args.seed, forms=args.forms.split(","),
                                   scenarios=args.scenarios, damage=args.damage)
        db = args.db or f"sqlite:///{(work / f'accuracy-s{args.seed}.db').resolve()}"
        load_blacklist(args.dossier, db, generated.blacklist)
        cmd = [args.dossier, "run", str(batch), "--out", str(out), "--db", db]
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        run = subprocess.run(cmd)
        if run.returncode != 0:
            print(f"dossier run exited {run.returncode}", file=sys.stderr)
            return run.returncode
        results, truth = out / "results.jsonl", truth_path(batch)
    report = score_files(results, truth)
    print(report.render(errors=args.errors))
    if args.json:
        args.json.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
