"""`dossier batch …`: recorded batches, and retiring one that a resubmission replaces."""

from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

from dossierflow import batches
from dossierflow.cli_shared import DbOption, open_db, out

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Recorded batches; retire a superseded one.")


@app.command("list")
def list_batches(db: Optional[str] = DbOption) -> None:
    """Every recorded batch, with whether it is retired and what superseded it."""
    with open_db(db) as store:
        recorded = store.recorded_batches()
        retired = batches.retired_batches(store.batch_acts())
    table = Table("批次", "报送单位", "政策年度", "档案数", "状态")
    for batch_id in sorted(recorded):
        info = recorded[batch_id]
        if batch_id not in retired:
            state = "在用"
        else:
            state = f"已被 {retired[batch_id]} 替代" if retired[batch_id] else "已撤回"
        table.add_row(batch_id, info["unit"] or "", str(info["policy_year"]), str(info["dossiers"]), state)
    out.print(table)


@app.command("retire")
def retire(
    batch_id: str = typer.Argument(..., help="The batch to take out of the cross-batch checks."),
    by: Optional[str] = typer.Option(None, "--by", help="The batch of the same unit that replaces it (its resubmission)."),
    reason: str = typer.Option(..., "--reason"),
    reviewer: str = typer.Option(..., "--reviewer", help="Who retires it (written to the decision log)."),
    db: Optional[str] = DbOption,
) -> None:
    """Retire a batch: its records stay, but no batch is compared with them any more."""
    with open_db(db) as store:
        act = batches.retire(store, batch_id, reason, reviewer, by)
    what = f"由批次 {by} 替代" if by else "撤回"
    out.print(f"批次 {batch_id} 已停用（{what}），记入决策日志第 {act.seq} 条")
