"""Strokes of large print are not ruling lines (issue #3: a title's 证书 was cut apart by whitening)."""

from __future__ import annotations

import cv2
import numpy as np

from extractors.readers.preprocess import drop_stray_strokes, find_lines, ink_mask, prepare

DPI = 300


def _form() -> np.ndarray:
    """A one-row, two-cell table (row 90 px high, as a form's rows are) and, below it, a large
    glyph: a 120 px vertical stroke with a short bar, touching no line."""
    img = np.full((1200, 1400), 255, np.uint8)
    cv2.rectangle(img, (100, 200), (1100, 290), 0, 3)  # the row's box
    cv2.line(img, (600, 200), (600, 290), 0, 3)  # the separator between its two cells
    cv2.rectangle(img, (400, 600), (408, 720), 0, -1)  # the glyph's vertical stroke
    cv2.rectangle(img, (360, 600), (450, 606), 0, -1)  # and its top bar
    for x in range(150, 1000, 120):  # a line of ordinary text in the first cell, for Otsu's sake
        cv2.putText(img, "A", (x, 270), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    return img


def test_isolated_long_stroke_is_not_a_line_but_a_row_separator_is() -> None:
    mask = ink_mask(_form())
    horiz, vert = drop_stray_strokes(*find_lines(mask, DPI), DPI)
    assert not vert[600:720, 400:409].any()  # the glyph's stroke stays ink
    assert vert[210:280, 598:603].any()  # the separator, 90 px, meets the row's lines: a line
    assert vert[210:280, 98:103].any() and horiz[198:203, 200:1000].any()


def test_prepare_keeps_large_glyph_strokes_and_whitens_the_grid() -> None:
    prep = prepare(_form(), DPI, rotation=0)
    assert prep.image[620:700, 401:407].max() < 128  # stroke still dark
    assert prep.image[220:270, 599:602].min() > 200  # separator whitened
    cells = sorted(c.box[0] for c in prep.cells)
    assert len(cells) == 2 and cells[0] < 600 < cells[1]


def test_prepare_takes_pages_too_small_to_hold_anything() -> None:
    # Slivers an image reader can hand over (a 1-pixel JPEG): prepared, not a crash.
    for shape in [(1, 1), (1, 40), (40, 1), (3, 3)]:
        prep = prepare(np.full(shape, 255, np.uint8), 300)
        assert prep.image.size > 0 and prep.cells == [] and prep.rotation == 0


def test_a_ruling_line_cut_by_a_seals_strokes_still_closes_its_cells() -> None:
    """A red seal over a table's corner is paper in the red channel: its strokes cut the bottom
    line into pieces 6-7 px apart, the last piece shorter than a line's run (a WeChat photo of
    a 送审表 on fresh seed 302 lost the row's last cell and the merged cell above it)."""
    img = np.full((1200, 2000), 255, np.uint8)
    cv2.rectangle(img, (100, 200), (1700, 290), 0, 3)
    cv2.rectangle(img, (100, 290), (1700, 380), 0, 3)
    cv2.line(img, (600, 200), (600, 380), 0, 3)
    cv2.line(img, (1100, 290), (1100, 380), 0, 3)
    for x0 in (1300, 1420, 1570):  # the seal's strokes crossing the bottom line
        img[372:390, x0 : x0 + 7] = 255
    prep = prepare(img, DPI, rotation=0)
    row = sorted(c.box for c in prep.cells if c.box[1] > 285)
    assert len(row) == 3 and row[-1][0] > 1095 and row[-1][2] > 1690


def test_the_tops_of_a_row_of_glyphs_are_not_a_line() -> None:
    """Top strokes of ten glyphs 8 px apart, level across 480 px (腹腔镜胆囊切除术围 in a cell,
    fresh seed 324): bridged like a seal-cut line they were whitened, and the title unreadable."""
    img = np.full((1200, 2000), 255, np.uint8)
    cv2.rectangle(img, (100, 200), (1700, 380), 0, 3)
    for i in range(10):
        x0 = 300 + i * 48
        img[600:604, x0 : x0 + 40] = 0  # the top stroke
        img[604:640, x0 + 18 : x0 + 22] = 0  # a stem under it
    prep = prepare(img, DPI, rotation=0)
    assert prep.image[600:604, 300:780].mean() < 128


def test_a_ruling_line_under_a_seals_rim_still_parts_its_rows() -> None:
    """A red seal whose rim runs along a ruling line hides it for over 100 px (red is paper in
    the greyscale): the rows above and below it became one cell, 拟申报职称 and 学历 one value
    (fresh seed 343). The line is there where red ink lies on its rows."""
    img = np.full((1200, 2000, 3), 255, np.uint8)
    for y in (200, 290, 380):
        cv2.line(img, (100, y), (1700, y), (0, 0, 0), 3)
    for x in (100, 600, 1700):
        cv2.line(img, (x, 200), (x, 380), (0, 0, 0), 3)
    cv2.putText(img, "A", (150, 270), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 3)
    red = (215, 45, 50)
    cv2.circle(img, (1450, 530), 240, red, 12)  # its top runs along the middle line
    cv2.putText(img, "SEAL", (1330, 560), cv2.FONT_HERSHEY_SIMPLEX, 2.5, red, 8)
    assert not (img[289:292, 1400:1500] == 0).all(axis=2).any()  # the line is red there
    prep = prepare(img, DPI, rotation=0)
    values = sorted(c.box for c in prep.cells if c.box[0] > 595)
    assert len(values) == 2 and values[0][3] <= 290 <= values[1][1]
    assert len(prep.cells) == 4  # the seal's own ring and lettering make no cell


def _ruled_row(stroke_from: int, stroke_len: int) -> np.ndarray:
    """A mask (255 = ink) holding one ruling line from x=100 to x=700 on rows 300-302, and a
    stroke on the same rows from `stroke_from` for `stroke_len` pixels."""
    mask = np.zeros((600, 1400), np.uint8)
    mask[300:303, 100:700] = 255
    mask[300:303, stroke_from : stroke_from + stroke_len] = 255
    return mask


def test_a_piece_of_line_a_seal_stroke_apart_is_the_line() -> None:
    """Seven pixels at 300 DPI is what a seal's stroke cuts out of a ruling line: the piece after
    it (a third of an inch, shorter than a line's run) belongs to the line, the gap filled."""
    horiz, _ = find_lines(_ruled_row(707, 100), DPI)
    assert horiz[301, 102:805].all()


def test_a_stroke_a_tenth_of_an_inch_past_a_line_is_not_the_line() -> None:
    """Writing that starts 30 px (0.1 inch) after a line's end, on its rows (a value written on
    from an underline), is text: bridging that far would whiten the start of the value."""
    horiz, _ = find_lines(_ruled_row(730, 100), DPI)
    assert horiz[301, 102:698].all()
    assert not horiz[300:303, 701:830].any()


def test_a_short_stroke_next_to_a_line_is_not_the_line() -> None:
    """A stroke shorter than a third of a line's run (a glyph's bar, 30 px) seven pixels past its
    end stays ink: only long pieces are a cut line's remains."""
    horiz, _ = find_lines(_ruled_row(707, 30), DPI)
    assert horiz[301, 102:698].all()
    assert not horiz[300:303, 701:737].any()
