"""Accuracy of dossierflow on a generated batch.

    python bench/accuracy.py --n 10 --seed 1 --forms docx,text_pdf,scan --damage mixed [--scenarios all]
        generates a batch, runs `dossier run BATCH --out OUT`, scores OUT/results.jsonl
    python bench/accuracy.py --seeds-from eval --batches 3 --n 4 --forms scan --damage clean
        one batch per seed, taken in order from a list in bench/seeds.md (eval: report these;
        dev: the seeds developed on); or --seeds 5000,5002-5004
    python bench/accuracy.py --results OUT/results.jsonl --truth BATCH.truth.json
        scores an existing run
    python bench/accuracy.py --cross-leads 2000 --seeds 5022 --planted-seed 5023
        the cross-dossier checks' false leads on honest batches of that size (one per seed, no
        reuse in their truth) and recall on planted reuse, without rendering or OCR
        (bench/cross_leads.py)

Every batch prints its decisive errors (a confident wrong status, rule outcome or flag) apart
from its deferrals (needs_review, rule reviews); the last line is a JSON summary of them all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench import child_runs  # noqa: E402
from bench.cached import cached_extractions  # noqa: E402
from bench.decoys import decoy_entries  # noqa: E402
from bench.prefect_home import own_prefect_home  # noqa: E402
from fixtures.calibration import Reliability  # noqa: E402
from fixtures.generate import ALL_FORMS, KNOWN_FORMS, generate_batch  # noqa: E402
from fixtures.scoring import AccuracyReport, score_evidence_confidences, score_files  # noqa: E402
from fixtures.truth import BatchTruth, truth_path  # noqa: E402


def load_blacklist(dossier: str, db: str, entries: list, env: dict[str, str]) -> None:
    """The NOT_BLACKLISTED scenarios need their entries on record before the run, as a clerk
    would have them from earlier years' decisions."""
    for e in entries:
        since, until = dt.date.fromisoformat(e.since), dt.date.fromisoformat(e.until)
        years = max(1, round((until - since).days / 365.25))
        subprocess.run(
            [dossier, "blacklist", "add", e.id_number, "--reason", e.reason, "--source", "fixture truth", "--by", "bench",
             "--start", e.since, "--years", str(years), "--db", db,
             # as given: a decoy may copy an ID_NUMBER_INVALID scenario's number, check digit and all
             "--force"],
            check=True, stdout=subprocess.DEVNULL, env=env,
        )


SEEDS_DOC = ROOT / "bench" / "seeds.md"


def parse_seeds(text: str) -> list[int]:
    """`5000-5003,5010` → [5000, 5001, 5002, 5003, 5010]."""
    out: list[int] = []
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        out += range(int(lo), int(hi or lo) + 1)
    return out


def seeds_from(name: str, doc: Path = SEEDS_DOC) -> list[int]:
    """The seed list `name` (dev or eval) written in bench/seeds.md as a line `name: 5000-5099`."""
    for line in doc.read_text(encoding="utf-8").splitlines():
        m = re.match(rf"^\s*-?\s*`?{re.escape(name)}`?\s*:\s*`?([\d,\s\-]+)`?\s*$", line)
        if m:
            return parse_seeds(m.group(1))
    raise SystemExit(f"no seed list {name!r} in {doc}")


def run_batch(args: argparse.Namespace, work: Path, seed: int) -> tuple[Path, Path] | int:
    batch, out = work / f"batch-s{seed}", work / f"out-s{seed}"
    generated = generate_batch(batch, n=args.n, seed=seed, forms=args.forms.split(","),
                               scenarios=args.scenarios, damage=args.damage, producers=args.producers,
                               layouts=args.layouts)
    db = args.db or f"sqlite:///{(work / f'accuracy-s{seed}.db').resolve()}"
    decoys = decoy_entries(generated)
    print(f"blacklist: {len(generated.blacklist)} entries from the truth (NOT_BLACKLISTED scenarios), "
          f"{len(decoys)} decoys that must not match (bench/decoys.py)", file=sys.stderr)
    # Its own Prefect home and data folder (the change log's key): runs at once do not collide,
    # and the entries are logged under the key the run then reads the log with.
    env = own_prefect_home(work)
    load_blacklist(args.dossier, db, [*generated.blacklist, *decoys], env)
    cmd = [args.dossier, "run", str(batch), "--out", str(out), "--db", db]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    run = child_runs.run(cmd, env=env)  # a SIGTERM to the bench stops the run too
    if run.returncode != 0:
        print(f"dossier run exited {run.returncode}", file=sys.stderr)
        return run.returncode
    return out / "results.jsonl", truth_path(batch)


def add_evidence_confidences(report: AccuracyReport, out: Path, truth: Path) -> None:
    """The calibration of the run's evidence confidences, which results.jsonl does not write:
    read from the run's extraction cache in `out` (where results.jsonl is)."""
    evidence = {k: [e.model_dump(mode="json") for e in ex.evidence] for k, ex in cached_extractions(out).items()}
    score_evidence_confidences(report, BatchTruth.read(truth), evidence)


def summary(batches: list[tuple[str, dict]]) -> dict:
    dossiers = sum(b["dossiers"] for _, b in batches)
    right = sum(round((b["status"] or 0) * b["dossiers"]) for _, b in batches)
    reliability, evidence = Reliability(), Reliability()
    for _, b in batches:
        reliability = reliability.merge(Reliability.from_dict(b["calibration"]))
        evidence = evidence.merge(Reliability.from_dict(b["evidence_calibration"]))
    return {
        "batches": [{"batch": name, "dossiers": b["dossiers"], "status": b["status"],
                     "decisive_errors": b["decisive_errors"], "needs_review": b["needs_review"],
                     "decisive": b["decisive"]} for name, b in batches],
        "dossiers": dossiers,
        "status_right": right,
        "decisive_errors": sum(b["decisive_errors"] for _, b in batches),
        "needs_review": sum(b["needs_review"] for _, b in batches),
        # Expected calibration error of the field confidences, all batches pooled.
        "ece": reliability.as_dict()["ece"],
        "calibration": reliability.as_dict(),
        # The same of the evidence items the truth can score (fixtures.scoring.scored_evidence).
        "evidence_ece": evidence.as_dict()["ece"],
        "evidence_calibration": evidence.as_dict(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", type=Path)
    ap.add_argument("--truth", type=Path)
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seeds", help="several batches, one per seed: 5000,5002-5004")
    ap.add_argument("--seeds-from", choices=("dev", "eval", "calib"), help="take the seeds from that list in bench/seeds.md")
    ap.add_argument("--batches", type=int, help="with --seeds-from: how many of its seeds, from the first")
    ap.add_argument("--forms", default=",".join(ALL_FORMS),
                    help="comma list of " + ",".join(KNOWN_FORMS) + " (phone: every page a phone app's photograph)")
    ap.add_argument("--damage", default="mixed", choices=("clean", "damaged", "mixed"))
    ap.add_argument("--scenarios", default="clean")
    ap.add_argument("--layouts", default="mixed", choices=("standard", "mixed", "alt"),
                    help="forms in their second layout and seals elsewhere: per dossier at random, always or never")
    ap.add_argument("--producers", default="pillow",
                    help="programs scans are written with: pillow (default) | all | comma list of "
                         "pillow,linearized,pdfa,bilevel,img2pdf,ocr_layer")
    ap.add_argument("--work", type=Path, help="where to put the batch and the run (default: a temp folder)")
    ap.add_argument("--dossier", default=str(ROOT / ".venv" / "bin" / "dossier"), help="the dossier command")
    ap.add_argument("--db", help="database URL for the run (default: a fresh SQLite file in the work folder, so "
                                 "history from earlier runs cannot raise cross-batch flags)")
    ap.add_argument("--workers", type=int, help="passed to dossier run")
    ap.add_argument("--json", type=Path, help="also write the numbers as JSON here")
    ap.add_argument("--errors", type=int, default=15, help="how many field/status errors to list")
    ap.add_argument("--cross-leads", type=int, metavar="N",
                    help="instead of a run: false leads of every cross-dossier check on honest N-dossier batches")
    ap.add_argument("--planted-seed", type=int, help="with --cross-leads: a batch with planted reuse, for recall")
    ap.add_argument("--planted-pairs", type=int, default=20, help="with --cross-leads: pairs of each planted scenario")
    args = ap.parse_args()

    if args.cross_leads:
        from cross_leads import run as cross_leads  # bench/ is not a package

        seeds = seeds_from(args.seeds_from)[: args.batches] if args.seeds_from else parse_seeds(args.seeds or str(args.seed))
        reports = cross_leads(args.cross_leads, seeds, args.planted_seed, args.planted_pairs)
        print(json.dumps({"cross_leads": reports}, ensure_ascii=False))
        if args.json:
            args.json.write_text(json.dumps({"cross_leads": reports}, ensure_ascii=False, indent=1), encoding="utf-8")
        return 0

    if args.results or args.truth:
        if not (args.results and args.truth):
            ap.error("--results and --truth go together")
        runs = [(str(args.results), (args.results, args.truth))]
    else:
        if args.seeds_from:
            seeds = seeds_from(args.seeds_from)[: args.batches]
        elif args.seeds:
            seeds = parse_seeds(args.seeds)
        else:
            seeds = [args.seed]
        work = args.work or Path(tempfile.mkdtemp(prefix="dossier-accuracy-"))
        runs = [(f"seed {seed}", seed) for seed in seeds]
    scored: list[tuple[str, dict]] = []
    for name, what in runs:
        if isinstance(what, int):
            ran = run_batch(args, work, what)
            if isinstance(ran, int):
                return ran
            what = ran
        report = score_files(*what)
        add_evidence_confidences(report, what[0].parent, what[1])
        if len(runs) > 1:
            print(f"== {name}")
        print(report.render(errors=args.errors))
        scored.append((name, report.as_dict()))
    total = summary(scored)
    if len(runs) > 1:
        print(f"== all: status {total['status_right']}/{total['dossiers']}, decisive errors "
              f"{total['decisive_errors']}, needs_review {total['needs_review']}, field confidence ECE {total['ece']}, "
              f"evidence confidence ECE {total['evidence_ece']}")
    print(json.dumps(total, ensure_ascii=False))
    if args.json:
        save_scores(args.json, total, scored)
    return 0



def save_scores(path: Path, total: dict, scored: list[tuple[str, dict]]) -> None:
    """The run's figures as JSON: the summary over every batch, and each batch's."""
    path.write_text(json.dumps({"summary": total, "batches": dict(scored)}, ensure_ascii=False, indent=1),
                    encoding="utf-8")

if __name__ == "__main__":
    sys.exit(main())
