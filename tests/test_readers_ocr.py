"""Real Tesseract on rendered ruled forms: values come back in the right cells, boxes on the page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from dossierflow.config import Limits
from extractors.dossier import extracted_from
from extractors.readers import read_file
from extractors.readers.samples import degrade, image_pdf, render_form

pytestmark = pytest.mark.e2e
LIMITS = Limits()


def _cells_by_text(page) -> dict[str, tuple[int, int, int]]:
    return {s.text: s.cell for s in page.segments if s.cell is not None}


def test_degraded_scan_values_in_their_cells(tmp_path: Path) -> None:
    """200 DPI, skewed 2°, turned 90°, speckled and JPEG'd, wrapped as an image-only PDF."""
    form = render_form(200)
    scan = degrade(form.image, skew=2.0, rotate=90, noise=0.3, blur=0.6, jpeg_quality=60)
    pdf = tmp_path / "scan_0001.pdf"
    pdf.write_bytes(image_pdf(scan, 200))
    read = read_file(pdf, "A1/scan_0001.pdf", LIMITS)
    assert read.info.text_layer_pages == 0
    page = read.pages[0]
    assert page.method == "ocr" and page.rotation == 90
    assert page.skew == pytest.approx(2.0, abs=0.4)
    assert page.dpi == 200 and page.image_hash
    assert 0.7 < (page.ocr_confidence or 0) <= 1.0
    cells = _cells_by_text(page)
    found = 0
    for v in form.values:
        value_cell, label_cell = cells.get(v.value), cells.get(v.label)
        if value_cell and label_cell and value_cell[:2] == label_cell[:2] and value_cell[2] == label_cell[2] + 1:
            found += 1
    assert found >= len(form.values) - 2, f"only {found}/{len(form.values)} values next to their labels"


def test_upside_down_photo_of_page_maps_boxes_to_the_original(tmp_path: Path) -> None:
    """A JPG scanned upside down at 300 DPI: text reads right, boxes land where the ink is."""
    form = render_form(300)
    w, h = form.image.size
    upside_down = form.image.rotate(180)
    path = tmp_path / "IMG_2231.jpg"
    upside_down.convert("RGB").save(path, "JPEG", quality=85, dpi=(300, 300))
    page = read_file(path, "A1/IMG_2231.jpg", LIMITS).pages[0]
    assert page.rotation == 180
    assert page.width_pt == pytest.approx(w * 72 / 300, abs=1)
    name = next(v for v in form.values if v.label == "姓名")
    seg = next(s for s in page.segments if s.text == name.value)
    x0, y0, x1, y1 = name.box
    # In the upside-down file the cell sits at the point-mirrored position.
    expected = ((w - x1) * 0.24, (h - y1) * 0.24, (w - x0) * 0.24, (h - y0) * 0.24)
    assert seg.box == pytest.approx(expected, abs=4)



def test_a_single_image_is_cited_as_the_page_its_document_lists(tmp_path: Path) -> None:
    """A form photographed as one JPG: every field read from it and the document it is
    classified as name the same page, so a report or the station shows that picture once."""
    form = render_form(300)
    path = tmp_path / "IMG_0412.jpg"
    form.image.convert("RGB").save(path, "JPEG", quality=90, dpi=(300, 300))
    pages = read_file(path, "A1/IMG_0412.jpg", LIMITS).pages
    made = extracted_from(pages)
    listed = {(d.file, p) for d in made["documents"] for p in d.pages}
    assert listed == {("A1/IMG_0412.jpg", 1)}
    cited = {(v.source.file, v.source.page) for v in made["fields"].values()}
    assert cited and cited <= listed, cited

def _sandwich(path: Path, hidden: str) -> None:
    """An image-only page with an invisible text layer on top (what OCR tools write)."""
    form = render_form(150)
    buf = io.BytesIO()
    form.image.save(buf, "PNG")
    w_pt, h_pt = form.image.width * 72 / 150, form.image.height * 72 / 150
    c = canvas.Canvas(str(path), pagesize=(w_pt, h_pt))
    c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 0, 0, w_pt, h_pt)
    if "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", subfontIndex=0))
    t = c.beginText(72, h_pt - 200)
    t.setFont("wqy", 11)
    t.setTextRenderMode(3)
    t.textLine(hidden)
    c.drawText(t)
    c.save()


def test_hidden_text_layer_compared_with_ocr(tmp_path: Path) -> None:
    honest, forged = tmp_path / "honest.pdf", tmp_path / "forged.pdf"
    same = "专业技术资格评审表 姓名 王建国 性别 男 出生年月 1982年5月 最高学历 本科 工作单位 包头市第一建筑工程有限公司"
    _sandwich(honest, same)
    _sandwich(forged, "博士研究生 正高级工程师 国家级一等奖 享受国务院政府特殊津贴 自治区321人才工程一层次人选")
    honest_read = read_file(honest, "honest.pdf", LIMITS)
    forged_read = read_file(forged, "forged.pdf", LIMITS)
    assert honest_read.pages[0].method == "ocr" and forged_read.pages[0].method == "ocr"
    assert honest_read.info.hidden_text_disagreeing_pages == []
    assert forged_read.info.hidden_text_disagreeing_pages == [1]
