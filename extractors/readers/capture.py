"""A page photographed with a phone (a scanning app's output) → the page as a flatbed scans it.

A phone app's page is lit unevenly (light falling off across it, the soft shadow of a hand or
the phone), tinted by the light (a warm cast), seen at a slant, and often shows a strip of the
table beside the page where the app's crop missed. Ruling-line search, Otsu levels and the red
seal mask all assume a flat white page, so three corrections come first:

- `page`: the page's edges are found against what it lies on (a step of light near a side with
  only darker surface outside it, the light closed along the side so print on that surface - a
  newspaper - does not break it), fitted as lines, and the page is warped onto the whole image,
  leaving the surface out;
- `light`: the paper's light field (a grey closing then a median over a ~50 DPI copy, which
  removes print and keeps the shading) is divided out;
- `cast`: each colour channel is scaled so the paper is white; done with the light, by dividing
  each channel by its own field, so red seal ink is red again against white paper for
  `tones.grey_and_red_ink`.

Each is taken only when a cheap look at the same small copy says the page needs it, so a flatbed
scan (even paper, no cast, no table) is passed on untouched, byte for byte.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from extractors.readers.tones import grey_percentile

STEPS = ("page", "light", "cast")
# For measuring the steps (bench/phone.py): a comma list of the steps allowed, "none" for none.
STEPS_ENV = "DOSSIER_CAPTURE_STEPS"

MIN_PAGE_INCH = 5.0  # narrower than this (a 2-inch photo, a snippet) is no page photographed
FIELD_DPI = 50  # the light field and the page's edges are estimated at this resolution
FIELD_CLOSE_INCH = 0.3  # wider than the heaviest stroke of a title, narrower than a shadow's edge
FIELD_MEDIAN_INCH = 0.3
UNEVEN = 0.12  # paper darker than its bright parts by this share somewhere: uneven light
CAST_LEVELS = 12  # the paper's channels this far apart: a colour cast
EDGE_BAND = 0.12  # share of the width (height) from each side searched for the page's edge
EDGE_STEP = 0.08  # the paper this much lighter than what lies outside it: a page edge
EDGE_SHARE = 0.15  # of a side's scanlines, this many must cross the edge for it to be the page's
EDGE_FIT_PX = 1.5  # points further than this (at FIELD_DPI) from a side's line are not on it
# A found side is moved this far into the page: the edge's blur and the line's fit leave a
# pixel or two of the surface, which a warp stretches into a dark line along the image's edge
# (taken for a ruling line, it joined the table's grid and split a form's cells in two).
EDGE_INSET_INCH = 0.06


@dataclass(frozen=True)
class Capture:
    image: np.ndarray  # corrected page, same size and channels as the input
    to_original: Optional[np.ndarray]  # 3×3 homography, corrected pixel → input pixel; None if not warped
    steps: tuple[str, ...]  # the corrections taken


def allowed_steps() -> tuple[str, ...]:
    chosen = os.environ.get(STEPS_ENV)
    if chosen is None:
        return STEPS
    return tuple(s for s in chosen.split(",") if s in STEPS)


def _small(image: np.ndarray, dpi: float) -> tuple[np.ndarray, float]:
    """A ~FIELD_DPI copy (H×W×C) and its scale."""
    scale = min(1.0, FIELD_DPI / dpi) if dpi > 0 else min(1.0, 600.0 / max(image.shape[:2]))
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
    return (small if small.ndim == 3 else small[:, :, None]), scale


def _field_of(small: np.ndarray) -> np.ndarray:
    """The paper's light per channel (uint8, H×W×C): print is closed away (it is dark and thin),
    the shading stays."""
    close = max(3, int(round(FIELD_DPI * FIELD_CLOSE_INCH)))
    median = max(3, int(round(FIELD_DPI * FIELD_MEDIAN_INCH)) | 1)
    field = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (close, close)))
    field = cv2.medianBlur(field, median)
    return field if field.ndim == 3 else field[:, :, None]


def paper_field(image: np.ndarray, dpi: float) -> tuple[np.ndarray, float]:
    """The paper's light, per channel, on a ~FIELD_DPI copy (float32, H×W×C), and the copy's scale."""
    small, scale = _small(image, dpi)
    return _field_of(small).astype(np.float32), scale


def _brightest(small: np.ndarray) -> np.ndarray:
    """Each pixel's brightest channel (uint8): a warm cast does not read as shade."""
    if small.shape[2] == 1:
        return np.ascontiguousarray(small[:, :, 0])
    return cv2.max(cv2.max(small[:, :, 0], small[:, :, 1]), small[:, :, 2])


def _edge_lights(brightest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the page's left/right and top/bottom edges are looked for: the brightest channel
    closed along the side (print on a table - a newspaper under the page - is closed away,
    the page's edge runs along the kernel and stays), then lightly smoothed. Not closed across
    the side: that would fill a strip of table narrower than the kernel."""
    k = max(3, int(round(FIELD_DPI * FIELD_CLOSE_INCH)))
    out = []
    for kernel in ((1, k), (k, 1)):  # (width, height): along a vertical side, along a horizontal one
        closed = cv2.morphologyEx(brightest, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        out.append(cv2.medianBlur(closed, 5).astype(np.float32))
    return out[0], out[1]


def _side_points(light: np.ndarray, side: str) -> np.ndarray:
    """Points (x, y) on one side where the paper's light steps up sharply going inwards, within
    EDGE_BAND of the side; one per scanline at most."""
    view = {"left": light, "right": light[:, ::-1], "top": light.T, "bottom": light.T[:, ::-1]}[side]
    lines, length = view.shape
    band = max(3, int(length * EDGE_BAND))
    seg = view[:, : band + 2]
    step = seg[:, 2:] - seg[:, :-2]  # rise over two pixels, at position i + 1
    at = np.argmax(step, axis=1)
    rows = np.arange(lines)
    inside, outside = seg[rows, at + 2], seg[rows, at]
    found = (step[rows, at] >= EDGE_STEP * inside) & (inside > 0)
    # What lies outside the edge is dark all the way to the side, not paper with a dark mark.
    darkest_reach = np.maximum.accumulate(seg, axis=1)[rows, at]
    found &= darkest_reach <= outside + EDGE_STEP * inside / 2
    pos = at.astype(np.float64) + 1.0
    lines_at, pos = rows[found].astype(np.float64), pos[found]
    if side == "right":
        pos = length - 1 - pos
    elif side == "bottom":
        pos = length - 1 - pos
    if side in ("left", "right"):
        return np.column_stack([pos, lines_at])
    return np.column_stack([lines_at, pos])


def _fit_side(points: np.ndarray, side: str, lines: int) -> Optional[tuple[float, float]]:
    """The side's line as (a, b): x = a·y + b for left/right, y = a·x + b for top/bottom; None
    when too few scanlines cross an edge or they do not lie on one line."""
    if len(points) < max(5, EDGE_SHARE * lines):
        return None
    along, across = (points[:, 1], points[:, 0]) if side in ("left", "right") else (points[:, 0], points[:, 1])
    keep = np.ones(len(along), dtype=bool)
    for _ in range(3):
        a, b = np.polyfit(along[keep], across[keep], 1)
        resid = np.abs(across - (a * along + b))
        keep = resid <= max(EDGE_FIT_PX, 2 * float(np.median(resid[keep])))
        if keep.sum() < max(5, EDGE_SHARE * lines):
            return None
    a, b = np.polyfit(along[keep], across[keep], 1)
    return float(a), float(b)


def find_page(brightest: np.ndarray) -> Optional[np.ndarray]:
    """The page's corners (tl, tr, br, bl) on the small copy's brightest channel, from the sides
    where an edge with the table shows; a side without one is the image's own edge. None when no
    side shows one."""
    h, w = brightest.shape
    vertical, horizontal = _edge_lights(brightest)
    sides = {}
    for side in ("left", "right", "top", "bottom"):
        light = vertical if side in ("left", "right") else horizontal
        sides[side] = _fit_side(_side_points(light, side), side, h if side in ("left", "right") else w)
    if not any(sides.values()):
        return None
    inset = EDGE_INSET_INCH * FIELD_DPI
    left = (sides["left"][0], sides["left"][1] + inset) if sides["left"] else (0.0, 0.0)
    right = (sides["right"][0], sides["right"][1] - inset) if sides["right"] else (0.0, float(w - 1))
    top = (sides["top"][0], sides["top"][1] + inset) if sides["top"] else (0.0, 0.0)
    bottom = (sides["bottom"][0], sides["bottom"][1] - inset) if sides["bottom"] else (0.0, float(h - 1))

    def meet(vertical: tuple[float, float], horizontal: tuple[float, float]) -> tuple[float, float]:
        # x = a·y + b and y = c·x + d
        a, b = vertical
        c, d = horizontal
        y = (c * b + d) / (1.0 - a * c)
        return a * y + b, y

    corners = np.array([meet(left, top), meet(right, top), meet(right, bottom), meet(left, bottom)], dtype=np.float64)
    # The quad must be a page seen nearly square on, most of the image: else it is no page edge.
    area = 0.5 * abs(np.dot(corners[:, 0], np.roll(corners[:, 1], 1)) - np.dot(corners[:, 1], np.roll(corners[:, 0], 1)))
    if area < 0.6 * w * h:
        return None
    return corners


def correct_capture(image: np.ndarray, dpi: float, steps: Optional[tuple[str, ...]] = None) -> Optional[Capture]:
    """The page corrected for how it was photographed, or None when it needs nothing (a flatbed
    scan): the `steps` allowed (default: all, or those STEPS_ENV names) that the page needs."""
    steps = allowed_steps() if steps is None else steps
    if not steps or image.ndim not in (2, 3) or dpi <= 0 or min(image.shape[:2]) < MIN_PAGE_INCH * dpi:
        return None
    if image.ndim == 3:
        image = np.ascontiguousarray(image[:, :, :3])
    h, w = image.shape[:2]
    small, scale = _small(image, dpi)
    brightest = _brightest(small)
    taken: list[str] = []
    to_original = None
    if "page" in steps:
        corners = find_page(brightest)
        if corners is not None:
            quad = (corners / scale).astype(np.float32)
            frame = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
            to_page = cv2.getPerspectiveTransform(quad, frame)
            image = cv2.warpPerspective(image, to_page, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            to_original = np.linalg.inv(to_page)
            taken.append("page")
            small, scale = _small(image, dpi)
            brightest = _brightest(small)
    # Decided on the brightest channel's field alone; the per-channel fields only if used.
    light = _field_of(brightest)[:, :, 0]
    bright = grey_percentile(light, 95)
    if bright <= 0:
        return _result(image, to_original, taken)
    uneven = grey_percentile(light, 5) < (1.0 - UNEVEN) * bright
    paper_colour = None
    if small.shape[2] == 3:
        # The median of paper pixels: seal ink and the odd coloured mark do not tint it.
        paper = cv2.compare(light, grey_percentile(light, 50), cv2.CMP_GE)
        paper_colour = np.array([_median(np.ascontiguousarray(small[:, :, c]), paper) for c in range(3)])
    cast = paper_colour is not None and float(paper_colour.max() - paper_colour.min()) > CAST_LEVELS
    if "light" in steps and (uneven or "page" in taken):
        own_channels = "cast" in steps and small.shape[2] == 3
        divisor = _field_of(small) if own_channels else light[:, :, None]
        image = _divide(image, divisor, (h, w))
        taken.append("light")
        if own_channels:
            taken.append("cast")
    elif "cast" in steps and cast and paper_colour is not None:
        gains = 255.0 / np.maximum(paper_colour, 1.0)
        image = np.clip(image.astype(np.float32) * gains[None, None, :], 0, 255).astype(np.uint8)
        taken.append("cast")
    return _result(image, to_original, taken)


def _median(channel: np.ndarray, mask: np.ndarray) -> float:
    hist = cv2.calcHist([channel], [0], mask, [256], [0, 256]).ravel()
    cum = np.cumsum(hist)
    return float(np.searchsorted(cum, cum[-1] / 2.0)) if cum[-1] else 0.0


def _divide(image: np.ndarray, field: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Each pixel over the paper's light there (per channel when `field` has them): paper → 255.
    In 8 bits throughout (cv2.divide rounds and saturates): float copies of a full colour page
    cost more than the rest of the correction together."""
    h, w = size
    up = cv2.resize(field, (w, h), interpolation=cv2.INTER_LINEAR)
    if up.ndim == 3 and up.shape[2] == 1:
        up = up[:, :, 0]
    if image.ndim == 3 and up.ndim == 2:
        up = cv2.merge([up, up, up])
    elif image.ndim == 2 and up.ndim == 3:
        up = np.ascontiguousarray(up[:, :, 0])
    return cv2.divide(image, cv2.max(up, 1), scale=255.0)


def _result(image: np.ndarray, to_original: Optional[np.ndarray], taken: list[str]) -> Optional[Capture]:
    return Capture(image, to_original, tuple(taken)) if taken else None

