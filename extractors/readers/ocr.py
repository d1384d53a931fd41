"""A page image → prepared image → OCR words → segments (one per table cell, else one per line run).

The engine (extractors.readers.engines) is single-threaded; parallelism is one process per core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from dossierflow.models import Segment
from extractors.readers.engines import OcrEngine, default_engine
from extractors.readers.ocr_layout import Region, Word, overlap_area, regions_of, segments_of
from extractors.readers.preprocess import Prepared, half_turn, map_box, prepare
from extractors.readers.reread import RereadPolicy, reread_page
from extractors.readers.unread_ink import unread_ink
from extractors.readers.unread_lines import read_unread_cells, read_unread_lines, reread_stacked_cells, reread_tangled_lines
from extractors.readers.upside_down import looks_upside_down

LOW_CONFIDENCE = 0.6  # below this mean word confidence, the page orientation is re-checked
UPSIDE_DOWN_CONF = 0.45  # below this, a page OSD cannot orient is also read turned 180°


@dataclass(frozen=True)
class OcrPage:
    """OCR of one page image, boxes in ORIGINAL image pixels."""

    segments: list[Segment]  # boxes still in original pixels; the caller scales to points
    confidence: Optional[float]
    rotation: int
    skew: float
    dpi: int
    # Boxes (original pixels) of ink no read word accounts for (unread_ink.unread_ink).
    unread_ink: tuple[tuple[float, float, float, float], ...] = ()


def _mean_conf(words: list[Word]) -> float:
    return float(np.mean([w.conf for w in words])) if words else 0.0


def _first_reading(prep: Prepared, engine: OcrEngine) -> tuple[Prepared, list[Word], set[int]]:
    """The page read the way it reads well, and the rotations tried on the way.

    A page read upright worse than UPSIDE_DOWN_CONF is most often one fed into the scanner
    upside down (OSD is often unsure on Chinese pages, and costs a third of a reading): the half
    turn is read, from the prepared image turned, and kept only if better. A page whose lines
    look upside down (`upside_down`) is read turned first, which saves the upright reading; a
    turned reading of LOW_CONFIDENCE or more is what reading upright first would have come to,
    as an upright page read turned, and an upside-down one read upright, read far worse than
    UPSIDE_DOWN_CONF. Below it, the page is read upright as well and the rule above decides.
    """
    turned, turned_words = None, None
    if looks_upside_down(prep.image, prep.dpi):
        turned = half_turn(prep)
        turned_words = engine.words(turned.image)
        if turned_words and _mean_conf(turned_words) >= LOW_CONFIDENCE:
            return turned, turned_words, {prep.rotation, turned.rotation}
    words = engine.words(prep.image)
    conf = _mean_conf(words)
    tried = {prep.rotation}
    if words and conf < UPSIDE_DOWN_CONF:
        if turned is None:
            turned = half_turn(prep)
            turned_words = engine.words(turned.image)
        tried.add(turned.rotation)
        if _mean_conf(turned_words) > conf:
            return turned, turned_words, tried
    return prep, words, tried


def ocr_image(image: np.ndarray, dpi: float, engine: Optional[OcrEngine] = None,
              policy: Optional[RereadPolicy] = None) -> OcrPage:
    """Prepare, OCR once, and only if confidence is low ask OSD whether the page is turned.

    `policy` (extraction's: `extractors.reread_policy`) chooses the regions the second
    recogniser reads again; without one, only the passes that need no knowledge of what a page
    holds run (weak regions, tangled and dropped lines)."""
    engine = engine or default_engine()
    prep = prepare(image, dpi)
    prep, words, tried = _first_reading(prep, engine)
    conf = _mean_conf(words)
    if conf < LOW_CONFIDENCE or len(words) < 3:
        turn = engine.orientation(prep.image)
        rotation = (prep.rotation + turn) % 360 if turn else None
        if rotation is not None and rotation not in tried:
            retry = half_turn(prep) if turn == 180 else prepare(image, dpi, rotation=rotation)
            retry_words = engine.words(retry.image)
            if _mean_conf(retry_words) > conf:
                prep, words, conf = retry, retry_words, _mean_conf(retry_words)
    regions = regions_of(words, prep)
    regions = retry_weak_regions(regions, prep, engine)
    # Two lines of prose Tesseract tangled into overlapping pieces are read band by band.
    regions = reread_tangled_lines(regions, prep, policy=policy)
    # A label a narrow cell broke over two lines, read as one line of tall glyphs: line by line.
    regions = reread_stacked_cells(regions, prep, policy=policy)
    # Tesseract's model lacks characters common in names (阎, 鑫): a second recogniser reads
    # the regions the policy names (names, values Tesseract was unsure of ...) again.
    if policy is not None:
        regions = reread_page(regions, prep, policy)
    # A line Tesseract dropped whole (a signature line in a script face) is read by it too.
    regions = read_unread_lines(regions, prep, policy=policy)
    # A row read in part, a cell of it holding ink but no word (a figure dropped beside others).
    regions = read_unread_cells(regions, prep, engine)
    all_words = [w for r in regions for w in r.words]
    conf = _mean_conf(all_words)
    segments = segments_of(regions, prep)
    ink = tuple(map_box(prep.to_original, box) for box in unread_ink(regions, prep))
    return OcrPage(segments, round(conf, 4) if all_words else None, prep.rotation, prep.skew, prep.dpi, ink)


RETRY_CONF = 0.75  # regions read less confidently than this get a second, isolated look
_DOUBT = "?"  # Tesseract's guess for a glyph it could not place (2004年?月); forms never ask questions
RETRY_PAD = 16  # white margin around each region in the composite, prepared-image pixels
RETRY_GAP = 24  # white rows between stacked regions
MAX_SHEET_PX = 30_000  # Tesseract refuses images taller than 32767 pixels
# A second reading must account for most of the ink the first one read: read alone, a script
# signature's line can come back as one sure glyph from the top of its first character (谭 → 西),
# which is more confident than the first reading and would drop the rest of the line.
RETRY_MIN_SPAN = 0.5


def _span(words: list[Word]) -> int:
    return max(w.box[2] for w in words) - min(w.box[0] for w in words)


def _overlap_share(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """The share of the smaller box that the two boxes have in common."""
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return overlap_area(a, b) / smaller if smaller > 0 else 0.0


def _merge_overlapping_runs(regions: list[Region], weak: list[Region]) -> tuple[list[Region], list[Region]]:
    """Weak text runs whose boxes mostly overlap become one region (in the first one's place),
    a merged region's box compared again with the rest until none overlaps: a small run inside
    a signature line must not take the line away from a run lying on it (钱队污 over 承诺人（签名）:
    和过瑟, which stayed two readings of one signature)."""
    groups = [[r] for r in weak if r.cell is None and r.words]
    boxes = [g[0].box() for g in groups]  # each group's union box, kept as groups merge
    joined = True
    while joined:
        joined = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if _overlap_share(boxes[i], boxes[j]) > 0.5:
                    groups[i].extend(groups.pop(j))
                    b = boxes.pop(j)
                    boxes[i] = (min(boxes[i][0], b[0]), min(boxes[i][1], b[1]), max(boxes[i][2], b[2]), max(boxes[i][3], b[3]))
                    joined = True
                    break
            if joined:
                break
    merged = {id(g[0]): Region(None, [w for r in g for w in r.words]) for g in groups if len(g) > 1}
    gone = {id(r) for g in groups if len(g) > 1 for r in g[1:]}
    if not merged:
        return regions, weak
    swap = lambda r: merged.get(id(r), r)  # noqa: E731
    return [swap(r) for r in regions if id(r) not in gone], [swap(r) for r in weak if id(r) not in gone]


def retry_weak_regions(regions: list[Region], prep: Prepared, engine: OcrEngine) -> list[Region]:
    """Re-read weak regions on their own, all in ONE extra Tesseract call.

    In a full-page pass a cell's text is read as part of a line running across the row, and
    neighbouring cells and leftover ink disturb it; cropped and stacked alone, the same pixels
    often read right. The new reading is kept only where it is more confident.
    """
    weak = [r for r in regions if r.conf() < RETRY_CONF or any(_DOUBT in w.text for w in r.words)]
    if not weak:
        return regions
    # A line in a large font (a certificate's title) can come out as two overlapping half-lines;
    # cropped apart, each crop would hold the whole line and both would read it. One crop each.
    regions, weak = _merge_overlapping_runs(regions, weak)
    h, w = prep.image.shape[:2]
    crops, bands = [], []
    y = 0
    for r in weak:
        x0, y0, x1, y1 = r.box()
        if r.cell is None:  # a text run: take some margin, its box is tight on the ink
            m = max(4, (y1 - y0) // 3)
            x0, y0, x1, y1 = x0 - m, y0 - m, x1 + m, y1 + m
        else:  # a cell: stay clear of where its ruling lines were
            x0, y0, x1, y1 = x0 + 3, y0 + 3, x1 - 3, y1 - 3
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if x1 - x0 < 4 or y1 - y0 < 4:
            crops.append(None)
            continue
        crop = prep.image[y0:y1, x0:x1]
        if y + crop.shape[0] + 2 * RETRY_PAD > MAX_SHEET_PX:  # no room left: keep the first reading
            crops.append(None)
            continue
        crops.append((crop, x0, y0))
        bands.append((y + RETRY_PAD, y + RETRY_PAD + crop.shape[0]))
        y += crop.shape[0] + 2 * RETRY_PAD + RETRY_GAP
    live = [c for c in crops if c is not None]
    if not live:
        return regions
    width = max(c[0].shape[1] for c in live) + 2 * RETRY_PAD
    sheet = np.full((y, width), 255, dtype=np.uint8)
    for (crop, _, _), (b0, _) in zip(live, bands):
        sheet[b0 : b0 + crop.shape[0], RETRY_PAD : RETRY_PAD + crop.shape[1]] = crop
    found = engine.words(sheet)
    per_band: list[list[Word]] = [[] for _ in live]
    for word in found:
        cy = (word.box[1] + word.box[3]) / 2
        for i, (b0, b1) in enumerate(bands):
            if b0 - RETRY_PAD <= cy <= b1 + RETRY_PAD:
                _, ox, oy = live[i]
                dx, dy = ox - RETRY_PAD, oy - b0
                per_band[i].append(
                    Word(word.text, (word.box[0] + dx, word.box[1] + dy, word.box[2] + dx, word.box[3] + dy), word.conf, (i, *word.line_key[1:]))
                )
                break
    out = list(regions)
    live_regions = [r for r, c in zip(weak, crops) if c is not None]
    for region, new_words in zip(live_regions, per_band):
        if not new_words or _mean_conf(new_words) <= region.conf():
            continue
        if region.words and _span(new_words) < RETRY_MIN_SPAN * _span(region.words):
            continue
        out[out.index(region)] = Region(region.cell, new_words)
    return out


