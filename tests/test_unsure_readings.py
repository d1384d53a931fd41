"""A value read below the rulebook's threshold never decides a pass or fail: each rule here reached
a verdict through an optional value (an exemption, an allowance, a document found) and now gives
review when that value is there but unsure (Facts.settled, presence, date witnesses)."""

from __future__ import annotations

import pytest

from tests.rules_builder import Dossier, by_rule, context
from validators.engine import evaluate_dossier
from validators.rulebook import load_rulebook

RB = load_rulebook()
UNSURE = 0.4  # below the rulebook's confidence_threshold
SURE = 0.95


def run(d: Dossier, **ctx):
    return by_rule(evaluate_dossier(d.build(), RB, context(**ctx)))


def test_the_threshold_these_tests_rely_on():
    assert UNSURE < RB.confidence_threshold <= SURE


def _senior_economist(route_conf: float) -> Dossier:
    return (Dossier().set("series", "经济").set("current_title", "高级经济师").set("applied_title", "正高级经济师")
            .set("applied_level", "senior").set("route", "exceptional", conf=route_conf))


def _teacher(edu_conf: float) -> Dossier:
    return (Dossier().set("series", "中小学教师").set("current_title", "二级教师").set("applied_title", "一级教师")
            .set("applied_level", "intermediate").set("post_grade", 12).set("education", "master", conf=edu_conf))


def _city_health(employer_conf: float) -> Dossier:
    return (Dossier().set("series", "卫生").set("region", "市直").set("region_level", "city")
            .set("current_title", "主治医师").set("applied_title", "副主任医师")
            .set("employer_type", "non_public", conf=employer_conf))


def _exceptional(county_conf: float) -> Dossier:
    return (Dossier().set("route", "exceptional").set("current_title", "高级工程师").set("applied_title", "正高级工程师")
            .set("applied_level", "senior").set("county_years", 31, conf=county_conf))


# (rule, dossier with the deciding value read surely, the same read unsurely, outcome when sure)
CASES = [
    ("EXAM_PASSED", _senior_economist(SURE), _senior_economist(UNSURE), "not_applicable"),
    ("TEACHER_POST_GRADE", _teacher(SURE), _teacher(UNSURE), "pass"),
    ("REPRESENTATIVE_WORK", _city_health(SURE), _city_health(UNSURE), "not_applicable"),
    ("EXCEPTIONAL_BASIS", _exceptional(SURE), _exceptional(UNSURE), "review"),
    ("SAME_REGION", Dossier().set("region", "市直").set("region_level", "city"),
     Dossier().set("region", "市直").set("region_level", "city", conf=UNSURE), "fail"),
]


@pytest.mark.parametrize("rule,sure,unsure,when_sure", CASES, ids=[c[0] for c in CASES])
def test_a_deciding_value_read_unsurely_is_review_not_a_verdict(rule, sure, unsure, when_sure):
    assert run(sure)[rule].outcome == when_sure
    got = run(unsure)[rule]
    assert got.outcome == "review", got.message


def test_same_region_fails_on_a_sure_reading_and_defers_on_an_unsure_one():
    # A city unit (市直) in a district batch: region level read surely, a fail; unsurely, review.
    sure = run(Dossier().set("region", "青山区").set("region_level", "county"))["SAME_REGION"]
    assert sure.outcome == "fail"
    unsure = run(Dossier().set("region", "青山区").set("region_level", "city", conf=UNSURE))["SAME_REGION"]
    assert unsure.outcome == "review"


def test_a_listed_document_recognised_only_below_the_threshold_is_neither_found_nor_missing():
    def listing(conf: float) -> Dossier:
        d = Dossier()
        d.evidence[[e.kind for e in d.evidence].index("material_list")].items.append({"no": 4, "name": "毕业证书", "pages": 1})
        return d.doc("diploma", conf=conf)

    assert run(listing(SURE))["MATERIAL_LIST_MATCHES"].outcome == "pass"
    got = run(listing(UNSURE))["MATERIAL_LIST_MATCHES"]
    assert got.outcome == "review" and "毕业证书" in got.message


def _skilled(form_date: str, cert_date: str) -> Dossier:
    d = (Dossier().set("route", "skilled_worker").set("current_title", "无").set("skill_level", "技师")
         .set("skill_level_date", form_date).set("applied_title", "工程师").set("applied_level", "intermediate")
         .set("education", "secondary"))
    return d.doc("skill_cert").ev("skill_cert", title="技师", level="技师", date=cert_date)


def test_skilled_worker_years_stand_only_if_the_form_and_the_certificate_give_them_alike():
    assert run(_skilled("2016-12", "2016-12"))["SENIORITY"].outcome == "pass"
    split = run(_skilled("2016-12", "2017-03"))["SENIORITY"]
    assert split.outcome == "review" and "技能等级证书所载日期2017-03" in split.message
    assert run(_skilled("2017-03", "2017-03"))["SENIORITY"].outcome == "fail"
    # Disagreeing, but short under both: the fail stands.
    assert run(_skilled("2017-03", "2017-06"))["SENIORITY"].outcome == "fail"


def test_recognition_does_not_pass_on_a_specialty_read_unsurely():
    d = (Dossier().set("route", "recognition").set("current_title", "无").set("applied_title", "助理工程师")
         .set("applied_level", "assistant").set("work_start_date", "2015-08").set("graduation_date", "2015-07"))
    assert run(d)["SENIORITY"].outcome == "pass"
    assert run(d.set("specialty", "市政工程", conf=UNSURE))["SENIORITY"].outcome == "review"
