"""The OCR engines behind `extractors.readers.engines`: the in-process API and the CLI agree, and
the fast one is the one a set-up machine uses."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from extractors.readers import engines
from extractors.readers.engines import TesseractApiEngine, TesseractCliEngine, words_from_tsv
from extractors.readers.preprocess import prepare
from extractors.readers.samples import render_form

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def prepared_form() -> tuple[np.ndarray, list[str]]:
    form = render_form(300)
    grey = np.asarray(form.image.convert("L"))
    return prepare(grey, 300).image, [cell.value for cell in form.values]


def test_setup_installs_the_in_process_engine() -> None:
    """setup.sh installs tesserocr; without it every page would pay a Tesseract start-up."""
    assert TesseractApiEngine.is_available()
    assert engines.default_engine_name() == "tesseract-api"


def test_api_and_cli_read_the_same_words(prepared_form) -> None:
    image, values = prepared_form
    api_text = "".join(w.text for w in TesseractApiEngine().words(image))
    cli_text = "".join(w.text for w in TesseractCliEngine().words(image))
    for value in values:
        assert value in api_text, value
        assert value in cli_text, value


@pytest.mark.parametrize(("turn", "upright_by"), [(cv2.ROTATE_90_CLOCKWISE, 270), (cv2.ROTATE_180, 180)])
def test_orientation_means_the_same_in_both_engines(prepared_form, turn, upright_by) -> None:
    """Both report the clockwise turn that makes the page upright (what the CLI calls Rotate)."""
    image, _ = prepared_form
    turned = cv2.rotate(image, turn)
    assert TesseractApiEngine().orientation(turned) == upright_by
    assert TesseractCliEngine().orientation(turned) == upright_by


def test_tsv_rows_become_words_without_junk() -> None:
    rows = [
        ["1", "1", "0", "0", "0", "0", "0", "0", "100", "100", "-1", ""],  # page row, not a word
        ["5", "1", "1", "1", "1", "1", "10", "20", "30", "40", "96.5", "王建国"],
        ["5", "1", "1", "1", "1", "2", "50", "20", "5", "40", "30.0", "|"],  # a ruling-line stub
        ["5", "1", "1", "1", "2", "1", "10", "80", "30", "40", "91.0", "|"],  # a confident bar stays
    ]
    words = words_from_tsv(rows)
    assert [(w.text, w.box, w.line_key) for w in words] == [
        ("王建国", (10, 20, 40, 60), (1, 1, 1)),
        ("|", (10, 80, 40, 120), (1, 1, 2)),
    ]
    assert words[0].conf == pytest.approx(0.965)


def test_unknown_engine_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    engines.default_engine_name.cache_clear()
    monkeypatch.setenv("DOSSIER_OCR_ENGINE", "abbyy")
    try:
        with pytest.raises(ValueError, match="abbyy"):
            engines.default_engine_name()
    finally:
        monkeypatch.delenv("DOSSIER_OCR_ENGINE")
        engines.default_engine_name.cache_clear()
