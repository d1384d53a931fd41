"""Official seals (公章) on greyscale scans: found as rings and whitened, text under them kept.

A red seal scanned in colour is dropped by `tones.to_grey` (it takes the red channel there).
Scanned in greyscale the red is gone: the seal becomes a mid-grey ring, star and rim lettering
over the issuer and the date, and Tesseract reads it as ink (二〇一八年 under a seal came out as
年). Seal ink is translucent, so print under it stays darker than the seal's own flat tone, and
the seal is a ring of one size (38–42 mm for an organisation's seal): both are what is tested
here before anything is whitened.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from extractors.readers.tones import grey_percentile

FIND_DPI = 50.0  # circles are searched for on a copy at this resolution
RADIUS_MM = (15.0, 24.0)  # round seals are 30–48 mm across
COVER = 1.15  # the disk cleaned is this much wider than the ring found (Hough's radius runs short)
MIN_TONE = 60  # a "seal" darker than this is black print, never whitened
# A seal paler than this (a red seal through `to_grey`) is already paper to the binarisation.
MAX_TONE = 180
MIN_SHARE = 0.15  # of the ink in the disk, at least this much is in the seal's tone (~0.3 over a form)
MIN_RING = 0.7  # of the angles round the ring, at least this many cross the seal's tone
TEXT_GAP = 20  # the page's print is at least this much darker than the seal's tone band
INK = 40  # a pixel this much darker than the paper is ink (print or seal)
RIM = np.ones((5, 5), np.uint8)  # kept round print under a seal: two pixels of antialiasing


@dataclass(frozen=True)
class Seal:
    cx: float  # centre and radius in the image's pixels
    cy: float
    r: float
    tone: int  # the grey level of the seal's ink
    low: int  # its tone band (half-height of the histogram peak): lighter pixels are seal too
    high: int


def _ring_candidates(grey: np.ndarray, dpi: float) -> list[tuple[float, float, float]]:
    if min(grey.shape[:2]) < 2 * RADIUS_MM[0] / 25.4 * dpi:
        return []  # smaller than a seal
    f = FIND_DPI / dpi
    small = cv2.resize(grey, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    px_per_mm = FIND_DPI / 25.4
    found = cv2.HoughCircles(
        cv2.medianBlur(small, 3),
        cv2.HOUGH_GRADIENT,
        dp=1,
        minDist=int(2 * RADIUS_MM[0] * px_per_mm),
        param1=120,
        param2=25,
        minRadius=int(RADIUS_MM[0] * px_per_mm),
        maxRadius=int(RADIUS_MM[1] * px_per_mm),
    )
    if found is None:
        return []
    return [(float(x) / f, float(y) / f, float(r) / f) for x, y, r in found[0]]


def _disk(shape: tuple[int, ...], cx: float, cy: float, r: float) -> tuple[slice, slice, np.ndarray]:
    """The disk's bounding slices and its mask within them."""
    y0, y1 = max(0, int(cy - r)), min(shape[0], int(cy + r) + 1)
    x0, x1 = max(0, int(cx - r)), min(shape[1], int(cx + r) + 1)
    yy, xx = np.ogrid[y0:y1, x0:x1]
    return slice(y0, y1), slice(x0, x1), (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r


def _tone_band(values: np.ndarray) -> tuple[int, int, int]:
    """Histogram peak of `values` and the grey levels either side where it falls to half."""
    hist = np.convolve(np.bincount(values, minlength=256).astype(float), np.ones(5) / 5, mode="same")
    peak = int(np.argmax(hist))
    low = high = peak
    while low > 0 and hist[low - 1] >= hist[peak] / 2:
        low -= 1
    while high < 255 and hist[high + 1] >= hist[peak] / 2:
        high += 1
    return peak, low, high


def _ring_share(grey: np.ndarray, cx: float, cy: float, r: float, low: int, high: int) -> float:
    """Share of 72 rays from the centre that meet a pixel of the seal's tone near the rim."""
    hits = 0
    for k in range(72):
        a = math.radians(5 * k)
        for rr in np.linspace(0.85 * r, COVER * r, 16):
            x, y = int(cx + rr * math.cos(a)), int(cy + rr * math.sin(a))
            if 0 <= y < grey.shape[0] and 0 <= x < grey.shape[1] and low <= grey[y, x] <= high:
                hits += 1
                break
    return hits / 72


def _print_tone(grey: np.ndarray, seals: list[tuple[float, float, float]], paper: float) -> int | None:
    """How dark the page's print is outside the candidate disks (every 2nd pixel): the 10th
    percentile of its ink, as the histogram's peak is the antialiased edge of thin strokes."""
    half = grey[::2, ::2]
    ink = half < paper - INK
    for cx, cy, r in seals:
        ys, xs, disk = _disk(ink.shape, cx / 2, cy / 2, COVER * r / 2)
        ink[ys, xs] &= ~disk
    values = half[ink]
    return int(np.percentile(values, 10)) if values.size >= 500 else None


def find_seals(grey: np.ndarray, dpi: float) -> list[Seal]:
    """Rings of a seal's size in one flat mid-grey tone, lighter than the page's print."""
    candidates = _ring_candidates(grey, dpi)
    if not candidates:
        return []
    paper = grey_percentile(grey, 90)
    print_tone = _print_tone(grey, candidates, paper)
    seals = []
    for cx, cy, r in candidates:
        ys, xs, disk = _disk(grey.shape, cx, cy, COVER * r)
        patch = grey[ys, xs]
        values = patch[disk & (patch < paper - INK)]
        if values.size < 200:
            continue
        tone, low, high = _tone_band(values)
        share = float(np.mean((values >= low) & (values <= high)))
        if not MIN_TONE <= tone <= MAX_TONE or share < MIN_SHARE:
            continue
        # Faded print in the seal's own tone cannot be told from it: such a page is left alone.
        if print_tone is not None and print_tone > low - TEXT_GAP:
            continue
        if _ring_share(grey, cx, cy, r, low, high) < MIN_RING:
            continue
        seals.append(Seal(cx, cy, r, tone, low, high))
    return seals


def _print_under(patch: np.ndarray, disk: np.ndarray, s: Seal, dpi: float) -> np.ndarray:
    """Pixels darker than the seal's band, with a two-pixel rim (their antialiasing). Seal ink
    covers print translucently, so black print under it stays far darker than the band; the
    seal's own ink strays a little below the band (scanner noise, resampling), so half the
    band's width again is left to it, and darker dots of a few pixels are its grain."""
    under = (disk & (patch < s.low - max(4, (s.high - s.low) // 2))).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(under, connectivity=8)
    grain = np.zeros(n, dtype=bool)
    grain[1:] = stats[1:, cv2.CC_STAT_AREA] < max(4, round(12 * (dpi / 300.0) ** 2))
    under[grain[labels]] = 0
    return cv2.dilate(under, RIM) > 0


def _print_apart(patch: np.ndarray, disk: np.ndarray, s: Seal) -> np.ndarray:
    """Ink in the disk not joined to any pixel of the seal's tone: print beside the seal's
    strokes (a thin 〇 next to the star), kept whole however light its strokes are."""
    ink = disk & (patch < s.high + INK)
    n, labels = cv2.connectedComponents(ink.astype(np.uint8), connectivity=8)
    joined = np.zeros(n, dtype=bool)
    joined[np.unique(labels[disk & (patch >= s.low) & (patch <= s.high)])] = True
    return ink & ~joined[labels]


def whiten_seals(grey: np.ndarray, dpi: float) -> np.ndarray:
    """`grey` with every seal found turned to paper, except the print under it and beside it."""
    seals = find_seals(grey, dpi)
    if not seals:
        return grey
    out = grey.copy()
    for s in seals:
        ys, xs, disk = _disk(grey.shape, s.cx, s.cy, COVER * s.r)
        patch = grey[ys, xs]
        keep = _print_under(patch, disk, s, dpi) | _print_apart(patch, disk, s)
        out[ys, xs][disk & ~keep] = 255
    return out
