"""结论理由 names what decides the status; other open findings and warnings come apart (提示)."""

from __future__ import annotations

import re

import pytest

from dossierflow.output import dossier_report
from dossierflow.verdict_reasons import split_reasons
from validators.rulebook import load_rulebook

SPECS = load_rulebook().rules


def _f(rule: str, outcome: str, message: str = "") -> dict:
    return {"rule": rule, "outcome": outcome, "clause": SPECS[rule].clause, "message": message or rule, "sources": []}


FINDINGS = [
    _f("PLEDGE_SIGNED", "fail"),  # materials
    _f("SENIORITY", "fail"),  # eligibility
    _f("FORMS_CONSISTENT", "review"),  # materials, unsure
    _f("SUBMISSION_DEADLINE", "fail"),  # a batch rule weighing as a warning on each dossier
    _f("EVIDENCE_DATED", "fail"),  # a warning
    _f("PHOTO_PRESENT", "pass"),
    _f("POST_QUOTA", "fail"),  # a batch rule weighing as materials
]


def _rules(findings: list[dict]) -> list[str]:
    return [f["rule"] for f in findings]


@pytest.mark.parametrize(
    ("status", "deciding", "other"),
    [
        ("rejected", ["SENIORITY"], ["PLEDGE_SIGNED", "FORMS_CONSISTENT", "POST_QUOTA"]),
        ("returned", ["PLEDGE_SIGNED", "POST_QUOTA"], ["SENIORITY", "FORMS_CONSISTENT"]),
        ("needs_review", ["FORMS_CONSISTENT"], ["PLEDGE_SIGNED", "SENIORITY", "POST_QUOTA"]),
        ("integrity_review", [], ["PLEDGE_SIGNED", "SENIORITY", "FORMS_CONSISTENT", "POST_QUOTA"]),
    ],
)
def test_the_reasons_are_the_findings_that_set_the_status(status, deciding, other):
    reasons = split_reasons({"status": status, "findings": FINDINGS}, SPECS)
    assert _rules(reasons.deciding) == deciding
    assert _rules(reasons.other) == other
    assert _rules(reasons.hints) == ["SUBMISSION_DEADLINE", "EVIDENCE_DATED"]


def test_an_unknown_rule_is_counted_not_hidden():
    reasons = split_reasons({"status": "returned", "findings": [{"rule": "NEW_RULE", "outcome": "fail"}]}, SPECS)
    assert _rules(reasons.deciding) == ["NEW_RULE"]


def _line(status: str, findings: list[dict]) -> dict:
    return {
        "dossier_id": "A0001", "status": status, "message": "", "fields": {}, "findings": findings, "flags": [],
        "documents": [], "evidence": [], "stats": {"pages": 1, "ocr_pages": 0}, "versions": {},
    }


def _section(report: str, start: str, end: str) -> str:
    return report.split(start, 1)[1].split(end, 1)[0] if start in report else ""


def test_the_report_lists_deciding_reasons_and_warnings_apart():
    report = dossier_report(_line("rejected", FINDINGS), SPECS)
    reasons = _section(report, "<h2>结论理由</h2>", "</ul>")
    assert re.findall(r'<small class="code">([A-Z_]+)</small>', reasons) == ["SENIORITY"]
    assert SPECS["SENIORITY"].clause in reasons
    hints = re.search(r'<p class="hint">(.*?)</p>', report, flags=re.S).group(1)
    assert hints.startswith("<b>提示</b>")
    assert re.findall(r'<small class="code">([A-Z_]+)</small>', hints) == ["SUBMISSION_DEADLINE", "EVIDENCE_DATED"]
    other = re.search(r'<p class="other">(.*?)</p>', report, flags=re.S).group(1)
    assert re.findall(r'<small class="code">([A-Z_]+)</small>', other) == ["PLEDGE_SIGNED", "FORMS_CONSISTENT", "POST_QUOTA"]


def test_an_accepted_dossier_with_a_warning_has_no_reasons_only_a_hint():
    report = dossier_report(_line("accepted", [_f("SUBMISSION_DEADLINE", "fail"), _f("PLEDGE_SIGNED", "pass")]), SPECS)
    assert "结论理由" not in report
    assert '<p class="other">' not in report
    assert re.search(r'<p class="hint"><b>提示</b>.*SUBMISSION_DEADLINE', report, flags=re.S)


def test_the_batch_table_lists_failed_rules_without_warnings() -> None:
    from dossierflow.verdict_reasons import failed_rules

    line = {"status": "returned", "findings": FINDINGS}
    assert _rules(failed_rules(line, SPECS)) == ["PLEDGE_SIGNED", "SENIORITY", "POST_QUOTA"]
