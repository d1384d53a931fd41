"""An auditor's spot check: re-derive a stratified, seeded sample of results from the original files.

The sample is drawn by `dossierflow.audit_sample` (a share per status, weighted towards
`accepted` and towards results resting on a reviewer's decision). The batch is read again from
its files (no cache: neither the run's nor an earlier audit's; each audit works in a scratch
folder of its own, removed afterwards) and judged again with the same rulebook. The whole batch
is read, not only the sampled dossiers: POST_QUOTA and the cross-dossier leads depend on every
dossier of it, so they are re-derived on the whole batch and compared like any other rule and
flag. Each sampled result is compared field by field (with the evidence on both sides), rule by
rule and flag by flag; the batch-level findings of batch.json are compared as a whole. With a
database, the change log is verified and must still hold the head the run noted in batch.json;
the audit then records its own entry in it (`dossierflow.audit_log`).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from dossierflow.audit_sample import SizeSpec, Stratum, draw, sampled_ids
from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.corrections import HumanDecisions, decisions_for, described
from dossierflow.errors import UsageError
from dossierflow.ingest import open_batch
from dossierflow.labels import FIELD_LABELS, OUTCOME_LABELS
from dossierflow.pipeline import extract_or_reuse, judge_batch
from dossierflow.privacy import mask_ids_in_text
from dossierflow.results import result_line


@dataclass
class Difference:
    """One thing the re-derivation found other than the stored result. `text` is what people
    read (ID numbers masked); the evidence is the value's place on each side (file, page, bbox)."""

    kind: str  # status | field | documents | rule | flag | batch | missing
    key: str
    stored: Any
    now: Any
    text: str
    evidence_stored: Optional[dict] = None
    evidence_now: Optional[dict] = None
    crops: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # side → (file name, PNG)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "key": self.key, "stored": self.stored, "now": self.now, "text": self.text,
            "evidence_stored": self.evidence_stored, "evidence_now": self.evidence_now,
            **{f"crop_{side}": name for side, (name, _) in sorted(self.crops.items())},
        }


@dataclass
class DossierAudit:
    dossier_id: str
    status: str = ""  # as stored
    decided: bool = False  # the stored result rests on a reviewer's decision
    differences: list[Difference] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)  # in Chinese: the decisions the re-derived result rests on

    @property
    def ok(self) -> bool:
        return not self.differences and not self.files_changed

    def as_dict(self) -> dict:
        return {
            "dossier_id": self.dossier_id, "status": self.status, "decided": self.decided, "ok": self.ok,
            "differences": [d.as_dict() for d in self.differences], "files_changed": self.files_changed,
            "decisions": self.decisions,
        }


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
    size_asked: str = ""  # `--size` as given: a count or a share
    strata: list[Stratum] = field(default_factory=list)
    batch_differences: list[Difference] = field(default_factory=list)
    batch_dossiers: int = 0
    out_dir: str = ""
    batch_path: str = ""
    decisions_applied: list[int] = field(default_factory=list)  # change-log entries of the decisions applied

    @property
    def ok(self) -> bool:
        return (
            all(d.ok for d in self.dossiers) and not self.batch_differences
            and (self.log is None or self.log.problem is None)
        )

    def as_dict(self) -> dict:
        return {
            "schema": "dossier-audit/2",
            "auditor": self.auditor,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "batch_id": self.batch_id,
            "out_dir": self.out_dir,
            "batch_path": self.batch_path,
            "seed": self.seed,
            "size": self.size,
            "size_asked": self.size_asked or str(self.size),
            "batch_dossiers": self.batch_dossiers,
            "sampled": self.sampled,
            "makeup": [s.model_dump() for s in self.strata],
            "ok": self.ok,
            "versions_stored": self.versions_stored,
            "versions_now": self.versions_now,
            "rulebook_changed": self.versions_stored.get("rulebook") != self.versions_now.get("rulebook"),
            "log": self.log.as_dict() if self.log else None,
            "decisions_applied": self.decisions_applied,
            "batch_differences": [d.as_dict() for d in self.batch_differences],
            "dossiers": [d.as_dict() for d in self.dossiers],
        }


def new_seed() -> int:
    """A seed for an audit not given one (a scheduled run): recorded, so it can be drawn again."""
    return secrets.randbelow(10**9)


def read_stored(out_dir: Path) -> tuple[dict[str, dict], dict]:
    """The run's result lines by dossier id, and its batch.json ({} when absent)."""
    results_path = out_dir / "results.jsonl"
    if not results_path.exists():
        raise UsageError(f"找不到 {results_path}：请指定一次已完成运行的输出目录")
    stored = {}
    for line in results_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            stored[row["dossier_id"]] = row
    summary_path = out_dir / "batch.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {}
    return stored, summary


def human_decisions(store: object | None, batch_id: Optional[str]) -> Optional["HumanDecisions"]:
    """The reviewers' corrections and settlements of the batch, as recorded (None: no database)."""
    if store is None or not batch_id:
        return None
    return decisions_for(store, batch_id)  # type: ignore[arg-type]


def decided_dossiers(stored: dict[str, dict], store: object | None, batch_id: Optional[str],
                     decisions: Optional["HumanDecisions"]) -> set[str]:
    """The dossiers whose result rests on a reviewer's decision: a correction or settlement
    (recorded, or named by the stored line), or a decided integrity lead."""
    decided = {did for did, line in stored.items() if line.get("decisions")}
    if decisions is not None:
        decided |= {c.dossier_id for c in decisions.corrections} | {s.dossier_id for s in decisions.settlements}
    if store is not None and batch_id:
        decided |= {lead.dossier_id for lead in store.leads(status="all", batch_id=batch_id)  # type: ignore[attr-defined]
                    if lead.decision is not None}
    return decided & set(stored)


def run_audit(
    out_dir: Path,
    batch_path: Path,
    seed: Optional[int],
    size: int | str,
    rulebook: str,
    limits: Limits,
    store: object | None = None,
    auditor: str = "",
) -> AuditReport:
    """Draw the sample, re-derive and compare it, verify the change log. Recording the audit
    in the log and writing its report are the caller's next steps (`audit_log`, `audit_report`)."""
    if not auditor.strip():
        raise UsageError("必须用 --auditor 注明审计人")
    started_at = dt.datetime.now(dt.timezone.utc)
    stored, summary = read_stored(out_dir)
    spec = SizeSpec.parse(size)
    count = spec.resolve(len(stored))
    seed = new_seed() if seed is None else seed
    batch_id = summary.get("batch_id")
    day = dt.date.fromisoformat(summary.get("processing_date") or dt.date.today().isoformat())
    decisions = human_decisions(store, batch_id)
    decided = decided_dossiers(stored, store, batch_id, decisions)
    strata = draw({did: row["status"] for did, row in stored.items()}, decided, seed, count)
    sampled = sampled_ids(strata)
    # The log is verified before the re-derivation reads it (blacklist, history).
    log = check_log(store, summary.get("log_head")) if store is not None else None
    with tempfile.TemporaryDirectory(prefix=".audit-", dir=out_dir) as scratch:
        derived = rederive(Path(scratch), batch_path, limits, rulebook, day, store, decisions)
        audits = compare_sample(stored, derived.lines, derived.files, sampled, decided)
        attach_crops(audits, derived.root)  # while an unpacked zip batch is still there
    batch_diffs = compare_batch_findings(summary.get("findings") or [], derived.batch_findings)
    versions_stored = next(iter(stored.values()), {}).get("versions", {}) if stored else {}
    versions_now = next(iter(derived.lines.values()), {}).get("versions", {}) if derived.lines else {}
    return AuditReport(
        auditor.strip(), started_at, seed, count, sampled, audits, versions_stored, versions_now, batch_id, log,
        size_asked=str(spec), strata=strata, batch_differences=batch_diffs, batch_dossiers=len(stored),
        out_dir=str(Path(out_dir).resolve()), batch_path=str(Path(batch_path).resolve()),
        decisions_applied=sorted(d.seq for d in (decisions.corrections + decisions.settlements)) if decisions else [],
    )


@dataclass
class Derived:
    """The batch judged again from its files: result lines, each dossier's file hashes, and
    the batch-level findings."""

    lines: dict[str, dict]
    files: dict[str, dict[str, str]]
    batch_findings: list[dict]
    root: Path  # the batch's folder as read (a zip's unpacked copy lives in the scratch folder)


def rederive(scratch: Path, batch_path: Path, limits: Limits, rulebook: str, day: dt.date, store: object | None,
             decisions: Optional["HumanDecisions"] = None) -> Derived:
    """Read every dossier of the batch from its files into a cache of this audit's own (never
    the run's nor an earlier audit's) and judge the whole batch again, with the reviewers'
    recorded decisions applied as the run applies them (`pipeline.judge_batch`)."""
    batch = open_batch(batch_path, scratch, limits)
    fresh = ExtractionCache(scratch / "fresh")
    outcomes = [extract_or_reuse(d, limits, fresh) for d in batch.dossiers]
    judged = judge_batch(batch, outcomes, rulebook, day, store, decisions=decisions)
    return Derived(
        lines={r.dossier_id: result_line(r) for r in judged.results},
        files={d.dossier_id: {f.rel: f.sha256 for f in d.files} for d in batch.dossiers},
        batch_findings=judged.batch_findings,
        root=batch.root,
    )


def attach_crops(audits: list[DossierAudit], root: Path) -> None:
    """The page region each differing field was read from, on both sides, as PNG; a source
    without a picture (a Word table cell) or one that cannot be shown keeps its text only."""
    from dossierflow.crops import region_png

    for audit in audits:
        for diff in audit.differences:
            if diff.kind != "field":
                continue
            for side, evidence in (("stored", diff.evidence_stored), ("now", diff.evidence_now)):
                if not evidence or not evidence.get("bbox"):
                    continue
                try:
                    png = region_png(root, evidence)
                except Exception:  # noqa: BLE001 - a crop is an aid; its absence is shown as text
                    png = None
                if png:
                    name = f"{audit.dossier_id}-{diff.key}-{'recorded' if side == 'stored' else 'rederived'}.png"
                    diff.crops[side] = (name, png)


def compare_sample(
    stored: dict[str, dict], now: dict[str, dict], files: dict[str, dict[str, str]], sampled: list[str], decided: set[str]
) -> list[DossierAudit]:
    audits = []
    for did in sampled:
        audit = DossierAudit(did, status=stored[did]["status"], decided=did in decided)
        audits.append(audit)
        if did not in now:
            audit.differences.append(Difference("missing", did, "存在", None, "原始批次中找不到此档案"))
            continue
        stored_hashes = {f["path"]: f["sha256"] for f in stored[did].get("stats", {}).get("files", [])}
        for rel, sha in sorted(files.get(did, {}).items()):
            if stored_hashes and stored_hashes.get(rel) not in (None, sha):
                audit.files_changed.append(rel)
        audit.differences = compare(stored[did], now[did])
        audit.decisions = [described(d) for d in now[did].get("decisions", []) if d.get("applied")]
    return audits


def _source(entry: Optional[dict]) -> Optional[dict]:
    """The value's source as the result line gives it (file, page, bbox, locator…)."""
    src = (entry or {}).get("source")
    return dict(src) if src else None


def compare(stored: dict, now: dict) -> list[Difference]:
    """Status, then field by field, the documents found, rule by rule, flag by flag."""
    diffs: list[Difference] = []

    def add(kind: str, key: str, was: Any, is_: Any, text: str, **evidence: Optional[dict]) -> None:
        diffs.append(Difference(kind, key, was, is_, mask_ids_in_text(text), **evidence))

    if stored["status"] != now["status"]:
        add("status", "status", stored["status"], now["status"], f"结论不同：记录为 {stored['status']}，复核为 {now['status']}")
    s_fields, n_fields = stored.get("fields", {}), now.get("fields", {})
    for key in sorted(set(s_fields) | set(n_fields)):
        was, is_ = (s_fields.get(key) or {}).get("value"), (n_fields.get(key) or {}).get("value")
        if was != is_:
            label = FIELD_LABELS.get(key, key)
            add("field", key, was, is_, f"字段 {label}（{key}）：记录为 {was!r}，复核为 {is_!r}",
                evidence_stored=_source(s_fields.get(key)), evidence_now=_source(n_fields.get(key)))
    s_docs = sorted((d["kind"], d["file"], tuple(d["pages"])) for d in stored.get("documents", []))
    n_docs = sorted((d["kind"], d["file"], tuple(d["pages"])) for d in now.get("documents", []))
    if s_docs != n_docs:
        gone = [f"{k}（{f}）" for k, f, _ in sorted(set(s_docs) - set(n_docs))]
        new = [f"{k}（{f}）" for k, f, _ in sorted(set(n_docs) - set(s_docs))]
        add("documents", "documents", gone, new, f"识别的材料不同：仅记录中有 {gone or '无'}，仅复核中有 {new or '无'}")
    s_rules = {f["rule"]: f["outcome"] for f in stored.get("findings", [])}
    n_rules = {f["rule"]: f["outcome"] for f in now.get("findings", [])}
    for rule in sorted(set(s_rules) | set(n_rules)):
        if s_rules.get(rule) != n_rules.get(rule):
            was, is_ = s_rules.get(rule), n_rules.get(rule)
            add("rule", rule, was, is_, f"规则 {rule}：记录为 {OUTCOME_LABELS.get(was, was or '无')}，复核为 {OUTCOME_LABELS.get(is_, is_ or '无')}")
    s_flags = sorted(f["code"] for f in stored.get("flags", []))
    n_flags = sorted(f["code"] for f in now.get("flags", []))
    for code in sorted(set(s_flags) | set(n_flags)):
        was, is_ = s_flags.count(code), n_flags.count(code)
        if was != is_:
            add("flag", code, was, is_, f"诚信线索 {code}：记录为 {was} 条，复核为 {is_} 条")
    return diffs


def _finding_key(f: dict) -> tuple:
    return (f.get("rule"), f.get("scope"), f.get("level"), f.get("series"))


_BATCH_PARTS = ("outcome", "counted", "allowed", "established", "vacant", "dossiers")


def compare_batch_findings(stored: list[dict], now: list[dict]) -> list[Difference]:
    """batch.json's batch-level findings against the whole batch judged again."""
    s_by, n_by = {_finding_key(f): f for f in stored}, {_finding_key(f): f for f in now}
    diffs = []
    for key in sorted(set(s_by) | set(n_by), key=lambda k: tuple(str(x) for x in k)):
        was, is_ = s_by.get(key), n_by.get(key)
        name = "／".join(str(x) for x in key if x)
        if was is None or is_ is None:
            text = f"批次级结论 {name}：{'记录中没有' if was is None else '复核中没有'}"
            diffs.append(Difference("batch", name, was and was.get("outcome"), is_ and is_.get("outcome"), text))
            continue
        parts = [p for p in _BATCH_PARTS if was.get(p) != is_.get(p)]
        if parts:
            text = f"批次级结论 {name}：" + "；".join(f"{p} 记录为 {was.get(p)!r}，复核为 {is_.get(p)!r}" for p in parts)
            diffs.append(Difference("batch", name, {p: was.get(p) for p in parts}, {p: is_.get(p) for p in parts}, mask_ids_in_text(text)))
    return diffs


def check_log(store: object, run_head: Optional[dict]) -> LogCheck:
    problem, head = store.verify_log()  # type: ignore[attr-defined]
    if problem is None and run_head and run_head.get("count"):
        held = store.log_entry_hash(run_head["count"])  # type: ignore[attr-defined]
        if held != run_head.get("hash"):
            problem = (
                f"运行时 batch.json 记下的日志链头（第 {run_head['count']} 条，{str(run_head.get('hash'))[:16]}…）"
                "不在数据库的日志中：日志被截短或数据库被替换"
            )
    return LogCheck(head=head.model_dump(), problem=problem, run_head=run_head)
