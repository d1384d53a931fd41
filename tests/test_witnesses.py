"""Dates with two or more witnesses: agreeing they give one date, disagreeing a verdict stands only
if every witness leads to it (validators/rules/witnesses.py, dating.py, SENIORITY)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from dossierflow.models import Evidence, Source
from tests.rules_builder import Dossier, by_rule, context
from validators.engine import evaluate_dossier
from validators.rulebook import load_rulebook
from validators.rules.dating import date_items
from validators.rules.witnesses import WitnessedDate, date_witness, issue_witness

RB = load_rulebook()
SUBMITTED = dt.date(2020, 6, 10)


def run(d: Dossier):
    return by_rule(evaluate_dossier(d.build(), RB, context()))


def test_a_witness_allows_every_day_its_reading_does():
    month = date_witness("2020-01", "论文所载日期")
    assert (month.earliest, month.latest, month.reading) == (dt.date(2020, 1, 1), dt.date(2020, 1, 31), dt.date(2020, 1, 1))
    day = date_witness("2020-01-20", "证书所载日期")
    assert day.earliest == day.latest == day.reading == dt.date(2020, 1, 20)
    assert date_witness("2020-13", "x") is None and date_witness(None, "x") is None
    # Issue 11 of a weekly is out in March at the earliest; of any journal, within its year.
    issue = issue_witness("2020年第11期", 52)
    assert issue.reading is None and issue.latest == dt.date(2020, 12, 31)
    assert dt.date(2020, 3, 1) <= issue.earliest <= dt.date(2020, 3, 31)
    assert issue_witness("2020年第1期", 52).earliest == dt.date(2020, 1, 1)
    assert issue_witness("2020年第60期", 52) is None  # no journal of the rulebook's kind has it
    assert issue_witness("第3卷", 52) is None


def test_agreeing_witnesses_give_the_most_precise_reading():
    both = WitnessedDate.of([date_witness("2019-05", "评审表所填日期"), date_witness("2019-05-20", "证书所载日期")])
    assert both.agree and both.bounds() == (dt.date(2019, 5, 20),) * 2 and both.shown() == "2019-05-20"
    assert both.side(dt.date(2019, 5, 19)) == "after" and both.side(dt.date(2019, 5, 20)) == "before"
    paper = WitnessedDate.of([date_witness("2020-11", "论文所载日期"), issue_witness("2020年第11期", 52)])
    assert paper.agree and paper.side(SUBMITTED) == "after"
    only_issue = WitnessedDate.of([issue_witness("2019年第3期", 52)])
    assert only_issue.side(SUBMITTED) == "before" and only_issue.shown() == "2019年第3期"
    assert WitnessedDate.of([None]).side(SUBMITTED) is None


def test_disagreeing_witnesses_decide_only_where_every_one_leads():
    late_issue = WitnessedDate.of([date_witness("2020-01", "论文所载日期"), issue_witness("2020年第11期", 52)])
    assert not late_issue.agree and late_issue.side(SUBMITTED) == "both"
    assert late_issue.disagreement() == "论文所载日期2020-01、刊期2020年第11期"
    # Both readings before the submission day: whichever is right, the item is on time.
    early = WitnessedDate.of([date_witness("2019-03", "评审表所填日期"), date_witness("2019-08", "证书所载日期")])
    assert not early.agree and early.side(SUBMITTED) == "before"
    year_apart = WitnessedDate.of([date_witness("2019-12", "论文所载日期"), issue_witness("2020年第1期", 52)])
    assert not year_apart.agree


_days = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2022, 12, 31))


@given(st.lists(_days, min_size=1, max_size=4), _days)
def test_a_verdict_stands_only_if_every_witness_gives_it(days: list[dt.date], cutoff: dt.date):
    witnessed = WitnessedDate.of([date_witness(d.isoformat(), f"w{i}") for i, d in enumerate(days)])
    sides = {"before" if d <= cutoff else "after" for d in days}
    assert witnessed.side(cutoff) == (sides.pop() if len(sides) == 1 else "both")
    assert witnessed.agree == (len(set(days)) == 1)


@given(st.integers(2015, 2022), st.integers(1, 52), st.integers(1, 12))
def test_a_monthly_journals_issue_agrees_with_its_month_and_never_precedes_a_weeklys(year, number, month):
    issue = issue_witness(f"{year}年第{number}期", 52)
    stated = date_witness(f"{year}-{month:02d}", "论文所载日期")
    if number <= 12 and month == number:
        assert WitnessedDate.of([stated, issue]).agree  # a monthly's issue N is out in month N
    assert issue.earliest.year == year and issue.earliest <= dt.date(year, 12, 31)
    assert WitnessedDate.of([date_witness(f"{year - 1}-{month:02d}", "论文所载日期"), issue]).agree is False


def _paper(date: str | None, issue: str | None, title: str = "肺部感染的诊治") -> Evidence:
    return Evidence(kind="paper", source=Source(file="A/附件.pdf", page=3), title=title, date=date, issue=issue)


def _claim(date: str, title: str = "肺部感染的诊治") -> Evidence:
    return Evidence(kind="claimed_paper", source=Source(file="A/评审表.pdf", page=2), title=title, date=date)


def _state(items: list[Evidence]) -> list[str]:
    return [d.state for d in date_items(items, items, SUBMITTED, lambda a, b: a == b)]


def test_dating_weighs_a_papers_date_its_issue_and_its_claim_together():
    # The page and the claim read 2020-01, the journal's header names issue 11: disputed.
    assert _state([_paper("2020-01", "2020年第11期"), _claim("2020-01")]) == ["disputed", "disputed"]
    assert _state([_paper("2020-01", "2020年第1期"), _claim("2020-01")]) == ["on_time", "on_time"]
    # The claim says 2020-01, the page 2020-11: disputed, the claim as much as the paper.
    assert _state([_paper("2020-11", "2020年第11期"), _claim("2020-01")]) == ["disputed", "disputed"]
    # Disagreeing, but every witness before the submission day.
    assert _state([_paper("2019-08", "2019年第8期"), _claim("2019-03")]) == ["on_time", "on_time"]
    # Agreeing and late.
    assert _state([_paper("2020-11", "2020年第11期"), _claim("2020-11")]) == ["late", "late"]
    # A paper of another title is no witness.
    assert _state([_paper("2020-01", "2020年第1期"), _claim("2020-11", "另一篇")]) == ["on_time", "late"]


def test_each_of_two_loosely_matching_papers_is_witnessed_by_its_own_claim():
    early, late = "公共图书馆阅读推广活动创新研究的探讨", "公共图书馆阅读推广活动创新研究的再探讨"
    items = [_paper("2012-01", "2012年第1期", early), _paper("2020-11", "2020年第11期", late),
             _claim("2012-01", early), _claim("2020-11", late)]
    loose = lambda a, b: a[:12] == b[:12]  # noqa: E731  (the titles match loosely, as by ratio)
    got = [d.state for d in date_items(items, items, SUBMITTED, loose)]
    assert got == ["on_time", "late", "on_time", "late"]


def _city_health() -> Dossier:
    return (Dossier().set("series", "卫生").set("region", "市直").set("region_level", "city")
            .set("current_title", "主治医师").set("applied_title", "副主任医师"))


def test_evidence_dated_and_what_depends_on_it_go_to_review_when_witnesses_disagree():
    d = _city_health().paper("肺部感染的诊治", "2020-01")
    d.evidence[-1] = d.evidence[-1].model_copy(update={"issue": "2020年第11期"})
    d.ev("claimed_paper", title="肺部感染的诊治", date="2020-01")
    got = run(d)
    assert got["EVIDENCE_DATED"].outcome == "review"
    assert "刊期2020年第11期" in got["EVIDENCE_DATED"].message and "论文所载日期2020-01" in got["EVIDENCE_DATED"].message
    assert got["REPRESENTATIVE_WORK"].outcome == "review"  # the only paper's date is not known to be on time
    d.evidence[-2] = d.evidence[-2].model_copy(update={"issue": "2020年第1期"})
    agreed = run(d)
    assert agreed["EVIDENCE_DATED"].outcome == "pass" and agreed["REPRESENTATIVE_WORK"].outcome == "pass"


def test_seniority_on_the_form_and_the_certificates_title_dates_stands_only_if_both_give_it():
    def dossier(form: str, cert: str) -> Dossier:
        d = Dossier().set("current_title_date", form)
        d.evidence = [e.model_copy(update={"date": cert}) if e.kind == "title_cert" else e for e in d.evidence]
        return d

    # Five whole years to the cutoff from the form's date, four from the certificate's.
    split = run(dossier("2014-12", "2015-03"))["SENIORITY"]
    assert split.outcome == "review" and "职称证书所载日期2015-03" in split.message
    assert run(dossier("2014-12", "2014-12"))["SENIORITY"].outcome == "pass"
    # They disagree, but both give five years or more: the pass stands.
    assert run(dossier("2014-12", "2013-06"))["SENIORITY"].outcome == "pass"
    # Both short: the fail stands.
    assert run(dossier("2016-05", "2016-09"))["SENIORITY"].outcome == "fail"
