"""Every odd or broken file other projects keep for their own robustness tests, through the
isolated reader: each has its expected outcome written down here (read, with its page count, or
rejected, with the rejection's class and the Chinese words of its reason), and the reader must
give exactly that. Any other rejection is a bug: the isolation layer turns every exception into
a rejection with a message, so accepting "some rejection" would hide a reader that crashes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from dossierflow.config import Limits
from dossierflow.errors import CorruptFile, EncryptedFile, FileRejected
from extractors.readers.isolate import read_file_isolated
from tests.shared_dir import require_shared

# Small memory cap so a hostile file is stopped quickly; a timeout far above what any file here
# needs (the four OCR'd pages of cardinal.pdf are the slowest), so no outcome depends on the
# machine's speed.
LIMITS = replace(Limits(), file_timeout_s=240.0, file_memory_bytes=2 * 1024**3)

# What a Python exception leaks into a message: a class name or a traceback. A clerk cannot act
# on either; a rejection of a corpus file must say in Chinese what is wrong with the file.
PYTHON_LEAK = re.compile(r"Traceback|\b[A-Z]\w*(Error|Exception|Interrupt|Exit|Iteration)\b|\bbuiltins\b")


@dataclass(frozen=True)
class Reads:
    pages: int


@dataclass(frozen=True)
class Rejected:
    kind: type[FileRejected]
    words: str  # Chinese words the message must hold


EXPECTED: dict[str, Reads | Rejected] = {
    "ocrmypdf/2400dpi.pdf": Reads(1),
    "ocrmypdf/aspect.pdf": Reads(1),
    "ocrmypdf/cardinal.pdf": Reads(4),
    "ocrmypdf/ccitt.pdf": Reads(1),
    "ocrmypdf/encrypted_algo4.pdf": Reads(1),  # encrypted with an empty user password
    "ocrmypdf/enormous.pdf": Reads(1),
    "ocrmypdf/hugemono.pdf": Reads(1),
    "ocrmypdf/invalid.pdf": Rejected(CorruptFile, "损坏"),  # a header, then end of file
    "ocrmypdf/jbig2.pdf": Reads(1),
    "ocrmypdf/jbig2_baddevicen.pdf": Reads(1),
    "ocrmypdf/kcs.pdf": Reads(1),
    "ocrmypdf/livecycle.pdf": Reads(1),
    "ocrmypdf/negzero.pdf": Reads(1),
    "ocrmypdf/no_contents.pdf": Reads(1),
    "ocrmypdf/poster.pdf": Reads(1),
    "ocrmypdf/rotated_skew.pdf": Reads(1),
    "ocrmypdf/skew-encrypted.pdf": Rejected(EncryptedFile, "加密"),  # password "password"
    "py-pdf-sample-files/005-libreoffice-writer-password_libreoffice-writer-password.pdf": Rejected(EncryptedFile, "加密"),
    "py-pdf-sample-files/007-imagemagick-images_imagemagick-CCITTFaxDecode.pdf": Reads(1),
    "py-pdf-sample-files/010-pdflatex-forms_pdflatex-forms.pdf": Reads(1),
    "py-pdf-sample-files/015-arabic_habibi-rotated.pdf": Reads(4),
    # "Invalid object in /Pages": no page tree a reader can walk.
    "py-pdf-sample-files/017-unreadable-meta-data_unreadablemetadata.pdf": Rejected(CorruptFile, "损坏"),
    "py-pdf-sample-files/023-cmyk-image_cmyk-image.pdf": Reads(1),
    "python-docx/blk-containing-table.docx": Reads(1),
    "python-docx/comments-rich-para.docx": Reads(1),
    "python-docx/doc-no-coreprops.docx": Reads(1),
    "python-docx/doc-odd-even-hdrs.docx": Reads(1),
    "python-docx/having-images.docx": Reads(1),
    "python-docx/hdr-header-footer.docx": Reads(1),
    "python-docx/par-rendered-page-breaks.docx": Reads(1),
    "python-docx/sct-section-props.docx": Reads(1),
    "python-docx/set-no-settings-part.docx": Reads(1),
    "python-docx/shp-inline-shape-access.docx": Reads(1),
    "python-docx/sty-having-no-styles-part.docx": Reads(1),
    "python-docx/tbl-cell-access.docx": Reads(1),
    "python-docx/tbl-having-tables.docx": Reads(1),
}


def corpus() -> Path:
    return require_shared("corpus", "bad-inputs")


def test_every_corpus_file_has_an_expected_outcome() -> None:
    root = corpus()
    present = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.suffix.lower() in (".pdf", ".docx")}
    assert present == set(EXPECTED), f"unlisted: {sorted(present - set(EXPECTED))}; missing: {sorted(set(EXPECTED) - present)}"


@pytest.mark.timeout(300)
@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_bad_input_gives_its_expected_outcome(rel: str) -> None:
    expected = EXPECTED[rel]
    try:
        read = read_file_isolated(corpus() / rel, rel, LIMITS)
    except FileRejected as exc:
        message = str(exc)
        assert not PYTHON_LEAK.search(message), f"{rel}: a Python exception reached the message: {message}"
        assert isinstance(expected, Rejected), f"{rel} should read, was rejected: {type(exc).__name__} {message}"
        assert type(exc) is expected.kind and expected.words in message, f"{rel}: {type(exc).__name__} {message}"
        return
    assert isinstance(expected, Reads), f"{rel} should be rejected ({expected.kind.__name__}), was read"
    assert read.info.path == rel and read.info.pages == expected.pages and len(read.pages) == expected.pages
    for page in read.pages:
        for seg in page.segments:
            if page.coords == "pt":
                x0, y0, x1, y1 = seg.box
                assert x0 <= x1 and y0 <= y1


def test_a_merged_cell_is_read_once() -> None:
    merged = read_file_isolated(corpus() / "python-docx/tbl-cell-access.docx", "t.docx", LIMITS)
    cells = [s.cell for s in merged.pages[0].segments if s.cell]
    assert cells and len(cells) == len(set(cells)), "a merged cell must appear once"


@pytest.mark.parametrize("message", ["文件无法解析：KeyError: 'Root'", "Traceback (most recent call last):",
                                     "文件无法解析：PdfReadError: x", "失败：ValueError"])
def test_python_leak_pattern_catches_exception_names(message: str) -> None:
    assert PYTHON_LEAK.search(message)


@pytest.mark.parametrize("message", ["PDF 文件损坏，无法打开：Failed to load document (PDFium: Data format error).",
                                     "文件已加密，无法读取（已尝试空密码）"])
def test_python_leak_pattern_spares_clear_messages(message: str) -> None:
    assert not PYTHON_LEAK.search(message)
