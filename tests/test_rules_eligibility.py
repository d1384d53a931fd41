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


def test_health_below_deputy_only_at_grassroots_units():
    """一（三）2: 卫生……等系列中初级职称……实行以考代评; 一（三）3: 在基层卫生……中初级原则上采取面试答辩、
    量化评审. A township's or a banner's/county's unit is 基层; an urban district's is for a person."""
    d = Dossier().set("series", "卫生").set("applied_title", "主治医师").set("applied_level", "intermediate")
    assert run(d.set("region_level", "city").set("region", "市直"))["EVALUATION_CHANNEL"].outcome == "fail"
    for region in ("土默特右旗", "固阳县", "达尔罕茂明安联合旗"):
        f = run(d.set("region_level", "county").set("region", region))["EVALUATION_CHANNEL"]
        assert f.outcome == "pass" and "一（三）3" in f.message and region in f.message
    for region in ("昆都仑区", "白云鄂博矿区"):
        f = run(d.set("region_level", "county").set("region", region))["EVALUATION_CHANNEL"]
        assert f.outcome == "review" and "市辖区" in f.message
    assert run(d.set("region_level", "township").set("region", "九原区哈林格尔镇"))["EVALUATION_CHANNEL"].outcome == "pass"
    assert run(d.set("region_level", "county").set("region", "昆都仑区", conf=0.3))["EVALUATION_CHANNEL"].outcome == "review"


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


def _award(d: Dossier, name: str, level: str, grade: str, date: str = "2019-03", rank=2, title="稀土钢连铸工艺优化项目"):
    return d.doc("award").ev("award", title=title, award=name, level=level, grade=grade, date=date, holder_rank=rank)


def test_exceptional_to_senior_needs_a_listed_honour_dated_in_time():
    assert run(_exceptional())["EXCEPTIONAL_BASIS"].outcome == "fail"
    ok = _exceptional().doc("honor").ev("honor", title="享受国务院政府特殊津贴人员", date="2018-12")
    f = run(ok)["EXCEPTIONAL_BASIS"]
    assert f.outcome == "pass" and f.sources and "（2）" in f.message
    late = _exceptional().doc("honor").ev("honor", title="享受国务院政府特殊津贴人员", date="2020-06-11")
    assert run(late)["EXCEPTIONAL_BASIS"].outcome == "fail"
    award = _award(_exceptional(), "内蒙古自治区科学技术进步奖", "自治区级", "一等奖")
    assert run(award)["EXCEPTIONAL_BASIS"].outcome == "pass"
    second = _award(_exceptional(), "内蒙古自治区科学技术进步奖", "自治区级", "二等奖")
    # A region second prize is a one-level-up basis only for county-or-below workers (一（五）2（1））.
    assert run(second)["EXCEPTIONAL_BASIS"].outcome == "pass"
    assert run(second.set("region_level", "city"))["EXCEPTIONAL_BASIS"].outcome == "fail"


def test_exceptional_to_senior_only_the_eight_listed_items():
    """一（五）1: 获得下列奖项和荣誉之一……可直接破格申报正高级职称: (1)–(7) named talent titles, (8)
    科技成果国家级奖或省（区、部）级一等奖额定获奖人员. Nothing else carries an applicant to 正高."""
    cases = {
        "国家突出贡献专家": ("pass", "（3）"),
        "国家有突出贡献的中青年专家": ("pass", "（3）"),
        "内蒙古自治区突出贡献专家": ("pass", "（5）"),
        "自治区321人才工程一层次人选": ("pass", "（7）"),
        "包头市突出贡献专家": ("fail", "包头市突出贡献专家"),
        "全国五一劳动奖章": ("fail", "全国五一劳动奖章"),
        "包头市321人才工程一层次人选": ("fail", ""),
    }
    for title, (outcome, said) in cases.items():
        f = run(_exceptional().doc("honor").ev("honor", title=title, level="国家级" if "全国" in title else None,
                                                date="2018-12"))["EXCEPTIONAL_BASIS"]
        assert (f.outcome, said in f.message) == (outcome, True), (title, f.message)
    # a national award that is no S&T achievement award (a 劳动奖章 certificate) is not item (8)
    medal = _award(_exceptional(), "全国五一劳动奖章", "国家级", "", title="全国五一劳动奖章")
    assert run(medal)["EXCEPTIONAL_BASIS"].outcome == "fail"
    national = run(_award(_exceptional(), "国家科学技术进步奖", "国家级", "二等奖", rank=6))["EXCEPTIONAL_BASIS"]
    assert national.outcome == "pass" and "（8）" in national.message and "第6完成人" in national.message
    # 额定获奖人员: the rank the certificate gives must lie within the grade's quota
    outside = run(_award(_exceptional(), "国家科学技术进步奖", "国家级", "二等奖", rank=11))["EXCEPTIONAL_BASIS"]
    assert outside.outcome == "fail" and "额定获奖人员" in outside.message
    assert run(_award(_exceptional(), "国家科学技术进步奖", "国家级", "二等奖", rank=None))["EXCEPTIONAL_BASIS"].outcome == "review"
    # an award whose name was not read may be an S&T award: review, not a rejection
    assert run(_award(_exceptional(), None, "国家级", "二等奖"))["EXCEPTIONAL_BASIS"].outcome == "review"
    # a region industry first prize is not a 省（区、部）级一等奖 of S&T achievements
    trade = _award(_exceptional(), "内蒙古自治区建设行业科技进步奖", "自治区级", "一等奖")
    assert run(trade)["EXCEPTIONAL_BASIS"].outcome == "fail"


def test_exceptional_one_level_up_county_second_prize():
    """一（五）2（1）: 在旗县（市、区）及以下地区工作，获自治区科技成果二、三等奖的额定获奖人员."""
    d = _award(_exceptional("deputy").set("current_title_date", "2018-01"), "内蒙古自治区科学技术进步奖", "自治区级", "二等奖")
    f = run(d)["EXCEPTIONAL_BASIS"]
    assert f.outcome == "pass" and "一（五）2第（1）" in f.message  # baseline works at county level
    f = run(d.set("region_level", "city"))["EXCEPTIONAL_BASIS"]
    assert f.outcome == "fail" and "市直" in f.message


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


def test_exceptional_one_level_up_two_first_prizes_only_at_county_or_below():
    """一（五）2（1）: "在旗县（市、区）及以下地区工作" governs both alternatives: 自治区行业一等奖（含原盟市
    科技成果一等奖）两项以上的额定获奖人员 too. A 市直 worker's two prizes carry no 破格."""
    d = _award(_exceptional("deputy"), "包头市科学技术进步奖", "市级", "一等奖", date="2017-03")
    assert run(d)["EXCEPTIONAL_BASIS"].outcome == "fail"  # one is not two
    _award(d, "内蒙古自治区建设行业优秀工程奖", "自治区级", "一等奖", date="2018-09")
    f = run(d)["EXCEPTIONAL_BASIS"]
    assert f.outcome == "pass" and "两项以上" in f.message
    f = run(d.set("region_level", "city").set("region", "市直"))["EXCEPTIONAL_BASIS"]
    assert f.outcome == "fail" and "市直" in f.message
    assert run(d.set("region_level", "township"))["EXCEPTIONAL_BASIS"].outcome == "pass"
    assert run(d.set("region_level", "city", conf=0.3))["EXCEPTIONAL_BASIS"].outcome == "review"


def test_an_honour_read_one_character_off_a_listed_one_is_review_never_a_rejection():
    """自治区 read 自台区 (the 氵 of 治 lost on a photographed certificate): the reading fits the
    listed 自治区321人才工程二层次人选 as well as an unlisted honour, so the rule defers; a title
    off by more (another city's programme) is still no basis."""
    def basis(title: str):
        return run(_exceptional("deputy").doc("honor").ev("honor", title=title, date="2018-09"))["EXCEPTIONAL_BASIS"]

    assert basis("自治区321人才工程二层次人选").outcome == "pass"
    for misread in ("自台区321人才工程二层次人选", "自治区321人才工桯二层次人选", "自治区321人工程二层次人选"):
        f = basis(misread)
        assert f.outcome == "review" and "仅差一字" in f.message and f.sources, (misread, f.message)
    assert basis("包头市321人才工程二层次人选").outcome == "fail"
    # Another level of the programme, read whole, is that level: 三层次 is no basis, and no review.
    assert basis("自治区321人才工程三层次人选").outcome == "fail"
    assert basis("包头市“鹿城英才”").outcome == "fail"


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


def _doctor() -> Dossier:
    return (Dossier().set("series", "卫生").set("applied_title", "副主任医师").set("current_title", "主治医师")
            .set("specialty", "内科").set("covid_frontline", True))


def test_covid_exam_exemption_for_hubei_aid_and_designated_hospital_only():
    """一（七）3: 援鄂医疗卫生人员和我市收治确诊病患定点医院直接参与医疗救治的一线医务人员，在高级职称
    评审中，免除自治区专业实践技能考试. Other front-line work keeps the exam; a proof that does not
    say which is review."""
    def exam(role):
        d = _doctor().doc("covid_proof")
        if role is not ...:
            d.ev("covid_proof", unit="包头市中心医院", role=role)
        return run(d)["EXAM_PASSED"]

    hubei = exam("内蒙古第三批援鄂医疗队医疗救治")
    assert hubei.outcome == "not_applicable" and "援鄂" in hubei.message and "一（七）3" in hubei.message
    designated = exam("定点医院确诊病患救治")
    assert designated.outcome == "not_applicable" and "定点医院" in designated.message
    fever = exam("发热门诊接诊医生")
    assert fever.outcome == "fail" and "不属于援鄂或定点医院" in fever.message
    assert exam(None).outcome == "review"
    assert exam("内科医生").outcome == "review"
    assert exam(...).outcome == "review"  # the proof was found but nothing read from it
    # a bare 是 on the form without the proof cannot exempt
    assert run(_doctor())["EXAM_PASSED"].outcome == "review"
    # not in 高级职称评审 (主治医师 is exam-only anyway) and not 卫生: no exemption
    nurse = _doctor().set("applied_title", "主治医师").set("applied_level", "intermediate")
    assert run(nurse.doc("covid_proof").ev("covid_proof", role="援鄂医疗队"))["EXAM_PASSED"].outcome == "not_applicable"
    econ = Dossier().set("series", "经济").set("applied_title", "高级经济师").doc("covid_proof").ev("covid_proof", role="援鄂医疗队")
    assert run(econ)["EXAM_PASSED"].outcome == "fail"
    # a passed exam is a pass whatever the proof says
    passed_exam = _doctor().doc("covid_proof").ev("covid_proof", role="发热门诊").doc("exam_cert").ev("exam_cert", result="合格")
    assert run(passed_exam)["EXAM_PASSED"].outcome == "pass"


def test_covid_exempt_roles_come_from_the_rulebook():
    spec = RB.spec("EXAM_PASSED")
    params = spec.params.model_copy(update={"covid_exempt_roles": ["hubei_aid"]})
    from validators.rules.base import Facts
    from validators.rules.eligibility import exam_passed

    d = _doctor().doc("covid_proof").ev("covid_proof", role="定点医院确诊病患救治")
    facts = Facts(d.build(), RB, context())
    assert exam_passed(facts, spec.params).outcome == "not_applicable"
    assert exam_passed(facts, params).outcome == "fail"


def test_a_proof_naming_an_exempt_and_another_role_is_review():
    """一（七）3 exempts only 援鄂 and 定点医院 treatment; a proof whose 岗位 names a 定点医院's fever
    clinic says both, so a person decides rather than the machine granting the exemption."""
    d = _doctor().doc("covid_proof").ev("covid_proof", role="传染病定点医院发热门诊预检分诊")
    assert run(d)["EXAM_PASSED"].outcome == "review"
