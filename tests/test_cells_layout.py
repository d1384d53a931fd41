"""Words near a table cell's ruling lines stay whole and in their cell (issue #3: 包头市… read as 市…).

Boxes are shaped like Tesseract's on prepared 300 DPI pages: ruling lines are whitened, so two
cells side by side leave a gap of a few pixels between them, and Tesseract's word boxes often
start a few pixels left of the first glyph (or include a phantom mark made of the line's ghost).
"""

from __future__ import annotations

import numpy as np

from extractors.readers.ocr_layout import Word, group_words
from extractors.readers.preprocess import CellBox, Prepared

# Two rows of a three-column table; the whitened lines leave 8 px gaps between cells.
CELLS = [
    CellBox(0, 0, 0, (200, 400, 300, 490)),
    CellBox(0, 0, 1, (308, 400, 1200, 490)),
    CellBox(0, 0, 2, (1208, 400, 1600, 490)),
    CellBox(0, 1, 0, (200, 498, 300, 588)),
    CellBox(0, 1, 1, (308, 498, 1200, 588)),
    CellBox(0, 1, 2, (1208, 498, 1600, 588)),
]


def _prep(cells: list[CellBox] = CELLS) -> Prepared:
    return Prepared(
        image=np.zeros((10, 10), np.uint8), cells=cells, to_original=np.eye(3)[:2],
        rotation=0, skew=0.0, dpi=300,
    )


def _cells_text(words: list[Word]) -> dict[tuple[int, int, int], str]:
    return {s.cell: s.text for s in group_words(words, _prep()) if s.cell is not None}


def test_word_box_overhanging_the_left_line_keeps_its_first_glyph() -> None:
    # The box starts 6 px left of the cell (on the whitened line): no glyph lies there.
    words = [
        Word("1", (230, 425, 242, 465), 0.95, (1, 1, 1)),
        Word("包头市第一", (302, 425, 520, 466), 0.93, (1, 1, 1)),
        Word("中学", (530, 425, 620, 466), 0.95, (1, 1, 1)),
    ]
    texts = _cells_text(words)
    assert texts[(0, 0, 1)] == "包头市第一中学"
    assert texts[(0, 0, 0)] == "1"


def test_phantom_mark_from_the_line_goes_left_and_the_value_stays_whole() -> None:
    # Tesseract read the line's ghost as ” and ran it into the value's first word.
    words = [
        Word("2", (230, 523, 242, 563), 0.95, (1, 2, 1)),
        Word("”建筑", (282, 516, 416, 572), 0.19, (1, 2, 1)),
        Word("技术", (420, 520, 510, 566), 0.95, (1, 2, 1)),
    ]
    texts = _cells_text(words)
    assert texts[(0, 1, 1)] == "建筑技术"
    assert texts[(0, 1, 0)] == "2"  # the mark is edge junk, stripped


def test_word_centred_on_a_line_gap_joins_the_cell_it_overlaps_most() -> None:
    words = [
        Word("包", (296, 425, 318, 466), 0.9, (1, 1, 1)),  # centre x 307: on the whitened line
        Word("头市", (330, 425, 420, 466), 0.9, (1, 1, 1)),
    ]
    segs = group_words(words, _prep())
    assert [(s.cell, s.text) for s in segs] == [((0, 0, 1), "包头市")]


def test_word_truly_spanning_two_cells_is_still_split_at_the_line() -> None:
    words = [Word("姓名王建国", (210, 425, 520, 466), 0.9, (1, 1, 1))]
    texts = _cells_text(words)
    assert texts[(0, 0, 0)] == "姓名" and texts[(0, 0, 1)] == "王建国"


def test_glyph_given_a_colons_small_box_stays_in_its_label() -> None:
    # Tesseract boxed 期 as the colon after it (tiny, lower on the line); on its own height the
    # glyph looked like a line of its own and ended up after the date.
    words = [
        Word("填", (269, 1413, 310, 1455), 0.78, (1, 1, 9)),
        Word("表", (324, 1413, 356, 1455), 0.93, (1, 1, 9)),
        Word("日", (377, 1413, 433, 1455), 0.95, (1, 1, 9)),
        Word("期", (455, 1435, 460, 1451), 0.93, (1, 1, 9)),
        Word("2020", (498, 1413, 600, 1455), 0.92, (1, 1, 9)),
        Word("年", (604, 1404, 647, 1460), 0.90, (1, 1, 9)),
        Word("5", (646, 1404, 675, 1460), 0.97, (1, 1, 9)),
        Word("月", (674, 1404, 703, 1460), 0.97, (1, 1, 9)),
    ]
    segs = group_words(words, _prep([]))
    assert [s.text for s in segs] == ["填表日期2020年5月"]


def test_two_lines_in_one_cell_stay_in_reading_order() -> None:
    cell = CellBox(0, 0, 0, (100, 100, 900, 300))
    words = [
        Word("第二行", (120, 200, 300, 240), 0.9, (1, 1, 2)),
        Word("尾", (310, 120, 350, 160), 0.9, (1, 1, 1)),
        Word("第一行", (120, 120, 300, 160), 0.9, (1, 1, 1)),
    ]
    segs = group_words(words, _prep([cell]))
    assert [s.text.replace(" ", "") for s in segs] == ["第一行尾第二行"]


def test_a_word_boxed_by_its_first_glyph_only_does_not_cut_its_line() -> None:
    # Tesseract boxed ":包头" as its colon (6 px); the line's rest starts where 头 ends.
    words = [
        Word("工作", (231, 784, 314, 825), 0.96, (1, 1, 7)),
        Word("单位", (335, 784, 401, 824), 0.97, (1, 1, 7)),
        Word(":包头", (411, 798, 417, 818), 0.96, (1, 1, 7)),
        Word("市", (534, 783, 554, 823), 0.93, (1, 1, 7)),
        Word("东河区", (575, 783, 684, 823), 0.93, (1, 1, 7)),
    ]
    assert [s.text.replace(" ", "") for s in group_words(words, _prep([]))] == ["工作单位:包头市东河区"]
    # A true gap of several glyphs after a word boxed right still splits the line.
    words[2] = Word(":包头", (411, 798, 417 + 80, 818), 0.96, (1, 1, 7))
    words[3:] = [Word("市", (900, 783, 940, 823), 0.93, (1, 1, 7))]
    assert len(group_words(words, _prep([]))) == 2
