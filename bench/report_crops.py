"""What the reports' crops cost: CPU time and bytes of writing every dossier's crops of a run.

    .venv/bin/python bench/report_crops.py BATCH OUT            # OUT: a finished `dossier run`
    .venv/bin/python bench/report_crops.py BATCH OUT --repeat 3

Reads OUT/results.jsonl, writes the crops into a scratch folder (OUT is left as it is) with
`report_crops.write_crops`, and prints per dossier the crops written, the sources that show one
and the sources on a page that do not, then the CPU time of the whole (finding where OUT's run
read ID numbers included; the process's time, so other work on a shared machine does not count)
and the bytes written. Run it on the same OUT before and after a change to compare.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dossierflow.id_regions import id_lines_of, run_record  # noqa: E402
from dossierflow.report_crops import write_crops  # noqa: E402


def _page_sources(line: dict) -> list[dict]:
    """Every source the dossier report shows, on a page (DOCX cells have none)."""
    out = [s for f in line.get("flags", []) for s in f.get("sources") or []]
    out += [s for f in line.get("findings", []) for s in f.get("sources") or []]
    out += [fv.get("source") or {} for fv in line.get("fields", {}).values()]
    out += [e.get("source") or {} for e in line.get("evidence", [])]
    return [s for s in out if s.get("bbox") or s.get("page")]


def _input_files(batch: Path) -> dict[str, Path]:
    return {p.relative_to(batch).as_posix(): p for p in batch.rglob("*") if p.is_file()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("batch", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    lines = [json.loads(x) for x in (args.out / "results.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    files = _input_files(args.batch)
    best = None
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="crops-bench-") as tmp:
            scratch = Path(tmp)
            start = time.process_time()
            record = run_record(args.out)  # where OUT's run read ID numbers: drawn flat, as the run does
            shown = [write_crops(scratch, line, files, id_lines=id_lines_of(args.out, record, line["dossier_id"]))
                     for line in lines]
            cpu = time.process_time() - start
            written = [p for p in scratch.rglob("*") if p.is_file()]
            size = sum(p.stat().st_size for p in written)
        best = cpu if best is None else min(best, cpu)
        for s in shown:
            on_page = _page_sources(s)
            with_crop = sum(1 for x in on_page if x.get("crop"))
            print(f"{s['dossier_id']}: {with_crop}/{len(on_page)} page sources show a crop")
        print(f"crops {len(written)}, {size / 1024:.0f} KiB, CPU {cpu:.2f} s")
    print(f"best CPU of {args.repeat}: {best:.2f} s for {len(lines)} dossiers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
