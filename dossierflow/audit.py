"""An auditor's spot check: re-derive a reproducible sample of results from the original files.

The sample is drawn with a seeded RNG from the sorted dossier ids, so the same seed and size
always pick the same dossiers. Each is read again from its files (no cache) and judged again with
the same rulebook; what differs from the stored line is reported. Batch-wide parts (POST_QUOTA and
the cross-dossier flags) depend on the whole batch and are compared only when the audit re-runs
the whole batch (size ≥ batch size).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.errors import AuditMismatch, UsageError
from dossierflow.ingest import open_batch
from dossierflow.pipeline import extract_or_reuse, judge_batch
from dossierflow.results import result_line

BATCH_WIDE_RULES = {"POST_QUOTA"}
CROSS_FLAGS = {"DUPLICATE_APPLICANT", "DUPLICATE_ATTACHMENT", "SHARED_PAPER", "TEXT_REUSE", "BLACKLIST_HIT"}


@dataclass
class DossierAudit:
    dossier_id: str
    differences: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences and not self.files_changed


@dataclass
class AuditReport:
    seed: int
    size: int
    sampled: list[str]
    dossiers: list[DossierAudit]
    versions_stored: dict
    versions_now: dict
    decision_log: Optional[str] = None  # None: not checked; "ok" or the break found

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.dossiers) and self.decision_log in (None, "ok")

    def as_dict(self) -> dict:
        return {
            "seed": self.seed,
            "size": self.size,
            "sampled": self.sampled,
            "ok": self.ok,
            "versions_stored": self.versions_stored,
            "versions_now": self.versions_now,
            "rulebook_changed": self.versions_stored.get("rulebook") != self.versions_now.get("rulebook"),
            "decision_log": self.decision_log,
            "dossiers": [
                {"dossier_id": d.dossier_id, "ok": d.ok, "differences": d.differences, "files_changed": d.files_changed}
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
    out_dir: Path, batch_path: Path, seed: int, size: int, rulebook: str, limits: Limits, store: object | None = None
) -> AuditReport:
    results_path = out_dir / "results.jsonl"
    if not results_path.exists():
        raise UsageError(f"{results_path} not found: audit a finished run's output folder")
    stored = {}
    for line in results_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            stored[row["dossier_id"]] = row
    summary = json.loads((out_dir / "batch.json").read_text(encoding="utf-8")) if (out_dir / "batch.json").exists() else {}
    day = dt.date.fromisoformat(summary.get("processing_date") or dt.date.today().isoformat())

    sampled = sample_ids(list(stored), seed, size)
    whole_batch = len(sampled) == len(stored)
    scratch = out_dir / ".audit-work"
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
    # A fresh cache folder: the audit must read the files again, not the run's cache.
    fresh = ExtractionCache(scratch / "fresh")
    outcomes = [extract_or_reuse(d, limits, fresh) for d in chosen]
    batch.dossiers = chosen
    judged = judge_batch(batch, outcomes, rulebook, day, store)
    now_lines = {r.dossier_id: result_line(r) for r in judged.results}
    for audit in audits:
        if audit.dossier_id in now_lines:
            audit.differences += _compare(stored[audit.dossier_id], now_lines[audit.dossier_id], whole_batch)
    versions_stored = next(iter(stored.values()), {}).get("versions", {}) if stored else {}
    versions_now = next(iter(now_lines.values()), {}).get("versions", {}) if now_lines else {}
    decision = None
    if store is not None and hasattr(store, "verify_decision_log"):
        problem = store.verify_decision_log()
        decision = "ok" if not problem else str(problem)
    return AuditReport(seed, size, sampled, audits, versions_stored, versions_now, decision)


def raise_if_failed(report: AuditReport) -> None:
    if not report.ok:
        bad = [d.dossier_id for d in report.dossiers if not d.ok]
        raise AuditMismatch(f"audit found differences in {len(bad)} dossier(s): {', '.join(bad)}; decision log: {report.decision_log}")
