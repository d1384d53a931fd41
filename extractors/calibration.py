"""A field's confidence made a probability that its value is right (#23, item 3).

The recognisers' scores and the checks a reading passed or needed (a repair, a lexicon entry,
another source agreeing: extractors/data/checks.tsv) are not probabilities. Extraction carries
both on each value: its confidence (the score times the weights of its checks, so readings
compare inside extraction) and its `checks`. The map in extractors/data/calibration.json,
fitted by `bench/calibrate.py` on generated dossiers kept for calibration (bench/seeds.md, the
`calib` list), turns the two into the share of values right: a piecewise-linear monotone map of
the confidence for each set of checks the calibration runs held enough values of, and one map
fitted on every value for the rest. An evidence item's confidence (one for the whole reading of
a certificate, a paper, a claim) may be mapped too, by its kind or as every item, to the share
of items whose every attribute is right, in whichever way predicted best the calibration runs
each map was not fitted on (`bench/calibrate.py`); the identity where no map did. It is
applied once, to the extraction's finished fields and evidence (`extractors.dossier`), after
every step that compares confidences inside extraction.

Where it was fitted every map also keeps each confidence on its side of the rulebook's
threshold it was fitted against (the fit enforces it, tests/test_calibration_map.py checks it),
so no value read below the threshold becomes a verdict's ground by calibration alone. No
extractor knows the threshold: they name checks; the data weighs them.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from dossierflow.models import Evidence, FieldValue

DATA_DIR = Path(__file__).parent / "data"
MAP_PATH = DATA_DIR / "calibration.json"
CHECKS_PATH = DATA_DIR / "checks.tsv"

Knots = tuple[tuple[float, float], ...]
IDENTITY: Knots = ((0.0, 0.0), (1.0, 1.0))


@lru_cache(maxsize=1)
def check_weights() -> dict[str, float]:
    """Every check extraction may name, with its weight (extractors/data/checks.tsv)."""
    out: dict[str, float] = {}
    for line in CHECKS_PATH.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, weight, _ = line.split("\t", 2)
        out[name.strip()] = float(weight)
    return out


def check_weight(check: str) -> float:
    """A check's weight; a name the data lacks is a programming error, not a weight of 1."""
    weights = check_weights()
    if check not in weights:
        raise KeyError(f"check {check!r} is not in {CHECKS_PATH.name}")
    return weights[check]


def weighed(score: float, check: str) -> tuple[float, tuple[str, ...]]:
    """A reading's certainty when it needed `check`, with the check named."""
    return score * check_weight(check), (check,)


def signature(checks: Iterable[str]) -> str:
    """The key of a set of checks in the map: sorted, joined by +; `-` for none."""
    return "+".join(sorted(set(checks))) or "-"


@dataclass(frozen=True)
class CalibrationMap:
    """The knots of the map for every value, and of the maps for sets of checks fitted apart."""

    knots: Knots
    by_checks: dict[str, Knots] = field(default_factory=dict)
    # Evidence items (a certificate's, a paper's, a claim's reading as a whole) are scored apart:
    # one map of every item, and one for each kind the calibration runs held enough items of,
    # when that way of mapping them was chosen. The identity until fitted, and where no map
    # predicted runs it was not fitted on better than the recogniser's own confidence.
    evidence: Knots = IDENTITY
    evidence_by_kind: dict[str, Knots] = field(default_factory=dict)

    def knots_for(self, checks: Iterable[str]) -> Knots:
        return self.by_checks.get(signature(checks), self.knots)

    def knots_for_evidence(self, kind: str) -> Knots:
        return self.evidence_by_kind.get(kind, self.evidence)


def _checked(knots: Iterable[Iterable[float]], where: str) -> Knots:
    out = tuple(sorted((float(x), float(y)) for x, y in knots))
    if out[0][0] != 0.0 or out[-1][0] != 1.0:
        raise ValueError(f"{MAP_PATH}: the knots of {where} must span 0 to 1")
    if any(b[1] < a[1] for a, b in zip(out, out[1:])):
        raise ValueError(f"{MAP_PATH}: the map of {where} must not decrease")
    return out


def read_map(raw: dict) -> CalibrationMap:
    by_checks = {sig: _checked(entry["knots"], sig) for sig, entry in (raw.get("by_checks") or {}).items()}
    ev = raw.get("evidence")
    if not ev:
        return CalibrationMap(_checked(raw["knots"], "every value"), by_checks)
    by_kind = {kind: _checked(entry["knots"], f"evidence {kind}") for kind, entry in (ev.get("by_kind") or {}).items()}
    return CalibrationMap(_checked(raw["knots"], "every value"), by_checks, _checked(ev["knots"], "every evidence item"), by_kind)


@lru_cache(maxsize=1)
def calibration_map() -> CalibrationMap:
    return read_map(json.loads(MAP_PATH.read_text(encoding="utf-8")))


def apply_knots(confidence: float, knots: Knots) -> float:
    c = min(1.0, max(0.0, confidence))
    i = bisect_right([x for x, _ in knots], c)
    if i >= len(knots):
        return round(knots[-1][1], 3)
    (x0, y0), (x1, y1) = knots[i - 1], knots[i]
    y = y0 if x1 == x0 else y0 + (y1 - y0) * (c - x0) / (x1 - x0)
    return round(y, 3)


def calibrate(confidence: float, checks: Iterable[str] = (), table: Optional[CalibrationMap] = None) -> float:
    """The share of values right among those read at `confidence` with `checks`."""
    return apply_knots(confidence, (table or calibration_map()).knots_for(checks))


def calibrate_evidence_item(confidence: float, kind: str, table: Optional[CalibrationMap] = None) -> float:
    """The share of evidence items of `kind` right among those read at `confidence`."""
    return apply_knots(confidence, (table or calibration_map()).knots_for_evidence(kind))


def calibrate_evidence(items: list[Evidence]) -> list[Evidence]:
    """The evidence with calibrated confidences. A part's own confidence (a card's year, a list's
    row: `part_confidence`) is left as read: the truth scores items, not their parts."""
    return [e.model_copy(update={"confidence": calibrate_evidence_item(e.confidence, e.kind)}) for e in items]


def calibrate_fields(fields: dict[str, FieldValue]) -> dict[str, FieldValue]:
    """The fields with calibrated confidences; a value a reviewer decided keeps its own."""
    return {k: fv if fv.decision is not None else fv.model_copy(update={"confidence": calibrate(fv.confidence, fv.checks)})
            for k, fv in fields.items()}
