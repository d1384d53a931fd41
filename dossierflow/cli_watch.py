"""`dossier watch INBOX --out OUTROOT`: process each batch that appears in an inbox folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from dossierflow.config import load_settings
from dossierflow.errors import UsageError

err = Console(stderr=True)


def watch(
    inbox: Path = typer.Argument(..., help="The inbox folder batches (folders or .zip) are copied into."),
    out: Path = typer.Option(..., "--out", "-o", help="Where each batch's output goes: OUT/<batch>/."),
    settle: float = typer.Option(30.0, "--settle", help="Seconds a batch must stay unchanged before it is taken (a copy still in progress changes it)."),
    poll: float = typer.Option(5.0, "--poll", help="Seconds between looks at the inbox."),
    once: bool = typer.Option(False, "--once", help="Take what is complete now (after one settle time), process it and exit."),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (env DOSSIER_DB; default: SQLite under the data directory)."),
    no_db: bool = typer.Option(False, "--no-db", help="Do not record history or consult the blacklist."),
    rulebook: Optional[str] = typer.Option(None, "--rulebook", help="Rulebook name or YAML path (env DOSSIER_RULEBOOK)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Parallel dossiers per batch (env DOSSIER_WORKERS)."),
) -> None:
    """Process each batch copied into INBOX once complete; move it to INBOX/done/ or INBOX/failed/."""
    # dossierflow.cli imports this module to register the command: a top-level import is a cycle.
    from dossierflow.cli import _db_url, _quiet_prefect

    settings = load_settings()
    if settle < 0 or poll <= 0:
        raise UsageError("选项 --settle 不能为负数，--poll 应大于 0")
    if workers is not None and workers < 1:
        raise UsageError(f"选项 --workers 的值 {workers} 无效：应大于 0")
    if not inbox.is_dir():
        raise UsageError(f"收件箱 {inbox} 不存在或不是文件夹")
    db_url = None if no_db else _db_url(db)
    # Here, not at the top: the flow's stages bring the readers and the rulebook to every command.
    from flows.stages import check_before_reading

    check_before_reading(db_url, rulebook or settings.rulebook)  # a bad rulebook or database fails now, not per batch
    if db_url is not None:
        # The runs resolve the database here, in their own processes: never through Prefect's parameters.
        os.environ["DOSSIER_DB"] = db_url
    _quiet_prefect()
    # Prefect and the flows, loaded only when the inbox is served.
    from flows import database
    from flows.watch import WatchOptions
    from flows.watch import watch as serve_inbox

    options = WatchOptions(
        inbox=inbox, out_root=out, settle=settle, poll=poll, once=once, database=database.reference(db_url),
        rulebook=rulebook or settings.rulebook, workers=workers or settings.workers,
    )
    try:
        report = serve_inbox(options, lambda line: err.print(line, markup=False, highlight=False, soft_wrap=True))
    except KeyboardInterrupt:
        err.print("已停止监视收件箱", markup=False)
        raise
    if once:
        err.print(f"本次处理完成 {len(report.done)} 个批次，失败 {len(report.failed)} 个", markup=False)
