"""Fit the map from a field's confidence and checks to the share of values right
(extractors/data/calibration.json, read by extractors/calibration.py).

    python bench/calibrate.py --fit WORK [WORK …] [--write]
        WORK is a `bench/accuracy.py --work` folder of a run on calibration seeds (bench/seeds.md,
        the `calib` list: any other seed is refused). Each dossier's fields are extracted again,
        with the code as it is, from the pages the run cached (no OCR), and scored against the
        batch's truth; the map is fitted on those values: one monotone map on every value, and
        one for each set of checks held by at least MIN_VALUES of them, each kept on its side of
        the rulebook's confidence threshold (fixtures/calibration.py). Prints the maps with the
        calibration error they leave; --write stores them.
        First the checks' weights (extractors/data/checks.tsv) are fitted on the same values:
        a logistic regression of being right on the log of the recogniser's score (a value's
        confidence over its checks' weights) and the checks it carries, each check's
        coefficient held near its weight in the file by a prior (fixtures.calibration
        .fit_check_weights); the table of checks, values, wrong ones, weight in the file and
        fitted weight is printed. With --write the fitted weights are written to checks.tsv and
        the maps are fitted on the confidences those weights give.
        Evidence items are scored and fitted too, apart from fields, by kind: an item is right
        when every attribute the truth states and the reading gave is the truth's
        (fixtures.scoring.scored_evidence). How they are mapped is chosen by cross-validation on
        the calibration runs (leave one seed's run out, Brier score of the held-out items): no map,
        one map of every item, the same on five bins, or a map of every item and one for each
        kind held by MIN_VALUES items; the table of ways is printed. The truth cannot score a photo (it states nothing to read, only that
        the photo is there), the work summary (its text is not in the truth), nor an item read
        where the truth has none of its kind (a page misclassified): those keep the map of
        every item.
    python bench/calibrate.py --check WORK [WORK …]
        the same extraction on runs of development or evaluation seeds (never calibration ones):
        the calibration error of the extraction's own confidences and under the stored map (or
        --map FILE, an earlier one), and how many values the map moved across the threshold
        (none can: each map keeps its sides)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench.accuracy import seeds_from  # noqa: E402
from bench.cached import cached_extractions  # noqa: E402
from extractors import calibration as cal  # noqa: E402
from extractors.evidence import extract_evidence  # noqa: E402
from extractors.fields import extract_fields, extract_form_fields  # noqa: E402
from fixtures.calibration import CheckFit, Reading, Reliability, fit_check_weights, fit_map  # noqa: E402
from fixtures.scoring import same_value, scored_evidence  # noqa: E402
from fixtures.truth import BatchTruth  # noqa: E402
from validators.rulebook import load_rulebook  # noqa: E402

# A set of checks gets its own map only when the calibration runs hold this many of its values;
# fewer say too little of how often such values are right, and take the map of every value.
MIN_VALUES = 20


@dataclass(frozen=True)
class Point:
    seed: int
    dossier: str
    key: str
    confidence: float
    checks: tuple[str, ...]
    right: bool
    evidence: bool = False  # an evidence item's reading as a whole; key is its kind


def points_of(work: Path) -> list[Point]:
    """Every field value and scored evidence item extraction gives today on the pages a run
    cached, against the truth, with the confidences extraction reaches before the map."""
    points: list[Point] = []
    for truth_file in sorted(work.glob("batch-s*.truth.json")):
        seed = int(re.search(r"batch-s(\d+)\.truth\.json$", truth_file.name).group(1))  # type: ignore[union-attr]
        truth = BatchTruth.read(truth_file)
        cached = cached_extractions(work / f"out-s{seed}")
        for d in truth.dossiers:
            ex = cached.get(d.dossier_id)
            if ex is None or not ex.pages:
                continue
            forms = extract_form_fields(ex.pages, ex.documents)
            fields = extract_fields(ex.pages, ex.documents, forms)
            for key, want in d.fields.items():
                fv = fields.get(key)
                if fv is not None and fv.value is not None:
                    points.append(Point(seed, d.dossier_id, key, fv.confidence, tuple(sorted(set(fv.checks))),
                                        same_value(want, fv.value)))
            evidence = [e.model_dump(mode="json") for e in extract_evidence(ex.pages, ex.documents, fields)]
            points += [Point(seed, d.dossier_id, e["kind"], e["confidence"], (), right, evidence=True)
                       for e, right in scored_evidence(d.evidence, evidence)]
    return points


def score_of(p: Point, weights: dict[str, float]) -> float:
    """The recogniser's score behind a value's confidence: extraction's confidence is the score
    times the weights of the checks it names."""
    factor = 1.0
    for c in set(p.checks):
        factor *= weights.get(c, 1.0)
    return min(1.0, p.confidence / factor) if factor > 0 else p.confidence


def readings_of(points: list[Point], weights: dict[str, float]) -> list[Reading]:
    return [Reading(score_of(p, weights), tuple(sorted(set(p.checks))), p.evidence, p.right) for p in points]


def reweighed(points: list[Point], old: dict[str, float], new: dict[str, float]) -> list[Point]:
    """The points with the confidences the `new` weights give their scores."""
    out = []
    for p in points:
        factor = 1.0
        for c in set(p.checks):
            factor *= new.get(c, 1.0)
        out.append(replace(p, confidence=round(min(1.0, score_of(p, old) * factor), 3)) if p.checks else p)
    return out


def write_check_weights(fits: list[CheckFit]) -> None:
    """checks.tsv with each check's weight replaced by its fitted one; comments and meanings kept."""
    fitted = {f.check: f.weight for f in fits}
    lines = []
    for line in cal.CHECKS_PATH.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, meaning = line.split("\t", 2)
            line = f"{name}\t{fitted[name.strip()]:g}\t{meaning}"
        lines.append(line)
    cal.CHECKS_PATH.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cal.check_weights.cache_clear()


def _calibrated(p: Point, table: cal.CalibrationMap) -> float:
    if p.evidence:
        return cal.calibrate_evidence_item(p.confidence, p.key, table)
    return cal.calibrate(p.confidence, p.checks, table)


def _split(points: list[Point]) -> tuple[list[Point], list[Point]]:
    return [p for p in points if not p.evidence], [p for p in points if p.evidence]


def reliability(points: list[Point], table: cal.CalibrationMap | None = None) -> Reliability:
    r = Reliability()
    for p in points:
        r.add(_calibrated(p, table) if table else p.confidence, p.right)
    return r


def _grouped_fit(groups: dict[str, list[Point]], threshold: float) -> tuple[dict[str, cal.Knots], dict[str, dict]]:
    own: dict[str, cal.Knots] = {}
    counts: dict[str, dict] = {}
    for name, pts in sorted(groups.items()):
        counts[name] = {"values": len(pts), "right": sum(p.right for p in pts)}
        if len(pts) >= MIN_VALUES:
            own[name] = tuple(fit_map([(p.confidence, p.right) for p in pts], threshold))
    return own, counts


# The ways evidence confidences may be mapped, simplest first: none (the recogniser's own
# confidence), one map of every item, the same on five bins, and a map of every item with one
# for each kind held by MIN_VALUES items. Items are fewer than field values and their wrong
# ones few, so a finer map may fit the runs it was fitted on and miss others: the way is chosen
# by cross-validation on the calibration runs (evidence_method), never on other seeds.
EVIDENCE_METHODS = ("none", "every", "every_coarse", "by_kind")
COARSE_BINS = 5


def evidence_maps(items: list[Point], threshold: float, method: str) -> tuple[cal.Knots, dict[str, cal.Knots], dict[str, dict]]:
    """The map of every item, the maps by kind, and each kind's counts, fitted `method`'s way."""
    by_kind: dict[str, list[Point]] = defaultdict(list)
    for p in items:
        by_kind[p.key].append(p)
    own_kind, counts = _grouped_fit(by_kind, threshold)
    if method == "none" or not items:
        return cal.IDENTITY, {}, counts
    pairs = [(p.confidence, p.right) for p in items]
    if method == "every_coarse":
        return tuple(fit_map(pairs, threshold, bins=COARSE_BINS)), {}, counts
    every = tuple(fit_map(pairs, threshold))
    return every, (own_kind if method == "by_kind" else {}), counts


@dataclass(frozen=True)
class MethodScore:
    method: str
    brier: float  # mean squared gap between a held-out item's mapped confidence and its rightness
    ece: float  # of the same held-out confidences


def evidence_method(items: list[Point], threshold: float) -> tuple[str, list[MethodScore]]:
    """The way of mapping evidence that predicts best the rightness of items of runs it was not
    fitted on: leave one seed's run out, fit on the rest, map the run left out, and pool the
    held-out items of every fold. The ways are compared by Brier score, not by ECE: ECE is blind
    to a map that gives every item the same share (a bin's mean can match its share while no
    item's confidence says anything of it), the Brier score is not; the ECE is reported beside
    it. A tie goes to the simpler way; with fewer than two seeds nothing can be held out and the
    items stay unmapped."""
    seeds = sorted({p.seed for p in items})
    if len(seeds) < 2:
        return "none", []
    scores = []
    for method in EVIDENCE_METHODS:
        held_out, squares = Reliability(), 0.0
        for seed in seeds:
            every, by_kind, _ = evidence_maps([p for p in items if p.seed != seed], threshold, method)
            table = cal.CalibrationMap(cal.IDENTITY, {}, every, by_kind)
            for p in items:
                if p.seed == seed:
                    mapped = _calibrated(p, table)
                    held_out.add(mapped, p.right)
                    squares += (mapped - p.right) ** 2
        scores.append(MethodScore(method, round(squares / len(items), 5), round(held_out.ece or 0.0, 4)))
    best = min(scores, key=lambda s: s.brier)  # min keeps the first, the simplest, of equals
    return best.method, scores


@dataclass(frozen=True)
class Fitted:
    table: cal.CalibrationMap
    counts: dict[str, dict]  # values and right of each set of checks
    evidence_counts: dict[str, dict]  # the same of each evidence kind
    evidence_method: str = "by_kind"
    evidence_scores: tuple[MethodScore, ...] = ()


def fit(points: list[Point], threshold: float) -> Fitted:
    by_sig: dict[str, list[Point]] = defaultdict(list)
    for p in points:
        if not p.evidence:
            by_sig[cal.signature(p.checks)].append(p)
    fields = [p for p in points if not p.evidence]
    items = [p for p in points if p.evidence]
    every = tuple(fit_map([(p.confidence, p.right) for p in fields], threshold))
    own, counts = _grouped_fit(by_sig, threshold)
    method, scores = evidence_method(items, threshold)
    every_item, own_kind, evidence_counts = evidence_maps(items, threshold, method)
    return Fitted(cal.CalibrationMap(every, own, every_item, own_kind), counts, evidence_counts, method, tuple(scores))


def _knots_text(knots: cal.Knots) -> str:
    return ", ".join(f"{x:.3f}->{y:.3f}" for x, y in knots)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--fit", nargs="+", type=Path, help="accuracy --work folders of runs on calibration seeds")
    mode.add_argument("--check", nargs="+", type=Path, help="accuracy --work folders of runs on other seeds")
    ap.add_argument("--write", action="store_true", help="with --fit: store the map in " + str(cal.MAP_PATH.relative_to(ROOT)))
    ap.add_argument("--map", type=Path, help="with --check: a map file to check instead of the stored one "
                                             "(an earlier map, to compare on the same values)")
    args = ap.parse_args()
    threshold = load_rulebook().confidence_threshold
    calib = set(seeds_from("calib"))
    points = [p for work in (args.fit or args.check) for p in points_of(work)]
    seeds = sorted({p.seed for p in points})
    if args.fit:
        if not seeds or any(s not in calib for s in seeds):
            raise SystemExit(f"fit only on the calibration seeds of bench/seeds.md; got {seeds}")
        old = dict(cal.check_weights())
        fits = fit_check_weights(readings_of(points, old), old)
        print("check weights fitted (logistic, prior at the file's weight):")
        print("  check                 values  wrong  file   fitted")
        for f in fits:
            print(f"  {f.check:20s} {f.values:7d} {f.wrong:6d}  {f.prior:5.3f}  {f.weight:5.3f}")
        if args.write:
            write_check_weights(fits)
            points = reweighed(points, old, {f.check: f.weight for f in fits})
            print(f"written: {cal.CHECKS_PATH}")
        fitted = fit(points, threshold)
        table, counts, evidence_counts = fitted.table, fitted.counts, fitted.evidence_counts
        fields, items = _split(points)
        print("\n".join(reliability(fields).render()))
        print("map of every value:", _knots_text(table.knots))
        for sig, knots in table.by_checks.items():
            print(f"map of checks {sig} ({counts[sig]['values']} values):", _knots_text(knots))
        print("\n".join(reliability(fields, table).render()))
        print("\n".join(reliability(items).render("evidence confidences")))
        print("evidence maps by way: the items of each seed's run under the map fitted on the others'")
        print("  way           Brier    ECE")
        for score in fitted.evidence_scores:
            print(f"  {score.method:13s} {score.brier:.5f}  {score.ece:.4f}")
        print(f"chosen: {fitted.evidence_method}")
        print("map of every evidence item:", _knots_text(table.evidence))
        for kind, knots in table.evidence_by_kind.items():
            print(f"map of evidence {kind} ({evidence_counts[kind]['values']} items):", _knots_text(knots))
        print("\n".join(reliability(items, table).render("evidence confidences")))
        if args.write:
            cal.MAP_PATH.write_text(json.dumps({
                "about": "Field confidence and checks -> share of values right (extractors/calibration.py), "
                         "fitted by bench/calibrate.py.",
                "fitted_on": seeds, "values": len(fields), "threshold": threshold, "min_values": MIN_VALUES,
                "knots": [[x, y] for x, y in table.knots],
                "by_checks": {sig: {**counts[sig], "knots": [[x, y] for x, y in table.by_checks[sig]]}
                              for sig in table.by_checks},
                "too_few": {sig: c for sig, c in counts.items() if sig not in table.by_checks},
                "evidence": {
                    "about": "An evidence item's confidence -> share of items whose every scored attribute is right.",
                    "values": len(items), "right": sum(p.right for p in items),
                    "method": fitted.evidence_method,
                    "held_out": {score.method: {"brier": score.brier, "ece": score.ece} for score in fitted.evidence_scores},
                    "knots": [[x, y] for x, y in table.evidence],
                    "by_kind": {kind: {**evidence_counts[kind], "knots": [[x, y] for x, y in table.evidence_by_kind[kind]]}
                                for kind in table.evidence_by_kind},
                    # a kind without a map of its own: too few items, or a way without maps by kind
                    "without_own_map": {kind: c for kind, c in evidence_counts.items() if kind not in table.evidence_by_kind},
                },
            }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            print(f"written: {cal.MAP_PATH}")
        return 0
    if any(s in calib for s in seeds):
        raise SystemExit("a calibration seed's run says nothing of the map: check on other seeds")
    table = cal.read_map(json.loads(args.map.read_text(encoding="utf-8"))) if args.map else cal.calibration_map()
    crossed = [p for p in points if (p.confidence >= threshold) != (_calibrated(p, table) >= threshold)]
    fields, items = _split(points)
    before, after = reliability(fields), reliability(fields, table)
    ev_before, ev_after = reliability(items), reliability(items, table)
    print(f"seeds {seeds}: extraction's own confidences")
    print("\n".join(before.render()))
    print("\n".join(ev_before.render("evidence confidences")))
    print(f"under the map {args.map or 'stored'}")
    print("\n".join(after.render()))
    print("\n".join(ev_after.render("evidence confidences")))
    wrong = [p for p in points if not p.right]
    print(json.dumps({"seeds": seeds, "ece_before": before.as_dict()["ece"], "ece_after": after.as_dict()["ece"],
                      "values": before.count, "wrong": sum(not p.evidence for p in wrong),
                      "evidence_ece_before": ev_before.as_dict()["ece"], "evidence_ece_after": ev_after.as_dict()["ece"],
                      "evidence_items": ev_before.count, "evidence_wrong": sum(p.evidence for p in wrong),
                      "crossed_threshold": len(crossed)}))
    for p in wrong:
        print("  wrong:", "evidence" if p.evidence else "field", p.dossier, p.key, p.confidence, p.checks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
