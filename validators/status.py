"""A dossier's status from its findings and flags, most severe first (output-contract.md).

`error` is decided by the pipeline (the dossier could not be read at all), never here.
"""

from __future__ import annotations

from typing import Iterable

from dossierflow.models import Finding, Flag, Status


def derive_status(findings: Iterable[Finding], flags: Iterable[Flag]) -> Status:
    """integrity_review > rejected > returned > needs_review > accepted.

    A `review` only matters on a deciding rule (materials or eligibility) and only when no
    failure already settles the dossier; warnings (EVIDENCE_DATED) never change the status.
    """
    if any(True for _ in flags):
        return "integrity_review"
    deciding = [f for f in findings if f.severity != "warning"]
    if any(f.outcome == "fail" and f.severity == "eligibility" for f in deciding):
        return "rejected"
    if any(f.outcome == "fail" and f.severity == "materials" for f in deciding):
        return "returned"
    if any(f.outcome == "review" for f in deciding):
        return "needs_review"
    return "accepted"
