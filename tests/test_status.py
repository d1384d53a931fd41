"""Status precedence: integrity_review > rejected > returned > needs_review > accepted."""

from __future__ import annotations

from dossierflow.models import Finding, Flag
from validators.status import derive_status


def F(rule: str, outcome: str, severity: str) -> Finding:
    return Finding(rule=rule, outcome=outcome, clause="x", severity=severity)  # type: ignore[arg-type]


OK = [F("EVAL_FORM_PRESENT", "pass", "materials"), F("SENIORITY", "pass", "eligibility")]
FLAG = Flag(code="DUPLICATE_APPLICANT", message="同一身份证号出现在两份材料中")


def test_all_pass_is_accepted():
    assert derive_status(OK, []) == "accepted"


def test_not_applicable_does_not_matter():
    assert derive_status(OK + [F("ENTRUSTMENT_PRESENT", "not_applicable", "materials")], []) == "accepted"


def test_flag_beats_everything():
    findings = OK + [F("SENIORITY", "fail", "eligibility"), F("PHOTO_PRESENT", "fail", "materials")]
    assert derive_status(findings, [FLAG]) == "integrity_review"


def test_eligibility_failure_rejects_before_materials_failure_returns():
    assert derive_status(OK + [F("PHOTO_PRESENT", "fail", "materials"), F("STATUS_ALLOWED", "fail", "eligibility")], []) == "rejected"
    assert derive_status(OK + [F("PHOTO_PRESENT", "fail", "materials")], []) == "returned"


def test_review_only_when_no_failure_settles_it():
    review = F("SENIORITY", "review", "eligibility")
    assert derive_status(OK + [review], []) == "needs_review"
    assert derive_status(OK + [review, F("PHOTO_PRESENT", "fail", "materials")], []) == "returned"
    assert derive_status(OK + [F("PUBLICITY_DONE", "review", "materials"), F("STATUS_ALLOWED", "fail", "eligibility")], []) == "rejected"


def test_warnings_never_change_status():
    assert derive_status(OK + [F("EVIDENCE_DATED", "fail", "warning")], []) == "accepted"
    assert derive_status(OK + [F("EVIDENCE_DATED", "review", "warning")], []) == "accepted"


def test_page_counts_never_give_more_ocr_pages_than_pages():
    from dossierflow.models import PageContent
    from dossierflow.pipeline import page_counts

    pages = [
        PageContent(file="A/评审表.pdf", page=1, method="text"),
        PageContent(file="A/评审表.pdf", page=2, method="ocr"),
        PageContent(file="A/表.docx", page=None, method="docx"),
        PageContent(file="A/毕业证.jpg", page=None, method="ocr"),  # a single scan: no page number
        PageContent(file="A/照片.jpg", page=None, method="image", image_is_photo=True),
    ]
    assert page_counts(pages) == {"pages": 4, "ocr_pages": 2}
