"""What a decision form does: each of the three kinds checked against the dossier it was drawn
from, handed to the module that owns it (corrections and settled findings: dossierflow.corrections;
integrity leads: dossierflow.review), and described back in Chinese. Every refusal is a
UsageError raised before anything is written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from dossierflow import review
from dossierflow.errors import UsageError
from dossierflow.labels import FIELD_LABELS, FLAG_LABELS

if TYPE_CHECKING:
    from dossierflow.station.records import BatchRecord
    from dossierflow.storage import Store

ACTIONS_CN = {"confirm": "确认", "dismiss": "排除"}
OUTCOMES_CN = {"pass": "符合", "fail": "不符合"}


def _corrections():  # type: ignore[no-untyped-def]
    try:
        from dossierflow import corrections
    except ImportError:
        return None
    return corrections


def corrections_available() -> bool:
    return _corrections() is not None


def _required(form: dict, name: str, label: str) -> str:
    value = (form.get(name) or "").strip()
    if not value:
        raise UsageError(f"请填写{label}")
    return value


def apply(action: str, store: "Store", rec: "BatchRecord", line: dict, form: dict, reviewer: str) -> str:
    dossier_id = line["dossier_id"]
    if action == "lead":
        return _lead(store, rec, line, form, reviewer)
    corrections = _corrections()
    if corrections is None:
        raise UsageError("本工作台尚未启用更正和裁定功能，未作任何更改")
    reason = _required(form, "reason", "理由")
    if action == "correct":
        key = _required(form, "field", "要更正的字段")
        if key not in FIELD_LABELS:
            raise UsageError(f"没有 {key} 这个字段")
        value = form.get("value", "").strip()
        if not value:
            raise UsageError(f"请填写{FIELD_LABELS[key]}的新值")
        corrections.correct_field(store, rec.out_dir, dossier_id, key, value, reason, reviewer,
                                  expected_value=form.get("expected"))
        return f"已更正{FIELD_LABELS[key]}为 {value}"
    if action == "settle":
        rule = _required(form, "rule", "规则")
        outcome = _required(form, "outcome", "裁定结果")
        if outcome not in OUTCOMES_CN:
            raise UsageError(f"裁定结果只能是 符合 或 不符合")
        corrections.settle_finding(store, rec.out_dir, dossier_id, rule, outcome, reason, reviewer)
        return f"已将规则 {rule} 裁定为{OUTCOMES_CN[outcome]}"
    raise UsageError(f"未知的操作 {action}")


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
    corrections = _corrections()
    if corrections is not None and hasattr(corrections, "rejudge"):
        corrections.rejudge(store, rec.out_dir)
    return done


def decisions_of(store: "Store", batch_id: str, dossier_id: str) -> list[dict]:
    """The human decisions this dossier's result rests on (corrections, settled findings)."""
    corrections = _corrections()
    if corrections is None or not hasattr(corrections, "decisions_for"):
        return []
    out = []
    for d in corrections.decisions_for(store, batch_id):
        item = d if isinstance(d, dict) else d.model_dump()
        if item.get("dossier_id") == dossier_id:
            out.append(item)
    return out


def log_entries(store: "Store", batch_ids: list[str]) -> list[dict]:
    """Every decision on the served batches, newest first: leads' and (when recorded) corrections'."""
    rows: list[dict] = []
    for d in store.decisions():
        if d.batch_id in batch_ids:
            rows.append({"seq": d.seq, "when": d.decided_at, "who": d.reviewer, "batch_id": d.batch_id, "dossier_id": d.dossier_id,
                         "what": f"{ACTIONS_CN.get(d.action, d.action)}线索 {d.lead_id}（{FLAG_LABELS.get(d.code, d.code)}）", "reason": d.reason})
    corrections = _corrections()
    if corrections is not None and hasattr(corrections, "decisions_for"):
        for batch_id in batch_ids:
            for d in corrections.decisions_for(store, batch_id):
                item = d if isinstance(d, dict) else d.model_dump()
                rows.append({"seq": item.get("seq"), "when": item.get("decided_at", ""), "who": item.get("reviewer", ""),
                             "batch_id": batch_id, "dossier_id": item.get("dossier_id", ""), "what": _describe(item),
                             "reason": item.get("reason", "")})
    return sorted(rows, key=lambda r: str(r["when"]), reverse=True)


def _describe(item: dict) -> str:
    if item.get("field"):
        return f"更正{FIELD_LABELS.get(item['field'], item['field'])}为 {item.get('value')}"
    if item.get("rule"):
        return f"裁定规则 {item['rule']} 为{OUTCOMES_CN.get(item.get('outcome', ''), item.get('outcome', ''))}"
    return str(item.get("kind", "决定"))


def new_status_note(old: Optional[str], new: Optional[str], labels: dict[str, str]) -> str:
    if old == new:
        return f"档案状态仍为：{labels.get(new or '', new)}"
    return f"档案状态：{labels.get(old or '', old)} → {labels.get(new or '', new)}"
