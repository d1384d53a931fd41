"""Eligibility rules other than seniority."""

from __future__ import annotations

import datetime as dt

from tests.rules_builder import Dossier, by_rule, context
from validators.engine import evaluate_dossier
from validators.rulebook import load_rulebook
from validators.status import derive_status

RB = load_rulebook()


def run(d: Dossier, **ctx):
    return by_rule(evaluate_dossier(d.build(), RB, context(**ctx)))


def test_civil_servants_and_retired_are_rejected():
    for status in ("civil_servant", "civil_servant_managed", "retired"):
        findings = evaluate_dossier(Dossier().set("person_status", status).build(), RB, context())
        assert by_rule(findings)["STATUS_ALLOWED"].outcome == "fail"
        assert derive_status(findings, []) == "rejected"
    assert run(Dossier().set("person_status", "military_transfer"))["STATUS_ALLOWED"].outcome == "pass"
    assert run(Dossier().drop("person_status"))["STATUS_ALLOWED"].outcome == "review"


def test_evaluation_channel_exam_only_series():
    assert run(Dossier().set("series", "计算机"))["EVALUATION_CHANNEL"].outcome == "fail"
    d = Dossier().set("series", "会计").set("applied_title", "会计师").set("applied_level", "intermediate")
    assert run(d)["EVALUATION_CHANNEL"].outcome == "fail"
    assert run(Dossier().set("series", "会计").set("applied_title", "高级会计师"))["EVALUATION_CHANNEL"].outcome == "pass"
    assert run(Dossier().set("series", "蒙语翻译"))["EVALUATION_CHANNEL"].outcome == "pass"


def test_health_below_deputy_only_at_county_or_township():
    d = Dossier().set("series", "卫生").set("applied_title", "主治医师").set("applied_level", "intermediate")
    assert run(d.set("region_level", "city"))["EVALUATION_CHANNEL"].outcome == "fail"
    assert run(d.set("region_level", "county"))["EVALUATION_CHANNEL"].outcome == "pass"
    assert run(d.set("region_level", "township"))["EVALUATION_CHANNEL"].outcome == "pass"


def test_exam_required_for_combined_series_except_exceptional_senior():
    d = Dossier().set("series", "经济").set("applied_title", "高级经济师")
    f = run(d)["EXAM_PASSED"]
    assert f.outcome == "fail" and "考试" in f.message
    assert run(d.doc("exam_cert").ev("exam_cert", exam="高级经济实务", result="合格"))["EXAM_PASSED"].outcome == "pass"
    assert run(Dossier().set("series", "经济").set("applied_title", "高级经济师").doc("exam_cert")
               .ev("exam_cert", result="不合格"))["EXAM_PASSED"].outcome == "fail"
    senior = Dossier().set("series", "经济").set("applied_title", "正高级经济师").set("applied_level", "senior").set("route", "exceptional")
    assert run(senior)["EXAM_PASSED"].outcome == "not_applicable"
    assert run(senior.set("route", "regular"))["EXAM_PASSED"].outcome == "fail"
    assert run(Dossier())["EXAM_PASSED"].outcome == "not_applicable"


def test_education_cutoff_boundary():
    assert run(Dossier().set("graduation_date", "2019-12-31"))["EDUCATION_CUTOFF"].outcome == "pass"
    assert run(Dossier().set("graduation_date", "2020-01-01"))["EDUCATION_CUTOFF"].outcome == "fail"
    assert run(Dossier().set("graduation_date", "2020-01"))["EDUCATION_CUTOFF"].outcome == "fail"


def test_education_minimum_and_the_30_20_year_waiver():
    d = Dossier().set("education", "associate")
    assert run(d)["EDUCATION_MINIMUM"].outcome == "fail"
    assert run(d.set("county_years", 30))["EDUCATION_MINIMUM"].outcome == "pass"
    assert run(Dossier().set("education", "associate").set("county_years", 29))["EDUCATION_MINIMUM"].outcome == "fail"
    assert run(Dossier().set("education", "associate").set("township_years", 20))["EDUCATION_MINIMUM"].outcome == "pass"
    assert run(Dossier().set("education", "associate").set("township_years", 19))["EDUCATION_MINIMUM"].outcome == "fail"
    inter = Dossier().set("education", "associate").set("applied_title", "工程师").set("applied_level", "intermediate")
    assert run(inter)["EDUCATION_MINIMUM"].outcome == "not_applicable"
    assert run(Dossier().set("education", "secondary").set("route", "skilled_worker"))["EDUCATION_MINIMUM"].outcome == "not_applicable"


def test_senior_teachers_are_review_this_year():
    d = (Dossier().set("series", "中小学教师").set("applied_title", "正高级教师").set("applied_level", "senior")
         .set("current_title", "高级教师").set("post_grade", 5))
    f = run(d)["SENIOR_TEACHER_QUOTA"]
    assert f.outcome == "review" and "另行通知" in f.message
    assert run(Dossier())["SENIOR_TEACHER_QUOTA"].outcome == "not_applicable"


def _teacher(level: str, grade: int, edu: str = "bachelor") -> Dossier:
    titles = {"intermediate": ("二级教师", "一级教师"), "deputy_senior": ("一级教师", "高级教师"), "senior": ("高级教师", "正高级教师")}
    cur, applied = titles[level]
    return (Dossier().set("series", "中小学教师").set("current_title", cur).set("applied_title", applied)
            .set("applied_level", level).set("post_grade", grade).set("education", edu))


def test_teacher_post_grade_table_and_master_allowance():
    assert run(_teacher("deputy_senior", 8))["TEACHER_POST_GRADE"].outcome == "pass"
    f = run(_teacher("deputy_senior", 9))["TEACHER_POST_GRADE"]
    assert f.outcome == "fail" and "8级" in f.message
    assert run(_teacher("intermediate", 11))["TEACHER_POST_GRADE"].outcome == "pass"
    assert run(_teacher("intermediate", 12))["TEACHER_POST_GRADE"].outcome == "fail"
    assert run(_teacher("intermediate", 12, "master"))["TEACHER_POST_GRADE"].outcome == "pass"
    assert run(_teacher("senior", 5))["TEACHER_POST_GRADE"].outcome == "pass"
    assert run(_teacher("senior", 6))["TEACHER_POST_GRADE"].outcome == "fail"
    assert run(_teacher("deputy_senior", 8).drop("post_grade"))["TEACHER_POST_GRADE"].outcome == "review"


def _exceptional(level: str = "senior") -> Dossier:
    d = Dossier().set("route", "exceptional")
    if level == "senior":
        d.set("current_title", "高级工程师").set("applied_title", "正高级工程师").set("applied_level", "senior")
    return d


def test_exceptional_to_senior_needs_a_listed_honour_dated_in_time():
    assert run(_exceptional())["EXCEPTIONAL_BASIS"].outcome == "fail"
    ok = _exceptional().doc("honor").ev("honor", title="享受国务院政府特殊津贴人员", date="2018-12")
    f = run(ok)["EXCEPTIONAL_BASIS"]
    assert f.outcome == "pass" and f.sources
    late = _exceptional().doc("honor").ev("honor", title="享受国务院政府特殊津贴人员", date="2020-06-11")
    assert run(late)["EXCEPTIONAL_BASIS"].outcome == "fail"
    award = _exceptional().doc("award").ev("award", title="内蒙古自治区科学技术进步奖", level="自治区级", grade="一等奖", date="2019-03")
    assert run(award)["EXCEPTIONAL_BASIS"].outcome == "pass"
    second = _exceptional().doc("award").ev("award", title="内蒙古自治区科学技术进步奖", level="自治区级", grade="二等奖", date="2019-03")
    # A region second prize is a one-level-up basis only for county-or-below workers (一（五）2（1））.
    assert run(second)["EXCEPTIONAL_BASIS"].outcome == "pass"
    assert run(second.set("region_level", "city"))["EXCEPTIONAL_BASIS"].outcome == "fail"


def test_exceptional_one_level_up_county_second_prize():
    d = _exceptional("deputy").set("current_title_date", "2018-01")
    d.doc("award").ev("award", title="内蒙古自治区科学技术进步奖", level="自治区级", grade="二等奖", date="2019-03")
    assert run(d)["EXCEPTIONAL_BASIS"].outcome == "pass"  # baseline works at county level
    assert run(d.set("region_level", "city"))["EXCEPTIONAL_BASIS"].outcome == "fail"


def test_exceptional_other_bases_are_review():
    d = _exceptional().set("township_years", 20)
    assert run(d)["EXCEPTIONAL_BASIS"].outcome == "review"
    g = _exceptional().doc("honor").ev("honor", title="自治区急需紧缺人才绿色通道认定", date="2019-05")
    assert run(g)["EXCEPTIONAL_BASIS"].outcome == "review"
    assert run(Dossier())["EXCEPTIONAL_BASIS"].outcome == "not_applicable"


def test_blacklist_lookup_hit_fails_with_masked_id():
    calls = []

    def lookup(number: str, day: dt.date) -> list[dict]:
        calls.append((number, day))
        return [{"entry_id": 7, "id_masked": "150203********1229", "kind": "fraud", "clause": "二（一）5",
                 "reason": "弄虚作假", "start_date": "2018-05-01", "expiry_date": "2023-05-01"}]

    f = run(Dossier(), lookup=lookup)["NOT_BLACKLISTED"]
    assert f.outcome == "fail" and "150203********1229" in f.message and "150203198503011229" not in f.message
    assert "2023-05-01" in f.message and f.details["entries"] == [7]
    assert calls == [("150203198503011229", dt.date(2020, 6, 10))]
    assert run(Dossier(), lookup=lambda n, d: [])["NOT_BLACKLISTED"].outcome == "pass"


def test_blacklist_without_database_passes_with_note_and_outage_is_review():
    f = run(Dossier())["NOT_BLACKLISTED"]
    assert f.outcome == "pass" and "未查询" in f.message and f.details["consulted"] is False

    def broken(number: str, day: dt.date) -> list[dict]:
        raise ConnectionError("db down")

    assert run(Dossier(), lookup=broken)["NOT_BLACKLISTED"].outcome == "review"


def test_same_region_for_public_institutions_only():
    assert run(Dossier())["SAME_REGION"].outcome == "pass"
    f = run(Dossier().set("region", "青山区"))["SAME_REGION"]
    assert f.outcome == "fail" and "青山区" in f.message
    assert run(Dossier().set("region", "青山区").set("employer_type", "non_public"))["SAME_REGION"].outcome == "not_applicable"
    assert run(Dossier(), region=None)["SAME_REGION"].outcome == "not_applicable"
    city = Dossier().set("region", "市直").set("region_level", "city")
    assert run(city, region="市直")["SAME_REGION"].outcome == "pass"
    assert run(city)["SAME_REGION"].outcome == "fail"


def test_exceptional_one_level_up_two_first_prizes_counted_together():
    d = _exceptional("deputy").set("region_level", "city")
    d.doc("award").ev("award", title="包头市科学技术进步奖", level="市级", grade="一等奖", date="2017-03")
    assert run(d)["EXCEPTIONAL_BASIS"].outcome == "fail"
    d.doc("award").ev("award", title="内蒙古自治区建设行业科技进步奖", level="自治区级", grade="一等奖", date="2018-09")
    # an autonomous-region first prize is already a senior basis; from 工程师, one level up is allowed
    assert run(d)["EXCEPTIONAL_BASIS"].outcome == "pass"
    two_city = _exceptional("deputy").set("region_level", "city")
    for year in ("2016-03", "2018-03"):
        two_city.doc("award").ev("award", title="包头市科学技术进步奖", level="市级", grade="一等奖", date=year)
    assert run(two_city)["EXCEPTIONAL_BASIS"].outcome == "pass"


def test_exceptional_cannot_jump_two_levels_with_a_one_level_basis():
    d = _exceptional("deputy").set("current_title", "助理工程师")
    d.doc("honor").ev("honor", title="自治区321人才工程二层次人选", date="2019-01")
    f = run(d)["EXCEPTIONAL_BASIS"]
    assert f.outcome == "fail" and "高一级" in f.message


def test_low_confidence_id_number_is_review_and_shown_masked():
    f = run(Dossier().set("id_number", "150203198503011229", conf=0.3))["NOT_BLACKLISTED"]
    assert f.outcome == "review" and "150203********1229" in f.message and "198503" not in f.message


def test_technical_school_class_counts_as_its_education_level():
    from dossierflow.models import FieldValue
    from tests.rules_builder import src

    d = Dossier().set("education", "secondary")
    assert run(d)["EDUCATION_MINIMUM"].outcome == "fail"
    ex = d.build()
    ex.fields["education"] = FieldValue(value="secondary", confidence=0.95, source=src(), raw="技工学校预备技师班")
    f = by_rule(evaluate_dossier(ex, RB, context()))["EDUCATION_MINIMUM"]
    assert f.outcome == "pass" and "本科" in f.message


def test_township_unit_belongs_to_its_banner_for_same_region():
    d = Dossier().set("region", "土默特右旗萨拉齐镇").set("region_level", "township")
    assert run(d, region="土默特右旗")["SAME_REGION"].outcome == "pass"
    assert run(d, region="固阳县")["SAME_REGION"].outcome == "fail"
