"""Tesseract on a prepared page: words → segments (one per table cell, else one per line run).

Tesseract is run as one single-threaded process per page (OMP_THREAD_LIMIT=1): several such
processes in parallel are far faster than OpenMP threads fighting over two cores.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Optional, Protocol

import numpy as np
import pytesseract
from PIL import Image

from dossierflow.errors import CorruptFile
from dossierflow.models import Segment
from extractors.readers.preprocess import CellBox, Prepared, map_box, prepare
from extractors.text import clean

os.environ["OMP_THREAD_LIMIT"] = "1"

LANG = "chi_sim"
TESS_CONFIG = "--oem 1 --psm 6 -c preserve_interword_spaces=1"
LOW_CONFIDENCE = 0.6  # below this mean word confidence, the page orientation is re-checked
GAP_SPLIT = 2.5  # a gap wider than this many character heights splits a line into two segments
# Marks Tesseract makes of ruling-line stubs, speckle and stamp edges; real ones read confidently.
_JUNK = re.compile(r"^[|!'\"“”‘’`,.;:_\-—~、。，丨Il\[\]()（）<>*+=/\\?]+$")
JUNK_CONF = 0.85
_EDGE_JUNK = " |”“\"'_`~丨"


@dataclass(frozen=True)
class Word:
    text: str
    box: tuple[int, int, int, int]  # prepared-image pixels
    conf: float  # 0–1
    line_key: tuple[int, int, int]  # (block, paragraph, line) as Tesseract grouped it


class OcrEngine(Protocol):
    """What the page reader needs from an OCR engine; tests substitute a fake."""

    def words(self, image: np.ndarray) -> list[Word]: ...

    def orientation(self, image: np.ndarray) -> Optional[int]: ...


class TesseractEngine:
    def words(self, image: np.ndarray) -> list[Word]:
        try:
            data = pytesseract.image_to_data(
                Image.fromarray(image), lang=LANG, config=TESS_CONFIG, output_type=pytesseract.Output.DICT
            )
        except pytesseract.TesseractError as exc:  # pragma: no cover - depends on the binary
            raise CorruptFile(f"文字识别失败：{exc.message[:200]}") from exc
        out: list[Word] = []
        for i, text in enumerate(data["text"]):
            conf = float(data["conf"][i])
            if conf < 0 or not text.strip() or (_JUNK.match(text.strip()) and conf < JUNK_CONF * 100):
                continue
            x, y, w, h = (int(data[k][i]) for k in ("left", "top", "width", "height"))
            key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
            out.append(Word(text.strip(), (x, y, x + w, y + h), conf / 100.0, key))
        return out

    def orientation(self, image: np.ndarray) -> Optional[int]:
        """Clockwise degrees to turn the image upright, per Tesseract OSD; None if it cannot tell."""
        small = Image.fromarray(image)
        if max(small.size) > 2000:
            small = small.reduce(2)
        try:
            osd = pytesseract.image_to_osd(small, config="--psm 0")
        except pytesseract.TesseractError:
            return None
        m = re.search(r"Rotate:\s*(\d+)", osd)
        c = re.search(r"Orientation confidence:\s*([\d.]+)", osd)
        if not m or not c or float(c.group(1)) < 1.5:
            return None
        return int(m.group(1)) % 360


@dataclass(frozen=True)
class OcrPage:
    """OCR of one page image, boxes in ORIGINAL image pixels."""

    segments: list[Segment]  # boxes still in original pixels; the caller scales to points
    confidence: Optional[float]
    rotation: int
    skew: float
    dpi: int


def _mean_conf(words: list[Word]) -> float:
    return float(np.mean([w.conf for w in words])) if words else 0.0


def ocr_image(image: np.ndarray, dpi: float, engine: Optional[OcrEngine] = None) -> OcrPage:
    """Prepare, OCR once, and only if confidence is low ask OSD whether the page is turned."""
    engine = engine or TesseractEngine()
    prep = prepare(image, dpi)
    words = engine.words(prep.image)
    conf = _mean_conf(words)
    if conf < LOW_CONFIDENCE or len(words) < 3:
        turn = engine.orientation(prep.image)
        if turn:
            retry = prepare(image, dpi, rotation=(prep.rotation + turn) % 360)
            retry_words = engine.words(retry.image)
            if _mean_conf(retry_words) > conf:
                prep, words, conf = retry, retry_words, _mean_conf(retry_words)
    segments = group_words(words, prep)
    return OcrPage(segments, round(conf, 4) if words else None, prep.rotation, prep.skew, prep.dpi)


def _split_word(word: Word, x_cut: int) -> tuple[Word, Word]:
    """Split a word Tesseract ran across a cell border, in proportion (CJK glyphs are square)."""
    x0, y0, x1, y1 = word.box
    n = len(word.text)
    k = int(round(n * (x_cut - x0) / max(1, x1 - x0)))
    k = min(max(k, 1), n - 1)
    return (
        Word(word.text[:k], (x0, y0, x_cut, y1), word.conf, word.line_key),
        Word(word.text[k:], (x_cut, y0, x1, y1), word.conf, word.line_key),
    )


def _cell_of(word: Word, cells: list[CellBox]) -> Optional[CellBox]:
    cx, cy = (word.box[0] + word.box[2]) / 2, (word.box[1] + word.box[3]) / 2
    for c in cells:
        x0, y0, x1, y1 = c.box
        if x0 <= cx <= x1 and y0 <= cy <= y1:
            return c
    return None


def _split_across_cells(words: list[Word], cells: list[CellBox]) -> list[Word]:
    out: list[Word] = []
    queue = list(words)
    while queue:
        w = queue.pop(0)
        cut = None
        if len(w.text) > 1:
            for c in cells:
                x0, y0, x1, y1 = c.box
                cy = (w.box[1] + w.box[3]) / 2
                if not (y0 <= cy <= y1):
                    continue
                for edge in (x0, x1):
                    if w.box[0] + 4 < edge < w.box[2] - 4:
                        cut = edge
                        break
                if cut:
                    break
        if cut is None:
            out.append(w)
        else:
            queue[:0] = list(_split_word(w, cut))
    return out


def _join(words: list[Word]) -> str:
    """Words in reading order: top to bottom by line, left to right within a line."""
    words = sorted(words, key=lambda w: (w.box[1] + w.box[3]) / 2)
    lines: list[list[Word]] = []
    for w in words:
        h = w.box[3] - w.box[1]
        cy = (w.box[1] + w.box[3]) / 2
        if lines:
            last = lines[-1]
            lcy = np.mean([(v.box[1] + v.box[3]) / 2 for v in last])
            if abs(cy - lcy) < max(h, 8) * 0.6:
                last.append(w)
                continue
        lines.append([w])
    return " ".join(" ".join(v.text for v in sorted(line, key=lambda v: v.box[0])) for line in lines)


def _segment(words: list[Word], prep: Prepared, cell: Optional[CellBox]) -> Optional[Segment]:
    text = clean(_join(words)).strip(_EDGE_JUNK)
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
    return Segment(
        text=text,
        box=map_box(prep.to_original, box),
        conf=round(min(1.0, max(0.0, conf)), 4),
        cell=(cell.table, cell.row, cell.col) if cell is not None else None,
    )


def group_words(words: list[Word], prep: Prepared) -> list[Segment]:
    """One segment per table cell with text, and per run of a line outside any table."""
    words = _split_across_cells(words, prep.cells)
    by_cell: dict[tuple[int, int, int], list[Word]] = {}
    cell_of: dict[tuple[int, int, int], CellBox] = {}
    loose: list[Word] = []
    for w in words:
        c = _cell_of(w, prep.cells)
        if c is None:
            loose.append(w)
        else:
            key = (c.table, c.row, c.col)
            by_cell.setdefault(key, []).append(w)
            cell_of[key] = c
    segments: list[tuple[float, float, Segment]] = []
    for key, ws in by_cell.items():
        seg = _segment(ws, prep, cell_of[key])
        if seg:
            c = cell_of[key]
            segments.append((c.box[1], c.box[0], seg))
    for run in _line_runs(loose):
        seg = _segment(run, prep, None)
        if seg:
            segments.append((min(w.box[1] for w in run), min(w.box[0] for w in run), seg))
    segments.sort(key=lambda t: (t[0], t[1]))
    return [s for _, _, s in segments]


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
            if w.box[0] - run[-1].box[2] > GAP_SPLIT * max(height, 1.0):
                runs.append(run)
                run = [w]
            else:
                run.append(w)
        runs.append(run)
    return runs
