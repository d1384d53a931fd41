"""evaluate_dossier: one finding per rule, clauses from the rulebook, and a new policy year as data."""

from __future__ import annotations

import re

import yaml

from dossierflow.vocab import RULE_CODES
from tests.rules_builder import Dossier, by_rule, context
from validators.engine import evaluate_dossier
from validators.rulebook import RULEBOOK_DIR, load_rulebook

RB = load_rulebook()
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_rule_once_with_its_rulebook_clause_and_a_chinese_message():
    findings = evaluate_dossier(Dossier().build(), RB, context())
    assert [f.rule for f in findings] == [c for c in RULE_CODES if c not in ("POST_QUOTA", "BATCH_PAPERS", "SUBMISSION_DEADLINE")]
    for f in findings:
        assert f.clause == RB.spec(f.rule).clause
        assert CJK.search(f.message), f.rule
        assert f.severity == RB.spec(f.rule).severity


def test_an_empty_extraction_gives_review_or_failure_never_a_pass_on_eligibility():
    from dossierflow.models import DossierExtraction

    findings = by_rule(evaluate_dossier(DossierExtraction(dossier_id="X"), RB, context()))
    for code in ("STATUS_ALLOWED", "SENIORITY", "EDUCATION_CUTOFF", "EVALUATION_CHANNEL", "NOT_BLACKLISTED"):
        assert findings[code].outcome == "review", code
    assert findings["EVAL_FORM_PRESENT"].outcome == "fail"


def test_a_new_policy_year_is_a_new_rulebook_not_new_code(tmp_path):
    data = yaml.safe_load((RULEBOOK_DIR / "baotou-2020.yaml").read_text(encoding="utf-8"))
    data["name"] = "baotou-2021"
    data["policy_year"] = 2021
    data["cutoff_qual"] = "2020-12-31"
    data["rules"]["CE_CARD_VALID"]["params"]["years_required"] = [2019, 2020, 2021]
    path = tmp_path / "baotou-2021.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rb2021 = load_rulebook(path)
    d = Dossier().set("current_title_date", "2015-06")  # 4 years at 2019-12-31, 5 at 2020-12-31
    assert by_rule(evaluate_dossier(d.build(), RB, context()))["SENIORITY"].outcome == "fail"
    f2021 = by_rule(evaluate_dossier(d.build(), rb2021, context()))
    assert f2021["SENIORITY"].outcome == "pass" and "2020-12-31" in f2021["SENIORITY"].message
    assert f2021["CE_CARD_VALID"].outcome == "fail" and "2021" in f2021["CE_CARD_VALID"].message


def test_low_confidence_threshold_is_a_rulebook_parameter(tmp_path):
    data = yaml.safe_load((RULEBOOK_DIR / "baotou-2020.yaml").read_text(encoding="utf-8"))
    data["confidence_threshold"] = 0.3
    path = tmp_path / "lenient.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    d = Dossier().set("person_status", "professional", conf=0.5)
    assert by_rule(evaluate_dossier(d.build(), RB, context()))["STATUS_ALLOWED"].outcome == "review"
    assert by_rule(evaluate_dossier(d.build(), load_rulebook(path), context()))["STATUS_ALLOWED"].outcome == "pass"


def test_a_page_cited_whole_beside_a_region_of_it_is_cited_once():
    """The material list's document names its page; its evidence names a region of that page.
    A finding citing both shows the page once, by its region, so the report draws one picture."""
    from dossierflow.models import Source

    d = Dossier()
    listed = [e.kind for e in d.evidence].index("material_list")
    region = (0.0, 0.0, 595.0, 842.0)
    d.evidence[listed] = d.evidence[listed].model_copy(update={"source": Source(file=d.evidence[listed].source.file,
                                                                                page=d.evidence[listed].source.page, bbox=region)})
    finding = by_rule(evaluate_dossier(d.build(), RB, context()))["MATERIAL_LIST_MATCHES"]
    on_page = [s for s in finding.sources if (s.file, s.page) == (d.evidence[listed].source.file, d.evidence[listed].source.page)]
    assert [s.bbox for s in on_page] == [region]


def test_distinct_sources_keeps_order_and_other_pages():
    from dossierflow.models import Source, distinct_sources

    whole, region, other, cell = (Source(file="A/b.pdf", page=2), Source(file="A/b.pdf", page=2, bbox=(1, 2, 3, 4)),
                                  Source(file="A/b.pdf", page=3), Source(file="A/c.docx", locator="table 1, row 1, cell 1"))
    assert distinct_sources([whole, other, region, cell, region, other]) == [other, region, cell]
