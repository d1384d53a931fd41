"""A field's confidence made a probability that its value is right (#23, item 3).

The recognisers' scores and the certainties the parsers multiply in are not probabilities; the
map in extractors/data/calibration.json, fitted by `bench/calibrate.py` on generated dossiers
kept for calibration (bench/seeds.md, the `calib` list), turns the confidence extraction
reached into the share of values right at that confidence. It is applied once, to the
extraction's finished fields (`extractors.dossier`), after every step that compares
confidences inside extraction, so those steps keep the scale they were written for.

The map is monotone and piecewise linear between its knots. Where it was fitted it also keeps
every confidence on its side of the rulebook's threshold it was fitted against (the fit
enforces it, tests/test_calibration_map.py checks it), so no value read below the threshold
becomes a verdict's ground by calibration alone.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path

from dossierflow.models import FieldValue

MAP_PATH = Path(__file__).parent / "data" / "calibration.json"


@lru_cache(maxsize=1)
def calibration_map() -> tuple[tuple[float, float], ...]:
    """The (confidence, calibrated) knots, sorted, from (0, 0) to (1, 1)."""
    raw = json.loads(MAP_PATH.read_text(encoding="utf-8"))
    knots = tuple(sorted((float(x), float(y)) for x, y in raw["knots"]))
    if knots[0][0] != 0.0 or knots[-1][0] != 1.0:
        raise ValueError(f"{MAP_PATH}: the knots must span 0 to 1")
    if any(b[1] < a[1] for a, b in zip(knots, knots[1:])):
        raise ValueError(f"{MAP_PATH}: the map must not decrease")
    return knots


def calibrate(confidence: float, knots: tuple[tuple[float, float], ...] | None = None) -> float:
    knots = knots or calibration_map()
    c = min(1.0, max(0.0, confidence))
    i = bisect_right([x for x, _ in knots], c)
    if i >= len(knots):
        return round(knots[-1][1], 3)
    (x0, y0), (x1, y1) = knots[i - 1], knots[i]
    y = y0 if x1 == x0 else y0 + (y1 - y0) * (c - x0) / (x1 - x0)
    return round(y, 3)


def calibrate_fields(fields: dict[str, FieldValue]) -> dict[str, FieldValue]:
    """The fields with calibrated confidences; a value a reviewer decided keeps its own."""
    return {k: fv if fv.decision is not None else fv.model_copy(update={"confidence": calibrate(fv.confidence)})
            for k, fv in fields.items()}
