"""Closed vocabularies a read value is matched against (extractors/data/majors.txt and the like).

A reading that is in the vocabulary is taken as read. One that is not, but is a small number of
misread glyphs away from exactly one entry, is that entry misread: it takes the entry, unsure
(the weight of its check, `major_repaired`, in extractors/data/checks.tsv), as a repaired date does, until a second reading confirms it. A reading
as near to two entries is left as read, unsure; a reading near none is left as read (a real
name the list lacks). A new misreading is a row of data here, never a branch in a parser.

How far a reading may be from an entry is counted in misread glyphs, a look-alike pair
(extractors/data/confusables.tsv) at half a glyph: the recognisers misread one look-alike for
another far more often than two unrelated characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, Optional

from dossierflow.text import best_substring, skeleton
from extractors.calibration import check_weight

DATA_DIR = Path(__file__).parent / "data"

# A look-alike misread counts as this much of a misread glyph.
LOOKALIKE_COST = 0.5

Verdict = Literal["exact", "repaired", "ambiguous", "unknown"]


@dataclass(frozen=True)
class Snap:
    value: str
    certainty: float
    verdict: Verdict


def _data_lines(name: str) -> list[str]:
    """The rows of a table in extractors/data/: every line but blank ones and `#` comments."""
    return [line for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def lookalikes() -> frozenset[tuple[str, str]]:
    """Every ordered pair of look-alike characters in confusables.tsv."""
    pairs: set[tuple[str, str]] = set()
    for line in _data_lines("confusables.tsv"):
        group = line.split()
        pairs.update((a, b) for a in group for b in group if a != b)
    return frozenset(pairs)


def misread_cost(a: str, b: str) -> float:
    """Weighted edit distance: a look-alike substitution costs LOOKALIKE_COST, any other
    substitution, a lost or an added glyph 1."""
    pairs = lookalikes()
    prev = [float(j) for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        cur = [float(i)]
        for j, cb in enumerate(b, 1):
            sub = 0.0 if ca == cb else (LOOKALIKE_COST if (ca, cb) in pairs else 1.0)
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + sub))
        prev = cur
    return prev[-1]


@dataclass(frozen=True)
class Budget:
    """How many misread glyphs a reading may carry and still be taken for an entry: `short`
    for a reading of three or four characters, `long` for five or more. Shorter readings are
    never repaired: one glyph turns 化学 into 力学, both real."""

    short: float
    long: float

    def of(self, reading: str) -> float:
        return 0.0 if len(reading) < 3 else self.short if len(reading) <= 4 else self.long


# A form's 所学专业 names a major; a glyph misread in a long name leaves it recognisable.
MAJOR_BUDGET = Budget(short=LOOKALIKE_COST, long=1.0)
# A 申报专业 names a major only sometimes (小学语文, 道路与桥梁 are not majors): only a look-alike
# misreading of a major's name is repaired.
SPECIALTY_BUDGET = Budget(short=LOOKALIKE_COST, long=LOOKALIKE_COST)


class Lexicon:
    def __init__(self, entries: tuple[str, ...]):
        self.entries = entries
        self._set = frozenset(entries)

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and skeleton(text) in self._set

    def snap(self, reading: str, budget: Budget) -> Snap:
        t = skeleton(reading)
        if t in self._set:
            return Snap(reading, 1.0, "exact")
        allowed = budget.of(t)
        if allowed <= 0:
            return Snap(reading, 1.0, "unknown")
        near = [(misread_cost(t, e), e) for e in self.entries if abs(len(e) - len(t)) <= allowed]
        within = [e for c, e in near if c <= allowed]
        if not within:
            return Snap(reading, 1.0, "unknown")
        if len(within) > 1:
            return Snap(reading, check_weight("major_ambiguous"), "ambiguous")
        return Snap(within[0], check_weight("major_repaired"), "repaired")


def _read_list(name: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            seen.setdefault(skeleton(entry), None)
    return tuple(seen)


@lru_cache(maxsize=1)
def majors() -> Lexicon:
    """The catalogue of majors (extractors/data/majors.txt)."""
    return Lexicon(_read_list("majors.txt"))


def snap_major(reading: str, budget: Budget = MAJOR_BUDGET) -> Optional[Snap]:
    return majors().snap(reading, budget) if reading else None


# A region's name is matched inside a longer text, where any glyph misread may make another
# word: only a look-alike misreading of it is repaired.
REGION_BUDGET = Budget(short=LOOKALIKE_COST, long=LOOKALIKE_COST)


@lru_cache(maxsize=1)
def regions() -> Lexicon:
    """The regions honours and awards are conferred by (extractors/data/regions.txt)."""
    return Lexicon(_read_list("regions.txt"))


def region_confirmed(text: str, witness: Optional[str]) -> str:
    """`text` with each region name it holds with a look-alike glyph (自台区321人才工程: 治 read
    台) put right, where `witness`, read apart from it (the certificate's issuer), names that
    region as printed: 内蒙古自治区人力资源和社会保障厅. Without such a witness the reading is
    left as it is: one glyph is the whole difference between a region and another word, so the
    rules see it unsure (a name a character off a listed honour is `review`)."""
    if not text or not witness:
        return text
    lexicon, said = regions(), skeleton(witness)
    out = text
    for size in sorted({len(e) for e in lexicon.entries}, reverse=True):
        if REGION_BUDGET.of("x" * size) <= 0:
            continue
        at = 0
        while at + size <= len(out):
            window = out[at: at + size]
            snap = lexicon.snap(window, REGION_BUDGET)
            if snap.verdict == "repaired" and snap.value in said:
                out = out[:at] + snap.value + out[at + size:]
                at += size
            else:
                at += 1
    return out


@lru_cache(maxsize=1)
def no_title_words() -> frozenset[str]:
    """What a title cell holds when no title is held (extractors/data/no_title_words.txt)."""
    return frozenset(_read_list("no_title_words.txt"))


@lru_cache(maxsize=None)
def numeral_lookalikes(where: str) -> dict[str, str]:
    """Glyph → the numeral a recogniser read it for, where only a numeral can stand
    (extractors/data/numeral_lookalikes.tsv; `where` is its second column: count, date)."""
    out: dict[str, str] = {}
    for line in _data_lines("numeral_lookalikes.tsv"):
        numeral, place, glyphs = line.split("\t", 2)
        if place.strip() == where:
            out.update((g, numeral.strip()) for g in glyphs.split())
    return out


def lookalikes_of(numeral: str, where: str) -> str:
    """Every glyph read for `numeral` at `where`, the numeral first (a reading's look-alikes of it)."""
    return numeral + "".join(g for g, n in numeral_lookalikes(where).items() if n == numeral and g != numeral)


@lru_cache(maxsize=1)
def punctuation_lookalikes() -> dict[str, str]:
    """Glyph → the punctuation mark a recogniser read it for (punctuation_lookalikes.tsv)."""
    out: dict[str, str] = {}
    for line in _data_lines("punctuation_lookalikes.tsv"):
        mark, glyphs = line.split("\t", 1)
        out.update((g, mark.strip()) for g in glyphs.split())
    return out


def fold_punctuation(text: str) -> str:
    """Each punctuation look-alike as the mark it was read for (三丶主要 → 三、主要): for comparing
    a reading with a form's printed words, never for the value a reading keeps."""
    table = punctuation_lookalikes()
    return "".join(table.get(ch, ch) for ch in text)


def _heading_key(text: str) -> str:
    return skeleton(fold_punctuation(text)).upper()


@lru_cache(maxsize=1)
def form_headings() -> tuple[str, ...]:
    """A form's own titles, headings and column labels (extractors/data/form_headings.txt),
    compared as `_heading_key` makes them, longest first."""
    seen: dict[str, None] = {}
    for line in (DATA_DIR / "form_headings.txt").read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry and (key := _heading_key(entry)):
            seen.setdefault(key, None)
    return tuple(sorted(seen, key=len, reverse=True))


# A heading this many characters long or more is matched allowing misread glyphs; a shorter one
# (级别, 时间, 序号) only as printed, as one glyph turns it into another word.
HEADING_FUZZY_MIN = 6
# The share of a long heading's characters that may be misread and it still be that heading.
HEADING_MIN_SCORE = 0.75
# Characters of a reading no heading accounts for that still leave it a heading (a stray mark).
HEADING_STRAY = 1


def is_form_heading(text: str) -> bool:
    """Whether `text` reads as the form's own printed words (form_headings.txt): one heading or
    label, a piece of a long one, or several run together (a list's header row read as one
    cell), with the punctuation look-alikes folded and a long heading's misread glyphs allowed.
    A title the applicant wrote has words of its own no heading accounts for."""
    key = _heading_key(text)
    if not key:
        return False
    entries = form_headings()
    if key in entries:
        return True
    if len(key) >= HEADING_FUZZY_MIN - 1:
        # A piece of one long heading, at least half of it (its caption cell cut in two by the
        # recogniser).
        for entry in entries:
            if len(entry) > len(key) >= len(entry) / 2 and (m := best_substring(key, entry, HEADING_MIN_SCORE)) and m.score >= HEADING_MIN_SCORE:
                return True
    covered = [False] * len(key)
    for entry in entries:
        if len(entry) >= HEADING_FUZZY_MIN:
            m = best_substring(entry, key, HEADING_MIN_SCORE)
            spans = [(m.start, m.end)] if m and m.score >= HEADING_MIN_SCORE else []
        else:
            spans, at = [], key.find(entry)
            while at >= 0:
                spans.append((at, at + len(entry)))
                at = key.find(entry, at + 1)
        for start, end in spans:
            covered[start:end] = [True] * (end - start)
    return sum(1 for c in covered if not c) <= HEADING_STRAY and any(covered)
