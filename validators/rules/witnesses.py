"""A date with its witnesses: every reading that says when something happened, agreeing or not.

A paper's date is said by the date printed on it, by its journal's year and issue number, and by
the eval_form's claim for the same title; a title's date by the form and by the certificate. One
reading can be misread, so a date is judged on all of them: where they agree, on the most precise
one; where they disagree, on everything any of them allows, so a verdict stands only if every
witness leads to it, and is `review` otherwise (a human reads the originals).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable, Literal, Optional

from dossierflow.models import Source

Side = Literal["before", "after", "both"]  # on or before a day, after it, or either

_ISSUE = re.compile(r"((?:19|20)\d{2})\s*年\s*(?:第\s*)?(\d{1,3})\s*期")


@dataclass(frozen=True)
class Witness:
    """One reading of a date.

    `earliest`..`latest` is every day the reading allows (a month-only date: the whole month; a
    journal issue: from when an issue of that number can appear at the earliest to the year's
    end). `reading` is the day a rule takes the witness to say (rules.md: a month-only date is
    the month's first day), None for a witness that only bounds the date."""

    says: str  # who says it, in Chinese: 论文所载日期, 评审表所填日期, 刊期
    text: str  # what it says, as written: 2020-01, 2020年第11期
    earliest: dt.date
    latest: dt.date
    reading: Optional[dt.date] = None
    source: Optional[Source] = None

    def allows(self, other: "Witness") -> bool:
        return self.earliest <= other.latest and other.earliest <= self.latest

    @property
    def span_days(self) -> int:
        return (self.latest - self.earliest).days


def date_witness(iso: Optional[str], says: str, source: Optional[Source] = None) -> Optional[Witness]:
    """A written date, `YYYY-MM-DD` or `YYYY-MM`; None when absent or impossible."""
    if not iso:
        return None
    parts = iso.strip().split("-")
    try:
        if len(parts) == 3:
            day = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
            return Witness(says, iso, day, day, day, source)
        if len(parts) == 2:
            year, month = int(parts[0]), int(parts[1])
            first = dt.date(year, month, 1)
            last = dt.date(year, month, calendar.monthrange(year, month)[1])
            return Witness(says, iso, first, last, first, source)
    except ValueError:
        return None
    return None


def issue_witness(issue: Optional[str], max_issues_per_year: int, source: Optional[Source] = None) -> Optional[Witness]:
    """A journal's `YYYY年第N期`: the issue appears in year YYYY, and not before the journal could
    have published N issues at its most frequent (`max_issues_per_year`, e.g. 52 for a weekly):
    issue 11 of a weekly is out in March at the earliest, never in January."""
    m = _ISSUE.search(issue or "")
    if not m:
        return None
    year, number = int(m.group(1)), int(m.group(2))
    if number < 1 or number > max_issues_per_year:
        return None
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    earliest = start + dt.timedelta(days=(number - 1) * 365 // max_issues_per_year)
    return Witness("刊期", f"{year}年第{number}期", earliest, end, None, source)


@dataclass(frozen=True)
class WitnessedDate:
    witnesses: tuple[Witness, ...]

    @classmethod
    def of(cls, witnesses: Iterable[Optional[Witness]]) -> "WitnessedDate":
        return cls(tuple(w for w in witnesses if w is not None))

    @property
    def known(self) -> bool:
        return bool(self.witnesses)

    @property
    def agree(self) -> bool:
        """Every witness allows a day every other allows (no two contradict each other)."""
        if not self.witnesses:
            return True
        return max(w.earliest for w in self.witnesses) <= min(w.latest for w in self.witnesses)

    def bounds(self) -> Optional[tuple[dt.date, dt.date]]:
        """The days the date is taken to lie in. Agreeing: the most precise witness's reading
        (or, when none has one, the days they all allow). Disagreeing: every day any reading
        points at, since any one of them may be the misread one."""
        if not self.witnesses:
            return None
        if self.agree:
            precise = [w for w in self.witnesses if w.reading is not None]
            if precise:
                best = min(precise, key=lambda w: w.span_days)  # first among equals: callers list the document's own first
                return best.reading, best.reading  # type: ignore[return-value]
            return max(w.earliest for w in self.witnesses), min(w.latest for w in self.witnesses)
        lows = [w.reading or w.earliest for w in self.witnesses]
        highs = [w.reading or w.latest for w in self.witnesses]
        return min(lows), max(highs)

    def side(self, day: dt.date) -> Optional[Side]:
        """Whether the date is on or before `day`, after it, or may be either; None if unknown."""
        b = self.bounds()
        if b is None:
            return None
        if b[1] <= day:
            return "before"
        if b[0] > day:
            return "after"
        return "both"

    def shown(self) -> Optional[str]:
        """The date as a message names it: the reading a verdict rests on, or every witness."""
        if not self.witnesses:
            return None
        if self.agree:
            precise = [w for w in self.witnesses if w.reading is not None]
            return min(precise or self.witnesses, key=lambda w: w.span_days).text
        return self.disagreement()

    def disagreement(self) -> str:
        """The witnesses as a message lists them (论文所载日期2020-01、刊期2020年第11期)."""
        return "、".join(f"{w.says}{w.text}" for w in self.witnesses)

    def sources(self) -> list[Source]:
        return [w.source for w in self.witnesses if w.source is not None]
