"""The page region a finding's source points at, as PNG: the region with a margin, or the whole
page with the region marked. Pure functions over a batch's input folder; no web code.

What a `source` (results.jsonl) holds and which space its bbox is in:
- PDF page (text layer or scan): `page` 1-based, `bbox` in PDF points `[x0, top, x1, bottom]`
  from the top-left of the page as pdfium renders it (its /Rotate applied). The OCR reader
  rendered the page at some DPI and divided by it, so the box is the same whatever DPI it read
  at, and any DPI renders it back.
- image file: `page` None (one frame) or the frame number (multi-page TIFF); `bbox` in points of
  the image turned upright by its EXIF orientation, at the image's stored DPI or, without one,
  the DPI the reader assumed. Points × DPI / 72 are the image's own pixels.
- DOCX: `page` None, no `bbox`, a `locator` (table, row, cell): there is no picture; callers show
  `display.locator_text(locator)` instead. The functions return None for such sources.

Limits: a source's file must resolve inside the batch folder (no absolute paths, `..` or symlinks
leading out); output images are capped in side and pixel count; input images are refused above
`max_source_pixels` before they are decoded.
"""

from __future__ import annotations

import io
import math
import threading
import warnings
from pathlib import Path
from typing import Optional, Sequence, Union

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageOps
from pydantic import BaseModel, ConfigDict, Field

from dossierflow.errors import DossierflowError
from dossierflow.models import BBox, Source

REGION_DPI = 200  # a region is read at print resolution: small characters stay legible
PAGE_DPI = 100  # the whole page is for finding one's place on it
MARGIN_PT = 18.0  # a quarter inch of context around the region (the label beside a value)

# pdfium is not thread-safe; a web server may render from several threads at once.
_PDFIUM_LOCK = threading.Lock()


class CropLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_side_px: int = Field(default=2000, ge=16)
    max_pixels: int = Field(default=4_000_000, ge=256)
    max_source_pixels: int = Field(default=80_000_000, ge=256)  # the readers' page cap


class CropRefused(DossierflowError):
    """The source cannot be shown: outside the batch, missing, unreadable, or no such page.
    The message is Chinese: a reviewer may read it where the picture would be."""


SourceLike = Union[Source, dict]


def _as_source(source: SourceLike) -> Source:
    return source if isinstance(source, Source) else Source.model_validate(source)


def source_path(batch_dir: Union[str, Path], file: str) -> Path:
    """The source's file inside the batch folder; anything leading outside it is refused."""
    root = Path(batch_dir).resolve()
    rel = Path(file)
    if not file or rel.is_absolute() or rel.drive:
        raise CropRefused(f"来源文件路径无效：{file!r}")
    path = (root / rel).resolve()
    if path != root and root not in path.parents:
        raise CropRefused(f"来源文件不在批次目录内：{file!r}")
    if not path.is_file():
        raise CropRefused(f"来源文件不存在：{file}")
    return path


def _kind(path: Path) -> str:
    # Local import: the sniffing rules are the readers' (a PDF header after junk bytes is a PDF).
    from extractors.readers.sniff import sniff

    return sniff(path)


def has_picture(source: SourceLike) -> bool:
    """Whether the source points at a page region at all (a DOCX cell does not)."""
    src = _as_source(source)
    return src.bbox is not None


def _fit_scale(width_pt: float, height_pt: float, dpi: float, limits: CropLimits) -> float:
    """Pixels per point for `dpi`, lowered so the output stays within the side and pixel caps."""
    scale = dpi / 72.0
    w, h = max(width_pt, 1e-3), max(height_pt, 1e-3)
    scale = min(scale, limits.max_side_px / w, limits.max_side_px / h)
    scale = min(scale, (limits.max_pixels / (w * h)) ** 0.5)
    # Renderers round sizes up: step down until the rounded-up bitmap fits too.
    while scale > 1e-3 and (
        max(math.ceil(w * scale), math.ceil(h * scale)) > limits.max_side_px
        or math.ceil(w * scale) * math.ceil(h * scale) > limits.max_pixels
    ):
        scale *= 0.995
    return max(scale, 1e-3)


def _clamp(box: BBox, width: float, height: float, margin: float) -> BBox:
    x0, y0, x1, y1 = box
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    out = (max(0.0, x0 - margin), max(0.0, y0 - margin), min(width, x1 + margin), min(height, y1 + margin))
    if out[2] - out[0] < 1.0 or out[3] - out[1] < 1.0:
        raise CropRefused("来源区域不在页面范围内")
    return out


def _png(image: Image.Image) -> bytes:
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def _mark(image: Image.Image, box_px: tuple[float, float, float, float]) -> Image.Image:
    """The page with the region filled faintly yellow and outlined in red."""
    base = image.convert("RGBA")
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    line = max(2, round(min(base.size) / 300))
    x0, y0, x1, y1 = box_px
    pad = line  # the outline sits just outside the region so it hides none of its ink
    draw.rectangle((x0, y0, x1, y1), fill=(255, 220, 0, 70))
    draw.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), outline=(220, 0, 0, 255), width=line)
    return Image.alpha_composite(base, overlay).convert("RGB")


# --- PDF ----------------------------------------------------------------------------------------


def _open_pdf(path: Path) -> "pdfium.PdfDocument":
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise CropRefused("来源 PDF 无法打开（已加密或已损坏）") from exc


def _pdf_page(pdf: "pdfium.PdfDocument", page_no: Optional[int]) -> "pdfium.PdfPage":
    if page_no is None or not 1 <= page_no <= len(pdf):
        raise CropRefused(f"来源页码无效：{page_no}（文件共 {len(pdf)} 页）")
    try:
        return pdf[page_no - 1]
    except pdfium.PdfiumError as exc:
        raise CropRefused(f"第 {page_no} 页无法读取") from exc


def _render(
    page: "pdfium.PdfPage", scale: float, crop: tuple[float, float, float, float] = (0, 0, 0, 0), grey: bool = False
) -> Image.Image:
    try:
        # `crop` trims points from the rendered (rotated) page's left, bottom, right, top, so only
        # the region's pixels are drawn: a region costs a fraction of a page.
        bitmap = page.render(scale=scale, crop=crop, may_draw_forms=True, rev_byteorder=True, grayscale=grey)
        return bitmap.to_pil().copy()
    except pdfium.PdfiumError as exc:
        raise CropRefused("来源页面无法渲染") from exc


def _pdf_region(path: Path, src: Source, dpi: float, margin: float, limits: CropLimits) -> Image.Image:
    with _PDFIUM_LOCK:
        pdf = _open_pdf(path)
        try:
            page = _pdf_page(pdf, src.page)
            width, height = page.get_size()
            x0, y0, x1, y1 = _clamp(src.bbox, width, height, margin)
            scale = _fit_scale(x1 - x0, y1 - y0, dpi, limits)
            return _render(page, scale, crop=(x0, height - y1, width - x1, y0))
        finally:
            pdf.close()


def _pdf_page_marked(path: Path, src: Source, dpi: float, limits: CropLimits) -> Image.Image:
    with _PDFIUM_LOCK:
        pdf = _open_pdf(path)
        try:
            page = _pdf_page(pdf, src.page)
            width, height = page.get_size()
            scale = _fit_scale(width, height, dpi, limits)
            image = _render(page, scale)
        finally:
            pdf.close()
    if src.bbox is None:
        return image
    x0, y0, x1, y1 = _clamp(src.bbox, width, height, 0.0)
    return _mark(image, (x0 * scale, y0 * scale, x1 * scale, y1 * scale))


def _pdf_page_plain(path: Path, page_no: Optional[int], dpi: float, limits: CropLimits, grey: bool) -> "PageRaster":
    with _PDFIUM_LOCK:
        pdf = _open_pdf(path)
        try:
            page = _pdf_page(pdf, page_no)
            width, height = page.get_size()
            image = _render(page, _fit_scale(width, height, dpi, limits), grey=grey)
        finally:
            pdf.close()
    return PageRaster(image=image if not grey else image.convert("L"), width_pt=width, height_pt=height)


# --- image files --------------------------------------------------------------------------------


def _open_frame(path: Path, page: Optional[int], limits: CropLimits) -> tuple[Image.Image, float]:
    """The frame turned upright, and the DPI its boxes were computed at (the reader's own rule)."""
    from extractors.readers.image import _page_dpi as reader_page_dpi

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
            if img.width * img.height > limits.max_source_pixels:
                raise CropRefused(f"来源图片像素过多（{img.width}×{img.height}），不予显示")
            frames = getattr(img, "n_frames", 1)
            index = 0 if page is None else page - 1
            if not 0 <= index < frames:
                raise CropRefused(f"来源页码无效：{page}（图片共 {frames} 帧）")
            img.seek(index)
            dpi = reader_page_dpi(img)
            upright = ImageOps.exif_transpose(img.copy()) or img.copy()
            upright.load()
    except CropRefused:
        raise
    except Exception as exc:  # Pillow raises many types for broken or hostile files
        raise CropRefused("来源图片无法打开（文件损坏或格式不支持）") from exc
    if upright.mode not in ("L", "RGB"):
        upright = upright.convert("RGB")
    return upright, dpi


def _resized(image: Image.Image, scale: float) -> Image.Image:
    if abs(scale - 1.0) < 1e-3:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC)


def _image_region(path: Path, src: Source, dpi: float, margin: float, limits: CropLimits) -> Image.Image:
    image, image_dpi = _open_frame(path, src.page, limits)
    px = image_dpi / 72.0
    x0, y0, x1, y1 = _clamp(src.bbox, image.width / px, image.height / px, margin)
    region = image.crop((round(x0 * px), round(y0 * px), round(x1 * px), round(y1 * px)))
    # Never enlarged past the scan's own pixels: more pixels than the scanner recorded add nothing.
    scale = min(1.0, _fit_scale(x1 - x0, y1 - y0, min(dpi, image_dpi), limits) / px)
    return _resized(region, scale)


def _image_page_marked(path: Path, src: Source, dpi: float, limits: CropLimits) -> Image.Image:
    image, image_dpi = _open_frame(path, src.page, limits)
    px = image_dpi / 72.0
    width, height = image.width / px, image.height / px
    scale = _fit_scale(width, height, min(dpi, image_dpi), limits)  # output pixels per point
    page = _resized(image, scale / px)
    if src.bbox is None:
        return page
    x0, y0, x1, y1 = _clamp(src.bbox, width, height, 0.0)
    return _mark(page, (x0 * scale, y0 * scale, x1 * scale, y1 * scale))


def _image_page_plain(path: Path, page_no: Optional[int], dpi: float, limits: CropLimits, grey: bool) -> "PageRaster":
    image, image_dpi = _open_frame(path, page_no, limits)
    px = image_dpi / 72.0
    width, height = image.width / px, image.height / px
    if grey and image.mode != "L":
        image = image.convert("L")  # before resizing: a third of the pixels to filter
    scale = _fit_scale(width, height, min(dpi, image_dpi), limits) / px
    if scale < 1 - 1e-3:
        # Shrunk in two steps (a box reduction, then Lanczos): a tenth of the CPU of Lanczos over
        # a whole scan, and no difference at the sizes a region is printed.
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    return PageRaster(image=image, width_pt=width, height_pt=height)


# --- one page, many regions ---------------------------------------------------------------------


class PageRaster(BaseModel):
    """A page drawn once, unmarked, and its size in the points its sources' bboxes use: the
    regions of one page are cut from it without drawing (or decoding a scan) again."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    image: Image.Image
    width_pt: float
    height_pt: float

    def region(self, bbox: BBox, margin_pt: float, limits: CropLimits) -> Image.Image:
        """The region with `margin_pt` around it (clamped to the page), within `limits`."""
        sx, sy = self.image.width / self.width_pt, self.image.height / self.height_pt
        x0, y0, x1, y1 = _clamp(bbox, self.width_pt, self.height_pt, margin_pt)
        box = (math.floor(x0 * sx), math.floor(y0 * sy), math.ceil(x1 * sx), math.ceil(y1 * sy))
        region = self.image.crop(box)
        return _within(region, limits)

    def covered(self, bbox: BBox, grey: int) -> "PageRaster":
        """A copy with the region filled flat: what it holds must not be shown (an ID number)."""
        sx, sy = self.image.width / self.width_pt, self.image.height / self.height_pt
        x0, y0, x1, y1 = _clamp(bbox, self.width_pt, self.height_pt, 0.0)
        image = self.image.copy()
        fill = grey if image.mode == "L" else (grey, grey, grey)
        ImageDraw.Draw(image).rectangle((math.floor(x0 * sx), math.floor(y0 * sy), math.ceil(x1 * sx), math.ceil(y1 * sy)), fill=fill)
        return PageRaster(image=image, width_pt=self.width_pt, height_pt=self.height_pt)

    def page(self, dpi: float, limits: CropLimits) -> Image.Image:
        """The whole page at `dpi` or below (never enlarged), within `limits`."""
        scale = min(1.0, _fit_scale(self.width_pt, self.height_pt, dpi, limits) * self.width_pt / self.image.width)
        return _resized(self.image, scale)


def _within(image: Image.Image, limits: CropLimits) -> Image.Image:
    w, h = image.size
    scale = min(1.0, limits.max_side_px / max(w, h, 1), (limits.max_pixels / max(w * h, 1)) ** 0.5)
    return _resized(image, scale)


def page_raster(
    batch_dir: Union[str, Path],
    file: str,
    page: Optional[int],
    *,
    dpi: float,
    limits: CropLimits = CropLimits(),
    grey: bool = False,
) -> Optional[PageRaster]:
    """The page of `file` (a PDF page, or an image's frame: `page` None for a single one) drawn
    once at `dpi` (an image never above its own resolution), or None when the file has no pages
    (a DOCX). Raises CropRefused as the other functions do."""
    path = source_path(batch_dir, file)
    kind = _kind(path)
    if kind == "pdf":
        return _pdf_page_plain(path, page, dpi, limits, grey)
    if kind == "image":
        return _image_page_plain(path, page, dpi, limits, grey)
    return None


# --- public -------------------------------------------------------------------------------------


def region_image(
    batch_dir: Union[str, Path],
    source: SourceLike,
    *,
    dpi: float = REGION_DPI,
    margin_pt: float = MARGIN_PT,
    limits: CropLimits = CropLimits(),
) -> Optional[Image.Image]:
    """The source's region with `margin_pt` around it, or None when the source has no region."""
    src = _as_source(source)
    if src.bbox is None:
        return None
    path = source_path(batch_dir, src.file)
    kind = _kind(path)
    if kind == "pdf":
        return _pdf_region(path, src, dpi, margin_pt, limits)
    if kind == "image":
        return _image_region(path, src, dpi, margin_pt, limits)
    return None


def page_image(
    batch_dir: Union[str, Path],
    source: SourceLike,
    *,
    dpi: float = PAGE_DPI,
    limits: CropLimits = CropLimits(),
) -> Optional[Image.Image]:
    """The source's whole page with its region marked (unmarked when it has no bbox), or None
    when the source is not a page (a DOCX cell)."""
    src = _as_source(source)
    path = source_path(batch_dir, src.file)
    kind = _kind(path)
    if kind == "pdf":
        return _pdf_page_marked(path, src, dpi, limits)
    if kind == "image":
        return _image_page_marked(path, src, dpi, limits)
    return None


def region_png(batch_dir: Union[str, Path], source: SourceLike, **options) -> Optional[bytes]:
    """`region_image` as PNG bytes."""
    image = region_image(batch_dir, source, **options)
    return None if image is None else _png(image)


def page_png(batch_dir: Union[str, Path], source: SourceLike, **options) -> Optional[bytes]:
    """`page_image` as PNG bytes."""
    image = page_image(batch_dir, source, **options)
    return None if image is None else _png(image)


COVER_GREY = 200  # flat and light: the reader sees that something is hidden, not what


def covered_png(
    kind: str, batch_dir: Union[str, Path], source: SourceLike, covers: Sequence[BBox]
) -> Optional[bytes]:
    """`region_png` (kind "crop") or `page_png` (kind "page") with the boxes in `covers` (on the
    source's page, in its points) filled flat before anything is cut or marked: a value the
    reader may only see masked (an ID number) is not drawn, whichever region shows it. The whole
    page is drawn once, so this costs a page render even for a small region."""
    src = _as_source(source)
    raster = page_raster(batch_dir, src.file, src.page, dpi=REGION_DPI if kind == "crop" else PAGE_DPI)
    if raster is None:
        return None
    for box in covers:
        raster = raster.covered(box, COVER_GREY)
    if kind == "crop":
        return None if src.bbox is None else _png(raster.region(src.bbox, MARGIN_PT, CropLimits()))
    image = raster.page(PAGE_DPI, CropLimits())
    if src.bbox is None:
        return _png(image)
    sx, sy = image.width / raster.width_pt, image.height / raster.height_pt
    x0, y0, x1, y1 = _clamp(src.bbox, raster.width_pt, raster.height_pt, 0.0)
    return _png(_mark(image, (x0 * sx, y0 * sy, x1 * sx, y1 * sy)))
