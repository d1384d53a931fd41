"""An audit in the change log: its own entry, the auditor's sign-off, and a report checked later.

After verifying the log, an audit appends an `audit` entry: who audited, when, the seed, the
sample and its make-up, the log head it checked, the differences found, and the digest of its
report. The report carries that entry's number and hash. Signing a report (`dossier audit
sign`) appends an `audit_signoff` entry naming the audit entry and the report's digest; it is
refused for a report that no longer matches its entry. `check_report` verifies the whole log,
recomputes the report's digest and finds its entry and sign-offs, so a report edited after the
audit, or one whose entry was removed, is named as such.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

from dossierflow.errors import AuditMismatch, UsageError
from dossierflow.review import canonical

AUDIT_KIND = "audit"
SIGNOFF_KIND = "audit_signoff"
ENTRY_FIELD = "log_entry"  # the report's own record of its entry; not part of its digest


def report_digest(data: dict) -> str:
    """sha256 of the report as written, without its log entry field."""
    body = {k: v for k, v in json.loads(json.dumps(data, ensure_ascii=False)).items() if k != ENTRY_FIELD}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def audit_entry(data: dict) -> dict:
    """What the log keeps of an audit: enough to know, without the report, what was checked."""
    return {
        "auditor": data["auditor"],
        "started_at": data["started_at"],
        "batch_id": data.get("batch_id"),
        "seed": data["seed"],
        "size": data["size"],
        "sampled": data["sampled"],
        "makeup": [{k: s[k] for k in ("status", "decided", "population", "drawn")} for s in data.get("makeup", [])],
        "log_head_checked": (data.get("log") or {}).get("head"),
        "log_ok": (data.get("log") or {}).get("ok"),
        "decisions_applied": data.get("decisions_applied", []),
        "ok": data["ok"],
        "differences": {
            **{d["dossier_id"]: [x["kind"] + ":" + x["key"] for x in d["differences"]] + [f"file:{f}" for f in d["files_changed"]]
               for d in data["dossiers"] if not d["ok"]},
            **({"(batch)": [x["key"] for x in data.get("batch_differences", [])]} if data.get("batch_differences") else {}),
        },
        "report_digest": report_digest(data),
    }


def record_audit(store: object, data: dict) -> dict:
    """Append the audit's entry; returns {"seq", "hash", "digest"} for the report to carry."""
    body = audit_entry(data)
    head = store.append_log(AUDIT_KIND, body)  # type: ignore[attr-defined]
    return {"seq": head.count, "hash": head.hash, "digest": body["report_digest"]}


class SignOff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seq: int
    auditor: str
    at: str


class ReportCheck(BaseModel):
    """What `dossier audit check` found of a report."""

    model_config = ConfigDict(extra="forbid")
    report: str
    audit_seq: Optional[int] = None
    auditor: Optional[str] = None
    problem: Optional[str] = None
    signoffs: list[SignOff] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None


def load_report(path: Path) -> dict:
    if path.suffix == ".html":  # the JSON beside the page people open
        path = path.with_suffix(".json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(f"找不到审计报告 {path}") from exc
    except ValueError as exc:
        raise AuditMismatch(f"审计报告 {path} 无法解析：{exc}") from exc


def check_report(store: object, path: Path) -> ReportCheck:
    data = load_report(path)
    check = ReportCheck(report=str(path), auditor=data.get("auditor"))
    problem, _ = store.verify_log()  # type: ignore[attr-defined]
    if problem:
        check.problem = f"变更日志校验失败：{problem}"
        return check
    entry = data.get(ENTRY_FIELD)
    if not entry:
        check.problem = "报告没有记入变更日志（审计时未打开数据库）：无法核对"
        return check
    check.audit_seq = entry["seq"]
    logged = {seq: (content, h) for seq, content, h in store.log_entries((AUDIT_KIND,))}  # type: ignore[attr-defined]
    if entry["seq"] not in logged:
        check.problem = f"变更日志中没有第 {entry['seq']} 条审计记录：报告不是由本数据库的审计产生，或记录已被删除"
        return check
    content, entry_hash = logged[entry["seq"]]
    if entry_hash != entry.get("hash"):
        check.problem = f"报告记下的日志第 {entry['seq']} 条的哈希与日志不符：报告属于另一个日志"
        return check
    if content["report_digest"] != report_digest(data):
        check.problem = f"报告内容与日志第 {entry['seq']} 条记录的摘要不符：报告在审计后被改动"
        return check
    check.signoffs = [
        SignOff(seq=seq, auditor=c["auditor"], at=c["at"])
        for seq, c, _ in store.log_entries((SIGNOFF_KIND,))  # type: ignore[attr-defined]
        if c.get("audit_seq") == entry["seq"] and c.get("report_digest") == content["report_digest"]
    ]
    return check


def sign_report(store: object, path: Path, auditor: str) -> SignOff:
    """The auditor's sign-off, a log entry; refused for a report that does not check."""
    if not auditor.strip():
        raise UsageError("必须用 --auditor 注明签署人")
    check = check_report(store, path)
    if not check.ok:
        raise AuditMismatch(f"审计报告未通过核对，不能签署：{check.problem}")
    data = load_report(path)
    body = {"audit_seq": check.audit_seq, "report_digest": report_digest(data), "auditor": auditor.strip(),
            "report": Path(path).name}
    head = store.append_log(SIGNOFF_KIND, body)  # type: ignore[attr-defined]
    at = next(c["at"] for seq, c, _ in store.log_entries((SIGNOFF_KIND,)) if seq == head.count)  # type: ignore[attr-defined]
    return SignOff(seq=head.count, auditor=auditor.strip(), at=at)
