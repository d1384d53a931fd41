"""`unread_ink` labels only the marks of a character's size, in their own boxes, and finds
exactly the boxes that labelling the whole page with statistics (its first formulation) finds.

The pages are random and adversarial: scattered strokes and specks at every size around the
thresholds, marks nested in other marks' holes, marks touching the page's edges, words masking
parts of marks, more marks than MAX_BOXES.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from extractors.readers import unread_ink as ui
from extractors.readers.ocr_layout import Region, Word
from extractors.readers.preprocess import Prepared


def ref_unread_ink(regions: list[Region], prep: Prepared) -> list[tuple[int, int, int, int]]:
    image = prep.image
    ink = image < ui.INK_LEVEL
    h, w = ink.shape
    for region in regions:
        for word in region.words:
            x0, y0, x1, y1 = ui._text_extent(word.text, word.box)
            m = ui.WORD_MARGIN
            ink[max(0, y0 - m): min(h, y1 + m), max(0, x0 - m): min(w, x1 + m)] = False
    if not ink.any():
        return []
    dpi = max(prep.dpi, 1)
    join = max(1, int(ui.JOIN_IN * dpi))
    joined = cv2.dilate(ink.astype(np.uint8), np.ones((join, join), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    boxes = []
    for k in range(1, n):
        x, y, bw, bh, _ = (int(v) for v in stats[k])
        if bh < ui.MIN_HEIGHT_IN * dpi or bw < ui.MIN_WIDTH_IN * dpi:
            continue
        pixels = int(ink[y: y + bh, x: x + bw][labels[y: y + bh, x: x + bw] == k].sum())
        if pixels < ui.MIN_INK_PIXELS_IN2 * dpi * dpi:
            continue
        boxes.append((pixels, (x, y, x + bw, y + bh)))
    boxes.sort(reverse=True)
    return [box for _, box in boxes[: ui.MAX_BOXES]]


def random_page(rng: np.random.Generator, dpi: int) -> np.ndarray:
    h, w = int(rng.integers(dpi, 3 * dpi)), int(rng.integers(dpi, 3 * dpi))
    page = np.full((h, w), 255, np.uint8)
    for _ in range(int(rng.integers(5, 80))):
        x, y = int(rng.integers(-20, w)), int(rng.integers(-20, h))
        size = int(rng.integers(1, int(0.4 * dpi)))
        grey = int(rng.choice([0, 90, ui.INK_LEVEL - 1, ui.INK_LEVEL, 200]))
        kind = rng.integers(4)
        if kind == 0:
            cv2.line(page, (x, y), (x + size, y + int(rng.integers(-size, size + 1))), grey, int(rng.integers(1, 4)))
        elif kind == 1:  # a ring with a mark inside its hole
            cv2.circle(page, (x, y), size, grey, 2)
            cv2.circle(page, (x, y), max(1, size // 4), grey, -1)
        elif kind == 2:
            cv2.rectangle(page, (x, y), (x + size, y + size // 2), grey, -1)
        else:
            page[np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)] = grey
    noise = rng.random((h, w)) < 0.002
    page[noise] = 0
    return page


def random_regions(rng: np.random.Generator, shape: tuple[int, int]) -> list[Region]:
    h, w = shape
    words = []
    for i in range(int(rng.integers(0, 6))):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        box = (x0, y0, x0 + int(rng.integers(5, 300)), y0 + int(rng.integers(5, 60)))
        words.append(Word("字" * int(rng.integers(0, 4)), box, 0.9, (1, 1, i)))
    return [Region(None, words)]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("dpi", [150, 300])
def test_unread_ink_equals_whole_page_labelling(seed: int, dpi: int) -> None:
    rng = np.random.default_rng(seed)
    page = random_page(rng, dpi)
    prep = Prepared(page, [], np.eye(3)[:2], 0, 0.0, dpi)
    regions = random_regions(rng, page.shape)
    assert ui.unread_ink(regions, prep) == ref_unread_ink(regions, prep)


def test_more_marks_than_kept_keeps_the_largest() -> None:
    dpi = 150
    page = np.full((2 * dpi, 6 * dpi), 255, np.uint8)
    for i in range(ui.MAX_BOXES + 10):  # marks of growing size, far enough apart not to join
        x, y = 20 + (i % 25) * 35, 20 + (i // 25) * 150
        cv2.rectangle(page, (x, y), (x + 20, y + 20 + i), 0, -1)
    prep = Prepared(page, [], np.eye(3)[:2], 0, 0.0, dpi)
    found = ui.unread_ink([], prep)
    assert len(found) == ui.MAX_BOXES
    assert found == ref_unread_ink([], prep)
