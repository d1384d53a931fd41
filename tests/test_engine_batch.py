"""evaluate_batch: POST_QUOTA per scope and level, BATCH_PAPERS, SAME_REGION summary."""

from __future__ import annotations

from dossierflow.batch import PostLine
from dossierflow.models import DossierExtraction, Finding
from tests.rules_builder import Dossier, batch_info, by_rule, context
from validators.engine import evaluate_batch, evaluate_dossier
from validators.rulebook import load_rulebook
from validators.rules.quota import PostQuotaParams, allowed_posts
from validators.status import derive_status

RB = load_rulebook()


def _batch(dossiers: list[Dossier], **kw):
    info = batch_info(**kw)
    exs: dict[str, DossierExtraction] = {}
    for i, d in enumerate(dossiers):
        d.dossier_id = f"A{i:04d}"
        exs[d.dossier_id] = d.build()
    findings: dict[str, list[Finding]] = {did: evaluate_dossier(ex, RB, context(**kw)) for did, ex in exs.items()}
    return evaluate_batch(exs, findings, RB, info), findings


def test_five_percent_of_39_is_one():
    p = RB.spec("POST_QUOTA").params
    assert allowed_posts(PostLine(level="deputy_senior", established=39, vacant=0), p, False) == (1, 1)
    assert allowed_posts(PostLine(level="deputy_senior", established=40, vacant=3), p, False) == (5, 2)
    assert allowed_posts(PostLine(level="deputy_senior", established=580, vacant=0), p, False) == (29, 29)
    assert allowed_posts(PostLine(level="deputy_senior", established=120, vacant=3), p, True) == (3, 0)
    other = PostQuotaParams.model_validate({**p.model_dump(), "reading": "percent_only"})
    assert allowed_posts(PostLine(level="deputy_senior", established=40, vacant=3), other, False) == (2, 2)


def test_quota_within_allowed_passes_and_over_fails_every_counted_dossier():
    posts = [PostLine(level="deputy_senior", established=39, vacant=0)]
    ev, findings = _batch([Dossier()], posts=posts)
    assert by_rule(findings["A0000"])["POST_QUOTA"].outcome == "pass"
    ev, findings = _batch([Dossier(), Dossier(), Dossier().set("employer_type", "state_enterprise")], posts=posts)
    quota = [b for b in ev.batch_findings if b.rule == "POST_QUOTA"]
    assert len(quota) == 1 and quota[0].outcome == "fail"
    assert (quota[0].counted, quota[0].allowed, quota[0].established) == (2, 1, 39)
    assert quota[0].dossiers == ["A0000", "A0001"] and quota[0].scope == "昆都仑区"
    assert by_rule(findings["A0000"])["POST_QUOTA"].outcome == "fail"
    assert by_rule(findings["A0002"])["POST_QUOTA"].outcome == "not_applicable"
    assert derive_status(findings["A0000"], []) == "returned"
    assert derive_status(findings["A0002"], []) == "accepted"


def test_who_is_not_counted():
    posts = [PostLine(level="deputy_senior", established=20, vacant=0)]  # allows 1
    uncounted = [
        Dossier().set("route", "exceptional").doc("honor").ev("honor", title="自治区321人才工程二层次人选", date="2019-01"),
        Dossier().set("route", "civil_servant_transfer"),
        Dossier().set("series", "会计").set("applied_title", "高级会计师"),
        Dossier().set("series", "档案").set("applied_title", "副研究馆员"),
        Dossier().set("employer_type", "non_public"),
        Dossier().set("applied_title", "助理工程师").set("applied_level", "assistant"),
        Dossier().set("series", "卫生").doc("covid_proof").ev("covid_proof", unit="包头市第四医院"),
    ]
    ev, findings = _batch([Dossier()] + uncounted, posts=posts)
    outcomes = [by_rule(findings[f"A{i:04d}"])["POST_QUOTA"].outcome for i in range(len(uncounted) + 1)]
    assert outcomes == ["pass"] + ["not_applicable"] * len(uncounted)
    quota = [b for b in ev.batch_findings if b.rule == "POST_QUOTA"]
    assert quota[0].counted == 1


def test_teachers_vacant_only_with_their_own_line():
    posts = [
        PostLine(level="deputy_senior", established=40, vacant=2),
        PostLine(level="deputy_senior", series="中小学教师", established=120, vacant=1),
    ]
    teacher = lambda: (Dossier().set("series", "中小学教师").set("current_title", "一级教师")  # noqa: E731
                       .set("applied_title", "高级教师").set("post_grade", 8))
    ev, findings = _batch([teacher(), teacher(), Dossier()], posts=posts)
    by_series = {b.series: b for b in ev.batch_findings if b.rule == "POST_QUOTA"}
    assert by_series["中小学教师"].outcome == "fail" and by_series["中小学教师"].allowed == 1
    assert by_series[None].outcome == "pass" and by_series[None].allowed == 4
    assert by_rule(findings["A0002"])["POST_QUOTA"].outcome == "pass"


def test_level_missing_from_post_table_is_review():
    ev, findings = _batch([Dossier()], posts=[PostLine(level="intermediate", established=10, vacant=1)])
    assert by_rule(findings["A0000"])["POST_QUOTA"].outcome == "review"


def test_batch_papers_and_same_region_summary():
    ev, _ = _batch([Dossier(), Dossier().set("region", "青山区")])
    papers = next(b for b in ev.batch_findings if b.rule == "BATCH_PAPERS")
    assert papers.outcome == "pass"
    region = next(b for b in ev.batch_findings if b.rule == "SAME_REGION")
    assert region.outcome == "fail" and region.dossiers == ["A0001"]
    ev, _ = _batch([Dossier()], report=None, posts=[], has_yaml=False)
    papers = next(b for b in ev.batch_findings if b.rule == "BATCH_PAPERS")
    assert papers.outcome == "fail" and "申报情况报告" in papers.message and "申报人数统计表" in papers.message
    ev, _ = _batch([Dossier()], report=None, posts=[], root_documents=["申报情况报告.pdf", "申报人数统计表.xlsx"])
    assert next(b for b in ev.batch_findings if b.rule == "BATCH_PAPERS").outcome == "pass"


def test_evaluate_batch_replaces_an_earlier_post_quota_and_findings_serialise():
    ev, findings = _batch([Dossier()])
    ev2 = evaluate_batch({"A0000": Dossier().build()}, findings, RB, batch_info())
    for code in ("POST_QUOTA", "BATCH_PAPERS", "SUBMISSION_DEADLINE"):
        assert [f.rule for f in findings["A0000"]].count(code) == 1
    assert len(findings["A0000"]) == 27
    dumped = [b.model_dump(mode="json") for b in ev2.batch_findings]
    assert {d["rule"] for d in dumped} == {"BATCH_PAPERS", "POST_QUOTA", "SUBMISSION_DEADLINE", "SAME_REGION"}


def test_a_broken_rule_gives_review_not_a_lost_batch(monkeypatch):
    from validators import rules

    def boom(f, p):
        raise KeyError("oops")

    impl = rules.REGISTRY["PHOTO_PRESENT"]
    monkeypatch.setitem(rules.REGISTRY, "PHOTO_PRESENT", type(impl)(impl.params, boom))
    f = by_rule(evaluate_dossier(Dossier().build(), RB, context()))["PHOTO_PRESENT"]
    # People read a Chinese sentence; the exception is kept for the log and the details.
    assert f.outcome == "review" and "KeyError" not in f.message and "KeyError" in f.details["error"]


def test_unreadable_route_is_review_not_counted():
    posts = [PostLine(level="deputy_senior", established=20, vacant=0)]  # allows 1
    ev, findings = _batch([Dossier(), Dossier().set("route", "regular", conf=0.2)], posts=posts)
    assert by_rule(findings["A0001"])["POST_QUOTA"].outcome == "review"
    assert by_rule(findings["A0000"])["POST_QUOTA"].outcome == "pass"


def test_a_batch_without_its_report_or_count_table_is_returned_whole():
    """二（三）: 须报送申报情况报告……同时填写《申报人数统计表》（附最新岗位设置表和人员聘用情况）。否者，
    不予接收材料. Every dossier, however good, fails BATCH_PAPERS and is returned."""
    good = [Dossier(), Dossier().set("employer_type", "state_enterprise")]
    for missing in ({"report": None}, {"posts": []}):
        ev, findings = _batch(good, **missing)
        papers = next(b for b in ev.batch_findings if b.rule == "BATCH_PAPERS")
        assert papers.outcome == "fail" and papers.dossiers == ["A0000", "A0001"]
        for did in ("A0000", "A0001"):
            f = by_rule(findings[did])["BATCH_PAPERS"]
            assert f.outcome == "fail" and f.clause == "二（三）" and "不予接收" in f.message
            assert derive_status(findings[did], []) == "returned"
    ev, findings = _batch(good)
    assert all(by_rule(findings[d])["BATCH_PAPERS"].outcome == "pass" for d in ("A0000", "A0001"))
    assert all(derive_status(findings[d], []) == "accepted" for d in ("A0000", "A0001"))


def test_over_quota_returns_every_counted_dossier_of_its_scope_and_level():
    """一（六）2（2）: 对不按规定超岗位比例申报的地区和单位，不予接收申报材料."""
    posts = [PostLine(level="deputy_senior", established=20, vacant=0),
             PostLine(level="intermediate", established=20, vacant=5)]
    inter = Dossier().set("applied_title", "工程师").set("applied_level", "intermediate").set("current_title", "助理工程师")
    ev, findings = _batch([Dossier(), Dossier(), inter, Dossier().set("employer_type", "state_enterprise")], posts=posts)
    assert [derive_status(findings[f"A000{i}"], []) for i in range(4)] == ["returned", "returned", "accepted", "accepted"]
    assert "不予接收" in by_rule(findings["A0000"])["POST_QUOTA"].message


def test_late_county_batch_warns_its_senior_dossiers():
    """二（八）: 各旗县区在6月20日前完成高级职称组织申报工作. After the day: a batch-level fail and a
    warning on each deputy-senior and senior dossier; the status does not change."""
    import datetime as dt

    inter = Dossier().set("applied_title", "工程师").set("applied_level", "intermediate").set("current_title", "助理工程师")
    dossiers = [Dossier(), inter]
    for day, outcome in ((dt.date(2020, 6, 20), "pass"), (dt.date(2020, 6, 21), "fail")):
        ev, findings = _batch(dossiers, submitted_on=day)
        batch = next(b for b in ev.batch_findings if b.rule == "SUBMISSION_DEADLINE")
        assert batch.outcome == outcome and batch.clause == "二（八）"
        senior = by_rule(findings["A0000"])["SUBMISSION_DEADLINE"]
        assert senior.outcome == outcome and senior.severity == "warning"
        assert by_rule(findings["A0001"])["SUBMISSION_DEADLINE"].outcome == "not_applicable"
        assert derive_status(findings["A0000"], []) == "accepted"
    assert batch.dossiers == ["A0000"] and "6月20日" in batch.message
    ev, findings = _batch(dossiers, submitted_on=dt.date(2020, 6, 28), region="市直", quota_scope="市直")
    assert next(b for b in ev.batch_findings if b.rule == "SUBMISSION_DEADLINE").outcome == "not_applicable"


def test_only_exceptional_applicants_of_section_five_escape_the_quota():
    """一（六）2（3）: 符合“（五）规范破格申报”条件的人员不受岗位数额（比例）限制. A 破格 applicant whose
    basis is 一（八）2's 30 years in a 旗县区, or no basis at all, is counted like anyone else."""
    posts = [PostLine(level="deputy_senior", established=20, vacant=0)]  # allows 1
    exc = lambda: Dossier().set("route", "exceptional")  # noqa: E731
    listed = exc().doc("honor").ev("honor", title="自治区321人才工程二层次人选", date="2019-01")
    ev, findings = _batch([Dossier(), listed], posts=posts)
    f = by_rule(findings["A0001"])["POST_QUOTA"]
    assert f.outcome == "not_applicable" and "一（六）2（3）" in f.message and "（2）" in f.message
    assert by_rule(findings["A0000"])["POST_QUOTA"].outcome == "pass"
    for counted in (exc(), exc().set("county_years", 30)):
        ev, findings = _batch([Dossier(), counted], posts=posts)
        assert [by_rule(findings[d])["POST_QUOTA"].outcome for d in ("A0000", "A0001")] == ["fail", "fail"]
    green = exc().doc("honor").ev("honor", title="自治区急需紧缺人才绿色通道认定", date="2019-05")
    ev, findings = _batch([Dossier(), green], posts=posts)
    assert by_rule(findings["A0001"])["POST_QUOTA"].outcome == "not_applicable"  # 一（五）3
    unsure = exc().doc("honor").ev("honor", title="享受国务院政府特殊津贴人员", date="2019-05", conf=0.3)
    ev, findings = _batch([Dossier(), unsure], posts=posts)
    assert by_rule(findings["A0001"])["POST_QUOTA"].outcome == "review"
