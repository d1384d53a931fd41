"""Second reading of labelled values, names first, by a recogniser that knows rare characters.

Names are where Tesseract fails most on clean scans: no dictionary or language model helps with
them, surnames and given-name characters include characters its `chi_sim` model cannot read
(阎, 鑫 are misread at every scale and mode tried, see `linerec`), and the same name is compared
across the 评审表, 送审表 and pledge, so one misread character sends a clean dossier to review.
The same characters occur in unit names (包头市鑫达…), which FORMS_CONSISTENT compares too.

`reread_label_values` finds the regions a label of labels.yaml (or 承诺人（签名）) points at - the
next cell of the row, the rest of the label's own cell or line, or the next run on the line - and
reads again every name, and every other value Tesseract was unsure of, with
`linerec.LineRecognizer`; so are the title lines at the top of a page when they are weak (a
document is recognised by its title), and weak prose lines that name a certificate's holder. The second reading replaces Tesseract's only when it is more
confident; when both engines read the same text, the reading keeps the text and takes the higher
confidence (two engines do not agree on a wrong name by chance). A crop that is not one line of
text is left alone. Nothing is guessed: every text kept is one of the two engines' readings.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Optional, Protocol

import numpy as np
import yaml

from dossierflow.checkdigits import ISSN_SHAPE, broken_issn, valid_issns
from dossierflow.text import best_substring, edit_distance, fold_width

# Date and label knowledge in a reader: the layers contract (.importlinter) lets this one module
# reach extraction until the re-read policy moves there (#23, item 2).
from extractors.normalize import DATA_DIR, DISPUTED_DATE_CONF, another_date, find_dates, impossible_date, prep_date_text
from extractors.readers.linerec import INK_LEVEL, LineReading, line_band, shared_recognizer
from extractors.readers.ocr_layout import Region, Word, mostly_within, text_lines
from extractors.readers.preprocess import CELL_INSET, CellBox, Prepared

log = logging.getLogger(__name__)

# Labels whose value is a person's name, besides the `name` labels of labels.yaml. 承诺人 and
# 签名 head the pledge's signature line; the signature is matched to the applicant's name.
SIGNATURE_LABELS = ("承诺人签名", "承诺人签字", "承诺人", "本人签名", "签名", "签字")
# Other labelled values are read again only when Tesseract was unsure of them: its misreadings
# of rare characters in unit names (鑫达 → 意达/荔达) come with confidences below this.
WEAK_VALUE = 0.9
# A date's numerals are read again below this. Tesseract reads a 9 as 5 at 0.927 (2007年9月),
# but at 0.95 three times as many dates were read again: 6% of a batch's time.
WEAK_DATE = 0.9
LABEL_MIN_SCORE = 0.75  # a label of four or more characters with one in four misread still counts
MIN_ACCEPT = 0.5  # a second reading less sure than this is not worth replacing anything with
DISPUTED = DISPUTED_DATE_CONF  # a date two engines read differently is below every threshold of the rules
# Titles: the first lines at the top of a page, short, read again when weak (on average, or in
# one word: Tesseract gave 审 of …送审表 a confidence of 0).
TITLE_LINES = 2
TITLE_ZONE = 0.25  # share of the page height from the top
TITLE_MAX_CHARS = 24
LARGE_FACE = 1.3  # a line whose glyphs are this many times the page's median height is a heading
WEAK_CELL_CHARS = 10  # a weak cell this short (a form's label: 是否疫情防控一线人员) is read again
WEAK_LINE_CELL_CHARS = 40  # ... and one holding a single line this long (a claimed paper's title)
WEAK_WORD = 0.5
FRAGMENT_CHARS = 3  # a free line this short, sure or not, is read again when ...
FRAGMENT_SPAN = 3.0  # ... its band's ink runs on to this many times its own width
# Prose that names a certificate's or letter's holder.
HOLDER_CUES = re.compile(r"学生|同志|兹证明|兹有|授予")
# A degree certificate names its holder with no cue word: 冯翠，女，1974年4月生。 The gender
# between commas is the cue (matched before `bare` drops the commas).
_NAME_GENDER = re.compile(r"[,，]\s*(?:性别)?\s*[男女]\s*[,，]")
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


@lru_cache(maxsize=1)
def label_table() -> tuple[tuple[str, bool], ...]:
    """Every field label of labels.yaml and the signature labels, longest first, each with
    whether its value is a person's name."""
    with open(DATA_DIR / "labels.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    table: dict[str, bool] = {}
    for key, labels in raw["fields"].items():
        for lab in labels:
            table[bare(str(lab))] = table.get(bare(str(lab)), False) or key == "name"
    for lab in SIGNATURE_LABELS:
        table[lab] = True
    return tuple(sorted(table.items(), key=lambda kv: len(kv[0]), reverse=True))


def name_labels() -> tuple[str, ...]:
    return tuple(lab for lab, is_name in label_table() if is_name)


def label_at_start(text: str) -> Optional[tuple[str, int]]:
    """The label a region's text starts with and where it ends in `bare(text)`. OCR spaces and
    colons are ignored; a label of four or more characters may have one character misread,
    added or lost (承诺和人签名)."""
    t = bare(text)
    for lab, _ in label_table():
        if t.startswith(lab):
            return lab, len(lab)
    for lab, names in label_table():
        # The rest of a name label whose first character was lost (诺人签名 of 承诺人签名).
        if names and len(lab) >= 5 and t.startswith(lab[1:]):
            return lab, len(lab) - 1
    for lab, _ in label_table():
        if len(lab) < 4 or t[:1] != lab[:1]:  # a misread label still starts as the label does
            continue
        sm = best_substring(lab, t[: len(lab) + 1], LABEL_MIN_SCORE)
        if sm is not None and sm.start == 0 and sm.score >= LABEL_MIN_SCORE:
            return lab, sm.end
    return None


def label_prefix(text: str) -> Optional[str]:
    found = label_at_start(text)
    return None if found is None else found[0]


def is_name_label(label: str) -> bool:
    return dict(label_table()).get(label, False)


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
    """A place to read again: an existing region (or None: a value cell Tesseract found empty),
    the crop box in prepared-image pixels, and the label the reading must start with, if any."""

    region: Optional[Region]
    box: tuple[int, int, int, int]
    cell: Optional[CellBox]  # when the target is a table cell
    must_start_with: Optional[str]
    # One line of a larger region (a certificate's prose): only these words are read again.
    line: Optional[tuple[Word, ...]] = None
    # A date: its second reading must still be a date, and a zero's look-alikes are one reading.
    date: bool = False
    # A check Tesseract's reading fails (an ISSN's check digit, a date that cannot be): a second
    # reading is taken when it passes.
    passes: Optional[Callable[[str], bool]] = None
    # A label Tesseract read nothing after: any reading of what follows it beats none.
    nothing_after: bool = False


def _cell_target(cell: CellBox, region: Optional[Region], label: Optional[str]) -> Target:
    x0, y0, x1, y1 = cell.box
    box = (x0 + CELL_INSET, y0 + CELL_INSET, x1 - CELL_INSET, y1 - CELL_INSET)
    return Target(region, box, cell, label)


def _run_target(region: Region, label: Optional[str]) -> Target:
    x0, y0, x1, y1 = region.box()
    h = max(1, y1 - y0)
    mx, my = max(4, h // 3), max(3, h // 5)
    return Target(region, (x0 - mx, y0 - my, x1 + mx, y1 + my), None, label)


def _same_line_right(label: Region, regions: list[Region]) -> Optional[Region]:
    lx0, ly0, lx1, ly1 = label.box()
    cy = (ly0 + ly1) / 2
    h = max(1, ly1 - ly0)
    best: Optional[Region] = None
    for r in regions:
        if r is label or r.cell is not None or not r.words:
            continue
        x0, y0, x1, y1 = r.box()
        if x0 >= lx1 - 2 and abs((y0 + y1) / 2 - cy) < 0.6 * h and x0 - lx1 < 12 * h:
            if best is None or x0 < best.box()[0]:
                best = r
    return best


def _band_stops(region: Region, regions: list[Region], width: int) -> tuple[int, int]:
    """How far a crop around `region` may reach left and right: to the next region read on its
    band (a title Tesseract split in two keeps each half's ink to itself)."""
    x0, y0, x1, y1 = region.box()
    band = [r.box() for r in regions if r is not region and r.words
            and min(r.box()[3], y1) - max(r.box()[1], y0) > 0.5 * (y1 - y0)]
    left = max([b[2] for b in band if b[2] <= x0] or [0])
    right = min([b[0] for b in band if b[0] >= x1] or [width])
    return left, right


def _run_target_between(region: Region, regions: list[Region], prep: Prepared) -> Target:
    target = _run_target(region, None)
    left, right = _band_stops(region, regions, prep.image.shape[1])
    x0, y0, x1, y1 = target.box
    return Target(region, (max(x0, left), y0, min(x1, right), y1), None, None)


def find_targets(regions: list[Region], prep: Prepared, weak: float = WEAK_VALUE) -> list[Target]:
    """Where labelled values sit on this page, by the labels Tesseract read: every name, and
    any other value Tesseract read less confidently than `weak` (or not at all)."""
    by_cell = {(r.cell.table, r.cell.row, r.cell.col): r for r in regions if r.cell is not None}
    cells = {(c.table, c.row, c.col): c for c in prep.cells}
    targets: list[Target] = []
    seen: set[int] = set()
    for region in regions:
        found = label_at_start(region_text(region))
        if found is None:
            continue
        label, end = found
        rest = bare(region_text(region))[end:]
        if rest:  # label and value in one cell or one run: read both again, the label checks the crop
            target = _cell_target(region.cell, region, label) if region.cell is not None else _run_target(region, label)
        elif region.cell is not None:
            key = (region.cell.table, region.cell.row, region.cell.col + 1)
            if key not in cells:
                continue
            value = by_cell.get(key)
            if value is not None and label_prefix(region_text(value)) is not None:
                continue
            target = _cell_target(cells[key], value, None)
        else:
            value = _same_line_right(region, regions)
            if value is None and is_name_label(label):
                # Nothing read after 承诺人签名：: a signature in a face Tesseract dropped whole.
                # The label's line is read again over the ink that follows it on its band.
                left, right = _band_stops(region, regions, prep.image.shape[1])
                own = _run_target(region, label).box
                box = widen_to_ink(prep, own, left, right, SIGNATURE_GAP)
                if box[2] - own[2] < (own[3] - own[1]):
                    continue  # no ink after the label: unsigned as far as the page shows
                targets.append(Target(region, box, None, label, nothing_after=True))
                continue
            if value is None:
                continue
            target = _run_target(value, None)
        # With the label in the same region, the value's own words say how sure it is: a sure
        # label's mean hid 无 read 天 at 0.83 (现专业技术职务:天 at 0.92 on average).
        sureness = _value_conf(region, end) if rest else (target.region.conf() if target.region is not None else 0.0)
        if not is_name_label(label) and target.region is not None and sureness >= weak \
                and not unbalanced(region_text(target.region)) and not glyph_unread(region_text(target.region)):
            continue
        if is_name_label(label) and target.cell is None and target.region is not None:
            # A signature in a script face runs past the glyphs Tesseract saw (常东 | 建): the
            # crop takes the rest of the ink on its band. Tesseract may also have boxed a sliver
            # of it (志 in the middle rows of 赵春洁): the crop is at least the label's line high.
            left, right = _band_stops(target.region, regions, prep.image.shape[1])
            own = _run_target(region, label).box
            tall = (target.box[0], min(target.box[1], own[1]), target.box[2], max(target.box[3], own[3]))
            target = dataclasses.replace(target, box=widen_to_ink(prep, tall, left, right))
        if id(target.region) in seen and target.region is not None:
            continue
        seen.add(id(target.region))
        targets.append(target)
    return targets


def _value_conf(region: Region, label_end: int) -> float:
    """The least sure of the words holding a value after a label that ends at `label_end` in the
    region's bare text (a word holding the label's end and the value's start counts)."""
    confs, at = [], 0
    for w in (w for line in text_lines(region.words) for w in line):  # reading order, as region_text
        n = len(bare(w.text))
        if n and at + n > label_end:
            confs.append(w.conf)
        at += n
    return min(confs, default=region.conf())


# A date, however it is written: 2010年9月, 二〇一八年十二月, 2020.04.15, 2017-03, 2020/5/10.
_NUMERAL = re.compile(r"[\d〇○零一二三四五六七八九十OoＯC]")  # with what OCR makes of a 〇
# A month OCR could not read (2010年?月) still makes a date to read again.
_DATE_LIKE = re.compile(
    r"(?:19|20)\d{2}\s*(?:年|[.\-/．])\s*\d|(?:19|20)\d{2}\s*年[^年月\d]{1,2}月|[〇○零一二][〇○零一二三四五六七八九]{3}年"
)
ZERO_LOOKALIKES = "〇○OoＯ0C"  # what OCR makes of a thin 〇 in a date (二C一〇, 二O〇一八)


# A date unit beside a character that is neither a numeral nor Chinese (?月): an unreadable month
# or day, not a word (日期, 出生年月).
_UNIT_AND_MORE = re.compile(r"[^\u4e00-\u9fff\d〇\s][年月日]|[年月日][^\u4e00-\u9fff\d〇\s]")


# A year with letters for some of its digits (2o1e 年11月: 2018 with its 0 and 8 misread), or
# with its first digit misread (3018年5月 under a seal's rim).
_GARBLED_YEAR = re.compile(r"(?<![0-9A-Za-z])([0-9][0-9A-Za-z]{3})\s*年\s*\d{1,2}\s*月")
# A Chinese-numeral year with some of its numerals misread (一了一八年一月: 二〇一八 with 二 read
# 一 and 〇 read 了), at least two of its four characters still numerals.
_GARBLED_CN_YEAR = re.compile(r"(\S{4})年[一二三四五六七八九十]{1,3}月")
_CN_NUMERALS = set("〇○零一二三四五六七八九十")
# A year unit read as one or two other glyphs (20194=4月: 2019年4月 with a seal's ring across 年).
_GARBLED_YEAR_UNIT = re.compile(r"(?<!\d)(?:19|20)\d{2}\S{1,2}?(?:0?[1-9]|1[0-2])月")
# A month after a year unit with no year before it (人 -年四月: a seal's ring took the year).
_YEAR_LOST = re.compile(r"(?<![\d〇○零一二三四五六七八九十OoＯC\s])\s*年\s*(?:[一二三四五六七八九十]{1,3}|\d{1,2})\s*月")


def date_like(text: str) -> bool:
    """`text` holds a date as date parsing repairs it (二C〇一年 is 二〇〇一年), one whose
    year has letters for at most two of its digits (or other characters for two of its Chinese
    numerals), one whose year unit was read as other glyphs (20194=4月), or one whose year was
    lost (-年四月)."""
    t = prep_date_text(text)
    return bool(_DATE_LIKE.search(t) or _YEAR_LOST.search(t) or _GARBLED_YEAR_UNIT.search(t)) \
        or any(sum(c.isdigit() for c in m.group(1)) >= 2 for m in _GARBLED_YEAR.finditer(t)) \
        or any(sum(c in _CN_NUMERALS for c in m.group(1)) >= 2 for m in _GARBLED_CN_YEAR.finditer(t))


def date_targets(regions: list[Region], weak: float = WEAK_DATE) -> list[Target]:
    """Cells and runs holding a date with a word Tesseract was unsure of, labelled or not (a
    certificate's 批准时间 is no form label): one digit misread makes a wrong date, and dates
    decide EVIDENCE_DATED, seniority and FORM_EVIDENCE_MISMATCH."""
    out: list[Target] = []
    for region in regions:
        if not region.words or not date_like(region_text(region)):
            continue
        # Only an unsure numeral can change the date (a label word cannot), or a date unit read
        # with something that is no numeral (?月: the month OCR could not read).
        if all(w.conf >= weak or not (_NUMERAL.search(w.text) or _UNIT_AND_MORE.search(w.text)) for w in region.words):
            continue
        # A date that is no date as read (一了一八年一月) takes a second reading that is one.
        broken = not possible_date(region_text(region))
        out.append(dataclasses.replace(_date_target(region), date=True, passes=possible_date if broken else None))
    return out


def _date_target(region: Region) -> Target:
    if region.cell is not None:
        return _cell_target(region.cell, region, None)
    return dataclasses.replace(_run_target(_without_stray_ends(region), None), region=region)


def _without_stray_ends(region: Region) -> Region:
    """The run without the weak words at its ends that stand more than their height apart from
    the rest: a seal's lettering beside a date (人 | 二〇一九年四月) that would be read with it."""
    words = sorted(region.words, key=lambda w: w.box[0])

    def stray(w: Word, neighbour_gap: int) -> bool:
        return w.conf < WEAK_WORD and neighbour_gap > w.box[3] - w.box[1]

    while len(words) > 1 and stray(words[0], words[1].box[0] - words[0].box[2]):
        words.pop(0)
    while len(words) > 1 and stray(words[-1], words[-1].box[0] - words[-2].box[2]):
        words.pop()
    return Region(region.cell, words)


def checked_targets(regions: list[Region]) -> list[Target]:
    """Cells and runs whose reading fails a check, however sure Tesseract was: an ISSN whose
    check digit fails (1004-5937 read 1004-3937, an integrity lead), a date that cannot be
    (2918年11月) or written as a date but no date (2o1e 年11月): the certificate would go
    undated; a form label cut short (学 of 学历); a certificate number with a Chinese character
    inside it (2017- 上803). The second reading is taken if it passes."""
    out: list[Target] = []
    for region in regions:
        if not region.words:
            continue
        text = region_text(region)
        if broken_issn(text.replace(" ", "")):
            check = valid_issns
        elif (impossible_date(text) or (date_like(text) and not find_dates(text))) and len(text_lines(region.words)) == 1:
            # One line: the recogniser reads a line, and the whole region takes its reading.
            check = possible_date
        elif region.cell is not None and _label_cut_short(text):
            check = _completes(bare(text))
        elif region.cell is not None and region.conf() < WEAK_VALUE and _label_misread(text):
            check = _completes(bare(text)[:1])
        elif _CODE_WITH_GLYPH.search(text):
            check = _whole_code
        else:
            continue
        if check is possible_date:
            out.append(dataclasses.replace(_date_target(region), passes=check, date=True))
        else:
            target = _cell_target(region.cell, region, None) if region.cell is not None else _run_target(region, None)
            out.append(dataclasses.replace(target, passes=check))
    return out


# A certificate number with a Chinese character inside it (证书编号：2017- 上803, J read 上):
# numbers are letters, figures and hyphens, so a glyph between them is a misread letter.
_CODE_LABELS = r"(?:编号|证书号|管理号)"
_CODE_WITH_GLYPH = re.compile(_CODE_LABELS + r"[^0-9A-Za-z]{0,3}[0-9A-Za-z][0-9A-Za-z\-－\s]*[\u4e00-\u9fff][\-－\s]*[0-9]")
_WHOLE_CODE = re.compile(_CODE_LABELS + r"[^0-9A-Za-z]{0,3}[0-9A-Za-z][0-9A-Za-z\-]{3,}$")


def _whole_code(reading: str) -> bool:
    """A reading whose number runs, in letters, figures and hyphens, to the end of the line."""
    return bool(_WHOLE_CODE.search(re.sub(r"\s+", "", reading)))


def _spliced_issn(old: str, reading: LineReading) -> Optional[tuple[str, float]]:
    """Tesseract's line with its broken ISSN put right from the second reading, as sure as that
    number's characters there: the second engine may read the digits right and the letters
    around them badly (ISSV 1000-7059 CV… against ISSN 1000-7039 CN…). Only a number one digit
    from Tesseract's: a misread digit, not another number."""
    spaced = broken_issn(old)
    broken = spaced or broken_issn(old.replace(" ", ""))
    if broken is None:
        return None
    digits = re.sub(r"\D", "", broken)
    for m in ISSN_SHAPE.finditer(reading.text):
        number = valid_issns(m.group(0))
        if number and edit_distance(re.sub(r"\D", "", number[0]), digits) == 1:
            conf = reading.conf_given(valid_issns, span=(m.start(), m.end()))
            text = old.replace(broken, number[0], 1) if spaced else old.replace(" ", "").replace(broken, number[0], 1)
            return text, conf
    return None


def _label_cut_short(text: str) -> bool:
    """A cell holding the first characters of a form label and no label (学 of 学历：, 历 lost):
    the value beside it goes unlabelled."""
    t = bare(text)
    return 0 < len(t) <= 2 and label_prefix(t) is None and any(lab.startswith(t) and len(lab) > len(t) for lab, _ in label_table())


def _label_misread(text: str) -> bool:
    """A cell as long as a short form label, starting as it does and one character off (姓各 for
    姓　名, 名 read 各 at 0.75): the name beside it went unlabelled."""
    t = bare(text)
    if not 2 <= len(t) <= 3 or label_prefix(t) is not None:
        return False
    return any(len(lab) == len(t) and lab[0] == t[0] and sum(a != b for a, b in zip(lab, t)) == 1
               for lab, _ in label_table())


def _completes(start: str) -> Callable[[str], bool]:
    """A reading that is a whole label beginning as the cut-short one did."""
    def check(reading: str) -> bool:
        found = label_prefix(reading)
        return found is not None and found.startswith(start) and bare(reading)[len(found):] == ""
    return check


def _fewer_dates(old: str, new: str) -> bool:
    """`new` holds fewer dates than `old`, or one that cannot be where `old` had none: Tesseract
    read 2020-05-18至2020-05-24 and the second engine, surer overall, 2020-0-18至2020-0-24."""
    return len(find_dates(new)) < len(find_dates(old)) or (impossible_date(new) and not impossible_date(old))


def possible_date(text: str) -> bool:
    return bool(find_dates(text)) and not impossible_date(text)


def title_targets(regions: list[Region], prep: Prepared, weak: float = WEAK_VALUE) -> list[Target]:
    """The page's title lines, when Tesseract was unsure of them: a document is recognised by
    its title (专业技术资格送审表 read as …大审表 makes a 送审表 pass for a 评审表)."""
    height = prep.image.shape[0]
    loose = sorted((r for r in regions if r.cell is None and r.words), key=lambda r: r.box()[1])
    out: list[Target] = []

    def title_like(region: Region) -> bool:  # high on the page and short
        return region.box()[1] <= TITLE_ZONE * height and len(bare(region_text(region))) <= TITLE_MAX_CHARS

    for region in loose[:TITLE_LINES]:
        if not title_like(region):
            continue
        if broken_issn(region_text(region).replace(" ", "")):
            continue  # a journal's numbers, not a title: `checked_targets` reads them against their check
        if region.conf() < weak or min(w.conf for w in region.words) < WEAK_WORD:
            out.append(_run_target_between(region, regions, prep))
    # Further down the top of the page, a line in a larger face than the page's text (an
    # article's title under the journal's lines) is read again however sure Tesseract was: its
    # confidence does not hold for large faces (关于 read 天于 at 0.97, fresh seeds 381-386).
    heights = [w.box[3] - w.box[1] for r in regions for w in r.words if bare(w.text)]
    if not heights:
        return out
    body = float(np.median(heights))
    for region in loose[TITLE_LINES:]:
        if not title_like(region) or len(text_lines(region.words)) != 1 or broken_issn(region_text(region).replace(" ", "")):
            continue
        face = float(np.median([w.box[3] - w.box[1] for w in region.words if bare(w.text)] or [0]))
        if face >= LARGE_FACE * body:
            out.append(_run_target_between(region, regions, prep))
    return out


INK_GAP = 1.5  # a gap wider than this many line heights ends a line's ink
SIGNATURE_GAP = 3.0  # ... but a signature may be written a little way after its label


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


def weak_line_targets(regions: list[Region], prep: Prepared, weak: float = WEAK_WORD) -> list[Target]:
    """Short free-standing lines (not in a table cell) with a word Tesseract was very unsure of,
    widened over the ink of their band: signature lines in a script face, dates and names
    under a stamp. The second reading replaces the first only when surer (see `decide`)."""
    out: list[Target] = []
    for region in regions:
        if region.cell is not None or not region.words:
            continue
        # One line, though fragments of a misread glyph (慧 → 1 一) may sit a little off it.
        x0, y0, x1, y1 = region.box()
        if y1 - y0 > 1.5 * max(w.box[3] - w.box[1] for w in region.words):
            continue
        chars = len(bare(region_text(region)))
        if chars > TITLE_MAX_CHARS:
            continue
        # A fragment lying on another region's line (strokes of a signature above the line
        # Tesseract read with it) is no line of its own: widened, it would read that line again.
        if any(r is not region and r.words and mostly_within(region.box(), r.box()) for r in regions):
            continue
        if min(w.conf for w in region.words) >= weak and chars > FRAGMENT_CHARS:
            continue
        left, right = _band_stops(region, regions, prep.image.shape[1])
        own = _run_target(region, None).box
        box = widen_to_ink(prep, own, left, right)
        # A sure line is read again only when it is a few characters of a much longer line of
        # ink (诺人 of 承诺人（签名）：邹慧云, the rest in a face Tesseract dropped).
        if min(w.conf for w in region.words) >= weak and box[2] - box[0] < FRAGMENT_SPAN * (own[2] - own[0]):
            continue
        out.append(Target(region, _clear_of_lines(box, region, regions), None, None))
    return out


def _clear_of_lines(box: tuple[int, int, int, int], region: Region, regions: list[Region]) -> tuple[int, int, int, int]:
    """`box` cut short of the lines read above and below it across its width: a tall script-face
    signature boxed into the date line's rows (潘燕 over 日期：2020/5/13) is no one line to the
    recogniser, which then reads nothing."""
    x0, y0, x1, y1 = box
    _, own_top, _, own_bottom = region.box()
    mid = (own_top + own_bottom) / 2
    top, bottom = y0, y1
    for r in regions:
        if r is region or not r.words:
            continue
        rx0, ry0, rx1, ry1 = r.box()
        if len(bare(region_text(r))) <= FRAGMENT_CHARS and (
                min(w.conf for w in r.words) < WEAK_WORD or min(ry1, own_bottom) > max(ry0, own_top)):
            # A few characters, weak or reaching into the line's own rows: a piece of its tall
            # glyphs (the top of 眞 read 癌 at 0.59), not a line above or below it.
            continue
        if rx1 <= x0 or rx0 >= x1:
            continue
        if ry0 > mid and ry0 < bottom:
            bottom = ry0
        elif ry1 < mid and ry1 > top:
            top = ry1
    # Only a trim: a box that would lose half its height keeps its rows.
    return (x0, top, x1, bottom) if bottom - top >= (y1 - y0) / 2 else box

def weak_cell_targets(regions: list[Region], weak: float = WEAK_WORD) -> list[Target]:
    """Table cells of a few characters, or of one line, with a word Tesseract was very unsure
    of: a form's label (学历 read 学惫 at 0.47) leaves its value unlabelled, a value cell no label
    named goes unread, and a claimed paper's title in a light face (高职院校机械类专业课程思政的
    实践 read …兴支业评程轩政… at 0.67) matches no attachment. The second reading replaces the
    first only when surer (see `decide`)."""
    def short_enough(region: Region) -> bool:
        chars = len(bare(region_text(region)))
        return chars <= WEAK_CELL_CHARS or (chars <= WEAK_LINE_CELL_CHARS and len(text_lines(region.words)) == 1)

    return [
        _cell_target(region.cell, region, None)
        for region in regions
        if region.cell is not None and region.words and min(w.conf for w in region.words) < weak and short_enough(region)
    ]


def _inside(word: Word, box: tuple[int, int, int, int]) -> bool:
    cx, cy = (word.box[0] + word.box[2]) / 2, (word.box[1] + word.box[3]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def holder_line_targets(regions: list[Region], weak: float = WEAK_WORD) -> list[Target]:
    """Lines of prose that name a person (学生阎云梅，性别女… on a diploma, …同志：被授予… on an
    honour), when one of their words was weak: the holder is matched to the applicant, and a
    misread there raises HOLDER_MISMATCH. The crop is the line's band across its whole region,
    so a character Tesseract misplaced onto another line is read in place."""
    out: list[Target] = []
    for region in regions:
        if len(region.words) < 2:
            continue
        x0, _, x1, _ = region.box()
        inset = CELL_INSET if region.cell is not None else 0
        for line in text_lines(region.words):
            text = "".join(w.text for w in line)
            if not (HOLDER_CUES.search(bare(text)) or _NAME_GENDER.search(fold_width(text))):
                continue
            if min(w.conf for w in line) >= weak:
                continue
            h = int(np.median([w.box[3] - w.box[1] for w in line]))
            top, bottom = min(w.box[1] for w in line), max(w.box[3] for w in line)
            box = (x0 + inset, top - h // 4, x1 - inset, bottom + h // 4)
            out.append(Target(region, box, region.cell, None, tuple(line)))
    return out


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


def reread_label_values(regions: list[Region], prep: Prepared, recognizer: Optional[Recognizer] = None) -> list[Region]:
    """Regions with the names, weak labelled values and weak title lines read again (see
    `find_targets`, `title_targets`); the others unchanged, in the same order. A value cell
    Tesseract found empty is appended when the second engine reads something in it. The second
    engine is an opinion, not a dependency: if it fails, Tesseract's reading stands."""
    rec = recognizer if recognizer is not None else shared_recognizer()
    if not regions or not rec.available():
        return regions
    out = list(regions)
    index = {id(r): i for i, r in enumerate(regions)}
    targets: list[Target] = []
    read_again: list[tuple[tuple[int, int, int, int], str]] = []  # crops whose second reading was taken
    taken_regions: set[int] = set()
    # Each region is read again once, for the first reason found.
    # Dates before other weak lines: a date's reading must stay a date, and its crop leaves out
    # a seal's lettering beside it.
    for found in (find_targets(regions, prep), title_targets(regions, prep), holder_line_targets(regions),
                  date_targets(regions), checked_targets(regions), weak_line_targets(regions, prep),
                  weak_cell_targets(regions)):
        taken = {id(t.region) for t in targets}
        targets += [t for t in found if id(t.region) not in taken]
    for target in targets:
        if target.region is not None and _fragment_within(target.region, read_again):
            # Ink a reading already taken covers (the tops of a tall signature's glyphs, boxed
            # as a weak line of their own above it): read alone it is only a piece of a glyph.
            continue
        crop = _crop(prep, target.box)
        if crop is None:
            continue
        if target.date:
            crop = line_band(crop)
        try:
            reading = rec.read(crop)
            band = _words_band(target)
            if band is not None and (reading is None or reading.conf < WEAK_VALUE):
                # Ink in the cell apart from its words (a seal's ring or lettering crossing it)
                # made the crop unreadable or unsure (本科二, 0.54): the words' own line, read alone.
                narrow = _crop(prep, band)
                again = rec.read(narrow) if narrow is not None else None
                if again is not None and (reading is None or again.conf > reading.conf):
                    reading = again
        except Exception as exc:  # onnxruntime raises its own types; the page must not be lost
            log.warning("second reading failed, Tesseract's kept: %s", exc)
            return out
        # A labelled value or a cell holding a date is a date, whatever brought it here; and
        # in a line holding a date (a holder's line: …，一九八二年八月生，于二〇〇一年…) a 〇
        # read as ○ or O is no doubt about the line.
        is_date = target.date or (target.region is not None and date_like(region_text(target.region)))
        if is_date and reading is not None:
            reading = reading.lookalikes_as_one(ZERO_LOOKALIKES)
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
                if conf < MIN_ACCEPT and target.passes is valid_issns:
                    text, conf = _spliced_issn(region_text(target.region), reading) or (text, conf)
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
        if is_date and target.region is not None and (kept is None or not date_like(kept[0])
                                                      or _fewer_dates(region_text(target.region), kept[0])):
            if reading is not None and another_date(region_text(target.region), reading.text):
                out[index[id(target.region)]] = _disputed(target.region, reading)
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


def _disputed(region: Region, reading: LineReading) -> Region:
    """Two engines read two dates here and neither was clearly the surer: the region as one
    word no surer than DISPUTED, carrying the other reading, so that readers downstream know
    the date is in doubt (a human reads it) rather than take either."""
    conf = min(DISPUTED, min(w.conf for w in region.words))
    # The other reading is in doubt too: it is never taken as surer than DISPUTED.
    word = Word(region_text(region), region.box(), round(conf, 4), region.words[0].line_key,
                ((reading.text, round(min(DISPUTED, reading.conf), 4)),))
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
