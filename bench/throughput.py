"""Throughput of `dossier run` against raw Tesseract on exactly the pages it OCRs.

    .venv/bin/python bench/throughput.py --n 30 --seed 11           # generate, then measure (~6 min)
    .venv/bin/python bench/throughput.py --batch path/to/batch        # measure an existing batch

In one process it (b) runs `dossier run` on the batch into a fresh OUT, sampling the peak memory
of the whole process tree; reads from OUT's extraction cache which pages were OCRed and at what
DPI; (a) rasterises exactly those pages at that DPI (untimed) and times the raw `tesseract` CLI
over them with one thread per process and as many processes as cores — the best this machine
allows; then prints pages, seconds and the ratio (b)/(a). (a) is Tesseract on the pixels the
pipeline's Tesseract reads: scans of 150-200 DPI are scaled to 300 DPI first, because Tesseract
reads ruled Chinese forms far better there (docs/design.md); (a0), at the scans' own resolution,
is printed too. It also times a second, unchanged run (the re-run cost, as a fraction of the
first) and the text-layer pages per second.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rss import RssPeaks  # noqa: E402


def run_pipeline(batch: Path, out: Path, workers: int) -> tuple[float, int]:
    env = dict(os.environ, DOSSIER_WORKERS=str(workers))
    cmd = [str(ROOT / ".venv" / "bin" / "dossier"), "run", str(batch), "--out", str(out), "--no-db", "--date", "2020-07-01"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with RssPeaks(proc.pid) as peak:
        _, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"dossier run failed ({proc.returncode}):\n{stderr.decode(errors='replace')[-3000:]}")
    return seconds, peak.tree


def ocr_pages_from_cache(out: Path) -> tuple[list[tuple[str, int, int]], dict[str, int]]:
    """(file, page, dpi) of every OCRed page, and {file: pages} of the files read with no OCR at
    all (text layer or DOCX), from OUT's cache."""
    ocr: list[tuple[str, int, int]] = []
    text_files: dict[str, int] = {}
    ocr_files: set[str] = set()
    for entry in (out / ".cache" / "extract").rglob("*.json"):
        data = json.loads(entry.read_text(encoding="utf-8"))
        for page in data["pages"]:
            if page["method"] == "ocr":
                if page.get("dpi") is None:
                    raise SystemExit(f"OCR page without its DPI in the cache: {page['file']} p{page.get('page')}")
                ocr.append((page["file"], page.get("page") or 1, page["dpi"]))
                ocr_files.add(page["file"])
            elif page["method"] in ("text", "docx"):
                text_files[page["file"]] = text_files.get(page["file"], 0) + 1
    return sorted(ocr), {f: n for f, n in text_files.items() if f not in ocr_files}


def text_layer_rate(batch_root: Path, files: dict[str, int], scratch: Path, workers: int) -> tuple[int, float]:
    """(pages, seconds) to read the no-OCR files again the way the pipeline does (one isolated
    child per file, `workers` at a time)."""
    from dossierflow.config import Limits
    from extractors.readers.isolate import read_file_isolated

    limits = Limits.from_env()
    paths = [(_locate(batch_root, rel, scratch), rel) for rel in files]
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        pages = sum(len(r.pages) for r in pool.map(lambda pr: read_file_isolated(pr[0], pr[1], limits), paths))
    return pages, time.perf_counter() - started


def rasterise(batch_root: Path, pages: list[tuple[str, int, int]], folder: Path) -> list[Path]:
    import pypdfium2 as pdfium
    from PIL import Image

    images = []
    for i, (rel, page_no, dpi) in enumerate(pages):
        src = _locate(batch_root, rel, folder)
        target = folder / f"p{i:05d}.png"
        if src.suffix.lower() == ".pdf":
            pdf = pdfium.PdfDocument(str(src))
            pdf[page_no - 1].render(scale=dpi / 72).to_pil().convert("L").save(target)
            pdf.close()
        else:
            img = Image.open(src)
            if getattr(img, "n_frames", 1) > 1:  # multi-page TIFF: the page the pipeline read
                img.seek(page_no - 1)
            img.convert("L").save(target)
        images.append(target)
    return images


def at_work_dpi(images: list[Path], pages: list[tuple[str, int, int]], folder: Path) -> list[Path]:
    """The same pages scaled the way `preprocess.prepare` scales them before Tesseract sees them
    (to TARGET_DPI unless within 12%): the pixels the pipeline's main pass really reads."""
    from PIL import Image

    from extractors.readers.preprocess import TARGET_DPI

    out = []
    for img_path, (_, _, dpi) in zip(images, pages):
        scale = TARGET_DPI / dpi
        target = folder / f"w-{img_path.name}"
        img = Image.open(img_path)
        if abs(scale - 1.0) >= 0.12 and scale > 1:
            img = img.resize((round(img.width * scale), round(img.height * scale)), Image.BICUBIC)
        img.save(target, dpi=(TARGET_DPI, TARGET_DPI))
        out.append(target)
    return out


def _locate(batch_root: Path, rel: str, scratch: Path) -> Path:
    """A result's file path on disk; files inside a dossier .zip are extracted first."""
    if ".zip/" in rel:
        import zipfile

        archive, inner = rel.split(".zip/", 1)
        with zipfile.ZipFile(batch_root / f"{archive}.zip") as zf:
            name = next(n for n in zf.namelist() if n.endswith(inner))
            target = scratch / "unzipped" / archive / inner
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(name))
            return target
    return batch_root / rel


def raw_tesseract(images: list[Path], processes: int) -> float:
    # The pipeline's own main-pass settings, so the baseline cannot drift from what it runs.
    from extractors.readers.engines import LANG, TESS_CONFIG

    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def one(img: Path) -> None:
        subprocess.run(
            ["tesseract", str(img), str(img.with_suffix("")), "-l", LANG, *TESS_CONFIG.split(), "tsv"],
            env=env, check=True, capture_output=True,
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(processes) as pool:
        list(pool.map(one, images))
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=Path, help="an existing batch (default: generate one)")
    # Thirty dossiers (~200 OCR pages): enough that the run's fixed costs (Prefect's local API,
    # the forkserver) weigh as little as they do in a city's batch, still minutes to run.
    ap.add_argument("--n", type=int, default=30, help="dossiers to generate")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--forms", default="scan,bound_pdf,text_pdf,docx")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", type=Path, help="keep the work folder here")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dossier-bench-")) if not args.keep else args.keep
    work.mkdir(parents=True, exist_ok=True)
    batch = args.batch
    if batch is None:
        from fixtures import generate_batch

        batch = work / "batch"
        if batch.exists():
            shutil.rmtree(batch)
        generate_batch(batch, n=args.n, seed=args.seed, forms=args.forms.split(","), damage="mixed")
    out = work / "out"
    if out.exists():
        shutil.rmtree(out)

    first_s, peak = run_pipeline(batch, out, args.workers)
    rerun_s, _ = run_pipeline(batch, out, args.workers)
    pages, text_files = ocr_pages_from_cache(out)
    text_pages, text_s = text_layer_rate(batch, text_files, work / "text-files", args.workers) if text_files else (0, 0.0)
    images_dir = work / "raw-pages"
    images_dir.mkdir(exist_ok=True)
    images = rasterise(batch, pages, images_dir)
    raw_s = raw_tesseract(images, args.workers) if images else 0.0
    work_s = raw_tesseract(at_work_dpi(images, pages, images_dir), args.workers) if images else 0.0

    dpis: dict[int, int] = {}
    for _, _, dpi in pages:
        dpis[dpi] = dpis.get(dpi, 0) + 1
    from extractors.readers.preprocess import TARGET_DPI

    print(f"batch: {batch}")
    print(f"OCR pages: {len(pages)} (scan DPI: {', '.join(f'{d}×{n}' for d, n in sorted(dpis.items()))})"
          f"   pages read without OCR: {text_pages}   processes: {args.workers}")
    print(f"(a) raw tesseract CLI, pages at the pipeline's OCR resolution ({TARGET_DPI} DPI): {work_s:8.2f} s")
    print(f"(a0) raw tesseract CLI, pages at their scan resolution:                {raw_s:8.2f} s")
    print(f"(b) dossier run (first run):                                           {first_s:8.2f} s")
    if raw_s and work_s:
        print(f"ratio (b)/(a):  {first_s / work_s:6.2f}   (target <= 1.10: same pages, same DPI, same settings)")
        print(f"ratio (b)/(a0): {first_s / raw_s:6.2f}   (also counts the scaling of 150-200 DPI scans to {TARGET_DPI} DPI)")
    print(f"re-run on the unchanged batch:       {rerun_s:8.2f} s  ({100 * rerun_s / first_s:.1f}% of the first run)")
    print(f"peak RSS of the run (process tree):  {peak / 2**20:8.1f} MiB")
    if text_pages and text_s:
        print(f"text-layer/DOCX path: {text_pages} pages in {text_s:.2f} s = {text_pages / text_s:8.1f} pages/s")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
