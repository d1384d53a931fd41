"""What a decision form does: each of the three kinds handed to the module that owns it
(corrections and settled findings: dossierflow.corrections; integrity leads: dossierflow.review),
the batch judged again at once (`corrections.rejudge`: results.jsonl and the reports rewritten),
and what was done described back in Chinese. Every refusal is a UsageError raised before
anything is written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from dossierflow import corrections, review
from dossierflow.display import shown_value
from dossierflow.errors import UsageError
from dossierflow.labels import FIELD_LABELS, FLAG_LABELS

if TYPE_CHECKING:
    from dossierflow.station.records import BatchRecord
    from dossierflow.storage import Store

ACTIONS_CN = {"confirm": "确认", "dismiss": "排除"}
OUTCOMES_CN = {"pass": "符合", "fail": "不符合"}


def _required(form: dict, name: str, label: str) -> str:
    value = (form.get(name) or "").strip()
    if not value:
        raise UsageError(f"请填写{label}")
    return value


def apply(action: str, store: "Store", rec: "BatchRecord", line: dict, form: dict, reviewer: str) -> str:
    """Record the decision, judge the batch again at once, and say what was done in Chinese."""
    dossier_id = line["dossier_id"]
    if action == "lead":
        done = _lead(store, rec, line, form, reviewer)
    elif action == "correct":
        key = _required(form, "field", "要更正的字段")
        reason = _required(form, "reason", "理由")
        value = _required(form, "value", f"{FIELD_LABELS.get(key, key)}的正确值")
        made = corrections.correct_field(store, rec.out_dir, dossier_id, key, value, reason, reviewer,
                                         expected_value=form.get("expected"))
        done = f"已将{FIELD_LABELS.get(key, key)}更正为「{shown_value(key, made.value)}」"
    elif action == "settle":
        rule = _required(form, "rule", "规则")
        outcome = _required(form, "outcome", "裁定结论（符合或不符合）")
        reason = _required(form, "reason", "理由")
        corrections.settle_finding(store, rec.out_dir, dossier_id, rule, outcome, reason, reviewer,
                                   expected_outcome=form.get("expected") or None)
        done = f"已将规则 {corrections.rule_name(rule)}（{rule}）裁定为「{OUTCOMES_CN.get(outcome, outcome)}」"
    else:
        raise UsageError(f"未知的操作 {action}")
    try:
        corrections.rejudge(store, rec.out_dir)
    except UsageError as exc:
        # The decision stands (it is in the log); the next `dossier run` applies it.
        return f"{done}；但未能立即重新判定：{exc}"
    return done


def _lead(store: "Store", rec: "BatchRecord", line: dict, form: dict, reviewer: str) -> str:
    lead_id = _required(form, "lead_id", "线索编号")
    choice = _required(form, "decision", "决定（确认或排除）")
    if choice not in ACTIONS_CN:
        raise UsageError("决定只能是 确认 或 排除")
    reason = _required(form, "reason", "理由")
    lead = store.lead(lead_id)
    if lead is None or lead.batch_id != rec.batch_id or lead.dossier_id != line["dossier_id"]:
        raise UsageError(f"档案 {line['dossier_id']} 没有编号为 {lead_id} 的线索")
    if choice == "confirm":
        d = review.confirm(store, lead_id, reason, reviewer)
        done = f"已确认线索 {lead_id}（{FLAG_LABELS.get(lead.code, lead.code)}，决定 #{d.seq}），申报人已列入黑名单 #{d.blacklist_entry_id}"
    else:
        d = review.dismiss(store, lead_id, reason, reviewer)
        done = f"已排除线索 {lead_id}（{FLAG_LABELS.get(lead.code, lead.code)}，决定 #{d.seq}）"
    return done


def decisions_of(store: "Store", batch_id: str, dossier_id: str) -> list[dict]:
    """The corrections and settlements this dossier's result rests on, oldest first."""
    mine = corrections.decisions_for(store, batch_id).for_dossier(dossier_id)
    rows = [{"seq": c.seq, "when": c.decided_at, "who": c.reviewer, "what": _correction(c), "reason": c.reason} for c in mine.corrections]
    rows += [{"seq": s.seq, "when": s.decided_at, "who": s.reviewer, "what": _settlement(s), "reason": s.reason} for s in mine.settlements]
    return sorted(rows, key=lambda r: r["seq"])


def log_entries(store: "Store", batch_ids: list[str]) -> list[dict]:
    """Every decision on the served batches, newest first: leads', corrections', settlements'."""
    rows: list[dict] = []
    for d in store.decisions():
        if d.batch_id in batch_ids:
            rows.append({"seq": d.seq, "when": d.decided_at, "who": d.reviewer, "batch_id": d.batch_id, "dossier_id": d.dossier_id,
                         "what": f"{ACTIONS_CN.get(d.action, d.action)}线索 {d.lead_id}（{FLAG_LABELS.get(d.code, d.code)}）", "reason": d.reason})
    for batch_id in batch_ids:
        made = corrections.decisions_for(store, batch_id)
        rows += [{"seq": c.seq, "when": c.decided_at, "who": c.reviewer, "batch_id": batch_id, "dossier_id": c.dossier_id,
                  "what": _correction(c), "reason": c.reason} for c in made.corrections]
        rows += [{"seq": s.seq, "when": s.decided_at, "who": s.reviewer, "batch_id": batch_id, "dossier_id": s.dossier_id,
                  "what": _settlement(s), "reason": s.reason} for s in made.settlements]
    return sorted(rows, key=lambda r: str(r["when"]), reverse=True)


def _correction(c: "corrections.FieldCorrection") -> str:
    old = "（未识别）" if c.old_value is None else f"「{shown_value(c.field, c.old_value)}」"
    return f"更正{FIELD_LABELS.get(c.field, c.field)}：{old} → 「{shown_value(c.field, c.value)}」"


def _settlement(s: "corrections.FindingSettlement") -> str:
    return f"裁定规则 {corrections.rule_name(s.rule_code)}（{s.rule_code}）为「{OUTCOMES_CN.get(s.outcome, s.outcome)}」"


def new_status_note(old: Optional[str], new: Optional[str], labels: dict[str, str]) -> str:
    if old == new:
        return f"档案状态仍为：{labels.get(new or '', new)}"
    return f"档案状态：{labels.get(old or '', old)} → {labels.get(new or '', new)}"
