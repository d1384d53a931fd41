"""A page fed into the scanner upside down is found before it is read, so it is read once, and a
wrong guess costs a reading, never a different one. Real rendered forms; the OCR engine is a
fake that reads well only what is upright."""

from __future__ import annotations

import numpy as np
import pytest

from extractors.readers import ocr
from extractors.readers.ocr import ocr_image
from extractors.readers.ocr_layout import Word
from extractors.readers.preprocess import prepare
from extractors.readers.samples import render_form
from extractors.readers.upside_down import looks_upside_down

DPI = 200


@pytest.fixture(scope="module")
def form() -> np.ndarray:
    return np.asarray(render_form(DPI).image.convert("L"))


class _ReadsUprightOnly:
    """Reads a page-sized image well when it looks like the upright form, badly otherwise, and
    keeps which of the two each whole-page reading was."""

    def __init__(self, upright: np.ndarray) -> None:
        self.upright = upright.astype(np.int16)
        self.pages: list[str] = []

    def words(self, image: np.ndarray) -> list[Word]:
        if image.shape != self.upright.shape:  # a strip of regions read again
            return []
        grey = image.astype(np.int16)
        upright = np.abs(grey - self.upright).mean() < np.abs(grey - self.upright[::-1, ::-1]).mean()
        self.pages.append("upright" if upright else "upside down")
        conf = 0.93 if upright else 0.3
        return [Word(t, (100 + 200 * i, 100, 180 + 200 * i, 140), conf, (1, 1, 1)) for i, t in enumerate(("姓名", "性别", "工作"))]

    def orientation(self, image: np.ndarray):
        return None


def test_a_form_turned_half_a_turn_looks_upside_down_before_any_reading(form: np.ndarray) -> None:
    assert not looks_upside_down(prepare(form, DPI, rotation=0).image, DPI)
    assert looks_upside_down(prepare(form[::-1, ::-1], DPI, rotation=0).image, DPI)


def test_a_blank_page_or_a_few_lines_say_nothing_about_orientation() -> None:
    blank = np.full((2339, 1654), 255, dtype=np.uint8)
    assert not looks_upside_down(blank, DPI)


def test_an_upside_down_page_is_read_once_turned(form: np.ndarray) -> None:
    engine = _ReadsUprightOnly(prepare(form, DPI).image)
    page = ocr_image(np.ascontiguousarray(form[::-1, ::-1]), DPI, engine)
    assert page.rotation == 180 and page.confidence is not None and page.confidence > 0.9
    # Read upright first, the page would have been read twice, the first time for nothing.
    assert engine.pages == ["upright"]


def test_a_wrong_guess_reads_the_page_upright_too_and_keeps_that_reading(form: np.ndarray, monkeypatch) -> None:
    engine = _ReadsUprightOnly(prepare(form, DPI).image)
    expected = ocr_image(form, DPI, engine)
    assert engine.pages == ["upright"] and expected.rotation == 0
    monkeypatch.setattr(ocr, "looks_upside_down", lambda image, dpi: True)
    engine.pages.clear()
    guessed = ocr_image(form, DPI, engine)
    assert engine.pages == ["upside down", "upright"]
    assert guessed == expected
