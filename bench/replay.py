"""Judge a kept accuracy run again with extraction and judging as they are now, without OCR.

    python bench/replay.py WORK --into NEW [--json NEW.json]
        WORK is a `bench/accuracy.py --work` folder. For each seed's batch there, every dossier
        is extracted again from the pages the run cached (classify, fields, evidence and the
        calibration map: everything after reading), stored in NEW/out-sSEED's extraction cache
        under today's EXTRACTOR_VERSION, and `dossier run` judges the batch into that folder,
        every extraction reused; the blacklist is seeded as `bench/accuracy.py` does (the
        truth's entries and its decoys). Then the run is scored against the truth, as
        `bench/accuracy.py --results` would.

A change to what comes after reading is so measured on the same pages before and after it, at
the cost of judging alone. A change to the readers, or to the re-read policy extraction hands
them, changes the pages: measure that with a real run.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench.accuracy import add_evidence_confidences, load_blacklist, save_scores, summary  # noqa: E402
from bench.cached import cached_extractions  # noqa: E402
from bench.decoys import decoy_entries  # noqa: E402
from bench.prefect_home import own_prefect_home  # noqa: E402
from dossierflow.cache import ExtractionCache  # noqa: E402
from dossierflow.config import Limits  # noqa: E402
from dossierflow.ingest import open_batch  # noqa: E402
from dossierflow.models import DossierExtraction  # noqa: E402
from extractors.dossier import EXTRACTOR_VERSION, extracted_from  # noqa: E402
from fixtures.scoring import score_files  # noqa: E402
from fixtures.truth import BatchTruth  # noqa: E402


def extracted_again(old: DossierExtraction) -> DossierExtraction:
    """`extract_dossier` after its reading step, on the pages `old` holds."""
    return old.model_copy(update=extracted_from(old.pages))


def replay(work: Path, into: Path, seed: int, dossier_cmd: str) -> tuple[Path, Path]:
    batch, out = work / f"batch-s{seed}", into / f"out-s{seed}"
    old = cached_extractions(work / f"out-s{seed}")
    cache = ExtractionCache(out)
    with tempfile.TemporaryDirectory() as scratch:
        listed = open_batch(batch, Path(scratch), Limits())
    for d in listed.dossiers:
        if d.dossier_id in old and not d.error:
            cache.put(d.content_key(EXTRACTOR_VERSION), extracted_again(old[d.dossier_id]))
    truth_file = work / f"batch-s{seed}.truth.json"
    truth = BatchTruth.read(truth_file)
    db = f"sqlite:///{(into / f'accuracy-s{seed}.db').resolve()}"
    env = own_prefect_home(into)
    load_blacklist(dossier_cmd, db, [*truth.blacklist, *decoy_entries(truth)], env)
    subprocess.run([dossier_cmd, "run", str(batch), "--out", str(out), "--db", db, "--workers", "1"], check=True, env=env)
    return out / "results.jsonl", truth_file


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work", type=Path, help="a bench/accuracy.py --work folder")
    ap.add_argument("--into", type=Path, required=True, help="a new folder for the judged runs")
    ap.add_argument("--json", type=Path, help="also write the numbers as JSON here")
    ap.add_argument("--dossier", default=str(ROOT / ".venv" / "bin" / "dossier"), help="the dossier command")
    args = ap.parse_args()
    if args.into.exists() and any(args.into.iterdir()):
        raise SystemExit(f"{args.into} is not empty: replay into a new folder")
    args.into.mkdir(parents=True, exist_ok=True)
    seeds = sorted(int(re.search(r"batch-s(\d+)\.truth\.json$", p.name).group(1))  # type: ignore[union-attr]
                   for p in args.work.glob("batch-s*.truth.json"))
    scored = []
    for seed in seeds:
        results, truth = replay(args.work, args.into, seed, args.dossier)
        report = score_files(results, truth)
        add_evidence_confidences(report, results.parent, truth)
        print(f"== seed {seed} (replayed from {args.work})")
        print(report.render())
        scored.append((f"seed {seed}", report.as_dict()))
    total = summary(scored)
    print(json.dumps(total, ensure_ascii=False))
    if args.json:
        save_scores(args.json, total, scored)
    return 0


if __name__ == "__main__":
    sys.exit(main())
