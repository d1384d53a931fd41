"""`dossier audit`: reproducible spot checks of a finished run, each kept as a report."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

app = typer.Typer(no_args_is_help=True, add_completion=False)
console = Console(stderr=True)


@app.command("run")
def audit_run(
    out: Path = typer.Argument(..., help="The output folder of a finished `dossier run`."),
    batch: Path = typer.Option(..., "--batch", help="The original batch (folder or .zip) the run read."),
    auditor: Optional[str] = typer.Option(None, "--auditor", help="Who audits (required; written in the report)."),
    seed: int = typer.Option(1, "--seed", help="Seed of the sample: the same seed picks the same dossiers."),
    size: int = typer.Option(5, "--size", help="How many dossiers to re-derive (1 to the batch's size)."),
    rulebook: str = typer.Option("baotou-2020", "--rulebook", envvar="DOSSIER_RULEBOOK"),
    db: Optional[str] = typer.Option(None, "--db", envvar="DOSSIER_DB", help="Database whose change log is verified."),
    key_file: Optional[str] = typer.Option(None, "--log-key-file", envvar="DOSSIER_LOG_KEY_FILE", help="The change log's key file."),
    no_db: bool = typer.Option(False, "--no-db", help="Do not open the database (change log not verified)."),
) -> None:
    """Re-derive a seeded sample of results from the original files, compare with what was
    stored, verify the change log; keep the report as OUT/audits/audit-<time>-seed-size.json/.html."""
    from dossierflow.audit import raise_if_failed, run_audit
    from dossierflow.audit_report import write_report
    from dossierflow.config import Limits, default_db_url

    store = None
    if not no_db:
        from dossierflow.storage import open_store

        store = open_store(db or default_db_url(), key_file)
    try:
        report = run_audit(out, batch, seed, size, rulebook, Limits.from_env(), store, auditor=auditor or "")
    finally:
        if store is not None:
            store.close()
    json_path, html_path = write_report(out, report)
    for d in report.dossiers:
        mark = "[green]一致[/green]" if d.ok else "[red]不一致[/red]"
        console.print(f"{d.dossier_id}：{mark}")
        for line in d.files_changed:
            console.print(f"    文件已改变：{line}")
        for line in d.differences:
            console.print(f"    {line}")
        for line in d.decisions:
            console.print(f"    依据复核人的决定：{line}")
    changed = sorted(k for k in set(report.versions_stored) | set(report.versions_now)
                     if report.versions_stored.get(k) != report.versions_now.get(k))
    for key in changed:
        console.print(f"版本不同 {key}：记录为 {report.versions_stored.get(key)}，现为 {report.versions_now.get(key)}")
    if report.log is None:
        console.print("变更日志：未检查（--no-db）")
    elif report.log.problem:
        console.print(f"变更日志：[red]校验失败[/red]：{report.log.problem}")
    else:
        console.print(f"变更日志：完整，共 {report.log.head['count']} 条，链头 {report.log.head['hash'][:16]}…")
    console.print(f"审计报告：{json_path}　{html_path}")
    raise_if_failed(report)
