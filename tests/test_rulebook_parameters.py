"""Every rulebook parameter drives the behaviour it names: for each one, a dossier whose outcome
changes when only that parameter changes. `test_every_parameter_has_a_case` keeps the table
complete, so a parameter added to a rule's model without a case here fails the suite."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Callable

import pytest
import yaml

from dossierflow.batch import PostLine
from dossierflow.models import FieldValue, PhotoInfo
from tests.rules_builder import Dossier, batch_info, by_rule, context, src
from validators.engine import evaluate_batch, evaluate_dossier
from validators.rulebook import RULEBOOK_DIR, Rulebook, load_rulebook

RB = load_rulebook()


def changed(rule: str, **changes: Any) -> Rulebook:
    spec = RB.spec(rule)
    params = type(spec.params).model_validate({**spec.params.model_dump(), **changes})
    return dataclasses.replace(RB, rules={**RB.rules, rule: dataclasses.replace(spec, params=params)})


def outcome(rb: Rulebook, rule: str, dossiers: list[Dossier], batch: dict | None = None) -> str:
    """The rule's outcome on the first dossier; batch rules run over all of them."""
    batch = batch or {}
    exs = {}
    for i, d in enumerate(dossiers):
        d.dossier_id = f"A{i:04d}"
        exs[d.dossier_id] = d.build()
    findings = {did: evaluate_dossier(ex, rb, context(**batch)) for did, ex in exs.items()}
    evaluate_batch(exs, findings, rb, batch_info(**batch))
    return by_rule(findings["A0000"])[rule].outcome


def _photo(**kw: Any) -> Dossier:
    info = dict(width_px=413, height_px=579, aspect=0.713, background_lightness=0.95, portrait=True) | kw
    return Dossier().remove("photo").ev("photo", photo=PhotoInfo(**info))


def _ce(public_2020: float, **fields: Any) -> Dossier:
    d = Dossier().remove("ce_card").doc("ce_card")
    d.ev("ce_card", date="2020-05-20", hours={
        "2018": {"public": 30.0, "professional": 60.0}, "2019": {"public": 30.0, "professional": 60.0},
        "2020": {"public": public_2020, "professional": 0.0}})
    d.set("public_ce_hours", public_2020)
    for k, v in fields.items():
        d.set(k, v)
    return d


def _city(series: str = "卫生", title: str = "副主任医师", current: str = "主治医师") -> Dossier:
    return (Dossier().set("region", "市直").set("region_level", "city").set("series", series)
            .set("applied_title", title).set("current_title", current))


def _doctor() -> Dossier:
    return _city().set("region", "昆都仑区").set("region_level", "county").set("covid_frontline", True)


def _covid(d: Dossier, role: str = "发热门诊") -> Dossier:
    return d.doc("covid_proof").ev("covid_proof", unit="包头市第四医院", role=role)


def _exc(level: str = "senior") -> Dossier:
    d = Dossier().set("route", "exceptional")
    if level == "senior":
        d.set("current_title", "高级工程师").set("applied_title", "正高级工程师").set("applied_level", "senior")
    return d


def _teacher(title: str, level: str, current: str, grade: int, **fields: Any) -> Dossier:
    d = (Dossier().set("series", "中小学教师").set("applied_title", title).set("applied_level", level)
         .set("current_title", current).set("post_grade", grade))
    for k, v in fields.items():
        d.set(k, v)
    return d


def _econ(result: str | None = None, **fields: Any) -> Dossier:
    d = Dossier().set("series", "经济").set("applied_title", "高级经济师").set("current_title", "经济师")
    for k, v in fields.items():
        d.set(k, v)
    if result:
        d.doc("exam_cert").ev("exam_cert", exam="高级经济实务", result=result)
    return d


def _claim(claim: str, attachment: str, claimed_on: str = "2018-03") -> Dossier:
    return Dossier().ev("claimed_paper", title=claim, date=claimed_on).paper(attachment, "2018-03")


def _docx_paper(d: Dossier) -> Dossier:
    d.doc("paper", file="A0001/论文.docx", sized=False)
    return d.ev("paper", title="急诊分诊流程优化", date="2018-05", journal="中国急救医学", issn="1002-1949", author_rank=1)


def _award(d: Dossier, name: str, level: str, grade: str, rank: int) -> Dossier:
    return d.doc("award").ev("award", title="稀土钢连铸工艺优化项目", award=name, level=level, grade=grade, date="2019-03",
                             holder_rank=rank)


def _edu_raw(raw: str) -> Dossier:
    d = Dossier().set("education", "secondary")
    orig = d.build

    def build():
        ex = orig()
        ex.fields["education"] = FieldValue(value="secondary", confidence=0.95, source=src(), raw=raw)
        return ex
    d.build = build  # type: ignore[method-assign]
    return d


def _params(rule: str, key: str) -> dict:
    return RB.spec(rule).params.model_dump()[key]


def _with(rule: str, key: str, path: list, value: Any) -> dict:
    """The parameter `key` of `rule` with one nested value replaced."""
    data = _params(rule, key)
    node = data
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return data


POSTS_ONE = {"posts": [PostLine(level="deputy_senior", established=20, vacant=0)]}  # allows 1
Case = tuple[str, str, Callable[[], Any], Callable[[], list[Dossier]], dict, str, str]

# (rule, parameter, new value, dossiers, batch, outcome before, outcome after)
CASES: list[Case] = [
    ("PLEDGE_SIGNED", "require_name_match", lambda: False,
     lambda: [Dossier().remove("pledge").doc("pledge", sized=False).ev("pledge", signed=True, signer="李明")], {}, "fail", "pass"),
    ("PHOTO_PRESENT", "aspect_min", lambda: 0.72, lambda: [_photo()], {}, "pass", "fail"),
    ("PHOTO_PRESENT", "aspect_max", lambda: 0.70, lambda: [_photo()], {}, "pass", "fail"),
    ("PHOTO_PRESENT", "min_background_lightness", lambda: 0.96, lambda: [_photo()], {}, "pass", "fail"),
    ("PHOTO_PRESENT", "require_portrait", lambda: False, lambda: [_photo(portrait=False)], {}, "review", "pass"),
    ("PHOTO_PRESENT", "no_portrait_outcome", lambda: "fail", lambda: [_photo(portrait=False)], {}, "review", "fail"),
    ("ATTACHMENTS_A4", "width_mm", lambda: 200, lambda: [Dossier()], {}, "pass", "fail"),
    ("ATTACHMENTS_A4", "height_mm", lambda: 280, lambda: [Dossier()], {}, "pass", "fail"),
    ("ATTACHMENTS_A4", "tolerance_mm", lambda: 12, lambda: [Dossier().doc("diploma", size=(615.0, 841.89))], {}, "fail", "pass"),
    ("ATTACHMENTS_A4", "exempt_kinds", lambda: ["eval_form", "submit_form", "photo", "diploma"],
     lambda: [Dossier().doc("diploma", size=(498.9, 708.7))], {}, "fail", "pass"),
    ("MATERIAL_LIST_MATCHES", "item_kinds",
     lambda: [{"keywords": ["继续教育"], "kind": "employment"}] + _params("MATERIAL_LIST_MATCHES", "item_kinds"),
     lambda: [Dossier()], {}, "pass", "fail"),
    ("EVIDENCE_DATED", "kinds", lambda: ["award"], lambda: [Dossier().paper("城市道路养护研究", "2020-07")], {}, "fail", "not_applicable"),
    # 一（十）5: issue 30 of a weekly is out in late July at the earliest, after a paper's claimed
    # 2020-01; a journal that publishes at most 24 issues a year has no issue 30 to witness anything.
    ("EVIDENCE_DATED", "max_issues_per_year", lambda: 24,
     lambda: [Dossier().doc("paper").ev("paper", title="城市道路养护研究", date="2020-01", journal="城市道桥与防洪",
                                        issn="1009-7716", author_rank=1, issue="2020年第30期")], {}, "review", "pass"),
    ("CLAIMS_SUPPORTED", "match_ratio", lambda: 0.97,
     lambda: [_claim("城市道路沥青路面病害处治研究", "城市道路沥青路面病害成因与处治研究")], {}, "pass", "review"),
    ("CLAIMS_SUPPORTED", "ocr_match_ratio", lambda: 0.95,
     lambda: [_claim("城市道路沥青路面病害处治研究", "城市道路沥青路面病害成因与处治研究", "2016-01")], {"_match_ratio": 0.97},
     "review", "fail"),
    ("CLAIMS_SUPPORTED", "header_words", lambda: [], lambda: [Dossier().ev("claimed_paper", title="题目")], {},
     "not_applicable", "fail"),
    ("CLAIMS_SUPPORTED", "heading_shape", lambda: "(?!)", lambda: [Dossier().ev("claimed_award", title="四丶专业技术工作总结")],
     {}, "review", "fail"),
    ("CLAIMS_SUPPORTED", "supports", lambda: {"claimed_paper": ["paper"], "claimed_award": ["award"], "claimed_achievement": ["award"]},
     lambda: [Dossier().ev("claimed_award", title="包头市优秀科技工作者", date="2018-05").doc("honor")
              .ev("honor", title="包头市优秀科技工作者", date="2018-05")], {}, "pass", "fail"),
    ("FORMS_CONSISTENT", "keys", lambda: ["name", "employer"], lambda: [_forms_differ()], {}, "fail", "pass"),
    ("FORMS_CONSISTENT", "other_form", lambda: "eval_form", lambda: [_forms_differ()], {}, "fail", "review"),
    ("PUBLICITY_DONE", "accepted_results", lambda: ["合格"], lambda: [Dossier()], {}, "pass", "fail"),
    ("CE_CARD_VALID", "years_required", lambda: [2017, 2018, 2019, 2020], lambda: [Dossier()], {}, "pass", "fail"),
    ("CE_CARD_VALID", "public_hours_year", lambda: 2019, lambda: [_ce(24.0)], {}, "fail", "pass"),
    ("CE_CARD_VALID", "min_public_hours", lambda: 31, lambda: [Dossier()], {}, "pass", "fail"),
    ("CE_CARD_VALID", "exempt_region_levels", lambda: [],
     lambda: [_ce(24.0, region_level="township", region="土默特右旗萨拉齐镇")], {"region": "土默特右旗"}, "not_applicable", "fail"),
    ("CE_CARD_VALID", "exempt_employer_types", lambda: ["social_org"], lambda: [_ce(24.0, employer_type="non_public")], {},
     "not_applicable", "fail"),
    ("CE_CARD_VALID", "exempt_covid_frontline", lambda: False, lambda: [_covid(_ce(24.0, series="卫生"))], {}, "not_applicable", "fail"),
    ("ENTRUSTMENT_PRESENT", "employer_types", lambda: ["non_public"], lambda: [Dossier().set("employer_type", "external_unit")], {},
     "fail", "not_applicable"),
    ("REPRESENTATIVE_WORK", "upper_region_levels", lambda: ["city", "county"], lambda: [Dossier().set("series", "卫生")], {},
     "not_applicable", "fail"),
    ("REPRESENTATIVE_WORK", "upper_employer_types", lambda: ["external_unit", "public_institution"],
     lambda: [Dossier().set("series", "卫生")], {}, "not_applicable", "fail"),
    ("REPRESENTATIVE_WORK", "levels", lambda: ["senior"], lambda: [_city()], {}, "fail", "not_applicable"),
    ("REPRESENTATIVE_WORK", "series", lambda: ["高校教师"], lambda: [_city()], {}, "fail", "not_applicable"),
    ("REPRESENTATIVE_WORK", "titles", lambda: [],
     lambda: [_city("工程", "正高级工程师", "高级工程师").set("applied_level", "senior")], {}, "fail", "not_applicable"),
    ("REPRESENTATIVE_WORK", "min_works", lambda: 2, lambda: [_docx_paper(_city())], {}, "pass", "fail"),
    ("REPRESENTATIVE_WORK", "work_kinds", lambda: ["patent"], lambda: [_city().paper("急诊分诊流程优化", "2018-05")], {}, "pass", "fail"),
    ("REPRESENTATIVE_WORK", "exempt_covid_frontline", lambda: False, lambda: [_covid(_city())], {}, "not_applicable", "fail"),
    ("REPRESENTATIVE_WORK", "exempt_employer_types", lambda: [], lambda: [_city().set("employer_type", "non_public")], {},
     "not_applicable", "fail"),
    ("POST_QUOTA", "counted_employer_types", lambda: ["state_enterprise"], lambda: [Dossier(), Dossier()], POSTS_ONE,
     "fail", "not_applicable"),
    ("POST_QUOTA", "counted_levels", lambda: ["senior"], lambda: [Dossier(), Dossier()], POSTS_ONE, "fail", "not_applicable"),
    ("POST_QUOTA", "uncounted_routes", lambda: [],
     lambda: [Dossier(), Dossier().set("route", "civil_servant_transfer").set("person_status", "professional")], POSTS_ONE,
     "pass", "fail"),
    ("POST_QUOTA", "exceptional_route", lambda: None,
     lambda: [Dossier(), Dossier().set("route", "exceptional").doc("honor").ev("honor", title="自治区321人才工程二层次人选",
                                                                                 date="2019-01")], POSTS_ONE, "pass", "fail"),
    ("POST_QUOTA", "uncounted_person_statuses", lambda: [],
     lambda: [Dossier(), Dossier().set("person_status", "military_transfer")], POSTS_ONE, "pass", "fail"),
    ("POST_QUOTA", "uncounted_series", lambda: [],
     lambda: [Dossier(), Dossier().set("series", "档案").set("applied_title", "副研究馆员").set("current_title", "馆员")],
     POSTS_ONE, "pass", "fail"),
    ("POST_QUOTA", "uncounted_covid_frontline", lambda: False, lambda: [Dossier(), _covid(_doctor())], POSTS_ONE, "pass", "fail"),
    ("POST_QUOTA", "reading", lambda: "percent_only", lambda: [Dossier(), Dossier(), Dossier()],
     {"posts": [PostLine(level="deputy_senior", established=40, vacant=3)]}, "pass", "fail"),
    ("POST_QUOTA", "over_percent", lambda: 0.01, lambda: [Dossier()], POSTS_ONE, "pass", "fail"),
    ("POST_QUOTA", "vacant_only_series", lambda: [],
     lambda: [_teacher("高级教师", "deputy_senior", "一级教师", 8)], {"posts": [PostLine(level="deputy_senior", established=40, vacant=0)]},
     "fail", "pass"),
    ("BATCH_PAPERS", "report_names", lambda: ["申报情况说明"], lambda: [Dossier()],
     {"report": None, "root_documents": ["申报情况说明.pdf"]}, "fail", "pass"),
    ("BATCH_PAPERS", "table_names", lambda: ["岗位表"], lambda: [Dossier()],
     {"posts": [], "root_documents": ["岗位表.xlsx"]}, "fail", "pass"),
    ("SUBMISSION_DEADLINE", "deadline", lambda: dt.date(2020, 6, 15), lambda: [Dossier()], {}, "pass", "fail"),
    ("SUBMISSION_DEADLINE", "levels", lambda: ["senior"], lambda: [Dossier()], {"submitted_on": dt.date(2020, 6, 25)},
     "fail", "not_applicable"),
    ("SUBMISSION_DEADLINE", "city_region", lambda: "昆都仑区", lambda: [Dossier()], {"submitted_on": dt.date(2020, 6, 25)},
     "fail", "not_applicable"),
    ("STATUS_ALLOWED", "forbidden", lambda: ["military_transfer"], lambda: [Dossier().set("person_status", "military_transfer")], {},
     "pass", "fail"),
    ("EVALUATION_CHANNEL", "exam_only", lambda: [], lambda: [Dossier().set("series", "计算机")], {}, "fail", "pass"),
    ("EXAM_PASSED", "series", lambda: ["卫生"], lambda: [_econ()], {}, "fail", "not_applicable"),
    ("EXAM_PASSED", "levels", lambda: ["senior"], lambda: [_econ()], {}, "fail", "not_applicable"),
    ("EXAM_PASSED", "passing_results", lambda: ["通过"], lambda: [_econ("通过")], {}, "review", "pass"),
    ("EXAM_PASSED", "exempt_exceptional_to", lambda: [],
     lambda: [_econ(applied_title="正高级经济师", applied_level="senior", route="exceptional", current_title="高级经济师")], {},
     "not_applicable", "fail"),
    ("EXAM_PASSED", "covid_roles", lambda: {"hubei_aid": ["方舱"], "designated_hospital": ["定点医院"], "frontline": ["发热门诊"]},
     lambda: [_covid(_doctor(), "援鄂医疗队")], {}, "not_applicable", "review"),
    ("EXAM_PASSED", "covid_exempt_roles", lambda: ["designated_hospital"], lambda: [_covid(_doctor(), "援鄂医疗队")], {},
     "not_applicable", "fail"),
    ("EXAM_PASSED", "covid_exempt_levels", lambda: ["senior"], lambda: [_covid(_doctor(), "援鄂医疗队")], {},
     "not_applicable", "fail"),
    ("SENIORITY", "regular", lambda: _with("SENIORITY", "regular", ["years", "deputy_senior"], 6), lambda: [Dossier()], {},
     "pass", "fail"),
    ("SENIORITY", "recognition", lambda: _with("SENIORITY", "recognition", ["table", 1, "years"], 2),
     lambda: [Dossier().set("route", "recognition").set("current_title", "无").drop("current_title_date").set("education", "bachelor")
              .set("applied_title", "助理工程师").set("applied_level", "assistant").set("work_start_date", "2018-12")
              .set("region_level", "city").set("specialty", "土木工程")], {}, "pass", "fail"),
    ("SENIORITY", "township_direct", lambda: _with("SENIORITY", "township_direct", ["table", 0, "years"], 3),
     lambda: [Dossier().set("route", "township_direct").set("region", "土默特右旗萨拉齐镇").set("region_level", "township")
              .set("current_title", "无").set("applied_title", "工程师").set("applied_level", "intermediate").set("township_years", 2)],
     {}, "pass", "fail"),
    ("SENIORITY", "non_public_direct", lambda: _with("SENIORITY", "non_public_direct", ["lines", 0, "table", 0, "years"], 6),
     lambda: [Dossier().set("route", "non_public_direct").set("employer_type", "non_public").set("current_title", "无")
              .set("applied_title", "工程师").set("applied_level", "intermediate").set("work_start_date", "2014-12")],
     {}, "pass", "fail"),
    ("SENIORITY", "skilled_worker", lambda: _with("SENIORITY", "skilled_worker", ["table", 1, "years"], 4),
     lambda: [Dossier().set("route", "skilled_worker").set("current_title", "无").set("skill_level", "技师")
              .set("skill_level_date", "2016-06").set("applied_title", "工程师").set("applied_level", "intermediate")
              .doc("skill_cert").ev("skill_cert", title="技师", level="技师", date="2016-06")], {}, "pass", "fail"),
    ("SENIORITY", "series_transfer", lambda: _with("SENIORITY", "series_transfer", ["same_level_years"], 2),
     lambda: [Dossier().set("route", "series_transfer").set("applied_title", "工程师").set("applied_level", "intermediate")
              .set("current_title", "工程师").set("transfer_date", "2018-06")], {}, "pass", "fail"),
    ("SENIORITY", "civil_servant_transfer", lambda: _with("SENIORITY", "civil_servant_transfer", ["within_years"], 4),
     lambda: [Dossier().set("route", "civil_servant_transfer").set("person_status", "civil_servant_transfer")
              .set("current_title", "无").drop("current_title_date").set("transfer_date", "2015-10")], {}, "pass", "fail"),
    ("EDUCATION_CUTOFF", "not_required_routes", lambda: [],
     lambda: [Dossier().set("route", "skilled_worker").drop("graduation_date")], {}, "not_applicable", "review"),
    ("EDUCATION_MINIMUM", "minimum", lambda: {"deputy_senior": "associate", "senior": "bachelor"},
     lambda: [Dossier().set("education", "associate")], {}, "fail", "pass"),
    ("EDUCATION_MINIMUM", "waiver_county_years", lambda: 12, lambda: [Dossier().set("education", "associate")], {}, "fail", "pass"),
    ("EDUCATION_MINIMUM", "waiver_township_years", lambda: 5,
     lambda: [Dossier().set("education", "associate").set("township_years", 5)], {}, "fail", "pass"),
    ("EDUCATION_MINIMUM", "exempt_routes", lambda: [],
     lambda: [Dossier().set("education", "associate").set("route", "skilled_worker")], {}, "not_applicable", "fail"),
    ("EDUCATION_MINIMUM", "school_equivalents", lambda: {}, lambda: [_edu_raw("技工学校预备技师班")], {}, "pass", "fail"),
    ("SENIOR_TEACHER_QUOTA", "series", lambda: ["工程"], lambda: [_teacher("正高级教师", "senior", "高级教师", 5)], {},
     "review", "not_applicable"),
    ("SENIOR_TEACHER_QUOTA", "levels", lambda: ["deputy_senior"], lambda: [_teacher("正高级教师", "senior", "高级教师", 5)], {},
     "review", "not_applicable"),
    ("EXCEPTIONAL_BASIS", "senior_items", lambda: _params("EXCEPTIONAL_BASIS", "senior_items")[2:],
     lambda: [_exc().doc("honor").ev("honor", title="享受国务院政府特殊津贴人员", date="2018-12")], {}, "pass", "fail"),
    ("EXCEPTIONAL_BASIS", "one_up_items", lambda: [],
     lambda: [_exc("deputy").doc("honor").ev("honor", title="自治区321人才工程二层次人选", date="2019-01")], {}, "pass", "fail"),
    ("EXCEPTIONAL_BASIS", "rated_winners", lambda: {"一等奖": 15, "二等奖": 12},
     lambda: [_award(_exc(), "国家科学技术进步奖", "国家级", "二等奖", 11)], {}, "fail", "pass"),
    ("EXCEPTIONAL_BASIS", "review_keywords", lambda: [],
     lambda: [_exc().doc("honor").ev("honor", title="自治区急需紧缺人才绿色通道认定", date="2019-05")], {}, "review", "fail"),
    ("EXCEPTIONAL_BASIS", "review_county_years", lambda: 12, lambda: [_exc()], {}, "fail", "review"),
    ("EXCEPTIONAL_BASIS", "review_township_years", lambda: 5, lambda: [_exc().set("township_years", 5)], {}, "fail", "review"),
    ("TEACHER_POST_GRADE", "series", lambda: ["工程"], lambda: [_teacher("高级教师", "deputy_senior", "一级教师", 9)], {},
     "fail", "not_applicable"),
    ("TEACHER_POST_GRADE", "required", lambda: {"intermediate": 11, "deputy_senior": 9, "senior": 5},
     lambda: [_teacher("高级教师", "deputy_senior", "一级教师", 9)], {}, "fail", "pass"),
    ("TEACHER_POST_GRADE", "education_allowance", lambda: {},
     lambda: [_teacher("一级教师", "intermediate", "二级教师", 12, education="master")], {}, "pass", "fail"),
    ("NOT_BLACKLISTED", "when_no_database", lambda: "review", lambda: [Dossier()], {}, "pass", "review"),
    ("SAME_REGION", "employer_types", lambda: ["non_public"], lambda: [Dossier().set("region", "青山区")], {}, "fail", "not_applicable"),
    ("SAME_REGION", "city_region", lambda: "市直单位",
     lambda: [Dossier().set("region", "市直").set("region_level", "city")], {"region": "市直"}, "pass", "fail"),
]

# Parameters whose effect is not a rule's outcome, each tested by its own test below.
OTHER_TESTS = {
    ("EXAM_PASSED", "covid_role_names"): "test_covid_role_names_name_the_exemption",
    ("SENIOR_TEACHER_QUOTA", "message"): "test_senior_teacher_message_is_the_rulebooks",
    ("NOT_BLACKLISTED", "ban_years"): "test_ban_years_set_the_expiry_of_a_recorded_ban",
}


def _forms_differ() -> Dossier:
    d = Dossier()
    d.submit_values = {k: d.fields[k][0] for k in ("name", "employer", "series", "applied_title", "current_title")}
    d.submit_values["education"] = "associate"
    return d


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES])
def test_changing_the_parameter_changes_the_outcome(case: Case) -> None:
    rule, key, value, dossiers, batch, before, after = case
    batch = dict(batch)
    base = RB
    if "_match_ratio" in batch:  # a second parameter the case needs set first
        base = changed(rule, match_ratio=batch.pop("_match_ratio"))
    assert outcome(base, rule, dossiers(), batch) == before
    spec = base.spec(rule)
    params = type(spec.params).model_validate({**spec.params.model_dump(), key: value()})
    rb = dataclasses.replace(base, rules={**base.rules, rule: dataclasses.replace(spec, params=params)})
    assert outcome(rb, rule, dossiers(), batch) == after


def test_every_parameter_has_a_case() -> None:
    covered = {(c[0], c[1]) for c in CASES} | set(OTHER_TESTS)
    every = {(code, name) for code, spec in RB.rules.items() for name in type(spec.params).model_fields}
    assert sorted(every - covered) == []


def test_covid_role_names_name_the_exemption() -> None:
    d = _covid(_doctor(), "援鄂医疗队")
    names = {**_params("EXAM_PASSED", "covid_role_names"), "hubei_aid": "援鄂医疗人员（测试）"}
    f = by_rule(evaluate_dossier(d.build(), changed("EXAM_PASSED", covid_role_names=names), context()))["EXAM_PASSED"]
    assert "援鄂医疗人员（测试）" in f.message
    assert "援鄂医疗人员（测试）" not in by_rule(evaluate_dossier(d.build(), RB, context()))["EXAM_PASSED"].message


def test_senior_teacher_message_is_the_rulebooks() -> None:
    d = _teacher("正高级教师", "senior", "高级教师", 5)
    f = by_rule(evaluate_dossier(d.build(), changed("SENIOR_TEACHER_QUOTA", message="另行通知（测试）"), context()))
    assert f["SENIOR_TEACHER_QUOTA"].message == "另行通知（测试）"


def test_ban_years_set_the_expiry_of_a_recorded_ban(tmp_path) -> None:
    """二（一）5 五年内不得申报; 二（二） 三年内不准其参加: the rulebook's ban_years, not a constant."""
    from dossierflow import blacklist

    start = dt.date(2020, 7, 1)
    assert blacklist.new_entry("150203198503011229", "伪造学历", "复核", start=start).expiry_date == dt.date(2025, 7, 1)
    data = yaml.safe_load((RULEBOOK_DIR / "baotou-2020.yaml").read_text(encoding="utf-8"))
    data["rules"]["NOT_BLACKLISTED"]["params"]["ban_years"] = {"fraud": 7, "cross_region": 2}
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    fraud = blacklist.new_entry("150203198503011229", "伪造学历", "复核", start=start, rulebook=str(path))
    cross = blacklist.new_entry("150203198503011229", "跨单位申报", "复核", kind="cross_region", start=start, rulebook=str(path))
    assert (fraud.expiry_date, cross.expiry_date) == (dt.date(2027, 7, 1), dt.date(2022, 7, 1))


def test_top_level_parameters_drive_their_behaviour() -> None:
    """covid_series, confidence_threshold, cutoff_qual, unclassified_pages and title_levels."""
    def run(rb: Rulebook, d: Dossier, rule: str) -> str:
        return by_rule(evaluate_dossier(d.build(), rb, context()))[rule].outcome

    covid = _covid(_ce(24.0, series="卫生"))
    assert run(RB, covid, "CE_CARD_VALID") == "not_applicable"
    assert run(dataclasses.replace(RB, covid_series=("工程",)), covid, "CE_CARD_VALID") == "fail"
    unsure = Dossier().set("series", "工程", conf=0.55)
    assert run(RB, unsure, "EVALUATION_CHANNEL") == "review"
    assert run(dataclasses.replace(RB, confidence_threshold=0.5), unsure, "EVALUATION_CHANNEL") == "pass"
    assert run(RB, Dossier(), "SENIORITY") == "pass"
    assert run(dataclasses.replace(RB, cutoff_qual=dt.date(2019, 6, 30)), Dossier(), "SENIORITY") == "fail"
    no_pledge = Dossier().remove("pledge").doc("unknown")
    assert run(RB, no_pledge, "PLEDGE_SIGNED") == "review"
    assert run(dataclasses.replace(RB, unclassified_pages="ignore"), no_pledge, "PLEDGE_SIGNED") == "fail"
    odd = Dossier().set("current_title", "技术骨干")
    assert run(RB, odd, "SENIORITY") == "review"
    assert run(dataclasses.replace(RB, title_overrides={"技术骨干": "intermediate"}), odd, "SENIORITY") == "pass"
