"""One spot check from start to finish, without Prefect: draw and re-derive the sample, record
the audit in the change log, write its report. `flows.spot_check` runs these steps as tasks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from dossierflow.audit import AuditReport, run_audit
from dossierflow.audit_log import record_audit
from dossierflow.audit_report import report_data, write_report
from dossierflow.config import Limits


@dataclass
class SpotCheck:
    report: AuditReport
    data: dict  # the report as written, with its log entry
    json_path: Path
    html_path: Path


def open_audit_store(db_url: Optional[str], key_file: Optional[str]):  # type: ignore[no-untyped-def]
    if db_url is None:
        return None
    from dossierflow.storage import open_store

    return open_store(db_url, key_file)


def check_before_audit(out_dir: Path, batch_path: Path, size: int | str, db_url: Optional[str], key_file: Optional[str]) -> int:
    """What can be refused before the flow starts: a folder without a finished run, a missing
    batch, a size the batch cannot give, a database that does not open. The sample's size."""
    from dossierflow.audit import read_stored
    from dossierflow.audit_sample import SizeSpec
    from dossierflow.errors import BatchNotFound

    stored, _ = read_stored(out_dir)
    if not batch_path.exists():
        raise BatchNotFound(f"找不到原始批次：{batch_path}")
    count = SizeSpec.parse(size).resolve(len(stored))
    store = open_audit_store(db_url, key_file)
    if store is not None:
        store.close()
    return count


def audit(out_dir: Path, batch_path: Path, auditor: str, seed: Optional[int], size: int | str, rulebook: str,
          limits: Limits, db_url: Optional[str], key_file: Optional[str]) -> AuditReport:
    store = open_audit_store(db_url, key_file)
    try:
        return run_audit(out_dir, batch_path, seed, size, rulebook, limits, store, auditor=auditor)
    finally:
        if store is not None:
            store.close()


def record_and_write(out_dir: Path, report: AuditReport, db_url: Optional[str], key_file: Optional[str]) -> SpotCheck:
    """The audit's entry in the change log (with a database), then its report, which carries
    the entry. An audit whose log check failed is still recorded: the failure is its finding."""
    store = open_audit_store(db_url, key_file)
    try:
        entry = record_audit(store, report_data(report)) if store is not None else None
    finally:
        if store is not None:
            store.close()
    data = report_data(report, entry)
    json_path, html_path = write_report(out_dir, report, data)
    return SpotCheck(report, data, json_path, html_path)


def spot_check(out_dir: Path, batch_path: Path, auditor: str, seed: Optional[int], size: int | str, rulebook: str,
               limits: Limits, db_url: Optional[str], key_file: Optional[str]) -> SpotCheck:
    report = audit(out_dir, batch_path, auditor, seed, size, rulebook, limits, db_url, key_file)
    return record_and_write(out_dir, report, db_url, key_file)
