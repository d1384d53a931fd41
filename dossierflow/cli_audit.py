"""`dossier audit`: the auditor's spot check (a Prefect flow), its schedule, sign-off and check.

Everything printed here is for auditors, so it is in Chinese."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from dossierflow.audit_sample import Stratum, makeup_lines
from dossierflow.config import default_db_url
from dossierflow.errors import AuditMismatch, UsageError

app = typer.Typer(no_args_is_help=True, add_completion=False, help="抽查审计：抽样复核、定期抽查、签署与核对审计报告。")
console = Console(stderr=True, highlight=False)

OutArg = typer.Argument(..., help="一次已完成的 `dossier run` 的输出目录。")
BatchOpt = typer.Option(..., "--batch", help="该次运行读取的原始批次（文件夹或 .zip）。")
AuditorOpt = typer.Option(None, "--auditor", help="审计人（必填，写入报告和变更日志）。")
SizeOpt = typer.Option("5", "--size", help="抽查份数（如 10）或比例（如 5%）。")
RulebookOpt = typer.Option("baotou-2020", "--rulebook", envvar="DOSSIER_RULEBOOK", help="规则库名称或 YAML 路径。")
DbOpt = typer.Option(None, "--db", envvar="DOSSIER_DB", help="数据库地址：核对并写入其变更日志。")
KeyOpt = typer.Option(None, "--log-key-file", envvar="DOSSIER_LOG_KEY_FILE", help="变更日志的密钥文件。")
NoDbOpt = typer.Option(False, "--no-db", help="不打开数据库（不核对也不写入变更日志）。")


def _db(db: Optional[str], no_db: bool) -> Optional[str]:
    if no_db:
        return None
    return db or default_db_url()


def _quiet_prefect() -> None:
    # dossierflow.cli imports this module to register its commands: a top-level import is a cycle.
    from dossierflow.cli import _quiet_prefect as quiet

    quiet()


@app.command("run")
def audit_run(
    out: Path = OutArg,
    batch: Path = BatchOpt,
    auditor: Optional[str] = AuditorOpt,
    seed: Optional[int] = typer.Option(None, "--seed", help="抽样种子：同一种子与样本量总是抽到同样的档案（不指定则随机取一个并记录）。"),
    size: str = SizeOpt,
    rulebook: str = RulebookOpt,
    db: Optional[str] = DbOpt,
    key_file: Optional[str] = KeyOpt,
    no_db: bool = NoDbOpt,
) -> None:
    """按结论分层抽样，从原始文件重新判定并与记录逐项比对，核对变更日志并记入本次审计；
    报告保存为 OUT/audits/audit-<时间>-seed<种子>-size<份数>.json/.html。"""
    if not (auditor or "").strip():
        raise UsageError("必须用 --auditor 注明审计人")
    # Loaded here, not at the top: the audit's checks bring the readers (OpenCV) to every command.
    from dossierflow.spot_check import check_before_audit

    db_url = _db(db, no_db)
    check_before_audit(out, batch, size, db_url, key_file)  # usage errors before Prefect starts
    _quiet_prefect()
    # Prefect, loaded only when an audit runs.
    from flows.spot_check import run_once

    result = run_once(out, batch, (auditor or "").strip(), seed, size, rulebook, db_url, key_file)
    _print_result(result)


def _print_result(result: dict) -> None:
    import json

    data = json.loads(Path(result["report"]).read_text(encoding="utf-8"))
    console.print(f"批次 {data['batch_id'] or '—'}：共 {data['batch_dossiers']} 份，抽查 {data['size']} 份（指定 {data['size_asked']}），种子 {data['seed']}", markup=False)
    for line in makeup_lines([Stratum(**s) for s in data["makeup"]]):
        console.print(f"  样本构成　{line}", markup=False)
    for d in data["dossiers"]:
        mark = "[green]一致[/green]" if d["ok"] else "[red]不一致[/red]"
        console.print(f"{d['dossier_id']}：{mark}")
        for f in d["files_changed"]:
            console.print(f"    原始文件已改变：{f}", markup=False)
        for x in d["differences"]:
            console.print(f"    {x['text']}", markup=False)
        for line in d.get("decisions", []):
            console.print(f"    依据复核人的决定：{line}", markup=False)
    for x in data.get("batch_differences", []):
        console.print(f"[red]批次级结论不一致[/red]：{x['text']}")
    stored, now = data["versions_stored"], data["versions_now"]
    for key in sorted(k for k in set(stored) | set(now) if stored.get(k) != now.get(k)):
        console.print(f"版本不同 {key}：记录为 {stored.get(key)}，现为 {now.get(key)}", markup=False)
    log = data.get("log")
    if log is None:
        console.print("变更日志：未检查（--no-db）")
    elif log["problem"]:
        console.print(f"变更日志：[red]校验失败[/red]：{log['problem']}")
    else:
        console.print(f"变更日志：完整，共 {log['head']['count']} 条，链头 {log['head']['hash'][:16]}…")
    entry = data.get("log_entry")
    if entry:
        console.print(f"本次审计已记入变更日志第 {entry['seq']} 条")
    console.print(f"Prefect 运行：{result['flow_run_id']}；产物 {result['artifact_key']}", markup=False)
    console.print(f"审计报告：{result['html']}　{result['report']}", markup=False, soft_wrap=True)
    if not data["ok"]:
        bad = [d["dossier_id"] for d in data["dossiers"] if not d["ok"]]
        parts = [f"{len(bad)} 份档案与记录不一致：{'、'.join(bad)}"] if bad else []
        if data.get("batch_differences"):
            parts.append(f"{len(data['batch_differences'])} 项批次级结论与记录不一致")
        if log and log["problem"]:
            parts.append(f"日志校验失败：{log['problem']}")
        raise AuditMismatch("抽查未通过：" + "；".join(parts))


@app.command("serve")
def audit_serve(
    out: Path = OutArg,
    batch: Path = BatchOpt,
    auditor: Optional[str] = AuditorOpt,
    cron: str = typer.Option(..., "--cron", help="抽查的时间表（cron 表达式，如 \"0 6 * * 1\" 即每周一 6 点）。"),
    size: str = SizeOpt,
    rulebook: str = RulebookOpt,
    db: Optional[str] = DbOpt,
    key_file: Optional[str] = KeyOpt,
    no_db: bool = NoDbOpt,
) -> None:
    """以 Prefect 部署的形式定期抽查（每次随机取种子并记录），直到按 Ctrl-C 停止。"""
    if not (auditor or "").strip():
        raise UsageError("必须用 --auditor 注明审计人")
    # Loaded here, not at the top: the audit's checks bring the readers (OpenCV) to every command.
    from dossierflow.spot_check import check_before_audit

    db_url = _db(db, no_db)
    check_before_audit(out, batch, size, db_url, key_file)
    _quiet_prefect()
    _check_cron(cron)
    if db_url is not None:
        os.environ["DOSSIER_DB"] = db_url  # each scheduled run resolves the redacted URL from it
    # Prefect, loaded only when an audit is served.
    from flows.local_api import prefect_api
    from flows.spot_check import deployment, serve

    # A schedule needs a lasting server with its scheduler: the API a run starts for itself
    # (ephemeral) runs none. Without a configured one, a local server lives as long as this.
    with prefect_api() as ui:
        if ui:
            console.print(f"Prefect 界面：{ui}（可查看抽查的时间表和每次运行）", markup=False)
        dep = deployment(out, batch, (auditor or "").strip(), cron, size, rulebook, db_url, key_file)
        console.print(f"定期抽查已启动：部署 spot_check/{dep.name}，时间表 {cron}；按 Ctrl-C 停止。", markup=False)
        serve(dep)


def _check_cron(cron: str) -> None:
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=cron)
    except ValueError as exc:
        raise UsageError(f"--cron 的值 {cron!r} 不是有效的 cron 表达式（如 \"0 6 * * 1\"）") from exc


@app.command("sign")
def audit_sign(
    report: Path = typer.Argument(..., help="审计报告（.json 或其旁的 .html）。"),
    auditor: str = typer.Option(..., "--auditor", help="签署人。"),
    db: Optional[str] = DbOpt,
    key_file: Optional[str] = KeyOpt,
) -> None:
    """签署一份审计报告：先核对报告与变更日志，再把签署记入日志。"""
    # Loaded here, not at the top: the log's checks bring NumPy and the rulebook to every command.
    from dossierflow.audit_log import sign_report
    from dossierflow.spot_check import open_audit_store

    store = open_audit_store(_db(db, False), key_file)
    try:
        signed = sign_report(store, report, auditor)
    finally:
        store.close()
    console.print(f"已签署：{report}；签署人 {signed.auditor}，{signed.at}，变更日志第 {signed.seq} 条", markup=False)


@app.command("check")
def audit_check(
    report: Path = typer.Argument(..., help="审计报告（.json 或其旁的 .html）。"),
    db: Optional[str] = DbOpt,
    key_file: Optional[str] = KeyOpt,
) -> None:
    """核对一份审计报告：日志完整、报告记入日志且审计后未被改动；列出签署。"""
    # Loaded here, not at the top: the log's checks bring NumPy and the rulebook to every command.
    from dossierflow.audit_log import check_report
    from dossierflow.spot_check import open_audit_store

    store = open_audit_store(_db(db, False), key_file)
    try:
        check = check_report(store, report)
    finally:
        store.close()
    if not check.ok:
        raise AuditMismatch(f"审计报告未通过核对：{check.problem}")
    console.print(f"审计报告与变更日志一致：审计人 {check.auditor}，日志第 {check.audit_seq} 条", markup=False)
    if not check.signoffs:
        console.print("尚无签署")
    for s in check.signoffs:
        console.print(f"签署：{s.auditor}，{s.at}（日志第 {s.seq} 条）", markup=False)
