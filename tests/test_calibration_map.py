"""The calibration map (extractors/data/calibration.json): fitted on calibration runs, monotone,
keeping every confidence on its side of the rulebook's threshold, applied once to the finished
fields of an extraction."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from dossierflow.config import Limits
from dossierflow.inputs import DossierInput, InputFile
from dossierflow.models import DecisionRef, FieldValue, FileInfo, Source
from extractors import calibration as cal
from extractors.dossier import extract_dossier
from fixtures.calibration import Reliability, fit_map
from tests.test_evidence import page as evidence_page
from tests.test_fields import FOUR_COL, pt_page
from validators.rulebook import load_rulebook

THRESHOLD = load_rulebook().confidence_threshold
GRID = [i / 1000 for i in range(1001)]


def test_the_stored_map_was_fitted_against_the_rulebooks_threshold_and_keeps_its_sides() -> None:
    stored = json.loads(cal.MAP_PATH.read_text(encoding="utf-8"))
    assert stored["threshold"] == THRESHOLD
    mapped = [cal.calibrate(c) for c in GRID]
    assert all(a <= b for a, b in zip(mapped, mapped[1:]))
    assert all((c >= THRESHOLD) == (m >= THRESHOLD) for c, m in zip(GRID, mapped))


def _points(seed: int = 7) -> list[tuple[float, bool]]:
    rng = random.Random(seed)
    # under-confident at the top (0.96 stated, 99% right), few values lower down, and a low bin
    # whose values all happen to be right
    return ([(0.96, rng.random() < 0.99) for _ in range(400)] + [(0.85, rng.random() < 0.9) for _ in range(20)]
            + [(0.55, True)] * 6 + [(0.45, False), (0.42, True)])


def test_the_fit_lowers_the_calibration_error_it_was_fitted_on() -> None:
    points = _points()
    knots = tuple(fit_map(points, THRESHOLD))
    before, after = Reliability(), Reliability()
    for c, ok in points:
        before.add(c, ok)
        after.add(cal.calibrate(c, (), cal.CalibrationMap(knots)), ok)
    assert after.ece < before.ece


def test_the_fit_keeps_each_confidence_on_its_side_of_the_threshold() -> None:
    # Six right values at 0.55 would lift that bin above the threshold: the fit keeps it below.
    knots = tuple(fit_map(_points(), THRESHOLD))
    mapped = [cal.calibrate(c, (), cal.CalibrationMap(knots)) for c in GRID]
    assert all(a <= b for a, b in zip(mapped, mapped[1:]))
    assert all((c >= THRESHOLD) == (m >= THRESHOLD) for c, m in zip(GRID, mapped))
    assert cal.calibrate(0.0, (), cal.CalibrationMap(knots)) == 0.0 and cal.calibrate(1.0, (), cal.CalibrationMap(knots)) == 1.0


def test_a_bin_of_few_values_stays_near_its_own_confidence() -> None:
    knots = tuple(fit_map([(0.96, True)] * 400 + [(0.75, False)] * 2, THRESHOLD))
    # two wrong values at 0.75 pull it down by 2/12 of the way to 0, not to 0
    assert cal.calibrate(0.75, (), cal.CalibrationMap(knots)) == pytest.approx(0.75 * 10 / 12, abs=0.002)


def test_calibration_is_applied_to_the_finished_fields_and_not_to_a_reviewers_decision(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(cal, "calibration_map", lambda: cal.CalibrationMap(((0.0, 0.0), (1.0, 0.5))))
    page = pt_page(FOUR_COL, file="A1/评审表.pdf")

    def reader(f, limits, pages=None):
        return FileInfo(path=f.rel, sha256=f.sha256, size=f.size, kind="pdf", pages=1), [page]

    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    dossier = DossierInput("A1", "A1", files=[InputFile("A1/评审表.pdf", tmp_path / "a.pdf", "0" * 64, 8)])
    ex = extract_dossier(dossier, Limits(), reader)
    assert ex.fields["name"].value == "王秀英" and ex.fields["name"].confidence == pytest.approx(0.95 / 2, abs=0.001)
    assert all(fv.confidence <= 0.5 for form in ex.form_fields.values() for fv in form.values())
    decided = FieldValue(value="x", confidence=1.0, source=Source(file="a"),
                         decision=DecisionRef(kind="correction", seq=1, reviewer="r", decided_at="2020-06-01", reason="核对原件"))
    assert cal.calibrate_fields({"k": decided})["k"].confidence == 1.0


def pledge_page(file: str):
    return evidence_page([["职称申报诚信承诺书"], ["本人郑重承诺……"], ["承诺人（签名）：王秀英"], ["日期：2020年5月21日"]], file=file)


def test_evidence_confidences_take_the_map_of_their_kind(monkeypatch, tmp_path: Path) -> None:
    halve = ((0.0, 0.0), (1.0, 0.5))
    monkeypatch.setattr(cal, "calibration_map", lambda: cal.CalibrationMap(cal.IDENTITY, evidence=cal.IDENTITY,
                                                                           evidence_by_kind={"pledge": halve}))
    pledge = pledge_page("A1/承诺书.pdf")

    def reader(f, limits, pages=None):
        return FileInfo(path=f.rel, sha256=f.sha256, size=f.size, kind="pdf", pages=1), [pledge]

    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    dossier = DossierInput("A1", "A1", files=[InputFile("A1/承诺书.pdf", tmp_path / "a.pdf", "0" * 64, 8)])
    read = extract_dossier(dossier, Limits(), reader)
    [item] = [e for e in read.evidence if e.kind == "pledge"]
    assert item.signer == "王秀英" and item.confidence == pytest.approx(0.95 / 2, abs=0.001)
    # another kind takes the map of every item (here the identity)
    assert cal.calibrate_evidence_item(0.9, "diploma") == 0.9


def test_the_stored_evidence_maps_keep_every_confidence_on_its_side_of_the_threshold() -> None:
    table = cal.calibration_map()
    for knots in (table.evidence, *table.evidence_by_kind.values()):
        mapped = [cal.apply_knots(c, knots) for c in GRID]
        assert all(a <= b for a, b in zip(mapped, mapped[1:]))
        assert all((c >= THRESHOLD) == (m >= THRESHOLD) for c, m in zip(GRID, mapped))
