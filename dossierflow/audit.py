"""An auditor's spot check: re-derive a reproducible sample of results from the original files.

The sample is drawn with a seeded RNG from the sorted dossier ids, so the same seed and size
always pick the same dossiers. Each is read again from its files (no cache: neither the run's nor
an earlier audit's; each audit works in a scratch folder of its own, removed afterwards) and
judged again with the same rulebook; what differs from the stored line is reported. With a
database, the change log is verified and must still hold the head the run noted in batch.json.
Every audit is kept as a report of its own (dossierflow.audit_report). Batch-wide parts (POST_QUOTA and
the cross-dossier flags) depend on the whole batch and are compared only when the audit re-runs
the whole batch (size ≥ batch size).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.corrections import decisions_for, described
from dossierflow.errors import AuditMismatch, UsageError
from dossierflow.ingest import open_batch
from dossierflow.pipeline import extract_or_reuse, judge_batch
from dossierflow.privacy import mask_ids_in_text
from dossierflow.results import result_line

BATCH_WIDE_RULES = {"POST_QUOTA"}
CROSS_FLAGS = {"DUPLICATE_APPLICANT", "DUPLICATE_ATTACHMENT", "SHARED_PAPER", "TEXT_REUSE", "BLACKLIST_HIT"}


@dataclass
class DossierAudit:
    dossier_id: str
    differences: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)  # the reviewers' decisions its result rests on

    @property
    def ok(self) -> bool:
        return not self.differences and not self.files_changed


@dataclass
class LogCheck:
    """What the audit found of the change log: its head, and whether it is intact and still
    holds the head the run noted in batch.json."""

    head: dict  # {"count", "hash"} as found in the database
    problem: Optional[str] = None
    run_head: Optional[dict] = None  # batch.json's log_head, when the run had a database

    def as_dict(self) -> dict:
        return {"head": self.head, "ok": self.problem is None, "problem": self.problem, "run_head": self.run_head}


@dataclass
class AuditReport:
    auditor: str
    started_at: dt.datetime
    seed: int
    size: int
    sampled: list[str]
    dossiers: list[DossierAudit]
    versions_stored: dict
    versions_now: dict
    batch_id: Optional[str] = None
    log: Optional[LogCheck] = None  # None: the database was not opened (--no-db)

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.dossiers) and (self.log is None or self.log.problem is None)

    def as_dict(self) -> dict:
        return {
            "schema": "dossier-audit/1",
            "auditor": self.auditor,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "batch_id": self.batch_id,
            "seed": self.seed,
            "size": self.size,
            "sampled": self.sampled,
            "ok": self.ok,
            "versions_stored": self.versions_stored,
            "versions_now": self.versions_now,
            "rulebook_changed": self.versions_stored.get("rulebook") != self.versions_now.get("rulebook"),
            "log": self.log.as_dict() if self.log else None,
            "dossiers": [
                {"dossier_id": d.dossier_id, "ok": d.ok, "differences": d.differences, "files_changed": d.files_changed,
                 "decisions": d.decisions}
                for d in self.dossiers
            ],
        }


def sample_ids(ids: list[str], seed: int, size: int) -> list[str]:
    ordered = sorted(ids)
    return sorted(random.Random(seed).sample(ordered, min(size, len(ordered))))


def _compare(stored: dict, now: dict, whole_batch: bool) -> list[str]:
    diffs: list[str] = []
    if stored["status"] != now["status"] and (whole_batch or not _status_depends_on_batch(stored, now)):
        diffs.append(f"结论不同：记录为 {stored['status']}，复核为 {now['status']}")
    s_fields = {k: v["value"] for k, v in stored.get("fields", {}).items()}
    n_fields = {k: v["value"] for k, v in now.get("fields", {}).items()}
    for key in sorted(set(s_fields) | set(n_fields)):
        if s_fields.get(key) != n_fields.get(key):
            diffs.append(f"字段 {key}：记录为 {s_fields.get(key)!r}，复核为 {n_fields.get(key)!r}")
    s_docs = sorted((d["kind"], d["file"], tuple(d["pages"])) for d in stored.get("documents", []))
    n_docs = sorted((d["kind"], d["file"], tuple(d["pages"])) for d in now.get("documents", []))
    if s_docs != n_docs:
        diffs.append("识别的材料不同")
    skip_rules = set() if whole_batch else BATCH_WIDE_RULES
    s_rules = {f["rule"]: f["outcome"] for f in stored.get("findings", []) if f["rule"] not in skip_rules}
    n_rules = {f["rule"]: f["outcome"] for f in now.get("findings", []) if f["rule"] not in skip_rules}
    for rule in sorted(set(s_rules) | set(n_rules)):
        if s_rules.get(rule) != n_rules.get(rule):
            diffs.append(f"规则 {rule}：记录为 {s_rules.get(rule)}，复核为 {n_rules.get(rule)}")
    skip_flags = set() if whole_batch else CROSS_FLAGS
    s_flags = sorted(f["code"] for f in stored.get("flags", []) if f["code"] not in skip_flags)
    n_flags = sorted(f["code"] for f in now.get("flags", []) if f["code"] not in skip_flags)
    if s_flags != n_flags:
        diffs.append(f"诚信线索：记录为 {s_flags}，复核为 {n_flags}")
    return diffs


def _status_depends_on_batch(stored: dict, now: dict) -> bool:
    """A sampled re-run cannot see POST_QUOTA or cross flags; a status they explain is not a diff."""
    batch_parts = any(f["rule"] in BATCH_WIDE_RULES and f["outcome"] == "fail" for f in stored.get("findings", []))
    batch_parts |= any(f["code"] in CROSS_FLAGS for f in stored.get("flags", []))
    return batch_parts


def run_audit(
    out_dir: Path,
    batch_path: Path,
    seed: int,
    size: int,
    rulebook: str,
    limits: Limits,
    store: object | None = None,
    auditor: str = "",
) -> AuditReport:
    if not auditor.strip():
        raise UsageError("必须用 --auditor 注明审计人")
    started_at = dt.datetime.now(dt.timezone.utc)
    results_path = out_dir / "results.jsonl"
    if not results_path.exists():
        raise UsageError(f"找不到 {results_path}：请指定一次已完成运行的输出目录")
    stored = {}
    for line in results_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            stored[row["dossier_id"]] = row
    if not 1 <= size <= len(stored):
        raise UsageError(f"--size 应在 1 到 {len(stored)}（本批次的档案数）之间，而不是 {size}")
    summary = json.loads((out_dir / "batch.json").read_text(encoding="utf-8")) if (out_dir / "batch.json").exists() else {}
    day = dt.date.fromisoformat(summary.get("processing_date") or dt.date.today().isoformat())

    sampled = sample_ids(list(stored), seed, size)
    with tempfile.TemporaryDirectory(prefix=".audit-", dir=out_dir) as scratch:
        audits, versions_stored, versions_now = _rederive(Path(scratch), batch_path, limits, stored, sampled, rulebook, day, store)
    log = _check_log(store, summary.get("log_head")) if store is not None else None
    return AuditReport(
        auditor.strip(), started_at, seed, size, sampled, audits, versions_stored, versions_now, summary.get("batch_id"), log
    )


def _rederive(
    scratch: Path, batch_path: Path, limits: Limits, stored: dict, sampled: list[str], rulebook: str, day: dt.date, store: object | None
) -> tuple[list[DossierAudit], dict, dict]:
    whole_batch = len(sampled) == len(stored)
    batch = open_batch(batch_path, scratch, limits)
    by_id = {d.dossier_id: d for d in batch.dossiers}
    audits: list[DossierAudit] = []
    chosen = []
    for did in sampled:
        d = by_id.get(did)
        audit = DossierAudit(did)
        audits.append(audit)
        if d is None:
            audit.differences.append("原始批次中找不到此档案")
            continue
        stored_hashes = {f["path"]: f["sha256"] for f in stored[did].get("stats", {}).get("files", [])}
        for f in d.files:
            if stored_hashes and stored_hashes.get(f.rel) not in (None, f.sha256):
                audit.files_changed.append(f.rel)
        chosen.append(d)
    # A cache folder of this audit's own: it must read the files again, not the run's cache
    # nor an earlier audit's.
    fresh = ExtractionCache(scratch / "fresh")
    outcomes = [extract_or_reuse(d, limits, fresh) for d in chosen]
    batch.dossiers = chosen
    decisions = decisions_for(store, batch.batch_id) if store is not None else None  # type: ignore[arg-type]
    judged = judge_batch(batch, outcomes, rulebook, day, store, decisions=decisions)
    now_lines = {r.dossier_id: result_line(r) for r in judged.results}
    for audit in audits:
        if audit.dossier_id in now_lines:
            audit.differences += _compare(stored[audit.dossier_id], now_lines[audit.dossier_id], whole_batch)
            audit.decisions = [described(d) for d in now_lines[audit.dossier_id].get("decisions", []) if d["applied"]]
    for audit in audits:  # what people read shows ID numbers masked
        audit.differences = [mask_ids_in_text(d) for d in audit.differences]
    versions_stored = next(iter(stored.values()), {}).get("versions", {}) if stored else {}
    versions_now = next(iter(now_lines.values()), {}).get("versions", {}) if now_lines else {}
    return audits, versions_stored, versions_now


def _check_log(store: object, run_head: Optional[dict]) -> LogCheck:
    problem, head = store.verify_log()  # type: ignore[attr-defined]
    if problem is None and run_head and run_head.get("count"):
        held = store.log_entry_hash(run_head["count"])  # type: ignore[attr-defined]
        if held != run_head.get("hash"):
            problem = (
                f"运行时 batch.json 记下的日志链头（第 {run_head['count']} 条，{str(run_head.get('hash'))[:16]}…）"
                "不在数据库的日志中：日志被截短或数据库被替换"
            )
    return LogCheck(head=head.model_dump(), problem=problem, run_head=run_head)


def raise_if_failed(report: AuditReport) -> None:
    if not report.ok:
        bad = [d.dossier_id for d in report.dossiers if not d.ok]
        parts = []
        if bad:
            parts.append(f"{len(bad)} 份档案与记录不一致：{'、'.join(bad)}")
        if report.log is not None and report.log.problem:
            parts.append(f"日志校验失败：{report.log.problem}")
        raise AuditMismatch("抽查未通过：" + "；".join(parts))
