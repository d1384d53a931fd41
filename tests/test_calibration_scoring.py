"""The accuracy benchmark's calibration figures: field confidences binned against correctness."""

from __future__ import annotations

import pytest

from fixtures.calibration import Reliability
from fixtures.scoring import score
from tests.test_fixtures import _hand_truth


def test_ece_is_the_count_weighted_gap_between_confidence_and_accuracy() -> None:
    r = Reliability()
    for conf, right in [(0.95, True), (0.95, True), (0.95, False), (0.95, True), (0.45, False), (0.45, True)]:
        r.add(conf, right)
    # bin 0.9: 4 values at 0.95, 3 right (0.75); bin 0.4: 2 values at 0.45, 1 right (0.5)
    assert r.ece == pytest.approx(4 / 6 * 0.2 + 2 / 6 * 0.05)
    assert r.merge(Reliability()).ece == pytest.approx(r.ece)
    assert Reliability.from_dict(r.as_dict()).ece == pytest.approx(r.ece)
    assert Reliability().ece is None
    r.add(1.0, True)  # a confidence of 1 falls in the top bin
    assert r.bins[-1].count == 5


def test_scoring_bins_each_given_field_confidence_by_whether_the_value_is_right() -> None:
    results = {
        "A1": {"dossier_id": "A1", "status": "accepted",
               "fields": {"name": {"value": "张三", "confidence": 0.98}, "birth_date": {"value": "1980-05-01", "confidence": 0.91},
                          "county_years": {"value": 3, "confidence": 0.55}}},
        "A2": {"dossier_id": "A2", "status": "rejected", "fields": {"name": {"value": "李四", "confidence": 0.3}}},
    }
    rep = score(results, _hand_truth())
    # name 0.98 right, birth_date 0.91 wrong, county_years 0.55 right, A2 name 0.3 right; absent values not counted
    assert rep.reliability.count == 4
    assert sorted(rep.confidence_points) == [("birth_date", 0.91, False), ("county_years", 0.55, True),
                                             ("name", 0.3, True), ("name", 0.98, True)]
    # 0.98 and 0.91 share a bin (half right at a mean 0.945); 0.55 and 0.3 are alone in theirs
    assert rep.reliability.ece == pytest.approx((2 * abs(0.5 - 0.945) + abs(1 - 0.55) + abs(1 - 0.3)) / 4)
    assert rep.as_dict()["calibration"]["values"] == 4
    assert "ECE" in rep.render()
