"""The accuracy benchmark's calibration figures: field confidences binned against correctness."""

from __future__ import annotations

import pytest

from fixtures.calibration import Reliability
from fixtures.scoring import score, score_evidence_confidences, scored_evidence
from fixtures.truth import EvidenceTruth, SourceTruth
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


def _ev(kind: str, page: int, confidence: float = 0.9, file: str = "A1/a.pdf", **attrs) -> dict:
    return {"kind": kind, "source": {"file": file, "page": page}, "confidence": confidence, **attrs}


def test_an_evidence_item_is_right_when_every_attribute_it_read_is_the_truths() -> None:
    truth = [
        EvidenceTruth(kind="claimed_paper", source=SourceTruth(file="A1/a.pdf", page=2), title="论文甲", date="2019-03"),
        EvidenceTruth(kind="claimed_paper", source=SourceTruth(file="A1/a.pdf", page=2), title="论文乙", date="2018-01"),
        EvidenceTruth(kind="paper", source=SourceTruth(file="A1/a.pdf", page=3), title="论文甲", authors=["张三", "李四"]),
        EvidenceTruth(kind="ce_card", source=SourceTruth(file="A1/a.pdf", page=4), hours={"2019": {"public": 36.0}}),
        EvidenceTruth(kind="photo", source=SourceTruth(file="A1/p.jpg", page=1)),
    ]
    got = [
        _ev("claimed_paper", 2, title="论文乙", date="2018-01"),  # the page's second claim, read right
        _ev("claimed_paper", 2, title="论文甲", date="2019-08"),  # the first claim, its date misread
        _ev("paper", 3, title="论文甲", authors=["张三", "李四"], journal="未在真值中"),  # an attribute the truth lacks
        _ev("ce_card", 4, hours={"2019": {"public": 30.0}}),  # a table, one cell wrong
        _ev("ce_card", 4, file="A1/other.pdf", hours={"2019": {"public": 36.0}}),  # where the truth has none
        _ev("photo", 1, file="A1/p.jpg", photo=True),  # the truth states nothing to read
        _ev("work_summary", 5, text="……"),
        _ev("paper", 3, title=None),  # nothing read that the truth states
    ]
    scored = scored_evidence(truth, got)
    assert [(g["kind"], g.get("title"), right) for g, right in scored] == [
        ("claimed_paper", "论文乙", True), ("claimed_paper", "论文甲", False), ("paper", "论文甲", True), ("ce_card", None, False)]


def test_scoring_bins_each_scored_evidence_confidence_from_the_runs_extraction() -> None:
    # results.jsonl writes no evidence confidence: the run's extraction gives them
    results = {"A1": {"dossier_id": "A1", "status": "accepted", "fields": {}, "evidence": [_ev("paper", 3, title="论文甲")]}}
    rep = score(results, _hand_truth())
    assert rep.evidence_reliability.count == 0
    score_evidence_confidences(rep, _hand_truth(), {"A1": [_ev("paper", 3, 0.95, title="论文甲"),
                                                           _ev("diploma", 4, 0.85, holder="张二")]})
    assert rep.evidence_reliability.count == 2
    # one right at 0.95, one wrong at 0.85, in their own bins
    assert rep.evidence_reliability.ece == pytest.approx((0.05 + 0.85) / 2)
    assert rep.as_dict()["evidence_calibration"]["values"] == 2
    assert "evidence confidences: ECE" in rep.render()
