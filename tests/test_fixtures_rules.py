"""The generator's promise, checked with the project's own rule engine and a perfect reader:
clean dossiers pass every rule, and each `fail:` scenario fails exactly its rule."""

from __future__ import annotations

import datetime as dt

import pytest

from dossierflow.batch import RunContext, load_batch_info
from fixtures.generate import generate_batch
from fixtures.oracle import extraction_from_truth
from validators import engine, integrity
from validators import rulebook as rulebook_mod

THRESHOLD = rulebook_mod.load_rulebook().confidence_threshold

# Rules the perfect reader cannot settle: page sizes are not part of truth; without an 评审表
# most eligibility inputs are absent, so they are `review` (the status is `returned` anyway).
UNJUDGEABLE = {"fail:ATTACHMENTS_A4", "fail:EVAL_FORM_PRESENT"}


def _evaluate(root, truth):
    info = load_batch_info(root.name, root / "batch.yaml")
    listed = {b.id_number for b in truth.blacklist}
    ctx = RunContext(batch=info, processing_date=dt.date(2020, 7, 1),
                     blacklist_lookup=lambda idn, on: [{"id_number": idn, "reason": "test"}] if idn in listed else [])
    rb = rulebook_mod.load_rulebook("baotou-2020")
    extractions = {d.dossier_id: extraction_from_truth(d) for d in truth.dossiers}
    findings = {did: engine.evaluate_dossier(ex, rb, ctx) for did, ex in extractions.items()}
    engine.evaluate_batch(extractions, findings, rb, info)
    return findings


def test_clean_dossiers_pass_every_rule(tmp_path):
    root = tmp_path / "clean"
    truth = generate_batch(root, n=16, seed=41, forms=["docx"])
    findings = _evaluate(root, truth)
    for d in truth.dossiers:
        bad = [(f.rule, f.outcome, f.message) for f in findings[d.dossier_id] if f.outcome in ("fail", "review")]
        assert bad == [], (d.dossier_id, d.fields["route"], d.fields["series"], bad)


@pytest.fixture(scope="module")
def every_scenario(tmp_path_factory):
    root = tmp_path_factory.mktemp("fx") / "all"
    return root, generate_batch(root, n=0, seed=42, forms=["docx"], scenarios="all")


def test_each_scenario_fails_exactly_its_rules(every_scenario):
    root, truth = every_scenario
    findings = _evaluate(root, truth)
    for d in truth.dossiers:
        if d.scenario in UNJUDGEABLE:
            continue
        fs = findings[d.dossier_id]
        assert sorted(f.rule for f in fs if f.outcome == "fail") == sorted(d.expected_fail_rules), d.scenario
        assert sorted(f.rule for f in fs if f.outcome == "review") == sorted(d.expected_review_rules), d.scenario


# Flags that need page images, file structure or page text, which truth does not carry.
NEEDS_FILES = {"DUPLICATE_ATTACHMENT", "PDF_EDITED", "TEXT_REUSE"}


def test_each_scenario_raises_exactly_its_flags(every_scenario):
    root, truth = every_scenario
    info = load_batch_info(root.name, root / "batch.yaml")
    listed = {b.id_number for b in truth.blacklist}
    ctx = RunContext(batch=info, processing_date=dt.date(2020, 7, 1),
                     blacklist_lookup=lambda idn, on: [{"id_number": idn, "reason": "test"}] if idn in listed else [])
    extractions = {d.dossier_id: extraction_from_truth(d) for d in truth.dossiers}
    cross = integrity.cross_flags(extractions, None, root.name, 2020, THRESHOLD)
    for d in truth.dossiers:
        if set(d.expected_flags) & NEEDS_FILES:
            continue
        got = {f.code for f in integrity.dossier_flags(extractions[d.dossier_id], ctx, THRESHOLD)}
        got |= {f.code for f in cross.get(d.dossier_id, [])}
        assert sorted(got) == sorted(d.expected_flags), d.scenario


def _assert_truth(root, truth):
    from validators.status import derive_status

    findings = _evaluate(root, truth)
    for d in truth.dossiers:
        fs = findings[d.dossier_id]
        assert sorted(f.rule for f in fs if f.outcome == "fail") == sorted(d.expected_fail_rules), d.scenario
        assert sorted(f.rule for f in fs if f.outcome == "review") == sorted(d.expected_review_rules), d.scenario
        if not d.expected_flags:
            assert derive_status(fs, []) == d.expected_status, d.scenario
    return findings


def test_a_batch_without_its_report_is_returned_whole(tmp_path):
    """二（三）: 须报送申报情况报告……否者，不予接收材料."""
    root = tmp_path / "noreport"
    truth = generate_batch(root, n=3, seed=43, forms=["docx"], scenarios="batch:BATCH_PAPERS")
    assert "report" not in truth.batch_yaml
    _assert_truth(root, truth)
    assert {d.expected_status for d in truth.dossiers} == {"returned"}


def test_a_late_county_batch_warns_its_senior_dossiers(tmp_path):
    """二（八）: 各旗县区在6月20日前完成高级职称组织申报工作."""
    root = tmp_path / "late"
    truth = generate_batch(root, n=3, seed=44, forms=["docx"],
                           scenarios="fail:SENIORITY,fail:EDUCATION_MINIMUM,batch:SUBMISSION_DEADLINE")
    assert truth.batch_yaml["region"] != "市直" and truth.batch_yaml["submitted_on"] > "2020-06-20"
    _assert_truth(root, truth)
    late = [d for d in truth.dossiers if "SUBMISSION_DEADLINE" in d.expected_fail_rules]
    assert len(late) >= 2 and {d.expected_status for d in late} == {"rejected"}


POLICY_SCENARIOS = ("pass:EXAM_PASSED:hubei,fail:EXAM_PASSED:fever_clinic,fail:EXCEPTIONAL_BASIS:city_honour,"
                    "pass:EXCEPTIONAL_BASIS:science_award,fail:EXCEPTIONAL_BASIS:city_prizes,"
                    "pass:EXCEPTIONAL_BASIS:county_prizes,review:EVALUATION_CHANNEL:district,"
                    "pass:EVALUATION_CHANNEL:banner,fail:SENIORITY:junior_non_public")


@pytest.mark.parametrize("seed", [45, 46])
def test_policy_scenarios_meet_their_truth(tmp_path, seed):
    """Issue 18's cases end to end through the perfect reader: a Hubei doctor without an exam
    certificate is accepted, a fever-clinic one rejected; a 市直 worker's two industry prizes carry
    no 破格; an urban district's 主治医师 is review, a banner's accepted; and so on."""
    root = tmp_path / "policy"
    truth = generate_batch(root, n=0, seed=seed, forms=["docx"], scenarios=POLICY_SCENARIOS)
    findings = _assert_truth(root, truth)
    by = {d.scenario: findings[d.dossier_id] for d in truth.dossiers}
    exam = {f.rule: f for f in by["pass:EXAM_PASSED:hubei"]}["EXAM_PASSED"]
    assert exam.outcome == "not_applicable" and "援鄂" in exam.message
    basis = {f.rule: f for f in by["fail:EXCEPTIONAL_BASIS:city_prizes"]}["EXCEPTIONAL_BASIS"]
    assert "市直" in basis.message
    assert "（8）" in {f.rule: f for f in by["pass:EXCEPTIONAL_BASIS:science_award"]}["EXCEPTIONAL_BASIS"].message


def test_an_exceptional_applicant_in_a_bucket_over_its_quota_is_not_counted(tmp_path):
    """一（六）2（3）: 符合“（五）规范破格申报”条件的人员不受岗位数额（比例）限制参加评审. One bucket of
    the post table allows nobody: the regular applicant in it is counted and returned, the 破格
    one (on a basis of 一（五）) is not counted and is accepted."""
    root = tmp_path / "quota"
    truth = generate_batch(root, n=0, seed=47, forms=["docx"],
                           scenarios="fail:POST_QUOTA:counted,pass:POST_QUOTA:exceptional")
    line = next(p for p in truth.batch_yaml["posts"] if p.get("series") == "农牧业")
    assert line["level"] == "deputy_senior" and line["vacant"] == 0 and line["established"] < 20
    findings = _assert_truth(root, truth)
    by = {d.scenario: {f.rule: f for f in findings[d.dossier_id]} for d in truth.dossiers}
    exempt = by["pass:POST_QUOTA:exceptional"]["POST_QUOTA"]
    assert exempt.outcome == "not_applicable" and "“（五）规范破格申报”" in exempt.message and "一（六）2（3）" in exempt.message
    counted = by["fail:POST_QUOTA:counted"]["POST_QUOTA"]
    assert counted.outcome == "fail" and "计入申报1人" in counted.message
    assert {d.scenario: d.expected_status for d in truth.dossiers} == {
        "fail:POST_QUOTA:counted": "returned", "pass:POST_QUOTA:exceptional": "accepted"}
