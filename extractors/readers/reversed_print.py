"""Light print on dark ground (a black title bar, a shaded header row) turned into dark on light.

Tesseract can read such print only by trying each doubtful line again with its tones flipped,
which it does for every line it reads with low confidence: seal remnants, photographs, faint
copies. On this project's pages those second tries were about a tenth of reading's CPU and
almost never won. The engine therefore does not try them (`engines.NO_FLIPPED_RETRY`), and the one
kind of line they were for is flipped here, once, before reading: a solid dark block with light
marks inside it.
"""

from __future__ import annotations

import cv2
import numpy as np

from extractors.readers.tones import grey_percentile

INK_LEVEL = 128  # mid-grey: the page is not normalised yet
# Reversed print is black ground with white marks. A region merely darker than the page (a
# shadow across a phone photo, a grey-shaded cell) holds dark print on grey: flipping it would
# make its print lighter than its ground, and nothing there would be read.
DARK_GROUND = 80  # the ground's median grey level at most
LIGHT_MARKS = 176  # the marks' median grey level at least
# A block's solid core survives an erosion this wide; strokes of print (under 0.03 in even in
# bold headings) and ruling lines (whitened before this step) do not.
CORE_IN = 0.06
MIN_HEIGHT_IN = 0.12  # one line of small print on its ground
MIN_WIDTH_IN = 0.4
MAX_PAGE_SHARE = 0.25  # more than this is a photograph or a dark page border, not a bar of print
SOLID_EDGE = 0.5  # a row or column belongs to the block while at least this share of it is dark
MIN_DARK = 0.55  # a block is mostly ground
MIN_LIGHT = 0.03  # and holds marks: a block with no light inside it has nothing to read
MIN_MARKS = 3  # light marks, as separate shapes: one light hole is a frame, not print


def flip_reversed_print(grey: np.ndarray, dpi: int) -> np.ndarray:
    """`grey` (a page, paper light) with every dark block holding light marks flipped to dark
    marks on paper; the same array when there is none."""
    core = max(3, int(round(CORE_IN * dpi)))
    if min(grey.shape[:2]) < MIN_HEIGHT_IN * dpi:
        return grey  # a sliver: no bar of print fits
    ink = cv2.compare(grey, INK_LEVEL, cv2.CMP_LT)
    eroded = cv2.erode(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (core, core)))
    if not cv2.countNonZero(eroded):
        return grey
    _, _, stats, _ = cv2.connectedComponentsWithStats(eroded, connectivity=8)
    out = grey
    page = float(grey.shape[0] * grey.shape[1])
    for x, y, w, h, _ in stats[1:]:
        box = _block(ink, x, y, w, h, core)
        if box is None:
            continue
        x0, y0, x1, y1 = box
        if (y1 - y0) < MIN_HEIGHT_IN * dpi or (x1 - x0) < MIN_WIDTH_IN * dpi or (x1 - x0) * (y1 - y0) > MAX_PAGE_SHARE * page:
            continue
        if not _holds_marks(grey[y0:y1, x0:x1], ink[y0:y1, x0:x1]):
            continue
        if out is grey:
            out = grey.copy()
        out[y0:y1, x0:x1] = cv2.bitwise_not(grey[y0:y1, x0:x1])
    return out


def _block(ink: np.ndarray, x: int, y: int, w: int, h: int, core: int) -> tuple[int, int, int, int] | None:
    """The core's box grown back by the erosion, then trimmed to the rows and columns that are
    mostly dark, so that the paper around a block is not flipped into a black frame."""
    hh, ww = ink.shape
    x0, y0 = max(0, x - core), max(0, y - core)
    x1, y1 = min(ww, x + w + core), min(hh, y + h + core)
    region = ink[y0:y1, x0:x1] > 0
    rows = np.flatnonzero(region.mean(axis=1) >= SOLID_EDGE)
    cols = np.flatnonzero(region.mean(axis=0) >= SOLID_EDGE)
    if rows.size == 0 or cols.size == 0:
        return None
    return x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1


def _holds_marks(grey: np.ndarray, ink: np.ndarray) -> bool:
    dark = cv2.countNonZero(ink) / float(ink.size)
    if dark < MIN_DARK or 1.0 - dark < MIN_LIGHT:
        return False
    light = cv2.bitwise_not(ink)
    if grey_percentile(grey, 50, ink) > DARK_GROUND or grey_percentile(grey, 50, light) < LIGHT_MARKS:
        return False
    # Light shapes that touch the block's edge are paper around it, not marks inside it.
    _, _, stats, _ = cv2.connectedComponentsWithStats(light, connectivity=8)
    h, w = ink.shape
    inside = 0
    for x, y, bw, bh, _ in stats[1:]:
        if x > 0 and y > 0 and x + bw < w and y + bh < h:
            inside += 1
            if inside >= MIN_MARKS:
                return True
    return False
