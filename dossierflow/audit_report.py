"""An audit's report, kept: JSON for tools and a Chinese HTML page for people, side by side
under OUT/audits/, named by the audit's time, seed and size. An earlier report is never
overwritten: two audits started in the same second get distinct names. The page puts what
differs first, each field difference with its evidence on both sides; the JSON carries the
audit's entry in the change log (`dossierflow.audit_log`), by which it can be checked later."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from jinja2 import Environment, PackageLoader, select_autoescape

from dossierflow import atomic
from dossierflow.audit import AuditReport
from dossierflow.audit_log import ENTRY_FIELD
from dossierflow.display import locator_text
from dossierflow.labels import STATUS_LABELS

AUDITS_DIR = "audits"


def _reserve(folder: Path, stem: str) -> Path:
    """A report path no other audit holds, claimed atomically (O_EXCL) so racing audits differ."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        path = folder / (f"{stem}.json" if n == 1 else f"{stem}-{n}.json")
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"{folder}: too many audit reports named {stem}")


def report_data(report: AuditReport, log_entry: Optional[dict] = None) -> dict:
    """The report as written: `log_entry` is the audit's entry in the change log (None: no
    database), added after the entry was written over the rest."""
    data = report.as_dict()
    if log_entry is not None:
        data[ENTRY_FIELD] = log_entry
    return data


def write_report(out_dir: Path, report: AuditReport, data: Optional[dict] = None) -> tuple[Path, Path]:
    """Write the JSON and HTML reports (`data`: `report_data`'s, by default without a log
    entry); their paths."""
    stamp = report.started_at.strftime("%Y%m%dT%H%M%SZ")
    json_path = _reserve(out_dir / AUDITS_DIR, f"audit-{stamp}-seed{report.seed}-size{report.size}")
    html_path = json_path.with_suffix(".html")
    data = data if data is not None else report_data(report)
    atomic.write_json(json_path, data)
    crops_dir = json_path.with_name(json_path.stem + "-crops")
    for d in report.dossiers:
        for diff in d.differences:
            for name, png in diff.crops.values():
                crops_dir.mkdir(exist_ok=True)
                (crops_dir / name).write_bytes(png)
    env = Environment(loader=PackageLoader("dossierflow", "templates"), autoescape=select_autoescape(["html", "j2"]))
    env.filters["locator"] = locator_text
    page = env.get_template("audit_report.html.j2").render(
        a=data, json_name=json_path.name, crops_dir=crops_dir.name, status_labels=STATUS_LABELS, entry=data.get(ENTRY_FIELD),
        unsettled=[d for d in data["dossiers"] if not d["ok"]], settled=[d for d in data["dossiers"] if d["ok"]],
    )
    atomic.write_text(html_path, page)  # differences are masked when found (audit.compare)
    return json_path, html_path
