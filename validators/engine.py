"""Applies a rulebook to dossiers: one finding per rule code, then the batch-level rules."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dossierflow.batch import BatchInfo, RunContext
from dossierflow.failures import RULE_FAILED
from dossierflow.models import DossierExtraction, Finding, distinct_sources
from validators.rulebook import Rulebook, RuleSpec
from validators.rules import REGISTRY
from validators.rules.base import Facts, RuleResult, Unreadable, review
from validators.rules.quota import (
    BatchFinding,
    Counting,
    batch_papers,
    batch_papers_for_dossier,
    counting,
    deadline_entry,
    deadline_of_entries,
    post_quota_of_counts,
)

log = logging.getLogger(__name__)

__all__ = ["BatchEvaluation", "BatchFacts", "BatchFinding", "batch_facts", "evaluate_batch", "evaluate_batch_facts",
           "evaluate_dossier", "with_batch_rules"]


def _finding_severity(spec: RuleSpec) -> Literal["materials", "eligibility", "warning"]:
    # A batch rule's failure sends the dossier back to its unit, like a materials failure, unless
    # the rulebook makes it a warning (SUBMISSION_DEADLINE: a person decides).
    return spec.dossier_severity if spec.severity == "batch" else spec.severity


def _finding(spec: RuleSpec, result: RuleResult) -> Finding:
    return Finding(
        rule=spec.code,
        outcome=result.outcome,
        clause=spec.clause,
        message=result.message,
        sources=distinct_sources(result.sources),
        severity=_finding_severity(spec),
        details=result.details,
    )


def _run(spec: RuleSpec, facts: Facts) -> RuleResult:
    func = REGISTRY[spec.code].func
    assert func is not None
    try:
        return func(facts, spec.params)
    except Unreadable as u:
        return review(u.message, u.sources)
    except Exception as exc:  # one broken rule must not lose the dossier or the batch
        log.exception("rule %s failed on dossier %s", spec.code, facts.ex.dossier_id)
        return review(RULE_FAILED, error=repr(exc))


def evaluate_dossier(extraction: DossierExtraction, rulebook: Rulebook, ctx: RunContext) -> list[Finding]:
    """Every per-dossier rule, in the rulebook's code order; POST_QUOTA comes from evaluate_batch."""
    facts = Facts(extraction, rulebook, ctx)
    return [_finding(spec, _run(spec, facts)) for spec in rulebook.rules.values() if spec.severity != "batch"]


class BatchEvaluation(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    batch_id: str
    batch_findings: list[BatchFinding] = Field(default_factory=list)
    post_quota: dict[str, Finding] = Field(default_factory=dict)  # dossier id → its POST_QUOTA finding
    batch_rules: dict[str, list[Finding]] = Field(default_factory=dict)  # dossier id → its batch-rule findings


def _same_region_summary(findings: dict[str, list[Finding]], spec: RuleSpec, batch: BatchInfo) -> BatchFinding:
    by_outcome: dict[str, list[str]] = {}
    for did, fs in findings.items():
        for f in fs:
            if f.rule == "SAME_REGION":
                by_outcome.setdefault(f.outcome, []).append(did)
    counts = {k: len(v) for k, v in by_outcome.items()}
    failing = sorted(by_outcome.get("fail", []))
    if not batch.region:
        outcome, msg = "not_applicable", "批次未注明申报地区，不核对申报地区"
    elif failing:
        outcome, msg = "fail", f"{len(failing)}名事业单位人员所在地区与申报地区（{batch.region}）不符"
    elif by_outcome.get("review"):
        outcome, msg = "review", f"{len(by_outcome['review'])}人所在地区需人工核对"
    else:
        outcome, msg = "pass", f"事业单位人员均为本地区（{batch.region}）人员"
    return BatchFinding(rule="SAME_REGION", outcome=outcome, clause=spec.clause, message=msg, scope=batch.region,
                        dossiers=failing, details={"outcomes": counts})


@dataclass(frozen=True)
class BatchFacts:
    """What the batch rules need of one dossier: judged once, so the batch is judged without
    holding every extraction (the run streams them: dossierflow.pipeline)."""

    quota: Counting
    deadline: "str | RuleResult"


def batch_facts(extraction: DossierExtraction, rulebook: Rulebook, batch: BatchInfo) -> BatchFacts:
    facts = Facts(extraction, rulebook, _batch_context(batch))
    return BatchFacts(
        quota=counting(facts, rulebook.spec("POST_QUOTA").params),  # type: ignore[arg-type]
        deadline=deadline_entry(facts, rulebook.spec("SUBMISSION_DEADLINE").params),  # type: ignore[arg-type]
    )


def _batch_context(batch: BatchInfo) -> RunContext:
    return RunContext(batch=batch, processing_date=batch.submitted_on or dt.date.today())


def evaluate_batch(
    extractions: dict[str, DossierExtraction],
    findings: dict[str, list[Finding]],
    rulebook: Rulebook,
    batch: BatchInfo,
) -> BatchEvaluation:
    """Adds each batch rule's finding (POST_QUOTA, BATCH_PAPERS, SUBMISSION_DEADLINE) to each
    dossier's list in `findings` (in place, replacing any earlier one) and returns the
    batch-level findings for `batch.json`."""
    facts = {did: batch_facts(ex, rulebook, batch) for did, ex in extractions.items()}
    evaluation = evaluate_batch_facts(facts, findings, rulebook, batch)
    for did, mine in evaluation.batch_rules.items():
        fs = findings.setdefault(did, [])
        fs[:] = with_batch_rules(fs, mine)
    return evaluation


def with_batch_rules(findings: list[Finding], mine: list[Finding]) -> list[Finding]:
    """A dossier's findings with its batch rules' findings in place of any earlier ones."""
    codes = {f.rule for f in mine}
    return [f for f in findings if f.rule not in codes] + mine


def evaluate_batch_facts(
    facts: dict[str, BatchFacts],
    findings: dict[str, list[Finding]],
    rulebook: Rulebook,
    batch: BatchInfo,
) -> BatchEvaluation:
    """The batch rules from each dossier's `BatchFacts`; `findings`: each dossier's findings, of
    which the SAME_REGION ones are summarised. Each dossier's batch-rule findings are returned
    in `batch_rules` (`with_batch_rules` puts them in its list)."""
    quota_spec = rulebook.spec("POST_QUOTA")
    per_dossier, quota_findings = post_quota_of_counts(
        {did: f.quota for did, f in facts.items()}, quota_spec.params, quota_spec.clause, batch  # type: ignore[arg-type]
    )

    papers_spec = rulebook.spec("BATCH_PAPERS")
    papers = batch_papers(batch, papers_spec.params, papers_spec.clause, list(facts))  # type: ignore[arg-type]
    deadline_spec = rulebook.spec("SUBMISSION_DEADLINE")
    per_deadline, deadline = deadline_of_entries(
        {did: f.deadline for did, f in facts.items()}, deadline_spec.params, deadline_spec.clause, batch  # type: ignore[arg-type]
    )

    added: dict[str, Finding] = {}
    batch_rules: dict[str, list[Finding]] = {}
    for did in facts:
        mine = [
            _finding(quota_spec, per_dossier[did]),
            _finding(papers_spec, batch_papers_for_dossier(papers)),
            _finding(deadline_spec, per_deadline[did]),
        ]
        added[did] = mine[0]
        batch_rules[did] = mine

    batch_findings = [papers, *quota_findings, deadline]
    batch_findings.append(_same_region_summary(findings, rulebook.spec("SAME_REGION"), batch))
    return BatchEvaluation(batch_id=batch.batch_id, batch_findings=batch_findings, post_quota=added,
                           batch_rules=batch_rules)
