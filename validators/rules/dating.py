"""When an achievement is dated, relative to `submission_date` (一（十）5).

An item's date has witnesses (validators/rules/witnesses.py): its own printed `date`; for a paper,
its journal's year and issue number; the date the eval_form gives for the same title (the
applicant's own statement links a claim and its attachment), and that attachment's own. They are
judged together: agreeing, on the most precise; disagreeing, the item is `disputed` unless every
witness puts it on the same side of the submission date. A month-only date is the month's first
day, as everywhere in the rules.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Callable, Iterable, Literal, Optional

from dossierflow.models import Evidence
from validators.rules.witnesses import Witness, WitnessedDate, date_witness, issue_witness

DateState = Literal["on_time", "late", "unknown", "disputed"]

# claim kind on the eval_form ↔ attachment kinds that carry the same achievement
LINKED: dict[str, tuple[str, ...]] = {
    "claimed_paper": ("paper",),
    "claimed_award": ("award", "honor"),
    "claimed_achievement": ("award", "honor", "patent", "paper"),
}

_SAYS = {"claimed_paper": "评审表所填日期", "claimed_award": "评审表所填日期", "claimed_achievement": "评审表所填日期",
         "paper": "论文所载日期", "patent": "专利证书所载日期"}
DEFAULT_MAX_ISSUES_PER_YEAR = 52  # a weekly: the most frequent journal a paper is offered from


@dataclass(frozen=True)
class Dated:
    item: Evidence
    state: DateState
    shown: Optional[str]  # the date as a message shows it (2020-07), or its disagreeing witnesses
    witnessed: WitnessedDate = WitnessedDate(())


def witnesses_of(e: Evidence, max_issues_per_year: int = DEFAULT_MAX_ISSUES_PER_YEAR) -> list[Witness]:
    """What an item itself says of its date: its printed date and, for a paper, its issue."""
    says = _SAYS.get(e.kind, "证书所载日期")
    out = [date_witness(e.date, says, e.source)]
    if e.kind == "paper":
        out.append(issue_witness(e.issue, max_issues_per_year, e.source))
    return [w for w in out if w is not None]


def _state(witnessed: WitnessedDate, submitted: dt.date) -> DateState:
    side = witnessed.side(submitted)
    if side == "before":
        return "on_time"
    if side == "after":
        return "late"
    if side == "both" and not witnessed.agree:
        return "disputed"
    return "unknown"


def date_items(
    items: Iterable[Evidence],
    everything: list[Evidence],
    submitted: dt.date,
    same_title: Callable[[str, str], bool],
    misread: Callable[[Evidence], bool] = lambda e: False,
    max_issues_per_year: int = DEFAULT_MAX_ISSUES_PER_YEAR,
) -> list[Dated]:
    """Each item with its state, judged on its own witnesses and those of its linked
    claim/attachment (same title); a date that is `misread` is no witness."""
    out: list[Dated] = []
    for e in items:
        own = [] if misread(e) else witnesses_of(e, max_issues_per_year)
        linked: list[Witness] = []
        for p in _counterparts(e, everything, same_title):
            if not misread(p):
                linked += witnesses_of(p, max_issues_per_year)
        witnessed = WitnessedDate.of(own + linked)
        out.append(Dated(e, _state(witnessed, submitted), witnessed.shown(), witnessed))
    return out


def _counterparts(e: Evidence, everything: list[Evidence], same_title: Callable[[str, str], bool]) -> list[Evidence]:
    """The linked items (a claim's attachment, an attachment's claim) that carry `e`'s achievement:
    of those whose title matches, the closest. A dossier can offer two papers whose titles match
    loosely (…的探讨 and …的再探讨); each is witnessed by its own claim, not by its sibling's."""
    if not e.title:
        return []
    candidates = [p for p in everything
                  if p is not e and p.title and _linked(e.kind, p.kind) and same_title(e.title, p.title)]
    if not candidates:
        return []
    own = _norm(e.title)
    closeness = {id(p): SequenceMatcher(None, own, _norm(p.title or "")).ratio() for p in candidates}
    best = max(closeness.values())
    return [p for p in candidates if closeness[id(p)] == best]


def _norm(title: str) -> str:
    return re.sub(r"[\s《》“”\"'（）()，,。.:：·、\-—_]+", "", title).lower()


def _linked(a: str, b: str) -> bool:
    return b in LINKED.get(a, ()) or a in LINKED.get(b, ())
