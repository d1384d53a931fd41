"""When an achievement is dated, relative to `submission_date` (一（十）5).

An item's date comes from, in order: its own `date`; for a paper, the year of its `issue`
(2019年第3期 is somewhere in 2019); the date the eval_form gives for the same title (the
applicant's own statement links a claim and its attachment). A month-only date is the month's
first day, as everywhere in the rules.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Literal, Optional

from dossierflow.models import Evidence
from validators.rules.base import try_date

DateState = Literal["on_time", "late", "unknown"]
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")

# claim kind on the eval_form ↔ attachment kinds that carry the same achievement
LINKED: dict[str, tuple[str, ...]] = {
    "claimed_paper": ("paper",),
    "claimed_award": ("award", "honor"),
    "claimed_achievement": ("award", "honor", "patent", "paper"),
}


@dataclass(frozen=True)
class Dated:
    item: Evidence
    state: DateState
    shown: Optional[str]  # the date as a message shows it (2020-07, 2019年)


def _own_bounds(e: Evidence) -> Optional[tuple[dt.date, dt.date, str]]:
    day = try_date(e.date)
    if day is not None:
        return day, day, e.date or ""
    if e.issue:
        m = _YEAR.search(e.issue)
        if m:
            year = int(m.group(1))
            return dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年"
    return None


def _state(bounds: Optional[tuple[dt.date, dt.date, str]], submitted: dt.date) -> DateState:
    if bounds is None:
        return "unknown"
    earliest, latest, _ = bounds
    if earliest > submitted:
        return "late"
    if latest <= submitted:
        return "on_time"
    return "unknown"


def date_items(
    items: Iterable[Evidence],
    everything: list[Evidence],
    submitted: dt.date,
    same_title: Callable[[str, str], bool],
    misread: Callable[[Evidence], bool] = lambda e: False,
) -> list[Dated]:
    """Each item with its state; an undated item, or one whose date is `misread`, borrows the
    date of its linked claim/attachment."""
    out: list[Dated] = []
    for e in items:
        bounds = None if misread(e) else _own_bounds(e)
        if _state(bounds, submitted) == "unknown" and e.title:
            # An issue year alone may not settle it; the linked item's full date can.
            for p in everything:
                if p is e or not p.title or not _linked(e.kind, p.kind) or not same_title(e.title, p.title):
                    continue
                other = None if misread(p) else _own_bounds(p)
                if _state(other, submitted) != "unknown":
                    bounds = other
                    break
        out.append(Dated(e, _state(bounds, submitted), bounds[2] if bounds else None))
    return out


def _linked(a: str, b: str) -> bool:
    return b in LINKED.get(a, ()) or a in LINKED.get(b, ())
