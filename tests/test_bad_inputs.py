"""Every odd or broken file other projects keep for their own robustness tests, through the
isolated reader: each must give pages or a clear rejection, never a hang, crash or memory blow-up.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dossierflow.config import Limits
from dossierflow.errors import EncryptedFile, FileRejected
from extractors.readers.isolate import read_file_isolated

CORPUS = Path("/work/shared/corpus/bad-inputs")
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in (".pdf", ".docx"))
# Small limits so a hostile file is stopped quickly; the suite's own timeout bounds each case.
LIMITS = replace(Limits(), file_timeout_s=20.0, file_memory_bytes=2 * 1024**3)


@pytest.mark.skipif(not FILES, reason="bad-inputs corpus not present")
@pytest.mark.timeout(60)
@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CORPUS)) for p in FILES])
def test_bad_input_is_read_or_rejected_clearly(path: Path) -> None:
    rel = str(path.relative_to(CORPUS))
    try:
        read = read_file_isolated(path, rel, LIMITS)
    except FileRejected as exc:
        assert str(exc).strip(), f"{rel}: rejection without a message"
        return
    assert read.info.path == rel and read.info.pages >= 1
    assert read.pages, f"{rel}: read without pages"
    for page in read.pages:
        for seg in page.segments:
            if page.coords == "pt":
                x0, y0, x1, y1 = seg.box
                assert x0 <= x1 and y0 <= y1


def test_known_outcomes() -> None:
    """A few files whose right answer is known: password-protected and header-only PDFs."""
    if not FILES:
        pytest.skip("bad-inputs corpus not present")
    with pytest.raises(EncryptedFile):
        read_file_isolated(CORPUS / "ocrmypdf/skew-encrypted.pdf", "skew-encrypted.pdf", LIMITS)
    with pytest.raises(FileRejected):
        read_file_isolated(CORPUS / "ocrmypdf/invalid.pdf", "invalid.pdf", LIMITS)
    merged = read_file_isolated(CORPUS / "python-docx/tbl-cell-access.docx", "t.docx", LIMITS)
    cells = [s.cell for s in merged.pages[0].segments if s.cell]
    assert len(cells) == len(set(cells)), "a merged cell must appear once"
