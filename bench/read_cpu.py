"""CPU time of reading a batch's files in this one process, and what was read, for speed work.

    .venv/bin/python bench/read_cpu.py BATCH --dump reads.jsonl [--profile reads.prof] [--ocr-share]

Reads every file of BATCH with `extractors.readers.read_file` (one OpenCV thread, as the
pipeline's workers do), prints the pages and the CPU seconds (user + system) spent reading, and
writes each file's reading (pages, segments, boxes, confidences, hashes) as one JSON line. A
change meant to make reading cheaper without changing it must leave that file byte for byte the
same: `cmp before.jsonl after.jsonl`. `--profile` writes a cProfile of the reading, timed in
CPU seconds, so a loaded machine does not stretch it (read with `python -m pstats`).
`--ocr-share` also prints how much of the reading was spent inside Tesseract's recognition calls
(the in-process engine's `words`, clocked in CPU seconds without a profiler's overhead), so the
rest, everything the reader does around Tesseract, can be set against raw Tesseract's cost.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("batch", type=Path)
    ap.add_argument("--dump", type=Path, help="write each file's reading here, one JSON line per file")
    ap.add_argument("--profile", type=Path, help="write a cProfile (CPU seconds) of the reading here")
    ap.add_argument("--ocr-share", action="store_true", help="print the CPU spent inside Tesseract's recognition calls")
    args = ap.parse_args()

    import cv2

    cv2.setNumThreads(1)  # as in the pipeline's reading workers (extractors/readers/isolate.py)
    from dossierflow.config import Limits
    from dossierflow.errors import FileRejected
    from extractors.readers import read_file

    limits = Limits.from_env()
    ocr_clock = _clock_recognition() if args.ocr_share else None
    files = sorted(p for p in args.batch.rglob("*") if p.is_file() and p.suffix.lower() not in (".yaml", ".json"))
    profile = cProfile.Profile(time.process_time) if args.profile else None
    lines, pages, seconds = [], 0, 0.0
    for path in files:
        rel = path.relative_to(args.batch).as_posix()
        started = time.process_time()
        if profile:
            profile.enable()
        try:
            read = read_file(path, rel, limits)
            record = read.model_dump(mode="json")
            pages += len(read.pages)
        except FileRejected as exc:
            record = {"file": rel, "rejected": type(exc).__name__, "message": str(exc)}
        finally:
            if profile:
                profile.disable()
        seconds += time.process_time() - started
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    print(f"{len(files)} files, {pages} pages, reading CPU {seconds:.2f} s")
    if ocr_clock is not None:
        inside = ocr_clock["seconds"]
        print(
            f"of which inside Tesseract's recognition: {inside:.2f} s in {ocr_clock['calls']} calls "
            f"({inside / max(seconds, 1e-9):.0%}); around it: {seconds - inside:.2f} s"
        )
    if args.dump:
        args.dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if profile:
        profile.dump_stats(str(args.profile))


def _clock_recognition() -> dict:
    """Wrap the in-process engine's recognition so every call's CPU time is summed."""
    from extractors.readers.engines import TesseractApiEngine

    clock = {"seconds": 0.0, "calls": 0}
    recognise = TesseractApiEngine.words

    def clocked(self, image):
        started = time.process_time()
        try:
            return recognise(self, image)
        finally:
            clock["seconds"] += time.process_time() - started
            clock["calls"] += 1

    TesseractApiEngine.words = clocked  # type: ignore[method-assign]
    return clock


if __name__ == "__main__":
    main()
