"""A title cell read as the end of several titles (级教师: the thin 一 of 一级教师 dropped on a
photographed page) is read again, and the second reading is taken only when it is one of them."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pytest

from extractors.readers.linerec import LineReading, Symbol
from extractors.readers.ocr_layout import Region, Word
from extractors.readers.preprocess import CellBox, Prepared
from extractors.readers.reread import region_text, reread_page
from extractors.reread_policy import FIELD_REREAD_POLICY

IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


class Answers:
    """A second recogniser answering one text, recording the crops it was shown."""

    def __init__(self, text: str, conf: float = 0.97):
        self.text, self.conf, self.crops = text, conf, []

    def available(self) -> bool:
        return True

    def read(self, grey: np.ndarray) -> Optional[LineReading]:
        self.crops.append(grey.shape)
        return LineReading(self.text, tuple(Symbol(ch, self.conf) for ch in self.text))


def _title_row(value: str) -> list[Region]:
    """A form's 申报职称 row, its value read surely."""
    label, cell = CellBox(0, 1, 0, (10, 10, 200, 70)), CellBox(0, 1, 1, (200, 10, 600, 70))
    return [Region(label, [Word("申报职称", (20, 20, 180, 60), 0.99, (1, 1, 1))]),
            Region(cell, [Word(value, (240, 20, 400, 60), 0.97, (1, 1, 2))])]


def _read(value: str, second: str) -> tuple[str, Answers]:
    prep = Prepared(np.full((200, 800), 255, np.uint8), [], IDENTITY, 0, 0.0, 300)
    rec = Answers(second)
    out = reread_page(_title_row(value), prep, FIELD_REREAD_POLICY, rec)
    return region_text(out[1]), rec


@pytest.mark.parametrize("read, second", (("级教师", "一级教师"), ("级工程师", "高级工程师"), ("任医师", "副主任医师")))
def test_a_title_read_without_its_first_glyph_is_read_again(read: str, second: str) -> None:
    got, rec = _read(read, second)
    assert got == second and len(rec.crops) == 1


@pytest.mark.parametrize("second", ("级教师", "教师", "一级教帅", "一级教师印"))
def test_a_second_reading_that_is_no_such_title_is_not_taken(second: str) -> None:
    got, _ = _read("级教师", second)
    assert got == "级教师"


@pytest.mark.parametrize("read", ("一级教师", "工程师", "主治医师"))
def test_a_title_read_whole_is_not_read_again(read: str) -> None:
    """A listed title is read as it is, though a longer title ends with it (工程师: 高级工程师)."""
    got, rec = _read(read, "高级工程师")
    assert got == read and rec.crops == []
