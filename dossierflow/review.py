"""The integrity review queue and its tamper-evident decision log.

Leads are the flags of stored results. A reviewer confirms or dismisses one, with a reason; a
confirmed lead puts the applicant on the blacklist (fraud: 5 years, 二（一）5; another region or
unit: 3 years, 二（二）) in the same transaction as the decision.

Each decision is stored as canonical JSON with `entry_hash = sha256(prev_hash ‖ content)`, the
first entry chaining from 64 zeros. That chain alone has no key, so anyone who can write the
database could rewrite it: each decision (and the ban it creates) is therefore also an entry of
the HMAC-authenticated change log (dossierflow.storage.changelog), whose head is noted outside
the database after every change. `verify` checks both and names the first problem.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import TYPE_CHECKING, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from dossierflow.blacklist import DEFAULT_RULEBOOK, BlacklistKind, new_entry
from dossierflow.errors import AuditMismatch, UsageError
from dossierflow.ledger import GENESIS
from dossierflow.privacy import mask_id

if TYPE_CHECKING:
    from dossierflow.ledger import LogHead
    from dossierflow.storage import Store

Action = Literal["confirm", "dismiss"]
# A confirmed duplicate application is 二（二）'s case (another region or unit); the rest is fraud.
DEFAULT_KIND: dict[str, BlacklistKind] = {"DUPLICATE_APPLICANT": "cross_region"}


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seq: int
    lead_id: str
    action: Action
    reason: str
    reviewer: str
    decided_at: str
    batch_id: str
    dossier_id: str
    code: str
    kind: Optional[BlacklistKind] = None
    blacklist_entry_id: Optional[int] = None
    prev_hash: str
    entry_hash: str


class Lead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lead_id: str
    batch_id: str
    dossier_id: str
    code: str
    message: str
    related: list[str] = Field(default_factory=list)
    sources: list[dict] = Field(default_factory=list)
    details: dict = Field(default_factory=dict)
    name: Optional[str] = None
    id_number: Optional[str] = None  # full; mask before showing
    unit: Optional[str] = None
    decision: Optional[Decision] = None

    @property
    def status(self) -> str:
        return "open" if self.decision is None else ("confirmed" if self.decision.action == "confirm" else "dismissed")

    @property
    def id_masked(self) -> str:
        return mask_id(self.id_number)


def canonical(content: dict) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{content}".encode("utf-8")).hexdigest()


def verify_chain(entries: list[tuple[int, str, str, str]]) -> Optional[str]:
    """`entries` as (seq, content, prev_hash, entry_hash) in seq order. None when intact,
    else a Chinese description of the first break."""
    prev = GENESIS
    for seq, content, prev_hash, entry_hash in entries:
        if prev_hash != prev:
            return f"第 {seq} 条决定的前序哈希与上一条不符：日志中有记录被删除、插入或替换"
        if chain_hash(prev_hash, content) != entry_hash:
            return f"第 {seq} 条决定的内容与其哈希不符：记录已被改动"
        try:
            stored_seq = json.loads(content).get("seq")
        except ValueError:
            return f"第 {seq} 条决定的内容无法解析"
        if stored_seq != seq:
            return f"第 {seq} 条决定的序号与内容中的序号 {stored_seq} 不符：记录被移动"
        prev = entry_hash
    return None


def _decide(store: "Store", lead_id: str, action: Action, reason: str, reviewer: str, kind: Optional[BlacklistKind],
            today: Optional[dt.date], rulebook: str = DEFAULT_RULEBOOK) -> Decision:
    if not reason.strip() or not reviewer.strip():
        raise UsageError("必须填写理由（--reason）和复核人（--reviewer）")
    lead = store.lead(lead_id)
    if lead is None:
        raise UsageError(f"没有编号为 {lead_id} 的线索")
    if lead.decision is not None:
        d = lead.decision
        done = {"confirm": "确认", "dismiss": "排除"}.get(d.action, d.action)
        raise UsageError(f"线索 {lead_id} 已于 {d.decided_at} 由 {d.reviewer} 处理（{done}），不能重复决定")
    ban = None
    if action == "confirm":
        kind = kind or DEFAULT_KIND.get(lead.code, "fraud")
        if not lead.id_number:
            raise UsageError(f"档案 {lead.dossier_id} 没有可靠的身份证号码，无法列入黑名单")
        ban = new_entry(
            lead.id_number,
            reason=f"{lead.code}：{reason.strip()}",
            source=f"复核确认 批次 {lead.batch_id} 档案 {lead.dossier_id} 线索 {lead.lead_id}",
            kind=kind,
            name=lead.name,
            start=today,
            created_by=reviewer.strip(),
            rulebook=rulebook,
        )
    return store.append_decision(lead, action, reason.strip(), reviewer.strip(), kind if action == "confirm" else None, ban)


def confirm(store: "Store", lead_id: str, reason: str, reviewer: str, kind: Optional[BlacklistKind] = None,
            today: Optional[dt.date] = None, rulebook: str = DEFAULT_RULEBOOK) -> Decision:
    """The ban's length comes from the rulebook's NOT_BLACKLISTED ban_years for its kind."""
    return _decide(store, lead_id, "confirm", reason, reviewer, kind, today, rulebook)


def dismiss(store: "Store", lead_id: str, reason: str, reviewer: str) -> Decision:
    return _decide(store, lead_id, "dismiss", reason, reviewer, None, None)


def verify(store: "Store") -> "LogHead":
    """The change log's head when the log and the tables agree; raises AuditMismatch naming the
    first problem otherwise."""
    problem, head = store.verify_log()
    if problem:
        raise AuditMismatch(f"日志校验失败：{problem}")
    return head
