"""Which dossiers an audit re-derives: a seeded, stratified sample.

The batch's results are split into strata by status and by whether the result rests on a
reviewer's decision. Each stratum gets a share of the sample in proportion to its size times
its weight, so an audit looks hardest where a wrong decision costs most: a wrong acceptance is
never seen again by anyone, and a result a person decided is one the machine alone did not. Every
non-empty stratum gets at least one dossier while the sample is large enough. Within a stratum
the dossiers are drawn with an RNG seeded from the audit's seed and the stratum's name, so the
same seed and size always draw the same dossiers, whatever order the results are listed in.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from dossierflow.errors import UsageError
from dossierflow.labels import STATUS_LABELS

# How much more likely a dossier of a status is to be drawn than a `returned` one. An accepted
# dossier leaves the office for good; a rejected one or one sent to integrity review will be read
# again by the applicant or a reviewer; an error line names its own problem.
STATUS_WEIGHTS = {
    "accepted": 4.0,
    "rejected": 2.0,
    "integrity_review": 1.5,
    "needs_review": 1.5,
    "returned": 1.0,
    "error": 0.5,
}
DECIDED_WEIGHT = 2.0  # a result resting on a reviewer's decision
OTHER_STATUS_WEIGHT = 1.0


class Stratum(BaseModel):
    """One stratum of the sample's make-up: how many results it holds and how many were drawn."""

    model_config = ConfigDict(extra="forbid")
    status: str
    label: str
    decided: bool
    population: int
    weight: float
    drawn: int
    sampled: list[str]


@dataclass(frozen=True)
class SizeSpec:
    """`--size` as given: a count (`10`) or a share of the batch (`5%`)."""

    count: int | None = None
    percent: float | None = None

    @classmethod
    def parse(cls, text: str | int) -> "SizeSpec":
        raw = str(text).strip()
        share = re.fullmatch(r"(\d+(?:\.\d+)?)\s*[%％]", raw)
        if share:
            percent = float(share.group(1))
            if not 0 < percent <= 100:
                raise UsageError(f"--size 的比例 {raw} 无效：应大于 0% 且不超过 100%")
            return cls(percent=percent)
        if re.fullmatch(r"\d+", raw):
            return cls(count=int(raw))
        raise UsageError(f"--size 的值 {raw!r} 无效：应为份数（如 10）或比例（如 5%）")

    def resolve(self, population: int) -> int:
        """The number of dossiers to draw from a batch of `population`; a share rounds up, so a
        small batch is never audited with none."""
        if self.percent is not None:
            return max(1, min(population, math.ceil(population * self.percent / 100)))
        assert self.count is not None
        if not 1 <= self.count <= population:
            raise UsageError(f"--size 应在 1 到 {population}（本批次的档案数）之间，而不是 {self.count}")
        return self.count

    def __str__(self) -> str:
        return f"{self.percent:g}%" if self.percent is not None else str(self.count)


def _weight(status: str, decided: bool) -> float:
    return STATUS_WEIGHTS.get(status, OTHER_STATUS_WEIGHT) * (DECIDED_WEIGHT if decided else 1.0)


def _status_order(status: str) -> int:
    order = list(STATUS_LABELS)
    return order.index(status) if status in order else len(order)


def allocate(sizes: dict[tuple[str, bool], int], size: int) -> dict[tuple[str, bool], int]:
    """How many of `size` each stratum gets: one each first (heaviest strata first while there
    are fewer draws than strata), the rest in proportion to size × weight by largest remainder,
    never more than a stratum holds."""
    keys = sorted(sizes, key=lambda k: (-_weight(*k), _status_order(k[0]), k[1]))
    share = {k: 0 for k in keys}
    left = size
    for k in keys:
        if left and sizes[k]:
            share[k] = 1
            left -= 1
    while left:
        open_keys = [k for k in keys if share[k] < sizes[k]]
        if not open_keys:
            break
        mass = sum(sizes[k] * _weight(*k) for k in open_keys)
        ideal = {k: left * sizes[k] * _weight(*k) / mass for k in open_keys}
        given = 0
        for k in open_keys:
            add = min(int(ideal[k]), sizes[k] - share[k])
            share[k] += add
            given += add
        if given == 0:  # every ideal share is below one: the largest remainder takes the next
            best = max(open_keys, key=lambda k: (ideal[k], -keys.index(k)))
            share[best] += 1
            given = 1
        left -= given
    return share


def draw(statuses: dict[str, str], decided: set[str], seed: int, size: int) -> list[Stratum]:
    """The stratified sample of `size` from {dossier id: status}; `decided`: the ids whose
    result rests on a reviewer's decision."""
    members: dict[tuple[str, bool], list[str]] = {}
    for did in sorted(statuses):
        members.setdefault((statuses[did], did in decided), []).append(did)
    share = allocate({k: len(v) for k, v in members.items()}, size)
    strata = []
    for key in sorted(members, key=lambda k: (_status_order(k[0]), k[1])):
        status, is_decided = key
        # A seed per stratum: adding a result of another status never changes this draw.
        rng = random.Random(f"{seed}/{status}/{int(is_decided)}")
        picked = sorted(rng.sample(members[key], share[key]))
        strata.append(Stratum(
            status=status, label=STATUS_LABELS.get(status, status), decided=is_decided,
            population=len(members[key]), weight=_weight(status, is_decided), drawn=len(picked), sampled=picked,
        ))
    return strata


def sampled_ids(strata: list[Stratum]) -> list[str]:
    return sorted(did for s in strata for did in s.sampled)


def makeup_lines(strata: list[Stratum]) -> list[str]:
    """The make-up as people read it, one line per stratum."""
    lines = []
    for s in strata:
        kind = "，依据审核人决定" if s.decided else ""
        lines.append(f"{s.label}（{s.status}{kind}）：共 {s.population} 份，抽 {s.drawn} 份，权重 {s.weight:g}")
    return lines
