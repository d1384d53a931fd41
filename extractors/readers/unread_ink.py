"""Ink on a prepared page that no read word accounts for, as boxes.

A reading that found nothing in a place is evidence that nothing is written there only when the
page shows no ink there either: OCR returns no words for handwriting in a script face, faint
strokes or a name crossed by a seal. Readers keep these boxes (`PageContent.unread_ink`) so that
an extractor can tell "blank" from "written but unread" (a pledge's signature line).
"""

from __future__ import annotations

import cv2
import numpy as np

from extractors.readers.linerec import INK_LEVEL
from extractors.readers.ocr_layout import Region
from extractors.readers.preprocess import Prepared, contour_boxes

WORD_MARGIN = 6  # prepared-image pixels around a read word whose ink counts as read
MIN_HEIGHT_IN, MIN_WIDTH_IN = 0.08, 0.12  # smaller marks are dust, dots and scanner noise
MIN_INK_PIXELS_IN2 = 0.004  # square inches of ink a mark needs (a stroke, not speckle)
JOIN_IN = 0.06  # strokes of one written character or name are this close
MAX_BOXES = 40  # a page with more loose ink is a picture or a ruined scan; keep the largest


def unread_ink(regions: list[Region], prep: Prepared) -> list[tuple[int, int, int, int]]:
    """Boxes (prepared-image pixels) of marks of a written character's size that no word covers."""
    image = prep.image
    ink = image < INK_LEVEL
    h, w = ink.shape
    for region in regions:
        for word in region.words:
            x0, y0, x1, y1 = _text_extent(word.text, word.box)
            ink[max(0, y0 - WORD_MARGIN): min(h, y1 + WORD_MARGIN), max(0, x0 - WORD_MARGIN): min(w, x1 + WORD_MARGIN)] = False
    if not ink.any():
        return []
    dpi = max(prep.dpi, 1)
    join = max(1, int(JOIN_IN * dpi))
    joined = cv2.dilate(ink.astype(np.uint8), np.ones((join, join), np.uint8))
    # The marks' boxes by border following (a fraction of labelling the whole page, which cost as
    # much as the rest of this function); only a mark of a character's size is labelled, within
    # its own box, which holds the whole mark and nothing connected to anything else in it.
    blobs, firsts, _ = contour_boxes(joined, holes=False)
    min_pixels = MIN_INK_PIXELS_IN2 * dpi * dpi
    boxes: list[tuple[int, tuple[int, int, int, int]]] = []
    for (x, y, bw, bh), (fx, fy) in zip(blobs.tolist(), firsts.tolist()):
        if bh < MIN_HEIGHT_IN * dpi or bw < MIN_WIDTH_IN * dpi:
            continue
        _, labels = cv2.connectedComponents(joined[y: y + bh, x: x + bw], connectivity=8)
        mark = labels == labels[fy - y, fx - x]
        pixels = int(ink[y: y + bh, x: x + bw][mark].sum())
        if pixels < min_pixels:
            continue
        boxes.append((pixels, (x, y, x + bw, y + bh)))
    boxes.sort(reverse=True)
    return [box for _, box in boxes[:MAX_BOXES]]


WIDE_BOX = 1.0  # a word's box wider than this many line heights a character holds more than its text


def _text_extent(text: str, box: tuple) -> tuple[int, int, int, int]:
    """The part of a word's box its text can account for. A line read whole by the second
    recogniser has the band's box: a label read there (承诺人（签名）：) does not explain the
    handwriting beside it in the same box. Glyphs are at most about as wide as the line is high."""
    x0, y0, x1, y1 = (int(v) for v in box)
    chars = len(text.strip())
    widest = chars * max(1, y1 - y0)
    if chars and x1 - x0 > WIDE_BOX * widest:
        x1 = x0 + widest
    return x0, y0, x1, y1
