"""SENIORITY per route, at the boundaries: whole years up to 2019-12-31."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.rules_builder import Dossier, by_rule, context
from validators.engine import evaluate_dossier
from validators.rulebook import load_rulebook
from validators.rules.base import whole_years

RB = load_rulebook()


def seniority(d: Dossier):
    finding = by_rule(evaluate_dossier(d.build(), RB, context()))["SENIORITY"]
    # Every pass and fail points at its evidence, on every route and branch these tests reach
    # (mutation testing found branches whose sources could be dropped unnoticed). A review for
    # a value not read has nothing to point at.
    if finding.outcome in ("pass", "fail"):
        assert finding.sources and all(s.file for s in finding.sources), finding
    return finding


@pytest.mark.parametrize(
    "start,years",
    [("2014-12-31", 5), ("2015-01-01", 4), ("2014-12", 5), ("2015-01", 4), ("2016-02-29", 3), ("2020-01-01", -1)],
)
def test_whole_years_to_cutoff(start, years):
    from validators.rules.base import parse_date

    assert whole_years(parse_date(start), dt.date(2019, 12, 31)) == years


def test_a_year_from_29_february_ends_on_28_february_in_a_common_year():
    from dossierflow.periods import add_years
    from fixtures.dates import FDate
    from fixtures.dates import whole_years as truth_years

    leap = dt.date(2016, 2, 29)
    assert add_years(leap, 1) == dt.date(2017, 2, 28) and add_years(leap, 4) == dt.date(2020, 2, 29)
    assert whole_years(leap, dt.date(2017, 2, 28)) == 1 and whole_years(leap, dt.date(2017, 2, 27)) == 0
    assert whole_years(leap, dt.date(2020, 2, 28)) == 3 and whole_years(leap, dt.date(2020, 2, 29)) == 4
    # The generator's truth counts alike.
    for end in (dt.date(2017, 2, 27), dt.date(2017, 2, 28), dt.date(2020, 2, 28), dt.date(2020, 2, 29)):
        assert truth_years(FDate(2016, 2, 29), end) == whole_years(leap, end)


def test_regular_exactly_five_years_on_cutoff_passes_and_one_day_short_fails():
    ok = seniority(Dossier().set("current_title_date", "2014-12-31"))
    assert ok.outcome == "pass"
    assert "任现职称（工程师，2014-12-31）至2019-12-31满5年" in ok.message
    assert ok.clause and ok.sources and ok.details["years"] == 5
    short = seniority(Dossier().set("current_title_date", "2015-01-01"))
    assert short.outcome == "fail" and "不足" in short.message and short.details["years"] == 4


def test_regular_month_only_date_counts_from_first_of_month():
    assert seniority(Dossier().set("current_title_date", "2014-12")).outcome == "pass"
    assert seniority(Dossier().set("current_title_date", "2015-01")).outcome == "fail"


def test_regular_needs_title_exactly_one_level_below():
    f = seniority(Dossier().set("current_title", "助理工程师").set("current_title_date", "2005-01"))
    assert f.outcome == "fail" and "下一级职称" in f.message
    f = seniority(Dossier().set("current_title", "无"))
    assert f.outcome == "fail"


def test_regular_master_needs_two_years_for_intermediate():
    d = (Dossier().set("current_title", "助理工程师").set("applied_title", "工程师").set("applied_level", "intermediate")
         .set("education", "master").set("current_title_date", "2017-12-31"))
    assert seniority(d).outcome == "pass"
    assert seniority(d.set("current_title_date", "2018-01-01")).outcome == "fail"
    assert seniority(d.set("education", "bachelor").set("current_title_date", "2016-01")).outcome == "fail"


def _health(d: Dossier) -> Dossier:
    return (d.set("series", "卫生").set("current_title", "主治医师").set("applied_title", "副主任医师")
             .set("employer", "包头市第四医院"))


def test_covid_front_line_with_proof_one_year_less():
    d = _health(Dossier()).set("current_title_date", "2015-12-31")
    assert seniority(d).outcome == "fail"  # 4 years: regular needs 5
    d.set("covid_frontline", True).doc("covid_proof").ev("covid_proof", unit="包头市第四医院", period_from="2020-01-25", period_to="2020-04-30")
    f = seniority(d)
    assert f.outcome == "pass" and "提前1年" in f.message
    assert any(s.file.endswith("附件.pdf") for s in f.sources)
    assert seniority(d.set("current_title_date", "2016-01-01")).outcome == "fail"  # 3 years: still short


def test_covid_claimed_without_proof_is_review_when_it_would_decide():
    d = _health(Dossier()).set("current_title_date", "2015-12-31").set("covid_frontline", True)
    # Without proof, 4 of 5 years: the one-year shortcut would decide → review, not a guess.
    assert seniority(d).outcome == "review"


def test_covid_front_line_ignored_outside_health_series():
    d = Dossier().set("current_title_date", "2015-12-31").set("covid_frontline", True)
    d.doc("covid_proof").ev("covid_proof", unit="x")
    assert seniority(d).outcome == "fail"


def test_covid_with_provincial_commendation_has_no_years_limit():
    d = _health(Dossier()).set("current_title_date", "2019-01")
    d.doc("covid_proof").ev("covid_proof", unit="包头市第四医院")
    d.doc("honor").ev("honor", title="全区抗击新冠肺炎疫情先进个人", level="自治区级", date="2020-04")
    f = seniority(d)
    assert f.outcome == "pass" and "不受现有职称取得年限限制" in f.message


@pytest.mark.parametrize(("title", "level", "conf"), [
    ("全区优秀共产党员", "自治区级", 0.95),  # not for the epidemic
    ("包头市抗击新冠肺炎疫情先进个人", "市级", 0.95),  # for the epidemic, below 省部级
    ("全区抗击新冠肺炎疫情先进个人", "自治区级", 0.3),  # the right honour, read unreliably
])
def test_covid_commendation_needs_the_epidemic_the_level_and_a_sure_reading(title: str, level: str, conf: float):
    d = _health(Dossier()).set("current_title_date", "2019-01").set("covid_frontline", True)
    d.doc("covid_proof").ev("covid_proof", unit="包头市第四医院")
    d.doc("honor").ev("honor", conf=conf, title=title, level=level, date="2020-04")
    f = seniority(d)
    assert f.outcome == "fail" and "不受现有职称取得年限限制" not in f.message


def _recognition(edu: str, level: str, start: str, region_level: str = "city") -> Dossier:
    title = {"assistant": "助理工程师", "intermediate": "工程师"}[level]
    return (Dossier().set("route", "recognition").set("current_title", "无").drop("current_title_date")
            .set("education", edu).set("applied_title", title).set("applied_level", level)
            .set("work_start_date", start).set("region_level", region_level).set("specialty", "土木工程"))


def test_recognition_bachelor_one_year_and_boundary():
    assert seniority(_recognition("bachelor", "assistant", "2018-12-31")).outcome == "pass"
    assert seniority(_recognition("bachelor", "assistant", "2019-01-01")).outcome == "fail"


def test_recognition_county_one_year_less():
    assert seniority(_recognition("associate", "assistant", "2017-12-31")).outcome == "fail"  # city: 3 needed
    assert seniority(_recognition("associate", "assistant", "2017-12-31", "county")).outcome == "pass"


def test_recognition_doctorate_intermediate_at_once_but_not_part_time_or_exam_series():
    assert seniority(_recognition("doctorate", "intermediate", "2019-12")).outcome == "pass"
    assert seniority(_recognition("master", "assistant", "2015-01")).outcome == "fail"  # master → intermediate only
    assert seniority(_recognition("bachelor", "assistant", "2015-01").set("full_time", False)).outcome == "fail"
    assert seniority(_recognition("bachelor", "assistant", "2015-01").set("series", "会计")).outcome == "fail"


def test_recognition_unknown_region_is_review_when_the_basic_year_would_decide():
    # A master needs 2 years for intermediate, 1 in a county or below: with the region unread,
    # 1 year worked cannot be judged; 0 years is short either way.
    f = seniority(_recognition("master", "intermediate", "2018-06").drop("region_level"))
    assert f.outcome == "review"
    assert seniority(_recognition("master", "intermediate", "2019-06").drop("region_level")).outcome == "fail"
    assert seniority(_recognition("master", "intermediate", "2018-06", region_level="county")).outcome == "pass"


def test_recognition_unrelated_specialty_is_review():
    f = seniority(_recognition("bachelor", "assistant", "2015-01").set("specialty", "会展策划"))
    assert f.outcome == "review" and "专业" in f.message


def test_recognition_major_misread_on_the_form_is_taken_from_the_diploma():
    def with_diploma(form_major: str, diploma_major: str, level: str = "doctorate", conf: float = 0.95):
        d = _recognition("doctorate", "intermediate", "2017-11").set("specialty", "冶金工程").set("major", form_major)
        d.doc("diploma").ev("diploma", level=level, major=diploma_major, date="2017-07", conf=conf)
        return seniority(d)

    f = with_diploma("省金工程", "冶金工程")
    assert f.outcome == "pass" and "以毕业证书“冶金工程”为准" in f.message
    assert any(s.file == "A0001/附件.pdf" for s in f.sources)  # the diploma's page; the fields are on the form
    # A diploma of another education, read unsurely, or of a major more than one slip away: review.
    assert with_diploma("省金工程", "冶金工程", level="master").outcome == "review"
    assert with_diploma("省金工程", "冶金工程", conf=0.5).outcome == "review"
    assert with_diploma("会展策划", "冶金工程").outcome == "review"
    # Without any diploma, as before.
    d = _recognition("doctorate", "intermediate", "2017-11").set("specialty", "冶金工程").set("major", "省金工程")
    assert seniority(d).outcome == "review"


def _township(edu: str, years: int) -> Dossier:
    return (Dossier().set("route", "township_direct").set("region", "土默特右旗萨拉齐镇").set("region_level", "township")
            .set("current_title", "无").set("applied_title", "工程师").set("applied_level", "intermediate")
            .set("education", edu).set("township_years", years))


def test_township_direct_bachelor_two_years_associate_four():
    assert seniority(_township("bachelor", 2)).outcome == "pass"
    assert seniority(_township("bachelor", 1)).outcome == "fail"
    assert seniority(_township("associate", 4)).outcome == "pass"
    assert seniority(_township("associate", 3)).outcome == "fail"
    assert seniority(_township("bachelor", 5).set("region_level", "county")).outcome == "fail"


def _non_public(edu: str, level: str, start: str, current: str = "无") -> Dossier:
    title = {"intermediate": "工程师", "deputy_senior": "高级工程师"}[level]
    return (Dossier().set("route", "non_public_direct").set("employer_type", "non_public").set("current_title", current)
            .set("applied_title", title).set("applied_level", level).set("education", edu).set("work_start_date", start))


def test_non_public_direct_years_by_education():
    assert seniority(_non_public("bachelor", "intermediate", "2014-12-31")).outcome == "pass"
    assert seniority(_non_public("bachelor", "intermediate", "2015-01-01")).outcome == "fail"
    assert seniority(_non_public("associate", "intermediate", "2011-12")).outcome == "pass"
    assert seniority(_non_public("associate", "intermediate", "2012-01")).outcome == "fail"
    assert seniority(_non_public("bachelor", "deputy_senior", "2007-12")).outcome == "pass"
    assert seniority(_non_public("bachelor", "deputy_senior", "2008-01")).outcome == "fail"


def test_non_public_direct_refuses_holders_of_the_title_and_public_units():
    assert seniority(_non_public("bachelor", "intermediate", "2005-01", current="助理工程师")).outcome == "fail"
    # 一（九）2: 对没有取得过初级职称的……可以直接申报中级职称 — a 员级 title is 初级 too
    f = seniority(_non_public("bachelor", "intermediate", "2005-01", current="技术员"))
    assert f.outcome == "fail" and "没有取得过初级职称" in f.message
    # 对没有取得过中级职称的……可以直接申报副高级职称: 助理级 holders may
    assert seniority(_non_public("bachelor", "deputy_senior", "2005-01", current="助理工程师")).outcome == "pass"
    assert seniority(_non_public("bachelor", "deputy_senior", "2005-01", current="工程师")).outcome == "fail"
    assert seniority(_non_public("bachelor", "intermediate", "2005-01").set("employer_type", "public_institution")).outcome == "fail"


def _skilled(skill: str, date: str, level: str) -> Dossier:
    title = {"assistant": "助理工程师", "intermediate": "工程师", "deputy_senior": "高级工程师"}[level]
    d = (Dossier().set("route", "skilled_worker").set("current_title", "无").set("skill_level", skill)
         .set("skill_level_date", date).set("applied_title", title).set("applied_level", level).set("education", "secondary"))
    return d.doc("skill_cert").ev("skill_cert", title=skill, level=skill, date=date)


def test_skilled_worker_years_per_skill_level():
    assert seniority(_skilled("技师", "2016-12-31", "intermediate")).outcome == "pass"
    assert seniority(_skilled("技师", "2017-01-01", "intermediate")).outcome == "fail"
    assert seniority(_skilled("高级工", "2017-12", "assistant")).outcome == "pass"
    assert seniority(_skilled("高级技师", "2016-01", "deputy_senior")).outcome == "fail"
    assert seniority(_skilled("技师", "2010-01", "deputy_senior")).outcome == "fail"  # 技师 → intermediate at most
    assert seniority(_skilled("技师", "2010-01", "intermediate").remove("skill_cert")).outcome == "fail"


def test_series_transfer_same_level_and_next_level_continuous():
    same = (Dossier().set("route", "series_transfer").set("applied_title", "工程师").set("applied_level", "intermediate")
            .set("current_title", "工程师").set("transfer_date", "2018-12-31"))
    assert seniority(same).outcome == "pass"
    assert seniority(same.set("transfer_date", "2019-01-01")).outcome == "fail"
    nxt = (Dossier().set("route", "series_transfer").set("transfer_date", "2017-06").set("current_title_date", "2018-06"))
    nxt.ev("title_cert", title="讲师", date="2013-07", level="intermediate")
    f = seniority(nxt)
    assert f.outcome == "pass" and "2013-07-01" in f.message
    assert seniority(nxt.set("current_title_date", "2019-06")).outcome == "fail"  # new title held < 1 year


def _transfer_next_level(cert_date: str, **cert) -> Dossier:
    d = Dossier().set("route", "series_transfer").set("transfer_date", "2017-06").set("current_title_date", "2018-06")
    d.remove("title_cert").doc("title_cert")  # only the earlier series' certificate below
    return d.ev("title_cert", title="讲师", date=cert_date, **{"level": "intermediate", **cert})


def test_series_transfer_counts_the_earlier_title_to_the_day():
    f = seniority(_transfer_next_level("2014-12-31"))  # exactly five years at the cut-off
    assert f.outcome == "pass" and f.details["years"] == 5
    assert any(s.page for s in f.sources)  # the earlier certificate is cited
    assert seniority(_transfer_next_level("2015-01-01")).outcome == "fail"


def test_series_transfer_ignores_an_unreliable_or_other_level_certificate():
    assert seniority(_transfer_next_level("2013-07", conf=0.3)).outcome == "fail"
    assert seniority(_transfer_next_level("2013-07", level="assistant")).outcome == "fail"


def test_series_transfer_cannot_skip_a_level():
    d = (Dossier().set("route", "series_transfer").set("transfer_date", "2010-06").set("current_title", "助理工程师")
         .set("current_title_date", "2010-06"))
    f = seniority(d)
    assert f.outcome == "fail" and "高一级" in f.message


def test_civil_servant_transfer_with_a_title_already_is_review():
    d = (Dossier().set("route", "civil_servant_transfer").set("person_status", "civil_servant_transfer")
         .set("current_title", "工程师").set("transfer_date", "2016-06-10"))
    f = seniority(d)
    assert f.outcome == "review" and "工程师" in f.message


def test_civil_servant_transfer_within_five_years():
    d = (Dossier().set("route", "civil_servant_transfer").set("person_status", "civil_servant_transfer")
         .set("current_title", "无").drop("current_title_date").set("transfer_date", "2015-06-10"))
    assert seniority(d).outcome == "pass"
    assert seniority(d.set("transfer_date", "2015-06-09")).outcome == "fail"


def test_exceptional_route_leaves_years_to_exceptional_basis():
    assert seniority(Dossier().set("route", "exceptional").set("current_title_date", "2019-01")).outcome == "not_applicable"


def test_missing_or_unreliable_date_gives_review_not_a_guess():
    f = seniority(Dossier().drop("current_title_date"))
    assert f.outcome == "review" and "现职称取得时间" in f.message
    f = seniority(Dossier().set("current_title_date", "2010-01", conf=0.4))
    assert f.outcome == "review" and "置信度" in f.message


def test_recognition_related_fields_from_the_rulebook():
    from validators.rules.seniority import fields_related

    p = RB.spec("SENIORITY").params.recognition
    assert fields_related("档案管理", "档案学", p)
    assert fields_related("畜牧", "动物科学", p)
    assert fields_related("建筑工程", "土木工程", p)
    assert not fields_related("市政工程", "会展策划", p)
    assert not fields_related("电气工程", "汉语言文学", p)
    # Two characters in a row in common, wherever they stand, make fields related; one does not.
    assert fields_related("水质监测", "环境监测", p) and fields_related("环境监测", "水质监测", p)
    assert fields_related("监测环境", "保护环境", p)
    assert fields_related("环境监测评价", "水质监测分析", p)  # in the middle of both
    assert not fields_related("材料化学", "生物化工", p)
