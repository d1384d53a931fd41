"""The auditor's spot check as a Prefect flow (`spot_check`): run once by `dossier audit run`,
or served as a scheduled deployment by `dossier audit serve --cron`.

Thin: each step is a function of `dossierflow.spot_check`, testable without Prefect. Each run is
named `audit-<batch_id>-<date>`, tagged `audit`, `batch:<id>` and `auditor:<name>`, and publishes
its report as artifacts (`audit-<batch_id>`: a Markdown summary linking the report; and the
sample's make-up as a table). Only dossier ids, statuses and rule codes leave for Prefect; the
database is named by its redacted URL (flows.database), resolved in the flow's process.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Optional

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.runtime import flow_run as current_flow_run

from dossierflow import spot_check as steps
from dossierflow.audit import AuditReport
from dossierflow.audit_sample import makeup_lines
from dossierflow.config import Limits
from flows import database as databases
from flows import server_guard
from flows.run_identity import audit_artifact_key, audit_run_name, audit_tags

DEPLOYMENT_NAME = "spot-check"


def batch_id_of(out_dir: str) -> str:
    """The batch id batch.json names (the folder's name when it names none)."""
    path = Path(out_dir) / "batch.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("batch_id") or Path(out_dir).name
    except (OSError, ValueError):
        return Path(out_dir).name


def _run_name() -> str:
    """Computed when the run starts, so scheduled runs are named for their day too."""
    params = current_flow_run.parameters
    return audit_run_name(batch_id_of(params["out_dir"]), dt.date.today())


@task(cache_policy=NONE, task_run_name="rederive-sample")
def rederive_task(out_dir: str, batch_path: str, auditor: str, seed: Optional[int], size: str, rulebook: str,
                  database: Optional[str], key_file: Optional[str]) -> AuditReport:
    return steps.audit(Path(out_dir), Path(batch_path), auditor, seed, size, rulebook, Limits.from_env(),
                       databases.resolve(database), key_file)


@task(cache_policy=NONE, task_run_name="record-and-write-report")
def record_task(out_dir: str, report: AuditReport, database: Optional[str], key_file: Optional[str]) -> dict:
    done = steps.record_and_write(Path(out_dir), report, databases.resolve(database), key_file)
    return {"json": str(done.json_path), "html": str(done.html_path), "log_entry": done.data.get("log_entry")}


@flow(name="spot_check", flow_run_name=_run_name, validate_parameters=False)
def spot_check(
    out_dir: str,
    batch_path: str,
    auditor: str,
    seed: Optional[int] = None,
    size: str = "5",
    rulebook: str = "baotou-2020",
    database: Optional[str] = None,
    key_file: Optional[str] = None,
) -> dict:
    """`seed` None: a fresh seed, recorded in the report and the log (a scheduled audit).
    `database`: the redacted URL (flows.database); None: the log is neither verified nor
    written."""
    server_guard.guard_servers()
    logger = get_run_logger()
    report = rederive_task(out_dir, batch_path, auditor, seed, size, rulebook, database, key_file)
    for line in makeup_lines(report.strata):
        logger.info("样本构成：%s", line)
    written = record_task(out_dir, report, database, key_file)
    keys = publish(report, written)
    logger.info("抽查%s：报告 %s", "通过" if report.ok else "未通过", written["html"])
    return {
        "ok": report.ok, "batch_id": report.batch_id, "seed": report.seed, "sampled": report.sampled,
        "report": written["json"], "html": written["html"], "log_entry": written["log_entry"],
        "flow_run_id": str(current_flow_run.get_id()), "artifact_key": keys["summary"],
    }


def publish(report: AuditReport, written: dict) -> dict[str, str]:
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    key = audit_artifact_key(report.batch_id or "unknown")
    keys = {"summary": key, "makeup": f"{key}-makeup"}
    rows = [{"结论": s.label, "依据审核人决定": "是" if s.decided else "否", "档案数": s.population, "抽取数": s.drawn,
             "不一致": "、".join(d.dossier_id for d in report.dossiers if d.dossier_id in s.sampled and not d.ok)}
            for s in report.strata]
    create_table_artifact(rows, key=keys["makeup"], description=f"批次 {report.batch_id} 抽查的样本构成")
    create_markdown_artifact(summary_markdown(report, written), key=keys["summary"], description=f"批次 {report.batch_id} 抽查审计报告")
    return keys


def summary_markdown(report: AuditReport, written: dict) -> str:
    html = Path(written["html"]).resolve()
    bad = [d.dossier_id for d in report.dossiers if not d.ok]
    entry = written.get("log_entry")
    lines = [
        f"# 抽查审计：批次 {report.batch_id}",
        "",
        f"结论：{'通过' if report.ok else '未通过'}。审计人 {report.auditor}，种子 {report.seed}，抽查 {report.size} / {report.batch_dossiers} 份。",
        "",
        f"不一致的档案：{'、'.join(bad)}" if bad else "抽查的档案均与记录一致。",
        f"批次级结论不一致 {len(report.batch_differences)} 项。" if report.batch_differences else "",
        "",
        f"- 审计报告：[{html}]({html.as_uri()})",
        f"- 变更日志记录：第 {entry['seq']} 条" if entry else "- 未记入变更日志（未打开数据库）",
    ]
    return "\n".join(lines) + "\n"


def run_once(out_dir: Path, batch_path: Path, auditor: str, seed: Optional[int], size: str, rulebook: str,
             db_url: Optional[str], key_file: Optional[str]) -> dict:
    """One audit as a named, tagged flow run (`dossier audit run`)."""
    from prefect import tags

    with tags(*audit_tags(batch_id_of(str(out_dir)), auditor)):
        return spot_check(str(out_dir.resolve()), str(batch_path.resolve()), auditor, seed, size, rulebook,
                          databases.reference(db_url), key_file)


def deployment(out_dir: Path, batch_path: Path, auditor: str, cron: str, size: str, rulebook: str,
               db_url: Optional[str], key_file: Optional[str], seed: Optional[int] = None):  # type: ignore[no-untyped-def]
    """The scheduled spot check of one batch output, as a deployment to serve. The database is
    named by its redacted URL: the serving process resolves it from its own configuration."""
    batch_id = batch_id_of(str(out_dir))
    return spot_check.to_deployment(
        name=f"{DEPLOYMENT_NAME}-{audit_artifact_key(batch_id).removeprefix('audit-')}",
        cron=cron,
        parameters={
            "out_dir": str(out_dir.resolve()), "batch_path": str(batch_path.resolve()), "auditor": auditor,
            "seed": seed, "size": size, "rulebook": rulebook, "database": databases.reference(db_url), "key_file": key_file,
        },
        tags=audit_tags(batch_id, auditor),
        description=f"批次 {batch_id} 的定期抽查审计（{cron}）",
    )


def serve(dep) -> None:  # type: ignore[no-untyped-def]
    """Serve the deployment in this process until interrupted (Prefect's `serve`)."""
    from prefect import serve as prefect_serve

    prefect_serve(dep, print_starting_message=False)
