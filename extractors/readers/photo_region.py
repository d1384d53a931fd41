"""A portrait photo pasted on a scanned page: where it is, so it can be measured like a photo file.

Bound booklets carry the applicant's photo glued on a sheet and scanned with the rest. The
photo shows as one large continuous-tone blob (hair, face, clothes) inside a rectangle whose
background is only slightly darker than the paper. The rectangle is what the rule measures
(aspect, background), so it is taken from the faint edge around the blob; when that edge cannot
be found the photo is not measured at all (the rule then asks a human) rather than measured
from the blob, whose proportions are not the photo's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from extractors.readers.tones import grey_percentile

WORK_DPI = 100.0
MM_PER_IN = 25.4
PHOTO_W_MM = (20.0, 60.0)  # a 1-inch to a large 2-inch photo, with slack for scaling
PHOTO_H_MM = (28.0, 85.0)
RECT_ASPECT = (0.55, 0.9)
BLOB_DARKER = 40  # grey levels below the paper: ink, hair, skin, clothes
# A white photo background is a few grey levels darker than the paper it is glued on; the wider
# step is tried first because it is less likely to leak into paper noise.
EDGE_DARKER = (5, 2, 1)
MIN_BLOB_FILL = 0.25  # share of the blob's box it covers: rings (stamps) and table grids cover less
MIN_RECT_FILL = 0.85  # a photo is a solid rectangle; a blob of text lines is not
MAX_GLYPHS = 25


@dataclass(frozen=True)
class PhotoRegion:
    """The photo's rectangle in pixels of the page image given to `find_photo`."""

    x0: int
    y0: int
    x1: int
    y1: int


def _mm(px: float, scale_dpi: float) -> float:
    return px / scale_dpi * MM_PER_IN


def _glyphs(grey: np.ndarray) -> int:
    """Text-sized dark blobs: a block of printed lines has many, a portrait few."""
    _, mask = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    h = grey.shape[0]
    return sum(1 for i in range(1, n) if 2 <= stats[i][3] <= max(3, h * 0.06) and stats[i][4] >= 4)


def _rect_around(grey: np.ndarray, paper: float, blob: tuple[int, int, int, int]) -> Optional[tuple[int, int, int, int]]:
    """The solid, slightly-darker-than-paper rectangle containing the blob, if there is one."""
    for step in EDGE_DARKER:
        rect = _rect_at(grey, paper - step + 0.5, blob)  # `step` levels darker or more
        if rect is not None:
            return rect
    return None


def _rect_at(grey: np.ndarray, level: float, blob: tuple[int, int, int, int]) -> Optional[tuple[int, int, int, int]]:
    bx, by, bw, bh = blob
    faint = (grey < level).astype(np.uint8)
    faint = cv2.morphologyEx(faint, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(faint, connectivity=8)
    core = labels[by + bh // 2 - bh // 8 : by + bh // 2 + bh // 8 + 1, bx + bw // 2 - bw // 8 : bx + bw // 2 + bw // 8 + 1]
    ids, counts = np.unique(core[core > 0], return_counts=True)
    if not len(ids):
        return None
    i = int(ids[int(np.argmax(counts))])
    x, y, w, h, area = (int(v) for v in stats[i])
    # The blob's clothes reach the photo's edges, so its box may overhang the rectangle by the
    # blur of a pixel or two.
    tol = max(2, int(0.03 * max(bw, bh)))
    if not (x <= bx + tol and y <= by + tol and x + w >= bx + bw - tol and y + h >= by + bh - tol):
        return None
    if area < MIN_RECT_FILL * w * h:
        return None
    return x, y, w, h


def find_photo(grey: np.ndarray, dpi: float) -> Optional[PhotoRegion]:
    """The one pasted portrait photo on a page image (grey, 0–255), or None."""
    if grey.size == 0 or dpi <= 0:
        return None
    scale = min(1.0, WORK_DPI / dpi)
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    small = cv2.medianBlur(np.ascontiguousarray(small, dtype=np.uint8), 3)
    sdpi = dpi * scale
    paper = grey_percentile(small, 90)
    dark = (small < paper - BLOB_DARKER).astype(np.uint8)
    k = max(3, round(3 / MM_PER_IN * sdpi))
    dark = cv2.morphologyEx(dark, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    found: list[PhotoRegion] = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if not (PHOTO_W_MM[0] * 0.6 <= _mm(w, sdpi) <= PHOTO_W_MM[1] and PHOTO_H_MM[0] * 0.5 <= _mm(h, sdpi) <= PHOTO_H_MM[1]):
            continue
        if area < MIN_BLOB_FILL * w * h:
            continue
        rect = _rect_around(small, paper, (x, y, w, h))
        if rect is None:
            continue
        rx, ry, rw, rh = rect
        if not (PHOTO_W_MM[0] <= _mm(rw, sdpi) <= PHOTO_W_MM[1] and PHOTO_H_MM[0] <= _mm(rh, sdpi) <= PHOTO_H_MM[1]):
            continue
        if not (RECT_ASPECT[0] <= rw / rh <= RECT_ASPECT[1]):
            continue
        if _glyphs(small[ry : ry + rh, rx : rx + rw]) > MAX_GLYPHS:
            continue
        found.append(PhotoRegion(int(rx / scale), int(ry / scale), int((rx + rw) / scale), int((ry + rh) / scale)))
    # Two candidates is a page of pictures (a certificate with a photo, a collage): not the photo.
    return found[0] if len(found) == 1 else None
