"""A second OCR opinion for one line of Chinese text: the PP-OCRv4 recogniser through onnxruntime.

Tesseract's `chi_sim` model cannot read some characters common in names at all: on this
project's scans 阎 comes out as 阁/间/交/网 and 鑫 as 念/钨/殉/夸/益, at every scale, page
segmentation mode and binarisation tried, and the right character is not even among its symbol
alternatives. The PP-OCRv4 recogniser (6,623 characters, shipped inside the
`rapidocr_onnxruntime` wheel) reads the same crops right in 15-40 ms each. It is used on a few
chosen crops only (see `name_reread`): on whole pages it is several times slower than Tesseract.

The recogniser is optional: without onnxruntime or the model file `available()` is False and
callers keep Tesseract's reading.
"""

from __future__ import annotations

import difflib
import importlib.util
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

import cv2
import numpy as np

from extractors.readers.variants import fold

MODEL_PACKAGE = "rapidocr_onnxruntime"
MODEL_FILE = "models/ch_PP-OCRv4_rec_infer.onnx"
INPUT_HEIGHT = 48  # the network's fixed input height
MAX_INPUT_WIDTH = 3200  # a line of prose across an A4 page fits; two pages side by side do not
INK_LEVEL = 160  # grey level below which a pixel is ink, on the prepared (paper = 255) image
LINE_GAP = 0.12  # paper rows fewer than this share of a band's height do not separate lines
MARGIN = 0.35  # white kept around the ink, as a share of the ink's height (as a text detector's box)
UNSURE = 0.9  # a character read less surely than this may be one of its runners-up ...
RUNNER_UP = 0.1  # ... given at least this chance
MAX_VARIANTS = 4
DROPPED = 0.15  # a class with this share of a frame the blank won may be a character left out


@dataclass(frozen=True)
class Symbol:
    """One recognised character with its probability and the runners-up the model considered."""

    text: str
    prob: float  # 0-1
    alternatives: tuple[tuple[str, float], ...] = ()
    # The chance, in the same frame, that no character is there at all (CTC's blank): a glyph
    # the model half takes for paper (鑫 at 0.48, blank at 0.37) is unsure of being there, not
    # of being 鑫.
    blank: float = 0.0


@dataclass(frozen=True)
class Dropped:
    """A character the greedy decoding left out: between two read characters the blank won, but
    one class still had a fair share of the frame. `symbol.prob` is its chance *given that a
    character is there* (its share of the non-blank mass), for a caller that knows one is."""

    before: int  # index in `symbols` it would be inserted at
    symbol: Symbol
    present: float = 0.0  # the chance that a character is there at all (1 − the blank's share)


@dataclass(frozen=True)
class LineReading:
    text: str
    symbols: tuple[Symbol, ...]
    dropped: tuple[Dropped, ...] = ()

    def lookalikes_as_one(self, group: str) -> "LineReading":
        """The reading with a character of `group` as sure as the chances of all of `group`
        together: where they mean the same (in a date 〇, ○, O and C are all a zero), the model
        choosing among them is no doubt about the value."""
        symbols = tuple(
            Symbol(s.text, round(min(1.0, s.prob + sum(p for c, p in s.alternatives if c in group)), 4),
                   tuple((c, p) for c, p in s.alternatives if c not in group))
            if s.text in group else s
            for s in self.symbols
        )
        return LineReading(self.text, symbols, self.dropped)

    def filled(self) -> Optional["LineReading"]:
        """The reading with every dropped character put back (董峰 → 董鑫峰), or None if none was
        dropped."""
        if not self.dropped:
            return None
        symbols = list(self.symbols)
        for d in sorted(self.dropped, key=lambda d: -d.before):
            symbols.insert(d.before, d.symbol)
        return LineReading("".join(s.text for s in symbols).strip(), tuple(symbols))

    @property
    def conf(self) -> float:
        """A reading is as sure as its least sure character: one wrong character is a wrong name.
        Punctuation does not count (a colon read as ： or : changes no value)."""
        probs = [s.prob for s in self.symbols if s.text.isalnum()] or [s.prob for s in self.symbols]
        # Nor surer than that no character is where one was nearly read (姓名：凤 with 程 left
        # out at 0.4 of its frame is at most 0.6 sure).
        probs += [1.0 - d.present for d in self.dropped]
        return min(probs, default=0.0)

    def conf_given(self, check: Callable[[str], bool], span: Optional[tuple[int, int]] = None) -> float:
        """How sure the reading is once `check` rules readings out: each character's chance
        among the readings still possible, its runners-up that make a reading failing the check
        set aside (二 at 0.44 with 一 at 0.33 in 二〇一八年一月: 一〇一八 is no year, so 二 is at
        0.44 / (1 - 0.33 - …)). `span`: only the characters from start to end count."""
        texts = [s.text for s in self.symbols]
        if "".join(texts) != self.text:
            return self.conf
        probs = []
        for i, s in enumerate(self.symbols):
            if not s.text.isalnum() or (span is not None and not span[0] <= i < span[1]):
                continue
            ruled_out = sum(p for alt, p in s.alternatives if alt.strip() and not check("".join(texts[:i] + [alt] + texts[i + 1 :])))
            probs.append(min(1.0, s.prob / max(1e-6, 1.0 - ruled_out)))
        if span is None:
            probs += [1.0 - d.present for d in self.dropped]
        return min(probs, default=0.0)

    def given_characters(self) -> "LineReading":
        """The reading with each character's chance taken among characters only, the blank's
        share set aside: for a caller that knows a character is at each place (another engine
        boxed as many glyphs), so that only which character is in question."""
        def scaled(s: Symbol) -> Symbol:
            k = 1.0 / max(1e-6, 1.0 - s.blank)
            return Symbol(s.text, round(min(1.0, s.prob * k), 4), tuple((c, round(min(1.0, p * k), 4)) for c, p in s.alternatives))
        return LineReading(self.text, tuple(scaled(s) for s in self.symbols), self.dropped)

    def agreed_with(self, others: list[tuple[str, float]]) -> "LineReading":
        """The reading with each character another engine read alike (its words as (text,
        confidence), in order) as sure as either reading being right: two engines misreading a
        glyph the same way is far rarer than one doing so (a publicity statement's 2020.05.21, 0.53
        here and 0.90 in Tesseract's word, is 0.95). Characters read differently keep their own chance."""
        theirs = [(ch, conf) for text, conf in others for ch in text if not ch.isspace()]
        mine = [s.text for s in self.symbols]
        if "".join(mine) != self.text or not theirs:
            return self
        probs = [s.prob for s in self.symbols]
        match = difflib.SequenceMatcher(None, mine, [ch for ch, _ in theirs], autojunk=False)
        for a, b, size in match.get_matching_blocks():
            for k in range(size):
                probs[a + k] = 1.0 - (1.0 - probs[a + k]) * (1.0 - theirs[b + k][1])
        symbols = tuple(Symbol(s.text, round(p, 4), s.alternatives, s.blank) for s, p in zip(self.symbols, probs))
        return LineReading(self.text, symbols, self.dropped)

    def variants(self) -> tuple[str, ...]:
        """The reading with one unsure character swapped for a runner-up the model gave a fair
        chance (叶字春 with 宇 at 0.22 → 叶宇春): what a name may also be. Most likely first."""
        return tuple(text for text, _ in self.variants_if_ruled_out())

    def variants_if_ruled_out(self) -> tuple[tuple[str, float], ...]:
        """`variants`, each with how sure it is once the reading itself is ruled out (a title
        read 正商级经济师, which names no title, with 高 the runner-up for 商): the runner-up's chance
        given that the character read is wrong, p / (1 − p_read), and no surer than the other
        characters."""
        if "".join(s.text for s in self.symbols) != self.text:
            return ()
        options = [
            (p, i, alt)
            for i, s in enumerate(self.symbols)
            if s.prob < UNSURE and s.text.isalnum()
            for alt, p in s.alternatives
            if p >= RUNNER_UP and alt.strip() and alt.isalnum()
        ]
        options.sort(key=lambda o: -o[0])
        texts = [s.text for s in self.symbols]
        out = []
        for p, i, alt in options[:MAX_VARIANTS]:
            others = [s.prob for j, s in enumerate(self.symbols) if j != i and s.text.isalnum()]
            others += [1.0 - d.present for d in self.dropped]
            given = min(1.0, p / max(1e-6, 1.0 - self.symbols[i].prob))
            out.append(("".join(texts[:i] + [alt] + texts[i + 1 :]), round(min([given] + others), 4)))
        return tuple(out)


def model_path() -> Optional[Path]:
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        p = Path(root) / MODEL_FILE
        if p.is_file():
            return p
    return None


def ink_box(grey: np.ndarray) -> Optional[tuple[int, int, int, int]]:
    """The box around the ink (x0, y0, x1, y1), or None for a blank crop."""
    ys, xs = np.nonzero(grey < INK_LEVEL)
    if ys.size == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


WIDE_ROW = 0.4  # a row of a line of print has ink across this share of the line's width
STRAY_SPAN = 0.25  # narrow rows past a line's edge over this share of its height are no glyph part


def line_band(grey: np.ndarray) -> np.ndarray:
    """`grey` cut to the rows of its line of print, without narrow ink above or below it that
    runs further than a glyph's dot or tail: a seal's lettering crossing a date (its strokes make
    the crop twice the line's height, and the recogniser reads the line at half its size)."""
    box = ink_box(grey)
    if box is None:
        return grey
    x0, y0, x1, y1 = box
    ink = grey[y0:y1, x0:x1] < INK_LEVEL
    cols = np.where(ink.any(axis=1), ink.shape[1] - np.argmax(ink[:, ::-1], axis=1) - np.argmax(ink, axis=1), 0)
    wide = np.nonzero(cols >= WIDE_ROW * (x1 - x0))[0]
    if wide.size == 0:
        return grey
    top, bottom = int(wide[0]), int(wide[-1]) + 1
    band = bottom - top
    if x1 - x0 < 2 * band:
        return grey  # a glyph or two: no line to tell its rows by
    # Only long stretches of narrow rows go: a dot above 主 or a hook below 月 is short.
    cut_top = top if top > STRAY_SPAN * band else 0
    cut_bottom = bottom if (y1 - y0) - bottom > STRAY_SPAN * band else y1 - y0
    if cut_top == 0 and cut_bottom == y1 - y0:
        return grey
    return grey[y0 + cut_top : y0 + cut_bottom, :]


def row_bands(rows: np.ndarray) -> list[tuple[int, int]]:
    """Runs of consecutive true rows, as (start, stop): the bands of ink a crop holds."""
    edges = np.diff(np.concatenate([[0], rows.astype(np.int8), [0]]))
    return [(int(s), int(e)) for s, e in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0])]


def join_runs(runs: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    """`runs` (as from `row_bands`) with those separated by fewer than `gap` pixels joined."""
    joined: list[tuple[int, int]] = []
    for s, e in runs:
        if joined and s - joined[-1][1] < gap:
            joined[-1] = (joined[-1][0], e)
        else:
            joined.append((s, e))
    return joined


def ink_rows(grey: np.ndarray) -> int:
    """How many separate bands of ink the crop holds, top to bottom (lines of text)."""
    bands = row_bands((grey < INK_LEVEL).sum(axis=1) > 0)
    # A row or two of paper inside a line is no gap between lines: 吕素 has one across both
    # glyphs (under 吕's upper 口 and 素's upper half).
    close = max(2, int(LINE_GAP * max((e - s for s, e in bands), default=0)))
    bands = join_runs(bands, close + 1)
    tall = max((e - s for s, e in bands), default=0)
    # Dots of dust or a bracket tail make short bands; a line is at least a third of the tallest.
    return int(sum(1 for s, e in bands if (e - s) * 3 >= tall))


class LineRecognizer:
    """Loads the model once per process, on first use; thread-safe, one intra-op thread (the
    machine's cores go to parallel Tesseract processes, as for Tesseract itself)."""

    def __init__(self, path: Optional[Path] = None):
        self._path = path
        self._lock = threading.Lock()
        self._session = None
        self._chars: list[str] = []

    def available(self) -> bool:
        if importlib.util.find_spec("onnxruntime") is None:
            return False
        return (self._path or model_path()) is not None

    def _load(self) -> None:
        import onnxruntime as ort

        path = self._path or model_path()
        if path is None:
            raise RuntimeError(f"{MODEL_PACKAGE} model not installed")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        chars = session.get_modelmeta().custom_metadata_map.get("character", "").splitlines()
        if not chars:
            raise RuntimeError(f"{path.name} carries no character list")
        # CTC: index 0 is the blank; the model's last class is the space character.
        self._chars = ["", *chars, " "]
        self._session = session

    def warm(self) -> None:
        """Load the model now (a forkserver does this once, before it forks readers)."""
        if self.available():
            with self._lock:
                if self._session is None:
                    self._load()

    def characters(self) -> list[str]:
        """The classes the model can output, in index order (blank first, space last)."""
        self.warm()
        return list(self._chars)

    def read(self, grey: np.ndarray) -> Optional[LineReading]:
        """Read one line of text from a greyscale crop (paper light, ink dark). None when the crop
        is blank or holds more than one line."""
        if grey.ndim != 2 or grey.size == 0:
            return None
        box = ink_box(grey)
        if box is None:
            return None
        x0, y0, x1, y1 = box
        if ink_rows(grey[y0:y1, x0:x1]) != 1:
            return None
        # The margin is padded, not cut from the page: a neighbour's ink must not come in.
        m = max(2, int(round(MARGIN * (y1 - y0))))
        crop = cv2.copyMakeBorder(grey[y0:y1, x0:x1], m, m, m, m, cv2.BORDER_CONSTANT, value=255)
        ch, cw = crop.shape
        width = max(8, int(round(cw * INPUT_HEIGHT / ch)))
        if width > MAX_INPUT_WIDTH:
            return None
        interp = cv2.INTER_AREA if ch > INPUT_HEIGHT else cv2.INTER_CUBIC
        scaled = cv2.resize(crop, (width, INPUT_HEIGHT), interpolation=interp).astype(np.float32)
        x = ((scaled / 255.0 - 0.5) / 0.5)[None, None, :, :].repeat(3, axis=1)
        with self._lock:
            if self._session is None:
                self._load()
            probs = self._session.run(None, {self._session.get_inputs()[0].name: x})[0][0]  # type: ignore[union-attr]
        return self._decode(probs)

    def _decode(self, probs: np.ndarray) -> LineReading:
        best = probs.argmax(axis=1)
        # CTC: a character spans a run of frames; its surest frame speaks for it (the run's edge
        # frames share their mass with the blank).
        runs: list[tuple[int, int]] = []  # (class, frame of the run's highest probability)
        prev = 0
        for t, idx in enumerate(best):
            if idx != 0 and idx == prev and runs:
                cls, at = runs[-1]
                if probs[t, idx] > probs[at, cls]:
                    runs[-1] = (cls, t)
            elif idx != 0:
                runs.append((int(idx), t))
            prev = idx
        symbols = [self._symbol(probs[t]) for _, t in runs]
        dropped: list[Dropped] = []
        peaks = [-1] + [t for _, t in runs] + [len(best)]
        for k in range(len(runs) + 1):
            # Between two read characters (or before the first, after the last), the frame where
            # a character had most of a chance.
            blank_won = [t for t in range(peaks[k] + 1, peaks[k + 1]) if best[t] == 0]
            if not blank_won:
                continue
            t = max(blank_won, key=lambda t: 1.0 - probs[t, 0])
            rest = 1.0 - float(probs[t, 0])
            sym = self._symbol(probs[t], given_a_character=True)
            beside = {symbols[j].text for j in (k - 1, k) if 0 <= j < len(symbols)}
            if rest >= DROPPED and sym.prob * rest >= DROPPED and sym.text.isalnum() and sym.text not in beside:
                dropped.append(Dropped(k, sym, round(rest, 4)))
        text = "".join(s.text for s in symbols).strip()
        return LineReading(text, tuple(symbols), tuple(dropped))

    def _symbol(self, frame: np.ndarray, given_a_character: bool = False) -> Symbol:
        """The frame's character with its runners-up. A variant form and its simplified character
        are one reading (眞 and 真): their chances add up. `given_a_character`: chances are shares
        of the non-blank mass."""
        # The five most likely classes, without sorting all ~6600 (one may be the blank).
        top = np.argpartition(frame, -5)[-5:]
        chances: dict[str, float] = {}
        for j in top:
            if j != 0:
                ch = fold(self._chars[j])
                chances[ch] = chances.get(ch, 0.0) + float(frame[j])
        scale = 1.0 / max(1e-6, 1.0 - float(frame[0])) if given_a_character else 1.0
        best_first = sorted(chances.items(), key=lambda kv: -kv[1])
        (text, prob), alts = best_first[0], best_first[1:]
        return Symbol(text, round(min(1.0, prob * scale), 4), tuple((c, round(p * scale, 4)) for c, p in alts[:3] if p > 0),
                      0.0 if given_a_character else round(float(frame[0]), 4))


@lru_cache(maxsize=1)
def shared_recognizer() -> LineRecognizer:
    """One recogniser per process (the model takes ~0.3 s to load)."""
    return LineRecognizer()


def version() -> Optional[str]:
    """For `versions` in results: which second-opinion model read names, if any."""
    path = model_path()
    return None if path is None else f"PP-OCRv4-rec ({MODEL_PACKAGE})"
