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

from extractors.readers.reversed_print import flip_reversed_print
from extractors.readers.seals import whiten_seals
from extractors.readers.tones import grey_percentile, has_red_ink, page_tones

CELL_INSET = 3  # pixels a reader keeps clear of where a cell's ruling lines were whitened
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


def _affine3(m: np.ndarray) -> np.ndarray:
    return np.vstack([m, [0.0, 0.0, 1.0]])


_SMOOTH = np.array([0.25, 0.5, 0.25], dtype=np.float32)


def _smooth3(grey: np.ndarray) -> np.ndarray:
    """Exactly `cv2.GaussianBlur(grey, (3, 3), 0)`, in about a third of the time.

    GaussianBlur's 8-bit result is (S + 8) >> 4 for the integer [1 2 1]×[1 2 1] sum S. The float
    separable filter holds S/16 exactly (every value is a multiple of 1/16), and the 1/64 offset
    turns its round-half-to-even into the same round-half-up without moving any other value
    across a rounding boundary. Borders reflect the same way (BORDER_REFLECT_101) in both.
    """
    return cv2.sepFilter2D(grey, -1, _SMOOTH, _SMOOTH, delta=1.0 / 64)


def ink_mask(grey: np.ndarray) -> np.ndarray:
    """Dark pixels as 255: Otsu on a lightly smoothed image so speckle does not set the level."""
    smooth = _smooth3(grey)
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
        boxes, seeds, _ = contour_boxes(closed, holes=False)
        if not len(boxes):
            return 0.0
        length, thick = (boxes[:, 2], boxes[:, 3]) if along_x else (boxes[:, 3], boxes[:, 2])
        keep = (length >= 3 * thick) & (length >= 5 * k)
        if not keep.any():
            return 0.0
        # Few blobs are long: flood each from a pixel of it, which counts its pixels.
        scratch = closed.copy()
        total = 0.0
        for sx, sy in seeds[keep]:
            total += cv2.floodFill(scratch, None, (int(sx), int(sy)), 0, flags=8)[0]
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
    histogram = _UniformHistogram(-small.shape[1], small.shape[0] + small.shape[1], nbins)

    def score(angle: float) -> float:
        t = np.deg2rad(angle)
        proj = ys * np.cos(t) - xs * np.sin(t)
        return float(np.sum(np.diff(histogram(proj).astype(np.float64)) ** 2))

    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.25)
    best = max(coarse, key=score)
    fine = np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05)
    best = max(fine, key=score)
    # Image y grows downwards, so a positive baseline angle here is a clockwise tilt on screen.
    return -float(round(best, 2))


class _UniformHistogram:
    """`np.histogram(values, bins, range=(lo, hi))` for values known to lie inside the range.

    Same bin arithmetic as NumPy's equal-width path (so the same counts, edge cases included),
    without its range filtering and block loop, which dominate on the skew search's 40 calls.
    Projections at up to ±MAX_SKEW stay well inside (-width, height + width), the range used.
    """

    def __init__(self, lo: float, hi: float, bins: int) -> None:
        self.lo, self.bins = float(lo), bins
        self.span = np.subtract(float(hi), self.lo)
        self.edges = np.linspace(self.lo, float(hi), bins + 1, endpoint=True, dtype=np.float64)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        index = ((values - self.lo) / self.span * self.bins).astype(np.intp)
        index[index == self.bins] -= 1
        # The division can land one bin off within an ulp of an edge; the edges decide.
        index[values < self.edges[index]] -= 1
        index[(values >= self.edges[index + 1]) & (index != self.bins - 1)] += 1
        return np.bincount(index, minlength=self.bins)


# A red seal's strokes over a ruling line are paper in the red channel: they cut the line into
# pieces a few pixels apart (up to 7 at 300 DPI measured), and a piece shorter than a run is no
# line, so a row's cells leaked into the margin. Pieces of a third of a run, on a line's own
# rows and this close to it, are that line. Closing the whole page this wide instead joined the
# tops of a row of glyphs into a "line" and whitened them.
LINE_GAP_INCH = 0.03
LINE_PIECE_SHARE = 3  # a piece is at least 1/3 of a line's run


def find_lines(mask: np.ndarray, dpi: int, sealed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling lines as masks: long thin runs no character stroke reaches.

    `sealed` (255 where red ink lies) marks where a seal may hide a line: a seal's rim running
    along a ruling line covers it over an inch or more (red is paper in the greyscale), which
    no gap closing bridges, and the rows on either side became one cell.
    """
    hk = max(40, int(dpi * 0.5))
    vk = max(30, int(dpi * 0.3))
    gap = max(5, int(round(dpi * LINE_GAP_INCH)))
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 1)))
    horiz = _with_pieces(_long_runs(closed, hk, vertical=False), closed, hk // LINE_PIECE_SHARE, gap, vertical=False, sealed=sealed)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 5)))
    vert = _with_pieces(_long_runs(closed, vk, vertical=True), closed, vk // LINE_PIECE_SHARE, gap, vertical=True, sealed=sealed)
    return horiz, vert


def _with_pieces(lines: np.ndarray, closed: np.ndarray, piece: int, gap: int, vertical: bool,
                 sealed: np.ndarray | None = None) -> np.ndarray:
    """`lines` extended by the runs of at least `piece` pixels on their own rows (columns when
    `vertical`) that lie within `gap` pixels of them, the gaps filled; with `sealed`, also over
    the red ink on those rows that touches them, and on to the pieces beyond it. Only the rows
    lines are on are worked on. `lines` is extended in place and returned (a page-sized copy per
    call cost as much as the rest of the function; the callers pass a mask made for it)."""
    axis = 0 if vertical else 1  # the axis a line lies along
    across = np.flatnonzero(lines.any(axis=axis))
    if not len(across):
        return lines
    # Opening and closing by a one-row kernel are row-local, so the line rows are worked on
    # stacked together, whatever lies between them on the page.
    if vertical:
        own, inked = np.ascontiguousarray(lines[:, across].T), np.ascontiguousarray(closed[:, across].T)
    else:
        own, inked = np.ascontiguousarray(lines[across]), np.ascontiguousarray(closed[across])
    pieces = cv2.morphologyEx(inked, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (piece, 1)))
    found = cv2.bitwise_or(own, pieces)
    if sealed is not None:
        found = cv2.bitwise_or(found, np.ascontiguousarray(sealed[:, across].T if vertical else sealed[across]))
    joined = cv2.morphologyEx(found, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    ink = joined > 0
    # Number each row's runs; keep the runs holding a pixel of a line.
    starts = ink & ~np.pad(ink, ((0, 0), (1, 0)))[:, :-1]
    run = np.cumsum(starts.ravel()).reshape(ink.shape)
    keep = np.zeros(int(run.max()) + 1, dtype=bool)
    keep[run[ink & (own > 0)]] = True
    kept = np.where(ink & keep[run], 255, 0).astype(lines.dtype)
    if vertical:
        lines[:, across] = kept.T
    else:
        lines[across] = kept
    return lines


def _long_runs(binary: np.ndarray, length: int, vertical: bool) -> np.ndarray:
    """Opening of a 0/255 mask by a `length`-pixel line: the runs of ink at least that long.

    Opening by a one-pixel-thick line is row-local (column-local when vertical), and a page has
    few rows that can hold such a run; the rest are ruled out on a sparse sample of pixels, and
    the costly long-kernel morphology runs on the candidate rows only. The test never drops a
    row whose opening is non-empty, so the result equals the opening of the whole page.
    """
    axis = 0 if vertical else 1  # the axis a run lies along
    size = binary.shape[axis]
    anchor = length // 2  # OpenCV centres the kernel: the window at x is [x - anchor, x + length - 1 - anchor]
    step = max(1, length // 10)
    # A window of `length` pixels inside the page holds this many consecutive samples taken
    # every `step` pixels: a row where no such run of samples is all ink cannot survive erosion.
    need = length // step
    if vertical:
        samples = np.ascontiguousarray(binary[::step, :])
        run = cv2.getStructuringElement(cv2.MORPH_RECT, (1, need))
        tail = binary[max(0, size - 1 - anchor) :, :]
    else:
        samples = np.ascontiguousarray(binary[:, ::step])
        run = cv2.getStructuringElement(cv2.MORPH_RECT, (need, 1))
        tail = binary[:, max(0, size - 1 - anchor) :]
    # Erosion takes the outside of the page as ink, so a window hanging over the edge needs only
    # its part inside. At the start the sample erosion does the same and catches it; at the end
    # the last sample may fall short of the edge, so check the last anchor+1 pixels themselves.
    candidates = np.flatnonzero(np.any(cv2.erode(samples, run), axis=axis) | np.all(tail > 0, axis=axis))
    out = np.zeros_like(binary)
    if not len(candidates):
        return out
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (1, length) if vertical else (length, 1))
    if len(candidates) > binary.shape[1 - axis] // 2:  # a noisy page: gathering would cost more
        return cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel)
    if vertical:
        out[:, candidates] = cv2.morphologyEx(np.ascontiguousarray(binary[:, candidates]), cv2.MORPH_OPEN, kernel)
    else:
        out[candidates] = cv2.morphologyEx(binary[candidates], cv2.MORPH_OPEN, kernel)
    return out


STRAY_MAX_INCH = 1.0  # a run shorter than this must meet a line of the other direction
STRAY_REACH = 6  # pixels between a short run's end and the line it meets (breaks at crossings)


def drop_stray_strokes(horiz: np.ndarray, vert: np.ndarray, dpi: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep short runs only where they meet a line of the other direction.

    The run lengths that find a table row's own separators (a third of an inch) are also reached
    by strokes of large print and of stamps: the verticals of a certificate's title 证书, a
    stamp's rim. Whitened as ruling lines, those strokes cut glyphs apart (荣誉证书 read as
    荣誉讧=). A ruling line is part of a grid, so it meets a line across it; a stroke does not.
    """
    limit = int(dpi * STRAY_MAX_INCH)
    return _keep_joined(horiz, vert, limit, vertical=False), _keep_joined(vert, horiz, limit, vertical=True)


def _keep_joined(runs: np.ndarray, across: np.ndarray, limit: int, vertical: bool) -> np.ndarray:
    boxes, seeds, _ = contour_boxes(runs, holes=False)
    if not len(boxes):
        return runs
    length = boxes[:, 3] if vertical else boxes[:, 2]
    short = np.flatnonzero(length < limit)
    if not len(short):
        return runs
    h, w = runs.shape
    out = runs
    for i in short:
        x, y, bw, bh = (int(v) for v in boxes[i])
        x0, y0 = max(0, x - STRAY_REACH), max(0, y - STRAY_REACH)
        x1, y1 = min(w, x + bw + STRAY_REACH), min(h, y + bh + STRAY_REACH)
        if cv2.countNonZero(across[y0:y1, x0:x1]):
            continue
        if out is runs:
            out = runs.copy()
        sx, sy = (int(v) for v in seeds[i])
        cv2.floodFill(out, None, (sx, sy), 0, flags=8)
    return out


def find_cells(horiz: np.ndarray, vert: np.ndarray, dpi: int) -> list[CellBox]:
    """Cells of every ruled table: the closed regions the grid encloses, indexed by row and column."""
    return _cells_of_grid(_grid(horiz, vert), dpi)


def _grid(horiz: np.ndarray, vert: np.ndarray) -> np.ndarray:
    """The ruling lines thickened by 2 px each way: closes small breaks where lines cross, and is
    what gets whitened (a 5×5 dilation is the 3×3 one applied twice)."""
    return cv2.dilate(cv2.bitwise_or(horiz, vert), cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))


def _cells_of_grid(grid: np.ndarray, dpi: int) -> list[CellBox]:
    """`find_cells` on the already thickened grid (prepare whitens the same mask)."""
    blobs, _, holes = contour_boxes(grid)
    tables = [
        (int(x), int(y), int(w), int(h))
        for x, y, w, h in blobs
        if w > dpi * 1.0 and h > dpi * 0.2
    ]
    tables.sort(key=lambda t: (t[1], t[0]))
    min_w, min_h = int(dpi * 0.12), int(dpi * 0.08)
    out: list[CellBox] = []
    for ti, (tx, ty, tw, th) in enumerate(tables):
        # A region of the table box's background clear of the box edge is a hole of the grid, so
        # the holes are the regions labelling the box's background would find, in the same order.
        x, y = holes[:, 0] - tx, holes[:, 1] - ty
        w, h = holes[:, 2], holes[:, 3]
        clear = (x > 1) & (y > 1) & (x + w < tw - 1) & (y + h < th - 1)
        keep = clear & (w >= min_w) & (h >= min_h)
        boxes = [(int(bx), int(by), int(bx + bw), int(by + bh)) for bx, by, bw, bh in holes[keep]]
        out.extend(_index_cells(ti, boxes, dpi))
    return out


PAGE_FRAME_SHARE = 0.7  # a "cell" covering this much of the page is a border drawn round it


def text_cells(cells: list[CellBox], shape: tuple[int, ...], dpi: int) -> list[CellBox]:
    """The cells whose text is read as one cell: not the inside of a border drawn round the page
    (a certificate's frame), nor a box holding cells of its own (the frame round a certificate's
    table). Their text - a title, a line of prose - then runs free and is read line by line."""
    page = float(shape[0] * shape[1])

    def holds(outer: tuple[int, int, int, int], inner: tuple[int, int, int, int]) -> bool:
        return outer != inner and outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2] and outer[3] >= inner[3]

    boxes = {c.box for c in cells}
    dropped = {b for b in boxes if (b[2] - b[0]) * (b[3] - b[1]) >= PAGE_FRAME_SHARE * page or any(holds(b, o) for o in boxes)}
    if not dropped:
        return cells
    tables: dict[int, list[tuple[int, int, int, int]]] = {}
    for c in cells:
        if c.box not in dropped:
            tables.setdefault(c.table, []).append(c.box)
    return [cell for t, kept in sorted(tables.items()) for cell in _index_cells(t, kept, dpi)]


def contour_boxes(binary: np.ndarray, holes: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boxes (x, y, w, h) of the 8-connected blobs of a mask with the first pixel (x, y) of each,
    and the boxes of the holes (4-connected background regions a blob encloses); blobs and
    holes each in raster order of their first pixel, the order labelling numbers them in.

    Border following touches only boundary pixels, so it costs a fraction of
    connectedComponentsWithStats, whose per-pixel statistics dominate its time on a page.
    A blob's outer border starts at its first pixel and holds its extreme pixels, so its box is
    the blob's; a hole's border is the ring of blob pixels 4-adjacent to the hole, one pixel
    outside it on every side, and its leftmost point on its top row sits above the hole's first
    pixel.
    """
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    empty = np.zeros((0, 4), dtype=np.int64)
    if not contours:
        return empty, np.zeros((0, 2), dtype=np.int64), empty
    # All contours' points in one array, so boxes come from a few vector passes, not a call per
    # contour: a grainy scan has tens of thousands of them.
    points = np.concatenate(contours)[:, 0].astype(np.int64)
    sizes = np.fromiter((len(c) for c in contours), dtype=np.intp, count=len(contours))
    begin = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    low = np.minimum.reduceat(points, begin, axis=0)
    rects = np.column_stack([low, np.maximum.reduceat(points, begin, axis=0) - low + 1])
    is_hole = hierarchy[0][:, 3] >= 0

    starts = points[begin[~is_hole]]
    order = np.lexsort((starts[:, 0], starts[:, 1]))
    blobs, starts = rects[~is_hole][order], starts[order]
    if not holes or not is_hole.any():
        return blobs, starts, empty
    # x of each hole border's leftmost point on its top row: the hole's first pixel is below it.
    top = np.repeat(low[:, 1], sizes)
    on_top = np.where(points[:, 1] == top, points[:, 0], np.iinfo(np.int64).max)
    first_x = np.minimum.reduceat(on_top, begin)[is_hole]
    ring = rects[is_hole]
    order = np.lexsort((first_x, ring[:, 1]))
    return blobs, starts, ring[order] + np.array([1, 1, -2, -2])


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
    """Whiten greyscale seals, scale to ~300 DPI, turn upright, deskew, find the grid, whiten
    the ruling lines.

    `rotation` (clockwise degrees) forces the quarter turn, e.g. from Tesseract OSD; otherwise a
    projection heuristic decides between 0 and 90 and the OCR stage checks 180/270 if needed.
    """
    grey, red_ink, lum = page_tones(image)
    # A red seal is paper in the greyscale's red channel; only a page without red ink (a greyscale
    # scan, a photocopy) can hold a grey one. Before any resampling: cubic upscaling overshoots
    # at a seal's edges, darker than its ink.
    red_seen = has_red_ink(image)
    if not red_seen:
        grey = whiten_seals(grey, dpi if dpi > 0 else TARGET_DPI)
    # Before anything looks for lines: a bar of reversed print is all long dark runs. On a page
    # with red, bars are looked for in the luminance, where a red one is still dark; what is
    # flipped is print, no longer red ink.
    grey, bars = flip_reversed_print(grey, int(round(dpi)) if dpi > 0 else TARGET_DPI, lum if red_seen else None)
    if red_ink is not None:
        for x0, y0, x1, y1 in bars:
            red_ink[y0:y1, x0:x1] = 0
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

    if rotation is None and min(grey.shape[:2]) < 2:
        rotation = 0  # a sliver of a page (a 1-pixel image) has no lines to tell by
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

    # Where red ink lies on the prepared page: one nearest-neighbour warp of the original's mask.
    sealed = None
    if red_seen and red_ink is not None:
        hh, ww = grey.shape
        sealed = cv2.dilate(cv2.warpAffine(red_ink, m_total[:2], (ww, hh), flags=cv2.INTER_NEAREST), np.ones((3, 3), np.uint8))
    horiz, vert = drop_stray_strokes(*find_lines(mask, work_dpi, sealed), work_dpi)
    lines = _grid(horiz, vert)
    cells = text_cells(_cells_of_grid(lines, work_dpi), lines.shape, work_dpi)
    # Lines are 0/255: the maximum whitens them and leaves every other pixel as it was.
    clean = cv2.max(grey, lines)
    clean = _normalise(clean)
    to_original = np.linalg.inv(m_total)[:2]
    return Prepared(clean, cells, to_original, rotation % 360, skew, work_dpi)


def half_turn(prep: Prepared) -> Prepared:
    """`prep` turned 180°: what preparing the page with half a turn more would give, without
    preparing it again. Each step commutes with a half turn (a skewed line keeps its angle,
    ruling lines and specks stay what they are); only the grid's cells are renumbered."""
    h, w = prep.image.shape[:2]
    image = cv2.rotate(prep.image, cv2.ROTATE_180)
    turn = np.array([[-1.0, 0, w - 1], [0, -1.0, h - 1]])  # turned pixel → prepared pixel
    to_original = (_affine3(prep.to_original) @ _affine3(turn))[:2]
    tables: dict[int, list[tuple[int, int, int, int]]] = {}
    for c in prep.cells:  # [x0, x1) becomes [w - x1, w - x0)
        x0, y0, x1, y1 = c.box
        tables.setdefault(c.table, []).append((w - x1, h - y1, w - x0, h - y0))
    ordered = sorted(tables.values(), key=lambda boxes: (min(b[1] for b in boxes), min(b[0] for b in boxes)))
    cells = [cell for t, boxes in enumerate(ordered) for cell in _index_cells(t, boxes, prep.dpi)]
    return Prepared(image, cells, to_original, (prep.rotation + 180) % 360, prep.skew, prep.dpi)


def _normalise(grey: np.ndarray) -> np.ndarray:
    """Knock out speckle, then push the paper to pure white and stretch the ink's grey levels.

    Tesseract binarises on its own, but grain and JPEG noise on the paper survive its Otsu step
    as specks glued to glyphs; a soft threshold (paper → 255, ink keeps its shading) removes them.
    """
    grey = cv2.medianBlur(grey, 3)
    level, _ = cv2.threshold(_smooth3(grey), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    lo = grey_percentile(grey, 0.5)
    span = max(level - lo, 1.0)
    # The stretch depends on the grey level alone: evaluate it once per level, then look it up.
    levels = np.arange(256, dtype=np.float32)
    table = np.clip((levels - lo) * (200.0 / span), 0, 255).astype(np.uint8)
    table[levels > level] = 255
    return _drop_specks(cv2.LUT(grey, table), level)


SPECK_AREA = 10  # ink blobs up to this many pixels (at ~300 DPI) are scanner dust, not glyph parts
# Looking at each speck-sized blob pays while there are few; a grainy scan has thousands, and
# then one labelling pass is cheaper. The first test is on the ink's edge density (ink/paper
# changes per pixel along sampled rows): text pages have well under 0.01, grain far more.
MANY_SPECKS = 2000
BUSY_EDGES = 0.02


def _drop_specks(grey: np.ndarray, level: float) -> np.ndarray:
    """Whiten tiny isolated ink blobs: upscaled speckle survives a 3×3 median as 2×2 dots,
    and Tesseract reads such dots near text as strokes (姜 → 要) or as stray characters."""
    # grey <= level as 0/255 (OpenCV floors the level for 8-bit images, as <= does for integers).
    ink = cv2.threshold(grey, level, 255, cv2.THRESH_BINARY_INV)[1]
    if _edge_density(ink) > BUSY_EDGES:
        return _drop_specks_by_labelling(grey, ink)
    blobs, seeds, _ = contour_boxes(ink, holes=False)
    # A blob of at most SPECK_AREA 8-connected pixels spans at most that many either way.
    fits = (blobs[:, 2] <= SPECK_AREA) & (blobs[:, 3] <= SPECK_AREA)
    if not fits.any():
        return grey
    if np.count_nonzero(fits) > MANY_SPECKS:
        return _drop_specks_by_labelling(grey, ink)
    grey = grey.copy()
    for (x, y, w, h), (sx, sy) in zip(blobs[fits], seeds[fits]):
        # Other blobs may reach into this one's box: label the box to pick out this blob's pixels.
        _, labels, stats, _ = cv2.connectedComponentsWithStats(ink[y : y + h, x : x + w], connectivity=8)
        label = labels[sy - y, sx - x]
        if stats[label, cv2.CC_STAT_AREA] <= SPECK_AREA:
            grey[y : y + h, x : x + w][labels == label] = 255
    return grey


def _edge_density(binary: np.ndarray) -> float:
    """Share of ink/paper changes between neighbours along every 8th row (cheap)."""
    rows = binary[::8]
    if rows.shape[1] < 2:
        return 0.0
    return cv2.countNonZero(cv2.compare(rows[:, 1:], rows[:, :-1], cv2.CMP_NE)) / float(rows.size)


def _drop_specks_by_labelling(grey: np.ndarray, ink: np.ndarray) -> np.ndarray:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = np.zeros(n, dtype=bool)
    small[1:] = stats[1:, cv2.CC_STAT_AREA] <= SPECK_AREA
    if not small.any():
        return grey
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
