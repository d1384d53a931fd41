"""What to read again on a scanned page, and how: extraction's re-read policy for the OCR reader.

The reader (`extractors.readers.reread`) reads a region again with a second recogniser and merges
the readings; it has no vocabulary of fields. This module knows which regions matter and hands
them to it as `Target`s through `FIELD_REREAD_POLICY` (`extractors.dossier` gives it to the reader).

Names first. Names are where Tesseract fails most on clean scans: no dictionary or language model
helps with them, surnames and given-name characters include characters its `chi_sim` model cannot
read (阎, 鑫 are misread at every scale and mode tried, see `linerec`), and the same name is
compared across the 评审表, 送审表 and pledge, so one misread character sends a clean dossier to
review. The same characters occur in unit names (包头市鑫达…), which FORMS_CONSISTENT compares too.

`find_targets` finds the regions a label of labels.yaml (or 承诺人（签名）) points at - the next
cell of the row, the rest of the label's own cell or line, or the next run on the line - every
name, and every other value Tesseract was unsure of; so are the title lines at the top of a page
when they are weak (a document is recognised by its title), weak prose lines that name a
certificate's holder, weak dates, readings that fail a check (an ISSN's check digit, a date that
cannot be, a form label cut short), and short weak lines and cells.

A newcomer's field that needs re-reading adds a finder here and names it in
`FieldRereadPolicy.targets`; the reader does not change.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from typing import Callable, Optional

import numpy as np
import yaml

from dossierflow.checkdigits import ISSN_SHAPE, broken_issn, valid_issns
from dossierflow.text import best_substring, edit_distance, fold_width
from extractors.calibration import check_weight
from extractors.lexicons import lookalikes_of
from extractors.normalize import DATA_DIR, another_date, find_dates, impossible_date, prep_date_text
from extractors.readers.linerec import LineReading
from extractors.readers.ocr_layout import Region, Word, mostly_within, text_lines
from extractors.readers.preprocess import CELL_INSET, Prepared
from extractors.readers.reread import (
    Target,
    band_stops,
    bare,
    cell_target,
    glyph_unread,
    region_text,
    reread_page,
    run_target,
    unbalanced,
    widen_to_ink,
)

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
# A date two engines read differently is left this sure (and no surer is taken as read).
DISPUTED = check_weight("engines_disagree")
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


def _run_target_between(region: Region, regions: list[Region], prep: Prepared) -> Target:
    target = run_target(region, None)
    left, right = band_stops(region, regions, prep.image.shape[1])
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
            target = cell_target(region.cell, region, label) if region.cell is not None else run_target(region, label)
        elif region.cell is not None:
            key = (region.cell.table, region.cell.row, region.cell.col + 1)
            if key not in cells:
                continue
            value = by_cell.get(key)
            if value is not None and label_prefix(region_text(value)) is not None:
                continue
            target = cell_target(cells[key], value, None)
        else:
            value = _same_line_right(region, regions)
            if value is None and is_name_label(label):
                # Nothing read after 承诺人签名：: a signature in a face Tesseract dropped whole.
                # The label's line is read again over the ink that follows it on its band.
                left, right = band_stops(region, regions, prep.image.shape[1])
                own = run_target(region, label).box
                box = widen_to_ink(prep, own, left, right, SIGNATURE_GAP)
                if box[2] - own[2] < (own[3] - own[1]):
                    continue  # no ink after the label: unsigned as far as the page shows
                targets.append(Target(region, box, None, label, nothing_after=True))
                continue
            if value is None:
                continue
            target = run_target(value, None)
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
            left, right = band_stops(target.region, regions, prep.image.shape[1])
            own = run_target(region, label).box
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
        out.append(_as_date(dataclasses.replace(_date_target(region), line_only=True, passes=possible_date if broken else None)))
    return out


def _date_target(region: Region) -> Target:
    if region.cell is not None:
        return cell_target(region.cell, region, None)
    return dataclasses.replace(run_target(_without_stray_ends(region), None), region=region)


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
        elif region.cell is not None and (heads := _title_heads(bare(text))):
            check = _one_of(heads)
        else:
            continue
        if check is possible_date:
            out.append(_as_date(dataclasses.replace(_date_target(region), passes=check, line_only=True)))
        else:
            target = cell_target(region.cell, region, None) if region.cell is not None else run_target(region, None)
            out.append(dataclasses.replace(target, passes=check, salvage=_spliced_issn if check is valid_issns else None))
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


def _title_heads(text: str) -> tuple[str, ...]:
    """The listed titles a cell's reading is the end of, when it is no title itself and more
    than one title ends so (级教师: 一级, 二级, 三级 or 高级教师 with its first glyph lost, a
    thin 一 dropped on a photographed page): which one the form says is not known from it."""
    if len(text) < 2 or text in _title_names():
        return ()
    heads = tuple(n for n in _title_names() if len(n) > len(text) and n.endswith(text))
    return heads if len(heads) > 1 else ()


@lru_cache(maxsize=1)
def _title_names() -> frozenset[str]:
    from extractors.titles import title_entries

    return frozenset(e.name for e in title_entries())


def _one_of(names: tuple[str, ...]) -> Callable[[str], bool]:
    """A reading that is one of `names` whole."""
    def check(reading: str) -> bool:
        return bare(reading) in names
    return check


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
SIGNATURE_GAP = 3.0  # ... but a signature may be written a little way after its label


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
        left, right = band_stops(region, regions, prep.image.shape[1])
        own = run_target(region, None).box
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
        cell_target(region.cell, region, None)
        for region in regions
        if region.cell is not None and region.words and min(w.conf for w in region.words) < weak and short_enough(region)
    ]


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


def _as_date(target: Target) -> Target:
    """A target holding a date: a 〇 read as ○ or O is no doubt about it; a second reading that is
    no date, or holds fewer dates, is not kept; two engines reading two dates leave it disputed,
    below every threshold of the rules, for a person to read."""
    return dataclasses.replace(target, lookalikes=lookalikes_of("〇", "date"), rejects=_not_as_good_a_date,
                               disputes=another_date, dispute_ceiling=DISPUTED)


def _not_as_good_a_date(old: str, new: str) -> bool:
    return not date_like(new) or _fewer_dates(old, new)


class FieldRereadPolicy:
    """The targets of every finder above, for the OCR reader (`readers.reread.RereadPolicy`).
    Stateless, so it pickles by name into the reading workers."""

    def targets(self, regions: list[Region], prep: Prepared) -> list[Target]:
        targets: list[Target] = []
        # Each region is read again once, for the first reason found.
        # Dates before other weak lines: a date's reading must stay a date, and its crop leaves out
        # a seal's lettering beside it.
        for found in (find_targets(regions, prep), title_targets(regions, prep), holder_line_targets(regions),
                      date_targets(regions), checked_targets(regions), weak_line_targets(regions, prep),
                      weak_cell_targets(regions)):
            taken = {id(t.region) for t in targets}
            targets += [t for t in found if id(t.region) not in taken]
        # A labelled value or a cell holding a date is a date, whatever brought it here; and in a
        # line holding a date (a holder's line: …，一九八二年八月生，于二〇〇一年…) a 〇 read as ○ or O
        # is no doubt about the line.
        return [_as_date(t) if t.region is not None and date_like(region_text(t.region)) else t for t in targets]

    def band_check(self, text: str) -> Optional[Callable[[str], bool]]:
        """Written as a date but no date (一了一八年一月: a seal's ring across 二〇): the line's own
        rows read alone are taken when they make a date."""
        return possible_date if date_like(text) and not possible_date(text) else None


    def is_label(self, text: str) -> bool:
        """A field label of labels.yaml or a signature label, as printed."""
        return bool(text) and bare(text) in _label_set()


@lru_cache(maxsize=1)
def _label_set() -> frozenset[str]:
    return frozenset(lab for lab, _ in label_table())


FIELD_REREAD_POLICY = FieldRereadPolicy()


def reread_label_values(regions: list[Region], prep: Prepared, recognizer=None) -> list[Region]:
    """The page's regions with this policy's targets read again (`readers.reread.reread_page`)."""
    return reread_page(regions, prep, FIELD_REREAD_POLICY, recognizer)
