"""The pictures a dossier's report shows: the page region of every source its undecided findings
and integrity leads point at, as PNG files under `OUT/<id>/crops/`.

Only findings a person must look at (`fail`, `review`) and leads get crops: a passed rule's
evidence is not what a clerk or reviewer checks, and rendering every source of every finding
costs a page render per field on a thick booklet. A source naming a whole page without a region
gets a small picture of the page. Sources without a page (DOCX cells) get none; the report names
their table, row and cell instead.

A crop that cannot be made (the file gone, a page pdfium refuses) is left out: the report then
shows the source as text, and the run goes on. The cause goes to the log at INFO, not WARNING:
warnings reach the clerk's terminal, and the clerk has nothing to do about it.
"""

from __future__ import annotations

import copy
import hashlib
import logging
from pathlib import Path

from dossierflow import atomic
from dossierflow.crops import CropLimits, page_png, region_png

log = logging.getLogger(__name__)

CROPS_DIR = "crops"
CROP_DPI = 150  # legible print of a form's characters, a third of the bytes of 200 DPI
CROP_LIMITS = CropLimits(max_side_px=1000, max_pixels=1_000_000)
PAGE_DPI = 50  # a page cited whole is shown to be recognised, not read
MARGIN_PT = 8.0  # enough to show the region is whole; more shows the lines around it in print
MAX_CROPS_PER_DOSSIER = 40  # a lead citing a whole booklet's pages must not render all of them
SHOWN_OUTCOMES = ("fail", "review")


def crop_name(src: dict) -> str:
    """A file name from the region itself: the same region cited twice is rendered once, and a
    name holds no ID number (hex, 16 characters, shorter than one)."""
    bbox = ",".join(f"{float(v):.1f}" for v in src.get("bbox") or ())
    key = f"{src.get('file')}\0{src.get('page')}\0{bbox}"
    return hashlib.sha256(key.encode()).hexdigest()[:16] + ".png"


def cited_sources(line: dict) -> list[dict]:
    """The sources on a page (a region of it, or the page) that the report shows pictures of,
    leads first."""
    out: list[dict] = []
    for flag in line.get("flags", []):
        out.extend(flag.get("sources") or [])
    for finding in line.get("findings", []):
        if finding.get("outcome") in SHOWN_OUTCOMES:
            out.extend(finding.get("sources") or [])
    return [s for s in out if s.get("bbox") or s.get("page")]


def _render(files: dict[str, Path], src: dict) -> bytes | None:
    path = files.get(src.get("file", ""))
    if path is None:
        log.info("crop skipped: %s is not an input file of this batch", src.get("file"))
        return None
    try:
        # The file's own folder is the root: a dossier unzipped elsewhere is found by its path.
        if src.get("bbox"):
            region = {"file": path.name, "page": src.get("page"), "bbox": src["bbox"]}
            return region_png(path.parent, region, dpi=CROP_DPI, margin_pt=MARGIN_PT, limits=CROP_LIMITS)
        return page_png(path.parent, {"file": path.name, "page": src["page"]}, dpi=PAGE_DPI, limits=CROP_LIMITS)
    except Exception as exc:  # noqa: BLE001 - a missing picture must not stop the batch's reports
        log.info("crop of %s page %s failed: %s: %s", src.get("file"), src.get("page"), type(exc).__name__, exc)
        return None


def write_crops(out_dir: Path, line: dict, files: dict[str, Path]) -> dict:
    """Write the crops of one dossier's line under `out_dir/<id>/crops/`; a copy of the line in
    which every source that got one has `crop`, its path relative to the dossier's report.
    Crops of an earlier run that this one no longer cites are removed."""
    folder = out_dir / line["dossier_id"] / CROPS_DIR
    shown = copy.deepcopy(line)
    written: dict[str, bool] = {}
    for src in cited_sources(shown):
        name = crop_name(src)
        if name not in written:
            if len(written) >= MAX_CROPS_PER_DOSSIER:
                continue
            png = _render(files, src)
            written[name] = png is not None
            if png is not None:
                atomic.write_bytes(folder / name, png)
        if written[name]:
            src["crop"] = f"{CROPS_DIR}/{name}"
    if folder.is_dir():
        for old in folder.glob("*.png"):
            if not written.get(old.name):
                old.unlink(missing_ok=True)
        if not any(folder.iterdir()):
            folder.rmdir()
    return shown
