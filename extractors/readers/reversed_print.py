"""Light print on dark ground (a black title bar, a shaded header row) turned into dark on light.

Tesseract can read such print only by trying each doubtful line again with its tones flipped,
which it does for every line it reads with low confidence: seal remnants, photographs, faint
copies. On this project's pages those second tries were about a tenth of reading's CPU and
almost never won. The engine therefore does not try them (`engines.NO_FLIPPED_RETRY`), and the one
kind of line they were for is flipped here, once, before reading: a solid dark block with light
marks inside it.

A coloured bar (white or gold print on red, yellow on blue) is found by its luminance: the
greyscale the readers work on turns red into paper so that seals vanish, and a red bar with it,
leaving its white print white on near-white. The flipped block is stretched so that its ground
becomes paper, whatever its colour was, and its marks ink.
"""

from __future__ import annotations

import cv2
import numpy as np

from extractors.readers.tones import grey_percentile

INK_LEVEL = 128  # mid-grey: the page is not normalised yet
# Reversed print is black ground with white marks. A region merely darker than the page (a
# shadow across a phone photo, a grey-shaded cell) holds dark print on grey: flipping it would
# make its print lighter than its ground, and nothing there would be read.
# A printed colour ground is darker than this in luminance (a certificate's red about 75-110, a
# dark blue about 50); a grey shading that holds dark print is lighter, and so are its marks.
DARK_GROUND = 112  # the ground's median grey level at most
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
# A bar's light is its print, spread over many strokes. In a portrait on a coloured ground (an ID
# photo on red) the light is a face, and shoulders reaching the block's edge, beside a few
# highlights.
MARKS_SHARE = 0.5  # of the block's light pixels, at least this share in marks clear of its edge
MAX_MARK_SHARE = 0.5  # of the marks' light, at most this share in any one of them


Box = tuple[int, int, int, int]  # x0, y0, x1, y1


def flip_reversed_print(grey: np.ndarray, dpi: int, lum: np.ndarray | None = None) -> tuple[np.ndarray, list[Box]]:
    """`grey` (a page, paper light) with every dark block holding light marks flipped to dark
    marks on paper (the same array when there is none), and the blocks flipped. `lum`, the
    page's luminance where it differs from `grey` (a colour page whose red was made light), is
    where blocks are looked for and what a flipped block is made from."""
    tone = grey if lum is None else lum
    blocks = find_reversed_print(tone, dpi)
    if not blocks:
        return grey, []
    out = grey.copy()
    for (x0, y0, x1, y1), ground in blocks:
        out[y0:y1, x0:x1] = cv2.LUT(tone[y0:y1, x0:x1], _flip_table(ground))
    return out, [box for box, _ in blocks]


def find_reversed_print(tone: np.ndarray, dpi: int) -> list[tuple[Box, float]]:
    """The boxes (x0, y0, x1, y1) of the dark blocks holding light marks, each with its ground's
    median grey level."""
    core = max(3, int(round(CORE_IN * dpi)))
    if min(tone.shape[:2]) < MIN_HEIGHT_IN * dpi:
        return []  # a sliver: no bar of print fits
    ink = cv2.compare(tone, INK_LEVEL, cv2.CMP_LT)
    eroded = cv2.erode(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (core, core)))
    if not cv2.countNonZero(eroded):
        return []
    _, _, stats, _ = cv2.connectedComponentsWithStats(eroded, connectivity=8)
    page = float(tone.shape[0] * tone.shape[1])
    found = []
    for x, y, w, h, _ in stats[1:]:
        box = _block(ink, x, y, w, h, core)
        if box is None:
            continue
        x0, y0, x1, y1 = box
        if (y1 - y0) < MIN_HEIGHT_IN * dpi or (x1 - x0) < MIN_WIDTH_IN * dpi or (x1 - x0) * (y1 - y0) > MAX_PAGE_SHARE * page:
            continue
        ground = _ground_under_marks(tone[y0:y1, x0:x1], ink[y0:y1, x0:x1])
        if ground is not None:
            found.append((box, ground))
    return found


def _flip_table(ground: float) -> np.ndarray:
    """Grey level → flipped level: the ground's level becomes paper (255), white becomes ink (0).
    A black ground (0) is a plain flip."""
    levels = np.arange(256, dtype=np.float32)
    return np.clip((255.0 - levels) * (255.0 / max(255.0 - ground, 1.0)), 0, 255).astype(np.uint8)


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


def _ground_under_marks(grey: np.ndarray, ink: np.ndarray) -> float | None:
    """The block's ground level if it is mostly dark ground holding at least MIN_MARKS light
    marks; None otherwise."""
    dark = cv2.countNonZero(ink) / float(ink.size)
    if dark < MIN_DARK or 1.0 - dark < MIN_LIGHT:
        return None
    light = cv2.bitwise_not(ink)
    ground = grey_percentile(grey, 50, ink)
    if ground > DARK_GROUND or grey_percentile(grey, 50, light) < LIGHT_MARKS:
        return None
    # Light shapes that touch the block's edge are paper around it, not marks inside it.
    _, _, stats, _ = cv2.connectedComponentsWithStats(light, connectivity=8)
    h, w = ink.shape
    x, y, bw, bh, area = (stats[1:, i] for i in range(5))
    inside = (x > 0) & (y > 0) & (x + bw < w) & (y + bh < h)
    marks = area[inside]
    if marks.size < MIN_MARKS or marks.sum() < MARKS_SHARE * area.sum() or marks.max() > MAX_MARK_SHARE * marks.sum():
        return None
    return ground
