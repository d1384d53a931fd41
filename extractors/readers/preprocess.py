"""Page image → an image Tesseract reads well, plus the table grid found on it.

Ruled forms defeat Tesseract's layout analysis; measured on this project's pages, removing the
ruling lines after deskewing at ~300 DPI is what lifts reading from a few values to nearly all.
The ruling lines are detected before they are removed and returned as cells, so OCR words can be
grouped by the cell they sit in. Every geometric step is an affine map, composed into
`to_original` so boxes can be mapped back to the page as it was scanned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

TARGET_DPI = 300
MAX_SKEW = 3.5  # degrees searched either way; scans come skewed up to ±3°
# Pages larger than A4 (posters, mis-sized scans) get no more pixels than two A4 pages at
# 300 DPI: their print is larger, and Tesseract's memory grows with the pixel count.
PIXEL_BUDGET = 2 * 2480 * 3508


@dataclass(frozen=True)
class CellBox:
    table: int
    row: int
    col: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in prepared-image pixels


@dataclass(frozen=True)
class Prepared:
    image: np.ndarray  # uint8 greyscale, upright, deskewed, lines whitened, ~TARGET_DPI
    cells: list[CellBox]
    to_original: np.ndarray  # 2×3 affine: prepared pixel → original pixel
    rotation: int  # clockwise quarter turns applied, in degrees
    skew: float  # degrees of skew removed
    dpi: int  # resolution of the prepared image


def to_grey(rgb_or_grey: np.ndarray) -> np.ndarray:
    """Greyscale that drops red: stamps (红章) over text become pale, black ink stays dark."""
    if rgb_or_grey.ndim == 2:
        return rgb_or_grey
    rgb = np.ascontiguousarray(rgb_or_grey[:, :, :3])
    lum = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    red, green, blue = cv2.split(rgb)
    # Where a pixel is clearly red, take the red channel (light); elsewhere the usual luminance,
    # so blue ink and grey scans keep their contrast.
    reddish = cv2.subtract(red, cv2.max(green, blue)) > 60
    lum[reddish] = red[reddish]
    return lum


def _percentile(grey: np.ndarray, q: float) -> float:
    hist = cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel()
    cum = np.cumsum(hist)
    return float(np.searchsorted(cum, cum[-1] * q / 100.0))


def _affine3(m: np.ndarray) -> np.ndarray:
    return np.vstack([m, [0.0, 0.0, 1.0]])


def ink_mask(grey: np.ndarray) -> np.ndarray:
    """Dark pixels as 255: Otsu on a lightly smoothed image so speckle does not set the level."""
    smooth = cv2.GaussianBlur(grey, (3, 3), 0)
    _, mask = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return mask


def _quarter_turn(grey: np.ndarray, degrees: int) -> tuple[np.ndarray, np.ndarray]:
    """Rotate clockwise by a multiple of 90°, returning the image and the forward 2×3 map."""
    h, w = grey.shape[:2]
    d = degrees % 360
    if d == 0:
        return grey, np.array([[1.0, 0, 0], [0, 1.0, 0]])
    if d == 90:
        # clockwise: (x, y) → (h-1-y, x)
        return cv2.rotate(grey, cv2.ROTATE_90_CLOCKWISE), np.array([[0, -1.0, h - 1], [1.0, 0, 0]])
    if d == 180:
        return cv2.rotate(grey, cv2.ROTATE_180), np.array([[-1.0, 0, w - 1], [0, -1.0, h - 1]])
    return cv2.rotate(grey, cv2.ROTATE_90_COUNTERCLOCKWISE), np.array([[0, 1.0, 0], [-1.0, 0, w - 1]])


def text_runs_vertically(mask: np.ndarray, dpi: int) -> bool:
    """True when text lines look vertical (page turned 90° or 270°): cheap, no OCR.

    Chinese glyphs sit close along a line and lines are further apart, so closing small gaps
    along the line direction merges a line into one long blob, across it merges little. The
    direction whose closing yields more long blobs is the line direction. Ruling lines must be
    removed by the caller.
    """
    f = 150.0 / dpi if dpi > 150 else 1.0
    small = cv2.resize(mask, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else mask
    small = cv2.threshold(small, 100, 255, cv2.THRESH_BINARY)[1]
    small = cv2.morphologyEx(small, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    k = max(3, int(150 * 0.06))

    def long_blobs(kernel: tuple[int, int], along_x: bool) -> float:
        closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        n, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
        total = 0.0
        for i in range(1, n):
            w, h, area = int(stats[i][2]), int(stats[i][3]), int(stats[i][4])
            length, thick = (w, h) if along_x else (h, w)
            if length >= 3 * thick and length >= 5 * k:
                total += area
        return total

    horizontal = long_blobs((k, 1), True)
    vertical = long_blobs((1, k), False)
    return vertical > 1.5 * horizontal


def estimate_skew(mask: np.ndarray) -> float:
    """Skew in degrees (positive = content turned counter-clockwise) by projection profile.

    The angle at which rows of ink are sharpest (largest sum of squared differences of the row
    histogram) is the text's baseline angle. Coarse search, then a fine one around the best.
    """
    scale = 1000.0 / max(mask.shape)
    small = cv2.resize(mask, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else mask
    ys, xs = np.nonzero(small > 64)
    if len(xs) < 200:
        return 0.0
    if len(xs) > 200_000:
        pick = np.random.default_rng(0).choice(len(xs), 200_000, replace=False)
        xs, ys = xs[pick], ys[pick]
    # Jitter within the pixel: at exactly 0° integer coordinates fall on bin edges in a
    # pattern that makes the profile look sharp whatever the real skew is.
    rng = np.random.default_rng(0)
    xs = xs.astype(np.float64) + rng.uniform(-0.5, 0.5, len(xs)) - small.shape[1] / 2
    ys = ys.astype(np.float64) + rng.uniform(-0.5, 0.5, len(ys))
    nbins = small.shape[0] + 2 * small.shape[1]

    def score(angle: float) -> float:
        t = np.deg2rad(angle)
        proj = ys * np.cos(t) - xs * np.sin(t)
        hist, _ = np.histogram(proj, bins=nbins, range=(-small.shape[1], small.shape[0] + small.shape[1]))
        return float(np.sum(np.diff(hist.astype(np.float64)) ** 2))

    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.25)
    best = max(coarse, key=score)
    fine = np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05)
    best = max(fine, key=score)
    # Image y grows downwards, so a positive baseline angle here is a clockwise tilt on screen.
    return -float(round(best, 2))


def find_lines(mask: np.ndarray, dpi: int) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling lines as masks: long thin runs no character stroke reaches."""
    hk = max(40, int(dpi * 0.5))
    vk = max(30, int(dpi * 0.3))
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 1)))
    horiz = cv2.morphologyEx(closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 5)))
    vert = cv2.morphologyEx(closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    return horiz, vert


def find_cells(horiz: np.ndarray, vert: np.ndarray, dpi: int) -> list[CellBox]:
    """Cells of every ruled table: the closed regions the grid encloses, indexed by row and column."""
    grid = cv2.dilate(cv2.bitwise_or(horiz, vert), cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    tables = [
        tuple(int(v) for v in stats[i][:4])
        for i in range(1, n)
        if stats[i][2] > dpi * 1.0 and stats[i][3] > dpi * 0.2
    ]
    tables.sort(key=lambda t: (t[1], t[0]))
    min_w, min_h = int(dpi * 0.12), int(dpi * 0.08)
    out: list[CellBox] = []
    for ti, (tx, ty, tw, th) in enumerate(tables):
        inside = cv2.bitwise_not(grid[ty : ty + th, tx : tx + tw])
        m, _, cstats, _ = cv2.connectedComponentsWithStats(inside, connectivity=4)
        boxes = []
        for j in range(1, m):
            x, y, w, h, _area = (int(v) for v in cstats[j])
            touches_edge = x <= 1 or y <= 1 or x + w >= tw - 1 or y + h >= th - 1
            if touches_edge or w < min_w or h < min_h:
                continue
            boxes.append((tx + x, ty + y, tx + x + w, ty + y + h))
        out.extend(_index_cells(ti, boxes, dpi))
    return out


def _index_cells(table: int, boxes: list[tuple[int, int, int, int]], dpi: int) -> list[CellBox]:
    """Row = cells whose tops align (a merged cell counts in the row where it starts)."""
    tol = max(4, int(dpi * 0.04))
    boxes = sorted(boxes, key=lambda b: (b[1], b[0]))
    rows: list[list[tuple[int, int, int, int]]] = []
    for b in boxes:
        if rows and abs(rows[-1][0][1] - b[1]) <= tol:
            rows[-1].append(b)
        else:
            rows.append([b])
    out = []
    for ri, row in enumerate(rows):
        for ci, b in enumerate(sorted(row, key=lambda b: b[0])):
            out.append(CellBox(table, ri, ci, b))
    return out


def prepare(image: np.ndarray, dpi: float, rotation: int | None = None, max_pixels: int = PIXEL_BUDGET) -> Prepared:
    """Scale to ~300 DPI, turn upright, deskew, find the grid, whiten the ruling lines.

    `rotation` (clockwise degrees) forces the quarter turn, e.g. from Tesseract OSD; otherwise a
    projection heuristic decides between 0 and 90 and the OCR stage checks 180/270 if needed.
    """
    grey = to_grey(image)
    scale = TARGET_DPI / dpi if dpi > 0 else 1.0
    if abs(scale - 1.0) < 0.12:
        scale = 1.0
    # Large pages (posters) are not scaled up past the budget: their print is large anyway.
    scale = min(scale, max(1.0, math.sqrt(max_pixels / float(grey.shape[0] * grey.shape[1]))))
    m_total = np.eye(3)
    if scale != 1.0:
        interp = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=interp)
        m_total = _affine3(np.array([[scale, 0, 0], [0, scale, 0]])) @ m_total
    work_dpi = int(round(dpi * scale)) if dpi > 0 else TARGET_DPI

    if rotation is None:
        # Half resolution is plenty to tell which way the lines run.
        half = cv2.resize(grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        mask = ink_mask(half)
        h, v = find_lines(mask, work_dpi // 2)
        text_only = cv2.bitwise_and(mask, cv2.bitwise_not(cv2.bitwise_or(h, v)))
        rotation = 90 if text_runs_vertically(text_only, work_dpi // 2) else 0
    grey, m_rot = _quarter_turn(grey, rotation)
    m_total = _affine3(m_rot) @ m_total

    mask = ink_mask(grey)
    skew = estimate_skew(mask)
    if abs(skew) >= 0.1:
        hh, ww = grey.shape
        m_skew = cv2.getRotationMatrix2D((ww / 2, hh / 2), -skew, 1.0)
        grey = cv2.warpAffine(grey, m_skew, (ww, hh), flags=cv2.INTER_LINEAR, borderValue=255)
        m_total = _affine3(m_skew) @ m_total
        mask = ink_mask(grey)
    else:
        skew = 0.0

    horiz, vert = find_lines(mask, work_dpi)
    cells = find_cells(horiz, vert, work_dpi)
    lines = cv2.dilate(cv2.bitwise_or(horiz, vert), cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)), iterations=2)
    clean = grey.copy()
    clean[lines > 0] = 255
    clean = _normalise(clean)
    to_original = np.linalg.inv(m_total)[:2]
    return Prepared(clean, cells, to_original, rotation % 360, skew, work_dpi)


def _normalise(grey: np.ndarray) -> np.ndarray:
    """Knock out speckle, then push the paper to pure white and stretch the ink's grey levels.

    Tesseract binarises on its own, but grain and JPEG noise on the paper survive its Otsu step
    as specks glued to glyphs; a soft threshold (paper → 255, ink keeps its shading) removes them.
    """
    grey = cv2.medianBlur(grey, 3)
    level, _ = cv2.threshold(cv2.GaussianBlur(grey, (3, 3), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    lo = _percentile(grey, 0.5)
    span = max(level - lo, 1.0)
    out = np.clip((grey.astype(np.float32) - lo) * (200.0 / span), 0, 255).astype(np.uint8)
    out[grey > level] = 255
    return _drop_specks(out, level)


SPECK_AREA = 10  # ink blobs up to this many pixels (at ~300 DPI) are scanner dust, not glyph parts


def _drop_specks(grey: np.ndarray, level: float) -> np.ndarray:
    """Whiten tiny isolated ink blobs: upscaled speckle survives a 3×3 median as 2×2 dots,
    and Tesseract reads such dots near text as strokes (姜 → 要) or as stray characters."""
    ink = (grey <= level).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = np.zeros(n, dtype=bool)
    small[1:] = stats[1:, cv2.CC_STAT_AREA] <= SPECK_AREA
    if small.any():
        grey = grey.copy()
        grey[small[labels]] = 255
    return grey


def map_box(to_original: np.ndarray, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """Bounding box, in original pixels, of a prepared-image box's four corners."""
    x0, y0, x1, y1 = box
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], dtype=np.float64)
    mapped = pts @ to_original.T
    return (
        float(mapped[:, 0].min()),
        float(mapped[:, 1].min()),
        float(mapped[:, 0].max()),
        float(mapped[:, 1].max()),
    )
