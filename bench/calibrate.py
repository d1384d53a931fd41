"""Fit the map from field confidence to the share of values right (extractors/data/calibration.json).

    python bench/calibrate.py --fit RUN.json [RUN.json …] [--write]
        pools the field confidences of `bench/accuracy.py --json` runs on the calibration seeds
        (bench/seeds.md, the `calib` list: a run on any other seed is refused), fits a monotone
        map kept on each side of the rulebook's confidence threshold (fixtures/calibration.py),
        prints it with the calibration error it leaves on those runs, and with --write stores it
    python bench/calibrate.py --check RUN.json [RUN.json …]
        the calibration error of runs (evaluation seeds) under the stored map, applied to the
        confidences the runs reported (made without it), and whether any value would cross the
        threshold (none can: the fit keeps each side)

Both take runs whose confidences are extraction's own: runs made with the identity map (set
extractors/data/calibration.json's knots to [[0, 0], [1, 1]] first), or a map would be fitted or
applied on top of itself.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench.accuracy import seeds_from  # noqa: E402
from extractors.calibration import MAP_PATH, calibrate  # noqa: E402
from fixtures.calibration import Reliability, fit_map  # noqa: E402
from validators.rulebook import load_rulebook  # noqa: E402


def points_of(paths: list[Path]) -> tuple[list[tuple[str, float, bool]], list[int]]:
    points: list[tuple[str, float, bool]] = []
    seeds: list[int] = []
    for path in paths:
        doc = json.loads(path.read_text(encoding="utf-8"))
        for name, batch in doc["batches"].items():
            m = re.match(r"seed (\d+)$", name)
            seeds.append(int(m.group(1)) if m else -1)
            points += [(k, float(c), bool(ok)) for k, c, ok in batch["confidence_points"]]
    return points, seeds


def reliability(points: list[tuple[str, float, bool]], knots: list[tuple[float, float]] | None = None) -> Reliability:
    r = Reliability()
    for _, c, ok in points:
        r.add(calibrate(c, tuple(knots)) if knots else c, ok)
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--fit", nargs="+", type=Path, help="accuracy --json runs on calibration seeds")
    mode.add_argument("--check", nargs="+", type=Path, help="accuracy --json runs on evaluation seeds")
    ap.add_argument("--write", action="store_true", help="with --fit: store the map in " + str(MAP_PATH.relative_to(ROOT)))
    args = ap.parse_args()
    threshold = load_rulebook().confidence_threshold
    if args.fit:
        points, seeds = points_of(args.fit)
        allowed = set(seeds_from("calib"))
        if not seeds or any(s not in allowed for s in seeds):
            raise SystemExit(f"fit only on the calibration seeds of bench/seeds.md; got {seeds}")
        knots = fit_map([(c, ok) for _, c, ok in points], threshold)
        before, after = reliability(points), reliability(points, knots)
        print("\n".join(before.render()))
        print("fitted map (confidence -> share right):", ", ".join(f"{x:.3f}->{y:.3f}" for x, y in knots))
        print("\n".join(after.render()))
        if args.write:
            MAP_PATH.write_text(json.dumps({
                "about": "Field confidence -> share of values right (extractors/calibration.py), fitted by bench/calibrate.py.",
                "fitted_on": sorted(set(seeds)), "values": len(points), "threshold": threshold,
                "knots": [[x, y] for x, y in knots]}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            print(f"written: {MAP_PATH}")
        return 0
    stored = json.loads(MAP_PATH.read_text(encoding="utf-8"))
    knots = [(float(x), float(y)) for x, y in stored["knots"]]
    points, seeds = points_of(args.check)
    calib = set(seeds_from("calib"))
    if any(s in calib for s in seeds):
        raise SystemExit("a calibration seed's run says nothing of the map: check on evaluation seeds")
    crossed = [(k, c) for k, c, _ in points if (c >= threshold) != (calibrate(c, tuple(knots)) >= threshold)]
    before, after = reliability(points), reliability(points, knots)
    print(f"seeds {seeds}: before the map")
    print("\n".join(before.render()))
    print("after the map")
    print("\n".join(after.render()))
    print(json.dumps({"seeds": seeds, "ece_before": before.as_dict()["ece"], "ece_after": after.as_dict()["ece"],
                      "values": before.count, "crossed_threshold": len(crossed)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
