"""Lines of ink Tesseract returned no words for, or words it tangled, read by the second recogniser.

Tesseract's page segmentation drops a whole line when part of it is in a larger or script-like
face: the pledge's signature line (承诺人签名： followed by the signature) is the common case, and
without it a signed pledge reads as unsigned. Such a line shows on the prepared page as a band of
ink rows that no word box reaches. Each band of text-line height and width is cropped and read by
`linerec`; a reading is kept only when it is confident and holds Chinese text, so stamps, photos
and decorations (which read as low-confidence noise) add nothing.

On a clean page Tesseract can also tangle two lines of prose into pieces that overlap (a
publicity statement's period read 求，我单位于2020 | /5/16至20207/5 | 天在单位…, one of them two
lines high). `reread_tangled_lines` reads such an area band by band instead, and keeps the new
lines only when every band reads surely.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Optional

import numpy as np

from extractors.readers.linerec import INK_LEVEL, join_runs, line_band, row_bands, shared_recognizer
from extractors.readers.ocr_layout import Region, Word, mostly_within, overlap_area, text_lines
from extractors.readers.preprocess import CELL_INSET, CellBox, Prepared
from extractors.readers.reread import RereadPolicy, widen_to_ink
from extractors.readers.unread_ink import unread_ink

MIN_LINE_IN, MAX_LINE_IN = 0.08, 0.5  # band heights of one line of 9-28 pt print
MIN_WIDTH_IN = 0.6  # a line worth reading holds at least a label or a name
MIN_ROW_INK = 3  # ink pixels a row needs to belong to a band (dust does not make a line)
WORD_MARGIN = 6  # pixels around read words whose ink counts as read
MAX_BANDS = 6  # per page: the bands are few on a form; more means a picture or a damaged page
MIN_CONF = 0.8
# A line that reads as a form's label and its value (姓 名：澎梅燕) is text, not a seal's or a
# photo's noise, even when a character of the value is unsure: kept at this confidence and
# above, as unsure as it reads, for the fields' checks against other pages to settle.
LABELLED_MIN_CONF = 0.6
_LABELLED = re.compile(r"^[\u4e00-\u9fff][\u4e00-\u9fff ]{1,11}[:：]\s*[\u4e00-\u9fff0-9A-Za-z]")
LINE_SHARE = 0.1  # of a band's range of ink per row: rows above its floor by this much are text
# Ink this far apart on one band of rows is separate things (a line's text, a seal's ring at the
# margin); a form row's label and value cells are closer.
PIECE_GAP_IN = 2.0
CELL_GAP = 1.0  # band heights of paper between a row's cells, when a row is read cell by cell
_LINE_KEY_BLOCK = 9_000  # line keys of added lines stay clear of Tesseract's own block numbers


def _bands(unread: np.ndarray, dpi: int) -> list[tuple[int, int]]:
    lo, hi = MIN_LINE_IN * dpi, MAX_LINE_IN * dpi
    per_row = unread.sum(axis=1)
    out: list[tuple[int, int]] = []
    for s, e in row_bands(per_row >= MIN_ROW_INK):
        # A seal or a frame line beside two lost lines inks the rows between them too: within a
        # band, rows inked clearly more than its least inked row are its lines, when that makes
        # two or more bands of a line's height.
        rows = per_row[s:e]
        floor = int(rows.min())
        parts = [(a, b) for a, b in row_bands(rows >= floor + max(MIN_ROW_INK, LINE_SHARE * (int(rows.max()) - floor)))
                 if b - a >= lo]
        out += [(s + a, s + b) for a, b in (parts if len(parts) > 1 else [(0, e - s)])]
    return [(s, e) for s, e in out if lo <= e - s <= hi]


def _clear_of(band: tuple[int, int], read_rows: list[tuple[int, int]], min_rows: float) -> Optional[tuple[int, int]]:
    """The longest run of the band's rows that no read word reaches, when a line's height. A band
    level with read words is the rest of a read line, not a lost one; but a lost line whose ink
    runs on into the next line's rows (a short line 学历：本科 above a seal's ring that crosses the
    line below) is a line of its own above them."""
    y0, y1 = band
    free = np.ones(y1 - y0, dtype=bool)
    for a, b in read_rows:
        if a < y1 and b > y0:
            free[max(a, y0) - y0 : min(b, y1) - y0] = False
    runs = row_bands(free)
    if not runs:
        return None
    s, e = max(runs, key=lambda r: r[1] - r[0])
    return (y0 + s, y0 + e) if e - s >= min_rows else None


def _pieces(inked_cols: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """Runs of inked columns, joined across gaps narrower than `gap`: a line's text, apart from
    a stamp or a frame line further along the same rows."""
    return join_runs(row_bands(inked_cols), gap)


def read_unread_lines(regions: list[Region], prep: Prepared, recognizer=None,
                      policy: Optional[RereadPolicy] = None) -> list[Region]:
    """`regions` plus one region per confidently read line that Tesseract left out. A line whose
    reading fails `policy`'s band check is read again on its own rows (see `_read`)."""
    rec = recognizer if recognizer is not None else shared_recognizer()
    if not rec.available():
        return regions
    image = prep.image
    unread = image < INK_LEVEL
    h, w = unread.shape
    for region in regions:
        for word in region.words:
            x0, y0, x1, y1 = word.box
            unread[max(0, y0 - WORD_MARGIN) : min(h, y1 + WORD_MARGIN), max(0, x0 - WORD_MARGIN) : min(w, x1 + WORD_MARGIN)] = False
    read_rows = [(wd.box[1], wd.box[3]) for r in regions for wd in r.words]
    bands = [part for band in _bands(unread, prep.dpi) if (part := _clear_of(band, read_rows, MIN_LINE_IN * prep.dpi))]
    if not bands or len(bands) > MAX_BANDS:
        return regions
    added: list[Region] = []
    for i, (y0, y1) in enumerate(bands):
        pad = max(4, (y1 - y0) // 3)
        top, bottom = max(0, y0 - pad), min(h, y1 + pad)
        inked = unread[y0:y1].any(axis=0)
        pieces = [(a, b) for a, b in _pieces(inked, int(PIECE_GAP_IN * prep.dpi)) if b - a >= MIN_WIDTH_IN * prep.dpi]
        if not pieces:
            # Short pieces far apart are a table row's cells (2020 | 40 | 90 | 130): the band whole.
            cols = np.flatnonzero(inked)
            pieces = [(int(cols[0]), int(cols[-1]) + 1)] if cols.size and cols[-1] - cols[0] >= MIN_WIDTH_IN * prep.dpi else []
        for c0, c1 in pieces:
            x0, x1 = max(0, c0 - pad), min(w, c1 + pad)
            reading = _read(rec, image[top:bottom, x0:x1], policy)
            if reading is not None:
                added.append(Region(None, [Word(reading[0], (x0, y0, x1, y1), reading[1], (_LINE_KEY_BLOCK + i, 1, 1))]))
                continue
            # Unsure as a whole. A table row Tesseract lost (2018 | 32 | 64 | 96 | 合格, the
            # ruling lines' traces read between them) is read cell by cell, into its cells.
            row = [c for c in prep.cells if c.box[1] <= (y0 + y1) / 2 <= c.box[3] and c.box[0] < x1 and c.box[2] > x0]
            if row:
                added += _read_cells(rec, image, row, (top, bottom), i)
                continue
            # A form row without ruling (姓名 | 孟和 | 性别 | 女 read as one line): each run of
            # ink a glyph's gap from the next, read alone; the form reader pairs them again.
            band_h = y1 - y0
            for s0, s1 in _pieces(unread[y0:y1, c0:c1].any(axis=0), int(CELL_GAP * band_h)):
                if s1 - s0 < 1.5 * band_h:
                    continue
                x0, x1 = max(0, c0 + s0 - pad), min(w, c0 + s1 + pad)
                part = _read(rec, image[top:bottom, x0:x1], policy)
                if part is not None:
                    added.append(Region(None, [Word(part[0], (x0, y0, x1, y1), part[1], (_LINE_KEY_BLOCK + i, 1, 1))]))
    return regions + added if added else regions


def _read_cells(rec, image: np.ndarray, cells: list[CellBox], rows: tuple[int, int], i: int) -> list[Region]:
    """The cells of a lost table row, each read alone within the row's band: values of a table
    are numbers as often as words, so a sure reading of either is kept."""
    out: list[Region] = []
    for cell in sorted(cells, key=lambda c: c.box[0]):
        x0, y0 = cell.box[0] + CELL_INSET, max(rows[0], cell.box[1] + CELL_INSET)
        x1, y1 = cell.box[2] - CELL_INSET, min(rows[1], cell.box[3] - CELL_INSET)
        if x1 - x0 < 8 or y1 - y0 < 8:
            continue
        try:
            reading = rec.read(image[y0:y1, x0:x1])
        except Exception:  # noqa: BLE001 - as in _read
            continue
        text = reading.text.strip() if reading is not None else ""
        if text and reading.conf >= MIN_CONF and any(ch.isalnum() for ch in text):
            out.append(Region(cell, [Word(text, (x0, y0, x1, y1), reading.conf, (_LINE_KEY_BLOCK + i, 1, 1))]))
    return out


def read_unread_cells(regions: list[Region], prep: Prepared, engine) -> list[Region]:
    """`regions` plus the cells of a table row Tesseract read in part that hold a mark of a
    character's size it returned no word for (2020 | · | 72 | · : a photographed card's figures
    dropped beside ones it read, so no line is left unread for `read_unread_lines` to find).
    Each such cell is read alone by `engine` on white paper, where nothing of the row disturbs
    it; only its sure words are kept (a seal's edge beside them reads unsurely)."""
    if not prep.cells:
        return regions
    read = {r.cell for r in regions if r.cell is not None and r.words}
    rows_read = {(c.table, c.row) for c in read}
    empty = [c for c in prep.cells if c not in read and (c.table, c.row) in rows_read]
    if not empty:
        return regions
    marks = unread_ink(regions, prep)
    inked = [c for c in empty if any(_centre_within(m, c.box) for m in marks)]
    added: list[Region] = []
    for i, cell in enumerate(inked[:MAX_BANDS]):
        x0, y0, x1, y1 = (cell.box[0] + CELL_INSET, cell.box[1] + CELL_INSET, cell.box[2] - CELL_INSET, cell.box[3] - CELL_INSET)
        if x1 - x0 < 8 or y1 - y0 < 8:
            continue
        sheet = np.full((y1 - y0 + 2 * SHEET_MARGIN, x1 - x0 + 2 * SHEET_MARGIN), 255, np.uint8)
        sheet[SHEET_MARGIN:-SHEET_MARGIN, SHEET_MARGIN:-SHEET_MARGIN] = prep.image[y0:y1, x0:x1]
        dx, dy = x0 - SHEET_MARGIN, y0 - SHEET_MARGIN
        # Line keys after every band `read_unread_lines` may add.
        key = (_LINE_KEY_BLOCK + MAX_BANDS + 1 + i, 1, 1)
        words = [Word(w.text, (w.box[0] + dx, w.box[1] + dy, w.box[2] + dx, w.box[3] + dy), w.conf, key)
                 for w in engine.words(sheet) if w.conf >= MIN_CONF and any(ch.isalnum() for ch in w.text)]
        if words:
            added.append(Region(cell, words))
    return regions + added if added else regions


SHEET_MARGIN = 32  # white pixels around a cell read alone


def _centre_within(mark: tuple[int, int, int, int], box: tuple[int, int, int, int]) -> bool:
    x, y = (mark[0] + mark[2]) / 2, (mark[1] + mark[3]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _read(rec, crop: np.ndarray, policy: Optional[RereadPolicy] = None,
          min_han: int = 2, floor: float = MIN_CONF) -> Optional[tuple[str, float]]:
    try:
        reading = rec.read(crop)
        conf = reading.conf if reading is not None else 0.0
        check = policy.band_check(reading.text) if policy is not None and reading is not None else None
        if check is not None:
            # A reading that fails the policy's check (a date that is no date: 一了一八年一月, a
            # seal's ring across 二〇): read again on the line's own rows, taken when it passes.
            again = rec.read(line_band(crop))
            if again is not None and check(again.text):
                reading, conf = again, again.conf_given(check)
    except Exception:  # noqa: BLE001 - a second opinion that fails leaves Tesseract's page as it was
        return None
    if reading is None:
        return None
    text = reading.text.strip()
    if conf < floor and not (conf >= LABELLED_MIN_CONF and _LABELLED.match(text)):
        return None
    if sum("\u4e00" <= ch <= "\u9fff" for ch in text) < min_han or len("".join(text.split())) < 2:
        return None
    if not any(ch.isalnum() for ch in text):
        return None
    return text, conf


TANGLED_HEIGHT = 1.6  # a loose region this many of its words' heights tall holds two lines
TANGLED_CHARS = 6  # and this many characters at least (a tall signature stroke is no tangle)


def reread_tangled_lines(regions: list[Region], prep: Prepared, recognizer=None,
                         policy: Optional[RereadPolicy] = None) -> list[Region]:
    """`regions` with each area of loose regions Tesseract tangled (words of one region lying on
    words of another, one of the regions two lines high) replaced by its lines read one band of
    ink at a time; unchanged where any band of the area does not read surely."""
    loose = [r for r in regions if r.cell is None and r.words]
    areas = [a for a in _tangles(loose) if any(_two_lines_high(r) for r in a)]
    if not areas:
        return regions
    rec = recognizer if recognizer is not None else shared_recognizer()
    if not rec.available():
        return regions
    out = list(regions)
    for area in areas:
        # The pieces lying in the area go with it (求，我单位于2020 beside the tangle).
        grew = True
        while grew:
            box = (min(r.box()[0] for r in area), min(r.box()[1] for r in area),
                   max(r.box()[2] for r in area), max(r.box()[3] for r in area))
            inside = [r for r in loose if not any(r is a for a in area) and mostly_within(r.box(), box)]
            area, grew = area + inside, bool(inside)
        others = [r.box() for r in loose if not any(r is a for a in area)]
        lines = _band_readings(rec, prep, box, len(out), others, policy)
        if lines is not None:
            out = [r for r in out if not any(r is a for a in area)] + lines
    return out


def _two_lines_high(region: Region) -> bool:
    x0, y0, x1, y1 = region.box()
    word_h = float(np.median([w.box[3] - w.box[1] for w in region.words]))
    chars = sum(len(w.text.strip()) for w in region.words)
    return chars >= TANGLED_CHARS and y1 - y0 > TANGLED_HEIGHT * word_h


def _tangles(loose: list[Region]) -> list[list[Region]]:
    """Groups of loose regions joined by words lying on each other's words (a third of the
    smaller word or more): Tesseract read the same ink into two regions. Laid-out text never
    does that, however close its lines."""
    parent = list(range(len(loose)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(loose):
        for j in range(i + 1, len(loose)):
            b = loose[j]
            if overlap_area(a.box(), b.box()) and any(_words_overlap(u, v) for u in a.words for v in b.words):
                parent[root(i)] = root(j)
    groups: dict[int, list[Region]] = {}
    for i, r in enumerate(loose):
        groups.setdefault(root(i), []).append(r)
    return [g for g in groups.values() if len(g) > 1]


def _words_overlap(u: Word, v: Word) -> bool:
    area = overlap_area(u.box, v.box)
    smaller = min((u.box[2] - u.box[0]) * (u.box[3] - u.box[1]), (v.box[2] - v.box[0]) * (v.box[3] - v.box[1]))
    return smaller > 0 and area >= smaller / 3


def _band_readings(rec, prep: Prepared, box: tuple[int, int, int, int], key: int,
                   others: list[tuple[int, int, int, int]] = (),
                   policy: Optional[RereadPolicy] = None) -> Optional[list[Region]]:
    """Each band of ink in `box` read alone. A band runs on over the ink beyond the area, up to
    the next region read on its rows: Tesseract may have read no word at all of the rest of a
    tangled line (11至2020/5/18， of a publicity period), so the area's box stops short of it."""
    x0, y0, x1, y1 = box
    image = prep.image
    ink = image[y0:y1, x0:x1] < INK_LEVEL
    lo = MIN_LINE_IN * prep.dpi
    bands = [(a, b) for a, b in join_runs(row_bands(ink.sum(axis=1) >= MIN_ROW_INK), max(2, int(0.1 * lo))) if b - a >= lo]
    if not bands or len(bands) > MAX_BANDS:
        return None
    lines: list[Region] = []
    for i, (a, b) in enumerate(bands):
        pad = max(4, (b - a) // 3)
        top, bottom = max(0, y0 + a - pad), min(image.shape[0], y0 + b + pad)
        cols = np.flatnonzero(ink[a:b].any(axis=0))
        row0, row1 = y0 + a, y0 + b
        on_rows = [o for o in others if min(o[3], row1) - max(o[1], row0) > 0.5 * (row1 - row0)]
        left = max([o[2] for o in on_rows if o[2] <= x0 + int(cols[0])] or [0])
        right = min([o[0] for o in on_rows if o[0] >= x0 + int(cols[-1]) + 1] or [image.shape[1]])
        c0, _, c1, _ = widen_to_ink(prep, (x0 + int(cols[0]), row0, x0 + int(cols[-1]) + 1, row1), left, right)
        c0, c1 = max(left, c0 - pad, 0), min(right, c1 + pad, image.shape[1])
        reading = _read(rec, image[top:bottom, c0:c1], policy)
        if reading is None:
            return None
        lines.append(Region(None, [Word(reading[0], (c0, y0 + a, c1, y0 + b), reading[1], (_LINE_KEY_BLOCK + key + i, 1, 1))]))
    return lines


STACKED_MIN_LINE_IN = 0.05  # a line of the small type a narrow cell breaks a label into (7 pt and up)
STACKED_SPAN = 0.3  # a word box over this share of each of two lines' rows lies across both


def reread_stacked_cells(regions: list[Region], prep: Prepared, recognizer=None,
                         policy: Optional[RereadPolicy] = None) -> list[Region]:
    """`regions` with each table cell whose text sits on two or more lines (a label a narrow cell
    breaks: 单位 over 性质) read line by line, when Tesseract read it as one line of tall glyphs
    (each box over both lines: 性民), boxed a glyph across the gap between them (单位 | 质 |
    性, read 性单位质) or left a line without any word (院校 for 毕业 | 院校).
    Where any line does not read surely, Tesseract's own words stay, placed on their lines;
    but lines read less surely (down to LABELLED_MIN_CONF) that together make a label the
    policy knows (申报 at 0.72 over 系列: 申报系列) are that label: the forms print no other.

    A cell Tesseract read nothing of whose ink lies on one to three lines of print is read the
    same way and added: a label lost whole (拟申报 | 职称 in small type, beside its value cell
    read), or a short value alone in a wide merged cell (12年), so no value is left without its
    label nor a label without its value. A one-line value need not be Chinese: a table's values
    are numbers as often as words (2018 | 42 | 72 of a CE card's row whose 合格 was read), so two
    characters read surely, one a letter or digit, are kept (as `_read_cells` keeps a lost row's)."""
    # Empty by what lies in it, not by which cell its words were keyed to: tables found twice
    # over the same ruling share their words with the first, and must not be read again.
    centres = [((w.box[0] + w.box[2]) / 2, (w.box[1] + w.box[3]) / 2) for r in regions for w in r.words]
    unread = [Region(c) for c in prep.cells
              if not any(c.box[0] <= x <= c.box[2] and c.box[1] <= y <= c.box[3] for x, y in centres)]
    todo = [(r, bands) for r in [*(r for r in regions if r.cell is not None and r.words), *unread]
            for bands in [_stacked_bands(r, prep)] if bands]
    if not todo:
        return regions
    rec = recognizer if recognizer is not None else shared_recognizer()
    if not rec.available():
        return regions
    out = list(regions)
    for n, (region, (x0, x1, bands)) in enumerate(todo):
        words: list[Word] = []
        label_lines = policy is not None and len(bands) > 1
        for i, (a, b) in enumerate(bands):
            pad = max(3, (b - a) // 4)
            top, bottom = max(0, a - pad), min(prep.image.shape[0], b + pad)
            reading = _read(rec, prep.image[top:bottom, x0:x1], min_han=2 if region.words or len(bands) > 1 else 0,
                            floor=LABELLED_MIN_CONF if label_lines else MIN_CONF)
            if reading is None:
                break
            words.append(Word(reading[0], (x0, a, x1, b), reading[1], (_LINE_KEY_BLOCK + 500 + 10 * n + i, 1, 1)))
        else:
            unsure = any(w.conf < MIN_CONF and not _LABELLED.match(w.text) for w in words)
            if unsure and not (policy is not None and policy.is_label("".join(w.text for w in words))):
                words = []
        if len(words) == len(bands):
            if region.words:
                out = [Region(region.cell, words) if r is region else r for r in out]
            else:
                out.append(Region(region.cell, words))
            continue
        placed = _placed_on_lines(region.words, bands)
        if placed is not None:
            out = [Region(region.cell, placed) if r is region else r for r in out]
    return out


def _placed_on_lines(words: list[Word], bands: list[tuple[int, int]]) -> Optional[list[Word]]:
    """A stacked cell's own words, each moved onto the line of ink its centre lies on, when the
    line-by-line reading was unsure: Tesseract's glyph boxes in a small two-line label can run
    half a line above or below their glyph (在 boxed up into the line above, 区 down into the
    one below), so grouped by height the two lines merge into one ordered by x (地所区在).
    Placed on their lines they read in order, with Tesseract's own texts and confidences. None
    when a word's centre lies between lines (a box across both: no line to put it on) or when
    nothing would move."""
    if not words:
        return None
    placed: list[Word] = []
    for w in words:
        cy = (w.box[1] + w.box[3]) / 2
        band = next((b for b in bands if b[0] <= cy <= b[1]), None)
        if band is None:
            return None
        placed.append(replace(w, box=(w.box[0], band[0], w.box[2], band[1])))
    return placed if _reading_order(placed) != _reading_order(words) else None


def _reading_order(words: list[Word]) -> list[str]:
    return [w.text for line in text_lines(words) for w in line]


def _stacked_bands(region: Region, prep: Prepared) -> Optional[tuple[int, int, list[tuple[int, int]]]]:
    """The cell's inner columns and its lines of ink (page rows), when Tesseract's words do not
    sit one to a line: a word across two lines, a line no word reaches (in a cell it read
    nothing of, one line is enough), or a glyph's strokes boxed apart (`_glyph_split`)."""
    cell = region.cell
    assert cell is not None
    cx0, cy0, cx1, cy1 = cell.box
    x0, y0, x1, y1 = cx0 + CELL_INSET, cy0 + CELL_INSET, cx1 - CELL_INSET, cy1 - CELL_INSET
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    ink = prep.image[y0:y1, x0:x1] < INK_LEVEL
    lo = STACKED_MIN_LINE_IN * prep.dpi
    bands = [(y0 + a, y0 + b) for a, b in join_runs(row_bands(ink.sum(axis=1) >= MIN_ROW_INK), max(2, int(0.1 * lo)))
             if b - a >= lo]
    split = _glyph_split(region.words)
    if not (1 if not region.words or split else 2) <= len(bands) <= 3 or any(b - a > MAX_LINE_IN * prep.dpi for a, b in bands):
        return None

    def share(w: Word, band: tuple[int, int]) -> float:
        return max(0, min(w.box[3], band[1]) - max(w.box[1], band[0])) / (band[1] - band[0])

    over_two = any(sum(share(w, band) >= STACKED_SPAN for band in bands) >= 2 for w in region.words)
    unreached = any(all(share(w, band) < 0.3 for w in region.words) for band in bands)
    return (x0, x1, bands) if over_two or unreached or split else None


def _glyph_split(words: list[Word]) -> bool:
    """Two of Tesseract's words over the same columns (half the narrower one's width or more):
    the pieces of one glyph boxed apart, one above the other (二 read as 一 over 二, ordered by x
    into 二一级教师; 学 as 学 over 学) or one inside the other (尝 in 学), which glyphs side by
    side on a line of print never are."""
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            across = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
            narrower = min(a.box[2] - a.box[0], b.box[2] - b.box[0])
            if narrower > 0 and across >= 0.5 * narrower:
                return True
    return False
