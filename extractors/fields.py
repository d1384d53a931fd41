"""The applicant's fields from the 评审表 (and the 送审表 for what the 评审表 does not give).

A label is found wherever it sits in a segment (`姓名：王秀英性别：女` holds two), even when OCR
damaged one character or split it over two segments. Its value is the rest of the segment, else
the next table cell, else the segment to its right, else the one below, but never another
label. Each value is normalised (dates ISO, enumerations to codes); one that does not parse is
left out rather than guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Optional

import yaml

from dossierflow.checkdigits import id_check_char
from dossierflow.models import BBox, Document, FieldValue, PageContent, Segment
from dossierflow.vocab import DATE_FIELDS, FIELD_KEYS
from extractors import lexicons as lx
from extractors import normalize as nz
from extractors import titles as tt
from extractors.calibration import check_weight, weighed
from extractors.evidence import read_ce_card
from extractors.evidence.certificates import read_diploma, read_title_cert
from extractors.layout import DocView, below, lines, next_cell, right_of, source_of, union, upright

LABEL_MIN_SCORE = 0.75
SPILL_CHARS = 2  # at most this much of a value is taken for spill into its label's cell
# A dash before 级 is no edge junk but the 一 of 一级 read as a dash (—级教师): see _DASH_FOR_ONE.
_EDGE_JUNK = re.compile(r"^(?:[\s:：;；,，.。、|·•'\"“”‘’\[\]【】]|[_\-—](?!级))+|[\s:：;；,，、|_\-—·•'\"“”‘’\[\]【】]+$")


@dataclass(frozen=True)
class LabelTable:
    by_label: dict[str, str]  # label (compact) → field key
    ordered: tuple[str, ...]  # labels, longest first
    contextual: dict[str, dict[str, str]]
    inline_short: frozenset[str]


@lru_cache(maxsize=1)
def label_table() -> LabelTable:
    with open(nz.DATA_DIR / "labels.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    by_label: dict[str, str] = {}
    for key, labels in raw["fields"].items():
        if key not in FIELD_KEYS:
            raise ValueError(f"labels.yaml: unknown field key {key!r}")
        for lab in labels:
            by_label[nz.compact(str(lab))] = key
    return LabelTable(
        by_label=by_label,
        ordered=tuple(sorted(by_label, key=len, reverse=True)),
        contextual={k: dict(v or {}) for k, v in (raw.get("contextual") or {}).items()},
        inline_short=frozenset(raw.get("inline_ok_short") or ()),
    )


# ---------------------------------------------------------------------------------------------
# Finding labels
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelHit:
    key: str
    label: str
    start: int  # in the compact text of `seg`
    end: int
    certainty: float


def _strip_edges(text: str) -> str:
    return _EDGE_JUNK.sub("", text)


def label_hits(text: str) -> list[LabelHit]:
    """Every label in a segment's text, in order. Only the first may be OCR-damaged."""
    table = label_table()
    t = nz.compact(text)
    lead = len(t) - len(t.lstrip(":：|_-—·•'\"[]【】"))
    hits: list[LabelHit] = []
    first = _label_at_start(t, lead, table)
    pos = lead
    if first is not None:
        hits.append(first)
        pos = first.end
    while pos < len(t):
        found = None
        for lab in table.ordered:
            if t.startswith(lab, pos):
                after = t[pos + len(lab) : pos + len(lab) + 1]
                if len(lab) >= 4 or after in (":", "：") or lab in table.inline_short:
                    found = LabelHit(table.by_label[lab], lab, pos, pos + len(lab), 1.0)
                    break
        if found is None:
            pos += 1
            continue
        hits.append(found)
        pos = found.end
    return hits


def _least_label_score(label: str) -> float:
    """A label with a quarter of its characters damaged is still the label; one of seven or more
    characters may have two (旗有具区工作年限: 县 read 有具), as its other five stay in order."""
    return min(LABEL_MIN_SCORE, 1.0 - 2.0 / len(label) - 1e-9) if len(label) >= 7 else LABEL_MIN_SCORE


SPREAD_LABEL_CERTAINTY = 0.9
DOUBLED_LABEL_CERTAINTY = 0.9
INTERLEAVED_LABEL_CERTAINTY = 0.9
INTERLEAVED_MIN = 4  # labels this long are the ones a narrow cell breaks over two lines
_DOUBLED = re.compile(r"(.)\1")


def _merges(t: str, a: str, b: str) -> bool:
    """Is `t` the characters of `a` and `b` taken in turn, each in its own order?"""
    if len(t) != len(a) + len(b):
        return False
    can = [[False] * (len(b) + 1) for _ in range(len(a) + 1)]
    can[0][0] = True
    for i in range(len(a) + 1):
        for j in range(len(b) + 1):
            if (i and can[i - 1][j] and a[i - 1] == t[i + j - 1]) or (j and can[i][j - 1] and b[j - 1] == t[i + j - 1]):
                can[i][j] = True
    return can[len(a)][len(b)]


@lru_cache(maxsize=1)
def _labels_by_letters() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for lab in label_table().by_label:
        if len(lab) >= INTERLEAVED_MIN:
            out.setdefault("".join(sorted(lab)), []).append(lab)
    return {k: tuple(v) for k, v in out.items()}


def _interleaved_label(text: str, table: LabelTable) -> Optional[str]:
    """The label a cell's whole reading is, its two lines read as one (所在 | 地区 read 地所区在,
    旗县区工 | 作年限 read 作旗年县区限工): a label broken over two lines of small type, whose
    glyphs Tesseract ordered by x across both lines. Its characters are the label's, in each
    line's order; a reading two labels could be (of one field or two) names none."""
    if len(text) < INTERLEAVED_MIN or text in table.by_label:
        return None
    found = {
        lab
        for lab in _labels_by_letters().get("".join(sorted(text)), ())
        if any(_merges(text, lab[:k], lab[k:]) for k in range(1, len(lab)))
    }
    return found.pop() if len(found) == 1 else None


def _label_at_start(t: str, lead: int, table: LabelTable) -> Optional[LabelHit]:
    for lab in table.ordered:
        if t.startswith(lab, lead):
            return LabelHit(table.by_label[lab], lab, lead, lead + len(lab), 1.0)
    # A label Tesseract read with glyphs doubled (最高高学学历), alone in its cell: no label
    # repeats a character, so the text with each repeat dropped is the label.
    rest = t[lead:]
    single = _DOUBLED.sub(r"\1", rest)
    if single != rest and single.rstrip(":：") in table.by_label:
        lab = single.rstrip(":：")
        return LabelHit(table.by_label[lab], lab, lead, len(t), DOUBLED_LABEL_CERTAINTY)
    interleaved = _interleaved_label(rest.rstrip(":："), table)
    if interleaved is not None:
        return LabelHit(table.by_label[interleaved], interleaved, lead, len(t), INTERLEAVED_LABEL_CERTAINTY)
    for lab in table.ordered:
        # A two-character label spread over its cell (姓　　名) with a stray character read in
        # the gap (姓和名:), the colon or the cell's end right after it.
        if len(lab) == 2 and t.startswith(lab[0], lead) and t[lead + 2 : lead + 3] == lab[1] \
                and t[lead + 3 : lead + 4] in (":", "：", ""):
            return LabelHit(table.by_label[lab], lab, lead, lead + 3, SPREAD_LABEL_CERTAINTY)
    best: Optional[LabelHit] = None
    for lab in table.ordered:
        if len(lab) < 4:
            continue
        window = t[lead : lead + len(lab) + 1]
        least = _least_label_score(lab)
        sm = nz.best_substring(lab, window, least)
        if sm is None or sm.score < least or sm.start > 1:
            continue
        span = window[sm.start : sm.end]
        # A damaged label keeps its first character or its length; otherwise a shorter phrase
        # that happens to end a label (专业技术资格 in 现专业技术资格) would pass for it.
        if span[:1] != lab[:1] and len(span) != len(lab):
            continue
        if best is None or sm.score > best.certainty:
            best = LabelHit(table.by_label[lab], lab, lead + sm.start, lead + sm.end, sm.score)
    return best


# ---------------------------------------------------------------------------------------------
# Walking a page
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One label occurrence and the value the layout gives it."""

    key: str
    raw: str
    value_seg: Segment
    value_box: BBox
    certainty: float
    half_label: bool = False  # only the first line of its label was read (`_half_label`)


class PageLabels:
    """The label hits of every segment of one page, computed once."""

    def __init__(self, page: PageContent):
        self.page = page
        self.hits: dict[int, list[LabelHit]] = {id(s): label_hits(s.text) for s in page.segments}

    def is_label(self, seg: Segment) -> bool:
        hs = self.hits.get(id(seg)) or []
        return bool(hs) and hs[0].start <= 1

    def value_text(self, seg: Segment) -> str:
        """The segment's text up to its first label (a value cell followed by a label)."""
        t = nz.compact(seg.text)
        hs = self.hits.get(id(seg)) or []
        return _strip_edges(t[: hs[0].start] if hs else t)

    def candidates(self) -> list[Candidate]:
        out: list[Candidate] = []
        prev_key: Optional[str] = None
        consumed: set[int] = set()
        for line in lines(self.page):
            for seg in line:
                if id(seg) in consumed:
                    continue
                hs = self.hits[id(seg)]
                if not hs:
                    joined = self._joined_label(seg, line)
                    if joined is not None:
                        label_key, label, cand, nxt = joined
                        consumed.add(id(nxt))
                        key = self._context_key(label_key, label, prev_key)
                        prev_key = key
                        if cand is not None:
                            out.append(_with_key(cand, key))
                        continue
                    half = self._half_label(seg)
                    if half is not None:
                        prev_key = half.key
                        out.append(half)
                    continue
                t = nz.compact(seg.text)
                for i, h in enumerate(hs):
                    key = self._context_key(h.key, h.label, prev_key)
                    prev_key = key
                    end = hs[i + 1].start if i + 1 < len(hs) else len(t)
                    inline = _strip_edges(t[h.end : end])
                    if inline:
                        box = _sub_box(seg, t, h.end, end)
                        spill = self._spilled_value(seg, inline, box) if i + 1 == len(hs) else None
                        if spill is not None:
                            out.append(_with_key(spill, key))
                        out.append(Candidate(key, inline, seg, box, h.certainty))
                        again = self._label_read_twice(seg, line, h, inline) if i + 1 == len(hs) else None
                        if again is not None:
                            out.append(_with_key(again, key))
                        continue
                    if i + 1 < len(hs):
                        continue  # another label follows directly: this one is empty
                    found = self._neighbour_value(seg)
                    if found is not None:
                        vseg, vtext = found
                        out.append(Candidate(key, vtext, vseg, vseg.box, h.certainty))
        return out

    def _context_key(self, key: str, label: str, prev_key: Optional[str]) -> str:
        ctx = label_table().contextual.get(label)
        if ctx and prev_key in ctx:
            return ctx[prev_key]
        return key

    def _neighbour_value(self, seg: Segment) -> Optional[tuple[Segment, str]]:
        page = self.page
        cell = next_cell(seg, page)
        if cell is not None:
            if self.is_label(cell):
                return self._below_value(seg)
            text = self.value_text(cell)
            return (cell, text) if text else None
        rights = right_of(seg, page)
        if rights:
            r = rights[0]
            if not self.is_label(r):
                text = self.value_text(r)
                return (r, text) if text else None
        return self._below_value(seg)

    def _spilled_value(self, seg: Segment, inline: str, inline_box: BBox) -> Optional[Candidate]:
        """A character or two after a label cell's label, with the value cell beside it filled:
        the value's first glyphs, OCR ran across the border into the label's cell (最高学历：硕 |
        士研究生). The two read as one value, tried before the fragment alone."""
        if len(inline) > SPILL_CHARS:
            return None
        cell = next_cell(seg, self.page)
        if cell is None or self.is_label(cell):
            return None
        rest = self.value_text(cell)
        if not rest:
            return None
        hs = self.hits[id(seg)]
        return Candidate(hs[-1].key, inline + rest, cell, union([inline_box, cell.box]), hs[-1].certainty * 0.95)

    def _below_value(self, seg: Segment) -> Optional[tuple[Segment, str]]:
        b = below(seg, self.page)
        if b is None or self.is_label(b):
            return None
        text = self.value_text(b)
        return (b, text) if text else None

    def _label_read_twice(self, seg: Segment, line: list[Segment], h: LabelHit, inline: str) -> Optional[Candidate]:
        """A label whose value is a glyph or two, and the next segment on the line repeating the
        label's end and a colon: two crops read the same glyphs (姓名：讠 | 名：许明鹏, 讠 the
        left of 许). What follows the repeated colon is a second candidate for the value, taken
        when the first does not parse."""
        if len(inline) > 2:
            return None
        idx = line.index(seg)
        if idx + 1 >= len(line):
            return None
        nxt = line[idx + 1]
        nt = nz.compact(nxt.text)
        for k in (2, 1):
            if len(h.label) > k and nt.startswith(h.label[-k:]) and nt[k : k + 1] in (":", "："):
                value = _strip_edges(nt[k + 1 :])
                if value:
                    return Candidate(h.key, value, nxt, _sub_box(nxt, nt, k + 1, len(nt)), h.certainty * 0.95)
        return None

    def _joined_label(
        self, seg: Segment, line: list[Segment]
    ) -> Optional[tuple[str, str, Optional[Candidate], Segment]]:
        """A label OCR split in two (`出生` | `年月`): join with the next segment on the line."""
        t = nz.compact(seg.text)
        if not t or len(t) > 5:
            return None
        idx = line.index(seg)
        if idx + 1 >= len(line):
            return None
        nxt = line[idx + 1]
        joined = t + nz.compact(nxt.text)
        hs = label_hits(joined)
        if not hs or hs[0].start > 0 or hs[0].end <= len(t):
            return None
        h = hs[0]
        own = self.hits.get(id(nxt)) or []
        if h.certainty < 1.0 and own and own[0].start == 0 and own[0].certainty >= 1.0:
            # A value cell and the label beside it (工程 | 单位性质) read as a damaged label
            # (工程单位 for 工作单位): the next cell is a label as written, of its own field.
            return None
        end = hs[1].start if len(hs) > 1 else len(joined)
        inline = _strip_edges(joined[h.end : end])
        if inline:
            box = _sub_box(nxt, nz.compact(nxt.text), h.end - len(t), end - len(t))
            return h.key, h.label, Candidate(h.key, inline, nxt, box, h.certainty * 0.95), nxt
        found = self._neighbour_value(nxt)
        if found is None:
            return h.key, h.label, None, nxt
        vseg, vtext = found
        return h.key, h.label, Candidate(h.key, vtext, vseg, vseg.box, h.certainty * 0.95), nxt


    def _labelled_keys(self) -> frozenset[str]:
        """The fields a label on this page names as it begins its segment."""
        return frozenset(hs[0].key for hs in self.hits.values() if hs and hs[0].start <= 1)

    def _half_label(self, seg: Segment) -> Optional[Candidate]:
        """A label cell of which only part of its two lines was read (申报 | 系列 read 申报, 系列
        with the upper line lost, or 位等 of 现聘岗 | 位等级): the labels that part begins, or else
        holds after their first character, name the fields it may be; the value beside it decides when exactly one of those fields' vocabularies holds
        it as written (工程 is a series, and no title, route or date). The line may be OCR's
        runner-up reading of the cell (职标, or 职称 with one unsure glyph), and a field whose
        whole label the page prints elsewhere is not this one: a form labels each field once
        (职称 ends 申报职称 and 现任职称; beside 现任专业技术职务 it is the former). Unsure however
        surely it was read (half_label weighs 0.5): the other form's reading confirms it."""
        if seg.cell is None:
            return None
        keys: frozenset[str] = frozenset()
        for read in (seg.text, *seg.alternatives):
            t = _strip_edges(nz.compact(read))
            keys |= _keys_begun_by(t) or _keys_holding(t)
        keys -= self._labelled_keys()
        if not keys:
            return None
        found = self._neighbour_value(seg)
        if found is None:
            return None
        vseg, vtext = found
        held = [k for k in keys if _in_vocabulary(k, vtext)]
        if len(held) != 1:
            return None
        return Candidate(held[0], vtext, vseg, vseg.box, check_weight("half_label"), half_label=True)


def _keys_begun_by(line: str) -> frozenset[str]:
    """The fields whose two-line labels (four characters or more) begin with `line` as their
    first line; none for a line that is itself a label or too short to tell."""
    table = label_table()
    if len(line) < 2 or line in table.by_label:
        return frozenset()
    return frozenset(key for lab, key in table.by_label.items()
                     if len(lab) >= INTERLEAVED_MIN and len(lab) > len(line) and lab.startswith(line))


def _keys_holding(part: str) -> frozenset[str]:
    """The fields whose two-line labels hold `part` after their first character: a glyph boxed
    across both lines of 现聘岗 | 位等级 left 位等 read, and a second line read alone (系列 of
    申报 | 系列) ends one. Taken as a first line read alone is, the value beside it deciding."""
    table = label_table()
    if len(part) < 2 or part in table.by_label:
        return frozenset()
    return frozenset(key for lab, key in table.by_label.items()
                     if len(lab) >= INTERLEAVED_MIN and len(lab) > len(part) and part in lab[1:])


def _in_vocabulary(key: str, raw: str) -> bool:
    """Does `raw` read, as written, as an entry of the closed vocabulary of `key` (a series, a
    title, an enumeration's variant, a date, a catalogued major)? Free text (a name, a unit)
    holds anything, so it tells nothing."""
    parsed = PARSERS[key](raw) if key in PARSERS else None
    if parsed is None or parsed[1] < 1.0:
        return False
    return key not in TEXT_KEYS or "lexicon" in _checks(parsed)


def _with_key(c: Candidate, key: str) -> Candidate:
    return Candidate(key, c.raw, c.value_seg, c.value_box, c.certainty)


def _sub_box(seg: Segment, t: str, start: int, end: int) -> BBox:
    """The part of a segment's box holding characters start..end (proportional to characters)."""
    x0, top, x1, bottom = seg.box
    n = max(len(t), 1)
    w = x1 - x0
    return (x0 + w * start / n, top, x0 + w * end / n, bottom)


# ---------------------------------------------------------------------------------------------
# Normalising values
# ---------------------------------------------------------------------------------------------

# (value, certainty) or (value, certainty, checks): the checks the reading needed or passed
# (extractors/data/checks.tsv), whose weights the certainty already holds.
Parsed = Optional[tuple]


def _checks(parsed: Parsed) -> tuple[str, ...]:
    return tuple(parsed[2]) if parsed is not None and len(parsed) > 2 else ()


def _confirmed(fv: FieldValue, check: str, **update: object) -> FieldValue:
    """`fv` with `update` and the check that confirmed it (another source, other pages) named."""
    checks = fv.checks if check in fv.checks else (*fv.checks, check)
    return fv.model_copy(update={**update, "checks": checks})


def _needing(value: object, check: str, score: float = 1.0) -> tuple[object, float, tuple[str, ...]]:
    """A value whose reading needed `check`: its certainty weighed by it (`calibration.weighed`)."""
    return (value, *weighed(score, check))


def _text_value(raw: str) -> Parsed:
    # Brackets are part of names (包头钢铁（集团）有限责任公司); only spaces and edge junk go.
    t = _strip_edges(nz.compact(raw))
    return (t, 1.0) if t else None


def _lexicon_value(budget: lx.Budget) -> Callable[[str], Parsed]:
    """A value with a closed vocabulary (the catalogue of majors): a reading a misread glyph or
    two from one entry is that entry, unsure until another reading confirms it (`lexicons`)."""

    def parse(raw: str) -> Parsed:
        parsed = _text_value(raw)
        if parsed is None:
            return None
        snap = lx.snap_major(str(parsed[0]), budget)
        if snap is None or snap.verdict == "unknown":
            return parsed
        if snap.verdict == "exact":
            return parsed[0], parsed[1], ("lexicon",)
        return snap.value, snap.certainty, (f"major_{snap.verdict}",)

    return parse


def _employer(raw: str) -> Parsed:
    """A unit's name, with a county name inside it that OCR damaged put right (包头市白云哪博矿区
    市政工程管理处: no such place; 白云鄂博矿区 is one character away)."""
    parsed = _text_value(raw)
    if parsed is None:
        return None
    repaired = nz.repair_places(parsed[0])
    return _needing(repaired, "place_repaired") if repaired != parsed[0] else parsed


@lru_cache(maxsize=1)
def form_words() -> frozenset[str]:
    """What a form prints or a clerk writes in its other cells: every field label and every
    variant of every enumeration (专业技术人员, 事业单位, 正常申报). A name cell read as one of them
    read a neighbouring cell, or the label, not a name."""
    words = set(label_table().by_label)
    for codes in nz.enum_table().values():
        for variants in codes.values():
            words.update(nz.compact(v) for v in variants)
    return frozenset(w for w in words if len(w) >= 2)


def _name(raw: str) -> Parsed:
    t = re.sub(r"[^\u4e00-\u9fff·]", "", raw)
    if not 2 <= len(t) <= 8 or t in form_words():
        return None
    return (t, 1.0) if len(t) <= 4 else _needing(t, "long_name")


def _date(raw: str) -> Parsed:
    reading = nz.read_date(raw)
    if reading is None:
        return None
    d = str(reading.iso)
    # Only a repair of the reading makes it this date (二二八 is 二〇二八 to the repair, yet may
    # be 二〇〇八): not taken as read until a second reading confirms it (the other recogniser's
    # reading in `read_form`, the other form or the certificate in `_corroborate`).
    if reading.repaired:
        return _needing(d, "date_repaired")
    # "2013年7月:日": a day was written but not read; the month is right, the value is incomplete.
    if len(d) == 7 and re.search(r"月.+[日号]", raw):
        return _needing(d, "day_unread")
    return d, 1.0


def _lookalike_answer(kind: str, raw: str) -> Optional[str]:
    """The one-character variant of `kind` (否, 是, 男) a lone glyph is a look-alike of
    (extractors/data/confusables.tsv), when it is one of exactly one such variant."""
    t = nz.skeleton(raw)
    if len(t) != 1:
        return None
    pairs = lx.lookalikes()
    near = {v for vs in nz.enum_table()[kind].values() for v in vs if len(v) == 1 and (t, v) in pairs}
    return near.pop() if len(near) == 1 else None


def _enum(kind: str) -> Callable[[str], Parsed]:
    def parse(raw: str) -> Parsed:
        answer = _lookalike_answer(kind, raw) if nz.map_enum(kind, raw) is None else None
        if answer is not None:
            m0 = nz.map_enum(kind, answer)
            if m0 is None:
                return None
            value = (m0.value == "true") if kind in ("full_time", "covid_frontline") else m0.value
            # The answer has nothing else to go by, and no other answer looks like that glyph.
            return _needing(value, "lookalike_answer")
        m = nz.map_enum(kind, raw)
        if m is None:
            return None
        value = m.value == "true" if kind in ("full_time", "covid_frontline") else m.value
        return (value, m.certainty, (m.check,)) if m.check else (value, m.certainty)

    return parse


def id_check(number: str) -> str:
    """The check an 18-character ID number's GB 11643 check digit gives: one misread digit
    almost always breaks it, so a number that keeps it is likelier read right, and one that
    breaks it is marked (a misreading, or a number written wrong: integrity's lead to judge)."""
    return "id_check_digit" if id_check_char(number[:17]) == number[17] else "id_check_failed"


def _id(raw: str) -> Parsed:
    v = nz.clean_id_number(raw)
    return None if v is None else _needing(v, id_check(v))


def _region(raw: str) -> Parsed:
    v = nz.canonical_region(raw)
    if v is None:
        return None
    return (v, 1.0) if v == nz.skeleton(raw) else _needing(v, "region_fuzzy")


def truncated_title(raw: str, matched: str) -> bool:
    """The reading ends with `matched` but what comes before it is the end of a longer title's
    head (理 + 工程师 ⊂ 助理工程师, 级 + 工程师 ⊂ 高级工程师): OCR may have dropped the start
    of that longer title, so the shorter one is not what the form says for sure."""
    t = nz.skeleton(raw)
    if not t.endswith(matched) or t == matched:
        return False
    lead = t[: -len(matched)]
    # One glyph before the title where a longer title has one glyph (付主任医师: 副 misread, or a
    # stray before 主任医师): which it was is not known, whatever the glyph. A longer lead is a
    # department's name (内科主治医师) and stays matched by its last glyph only.
    return any(
        len(e.name) > len(matched) and e.name.endswith(matched)
        and (e.name[: -len(matched)].endswith(lead[-1]) or len(lead) == 1 == len(e.name) - len(matched))
        for e in tt.title_entries()
    )


def ambiguous_title(raw: str, matched: str) -> bool:
    """The reading holds more than `matched`, and another title, as long or longer, is in it as
    well, its characters in order (二一级教师: 一级教师 with 二 stray, or 二级教师 with 一
    stray): which character OCR added is not known, so neither title is read for sure."""
    t = nz.skeleton(raw)
    if t == matched:
        return False
    return any(e.name != matched and len(e.name) >= len(matched) and _in_order(e.name, t) for e in tt.title_entries())


def _in_order(part: str, whole: str) -> bool:
    rest = iter(whole)
    return all(ch in rest for ch in part)


def _lookalike_no_title(raw: str) -> bool:
    """A lone glyph that is a look-alike of the one-character no-title answer (元 for 无,
    extractors/data/confusables.tsv): no title is one character long, so it can be nothing else.
    As unsure as any look-alike answer until the other form confirms it."""
    t = nz.skeleton(raw)
    return len(t) == 1 and any((t, w) in lx.lookalikes() for w in tt.no_title_words() if len(w) == 1)


def _no_title_with_stray(raw: str) -> bool:
    """A no-title word with one glyph more at its start or end (无一: a cell's ruling, a seal's
    ring or a speck at the cell's edge read as a character). No title begins or ends that way, so
    it is no title, unsure however surely read (no_title_stray weighs 0.5) until the other form
    confirms it. Only a reading no title list names comes here."""
    t = nz.skeleton(raw)
    return any(len(t) == len(w) + 1 and w in (t[1:], t[:-1]) for w in tt.no_title_words())


# OCR reads the 一 of 一级 as a dash (－级教师, -级建造师): before 级 a dash is that 一.
_DASH_FOR_ONE = re.compile(r"[-－—―‐_~～](?=级)")


def _title(raw: str) -> Parsed:
    raw = _DASH_FOR_ONE.sub("一", raw)
    if tt.is_no_title(raw):
        return "无", 1.0
    if _lookalike_no_title(raw):
        return _needing("无", "lookalike_answer")
    m = tt.match_title(raw)
    if m is not None:
        # A stray character before the title that a longer title has there (理工程师: most
        # likely 助理工程师 with 助 lost, a `fail` on SENIORITY if taken for 工程师).
        if truncated_title(raw, m.name):
            return m.name, min(m.certainty, check_weight("title_truncated")), ("title_truncated",)
        if ambiguous_title(raw, m.name):
            return _needing(m.name, "title_ambiguous", m.certainty)
        # A listed title and one glyph after it (主治医师印: a seal's edge read as a character)
        # is a character off that title, so the fuzzy match takes it at a certainty a single
        # stray would make sure; it is a title with a stray, unsure until the other form agrees.
        if m.fuzzy and _title_before_stray(raw) == m.name:
            return _needing(m.name, "title_stray")
        return (m.name, m.certainty, ("lexicon",)) if m.certainty >= 1.0 else (m.name, m.certainty)
    if _no_title_with_stray(raw):
        return _needing("无", "no_title_stray")
    head = _title_before_stray(raw)
    if head is not None:
        return _needing(head, "title_stray")
    t = nz.skeleton(raw)
    return _needing(t, "title_unlisted") if t else None


def _title_before_stray(raw: str) -> Optional[str]:
    """A listed title the reading begins with, glyphs no title has after it (副主任医师浴 AAA:
    a seal's edge or specks in a wide value cell read as characters). Only when what follows
    holds no other title as long (二一级教师 is `ambiguous_title`'s) and the title is no longer
    title's start. Unsure however surely read (title_stray weighs 0.5): the other form's reading
    confirms it."""
    t = nz.skeleton(raw)
    heads = [e.name for e in tt.title_entries() if t.startswith(e.name) and len(t) > len(e.name)]
    if not heads:
        return None
    head = max(heads, key=len)
    if any(e.name != head and e.name.startswith(head) for e in tt.title_entries()):
        return None  # 工程师 could be the start of a longer title whose end was misread
    if ambiguous_title(t, head) or tt.match_title(t[len(head):]) is not None:
        return None
    return head


def _series(raw: str) -> Parsed:
    s = tt.canonical_series(raw)
    if s is None:
        return None
    return (s, 1.0) if s == nz.skeleton(raw) else _needing(s, "series_fuzzy")


def _int(parser: Callable[[str], Optional[int]]) -> Callable[[str], Parsed]:
    def parse(raw: str) -> Parsed:
        v = parser(raw)
        return None if v is None else (v, 1.0)

    return parse


# Values written as free text, which a one-character misreading leaves looking plausible.
TEXT_KEYS = ("name", "employer", "specialty", "school", "major")
# Values a closed vocabulary names (`_lexicon_value`): a runner-up reading counts for them only
# when it is an entry, not merely a text that parses.
LEXICON_KEYS = ("specialty", "major")

PARSERS: dict[str, Callable[[str], Parsed]] = {
    "name": _name,
    "gender": _enum("gender"),
    "birth_date": _date,
    "id_number": _id,
    "employer": _employer,
    "employer_type": _enum("employer_type"),
    "region": _region,
    "person_status": _enum("person_status"),
    "transfer_date": _date,
    "current_title": _title,
    "current_title_date": _date,
    "series": _series,
    "specialty": _lexicon_value(lx.SPECIALTY_BUDGET),
    "applied_title": _title,
    "route": _enum("route"),
    "education": _enum("education"),
    "full_time": _enum("full_time"),
    "school": _text_value,
    "major": _lexicon_value(lx.MAJOR_BUDGET),
    "graduation_date": _date,
    "work_start_date": _date,
    "county_years": _int(nz.years),
    "township_years": _int(nz.years),
    "post_grade": _int(nz.post_grade),
    "covid_frontline": _enum("covid_frontline"),
    "skill_level": _enum("skill_level"),
    "skill_level_date": _date,
    "submission_date": _date,
}


_SLASH_DATE = re.compile(r"(?:19|20)\d{2}7?/\d")


def read_form(pages: list[PageContent]) -> dict[str, FieldValue]:
    """Fields from one form's pages: the first occurrence of each key whose value parses."""
    out: dict[str, FieldValue] = {}
    found = [(stored, c) for stored in pages for c in PageLabels(upright(stored)).candidates()]
    # A value found by half a label yields to one its whole label names.
    found.sort(key=lambda sc: sc[1].half_label)
    # A form writes all its dates one way; when that way is 2003/7, a date OCR could not parse
    # is tried again reading a stray 7 as the slash it usually is.
    slash_form = any(c.key in DATE_FIELDS and c.raw and _SLASH_DATE.search(nz.compact(c.raw)) for _, c in found)
    for stored, c in found:
        if c.key in out or c.key not in PARSERS or not c.raw:
            continue
        parsed = PARSERS[c.key](c.raw)
        repaired_date = c.key in DATE_FIELDS and parsed is not None and nz.is_repaired(nz.parse_date(c.raw))
        if parsed is None and slash_form and c.key in DATE_FIELDS:
            repaired = nz.repair_slash_date(c.raw)
            parsed = _needing(str(repaired), "date_repaired") if repaired else None
            repaired_date = parsed is not None
        if repaired_date and parsed is not None and _read_unrepaired_by_alternative(c.value_seg, str(parsed[0])):
            parsed = (parsed[0], 1.0, ("engines_agree",))
        conf = c.value_seg.conf * parsed[1] * c.certainty if parsed is not None else 0.0
        raw = c.raw
        if parsed is None or parsed[1] < 1.0:
            runner_up = _runner_up_value(c)
            if runner_up is not None and runner_up[2] > conf:
                parsed, conf, raw = (runner_up[0], 1.0, ("runner_up",)), runner_up[2], runner_up[1]
        if parsed is None:
            continue
        src = source_of(stored, c.value_box, c.value_seg.locator)
        conf = round(max(0.0, min(1.0, conf)), 3)
        checks = (*_checks(parsed), "half_label") if c.half_label else _checks(parsed)
        out[c.key] = FieldValue(value=parsed[0], confidence=conf, source=src, raw=raw, checks=checks)  # type: ignore[arg-type]
    return out


def _read_unrepaired_by_alternative(seg: Segment, iso: str) -> bool:
    """Another reading of the segment (the second recogniser's) holds `iso` as written: the
    repair that made the date from this reading is confirmed by a reading that needed none."""
    return any(h.iso == iso and not h.repaired for alt in seg.alternatives for h in nz.find_dates(alt))


def _runner_up_value(c: Candidate) -> Optional[tuple[object, str, float]]:
    """The value of a runner-up reading of the candidate's segment that is what a form writes
    exactly, where the reading itself is not (正商级经济师, no title, with 高 the runner-up for
    商: 正高级经济师): (value, its raw text, confidence given the reading is ruled out)."""
    seg = c.value_seg
    text = nz.compact(seg.text)
    at = text.find(c.raw)
    if at < 0 or text.count(c.raw) != 1:
        return None
    best: Optional[tuple[object, str, float]] = None
    for alt, alt_conf in zip(seg.alternatives, seg.alternative_confs):
        other = nz.compact(alt)
        if len(other) != len(text):
            continue
        raw = other[at : at + len(c.raw)]
        if raw == c.raw:
            continue
        parsed = PARSERS[c.key](raw)
        if parsed is None or parsed[1] < 1.0 or (c.key in LEXICON_KEYS and raw not in lx.majors()):
            continue
        conf = alt_conf * c.certainty
        if best is None or conf > best[2]:
            best = (parsed[0], raw, conf)
    return best


def pages_of(doc: Document, pages: list[PageContent]) -> list[PageContent]:
    return [p for p in pages if p.file == doc.file and (not doc.pages or (p.page or 1) in doc.pages)]


# Keys the 送审表 may supply when the 评审表 lacks them.
SUBMIT_KEYS = ("name", "employer", "series", "applied_title", "current_title", "education", "specialty",
               "current_title_date", "gender", "birth_date", "id_number")


def extract_form_fields(pages: list[PageContent], documents: list[Document]) -> dict[str, dict[str, FieldValue]]:
    """Each form's own reading (`eval_form`, `submit_form`), for FORMS_CONSISTENT: the merged
    `extract_fields` hides where the two forms disagree."""
    out: dict[str, dict[str, FieldValue]] = {}
    for doc in documents:
        if doc.kind in ("eval_form", "submit_form") and doc.kind not in out:
            out[doc.kind] = read_form(pages_of(doc, pages))
            _repair_titles(out[doc.kind])  # as the merged fields are (备牧师 in 农牧业 → 畜牧师)
    if len(out) == 2:
        _settle_one_character(out["eval_form"], out["submit_form"], pages)
    return out


def _settle_one_character(a: dict[str, FieldValue], b: dict[str, FieldValue], pages: list[PageContent]) -> None:
    """Where the two forms' readings of a text value are a character apart (one misread, lost or
    added), and one of them is written on the dossier's other pages more than twice as often as
    the other (包头市达尔罕茂明安… in the employment proof and the CE card, 达尔罕藏明安… on one
    form only; 孟和 on six pages, 和孟和 on one, where OCR joined a stray stroke to the name
    again), the rarer reading is that value misread: it takes the corroborated text. Two
    characters apart, in a value of three or more, the whole value must be written elsewhere
    twice and the other reading nowhere."""
    for key in TEXT_KEYS:
        x, y = a.get(key), b.get(key)
        if x is None or y is None or not isinstance(x.value, str) or not isinstance(y.value, str):
            continue
        sx, sy = nz.skeleton(x.value), nz.skeleton(y.value)
        apart = nz.edit_distance(sx, sy)
        if sx == sy or min(len(sx), len(sy)) < 2 or apart > (2 if min(len(sx), len(sy)) >= 3 else 1):
            continue
        own = {(x.source.file, x.source.page), (y.source.file, y.source.page)}
        ocr = {(p.file, p.page) for p in pages if p.method == "ocr"}
        elsewhere = nz.skeleton("".join(s.text for p in pages if (p.file, p.page) not in own for s in p.segments))
        if apart == 2:
            # Two characters misread (苏鑫鑫 read 苏优念, 鑫 twice a glyph OCR fails on): only the
            # whole value, written on the other pages at least twice and the other never, counts.
            seen_x, seen_y = elsewhere.count(sx), elsewhere.count(sy)
            if seen_x >= 2 and not seen_y and (y.source.file, y.source.page) in ocr:
                b[key] = _confirmed(y, "pages_agree", value=x.value)
            elif seen_y >= 2 and not seen_x and (x.source.file, x.source.page) in ocr:
                a[key] = _confirmed(x, "pages_agree", value=y.value)
            continue
        if len(sx) == len(sy):
            # One character misread: what counts is that character among its neighbours (白云鄂博
            # against 白云哪博), wherever the unit is written, whole or in a sentence.
            i = next(k for k, (a, b) in enumerate(zip(sx, sy)) if a != b)
            wx, wy = sx[max(0, i - 2) : i + 3], sy[max(0, i - 2) : i + 3]
            seen_x, seen_y = elsewhere.count(wx), elsewhere.count(wy)
        else:
            # A reading that lost a character is inside the full one: it counts only where
            # written on its own.
            seen_x = (elsewhere.replace(sy, "") if sx in sy else elsewhere).count(sx)
            seen_y = (elsewhere.replace(sx, "") if sy in sx else elsewhere).count(sy)
        # Only a scanned form's reading can be a misreading: typed text says what it says.
        if seen_x > 2 * seen_y and (y.source.file, y.source.page) in ocr:
            b[key] = _confirmed(y, "pages_agree", value=x.value)
        elif seen_y > 2 * seen_x and (x.source.file, x.source.page) in ocr:
            a[key] = _confirmed(x, "pages_agree", value=y.value)


def extract_fields(pages: list[PageContent], documents: list[Document],
                   forms: Optional[dict[str, dict[str, FieldValue]]] = None) -> dict[str, FieldValue]:
    """The dossier's fields: the 评审表's, the 送审表's where the first lacks them, then names,
    ID numbers, titles and dates made sure by other pages. `forms`: `extract_form_fields` of the
    same pages, when the caller has it already."""
    forms = forms if forms is not None else extract_form_fields(pages, documents)
    fields: dict[str, FieldValue] = {}
    for doc in documents:
        if doc.kind == "eval_form":
            for k, v in read_form(pages_of(doc, pages)).items():
                fields.setdefault(k, v)
    for doc in documents:
        if doc.kind == "submit_form":
            for k, v in read_form(pages_of(doc, pages)).items():
                if k in SUBMIT_KEYS:
                    fields.setdefault(k, v)
    # A form's one-character misreading settled by another page (`_settle_one_character`).
    for form in forms.values():
        for key in TEXT_KEYS:
            fv, settled = fields.get(key), form.get(key)
            if fv is not None and settled is not None and settled.source == fv.source and settled.value != fv.value:
                fields[key] = fv.model_copy(update={"value": settled.value, "checks": settled.checks})
    _name_consensus(pages, documents, fields)
    _id_from_attachments(pages, documents, fields)
    _repair_titles(fields)
    _corroborate(pages, documents, fields, forms)
    _derive(fields)
    ce = _public_ce_hours(pages, documents)
    if ce is not None:
        fields["public_ce_hours"] = ce
    return fields


_NAME_ONLY = re.compile(r"^[\u4e00-\u9fff·]{2,6}$")


def _name_readings(pages: list[PageContent], documents: list[Document]) -> Counter[str]:
    """The applicant's name as other documents print it (姓名 labels, 本人…身份证 in the pledge)."""
    readings: Counter[str] = Counter()
    for doc in documents:
        if doc.kind in ("eval_form", "photo", "unknown"):
            continue
        view = DocView(pages_of(doc, pages))
        f = view.value(("姓名",), stop_labels=("性别", "身份证"), accept=lambda v: bool(_NAME_ONLY.match(v)))
        if f is not None:
            readings[f.text] += 1
            continue
        m = re.search(r"本人([\u4e00-\u9fff·]{2,5}?)[，,]?(?:身份证|性别|同志|，)", view.flat)
        if m:
            readings[m.group(1)] += 1
    return readings


def _name_consensus(pages: list[PageContent], documents: list[Document], fields: dict[str, FieldValue]) -> None:
    """An unsure OCR reading of the name on the 评审表 gives way to the reading that several
    other documents agree on, when the two differ by one character (OCR), never a different name."""
    fv = fields.get("name")
    if fv is None:
        return
    if fv.confidence >= 0.85:
        _name_glyph_lost(pages, documents, fields)
        return
    readings = _name_readings(pages, documents)
    own = str(fv.value)
    # Two-character names differ from each other by one character all the time: only when
    # OCR itself said it could not read the name.
    min_len = 2 if fv.confidence < 0.5 else 3
    # Two characters apart only in a name of three or more, written alike on three documents
    # and the form's reading on none (苏鑫鑫 read 苏优念 at 0.61: 鑫 twice).
    similar = [(n, c) for n, c in readings.items() if n != own and len(n) == len(own) >= min_len
               and (nz.edit_distance(n, own) == 1 or (len(own) >= 3 and c >= 3 and not readings.get(own)
                                                      and nz.edit_distance(n, own) == 2))]
    if not similar:
        return
    best, count = max(similar, key=lambda nc: nc[1])
    if count >= 2 and count > readings.get(own, 0):
        fields["name"] = _confirmed(fv, "pages_agree", value=best, confidence=round(min(0.9, fv.confidence + 0.1 * count), 3))


def _name_glyph_lost(pages: list[PageContent], documents: list[Document], fields: dict[str, FieldValue]) -> None:
    """Both engines can leave a glyph out of a name however sure they are (熊鑫伟 read 熊伟 at
    0.998 on both forms, 鑫 given a chance below the acceptance). When the pages outside the
    forms write the name with one more character inside it on two pages or more, and more than
    twice as often as they write the forms' reading, the forms lost that character."""
    fv = fields["name"]
    own = str(fv.value)
    if not 2 <= len(own) <= 3 or not re.fullmatch(r"[\u4e00-\u9fff]+", own):
        return
    forms = {(p.file, p.page) for d in documents if d.kind in ("eval_form", "submit_form") for p in pages_of(d, pages)}
    texts = ["".join(nz.compact(s.text) for s in p.segments) for p in pages if (p.file, p.page) not in forms]
    # A character inside the name, never at its ends: there it would be the text around it.
    inside = re.compile("(?=(" + "|".join(re.escape(own[:i]) + r"[\u4e00-\u9fff]" + re.escape(own[i:]) for i in range(1, len(own))) + "))")
    on_pages: Counter[str] = Counter()
    for text in texts:
        on_pages.update({m.group(1) for m in inside.finditer(text)})
    longer = [n for n, c in on_pages.items() if c >= 2]
    if len(longer) != 1:
        return
    name = longer[0]
    written = sum(t.count(name) for t in texts)
    if written > 2 * sum(t.replace(name, "").count(own) for t in texts):
        fields["name"] = _confirmed(fv, "pages_agree", value=name, confidence=round(min(fv.confidence, 0.9), 3))


_ID_AFTER_LABEL = re.compile(r"(?:身份证号码?|公民身份号码)[:：;；]?([0-9Xx]{17,18})")


def _id_from_attachments(pages: list[PageContent], documents: list[Document], fields: dict[str, FieldValue]) -> None:
    """The 评审表's ID could not be read: the number the pledge and letters give for the
    applicant (本人X，身份证号…, 兹证明X同志（身份证号…）), when they all agree."""
    if "id_number" in fields or not any(d.kind == "eval_form" for d in documents):
        return
    seen: Counter[str] = Counter()
    where: dict[str, FieldValue] = {}
    for doc in documents:
        if doc.kind not in ("pledge", "employment", "exam_cert", "covid_proof", "title_cert", "skill_cert"):
            continue
        view = DocView(pages_of(doc, pages))
        for ln in view.lines:
            m = _ID_AFTER_LABEL.search(ln.text)
            number = nz.clean_id_number(m.group(1)) if m else None
            if number:
                seen[number] += 1
                conf, checks = weighed(ln.conf, "id_from_letters")
                conf, digit = weighed(conf, id_check(number))
                checks += digit
                where.setdefault(number, FieldValue(value=number, confidence=round(conf, 3), checks=checks,
                                                    source=source_of(ln.stored, ln.box, ln.segs[0].locator), raw=m.group(1) if m else None))
                break
    if len(seen) == 1:
        fields["id_number"] = next(iter(where.values()))


# A form date an attachment also prints: (field, attachment kind).
_DATE_WITNESSES = (("graduation_date", "diploma"), ("current_title_date", "title_cert"))
# The 送审表's account of the applicant's work (主要专业技术工作经历：2010年5月至今在…) dates
# the start of professional work in a line of print, apart from the form's date cell.
_WORK_SINCE = re.compile(r"工作经历[:：]?(.{6,12}?)至今")


def _same_month(a: object, b: object) -> bool:
    return bool(a) and bool(b) and str(a)[:7] == str(b)[:7] and len(str(a)) >= 7


def _lookalike_slip(a: object, b: object) -> bool:
    """Two dates whose months differ in one digit only, a look-alike pair (2015-09 / 2015-05,
    extractors/data/confusables.tsv): what one misread glyph makes of one date."""
    x, y = str(a or "")[:7], str(b or "")[:7]
    if len(x) != 7 or len(y) != 7:
        return False
    differ = [(p, q) for p, q in zip(x, y) if p != q]
    return len(differ) == 1 and differ[0] in lx.lookalikes()


def _corroborate(pages: list[PageContent], documents: list[Document], fields: dict[str, FieldValue],
                 forms: dict[str, dict[str, FieldValue]]) -> None:
    """A value OCR read with low confidence that an independent reading agrees with (the other
    form, the certificate that proves it) is read right: two readings do not agree by chance.
    It takes the better reading's confidence. A date another reading has a look-alike digit
    apart, and none agrees with, is disputed (below the threshold); other disagreements change
    nothing."""
    if len(forms) == 2:
        a, b = forms["eval_form"], forms["submit_form"]
        for key, fv in list(fields.items()):
            other = [x for x in (a.get(key), b.get(key)) if x is not None]
            if len(other) == 2 and other[0].value == other[1].value == fv.value:
                best = max(o.confidence for o in other)
                if best > fv.confidence:
                    fields[key] = _confirmed(fv, "sources_agree", confidence=round(best, 3))
    # The employer's name says where it is (包头市白云鄂博矿区档案馆): a region cell read
    # unsurely as that county is read right.
    region, employer = fields.get("region"), fields.get("employer")
    if region is not None and employer is not None and region.value in nz.COUNTIES \
            and str(region.value) in str(employer.value) and employer.confidence > region.confidence:
        fields["region"] = _confirmed(region, "sources_agree", confidence=round(employer.confidence, 3))
    start = fields.get("work_start_date")
    if start is not None:
        for doc in documents:
            if doc.kind != "submit_form":
                continue
            for page in pages_of(doc, pages):
                for seg in page.segments:
                    m = _WORK_SINCE.search(nz.compact(seg.text))
                    hits = nz.find_dates(m.group(1)) if m else []
                    if hits and not hits[0].repaired and _same_month(hits[0].iso, start.value) and seg.conf > fields["work_start_date"].confidence:
                        fields["work_start_date"] = _confirmed(fields["work_start_date"], "sources_agree", confidence=round(seg.conf, 3))
    readers = {"diploma": read_diploma, "title_cert": read_title_cert}
    major = fields.get("major")
    if major is not None:
        # The diploma prints the major: the form's reading, repaired from the catalogue or not,
        # is confirmed when the certificate reads the same name.
        for doc in documents:
            if doc.kind != "diploma":
                continue
            for ev in read_diploma(DocView(pages_of(doc, pages)), doc, fields):
                if ev.major and nz.skeleton(ev.major) == nz.skeleton(str(major.value)) \
                        and ev.confidence > fields["major"].confidence:
                    fields["major"] = _confirmed(fields["major"], "sources_agree", confidence=round(ev.confidence, 3))
    witnessed = dict(_DATE_WITNESSES)
    ocr = {(p.file, p.page) for p in pages if p.method == "ocr"}
    for key in sorted(DATE_FIELDS & fields.keys()):
        fv = fields[key]
        # Every other reading of this date: the other form's, and the certificate that prints it.
        readings = [(x.value, (x.source.file, x.source.page)) for x in (f.get(key) for f in forms.values())
                    if x is not None and x.source != fv.source]
        kind = witnessed.get(key)
        for doc in documents:
            if kind is None or doc.kind != kind:
                continue
            for ev in readers[kind](DocView(pages_of(doc, pages)), doc, fields):
                readings.append((ev.date, (ev.source.file, ev.source.page)))
                if _same_month(ev.date, fv.value) and ev.confidence > fields[key].confidence:
                    fields[key] = _confirmed(fields[key], "sources_agree", confidence=round(ev.confidence, 3))
        # Two readings of one date a look-alike digit apart (2015-09 on the certificate, 2015-05
        # on the form) are one misreading, not two dates, and nothing says which: the form's
        # value is disputed until a reading agrees with it. Typed text says what it says, so
        # only a disagreement a scanned page takes part in counts.
        agreed = any(_same_month(v, fv.value) for v, _ in readings)
        slips = [at for v, at in readings if _lookalike_slip(v, fv.value)]
        if slips and not agreed and ((fv.source.file, fv.source.page) in ocr or any(at in ocr for at in slips)):
            disputed = fields[key]
            fields[key] = disputed.model_copy(update={
                "confidence": min(disputed.confidence, check_weight("date_lookalike")),
                "checks": (*disputed.checks, "date_lookalike")})


def _repair_titles(fields: dict[str, FieldValue]) -> None:
    """A title read with one wrong character is repaired within the series the form names."""
    series = fields.get("series")
    if series is None:
        return
    for key in ("current_title", "applied_title"):
        fv = fields.get(key)
        if fv is None or fv.value == "无" or tt.match_title(str(fv.value)) is not None:
            continue
        m = tt.match_in_series(fv.raw or str(fv.value), str(series.value))
        if m is not None:
            # The repair replaces the doubt of a reading no list names with the repair's own.
            score = fv.confidence / check_weight("title_unlisted") if "title_unlisted" in fv.checks else fv.confidence
            checks = tuple(c for c in fv.checks if c != "title_unlisted") + ("title_repaired",)
            fields[key] = fv.model_copy(update={"value": m.name, "confidence": round(score * m.certainty, 3), "checks": checks})


def _derive(fields: dict[str, FieldValue]) -> None:
    region = fields.get("region")
    if region is not None:
        level = nz.region_level(str(region.value))
        if level is not None:
            fields["region_level"] = FieldValue(value=level, confidence=region.confidence, source=region.source, raw=region.raw)
    applied = fields.get("applied_title")
    if applied is not None:
        series = fields.get("series")
        m = tt.match_title(str(applied.value), str(series.value) if series else None)
        if m is not None and m.level is not None:
            fields["applied_level"] = FieldValue(
                value=m.level, confidence=round(applied.confidence * m.certainty, 3), source=applied.source, raw=applied.raw
            )


def _public_ce_hours(pages: list[PageContent], documents: list[Document]) -> Optional[FieldValue]:
    for doc in documents:
        if doc.kind != "ce_card":
            continue
        card = read_ce_card(pages_of(doc, pages))
        cell = card.cells.get(("2020", "public"))
        if cell is not None:
            return FieldValue(value=cell.value, confidence=cell.confidence, source=cell.source, raw=cell.raw)
    return None
