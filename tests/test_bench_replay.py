"""bench/replay.py judges a kept run again from the pages it cached: its extraction after reading
must be the run's own, or a replayed figure would measure something no run does."""

from __future__ import annotations

import sys
from pathlib import Path

from dossierflow.config import Limits
from dossierflow.inputs import DossierInput, InputFile
from dossierflow.models import FileInfo
from extractors.dossier import extract_dossier
from tests.test_calibration_map import pledge_page
from tests.test_fields import FOUR_COL, pt_page

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from bench.replay import extracted_again  # noqa: E402


def test_a_replay_extracts_from_the_cached_pages_as_the_run_did(tmp_path: Path) -> None:
    pages = {"A1/评审表.pdf": pt_page(FOUR_COL, file="A1/评审表.pdf"), "A1/承诺书.pdf": pledge_page("A1/承诺书.pdf")}

    def reader(f, limits, part=None):
        return FileInfo(path=f.rel, sha256=f.sha256, size=f.size, kind="pdf", pages=1), [pages[f.rel]]

    files = []
    for i, rel in enumerate(pages):
        (tmp_path / f"{i}.pdf").write_bytes(b"%PDF-1.4")
        files.append(InputFile(rel, tmp_path / f"{i}.pdf", str(i) * 64, 8))
    run = extract_dossier(DossierInput("A1", "A1", files=files), Limits(), reader)
    assert run.fields and run.evidence  # something to compare
    # the cache keeps what the run read; everything after reading is done again
    stale = run.model_copy(update={"documents": [], "fields": {}, "evidence": [], "form_fields": {}})
    again = extracted_again(stale)
    assert again.documents == run.documents
    assert again.fields == run.fields and again.form_fields == run.form_fields
    assert again.evidence == run.evidence
