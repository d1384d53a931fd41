"""A PDF's revision structure on files real tools wrote: linearized, image-to-PDF, updated.

Every file here is made in the test by the program named (qpdf, img2pdf, Pillow, reportlab,
pikepdf, pypdf's incremental writer) or comes from the corpus of real broken inputs. An unedited
file must report no appended revision however many `%%EOF` markers it carries; an update appended
with pypdf must be counted, also after linearization.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from pathlib import Path
from typing import Callable

import img2pdf
import pytest
from PIL import Image, ImageDraw
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from extractors.readers.pdf_revisions import MAX_SECTIONS, linearized_length, read_revisions
from extractors.readers.pdf_structure import inspect_pdf
from fixtures.scan_producers import Word, add_pdfa_identification, write_ocr_layer, write_pillow

CORPUS = Path("/work/shared/corpus/bad-inputs")
DATE = dt.datetime(2020, 5, 20, 10, 0, 0)


def _page(mode: str = "RGB", dpi: int = 100) -> Image.Image:
    img = Image.new(mode, (int(8.27 * dpi), int(11.69 * dpi)), "white")
    d = ImageDraw.Draw(img)
    d.rectangle((80, 120, 700, 180), outline="black", width=3)
    d.text((100, 140), "scan page", fill="black")
    return img


def _reportlab(path: Path) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(2):
        c.drawString(72, 700, f"page {n + 1}")
        c.showPage()
    c.save()
    return path


def _pillow_jpeg(path: Path) -> Path:
    write_pillow([_page(), _page()], 100, path, "Canon DR-C225 ScanGear", "Canon DR-C225 ScanGear")
    return path


def _pillow_ccitt(path: Path) -> Path:
    write_pillow([_page("1"), _page("1")], 100, path, "HP Scan", "HP Scan")
    assert b"/CCITTFaxDecode" in path.read_bytes()
    return path


def _img2pdf(engine) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        buf = io.BytesIO()
        _page().save(buf, "JPEG", quality=85, dpi=(100, 100))
        path.write_bytes(img2pdf.convert([buf.getvalue()], creationdate=DATE, moddate=DATE, engine=engine))
        return path

    return build


def _pdfa(path: Path) -> Path:
    _pillow_jpeg(path)
    add_pdfa_identification(path, "KODAK Capture Pro", "KODAK Capture Pro")
    return path


def _ocr_layer(path: Path) -> Path:
    words = [[Word("专业技术资格评审表", 100, 80, 300, 96)], [Word("王建国", 100, 80, 150, 92)]]
    write_ocr_layer([_page(), _page()], 100, [0, 90], words, path, "ocrmypdf", "EPSON Scan")
    return path


def _qpdf(*options: str) -> Callable[[Callable[[Path], Path]], Callable[[Path], Path]]:
    def wrap(build: Callable[[Path], Path]) -> Callable[[Path], Path]:
        def rebuild(path: Path) -> Path:
            src = build(path.with_name("pre-" + path.name))
            subprocess.run(["qpdf", *options, str(src), str(path)], check=True)
            return path

        return rebuild

    return wrap


def _updated(build: Callable[[Path], Path], times: int = 1) -> Callable[[Path], Path]:
    """`build`'s file, then `times` revisions appended by pypdf's incremental writer."""

    def rebuild(path: Path) -> Path:
        build(path)
        for n in range(times):
            writer = PdfWriter(str(path), incremental=True)
            writer.add_metadata({"/Producer": f"PDF editor {n}"})
            with io.BytesIO() as buf:
                writer.write(buf)
                path.write_bytes(buf.getvalue())
        return path

    return rebuild


LINEARIZE = _qpdf("--linearize")
LINEARIZE_XREF_STREAMS = _qpdf("--linearize", "--object-streams=generate")

WRITERS: dict[str, tuple[Callable[[Path], Path], bool, int]] = {
    # name: (builder, linearized, appended revisions)
    "reportlab": (_reportlab, False, 0),
    "pillow-jpeg": (_pillow_jpeg, False, 0),
    "pillow-ccitt-g4": (_pillow_ccitt, False, 0),
    "img2pdf-internal": (_img2pdf(img2pdf.Engine.internal), False, 0),
    "img2pdf-pikepdf": (_img2pdf(img2pdf.Engine.pikepdf), True, 0),  # img2pdf linearizes through pikepdf
    "pikepdf-pdfa": (_pdfa, False, 0),
    "reportlab-ocr-layer": (_ocr_layer, False, 0),
    "qpdf-linearized-text": (LINEARIZE(_reportlab), True, 0),
    "qpdf-linearized-scan": (LINEARIZE(_pillow_jpeg), True, 0),
    "qpdf-linearized-xref-streams": (LINEARIZE_XREF_STREAMS(_pillow_jpeg), True, 0),
    "qpdf-linearized-ocr-layer": (LINEARIZE(_ocr_layer), True, 0),
    "pypdf-update": (_updated(_pillow_jpeg), False, 1),
    "pypdf-two-updates": (_updated(_pillow_jpeg, 2), False, 2),
    "pypdf-update-of-xref-stream-file": (_updated(_pdfa), False, 1),
    "linearized-then-updated": (_updated(LINEARIZE(_pillow_jpeg)), True, 1),
    "linearized-xref-streams-then-updated": (_updated(LINEARIZE_XREF_STREAMS(_pillow_jpeg)), True, 1),
    "linearized-ocr-layer-then-updated": (_updated(LINEARIZE(_ocr_layer)), True, 1),
    "img2pdf-linearized-then-updated": (_updated(_img2pdf(img2pdf.Engine.pikepdf), 2), True, 2),
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_revisions_of_real_writers(tmp_path: Path, name: str) -> None:
    build, linearized, appended = WRITERS[name]
    path = build(tmp_path / "file.pdf")
    data = path.read_bytes()
    st = inspect_pdf(path, data)
    assert st.pages >= 1
    assert (st.linearized, st.incremental_updates) == (linearized, appended)
    assert st.original_end is not None and st.original_end <= len(data)
    if linearized:
        assert st.original_end == linearized_length(data)
    if appended == 0:
        assert data[st.original_end :].strip(b"\r\n\0 ") == b""  # the first save is the whole file


def test_linearized_file_has_two_eof_markers_and_no_update(tmp_path: Path) -> None:
    """What the old %%EOF count flagged: qpdf's linearized output has two markers by design."""
    path = LINEARIZE(_pillow_jpeg)(tmp_path / "lin.pdf")
    data = path.read_bytes()
    assert len(re.findall(rb"%%EOF", data)) == 2
    assert read_revisions(data).updates == 0


@pytest.mark.parametrize("name, linearized", [("ocrmypdf/rotated_skew.pdf", True),
                                              ("py-pdf-sample-files/017-unreadable-meta-data_unreadablemetadata.pdf", True)])
def test_linearized_corpus_files(name: str, linearized: bool) -> None:
    data = (CORPUS / name).read_bytes()
    rev = read_revisions(data)
    assert rev.linearized is linearized and rev.updates == 0 and rev.original_end == len(data)


def test_no_corpus_file_reports_an_update() -> None:
    files = sorted(CORPUS.rglob("*.pdf"))
    assert len(files) > 10
    assert {f.name: read_revisions(f.read_bytes()).updates for f in files if read_revisions(f.read_bytes()).updates} == {}


def test_corpus_scan_linearized_then_updated(tmp_path: Path) -> None:
    path = tmp_path / "rotated_skew.pdf"
    path.write_bytes((CORPUS / "ocrmypdf/rotated_skew.pdf").read_bytes())
    _updated(lambda p: p)(path)
    rev = read_revisions(path.read_bytes())
    assert rev.linearized and rev.updates == 1 and rev.appended[0] >= rev.original_end


# Hostile structures: bounded, never raising, never reporting an update they do not show.


def _updated_bytes(tmp_path: Path) -> bytes:
    return _updated(_pillow_jpeg)(tmp_path / "u.pdf").read_bytes()


def test_prev_loop_ends(tmp_path: Path) -> None:
    data = _updated_bytes(tmp_path)
    last = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    prev = re.search(rb"/Prev\s+(\d+)", data[last:])
    assert prev is not None
    looped = data[: last + prev.start(1)] + str(last).encode().rjust(len(prev.group(1))) + data[last + prev.end(1) :]
    rev = read_revisions(looped)
    assert rev.updates == 0  # a /Prev naming its own section points nowhere back


def test_prev_to_nowhere_and_broken_startxref(tmp_path: Path) -> None:
    data = _updated_bytes(tmp_path)
    nowhere = re.sub(rb"/Prev\s+\d+", b"/Prev 99999999", data)
    assert read_revisions(nowhere).updates == 0
    broken = re.sub(rb"startxref\s+\d+\s+%%EOF\s*\Z", b"startxref\n123456789012\n%%EOF\n", data)
    assert broken != data
    rev = read_revisions(broken)
    # The earlier startxref gives the original end; the update is still found after it.
    assert rev.original_end == read_revisions(data).original_end and rev.updates == 1
    assert read_revisions(b"%PDF-1.4\n%%EOF\n%%EOF\n%%EOF\n") == read_revisions(b"")
    assert read_revisions(b"%PDF-1.4\n%%EOF\n").original_end is None


def test_chain_is_bounded(tmp_path: Path) -> None:
    """More sections than MAX_SECTIONS: counted up to the bound, not followed forever."""
    parts = [b"%PDF-1.4\n"]
    offsets: list[int] = []
    pos = len(parts[0])
    for _ in range(MAX_SECTIONS + 20):
        prev = f" /Prev {offsets[-1]}" if offsets else ""
        section = f"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1{prev} >>\nstartxref\n{pos}\n%%EOF\n".encode()
        offsets.append(pos)
        parts.append(section)
        pos += len(section)
    rev = read_revisions(b"".join(parts))
    assert rev.updates == MAX_SECTIONS - 1


def test_false_starts_after_the_end_are_not_sections(tmp_path: Path) -> None:
    """Bytes appended after the original end that only look like sections (objects without
    /Type /XRef, xref keywords without a trailer) are no update, and each costs a bounded look."""
    data = _pillow_jpeg(tmp_path / "s.pdf").read_bytes()
    junk = b"1 0 obj <<\n" * 20_000 + b"xref\n" * 2_000 + b"7 0 obj << /Prev 10 >>\nendobj\n"
    rev = read_revisions(data + junk)
    assert rev.updates == 0 and rev.original_end == read_revisions(data).original_end
