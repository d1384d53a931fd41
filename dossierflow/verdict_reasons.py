"""Why a dossier has its status: the findings that decide it, apart from the rest.

The status is the most severe level present (`validators.status`): a rejected dossier is
rejected by its failed eligibility rules, whatever else it lacks. The report's 结论理由 lists
those; other open findings of deciding rules (a missing form on a dossier already rejected, a
`review` under a failure) come as 其他问题, and warnings, which never change a status
(SUBMISSION_DEADLINE, EVIDENCE_DATED), as 提示.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Weight = Literal["eligibility", "materials", "warning"]
OPEN = ("fail", "review")


def weight_of(spec: object | None) -> Weight:
    """How a rule's finding on one dossier weighs: a batch rule weighs as its dossier severity."""
    severity = getattr(spec, "severity", None)
    if severity == "batch":
        return getattr(spec, "dossier_severity", "materials")
    if severity in ("eligibility", "warning"):
        return severity
    return "materials"  # an unknown rule is counted, never hidden


def _decides(status: str, outcome: str, weight: Weight) -> bool:
    if status == "rejected":
        return outcome == "fail" and weight == "eligibility"
    if status == "returned":
        return outcome == "fail" and weight == "materials"
    if status == "needs_review":
        return outcome == "review"
    return False  # accepted has nothing to explain; integrity_review is decided by its leads


@dataclass
class Reasons:
    deciding: list[dict] = field(default_factory=list)
    other: list[dict] = field(default_factory=list)
    hints: list[dict] = field(default_factory=list)


def split_reasons(line: dict, rule_specs: dict) -> Reasons:
    """The line's open findings (fail, review) in three lists, in the line's order."""
    out = Reasons()
    status = line.get("status", "")
    for finding in line.get("findings", []):
        if finding.get("outcome") not in OPEN:
            continue
        weight = weight_of(rule_specs.get(finding.get("rule")))
        if weight == "warning":
            out.hints.append(finding)
        elif _decides(status, finding["outcome"], weight):
            out.deciding.append(finding)
        else:
            out.other.append(finding)
    return out


def failed_rules(line: dict, rule_specs: dict) -> list[dict]:
    """The failed findings that count against the dossier (the batch table's 未通过的规则):
    a warning's fail never changes a status, so it is left to the dossier's own report (提示)."""
    return [f for f in line.get("findings", [])
            if f.get("outcome") == "fail" and weight_of(rule_specs.get(f.get("rule"))) != "warning"]
