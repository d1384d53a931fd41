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
        Dossier().set("route", "exceptional"),
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
    assert [f.rule for f in findings["A0000"]].count("POST_QUOTA") == 1
    assert len(findings["A0000"]) == 25
    dumped = [b.model_dump(mode="json") for b in ev2.batch_findings]
    assert {d["rule"] for d in dumped} == {"BATCH_PAPERS", "POST_QUOTA", "SAME_REGION"}


def test_a_broken_rule_gives_review_not_a_lost_batch(monkeypatch):
    from validators import rules

    def boom(f, p):
        raise KeyError("oops")

    impl = rules.REGISTRY["PHOTO_PRESENT"]
    monkeypatch.setitem(rules.REGISTRY, "PHOTO_PRESENT", type(impl)(impl.params, boom))
    f = by_rule(evaluate_dossier(Dossier().build(), RB, context()))["PHOTO_PRESENT"]
    assert f.outcome == "review" and "KeyError" in f.message


def test_unreadable_route_is_review_not_counted():
    posts = [PostLine(level="deputy_senior", established=20, vacant=0)]  # allows 1
    ev, findings = _batch([Dossier(), Dossier().set("route", "regular", conf=0.2)], posts=posts)
    assert by_rule(findings["A0001"])["POST_QUOTA"].outcome == "review"
    assert by_rule(findings["A0000"])["POST_QUOTA"].outcome == "pass"
