"""Reviewers' decisions on what the machine read and could not settle, and the batch judged again.

A reviewer corrects a field value (`correct_field`) or settles a finding the machine left at
`review` (`settle_finding`). Each decision is a row of `reviewer_decisions` and, in the same
transaction, an entry of the HMAC change log (dossierflow.storage.changelog), whose replay finds a
decision altered, added or removed behind the log's back (`dossier review verify`).

Recording a decision does not judge: `rejudge` then judges the whole batch again from what the
run stored (its judging record and the extraction cache; never the files, never OCR) with every
decision of the batch applied (dossierflow.apply_decisions), records the results and rewrites
results.jsonl, batch.json, the reports, notices and roster. `dossier run` and `dossier audit`
apply the same decisions through `pipeline.judge_batch(decisions=decisions_for(store, batch))`.

Every refusal is a UsageError with a Chinese message, raised before anything is written. A form
states what it showed (`expected_value`, `expected_outcome`): when that is no longer the current
state, the form is stale and refused; the check is repeated inside the writing transaction, so
two reviewers deciding at once cannot both win.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from dossierflow.errors import UsageError
from dossierflow.field_values import FieldScalar, check_field, label, parse_field_value, same_value
from dossierflow.labels import OUTCOME_LABELS, STATUS_LABELS
from dossierflow.vocab import RULE_CODE_SET

if TYPE_CHECKING:
    from dossierflow.storage import Store

Settled = Literal["pass", "fail"]


class FieldCorrection(BaseModel):
    """A field value a reviewer corrected. `old_value`: the value their form showed (the
    current one, possibly an earlier correction); `read_value`: what the machine read then
    (None: not found), which the correction answers; `seq`: its change-log entry."""

    model_config = ConfigDict(extra="forbid")
    batch_id: str
    dossier_id: str
    field: str
    old_value: FieldScalar = None
    read_value: FieldScalar = None
    value: FieldScalar
    reason: str
    reviewer: str
    decided_at: str
    seq: int


class FindingSettlement(BaseModel):
    """A `review` finding a reviewer settled. `old_outcome`: what their form showed (`review`,
    or an earlier settlement's outcome); `seq`: its change-log entry."""

    model_config = ConfigDict(extra="forbid")
    batch_id: str
    dossier_id: str
    rule_code: str
    outcome: Settled
    old_outcome: Optional[str] = None
    reason: str
    reviewer: str
    decided_at: str
    seq: int


class HumanDecisions(BaseModel):
    """Every correction and settlement of one batch, oldest first."""

    model_config = ConfigDict(extra="forbid")
    batch_id: str
    corrections: list[FieldCorrection] = Field(default_factory=list)
    settlements: list[FindingSettlement] = Field(default_factory=list)

    def for_dossier(self, dossier_id: str) -> "HumanDecisions":
        return HumanDecisions(
            batch_id=self.batch_id,
            corrections=[c for c in self.corrections if c.dossier_id == dossier_id],
            settlements=[s for s in self.settlements if s.dossier_id == dossier_id],
        )

    def latest_correction(self, dossier_id: str, field: str) -> Optional[FieldCorrection]:
        found = [c for c in self.corrections if c.dossier_id == dossier_id and c.field == field]
        return found[-1] if found else None

    def latest_settlement(self, dossier_id: str, rule_code: str) -> Optional[FindingSettlement]:
        found = [s for s in self.settlements if s.dossier_id == dossier_id and s.rule_code == rule_code]
        return found[-1] if found else None

    def __bool__(self) -> bool:
        return bool(self.corrections or self.settlements)


def decisions_for(store: "Store", batch_id: str) -> HumanDecisions:
    out = HumanDecisions(batch_id=batch_id)
    for seq, kind, content in store.reviewer_decisions(batch_id):
        c = json.loads(content)
        if kind == "correction":
            out.corrections.append(FieldCorrection(seq=seq, **c))
        elif kind == "settlement":
            out.settlements.append(FindingSettlement(seq=seq, rule_code=c.pop("rule"), **c))
    return out


# --- recording ------------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def _who(reason: str, reviewer: str) -> tuple[str, str]:
    if not reason.strip() or not reviewer.strip():
        raise UsageError("必须填写理由（--reason）和复核人（--reviewer）")
    return reason.strip(), reviewer.strip()


def _stored_line(out_dir: Path, dossier_id: str) -> tuple[str, dict]:
    """The batch id and the dossier's current result line, as the run (or the last re-judging)
    wrote them."""
    out_dir = Path(out_dir)
    results, summary = out_dir / "results.jsonl", out_dir / "batch.json"
    if not results.exists() or not summary.exists():
        raise UsageError(f"{out_dir} 不是一次已完成运行的输出目录（缺少 results.jsonl 或 batch.json）")
    batch_id = json.loads(summary.read_text(encoding="utf-8"))["batch_id"]
    for text in results.read_text(encoding="utf-8").splitlines():
        if text.strip():
            line = json.loads(text)
            if line["dossier_id"] == dossier_id:
                if line["status"] == "error":
                    raise UsageError(f"档案 {dossier_id} 未能读取（{line.get('message') or '处理出错'}），没有可更正或裁定的内容")
                return batch_id, line
    raise UsageError(f"批次 {batch_id} 中没有档案 {dossier_id}")


def _shown(field: str, value: object) -> str:
    from dossierflow.display import shown_value
    from dossierflow.privacy import mask_id

    if value is None or value == "":
        return "（空）"
    return mask_id(str(value)) if field == "id_number" else shown_value(field, value)


def correct_field(
    store: "Store",
    out_dir: Path,
    dossier_id: str,
    field: str,
    value: object,
    reason: str,
    reviewer: str,
    expected_value: object = None,
) -> FieldCorrection:
    """Record a reviewer's value for `field` of the dossier (judge again with `rejudge`).
    `expected_value`: the value the reviewer's form showed; refused when it is no longer so."""
    reason, reviewer = _who(reason, reviewer)
    batch_id, line = _stored_line(out_dir, dossier_id)
    check_field(field)
    new = parse_field_value(field, value)
    shown = line["fields"].get(field)
    earlier = (shown or {}).get("source", {}).get("decision")
    read = earlier["machine"] if earlier else (shown["value"] if shown else None)
    latest = decisions_for(store, batch_id).latest_correction(dossier_id, field)
    in_force = latest is not None and latest.read_value == read and (latest.read_value is None) == (read is None)
    current = latest.value if in_force else read  # type: ignore[union-attr]
    if expected_value is not None and not same_value(field, expected_value, current):
        raise UsageError(
            f"表单已过期：档案 {dossier_id} 的{label(field)}现为「{_shown(field, current)}」，"
            f"而表单显示为「{_shown(field, expected_value)}」；请刷新后重新填写"
        )
    if in_force and latest.value == new:  # type: ignore[union-attr]
        raise UsageError(f"档案 {dossier_id} 的{label(field)}已由 {latest.reviewer} 更正为「{_shown(field, new)}」，无需重复更正")  # type: ignore[union-attr]
    fields = {
        "batch_id": batch_id, "dossier_id": dossier_id, "field": field, "old_value": current, "read_value": read,
        "value": new, "reason": reason, "reviewer": reviewer, "decided_at": _now(),
    }
    stale = f"表单已过期：档案 {dossier_id} 的{label(field)}刚被其他复核人更正；请刷新后重新填写"
    seq = store.append_reviewer_decision("correction", field, fields, latest.seq if latest else None, stale)
    return FieldCorrection(seq=seq, **fields)


def settle_finding(
    store: "Store",
    out_dir: Path,
    dossier_id: str,
    rule_code: str,
    outcome: str,
    reason: str,
    reviewer: str,
    expected_outcome: Optional[str] = None,
) -> FindingSettlement:
    """Record a reviewer's outcome (pass / fail) for a finding the machine left at `review`
    (judge again with `rejudge`). A settled finding is settled again only when the form states
    its current outcome (`expected_outcome`): a change of mind, not a form sent twice."""
    reason, reviewer = _who(reason, reviewer)
    if outcome not in ("pass", "fail"):
        raise UsageError(f"裁定结论只能是 pass（符合）或 fail（不符合），而不是 {outcome}")
    if rule_code not in RULE_CODE_SET:
        raise UsageError(f"没有代码为 {rule_code} 的规则")
    batch_id, line = _stored_line(out_dir, dossier_id)
    finding = next((f for f in line["findings"] if f["rule"] == rule_code), None)
    if finding is None:
        raise UsageError(f"档案 {dossier_id} 没有规则 {rule_code} 的结论")
    earlier = finding.get("decision")
    machine = earlier["machine"] if earlier and earlier.get("applied", True) else finding["outcome"]
    name = f"{rule_name(rule_code)}（{rule_code}）"
    if machine != "review":
        raise UsageError(
            f"档案 {dossier_id} 的规则 {name} 结论为「{OUTCOME_LABELS.get(machine, machine)}」，"
            "不是「需人工审核」，不能裁定"
        )
    latest = decisions_for(store, batch_id).latest_settlement(dossier_id, rule_code)
    current = latest.outcome if latest is not None else "review"
    if latest is not None and expected_outcome is None:
        raise UsageError(
            f"档案 {dossier_id} 的规则 {name} 已由 {latest.reviewer} 于 {latest.decided_at} 裁定为"
            f"「{OUTCOME_LABELS[latest.outcome]}」，不能重复裁定；如需改判，请注明当前结论"
        )
    if expected_outcome is not None and expected_outcome != current:
        raise UsageError(
            f"表单已过期：档案 {dossier_id} 的规则 {name} 现为「{OUTCOME_LABELS.get(current, current)}」，"
            f"而表单显示为「{OUTCOME_LABELS.get(expected_outcome, expected_outcome)}」；请刷新后重新填写"
        )
    if current == outcome:
        raise UsageError(f"档案 {dossier_id} 的规则 {name} 已裁定为「{OUTCOME_LABELS[outcome]}」，无需重复裁定")
    fields = {
        "batch_id": batch_id, "dossier_id": dossier_id, "rule": rule_code, "outcome": outcome, "old_outcome": current,
        "reason": reason, "reviewer": reviewer, "decided_at": _now(),
    }
    stale = f"表单已过期：档案 {dossier_id} 的规则 {name} 刚被其他复核人裁定；请刷新后重新填写"
    seq = store.append_reviewer_decision("settlement", rule_code, fields, latest.seq if latest else None, stale)
    return FindingSettlement(seq=seq, rule_code=fields.pop("rule"), **fields)


def described(decision: dict) -> str:
    """One decision of a result line (`decisions[]`) in Chinese, ID numbers masked."""
    if decision["kind"] == "correction":
        field = decision["field"]
        was = "未读出" if decision.get("machine") is None else _shown(field, decision["machine"])
        what = f"更正{label(field)}：「{was}」→「{_shown(field, decision['value'])}」"
    else:
        what = f"裁定 {rule_name(decision['rule'])}（{decision['rule']}）为「{OUTCOME_LABELS.get(decision['value'], decision['value'])}」"
    return f"{what}（复核人 {decision['reviewer']}，{decision['decided_at']}，变更日志第 {decision['seq']} 条）"


def rule_name(rule_code: str, rulebook: str = "baotou-2020") -> str:
    from validators.rulebook import load_rulebook

    spec = load_rulebook(rulebook).rules.get(rule_code)
    return spec.name if spec is not None else rule_code


# --- judging again --------------------------------------------------------------------------


class Rejudged(BaseModel):
    """What judging again changed: each dossier's status before and after."""

    model_config = ConfigDict(extra="forbid")
    batch_id: str
    before: dict[str, str]
    after: dict[str, str]
    log_head: Optional[dict] = None

    @property
    def changed(self) -> dict[str, tuple[Optional[str], str]]:
        return {d: (self.before.get(d), s) for d, s in self.after.items() if self.before.get(d) != s}

    def describe(self, dossier_id: str) -> str:
        """`待人工审核 → 通过` in Chinese, or that it stayed."""
        old, new = self.before.get(dossier_id), self.after.get(dossier_id)
        if old == new:
            return f"状态仍为「{STATUS_LABELS.get(new or '', new)}」"
        return f"状态由「{STATUS_LABELS.get(old or '', old)}」变为「{STATUS_LABELS.get(new or '', new)}」"


@contextlib.contextmanager
def _one_at_a_time(out_dir: Path) -> Iterator[None]:
    """Two re-judgings of one output folder write one after the other, never interleaved."""
    path = Path(out_dir) / ".cache" / "rejudge.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rejudge(store: "Store", out_dir: Path) -> Rejudged:
    """Judge the whole batch of `out_dir` again, with every decision recorded for it, from what
    the run stored; record the results and rewrite the outputs. Raises UsageError when the run
    left no judging record or its cache lost an extraction (run `dossier run` again)."""
    from dossierflow.judging_record import JudgingRecord
    from flows.stages import judge_and_record_in, write

    out_dir = Path(out_dir)
    with _one_at_a_time(out_dir):
        record = JudgingRecord.load(out_dir)
        before = _statuses(out_dir)
        batch = record.batch_input()
        outcomes = record.outcomes(out_dir)
        judged, log_head = judge_and_record_in(store, batch, outcomes, record.rulebook, record.processing_date)
        write(out_dir, batch, judged, log_head, record.processing_date, record.notice_template, keep_record=False)
    return Rejudged(batch_id=batch.batch_id, before=before, after={b.dossier_id: b.status for b in judged.briefs},
                    log_head=log_head)


def _statuses(out_dir: Path) -> dict[str, str]:
    path = out_dir / "results.jsonl"
    if not path.exists():
        return {}
    lines = [json.loads(t) for t in path.read_text(encoding="utf-8").splitlines() if t.strip()]
    return {line["dossier_id"]: line["status"] for line in lines}
