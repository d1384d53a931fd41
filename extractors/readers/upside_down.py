"""Whether a prepared page looks upside down, from where its text lines start and end: no OCR.

Lines of a form or a letter start at a few shared places (a cell's left margin, a paragraph's
edge) and end wherever their text runs out. Turned half a turn, the shared edges are on the
right. Telling that from the lines' boxes costs about 2% of reading the page; reading an
upside-down page upright first, only to find it unreadable and read it again turned, costs a
whole reading. The test only chooses which way the page is read first: the page reader
(`ocr.ocr_image`) still reads the other way when the first reading is poor, so a wrong guess
costs a reading, never a different one.
"""

from __future__ import annotations

import cv2
import numpy as np

SAMPLE_DPI = 75  # enough to see a line's box; a quarter of the prepared page's pixels
INK_LEVEL = 160  # prepared pages have white paper: anything darker is ink
JOIN_INCH = 0.09  # glyphs of one line are closer than this; lines and columns further apart
LINE_HEIGHT_INCH = (0.08, 0.22)  # a line of print from about 6 to 16 points
LINE_MIN_LENGTH = 3  # a line of text is at least this many times as long as it is high
ALIGN_INCH = 1.0 / SAMPLE_DPI  # two lines whose edges are this close share the edge
MIN_LINES = 8  # fewer lines say too little about alignment
MARGIN = 0.08  # share of aligned line ends above that of aligned line starts


def line_boxes(image: np.ndarray, dpi: int) -> np.ndarray:
    """(x, y, w, h) of the text lines of a prepared page, in pixels at SAMPLE_DPI."""
    f = SAMPLE_DPI / float(dpi) if dpi > 0 else 0.25
    small = cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else image
    ink = (small < INK_LEVEL).astype(np.uint8)
    join = max(1, int(round(JOIN_INCH * SAMPLE_DPI)))
    lines = cv2.dilate(ink, np.ones((1, join), np.uint8))
    _, _, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    boxes = stats[1:, :4]
    low, high = (v * SAMPLE_DPI for v in LINE_HEIGHT_INCH)
    keep = (boxes[:, 3] >= low) & (boxes[:, 3] <= high) & (boxes[:, 2] >= LINE_MIN_LENGTH * boxes[:, 3])
    return boxes[keep]


def _aligned_share(edges: np.ndarray) -> float:
    """Share of neighbouring edges (in sorted order) that lie within ALIGN_INCH of each other."""
    gaps = np.diff(np.sort(edges))
    return float(np.mean(gaps <= ALIGN_INCH * SAMPLE_DPI)) if len(gaps) else 0.0


def looks_upside_down(image: np.ndarray, dpi: int) -> bool:
    """True when the page's line ends line up clearly better than its line starts."""
    boxes = line_boxes(image, dpi)
    if len(boxes) < MIN_LINES:
        return False
    starts = _aligned_share(boxes[:, 0])
    ends = _aligned_share(boxes[:, 0] + boxes[:, 2])
    return ends - starts >= MARGIN
