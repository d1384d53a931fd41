"""`dossier blacklist …`: the 失信黑名单. ID numbers are shown masked (export --full excepted)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from dossierflow import atomic, blacklist
from dossierflow.cli_shared import DbOption, KeyOption, open_db, out
from dossierflow.errors import IdBarred, UsageError
from dossierflow.privacy import mask_id

app = typer.Typer(no_args_is_help=True, add_completion=False, help="The 失信黑名单: add, list, check, remove, expiry, export.")


err = Console(stderr=True)


def _who(by: Optional[str], role: str) -> str:
    """Every change names who made it: it goes into the change log."""
    if not by or not by.strip():
        raise UsageError(f"必须用 --by 注明{role}")
    return by.strip()


def _date(value: Optional[str], option: str) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"{option} 应为 YYYY-MM-DD：{value!r}") from exc


@app.command("add")
def add(
    id_number: str = typer.Argument(..., help="Full 18-character ID number."),
    reason: str = typer.Option(..., "--reason", help="Why (Chinese, shown to reviewers)."),
    source: str = typer.Option(..., "--source", help="Where the decision comes from (document no., authority)."),
    name: Optional[str] = typer.Option(None, "--name"),
    kind: str = typer.Option("fraud", "--kind", help="fraud (二（一）5) or cross_region (二（二）)."),
    start: Optional[str] = typer.Option(None, "--start", help="First day in force, YYYY-MM-DD (default: today)."),
    years: Optional[int] = typer.Option(None, "--years", help="Override the ban length in years."),
    by: Optional[str] = typer.Option(None, "--by", help="Who records the entry (required; kept in the change log)."),
    force: bool = typer.Option(False, "--force", help="Record an ID number whose check digit is wrong, as given."),
    rulebook: str = typer.Option("baotou-2020", "--rulebook", envvar="DOSSIER_RULEBOOK", help="Rulebook name or YAML path."),
    db: Optional[str] = DbOption,
    key_file: Optional[str] = KeyOption,
) -> None:
    """Add an entry; expiry is start + the rulebook's ban_years for its kind (5 fraud, 3 cross_region in 2020)."""
    entry = blacklist.new_entry(id_number, reason, source, kind=kind, name=name, start=_date(start, "--start"), years=years, created_by=_who(by, "登记人"), rulebook=rulebook)  # type: ignore[arg-type]
    problem = blacklist.check_digit_problem(entry.id_number)
    if problem and not force:
        raise UsageError(f"{problem}：请核对；确认按原样登记请加 --force")
    if problem:
        err.print(f"[yellow]警告：[/yellow]{problem}；已按 --force 原样登记")
    with open_db(db, key_file) as store:
        saved = blacklist.add(store, entry)
    who = f" {saved.name}" if saved.name else ""
    out.print(f"已列入黑名单 #{saved.entry_id}：{mask_id(saved.id_number)}{who}，{saved.start_date} 起至 {saved.expiry_date} 止")


@app.command("list")
def list_entries(
    all_entries: bool = typer.Option(False, "--all", help="Include removed and expired entries."),
    on: Optional[str] = typer.Option(None, "--date", help="Judge 'in force' on this day (default: today)."),
    db: Optional[str] = DbOption,
) -> None:
    """List entries in force (ID numbers masked)."""
    day = _date(on, "--date") or dt.date.today()
    with open_db(db) as store:
        entries = store.blacklist_entries()
    shown = [e for e in entries if all_entries or e.in_force(day)]
    table = Table("#", "身份证号码", "姓名", "类型", "原因", "来源", "起", "止", "状态")
    for e in shown:
        state = "已撤销" if e.removed_at else ("有效" if e.in_force(day) else "已过期" if day >= e.expiry_date else "未生效")
        table.add_row(str(e.entry_id), mask_id(e.id_number), e.name or "", blacklist.KIND_CN[e.kind], e.reason, e.source, str(e.start_date), str(e.expiry_date), state)
    out.print(table)
    out.print(f"共 {len(shown)} 条")


@app.command("check")
def check(
    id_number: str = typer.Argument(..., help="Full 18-character ID number."),
    on: Optional[str] = typer.Option(None, "--date", help="Day to check (default: today)."),
    db: Optional[str] = DbOption,
) -> None:
    """Is this ID number barred on that day? Exit code 0 when it is not, 7 when it is."""
    day = _date(on, "--date") or dt.date.today()
    with open_db(db) as store:
        hits = blacklist.check(store, id_number, day)
    masked = mask_id(blacklist.normalise_id(id_number))
    if not hits:
        out.print(f"{masked}：{day} 不在黑名单中")
        return
    for e in hits:
        out.print(f"{masked}：在黑名单中 #{e.entry_id}（{blacklist.KIND_CN[e.kind]}，{e.reason}，来源 {e.source}，{e.start_date} 至 {e.expiry_date}）")
    raise IdBarred(f"{masked} 在 {day} 处于黑名单中（{len(hits)} 条有效记录）")


@app.command("remove")
def remove(
    entry_id: int = typer.Argument(..., help="Entry number as `list` shows it."),
    reason: str = typer.Option(..., "--reason", help="Why the entry is lifted."),
    by: Optional[str] = typer.Option(None, "--by", help="Who lifts it (required; kept in the change log)."),
    db: Optional[str] = DbOption,
    key_file: Optional[str] = KeyOption,
) -> None:
    """Lift an entry (kept on record as removed, with the reason and who lifted it)."""
    with open_db(db, key_file) as store:
        e = store.remove_blacklist(entry_id, reason, _who(by, "撤销人"))
    out.print(f"已撤销黑名单 #{e.entry_id}：{mask_id(e.id_number)}（{e.removed_by}：{e.removed_reason}）")


@app.command("expiry")
def expiry(
    entry_id: int = typer.Argument(..., help="Entry number as `list` shows it."),
    until: str = typer.Option(..., "--until", help="New expiry date YYYY-MM-DD (the first day no longer barred)."),
    reason: str = typer.Option(..., "--reason", help="Why the ban's length changes (decision no., ruling)."),
    by: Optional[str] = typer.Option(None, "--by", help="Who changes it (required; kept in the change log)."),
    db: Optional[str] = DbOption,
    key_file: Optional[str] = KeyOption,
) -> None:
    """Change an entry's expiry date (shorten or extend a ban), with the reason and who did it."""
    day = _date(until, "--until")
    assert day is not None
    with open_db(db, key_file) as store:
        e = store.set_blacklist_expiry(entry_id, day, reason, _who(by, "修改人"))
    out.print(f"已修改黑名单 #{e.entry_id}：{mask_id(e.id_number)}，{e.start_date} 起至 {e.expiry_date} 止")


@app.command("export")
def export(
    fmt: str = typer.Option("csv", "--format", help="csv or json."),
    target: Optional[Path] = typer.Option(None, "--out", "-o", help="File to write (default: standard output)."),
    full: bool = typer.Option(False, "--full", help="Full ID numbers (for matching by other authorities)."),
    all_entries: bool = typer.Option(False, "--all", help="Include removed and expired entries."),
    db: Optional[str] = DbOption,
) -> None:
    """Export entries in force as CSV or JSON; ID numbers masked unless --full."""
    if fmt not in ("csv", "json"):
        raise UsageError("--format 只能是 csv 或 json")
    today = dt.date.today()
    with open_db(db) as store:
        entries = [e for e in store.blacklist_entries() if all_entries or e.in_force(today)]
    text = blacklist.export_text(entries, fmt, full=full)  # type: ignore[arg-type]
    if target is None:
        typer.echo(text, nl=False)
    else:
        atomic.write_text(target, text)
        out.print(f"已导出 {len(entries)} 条到 {target}")
