"""`dossier audit`: reproducible spot checks of a finished run."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from dossierflow import atomic

app = typer.Typer(no_args_is_help=True, add_completion=False)
console = Console(stderr=True)


@app.command("run")
def audit_run(
    out: Path = typer.Argument(..., help="The output folder of a finished `dossier run`."),
    batch: Path = typer.Option(..., "--batch", help="The original batch (folder or .zip) the run read."),
    seed: int = typer.Option(1, "--seed", help="Seed of the sample: the same seed picks the same dossiers."),
    size: int = typer.Option(5, "--size", help="How many dossiers to re-derive."),
    rulebook: str = typer.Option("baotou-2020", "--rulebook", envvar="DOSSIER_RULEBOOK"),
    db: Optional[str] = typer.Option(None, "--db", envvar="DOSSIER_DB", help="Database whose decision log is verified."),
    no_db: bool = typer.Option(False, "--no-db", help="Do not open the database (decision log not verified)."),
) -> None:
    """Re-derive a seeded sample of results from the original files and compare with what was stored."""
    from dossierflow.audit import raise_if_failed, run_audit
    from dossierflow.config import Limits, default_db_url

    store = None
    if not no_db:
        from dossierflow.storage import open_store

        store = open_store(db or default_db_url())
    try:
        report = run_audit(out, batch, seed, size, rulebook, Limits.from_env(), store)
    finally:
        if store is not None:
            store.close()
    target = out / f"audit-seed{seed}-size{size}.json"
    atomic.write_json(target, report.as_dict())
    for d in report.dossiers:
        mark = "[green]一致[/green]" if d.ok else "[red]不一致[/red]"
        console.print(f"{d.dossier_id}: {mark}")
        for line in d.files_changed:
            console.print(f"    文件已改变: {line}")
        for line in d.differences:
            console.print(f"    {line}")
    changed = sorted(k for k in set(report.versions_stored) | set(report.versions_now)
                     if report.versions_stored.get(k) != report.versions_now.get(k))
    for key in changed:
        console.print(f"版本不同 {key}: 记录为 {report.versions_stored.get(key)}，现为 {report.versions_now.get(key)}")
    console.print(f"决策日志: {report.decision_log or '未检查'}   报告: {target}")
    raise_if_failed(report)
