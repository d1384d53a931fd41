"""The `dossier` command. Exceptions become exit codes here and nowhere else."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

import typer
from rich.console import Console

from dossierflow.cli_errors import INTERRUPTED_MESSAGE, explain
from dossierflow.config import default_db_url, load_settings
from dossierflow.errors import ExitCode, UsageError
from dossierflow.exit_bound import exit_within
from dossierflow.printing import find_chromium, print_reports

app = typer.Typer(
    name="dossier",
    help="Check professional-title (职称) application dossiers against policy.",
    # A bare `dossier` is a usage error (one line, exit 2), not help printed on standard output.
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Subcommands inherit the help options from this context.
    context_settings={"help_option_names": ["-h", "--help"]},
)
err = Console(stderr=True)
log = logging.getLogger("dossierflow.cli")

DbOption = typer.Option(None, "--db", help="Database URL: sqlite:///PATH or postgresql://USER@HOST/DB (env DOSSIER_DB; default: SQLite under the data directory).")


def _print_versions(requested: bool) -> None:
    if not requested:
        return
    # Here, not at the top: the versions bring the readers (OpenCV) to every command.
    from dossierflow.versions import installed_versions

    for name, version in installed_versions(load_settings().rulebook).items():
        typer.echo(f"{name} {version}")
    raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_versions,
        help="Show the versions of dossierflow, the rulebook and the OCR engines, and exit.",
    ),
) -> None:
    """Check professional-title (职称) application dossiers against policy."""


def _quiet_prefect() -> None:
    # Prefect's own INFO logs would drown the progress display; errors still show.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_ROOT_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "")
    # The run logger's INFO lines still reach the run's log in the UI, not the terminal.
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")


@app.command()
def run(
    batch: Path = typer.Argument(..., help="A batch folder or a .zip of one."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (results.jsonl, batch.json, reports)."),
    db: Optional[str] = DbOption,
    rulebook: Optional[str] = typer.Option(None, "--rulebook", help="Rulebook name or YAML path (env DOSSIER_RULEBOOK; default baotou-2020)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Parallel dossiers (env DOSSIER_WORKERS; default: CPU cores)."),
    dask_address: Optional[str] = typer.Option(None, "--dask-address", help="Run tasks on this Dask scheduler (env DOSSIER_DASK_ADDRESS)."),
    date: Optional[str] = typer.Option(None, "--date", help="Processing date YYYY-MM-DD (default: today); fixes DATE_IMPOSSIBLE and PUBLICITY_DONE for reproducible runs."),
    no_db: bool = typer.Option(False, "--no-db", help="Do not record history or consult the blacklist."),
    notice_template: Optional[Path] = typer.Option(
        None, "--notice-template", help="The office's own 补正通知 Word template (.docx); placeholders as in dossierflow/templates/make_notice_template.py."
    ),
    pdf: bool = typer.Option(False, "--pdf", help="Also print every report to PDF with headless Chromium."),
) -> None:
    """Process a batch through the Prefect flow and write OUT/results.jsonl and the reports."""
    settings = load_settings()
    if workers is not None and workers < 1:
        raise UsageError(f"选项 --workers 的值 {workers} 无效：应大于 0")
    day = _parse_date(date)
    db_url = None if no_db else _db_url(db)
    _quiet_prefect()
    # Here, not at the top: the flow brings the readers (OpenCV, python-docx), and Prefect when a
    # run needs it, to every command.
    from flows.batch_flow import run_batch
    from flows.progress_display import ProgressDisplay

    if notice_template is not None:
        # Here, not at the top: python-docx, loaded only when a notice template is named.
        from dossierflow.notices import load_template

        load_template(notice_template)  # a bad template is a usage error before any reading starts
    if pdf:
        find_chromium()  # likewise a missing browser
    with ProgressDisplay(err):
        summary = run_batch(
            batch, out, db_url=db_url, rulebook=rulebook or settings.rulebook, processing_date=day,
            workers=workers or settings.workers, dask_address=dask_address or settings.dask_address,
            notice_template=notice_template,
        )
    if pdf:
        err.print(f"已输出 PDF 报告 {len(print_reports(out))} 份", markup=False)
    if summary.get("flow_run_id"):
        err.print(f"Prefect 运行：{summary['flow_run_id']}（{summary['flow_run_name']}）", markup=False, highlight=False)
    elif summary.get("recorded_later"):
        err.print(f"Prefect 运行：{summary['flow_run_name']}（全部复用缓存，运行记录在后台补记）", markup=False, highlight=False)
    elif summary.get("record_failed"):
        err.print(f"Prefect 运行：{summary['flow_run_name']}（全部复用缓存；未能记录到 Prefect 服务，结果已写出）", markup=False, highlight=False)
    # Here, not at the top: the summary brings openpyxl and python-docx to every command.
    from dossierflow.run_summary import summary_line

    # The summary stays the run's last line: it names what to open next.
    err.print(summary_line(summary, out), markup=False, soft_wrap=True)  # paths stay whole for copying


@app.command()
def sample(
    folder: Path = typer.Argument(..., help="Where to write the generated batch (replaced if it exists)."),
    n: int = typer.Option(8, "--n", help="How many dossiers."),
    seed: int = typer.Option(1, "--seed", help="Same seed, same batch, file for file."),
    scenarios: str = typer.Option(
        "clean,fail:PLEDGE_SIGNED,fail:SENIORITY,flag:ID_NUMBER_INVALID",
        "--scenarios",
        help="clean | all | a comma list of scenario codes (see fixtures/scenarios.py).",
    ),
) -> None:
    """Generate a realistic sample batch (DOCX, text PDF, scans, bound PDF, zip) with its truth."""
    # Here, not at the top: the generator (ReportLab, OpenCV) serves this command only.
    from fixtures.generate import generate_batch

    truth = generate_batch(folder, n=n, seed=seed, scenarios=scenarios)
    err.print(f"已在 {folder} 生成 {len(truth.dossiers)} 份示例档案；真值文件：{folder.parent / (folder.name + '.truth.json')}")


def _parse_date(date: Optional[str]) -> Optional[dt.date]:
    if date is None:
        return None
    try:
        return dt.date.fromisoformat(date)
    except ValueError as exc:
        raise UsageError(f"选项 --date 的值 {date!r} 无效：应为 YYYY-MM-DD 格式的日期") from exc


def _db_url(db: Optional[str]) -> str:
    return db or default_db_url()


def _mount_subcommands() -> None:
    import importlib

    for module, name, help_text in (
        ("dossierflow.cli_review", "review", "The integrity review queue."),
        ("dossierflow.cli_blacklist", "blacklist", "The 失信黑名单: list, add, check, remove, export."),
        ("dossierflow.cli_audit", "audit", "抽查审计：抽样复核、定期抽查、签署与核对审计报告。"),
        ("dossierflow.cli_batch", "batch", "Recorded batches; retire one a resubmission supersedes."),
        ("dossierflow.cli_user", "user", "The verification station's users: add, list, disable."),
    ):
        try:
            sub = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        app.add_typer(sub.app, name=name, help=help_text, no_args_is_help=False)


_mount_subcommands()
from dossierflow.cli_serve import serve as _serve  # noqa: E402  (one command, not a group)

app.command("serve")(_serve)
from dossierflow.cli_watch import watch as _watch  # noqa: E402  (one command, not a group)

app.command("watch")(_watch)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """The console script. Every failure leaves here as one Chinese line on standard error and
    the exit code of the README's table (`dossierflow.cli_errors`); no traceback, unless
    DOSSIER_LOG_LEVEL=DEBUG asks for one."""
    try:
        logging.basicConfig(level=load_settings().log_level, format="%(levelname)s %(name)s: %(message)s")
        # Outside standalone mode Typer returns the code of a `typer.Exit` instead of exiting.
        code = app(args=argv, prog_name="dossier", standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except (Exception, KeyboardInterrupt) as exc:
        failure = explain(exc)
        if failure.exit_code == ExitCode.RUN_FAILED:
            log.debug("the run failed", exc_info=exc)
        print(f"错误：{failure.message}", file=sys.stderr)
        exit_within(failure.exit_code)
    if code == ExitCode.INTERRUPTED:
        print(INTERRUPTED_MESSAGE, file=sys.stderr)
    code = code if isinstance(code, int) and not isinstance(code, bool) else 0
    if code:
        exit_within(code)  # a stopped run's exit must not wait for good on Prefect's queues
    sys.exit(0)


if __name__ == "__main__":
    main()
