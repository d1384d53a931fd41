"""PDF_EDITED on real scans read by the real reader (pdfium, pdfplumber, Tesseract).

A scanned 评审表 page is written by the programs batches come from; only the files with an
appended revision or a hidden text layer contradicting the image may be flagged, each lead naming
its sign.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

import pytest
from pypdf import PdfWriter

from dossierflow.config import Limits
from dossierflow.models import DossierExtraction
from extractors.readers import read_file
from extractors.readers.samples import render_form
from fixtures.scan_producers import Word, linearize, write_ocr_layer, write_pillow
from validators.integrity.single import pdf_edited_flags

pytestmark = pytest.mark.e2e
LIMITS = Limits()
DPI = 150


def _form():
    form = render_form(DPI)
    return form, form.image.convert("RGB")


def _agreeing_words() -> list[Word]:
    """What OCRmyPDF would write: each value of the page where the image shows it."""
    form, _ = _form()
    pt = 72 / DPI
    return [Word(c.value, c.box[0] * pt, c.box[1] * pt, c.box[2] * pt, c.box[3] * pt) for c in form.values]


def _scan(path: Path) -> None:
    write_pillow([_form()[1]], DPI, path, "Canon DR-C225 ScanGear", "Canon DR-C225 ScanGear")


def _linearized_scan(path: Path) -> None:
    _scan(path)
    linearize(path)


def _bilevel_scan(path: Path) -> None:
    write_pillow([_form()[1].convert("L").point(lambda v: 255 if v > 160 else 0, mode="1")], DPI, path, "HP Scan", "HP Scan")


def _ocr_layer(words: list[Word], producer: str = "ABBYY FineReader 15") -> Callable[[Path], None]:
    """A searchable scan, linearized. An OCRmyPDF producer grafts the layer as a form drawn under
    the image (the text is in the form, not the page's content); others draw it over the image."""

    def build(path: Path) -> None:
        write_ocr_layer([_form()[1]], DPI, [0], [words], path, producer, "EPSON Scan")
        linearize(path)

    return build


def _updated(build: Callable[[Path], None]) -> Callable[[Path], None]:
    def rebuild(path: Path) -> None:
        build(path)
        writer = PdfWriter(str(path), incremental=True)
        writer.add_metadata({"/ModDate": "D:20200601120000+08'00'"})
        buf = io.BytesIO()
        writer.write(buf)
        path.write_bytes(buf.getvalue())

    return rebuild


FORGED = [Word("博士研究生 正高级工程师 国家级一等奖 享受国务院政府特殊津贴 自治区321人才工程一层次人选", 72, 200, 540, 214)]

CASES = {
    # name: (builder, the signs the PDF_EDITED leads must name)
    "pillow-scan": (_scan, []),
    "qpdf-linearized-scan": (_linearized_scan, []),
    "bilevel-ccitt-scan": (_bilevel_scan, []),
    "linearized-ocr-layer-agreeing": (_ocr_layer(_agreeing_words()), []),
    "ocrmypdf-grafted-layer-agreeing": (_ocr_layer(_agreeing_words(), "ocrmypdf 13.4.0"), []),
    "ocrmypdf-grafted-layer-contradicting": (_ocr_layer(FORGED, "ocrmypdf 13.4.0"), ["hidden_text_disagrees"]),
    "linearized-scan-then-updated": (_updated(_linearized_scan), ["appended_revision"]),
    "ocr-layer-contradicting-image": (_ocr_layer(FORGED), ["hidden_text_disagrees"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pdf_edited_only_on_real_signs(tmp_path: Path, name: str) -> None:
    build, signs = CASES[name]
    path = tmp_path / "scan_0001.pdf"
    build(path)
    read = read_file(path, "A0001/scan_0001.pdf", LIMITS)
    assert [p.method for p in read.pages] == ["ocr"]  # a hidden layer is never taken as the page's text
    assert any("王建国" in s.text for s in read.pages[0].segments)
    ex = DossierExtraction(dossier_id="A0001", files=[read.info], pages=read.pages)
    flags = pdf_edited_flags(ex)
    assert [f.details["sign"] for f in flags] == signs
    for f in flags:
        assert f.message.startswith("扫描件 A0001/scan_0001.pdf 有编辑痕迹：")
        assert all(s.file == "A0001/scan_0001.pdf" for s in f.sources)
    if "appended_revision" in signs:
        assert read.info.linearized and "/L" in flags[0].message and "追加了 1 次增量修订" in flags[0].message
    if "hidden_text_disagrees" in signs:
        assert [s.page for s in flags[0].sources] == [1] and "第 1 页的隐藏文字层" in flags[0].message
