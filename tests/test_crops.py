"""Evidence crops on real generated files: the region a source's bbox names is the region shown.

Two kinds of check. Geometry: a black bar drawn at known pixels of a scanned page (PDF and
image, with and without a stored DPI, turned by EXIF) must sit exactly where the crop says.
Reading: the real readers read a text PDF, a scanned PDF and an image; the crop of the segment
they read a value from is OCR'd again by Tesseract and must show that value.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from dossierflow.config import Limits
from dossierflow.crops import CropLimits, CropRefused, page_image, page_png, region_image, region_png, source_path
from extractors.readers import read_file
from extractors.readers.engines import default_engine

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
A4_PX_200 = (1654, 2339)  # A4 at 200 DPI
BAR_PX = (400, 600, 1000, 700)  # the black bar, in 200 DPI pixels of the page


def _font() -> str:
    if "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", FONT, subfontIndex=0))
    return "wqy"


def _bar_page() -> Image.Image:
    page = Image.new("L", A4_PX_200, 255)
    arr = np.asarray(page).copy()
    x0, y0, x1, y1 = BAR_PX
    arr[y0:y1, x0:x1] = 0
    return Image.fromarray(arr)


def _bar_bbox(dpi: float = 200.0) -> list[float]:
    return [v * 72.0 / dpi for v in BAR_PX]


def _dark_box(image: Image.Image) -> tuple[int, int, int, int]:
    """The bounding box of the dark pixels of an image."""
    arr = np.asarray(image.convert("L")) < 128
    ys, xs = np.nonzero(arr)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _scanned_pdf(path: Path, image: Image.Image, dpi: int = 200) -> Path:
    image.convert("RGB").save(path, format="PDF", resolution=dpi)
    return path


def _text_pdf(path: Path) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    font = _font()
    w, h = A4
    c.setFont(font, 16)
    c.drawString(200, h - 80, "专业技术资格评审表")
    c.setFont(font, 12)
    c.drawString(80, h - 200, "工作单位")
    c.drawString(300, h - 200, "包头钢铁公司")
    c.drawString(80, h - 400, "申报资格")
    c.drawString(300, h - 400, "高级工程师")
    c.showPage()
    c.save()
    return path


def _ocr_text(image: Image.Image) -> str:
    words = default_engine().words(np.asarray(image.convert("L")))
    return "".join(w.text for w in words)


def _segment_box(read, text: str) -> tuple[int, list[float]]:
    for page in read.pages:
        for seg in page.segments:
            if text in seg.text:
                return page.page, list(seg.box)
    raise AssertionError(f"{text} not read: {[s.text for p in read.pages for s in p.segments]}")


# --- geometry -----------------------------------------------------------------------------------


def test_scanned_pdf_region_is_the_bbox_with_its_margin(tmp_path):
    _scanned_pdf(tmp_path / "scan.pdf", _bar_page())
    src = {"file": "scan.pdf", "page": 1, "bbox": _bar_bbox()}
    crop = region_image(tmp_path, src, dpi=200, margin_pt=18)
    margin_px = 18 * 200 / 72  # 50 px
    x0, y0, x1, y1 = BAR_PX
    assert crop.size == pytest.approx((x1 - x0 + 2 * margin_px, y1 - y0 + 2 * margin_px), abs=2)
    assert _dark_box(crop) == pytest.approx((margin_px, margin_px, margin_px + x1 - x0, margin_px + y1 - y0), abs=2)


def test_region_png_is_a_png_of_the_region(tmp_path):
    _scanned_pdf(tmp_path / "scan.pdf", _bar_page())
    data = region_png(tmp_path, {"file": "scan.pdf", "page": 1, "bbox": _bar_bbox()}, margin_pt=0)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    crop = Image.open(io.BytesIO(data))
    # No margin: the crop is all bar (edges antialiased by the render).
    assert float(np.mean(np.asarray(crop.convert("L"))[3:-3, 3:-3] < 128)) > 0.99


def test_rotated_pdf_page_boxes_are_in_the_upright_page(tmp_path):
    """A page with /Rotate 90 is read (and its boxes given) as pdfium renders it, turned."""
    # Stored turned a quarter counter-clockwise; /Rotate 90 turns it back clockwise for display.
    _scanned_pdf(tmp_path / "flat.pdf", _bar_page().rotate(90, expand=True))
    writer = PdfWriter(clone_from=PdfReader(tmp_path / "flat.pdf"))
    writer.pages[0].rotate(90)
    writer.write(tmp_path / "turned.pdf")
    src = {"file": "turned.pdf", "page": 1, "bbox": _bar_bbox()}
    crop = region_image(tmp_path, src, dpi=200, margin_pt=0)
    x0, y0, x1, y1 = BAR_PX
    assert crop.size == pytest.approx((x1 - x0, y1 - y0), abs=2)
    assert float(np.mean(np.asarray(crop.convert("L"))[3:-3, 3:-3] < 128)) > 0.99
    big = CropLimits(max_side_px=3000, max_pixels=5_000_000)
    whole = page_image(tmp_path, {"file": "turned.pdf", "page": 1}, dpi=200, limits=big)
    assert whole.size == pytest.approx(A4_PX_200, abs=2)
    assert _dark_box(whole) == pytest.approx(BAR_PX, abs=2)


def test_whole_page_marks_the_region_in_red(tmp_path):
    _scanned_pdf(tmp_path / "scan.pdf", _bar_page())
    page = page_image(tmp_path, {"file": "scan.pdf", "page": 1, "bbox": _bar_bbox()}, dpi=100)
    assert page.size == pytest.approx((A4_PX_200[0] / 2, A4_PX_200[1] / 2), abs=2)
    rgb = np.asarray(page).astype(int)
    red = (rgb[..., 0] > 180) & (rgb[..., 1] < 60) & (rgb[..., 2] < 60)
    ys, xs = np.nonzero(red)
    x0, y0, x1, y1 = (v / 2 for v in BAR_PX)
    # The outline hugs the bar, just outside it.
    assert xs.min() == pytest.approx(x0, abs=6) and xs.max() == pytest.approx(x1, abs=6)
    assert ys.min() == pytest.approx(y0, abs=6) and ys.max() == pytest.approx(y1, abs=6)
    # And an unmarked page has no red at all.
    plain = np.asarray(page_image(tmp_path, {"file": "scan.pdf", "page": 1}, dpi=100).convert("RGB")).astype(int)
    assert not ((plain[..., 0] > 180) & (plain[..., 1] < 60)).any()


@pytest.mark.parametrize("stored_dpi", [150, None])
def test_image_region_uses_the_readers_dpi(tmp_path, stored_dpi):
    """Boxes of an image are points at its stored DPI, or at the DPI the reader guessed (an A4
    page without one is taken as A4 wide)."""
    page = _bar_page()
    if stored_dpi:
        page.save(tmp_path / "p.png", dpi=(stored_dpi, stored_dpi))
        dpi = stored_dpi
    else:
        page.save(tmp_path / "p.png")
        dpi = A4_PX_200[0] / 8.27
    crop = region_image(tmp_path, {"file": "p.png", "page": None, "bbox": _bar_bbox(dpi)}, margin_pt=0, dpi=1000)
    x0, y0, x1, y1 = BAR_PX
    # Never enlarged beyond the image's own pixels.
    assert crop.size == pytest.approx((x1 - x0, y1 - y0), abs=2)
    assert float(np.mean(np.asarray(crop)[2:-2, 2:-2] < 128)) > 0.99


def test_image_turned_by_exif_is_cropped_upright(tmp_path):
    """The reader turns an image by its EXIF orientation first; boxes are on the turned image."""
    stored = _bar_page().rotate(-90, expand=True)  # EXIF 6: display turned 90° clockwise
    exif = Image.Exif()
    exif[0x0112] = 8
    stored.save(tmp_path / "p.jpg", dpi=(200, 200), exif=exif, quality=95)
    big = CropLimits(max_side_px=3000, max_pixels=5_000_000)
    whole = page_image(tmp_path, {"file": "p.jpg", "page": None}, dpi=200, limits=big)
    assert whole.size == A4_PX_200
    assert _dark_box(whole) == pytest.approx(BAR_PX, abs=3)
    crop = region_image(tmp_path, {"file": "p.jpg", "page": None, "bbox": _bar_bbox()}, margin_pt=0)
    assert crop.size == pytest.approx((BAR_PX[2] - BAR_PX[0], BAR_PX[3] - BAR_PX[1]), abs=2)


def test_multi_frame_tiff_page_is_its_frame(tmp_path):
    blank = Image.new("L", A4_PX_200, 255)
    blank.save(tmp_path / "b.tif", save_all=True, append_images=[_bar_page()], dpi=(200, 200))
    src = {"file": "b.tif", "page": 2, "bbox": _bar_bbox()}
    assert float(np.mean(np.asarray(region_image(tmp_path, src, margin_pt=0)) < 128)) > 0.95
    first = region_image(tmp_path, {**src, "page": 1}, margin_pt=0)
    assert float(np.mean(np.asarray(first) < 128)) == 0.0


def test_output_is_capped(tmp_path):
    _scanned_pdf(tmp_path / "scan.pdf", _bar_page())
    limits = CropLimits(max_side_px=300, max_pixels=50_000)
    page = page_image(tmp_path, {"file": "scan.pdf", "page": 1}, dpi=600, limits=limits)
    assert max(page.size) <= 300 and page.width * page.height <= 50_000
    crop = region_image(tmp_path, {"file": "scan.pdf", "page": 1, "bbox": [0, 0, 595, 842]}, dpi=600, limits=limits)
    assert max(crop.size) <= 300 and crop.width * crop.height <= 50_000


# --- what has no picture, and what is refused -----------------------------------------------------


def test_docx_source_has_no_picture(tmp_path):
    import docx

    doc = docx.Document()
    doc.add_table(rows=1, cols=2).rows[0].cells[0].text = "姓名"
    doc.save(tmp_path / "f.docx")
    src = {"file": "f.docx", "page": None, "locator": "table 1, row 1, cell 2"}
    assert region_png(tmp_path, src) is None
    assert page_png(tmp_path, src) is None


@pytest.mark.parametrize("file", ["../outside.pdf", "/etc/passwd", "sub/../../outside.pdf", "link/outside.pdf", ""])
def test_paths_outside_the_batch_are_refused(tmp_path, file):
    batch = tmp_path / "batch"
    batch.mkdir()
    _scanned_pdf(tmp_path / "outside.pdf", _bar_page())
    (batch / "link").symlink_to(tmp_path)
    with pytest.raises(CropRefused):
        region_png(batch, {"file": file, "page": 1, "bbox": _bar_bbox()})
    with pytest.raises(CropRefused):
        source_path(batch, file)


def test_bad_pages_and_files_are_refused_in_chinese(tmp_path):
    _scanned_pdf(tmp_path / "scan.pdf", _bar_page())
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    cases = [
        {"file": "scan.pdf", "page": 2, "bbox": _bar_bbox()},
        {"file": "scan.pdf", "page": 1, "bbox": [900, 900, 1000, 1000]},
        {"file": "broken.pdf", "page": 1, "bbox": _bar_bbox()},
        {"file": "broken.png", "page": None, "bbox": _bar_bbox()},
        {"file": "missing.pdf", "page": 1, "bbox": _bar_bbox()},
    ]
    for src in cases:
        with pytest.raises(CropRefused) as info:
            region_png(tmp_path, src)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value)), src


def test_huge_source_image_is_refused_before_decoding(tmp_path):
    Image.new("L", (3000, 3000), 255).save(tmp_path / "big.png")
    with pytest.raises(CropRefused):
        page_png(tmp_path, {"file": "big.png", "page": None}, limits=CropLimits(max_source_pixels=1_000_000))


# --- the readers' boxes, read back -------------------------------------------------------------


def test_text_pdf_crop_shows_the_value_the_reader_read(tmp_path):
    _text_pdf(tmp_path / "form.pdf")
    read = read_file(tmp_path / "form.pdf", "form.pdf", Limits())
    page, box = _segment_box(read, "包头钢铁公司")
    crop = region_image(tmp_path, {"file": "form.pdf", "page": page, "bbox": box}, margin_pt=4)
    text = _ocr_text(crop)
    assert "包头钢铁公司" in text
    # The reader's segment is the line (label and value); the next line is not in the crop.
    assert "高级工程师" not in text and "申报资格" not in text


def test_text_pdf_turned_page_boxes_agree_with_the_render(tmp_path):
    """On a page shown turned (/Rotate 90) pdfplumber's boxes (the text reader's space) name
    the same place as pdfium's turned render."""
    import pdfplumber

    _text_pdf(tmp_path / "form.pdf")
    writer = PdfWriter(clone_from=PdfReader(tmp_path / "form.pdf"))
    writer.pages[0].rotate(90)
    writer.write(tmp_path / "form.pdf")
    with pdfplumber.open(tmp_path / "form.pdf") as pdf:
        chars = [c for c in pdf.pages[0].chars if c["text"] in "包头钢铁公司"]
    box = [min(c["x0"] for c in chars), min(c["top"] for c in chars),
           max(c["x1"] for c in chars), max(c["bottom"] for c in chars)]
    crop = region_image(tmp_path, {"file": "form.pdf", "page": 1, "bbox": box}, margin_pt=4)
    assert crop.height > crop.width  # the line runs down the turned page
    text = _ocr_text(crop.rotate(90, expand=True))  # turned back to read it
    assert "包头钢铁公司" in text
    assert "高级工程师" not in text


@pytest.mark.parametrize("as_image", [False, True])
def test_scan_crop_shows_the_value_the_reader_read(tmp_path, as_image):
    """A scanned page (image PDF at 150 DPI, or a PNG without DPI) read by the real OCR reader."""
    _text_pdf(tmp_path / "form.pdf")
    from fixtures.render_scan import rasterise

    page_img = rasterise((tmp_path / "form.pdf").read_bytes(), 150)[0]
    name = "scan.png" if as_image else "scan.pdf"
    if as_image:
        page_img.save(tmp_path / name)
    else:
        _scanned_pdf(tmp_path / name, page_img, dpi=150)
    read = read_file(tmp_path / name, name, Limits())
    page, box = _segment_box(read, "高级工程师")
    crop = region_image(tmp_path, {"file": name, "page": page, "bbox": box}, margin_pt=4)
    text = _ocr_text(crop)
    assert "高级工程师" in text
    assert "包头钢铁公司" not in text and "申报资格" not in text
