"""The pictures a dossier's report shows: the page region of every source it shows (each field's,
each finding's, each lead's, each piece of evidence's), as small grey image files under
`OUT/<id>/crops/`.

One file per page region: the fields and findings that cite the same region share it (its name is
a hash of the region). Each page is drawn (or its scan decoded) once and all its regions are cut
from that one picture; drawing a page per source cost a page render per field on a thick
booklet. Crops are grey (the forms are black on white; colour tripled the bytes) and written as
JPEG or PNG, whichever is smaller for that picture (PNG for clean text, JPEG for a grainy scan).
A source naming a whole page without a region gets a small picture of the page. Sources without
a page (DOCX cells) get none; the report names their table, row and cell instead.

A report is read by people who see ID numbers masked: every line of a page where an ID number
was read (`id_regions.covers`, the station's images' too) is drawn flat on the page before any
region is cut from it, so a crop of an ID-card copy or of a pledge quoting the number hides it as
the `id_number` field's own crop does. Without the run's readings (`id_lines` None) where the
numbers are is unknown, and no picture is drawn.

A re-run draws only what changed: `OUT/<id>/.crops.json` records, per crop, what it was drawn from
(the file's sha256, page, region, the boxes drawn flat on its page, the drawing settings); a crop whose
record matches and whose file is there is kept as it is. On an unchanged batch drawing was most
of a re-run's time.

A crop that cannot be made (the file gone, a page pdfium refuses) is left out: the report then
shows the source as text, and the run goes on. The cause goes to the log at INFO, not WARNING:
warnings reach the clerk's terminal, and the clerk has nothing to do about it.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import logging
from pathlib import Path
from typing import Mapping, Optional

from PIL import Image

from dossierflow import atomic
from dossierflow.crops import COVER_GREY, CropLimits, PageRaster, page_raster
from dossierflow.id_regions import PageBoxes, covers

log = logging.getLogger(__name__)

CROPS_DIR = "crops"
CROP_DPI = 150  # legible print of a form's characters, a third of the bytes of 200 DPI
CROP_LIMITS = CropLimits(max_side_px=1000, max_pixels=1_000_000)
PAGE_LIMITS = CropLimits(max_side_px=2000, max_pixels=4_000_000)  # the page the regions are cut from
PAGE_DPI = 50  # a page cited whole is shown to be recognised, not read
MARGIN_PT = 8.0  # enough to show the region is whole; more shows the lines around it in print
JPEG_QUALITY = 70  # grey text stays sharp enough at the sizes the report prints it
# Every region of an ordinary dossier (about 45) fits; a lead citing every page of several thick
# booklets does not render all of them. Regions beyond it are the least prominent ones (below).
MAX_CROPS_PER_DOSSIER = 120
SHOWN_OUTCOMES = ("fail", "review")  # the findings a person must look at: their crops first


MANIFEST = ".crops.json"  # beside the crops folder: the folder holds pictures only
# Raise when the drawing changes in a way the settings in `_drawn_from` do not show, so that a
# re-run draws every crop again instead of keeping ones drawn the old way.
DRAWING_VERSION = 2


def crop_key(src: dict) -> str:
    """The region's name without its extension: the same region cited twice is one file, and a
    name holds no ID number (hex, 16 characters, shorter than one)."""
    bbox = ",".join(f"{float(v):.1f}" for v in src.get("bbox") or ())
    key = f"{src.get('file')}\0{src.get('page')}\0{bbox}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def all_sources(line: dict) -> list[dict]:
    """Every source the dossier report shows, most prominent first: leads, then the findings a
    person must look at, then the fields, the other findings and the evidence. The dicts are the
    line's own, so a caller can mark them."""
    findings = line.get("findings", [])
    out: list[dict] = []
    for flag in line.get("flags", []):
        out.extend(flag.get("sources") or [])
    for finding in findings:
        if finding.get("outcome") in SHOWN_OUTCOMES:
            out.extend(finding.get("sources") or [])
    out.extend(fv["source"] for fv in line.get("fields", {}).values() if fv.get("source"))
    for finding in findings:
        if finding.get("outcome") not in SHOWN_OUTCOMES:
            out.extend(finding.get("sources") or [])
    out.extend(e["source"] for e in line.get("evidence", []) if e.get("source"))
    return out


def cited_sources(line: dict) -> list[dict]:
    """The sources on a page (a region of it, or the page) that the report shows pictures of."""
    return [s for s in all_sources(line) if s.get("bbox") or s.get("page")]


class _Larger(Exception):
    """The picture's PNG has grown past the size it had to stay under."""


class _CappedBuffer(io.BytesIO):
    """A buffer that stops the encoder writing into it once it holds more than `cap` bytes."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap

    def write(self, data) -> int:  # noqa: ANN001 - whatever BytesIO takes
        written = super().write(data)
        if self.tell() > self.cap:
            raise _Larger
        return written


def encoded(image: Image.Image) -> tuple[bytes, str]:
    """The picture grey, as PNG or JPEG, whichever is smaller; with its file extension.

    The JPEG is made first: the PNG is given up as soon as it is larger, which on a grainy scan
    (most crops) is after its first block. Deflating the whole PNG to learn that was most of the
    report's encoding time; the choice and the bytes written are the same."""
    grey = image if image.mode == "L" else image.convert("L")
    jpeg = io.BytesIO()
    grey.save(jpeg, format="JPEG", quality=JPEG_QUALITY)
    png = _CappedBuffer(jpeg.tell())
    try:
        grey.save(png, format="PNG", compress_level=6)
    except _Larger:
        return jpeg.getvalue(), ".jpg"
    if jpeg.tell() < png.tell():
        return jpeg.getvalue(), ".jpg"
    return png.getvalue(), ".png"


def _raster(files: Mapping[str, Path], file: str, page: Optional[int], dpi: float) -> Optional[PageRaster]:
    path = files.get(file)
    if path is None:
        log.info("crops skipped: %s is not an input file of this batch", file)
        return None
    try:
        # The file's own folder is the root: a dossier unzipped elsewhere is found by its path.
        return page_raster(path.parent, path.name, page, dpi=dpi, limits=PAGE_LIMITS, grey=True)
    except Exception as exc:  # noqa: BLE001 - a missing picture must not stop the batch's reports
        log.info("page %s of %s not drawn: %s: %s", page, file, type(exc).__name__, exc)
        return None


def _crop(raster: PageRaster, src: dict) -> Optional[Image.Image]:
    try:
        if src.get("bbox"):
            return raster.region(tuple(float(v) for v in src["bbox"]), MARGIN_PT, CROP_LIMITS)  # type: ignore[arg-type]
        return raster.page(PAGE_DPI, CROP_LIMITS)
    except Exception as exc:  # noqa: BLE001 - a region off the page, a malformed bbox
        log.info("crop of %s page %s failed: %s: %s", src.get("file"), src.get("page"), type(exc).__name__, exc)
        return None


def _covered(raster: PageRaster, boxes: list[list[float]]) -> PageRaster:
    for box in boxes:
        try:
            raster = raster.covered(tuple(box), COVER_GREY)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - a malformed box: its page is not shown at all
            raise _Uncoverable(box) from exc
    return raster


class _Uncoverable(Exception):
    """A box to draw flat could not be drawn: the page is not shown."""


def _drawn_from(file_hash: Optional[str], src: dict, hidden: list[list[float]], whole_only: bool) -> Optional[str]:
    """What a crop is drawn from and how, as one hash; None when the file's content is unknown
    (then it is always drawn)."""
    if file_hash is None:
        return None
    what = [DRAWING_VERSION, file_hash, src.get("page"), src.get("bbox"), hidden, whole_only,
            CROP_DPI, PAGE_DPI, MARGIN_PT, JPEG_QUALITY, COVER_GREY, CROP_LIMITS.model_dump(), PAGE_LIMITS.model_dump()]
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def _made(folder: Path) -> dict[str, dict]:
    try:
        made = json.loads((folder.parent / MANIFEST).read_text(encoding="utf-8"))
        return made if isinstance(made, dict) else {}
    except (OSError, ValueError):
        return {}


def write_crops(out_dir: Path, line: dict, files: Mapping[str, Path], hashes: Optional[Mapping[str, str]] = None, *,
                id_lines: Optional[PageBoxes]) -> dict:
    """Write the crops of one dossier's line under `out_dir/<id>/crops/`; a copy of the line in
    which every source that got one has `crop`, its path relative to the dossier's report.
    `hashes`: the input files' sha256 by name; with them, a crop an earlier run drew from the
    same content the same way is kept, not drawn again. `id_lines`: where the run read ID
    numbers on the dossier's pages (`id_regions.id_lines`), drawn flat; None when unknown, and
    then no crop is drawn. Crops of an earlier run that this one no longer cites are removed."""
    folder = out_dir / line["dossier_id"] / CROPS_DIR
    shown = copy.deepcopy(line)
    regions: dict[str, list[dict]] = {}  # crop key -> the sources citing it, most prominent first
    for src in cited_sources(shown):
        key = crop_key(src)
        if key in regions or len(regions) < MAX_CROPS_PER_DOSSIER:
            regions.setdefault(key, []).append(src)
    pages: dict[tuple[str, Optional[int]], list[str]] = {}
    for key, cited in regions.items():
        pages.setdefault((cited[0].get("file", ""), cited[0].get("page")), []).append(key)
    if id_lines is None:
        log.info("no crops for %s: the run's readings are gone, where ID numbers are is unknown", line["dossier_id"])
        pages = {}
    before = _made(folder)
    made: dict[str, dict] = {}
    written: set[str] = set()

    def cite(key: str, name: str) -> None:
        written.add(name)
        for src in regions[key]:
            src["crop"] = f"{CROPS_DIR}/{name}"

    for (file, page), keys in pages.items():
        # A page cited only whole is drawn at the small size it is shown at.
        whole_only = not any(regions[key][0].get("bbox") for key in keys)
        file_hash = (hashes or {}).get(file)
        hidden = covers(line, id_lines or {}, file, page)
        todo = []
        for key in keys:
            drawn_from = _drawn_from(file_hash, regions[key][0], hidden, whole_only)
            kept = before.get(key) or {}
            name = str(kept.get("name") or "")
            if drawn_from is not None and kept.get("from") == drawn_from and name.startswith(key) and (folder / name).is_file():
                made[key] = kept
                cite(key, name)
            else:
                todo.append((key, drawn_from))
        if not todo:
            continue
        raster = _raster(files, file, page, PAGE_DPI if whole_only else CROP_DPI)
        if raster is None:
            continue
        try:
            raster = _covered(raster, hidden)
        except _Uncoverable as exc:
            log.info("page %s of %s not shown: box %s cannot be drawn flat", page, file, exc)
            continue
        for key, drawn_from in todo:
            image = _crop(raster, regions[key][0])
            if image is None:
                continue
            data, ext = encoded(image)
            name = key + ext
            atomic.write_bytes(folder / name, data)
            if drawn_from is not None:
                made[key] = {"name": name, "from": drawn_from}
            cite(key, name)
        del raster  # one page's pixels at a time
    if made or before:
        atomic.write_text(folder.parent / MANIFEST, json.dumps(made, sort_keys=True))
    if folder.is_dir():
        for old in folder.iterdir():
            if old.name not in written:
                old.unlink(missing_ok=True)
        if not any(folder.iterdir()):
            folder.rmdir()
    return shown
