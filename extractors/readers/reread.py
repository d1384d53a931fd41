"""Reading chosen regions of a page again, with the second recogniser, and merging the readings.

The reader has no vocabulary of fields. Which regions are worth a second reading (a name cell, a
date line, a signature, a page's title) and what a reading must satisfy to be kept is a
`RereadPolicy`'s knowledge, handed to `ocr.ocr_image` by whoever sets reading up (extraction:
`extractors.reread_policy`). Given a page's first readings, the policy returns `Target`s: a
region, the box to crop, and how the second reading is merged; `reread` reads each crop with
`linerec.LineRecognizer` and merges by `decide`.

The merge is the same for every target: the second reading replaces Tesseract's only when it is
more confident; when both engines read the same text, the reading keeps the text and takes the
higher confidence (two engines do not agree on a wrong reading by chance). A crop that is not one
line of text is left alone. Nothing is guessed: every text kept is one of the two engines'
readings. A target may add a check the reading must pass, characters to count as one (a 〇 and
its look-alikes), or a test that two readings disagree (the region is then marked disputed, no
surer than the target's ceiling, carrying the other reading).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Callable, Optional, Protocol

import numpy as np

from dossierflow.text import fold_width
from extractors.readers.linerec import INK_LEVEL, LineReading, line_band, shared_recognizer
from extractors.readers.ocr_layout import Region, Word, mostly_within, text_lines
from extractors.readers.preprocess import CELL_INSET, CellBox, Prepared

log = logging.getLogger(__name__)

# A crop read less surely than this, when its words lie on one line, is read again cut to that
# line: ink in the cell apart from its words (a seal's ring crossing it) can spoil the crop.
NARROW_BELOW = 0.9
MIN_ACCEPT = 0.5  # a second reading less sure than this is not worth replacing anything with
# A free-standing region this unsure, inside a crop already read again, is a piece of that ink.
WEAK_WORD = 0.5
_ASCII_PUNCT = str.maketrans("（）：；，", "():;,")
# Brackets of every shape: Tesseract reads the （ of 承诺人（签名） as 〈 or <.
_NOT_TEXT = re.compile(r"[\s\u3000:：;；,，.。、|_\-—·•'\"“”‘’()（）\[\]【】〈〉《》<>]+")


class Recognizer(Protocol):
    """What this module needs from a second engine; tests substitute a fake."""

    def available(self) -> bool: ...

    def read(self, grey: np.ndarray) -> Optional[LineReading]: ...


def bare(text: str) -> str:
    """Text without spaces, brackets and punctuation: what two readings of a name share."""
    return _NOT_TEXT.sub("", fold_width(text))


def _squeezed(text: str) -> str:
    """Text without spaces, width folded: two readings agree when these are equal (brackets and
    other punctuation count; Tesseract's spaces between characters do not)."""
    return re.sub(r"\s+", "", fold_width(text)).translate(_ASCII_PUNCT)


def unbalanced(text: str) -> bool:
    """A bracket opened and not closed, or closed and not opened: Tesseract lost one, however
    sure it was of the rest (包头钢铁（集团有限责任公司 at 0.93)."""
    t = fold_width(text)
    return t.count("(") + t.count("（") != t.count(")") + t.count("）")


def glyph_unread(text: str) -> bool:
    """A question mark: what Tesseract writes for a glyph it could not read (旗县区工作年限：?年),
    however sure it says it is; no form value holds one."""
    return "?" in fold_width(text)


def region_text(region: Region) -> str:
    """The region's words in reading order: lines top to bottom, words left to right."""
    return " ".join(" ".join(w.text for w in line) for line in text_lines(region.words))


@dataclass(frozen=True)
class Target:
    """A place to read again and how: an existing region (or None: an empty cell worth a
    reading), the crop box in prepared-image pixels, and the text the reading must start with,
    if any (a label read with its value checks that the crop holds both)."""

    region: Optional[Region]
    box: tuple[int, int, int, int]
    cell: Optional[CellBox]  # when the target is a table cell
    must_start_with: Optional[str]
    # One line of a larger region: only these words are read again.
    line: Optional[tuple[Word, ...]] = None
    # The crop is cut to the rows of its line's ink before it is read (`linerec.line_band`).
    line_only: bool = False
    # Characters the second reading counts as one where they are its runners-up for each other.
    lookalikes: str = ""
    # A check Tesseract's reading fails: a second reading is taken when it passes.
    passes: Optional[Callable[[str], bool]] = None
    # With `passes`, when the passing reading is too unsure: a better (text, confidence) made
    # from Tesseract's text and the reading, or None.
    salvage: Optional[Callable[[str, LineReading], Optional[tuple[str, float]]]] = None
    # (Tesseract's text, the text to keep) -> the kept text may not replace it: the region keeps
    # its first reading, or is disputed (below).
    rejects: Optional[Callable[[str, str], bool]] = None
    # (Tesseract's text, the second reading) -> the two readings disagree: the region becomes one
    # word no surer than `dispute_ceiling`, carrying the other reading, for a person to settle.
    disputes: Optional[Callable[[str, str], bool]] = None
    dispute_ceiling: float = 0.0
    # Tesseract read nothing after the text the reading starts with: any reading of more beats none.
    nothing_after: bool = False


class RereadPolicy(Protocol):
    """Which regions of a page to read again and how: the knowledge of what matters on a page
    lives with whoever implements this (extraction), never in the reader."""

    def targets(self, regions: list[Region], prep: Prepared) -> list[Target]:
        """The targets for a page's first readings, each region at most once, in the order to
        read them."""
        ...

    def band_check(self, text: str) -> Optional[Callable[[str], bool]]:
        """For a line the second recogniser read where Tesseract read nothing: a check the
        reading fails and a reading of its line's rows alone should pass (that reading is then
        taken), or None."""
        ...

    def is_label(self, text: str) -> bool:
        """Whether `text` is a label the forms print: a cell's lines read less surely than a
        value must be are taken when together they make one."""
        ...


def cell_target(cell: CellBox, region: Optional[Region], label: Optional[str]) -> Target:
    x0, y0, x1, y1 = cell.box
    box = (x0 + CELL_INSET, y0 + CELL_INSET, x1 - CELL_INSET, y1 - CELL_INSET)
    return Target(region, box, cell, label)


def run_target(region: Region, label: Optional[str]) -> Target:
    x0, y0, x1, y1 = region.box()
    h = max(1, y1 - y0)
    mx, my = max(4, h // 3), max(3, h // 5)
    return Target(region, (x0 - mx, y0 - my, x1 + mx, y1 + my), None, label)


def band_stops(region: Region, regions: list[Region], width: int) -> tuple[int, int]:
    """How far a crop around `region` may reach left and right: to the next region read on its
    band (a title Tesseract split in two keeps each half's ink to itself)."""
    x0, y0, x1, y1 = region.box()
    band = [r.box() for r in regions if r is not region and r.words
            and min(r.box()[3], y1) - max(r.box()[1], y0) > 0.5 * (y1 - y0)]
    left = max([b[2] for b in band if b[2] <= x0] or [0])
    right = min([b[0] for b in band if b[0] >= x1] or [width])
    return left, right


INK_GAP = 1.5  # a gap wider than this many line heights ends a line's ink


def widen_to_ink(prep: Prepared, box: tuple[int, int, int, int], left_stop: int, right_stop: int,
                  gap_lines: float = INK_GAP) -> tuple[int, int, int, int]:
    """`box` stretched left and right over the ink of its band, no further than the stops (the
    next region read on the band): Tesseract may drop a line's first characters whole (承诺 of
    承诺人（签名） in a script-face line), so the region's own box does not reach them."""
    x0, y0, x1, y1 = box
    x0, x1 = max(x0, left_stop), min(x1, right_stop)
    band = prep.image[max(0, y0) : max(0, y1)]
    inked = np.flatnonzero((band < 128).any(axis=0)) if band.size else band
    if not len(inked):
        return x0, y0, x1, y1
    gap = max(8, int(gap_lines * max(1, y1 - y0)))
    left = inked[(inked < x0) & (inked >= left_stop)]
    while len(left) and x0 - left[-1] <= gap:
        x0 = int(left[-1])
        left = left[:-1]
    right = inked[(inked >= x1) & (inked < right_stop)]
    while len(right) and right[0] - x1 <= gap:
        x1 = int(right[0]) + 1  # boxes end one past their last pixel
        right = right[1:]
    return x0, y0, x1, y1


def _inside(word: Word, box: tuple[int, int, int, int]) -> bool:
    cx, cy = (word.box[0] + word.box[2]) / 2, (word.box[1] + word.box[3]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _crop(prep: Prepared, box: tuple[int, int, int, int]) -> Optional[np.ndarray]:
    h, w = prep.image.shape[:2]
    x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    return prep.image[y0:y1, x0:x1]


def _drops_a_glyph(words: list[Word], reading: str, image: Optional[np.ndarray] = None) -> bool:
    """The second reading is Tesseract's with characters left out, and one of those was a Chinese
    character read in a character-sized box: the second engine dropped a glyph it does not know
    (董鑫峰 → 董峰 at 0.995, where Tesseract saw 董?峰). A stray stroke read as a small 一 is not
    such a glyph, nor half a glyph Tesseract read as one (with `image`, see below)."""
    sized = [w for line in text_lines(words) for w in line if bare(w.text)]  # reading order, as region_text
    if not sized:
        return False
    new = bare(reading)
    line_h = float(np.median([w.box[3] - w.box[1] for w in sized]))
    j, dropped_glyph = 0, False  # greedy alignment of `new` into Tesseract's characters
    for k, w in enumerate(sized):
        text = bare(w.text)
        for ch in text:
            if j < len(new) and new[j] == ch:
                j += 1
            elif (_is_han(ch) and _glyph_sized(w, text, line_h)
                  and not _part_of_a_neighbour(w, sized[k - 1 : k] + sized[k + 1 : k + 2], line_h)
                  and not (image is not None and _fewer_glyphs_than_read(image, sized[k:], line_h))):
                dropped_glyph = True
    return dropped_glyph and j == len(new)  # and `new` is all Tesseract's, in order


def _is_han(ch: str) -> bool:
    """A Chinese character: the only kind the second engine may not know (digits and Latin it
    reads; a 7 Tesseract made of a slash in 2020/57/7 is no glyph it dropped)."""
    return "\u4e00" <= ch <= "\u9fff" or ch == "〇"


def _glyph_sized(w: Word, text: str, line_h: float) -> bool:
    return w.box[3] - w.box[1] >= 0.6 * line_h and (w.box[2] - w.box[0]) / len(text) >= 0.5 * line_h


def _part_of_a_neighbour(w: Word, neighbours: list[Word], line_h: float) -> bool:
    """A one-character word overlapping the next or previous word by a third of its width is a
    piece of that glyph read twice (the 客 of 额 read as 人 beside 额), not a glyph of its own.
    A neighbour boxed wider than its text (董 boxed over 董鑫峰 by a re-read) proves nothing."""
    if len(bare(w.text)) != 1:
        return False
    width = max(1, w.box[2] - w.box[0])
    return any(
        min(w.box[2], n.box[2]) - max(w.box[0], n.box[0]) > width / 3
        and n.box[2] - n.box[0] <= 1.5 * line_h * max(1, len(bare(n.text)))
        for n in neighbours
    ) or any(_sliver_beside(w, n, line_h) for n in neighbours)


def _sliver_beside(w: Word, n: Word, line_h: float) -> bool:
    """`n` is one character boxed too narrow for a glyph, right beside `w`: Tesseract cut one
    glyph in two (钱 read as 人 | 钱, the right piece a third of a line height wide)."""
    gap = max(n.box[0] - w.box[2], w.box[0] - n.box[2])
    return len(bare(n.text)) == 1 and n.box[2] - n.box[0] < 0.5 * line_h and gap < 0.25 * line_h


def _fewer_glyphs_than_read(image: np.ndarray, words: list[Word], line_h: float) -> bool:
    """The ink under `words` holds fewer glyphs than Tesseract read characters in them: it cut a
    glyph in two (曹素春 read 上曹素春, boxes shifted half a glyph). Glyphs are counted as runs
    of inked columns no narrower than a quarter of the line's height; a character built left and
    right (川, 峰) may count twice, so the count errs towards Tesseract."""
    x0, x1 = min(w.box[0] for w in words), max(w.box[2] for w in words)
    y0, y1 = min(w.box[1] for w in words), max(w.box[3] for w in words)
    x0, y0 = max(0, x0), max(0, y0)
    if x1 <= x0 or y1 <= y0:
        return False
    inked = (image[y0:y1, x0:x1] < INK_LEVEL).any(axis=0)
    glyphs, run = 0, 0
    for ink in np.append(inked, False):
        if ink:
            run += 1
            continue
        glyphs += run >= 0.25 * line_h
        run = 0
    return glyphs < sum(len(bare(w.text)) for w in words)


def decide(old: Optional[Region], reading: Optional[LineReading], must_start_with: Optional[str],
           image: Optional[np.ndarray] = None) -> Optional[tuple[str, float]]:
    """The (text, confidence) to keep, or None to keep Tesseract's reading unchanged.

    Both readings are judged by their least sure part (Tesseract's weakest word, the second
    engine's weakest character): one wrong character makes a wrong name, and a mean over
    several sure characters hides it (承诺和人（签名）：常僵 reads 0.75 on average, 僵 far less).
    """
    if reading is None or not bare(reading.text):
        return None
    if must_start_with is not None and not bare(reading.text).startswith(must_start_with):
        return None  # the crop held something else than the label and its value
    old_words = old.words if old is not None else []
    old_text = region_text(old) if old is not None else ""
    if old_words and _drops_a_glyph(old_words, reading.text, image):
        # Tesseract boxed a glyph the second engine's decoding left out; where that engine still
        # gave a character a fair share of the frame, the glyph is that character (董峰 → 董鑫峰).
        filled = reading.filled()
        if filled is None or _drops_a_glyph(old_words, filled.text, image) or len(bare(filled.text)) > len(bare(old_text)):
            return None
        reading = filled
    elif old_words and reading.dropped:
        # Tesseract misread another character of the line too (承诺人等名萧萍兵: 签 as 等), so the
        # reading is no subsequence of it; but it boxed as many glyphs as the reading holds with
        # the left-out characters put back (萧萍眞, 眞 left out at 0.58 of its frame): each of
        # Tesseract's boxes is a character, and the filled reading says which.
        filled = reading.filled()
        if filled is not None and len(bare(filled.text)) == len(bare(old_text)):
            reading = filled
    if old_words and len(bare(reading.text)) == len(bare(old_text)):
        # Tesseract boxed as many glyphs as the second engine read characters: that a character
        # is at each place is settled, only which one is read (熊鑫 at 0.49, 鑫 half taken for
        # paper, against Tesseract's 能访 at 0.46).
        reading = reading.given_characters()
    reading = reading.agreed_with([(w.text, w.conf) for w in old_words])
    old_mean = old.conf() if old is not None and old_words else 0.0
    old_min = min((0.0 if glyph_unread(w.text) else w.conf for w in old_words if bare(w.text)), default=old_mean)
    if _squeezed(old_text) == _squeezed(reading.text):
        return (old_text, reading.conf) if reading.conf > old_mean else None
    if bare(old_text) == bare(reading.text) and unbalanced(old_text) and not unbalanced(reading.text):
        # Both engines read every character alike; only the second closes the bracket the first
        # lost. The text is the second engine's, as sure as the surer of the two.
        return reading.text, max(old_mean, reading.conf)
    if reading.conf >= MIN_ACCEPT and reading.conf > old_min:
        return reading.text, reading.conf
    if reading.conf >= MIN_ACCEPT and bare(old_text) and bare(old_text) in bare(reading.text) \
            and len(bare(reading.text)) >= 2 * len(bare(old_text)):
        # Tesseract's confidence is in the few characters it saw (诺人); the second reading is
        # of the whole line they belong to (承诺人（签名）：邹慧云), which holds them.
        return reading.text, reading.conf
    return None


def reread_page(regions: list[Region], prep: Prepared, policy: RereadPolicy,
                recognizer: Optional[Recognizer] = None) -> list[Region]:
    """`reread` of the targets `policy` finds in the page's first readings."""
    rec = recognizer if recognizer is not None else shared_recognizer()
    if not regions or not rec.available():
        return regions
    return reread(regions, prep, policy.targets(regions, prep), rec)


def reread(regions: list[Region], prep: Prepared, targets: list[Target],
           recognizer: Optional[Recognizer] = None) -> list[Region]:
    """Regions with each target read again by the second recogniser and merged (see `Target`,
    `decide`); the others unchanged, in the same order. An empty target (no region) is appended
    when the second engine reads something in it. The second engine is an opinion, not a
    dependency: if it fails, Tesseract's reading stands."""
    rec = recognizer if recognizer is not None else shared_recognizer()
    if not regions or not rec.available():
        return regions
    out = list(regions)
    index = {id(r): i for i, r in enumerate(regions)}
    read_again: list[tuple[tuple[int, int, int, int], str]] = []  # crops whose second reading was taken
    taken_regions: set[int] = set()
    for target in targets:
        if target.region is not None and _fragment_within(target.region, read_again):
            # Ink a reading already taken covers (the tops of a tall signature's glyphs, boxed
            # as a weak line of their own above it): read alone it is only a piece of a glyph.
            continue
        crop = _crop(prep, target.box)
        if crop is None:
            continue
        if target.line_only:
            crop = line_band(crop)
        try:
            reading = rec.read(crop)
            band = _words_band(target)
            if band is not None and (reading is None or reading.conf < NARROW_BELOW):
                # Ink in the cell apart from its words (a seal's ring or lettering crossing it)
                # made the crop unreadable or unsure (本科二, 0.54): the words' own line, read alone.
                narrow = _crop(prep, band)
                again = rec.read(narrow) if narrow is not None else None
                if again is not None and (reading is None or again.conf > reading.conf):
                    reading = again
        except Exception as exc:  # onnxruntime raises its own types; the page must not be lost
            log.warning("second reading failed, Tesseract's kept: %s", exc)
            return out
        if target.lookalikes and reading is not None:
            reading = reading.lookalikes_as_one(target.lookalikes)
        if target.line is not None and target.region is not None:
            kept = decide(Region(target.region.cell, list(target.line)), reading, None, prep.image)
            if kept is not None:
                i = index[id(target.region)]
                # Words Tesseract placed in the band (its line, or pieces of it it misplaced)
                # are all covered by the new reading.
                rest = [w for w in out[i].words if not any(w is x for x in target.line) and not _inside(w, target.box)]
                word = Word(kept[0], target.box, round(kept[1], 4), target.line[0].line_key, _variants(kept[0], reading))
                out[i] = Region(out[i].cell, rest + [word])
                read_again.append((target.box, kept[0]))
                taken_regions.add(id(out[i]))
            continue
        if target.passes is not None:
            # The check vouches for the reading more than either engine's confidence, and rules
            # out the runners-up that fail it.
            if target.region is not None and reading is not None and target.passes(reading.text):
                text, conf = reading.text, reading.conf_given(target.passes)
                if conf < MIN_ACCEPT and target.salvage is not None:
                    text, conf = target.salvage(region_text(target.region), reading) or (text, conf)
                if conf >= MIN_ACCEPT:
                    word = Word(text, target.region.box(), round(conf, 4), target.region.words[0].line_key)
                    out[index[id(target.region)]] = Region(target.region.cell, [word])
            continue
        kept = decide(target.region, reading, target.must_start_with, prep.image)
        if kept is None and target.nothing_after and reading is not None and target.must_start_with \
                and bare(reading.text).startswith(target.must_start_with) \
                and len(bare(reading.text)) > len(target.must_start_with):
            # Something is written after the label, however unsure its reading (a signature in
            # a brush face: 史宋兴 at 0.40): kept at its own confidence, never "unsigned".
            kept = reading.text, reading.conf
        if target.rejects is not None and target.region is not None \
                and (kept is None or target.rejects(region_text(target.region), kept[0])):
            if reading is not None and target.disputes is not None \
                    and target.disputes(region_text(target.region), reading.text):
                out[index[id(target.region)]] = _disputed(target.region, reading, target.dispute_ceiling)
            continue
        if kept is None:
            continue
        text, conf = kept
        old = target.region
        key = old.words[0].line_key if old is not None and old.words else (0, 0, 0)
        box = old.box() if old is not None and old.words else target.box
        new = Region(old.cell if old is not None else target.cell, [Word(text, box, round(conf, 4), key, _variants(text, reading))])
        if old is not None:
            out[index[id(old)]] = new
        else:
            out.append(new)
        read_again.append((target.box, text))
        taken_regions.add(id(new))
    return [r for r in out if id(r) in taken_regions or not _fragment_within(r, read_again)]


def _words_band(target: Target) -> Optional[tuple[int, int, int, int]]:
    """A target's box cut to its words' line: their median height, a line height beyond their
    ends; None when its words are on more than one line. A run's box too: Tesseract boxed two
    of 现专业技术职务:天's words two lines high, and the crop read 现专业技术服务元 at 0.44."""
    region = target.region
    if region is None or not region.words or len(text_lines(region.words)) != 1:
        return None
    mid = float(np.median([(w.box[1] + w.box[3]) / 2 for w in region.words]))
    h = float(np.median([w.box[3] - w.box[1] for w in region.words]))
    y0, y1 = max(target.box[1], int(mid - 0.65 * h)), min(target.box[3], int(mid + 0.65 * h) + 1)
    x0 = max(target.box[0], int(min(w.box[0] for w in region.words) - h))
    x1 = min(target.box[2], int(max(w.box[2] for w in region.words) + h))
    band = (x0, y0, x1, y1)
    return None if band == target.box else band


def _disputed(region: Region, reading: LineReading, ceiling: float) -> Region:
    """Two engines read two values here and neither was clearly the surer: the region as one
    word no surer than `ceiling`, carrying the other reading, so that readers downstream know
    the value is in doubt (a human reads it) rather than take either."""
    conf = min(ceiling, min(w.conf for w in region.words))
    # The other reading is in doubt too: it is never taken as surer than the ceiling.
    word = Word(region_text(region), region.box(), round(conf, 4), region.words[0].line_key,
                ((reading.text, round(min(ceiling, reading.conf), 4)),))
    return Region(region.cell, [word])


def _variants(kept: str, reading: Optional[LineReading]) -> tuple[tuple[str, float], ...]:
    """The second engine's runner-up readings, each with its confidence should the kept text be
    ruled out, when the text kept is its reading (or that reading with the characters it
    dropped put back)."""
    for r in (reading, reading.filled() if reading is not None else None):
        if r is not None and kept == r.text:
            return r.variants_if_ruled_out()
    return ()


def _fragment_within(region: Region, crops: list[tuple[tuple[int, int, int, int], str]]) -> bool:
    """A free-standing region mostly inside a crop the second engine has read, whose ink that
    reading covers: a very weak word (strokes of a script-face signature read as 雪 三), or
    characters the reading holds already (兰梅 beside 承诺人签名：龙兰梅)."""
    if region.cell is not None or not region.words:
        return False
    weak = min(w.conf for w in region.words) < WEAK_WORD
    text = bare(region_text(region))
    return any(mostly_within(region.box(), box) and (weak or (text and _holds_nearly(bare(kept), text))) for box, kept in crops)


def _holds_nearly(kept: str, text: str) -> bool:
    """`kept` holds `text`, or holds it with one character read otherwise (马凤洁 beside
    承诺人（签名）：吕凤洁: Tesseract read the signature twice, once wrong)."""
    if text in kept:
        return True
    n = len(text)
    return n >= 2 and any(sum(a != b for a, b in zip(kept[i : i + n], text)) == 1 for i in range(len(kept) - n + 1))
