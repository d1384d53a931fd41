"""The `dossier` command. Exceptions become exit codes here and nowhere else."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from dossierflow.errors import DossierflowError, ExitCode

app = typer.Typer(
    name="dossier",
    help="Check professional-title (职称) application dossiers against policy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)

DbOption = typer.Option(None, "--db", envvar="DOSSIER_DB", help="Database URL (default: SQLite under the data directory).")


def _quiet_prefect() -> None:
    # Prefect's own INFO logs would drown the progress display; errors still show.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_ROOT_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "")


@app.command()
def run(
    batch: Path = typer.Argument(..., help="A batch folder or a .zip of one."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (results.jsonl, batch.json, reports)."),
    db: Optional[str] = DbOption,
    rulebook: str = typer.Option("baotou-2020", "--rulebook", envvar="DOSSIER_RULEBOOK", help="Rulebook name or YAML path."),
    workers: Optional[int] = typer.Option(None, "--workers", envvar="DOSSIER_WORKERS", help="Parallel dossiers (default: CPU cores)."),
    dask_address: Optional[str] = typer.Option(None, "--dask-address", envvar="DOSSIER_DASK_ADDRESS", help="Run tasks on this Dask scheduler."),
    date: Optional[str] = typer.Option(None, "--date", help="Processing date YYYY-MM-DD (default: today); fixes DATE_IMPOSSIBLE and PUBLICITY_DONE for reproducible runs."),
    no_db: bool = typer.Option(False, "--no-db", help="Do not record history or consult the blacklist."),
    notice_template: Optional[Path] = typer.Option(
        None, "--notice-template", help="The office's own 补正通知 Word template (.docx); placeholders as in dossierflow/templates/make_notice_template.py."
    ),
    pdf: bool = typer.Option(False, "--pdf", help="Also print every report to PDF with headless Chromium."),
) -> None:
    """Process a batch through the Prefect flow and write OUT/results.jsonl and the reports."""
    _quiet_prefect()
    from flows.batch_flow import run_batch
    from flows.progress_display import ProgressDisplay

    day = _parse_date(date)
    if notice_template is not None:
        from dossierflow.notices import load_template

        load_template(notice_template)  # a bad template is a usage error before any reading starts
    if pdf:
        from dossierflow.printing import find_chromium

        find_chromium()  # likewise a missing browser
    db_url = None if no_db else _db_url(db)
    with ProgressDisplay(err):
        summary = run_batch(batch, out, db_url=db_url, rulebook=rulebook, processing_date=day, workers=workers, dask_address=dask_address, notice_template=notice_template)
    if pdf:
        from dossierflow.printing import print_reports

        err.print(f"已输出 PDF 报告 {len(print_reports(out))} 份", markup=False)
    from dossierflow.run_summary import summary_line

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
    from fixtures.generate import generate_batch

    truth = generate_batch(folder, n=n, seed=seed, scenarios=scenarios)
    err.print(f"{len(truth.dossiers)} dossiers in {folder}; truth beside it: {folder.parent / (folder.name + '.truth.json')}")


def _parse_date(date: Optional[str]) -> Optional[dt.date]:
    if date is None:
        return None
    try:
        return dt.date.fromisoformat(date)
    except ValueError as exc:
        from dossierflow.errors import UsageError

        raise UsageError(f"--date must be YYYY-MM-DD, not {date!r}") from exc


def _db_url(db: Optional[str]) -> str:
    from dossierflow.config import default_db_url

    return db or default_db_url()


def _mount_subcommands() -> None:
    import importlib

    for module, name, help_text in (
        ("dossierflow.cli_review", "review", "The integrity review queue."),
        ("dossierflow.cli_blacklist", "blacklist", "The 失信黑名单: list, add, check, remove, export."),
        ("dossierflow.cli_audit", "audit", "Reproducible spot checks of processed dossiers."),
    ):
        try:
            sub = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        app.add_typer(sub.app, name=name, help=help_text)


_mount_subcommands()


def main() -> None:
    logging.basicConfig(level=os.environ.get("DOSSIER_LOG_LEVEL", "WARNING"), format="%(levelname)s %(name)s: %(message)s")
    try:
        app(standalone_mode=False)
    except DossierflowError as exc:
        err.print(f"[red]error:[/red] {exc}")
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/yellow]; finished dossiers are kept and reused on the next run")
        sys.exit(int(ExitCode.INTERRUPTED))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort,):
        sys.exit(int(ExitCode.INTERRUPTED))
    except Exception as exc:  # click usage errors carry their own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
