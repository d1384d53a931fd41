"""Throughput of `dossier run` against raw Tesseract on exactly the pages it OCRs.

    .venv/bin/python bench/throughput.py --n 30 --seed 11           # generate, then measure (~6 min)
    .venv/bin/python bench/throughput.py --batch path/to/batch        # measure an existing batch
    .venv/bin/python bench/throughput.py --n 4 --forms scan --damage damaged --repeat 1   # a quick look

In one process it (b) runs `dossier run` on the batch into a fresh OUT, sampling the peak memory
of the whole process tree; reads from OUT's extraction cache which pages were OCRed and at what
DPI; (a) rasterises exactly those pages at that DPI (untimed) and times the raw `tesseract` CLI
over them with one thread per process and as many processes as cores — the best this machine
allows; then prints pages, seconds and the ratio (b)/(a). (a) is Tesseract on the pixels the
pipeline's Tesseract reads: scans of 150-200 DPI are scaled to 300 DPI first, because Tesseract
reads ruled Chinese forms far better there (docs/design.md); (a0), at the scans' own resolution,
is printed too. It also times a second, unchanged run (the re-run cost, as a fraction of the
first) and the text-layer pages per second.

Each side is timed `--repeat` times (default 3), the sides taking turns within each repeat, and
the medians are printed, as wall seconds and as CPU seconds (user + system of every process each
side starts, children included: bench/cputime.py), with each repeat's own ratio. The wall ratio means something only on an otherwise idle machine; on a shared
one, compare the CPU ratio, which other load distorts far less. The target is the ratio to (a0).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cputime import ChildCPU, become_subreaper  # noqa: E402
from bench.prefect_home import own_prefect_home  # noqa: E402
from bench.rss import RssPeaks  # noqa: E402


def run_pipeline(batch: Path, out: Path, workers: int) -> tuple[float, int]:
    env = {**own_prefect_home(out.parent), "DOSSIER_WORKERS": str(workers)}
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


def raw_tesseract(images: list[Path], processes: int, as_pipeline: bool = False) -> float:
    # The pipeline's page layout settings, so the baseline cannot drift from what it runs, and
    # otherwise Tesseract's defaults; `as_pipeline` also turns off what the pipeline turns off.
    from extractors.readers.engines import LANG, RAW_TESS_CONFIG, TESS_CONFIG

    config = TESS_CONFIG if as_pipeline else RAW_TESS_CONFIG
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def one(img: Path) -> None:
        subprocess.run(
            ["tesseract", str(img), str(img.with_suffix("")), "-l", LANG, *config.split(), "tsv"],
            env=env, check=True, capture_output=True,
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(processes) as pool:
        list(pool.map(one, images))
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=Path, help="an existing batch (default: generate one)")
    # Thirty dossiers (~200 OCR pages): enough that the run's fixed costs (Prefect's local API,
    # the forkserver) weigh as little as they do in a city's batch, still minutes to run.
    ap.add_argument("--n", type=int, default=30, help="dossiers to generate")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--forms", default="scan,bound_pdf,text_pdf,docx")
    ap.add_argument("--damage", default="mixed", choices=("clean", "damaged", "mixed"), help="scan wear of a generated batch")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--repeat", type=int, default=3, help="measure each side this many times; medians are printed")
    ap.add_argument("--keep", type=Path, help="keep the work folder here")
    ap.add_argument("--also-pipeline-variables", action="store_true",
                    help="also time (a0) with the pipeline's own Tesseract variables (no flipped retries)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dossier-bench-")) if not args.keep else args.keep
    work.mkdir(parents=True, exist_ok=True)
    batch = args.batch
    if batch is None:
        from fixtures import generate_batch

        batch = work / "batch"
        if batch.exists():
            shutil.rmtree(batch)
        generate_batch(batch, n=args.n, seed=args.seed, forms=args.forms.split(","), damage=args.damage)
    out = work / "out"
    # Orphans of the run (the Prefect server's guard, a background recorder) are reaped here, so
    # their CPU time counts with the run's.
    subreaper = become_subreaper()

    first_s: list[float] = []
    first_cpu: list[float] = []
    raw_s: list[float] = []
    raw_cpu: list[float] = []
    work_s: list[float] = []
    work_cpu: list[float] = []
    same_s: list[float] = []
    same_cpu: list[float] = []
    peak = 0

    def pipeline_side() -> None:
        nonlocal peak
        if out.exists():
            shutil.rmtree(out)
        with ChildCPU(reap=subreaper) as cpu:
            seconds, run_peak = run_pipeline(batch, out, args.workers)
        first_s.append(seconds)
        first_cpu.append(cpu.seconds)
        peak = max(peak, run_peak)

    def tesseract_sides() -> None:
        with ChildCPU() as cpu:
            raw_s.append(raw_tesseract(images, args.workers))
        raw_cpu.append(cpu.seconds)
        with ChildCPU() as cpu:
            work_s.append(raw_tesseract(work_images, args.workers))
        work_cpu.append(cpu.seconds)
        if args.also_pipeline_variables:
            with ChildCPU() as cpu:
                same_s.append(raw_tesseract(images, args.workers, as_pipeline=True))
            same_cpu.append(cpu.seconds)

    # The pages raw Tesseract reads are those the first run OCRed; then the sides take turns, so
    # a machine whose speed drifts (a virtual machine's host) slows each repeat's sides alike.
    pipeline_side()
    pages, text_files = ocr_pages_from_cache(out)
    images_dir = work / "raw-pages"
    images_dir.mkdir(exist_ok=True)
    images = rasterise(batch, pages, images_dir)
    work_images = at_work_dpi(images, pages, images_dir) if images else []
    for i in range(max(1, args.repeat)):
        if i:
            pipeline_side()
        if images:
            tesseract_sides()
    with ChildCPU(reap=subreaper) as rerun_cpu:
        rerun_s, _ = run_pipeline(batch, out, args.workers)
    text_pages, text_s = text_layer_rate(batch, text_files, work / "text-files", args.workers) if text_files else (0, 0.0)

    dpis: dict[int, int] = {}
    for _, _, dpi in pages:
        dpis[dpi] = dpis.get(dpi, 0) + 1
    from extractors.readers.preprocess import TARGET_DPI

    def runs(values: list[float]) -> str:
        return f"median of {len(values)}: " + ", ".join(f"{v:.2f}" for v in values) if len(values) > 1 else ""

    b_s, b_cpu = median(first_s), median(first_cpu)
    a_s, a_cpu, a0_s, a0_cpu = median(work_s), median(work_cpu), median(raw_s), median(raw_cpu)
    print(f"batch: {batch}")
    print(f"OCR pages: {len(pages)} (scan DPI: {', '.join(f'{d}×{n}' for d, n in sorted(dpis.items()))})"
          f"   pages read without OCR: {text_pages}   processes: {args.workers}")
    print("                                                    wall s     CPU s (user+sys, all processes)")
    print(f"(a0) raw tesseract CLI, pages at their scan DPI: {a0_s:9.2f} {a0_cpu:9.2f}   {runs(raw_cpu)}")
    print(f"(a) raw tesseract CLI, pages at {TARGET_DPI} DPI:        {a_s:9.2f} {a_cpu:9.2f}   {runs(work_cpu)}")
    if same_s:
        print(f"(a0') as (a0), the pipeline's Tesseract variables: {median(same_s):9.2f} {median(same_cpu):9.2f}   {runs(same_cpu)}")
    print(f"(b) dossier run (first run):                     {b_s:9.2f} {b_cpu:9.2f}   {runs(first_cpu)}")
    if a0_s and a_s:
        # The wall ratio is only meaningful on an idle machine: other load stretches both sides
        # unevenly. CPU time is what the figures on a shared machine rest on.
        print(f"ratio (b)/(a0), the target (<= 1.00): CPU {b_cpu / a0_cpu:5.2f}   wall {b_s / a0_s:5.2f} (idle machine only)")
        print(f"ratio (b)/(a), same pixels as the pipeline reads: CPU {b_cpu / a_cpu:5.2f}   wall {b_s / a_s:5.2f} (idle machine only)")
        if same_s:
            print(f"ratio (b)/(a0'), the baseline without flipped retries: CPU {b_cpu / median(same_cpu):5.2f}   "
                  f"wall {b_s / median(same_s):5.2f} (idle machine only)")
        if len(raw_cpu) > 1:
            # Each repeat's sides ran one after the other: their ratio is what drift between
            # repeats leaves alone.
            each = [b / a for b, a in zip(first_cpu, raw_cpu)]
            each_wall = [b / a for b, a in zip(first_s, raw_s)]
            print(f"(b)/(a0) of each repeat: CPU {', '.join(f'{r:.2f}' for r in each)} (median {median(each):.2f}); "
                  f"wall {', '.join(f'{r:.2f}' for r in each_wall)} (median {median(each_wall):.2f})")
    print(f"re-run on the unchanged batch:       {rerun_s:8.2f} s  ({100 * rerun_s / b_s:.1f}% of the first run)"
          f"   CPU {rerun_cpu.seconds:.2f} s ({100 * rerun_cpu.seconds / b_cpu:.1f}%)")
    print(f"peak RSS of the run (process tree):  {peak / 2**20:8.1f} MiB")
    if text_pages and text_s:
        print(f"text-layer/DOCX path: {text_pages} pages in {text_s:.2f} s = {text_pages / text_s:8.1f} pages/s")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
