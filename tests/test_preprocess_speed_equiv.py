"""The fast paths in preprocess.py give exactly what the direct definitions give.

Each reference below is the straightforward formulation the module used before it was made
faster (full-image labelling with statistics, full-image morphology, float arithmetic per
pixel). The inputs are random and adversarial: dense noise with nested blobs and holes, runs
touching the image edges, lengths at the thresholds, blobs at exactly SPECK_AREA pixels.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from extractors.readers import preprocess as pp
from extractors.readers.tones import grey_and_red_ink, to_grey

SEEDS = range(6)
SPECK_PIXELS = 10  # scanner dust at ~300 DPI


# ---- references ---------------------------------------------------------------------------


def ref_with_pieces(lines: np.ndarray, closed: np.ndarray, piece: int, gap: int) -> np.ndarray:
    """Every row's runs of lines-or-pieces, gaps closed, that hold a pixel of a line."""
    pieces = cv2.morphologyEx(closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (piece, 1)))
    joined = cv2.morphologyEx(cv2.bitwise_or(lines, pieces), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    out = np.zeros_like(lines)
    for y in range(lines.shape[0]):
        x = 0
        while x < lines.shape[1]:
            if not joined[y, x]:
                x += 1
                continue
            end = x
            while end < lines.shape[1] and joined[y, end]:
                end += 1
            if lines[y, x:end].any():
                out[y, x:end] = 255
            x = end
    return out


def ref_find_lines(mask: np.ndarray, dpi: int) -> tuple[np.ndarray, np.ndarray]:
    hk = max(40, int(dpi * 0.5))
    vk = max(30, int(dpi * 0.3))
    gap = max(5, int(round(dpi * 0.03)))
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 1)))
    horiz = cv2.morphologyEx(closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    horiz = ref_with_pieces(horiz, closed, hk // 3, gap)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 5)))
    vert = cv2.morphologyEx(closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    vert = ref_with_pieces(vert.T, np.ascontiguousarray(closed.T), vk // 3, gap).T
    return horiz, vert


def ref_find_cells(horiz: np.ndarray, vert: np.ndarray, dpi: int) -> list[pp.CellBox]:
    grid = cv2.dilate(cv2.bitwise_or(horiz, vert), cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    return ref_cells_of_grid(grid, dpi)


def ref_cells_of_grid(grid: np.ndarray, dpi: int) -> list[pp.CellBox]:
    n, _, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    tables = [tuple(int(v) for v in stats[i][:4]) for i in range(1, n) if stats[i][2] > dpi and stats[i][3] > dpi * 0.2]
    tables.sort(key=lambda t: (t[1], t[0]))
    min_w, min_h = int(dpi * 0.12), int(dpi * 0.08)
    out: list[pp.CellBox] = []
    for ti, (tx, ty, tw, th) in enumerate(tables):
        inside = cv2.bitwise_not(grid[ty : ty + th, tx : tx + tw])
        m, _, cstats, _ = cv2.connectedComponentsWithStats(inside, connectivity=4)
        boxes = []
        for j in range(1, m):
            x, y, w, h, _area = (int(v) for v in cstats[j])
            if x <= 1 or y <= 1 or x + w >= tw - 1 or y + h >= th - 1 or w < min_w or h < min_h:
                continue
            boxes.append((tx + x, ty + y, tx + x + w, ty + y + h))
        out.extend(pp._index_cells(ti, boxes, dpi))
    return out


def ref_drop_specks(grey: np.ndarray, level: float) -> np.ndarray:
    ink = (grey <= level).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = np.zeros(n, dtype=bool)
    small[1:] = stats[1:, cv2.CC_STAT_AREA] <= SPECK_PIXELS
    out = grey.copy()
    out[small[labels]] = 255
    return out


def ref_normalise(grey: np.ndarray) -> np.ndarray:
    grey = cv2.medianBlur(grey, 3)
    level, _ = cv2.threshold(cv2.GaussianBlur(grey, (3, 3), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    lo = pp.grey_percentile(grey, 0.5)
    span = max(level - lo, 1.0)
    out = np.clip((grey.astype(np.float32) - lo) * (200.0 / span), 0, 255).astype(np.uint8)
    out[grey > level] = 255
    return ref_drop_specks(out, level)


def ref_text_runs_vertically(mask: np.ndarray, dpi: int) -> bool:
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

    return long_blobs((1, k), False) > 1.5 * long_blobs((k, 1), True)


def ref_to_grey(rgb: np.ndarray) -> np.ndarray:
    """Luminance where a pixel is red by up to 20 levels over green and blue, the red channel
    from 60 on, blended linearly in between (weights in 1/255ths, rounded half to even)."""
    lum = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.int64)
    red, green, blue = (rgb[:, :, i].astype(np.int64) for i in range(3))
    margin = np.maximum(red - np.maximum(green, blue), 0)
    weight = np.clip((margin - 20) * 255.0 / 40, 0, 255).astype(np.int64)
    lighter = np.rint(np.maximum(red - lum, 0) * weight / 255.0).astype(np.int64)
    return np.minimum(lum + lighter, 255).astype(np.uint8)


def ref_holes(binary: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes of the 4-connected background regions that do not reach the image border, in
    raster order of their first pixel."""
    padded = cv2.copyMakeBorder((binary == 0).astype(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=1)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(padded, connectivity=4)
    outside = labels[0, 0]
    return [
        (int(stats[i][0]) - 1, int(stats[i][1]) - 1, int(stats[i][2]), int(stats[i][3]))
        for i in in_raster_order(labels)
        if i not in (0, outside)
    ]


def in_raster_order(labels: np.ndarray) -> list[int]:
    found, first = np.unique(labels.ravel(), return_index=True)
    return [int(found[i]) for i in np.argsort(first)]


# ---- random inputs ------------------------------------------------------------------------


def noise(rng: np.random.Generator, shape: tuple[int, int], density: float) -> np.ndarray:
    return np.where(rng.random(shape) < density, 255, 0).astype(np.uint8)


def ruled_page(rng: np.random.Generator, shape: tuple[int, int] = (420, 330)) -> np.ndarray:
    """A 0/255 mask with ruled tables (some nested, some cut by the edge), broken lines,
    text-like strokes and specks: what find_lines and find_cells see on a form."""
    h, w = shape
    img = np.zeros(shape, np.uint8)
    for _ in range(rng.integers(1, 4)):
        x0, y0 = int(rng.integers(-20, w - 60)), int(rng.integers(-20, h - 60))
        x1, y1 = x0 + int(rng.integers(60, w)), y0 + int(rng.integers(40, h // 2))
        t = int(rng.integers(1, 4))
        xs = sorted({x0, x1, *(int(v) for v in rng.integers(x0, x1, rng.integers(0, 6)))})
        ys = sorted({y0, y1, *(int(v) for v in rng.integers(y0, y1, rng.integers(0, 6)))})
        for y in ys:
            cv2.line(img, (x0, y), (x1, y), 255, t)
        for x in xs:
            cv2.line(img, (x, y0), (x, y1), 255, t)
    for _ in range(rng.integers(0, 40)):  # strokes, some long enough to count as lines
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        if rng.random() < 0.5:
            cv2.line(img, (x, y), (x + int(rng.integers(2, 90)), y), 255, int(rng.integers(1, 3)))
        else:
            cv2.line(img, (x, y), (x, y + int(rng.integers(2, 90))), 255, int(rng.integers(1, 3)))
    img[noise(rng, shape, 0.004) > 0] = 255
    img[noise(rng, shape, 0.01) > 0] = 0  # breaks in lines
    return img


# ---- tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("density", [0.2, 0.45, 0.6])
def test_contour_boxes_equal_labelling(seed: int, density: float) -> None:
    rng = np.random.default_rng(seed)
    img = noise(rng, (int(rng.integers(1, 90)), int(rng.integers(1, 90))), density)
    blobs, seeds, holes = pp.contour_boxes(img)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(img, connectivity=8)
    order = [i for i in in_raster_order(labels) if i != 0]
    assert blobs.tolist() == [[int(v) for v in stats[i][:4]] for i in order]
    # Each seed is its blob's first pixel.
    assert seeds.tolist() == [[int(v) for v in np.argwhere(labels == i)[0][::-1]] for i in order]
    assert list(map(tuple, holes.tolist())) == ref_holes(img)
    without_holes = pp.contour_boxes(img, holes=False)
    assert np.array_equal(without_holes[0], blobs) and len(without_holes[2]) == 0


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dpi", [60, 100, 150, 300])
def test_find_lines_and_cells_equal_full_image_operations(seed: int, dpi: int) -> None:
    mask = ruled_page(np.random.default_rng(seed))
    horiz, vert = pp.find_lines(mask, dpi)
    ref_h, ref_v = ref_find_lines(mask, dpi)
    assert np.array_equal(horiz, ref_h)
    assert np.array_equal(vert, ref_v)
    cells = pp.find_cells(horiz, vert, dpi)
    assert cells == ref_find_cells(ref_h, ref_v, dpi)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("density", [0.3, 0.5, 0.65])
def test_cells_of_any_grid_equal_labelling(seed: int, density: float) -> None:
    """Thin, noisy grids: holes one pixel from a table's box edge, holes of other blobs inside
    the box, tables overlapping; a low dpi makes nearly every blob a table and hole a cell."""
    rng = np.random.default_rng(seed)
    grid = noise(rng, (int(rng.integers(10, 120)), int(rng.integers(10, 120))), density)
    for dpi in (5, 10, 20):
        assert pp._cells_of_grid(grid, dpi) == ref_cells_of_grid(grid, dpi)


def test_find_cells_sees_nested_tables_and_cells_as_labelling_does() -> None:
    grid = np.zeros((400, 500), np.uint8)
    for y in (20, 120, 380):
        cv2.line(grid, (20, y), (480, y), 255, 2)
    for x in (20, 250, 480):
        cv2.line(grid, (x, 20), (x, 380), 255, 2)
    for y in (160, 240, 320):  # a table inside the lower-left cell
        cv2.line(grid, (40, y), (230, y), 255, 2)
    for x in (40, 130, 230):
        cv2.line(grid, (x, 160), (x, 320), 255, 2)
    empty = np.zeros_like(grid)
    cells = pp.find_cells(grid, empty, 100)
    assert cells == ref_find_cells(grid, empty, 100)
    # The outer table's box also holds the inner table's cells: they count in both, as before.
    assert len({c.table for c in cells}) == 2 and len(cells) == 4 + 4 + 4


@pytest.mark.parametrize("seed", SEEDS)
def test_long_runs_at_the_edges_and_at_the_threshold(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(20, 200)), int(rng.integers(20, 200))
    length = int(rng.integers(3, 120))
    img = np.zeros((h, w), np.uint8)
    for _ in range(60):
        r, c = int(rng.integers(0, h)), int(rng.integers(0, w))
        # At an edge a run needs only about half the kernel inside the image to survive.
        run = int(rng.integers(length // 2 - 2, length + 3))
        start = 0 if rng.random() < 0.2 else (max(0, w - run) if rng.random() < 0.25 else c)
        img[r, start : start + run] = 255
        run = int(rng.integers(length // 2 - 2, length + 3))
        start = 0 if rng.random() < 0.2 else (max(0, h - run) if rng.random() < 0.25 else r)
        img[start : start + run, c] = 255
    for vertical, ksize in ((False, (length, 1)), (True, (1, length))):
        ref = cv2.morphologyEx(img, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, ksize))
        assert np.array_equal(pp._long_runs(img, length, vertical), ref)
    assert not np.array_equal(img, np.zeros_like(img))


@pytest.mark.parametrize("seed", SEEDS)
def test_drop_specks_equals_labelling(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(30, 160)), int(rng.integers(30, 160)))
    grey = np.full(shape, 230, np.uint8)
    grey[noise(rng, shape, float(rng.uniform(0.05, 0.5))) > 0] = 40  # blobs of every size, many near 10 px
    grey[rng.random(shape) < 0.1] = 120  # a second ink shade at the threshold
    paths = [  # a look at each blob; too many specks after all; grain seen up front
        {"BUSY_EDGES": np.inf, "MANY_SPECKS": 10**9},
        {"BUSY_EDGES": np.inf, "MANY_SPECKS": 0},
        {"BUSY_EDGES": -1.0},
    ]
    for level in (40.0, 120.0, 119.6):
        expected = ref_drop_specks(grey, level)
        for settings in paths:
            for name, value in settings.items():
                monkeypatch.setattr(pp, name, value)
            assert np.array_equal(pp._drop_specks(grey, level), expected), settings
            monkeypatch.undo()
    assert not np.array_equal(ref_drop_specks(grey, 120.0), grey)


def test_a_ten_pixel_blob_goes_and_an_eleven_pixel_one_stays() -> None:
    grey = np.full((30, 40), 250, np.uint8)
    grey[5, 2:12] = 0  # 10 pixels
    grey[15, 2:13] = 0  # 11 pixels
    grey[22:24, 30:35] = 0  # 10 pixels, in the box of the next one
    grey[20, 28:39] = 0
    out = pp._drop_specks(grey, 100.0)
    assert (out[5, 2:12] == 255).all() and (out[15, 2:13] == 0).all()
    assert (out[22:24, 30:35] == 255).all() and (out[20, 28:39] == 0).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_normalise_equals_float_formula(seed: int) -> None:
    rng = np.random.default_rng(seed)
    grey = rng.normal(200, 40, (120, 150)).clip(0, 255).astype(np.uint8)
    grey[30:40, 10:140] = rng.integers(0, 90, (10, 130))
    assert np.array_equal(pp._normalise(grey), ref_normalise(grey))


@pytest.mark.parametrize("seed", SEEDS)
def test_text_runs_vertically_equals_labelling(seed: int) -> None:
    rng = np.random.default_rng(seed)
    mask = np.zeros((300, 240), np.uint8)
    vertical = seed % 2 == 1
    for _ in range(int(rng.integers(5, 40))):  # text-like rows (or columns) of glyph blobs
        x, y = int(rng.integers(0, 200)), int(rng.integers(0, 260))
        for i in range(int(rng.integers(3, 15))):
            gx, gy = (x, y + 12 * i) if vertical else (x + 12 * i, y)
            cv2.rectangle(mask, (gx, gy), (gx + 8, gy + 8), 255, -1 if rng.random() < 0.5 else 1)
    mask[noise(rng, mask.shape, 0.01) > 0] = 255
    for dpi in (100, 150, 300):
        assert pp.text_runs_vertically(mask, dpi) == ref_text_runs_vertically(mask, dpi)


@pytest.mark.parametrize("seed", SEEDS)
def test_smooth3_is_gaussian_blur(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for shape in [(1, 1), (1, 7), (9, 1), (2, 2), tuple(int(v) for v in rng.integers(3, 300, 2))]:
        grey = rng.integers(0, 256, shape, dtype=np.uint8)
        assert np.array_equal(pp._smooth3(grey), cv2.GaussianBlur(grey, (3, 3), 0))
        binary = np.where(grey > 128, 255, 0).astype(np.uint8)  # sums at every rounding tie
        assert np.array_equal(pp._smooth3(binary), cv2.GaussianBlur(binary, (3, 3), 0))


def test_uniform_histogram_equals_numpy_with_values_on_edges() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        w, h = (int(v) for v in rng.integers(20, 900, 2))
        hist = pp._UniformHistogram(-w, h + w, h + 2 * w)
        edges = hist.edges[rng.integers(0, h + 2 * w + 1, 300)]
        near = [np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf)]
        values = np.concatenate([rng.uniform(-w / 10, h + w / 10, 3000), edges, *near])
        values = values[(values >= -w) & (values <= h + w)]
        expected, _ = np.histogram(values, bins=h + 2 * w, range=(-w, h + w))
        assert np.array_equal(hist(values), expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_to_grey_equals_masked_assignment(seed: int) -> None:
    rgb = np.random.default_rng(seed).integers(0, 256, (60, 70, 3), dtype=np.uint8)
    assert np.array_equal(to_grey(rgb), ref_to_grey(rgb.copy()))
    assert np.array_equal(to_grey(np.dstack([rgb, rgb[:, :, :1]])), ref_to_grey(rgb.copy()))
    # The red-ink mask comes from the same pass: red over both green and blue by more than 60.
    red = rgb[:, :, 0].astype(int) - np.maximum(rgb[:, :, 1], rgb[:, :, 2]).astype(int) > 60
    grey, ink = grey_and_red_ink(rgb)
    assert np.array_equal(grey, ref_to_grey(rgb.copy())) and np.array_equal(ink > 0, red)


def test_grid_is_the_whitened_lines_dilation() -> None:
    lines = ruled_page(np.random.default_rng(3))
    twice = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)), iterations=2)
    assert np.array_equal(pp._grid(lines, np.zeros_like(lines)), twice)
