"""OCR words → regions (a table cell, or a run of one text line) → segments.

Kept apart from running Tesseract so grouping can be tested on hand-made words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from dossierflow.models import Segment
from dossierflow.text import clean, glyph_advance
from extractors.readers.preprocess import CellBox, Prepared, map_box

GAP_SPLIT = 2.5  # a gap wider than this many character heights splits a line into two segments
_EDGE_JUNK = " |”“\"'_`~丨"
_CJK = "\u3400-\u9fff"
# Tesseract writes ASCII brackets with spaces inside Chinese text: 包头钢铁 (集团 ) → 包头钢铁（集团）
_OPEN = re.compile(rf"\s*\(\s*(?=[{_CJK}])|(?<=[{_CJK}])\s*\(\s*")
_CLOSE = re.compile(rf"\s*\)\s*(?=[{_CJK}]|$)|(?<=[{_CJK}])\s*\)\s*")


@dataclass(frozen=True)
class Word:
    text: str
    box: tuple[int, int, int, int]  # prepared-image pixels
    conf: float  # 0–1
    line_key: tuple[int, int, int]  # (block, paragraph, line) as Tesseract grouped it
    # Other readings of `text` the second recogniser thought possible, each with its confidence
    # should `text` be ruled out (see LineReading.variants_if_ruled_out)
    alternatives: tuple[tuple[str, float], ...] = ()


@dataclass
class Region:
    """Words that become one segment: those inside one table cell, or one run of a line."""

    cell: Optional[CellBox]
    words: list[Word] = field(default_factory=list)

    def conf(self) -> float:
        return float(np.mean([w.conf for w in self.words])) if self.words else 0.0

    def box(self) -> tuple[int, int, int, int]:
        if self.cell is not None:
            return self.cell.box
        return (
            min(w.box[0] for w in self.words),
            min(w.box[1] for w in self.words),
            max(w.box[2] for w in self.words),
            max(w.box[3] for w in self.words),
        )


def chinese_brackets(text: str) -> str:
    text = _OPEN.sub("（", text)
    return _CLOSE.sub("）", text)


def _split_word(word: Word, x_cut: float) -> Optional[tuple[Word, Word]]:
    """Split a word Tesseract ran across a cell border where its glyphs fall, or None when every
    glyph's centre lies on one side (the box merely overhangs the border by a few pixels)."""
    x0, y0, x1, y1 = word.box
    weights = [glyph_advance(ch) for ch in word.text]
    unit = (x1 - x0) / max(sum(weights), 1e-9)
    k, left = 0, float(x0)
    for wgt in weights:
        if left + wgt * unit / 2 >= x_cut:
            break
        left += wgt * unit
        k += 1
    if k == 0 or k == len(word.text):
        return None
    cut = int(round(x_cut))
    return (
        Word(word.text[:k], (x0, y0, cut, y1), word.conf, word.line_key),
        Word(word.text[k:], (cut, y0, x1, y1), word.conf, word.line_key),
    )


def overlap_area(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0


def mostly_within(box: tuple[int, int, int, int], other: tuple[int, int, int, int]) -> bool:
    """More than half of `box` lies inside `other`."""
    return overlap_area(box, other) > 0.5 * max(1, (box[2] - box[0]) * (box[3] - box[1]))


def _cell_of(word: Word, cells: list[CellBox]) -> Optional[CellBox]:
    """The cell holding the word's centre; else, when the centre sits on a whitened ruling line,
    the cell the word overlaps most (a glyph written close to a cell's edge still belongs to it)."""
    cx, cy = (word.box[0] + word.box[2]) / 2, (word.box[1] + word.box[3]) / 2
    for c in cells:
        x0, y0, x1, y1 = c.box
        if x0 <= cx <= x1 and y0 <= cy <= y1:
            return c
    best, best_area = None, 0
    for c in cells:
        if c.box[1] <= cy <= c.box[3]:
            area = overlap_area(word.box, c.box)
            if area > best_area:
                best, best_area = c, area
    return best


def _borders(word: Word, cells: list[CellBox]) -> list[float]:
    """x of each cell border the word crosses: the middle of the ruling line between two cells
    side by side on the word's line, or a cell's outer edge."""
    cy = (word.box[1] + word.box[3]) / 2
    row = sorted(
        (c.box for c in cells if c.box[1] <= cy <= c.box[3] and c.box[0] < word.box[2] and c.box[2] > word.box[0]),
        key=lambda b: b[0],
    )
    if not row:
        return []
    # A whitened line leaves a gap of a few pixels between neighbours: one border, not two.
    edges = [float(row[0][0])]
    edges += [(left[2] + right[0]) / 2 for left, right in zip(row, row[1:])]
    edges.append(float(row[-1][2]))
    return [e for e in edges if word.box[0] < e < word.box[2]]


def _split_across_cells(words: list[Word], cells: list[CellBox]) -> list[Word]:
    out: list[Word] = []
    queue = list(words)
    while queue:
        w = queue.pop(0)
        parts = None
        if len(w.text) > 1:
            for edge in _borders(w, cells):
                parts = _split_word(w, edge)
                if parts:
                    break
        if parts is None:
            out.append(w)
        else:
            queue[:0] = list(parts)
    return out


def text_lines(words: list[Word]) -> list[list[Word]]:
    """Words grouped into lines, top to bottom, each left to right."""
    lines: list[list[Word]] = []
    centre_sum = 0.0  # of the last line's words, for its mean centre (called for every region
    heights: list[int] = []  # read again, so kept in plain Python rather than numpy)
    for w in sorted(words, key=lambda w: (w.box[1] + w.box[3]) / 2):
        h = w.box[3] - w.box[1]
        cy = (w.box[1] + w.box[3]) / 2
        if lines:
            # The line's own height sets the tolerance too: Tesseract sometimes gives a glyph the
            # small box of a neighbouring colon (填表日期： → 期 boxed as ：), or a flat glyph its
            # flat box (一), and that glyph's height alone would start a new line and move it
            # after the rest.
            ordered = sorted(heights)
            n = len(ordered)
            line_h = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
            if abs(cy - centre_sum / n) < max(h, line_h, 8) * 0.6:
                lines[-1].append(w)
                centre_sum += cy
                heights.append(h)
                continue
        lines.append([w])
        centre_sum, heights = cy, [h]
    return [sorted(line, key=lambda v: v.box[0]) for line in lines]


def _join(words: list[Word]) -> str:
    """Words in reading order: top to bottom by line, left to right within a line."""
    return " ".join(" ".join(v.text for v in line) for line in text_lines(words))


def _segment(words: list[Word], prep: Prepared, cell: Optional[CellBox]) -> Optional[Segment]:
    text = clean(chinese_brackets(_join(words))).strip(_EDGE_JUNK)
    if not text:
        return None
    if cell is not None:
        box = cell.box
    else:
        box = (
            min(w.box[0] for w in words),
            min(w.box[1] for w in words),
            max(w.box[2] for w in words),
            max(w.box[3] for w in words),
        )
    conf = float(np.mean([w.conf for w in words]))
    alternatives: list[str] = []
    alternative_confs: list[float] = []
    if len(words) == 1:  # a region the second engine read whole: its runner-up readings
        for alt, alt_conf in words[0].alternatives:
            t = clean(chinese_brackets(alt)).strip(_EDGE_JUNK)
            if t and t != text and t not in alternatives:
                alternatives.append(t)
                alternative_confs.append(alt_conf)
    return Segment(
        text=text,
        box=map_box(prep.to_original, box),
        conf=round(min(1.0, max(0.0, conf)), 4),
        cell=(cell.table, cell.row, cell.col) if cell is not None else None,
        alternatives=alternatives,
        alternative_confs=alternative_confs,
    )


def regions_of(words: list[Word], prep: Prepared) -> list[Region]:
    """Words bucketed by the table cell they sit in; the rest split into line runs."""
    words = _split_across_cells(words, prep.cells)
    by_cell: dict[tuple[int, int, int], Region] = {}
    loose: list[Word] = []
    for w in words:
        c = _cell_of(w, prep.cells)
        if c is None:
            loose.append(w)
        else:
            by_cell.setdefault((c.table, c.row, c.col), Region(c)).words.append(w)
    regions = list(by_cell.values())
    regions.extend(Region(None, run) for run in _line_runs(loose))
    return [r for r in regions if r.words]


def segments_of(regions: list[Region], prep: Prepared) -> list[Segment]:
    """Segments in reading order (top to bottom, then left to right)."""
    placed: list[tuple[float, float, Segment]] = []
    for region in regions:
        seg = _segment(region.words, prep, region.cell)
        if seg:
            box = region.box()
            placed.append((box[1], box[0], seg))
    placed.sort(key=lambda t: (t[0], t[1]))
    return [s for _, _, s in placed]


def group_words(words: list[Word], prep: Prepared) -> list[Segment]:
    """One segment per table cell with text, and per run of a line outside any table."""
    return segments_of(regions_of(words, prep), prep)


def _line_runs(words: list[Word]) -> list[list[Word]]:
    """Tesseract's lines, split where the gap exceeds GAP_SPLIT character heights."""
    by_line: dict[tuple[int, int, int], list[Word]] = {}
    for w in words:
        by_line.setdefault(w.line_key, []).append(w)
    runs: list[list[Word]] = []
    for ws in by_line.values():
        ws.sort(key=lambda w: w.box[0])
        height = float(np.median([w.box[3] - w.box[1] for w in ws]))
        run = [ws[0]]
        for w in ws[1:]:
            if w.box[0] - _right_edge(run[-1], height) > GAP_SPLIT * max(height, 1.0):
                runs.append(run)
                run = [w]
            else:
                run.append(w)
        runs.append(run)
    return runs


def _right_edge(w: Word, height: float) -> float:
    """Where a word's glyphs end. Tesseract sometimes boxes a word by its first glyph only
    (:包头 boxed as its colon, 6 px for three glyphs): such a box, less than half what its text
    needs, is taken to run as far as its text would, so the rest of its line is not cut off."""
    needed = sum(glyph_advance(ch) for ch in w.text) * height
    return max(float(w.box[2]), w.box[0] + needed) if (w.box[2] - w.box[0]) < 0.5 * needed else float(w.box[2])
