"""`dossier review …`: the integrity review queue and the decision log."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from dossierflow import review
from dossierflow.cli_shared import DbOption, KeyOption, open_db, out
from dossierflow.corrections import correct_field, rejudge, rule_name, settle_finding
from dossierflow.display import shown_value
from dossierflow.errors import UsageError
from dossierflow.field_values import label
from dossierflow.labels import OUTCOME_LABELS
from dossierflow.privacy import mask_id, mask_ids_in_text

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="The integrity review queue; reviewers' corrections and settlements.")


STATUS_CN = {"open": "待复核", "confirmed": "已确认", "dismissed": "已排除"}
ACTION_CN = {"confirm": "确认", "dismiss": "排除"}


@app.command("list")
def list_leads(
    status: str = typer.Option("open", "--status", help="open, confirmed, dismissed or all."),
    code: Optional[str] = typer.Option(None, "--code", help="Only this flag code."),
    batch: Optional[str] = typer.Option(None, "--batch", help="Only this batch id."),
    db: Optional[str] = DbOption,
) -> None:
    """List leads (flags of stored results) awaiting a decision."""
    if status not in ("open", "confirmed", "dismissed", "all"):
        raise UsageError("--status 只能是 open、confirmed、dismissed 或 all")
    with open_db(db) as store:
        leads = store.leads(status=status, code=code, batch_id=batch)
    table = Table("线索", "批次", "档案", "申报人", "类型", "状态", "说明")
    for lead in leads:
        table.add_row(lead.lead_id, lead.batch_id, lead.dossier_id, lead.name or "", lead.code, STATUS_CN[lead.status], mask_ids_in_text(lead.message)[:80])
    out.print(table)
    out.print(f"共 {len(leads)} 条")


@app.command("show")
def show(lead_id: str = typer.Argument(...), db: Optional[str] = DbOption) -> None:
    """One lead with its evidence: files, pages, boxes, related dossiers, decision."""
    with open_db(db) as store:
        lead = store.lead(lead_id)
    if lead is None:
        raise UsageError(f"没有编号为 {lead_id} 的线索")
    out.print(f"[bold]线索 {lead.lead_id}[/bold]  {lead.code}  {STATUS_CN[lead.status]}")
    out.print(f"批次 {lead.batch_id}  档案 {lead.dossier_id}  申报人 {lead.name or '—'}  身份证号码 {mask_id(lead.id_number) or '—'}  单位 {lead.unit or '—'}")
    out.print(f"说明：{mask_ids_in_text(lead.message)}")
    for s in lead.sources:
        where = s.get("file", "")
        if s.get("page"):
            where += f" 第{s['page']}页"
        if s.get("bbox"):
            where += " [" + ", ".join(f"{v:.0f}" for v in s["bbox"]) + "]"
        if s.get("locator"):
            where += f" {s['locator']}"
        out.print(f"  证据：{where}")
    for r in lead.related:
        out.print(f"  相关档案：{r}")
    for m in lead.details.get("matches", []):
        page = f" 第{m['page']}页" if m.get("page") else ""
        out.print(f"  对方材料：批次 {m.get('batch_id')} 档案 {m.get('dossier_id')} {m.get('file') or ''}{page}")
    if lead.decision:
        d = lead.decision
        out.print(f"决定：{ACTION_CN.get(d.action, d.action)}（{d.reviewer}，{d.decided_at}）理由：{d.reason}" + (f"；黑名单 #{d.blacklist_entry_id}" if d.blacklist_entry_id else ""))


@app.command("confirm")
def confirm(
    lead_id: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    reviewer: str = typer.Option(..., "--reviewer"),
    kind: Optional[str] = typer.Option(None, "--kind", help="fraud (二（一）5) or cross_region (二（二）); default by flag. "
                                                             "The ban's years come from the rulebook."),
    rulebook: str = typer.Option("baotou-2020", "--rulebook", envvar="DOSSIER_RULEBOOK", help="Rulebook name or YAML path."),
    db: Optional[str] = DbOption,
    key_file: Optional[str] = KeyOption,
) -> None:
    """Confirm a lead: the applicant goes on the blacklist."""
    if kind not in (None, "fraud", "cross_region"):
        raise UsageError("--kind 只能是 fraud 或 cross_region")
    with open_db(db, key_file) as store:
        d = review.confirm(store, lead_id, reason, reviewer, kind, rulebook=rulebook)  # type: ignore[arg-type]
    out.print(f"已确认线索 {lead_id}（决定 #{d.seq}），列入黑名单 #{d.blacklist_entry_id}")


@app.command("dismiss")
def dismiss(
    lead_id: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    reviewer: str = typer.Option(..., "--reviewer"),
    db: Optional[str] = DbOption,
    key_file: Optional[str] = KeyOption,
) -> None:
    """Dismiss a lead as a false alarm."""
    with open_db(db, key_file) as store:
        d = review.dismiss(store, lead_id, reason, reviewer)
    out.print(f"已排除线索 {lead_id}（决定 #{d.seq}）")


@app.command("verify")
def verify(db: Optional[str] = DbOption, key_file: Optional[str] = KeyOption) -> None:
    """Check the change log (keyed hashes, the head noted outside the database) and that the
    decisions, blacklist and leads are what it records; exit 6 naming the first problem."""
    with open_db(db, key_file) as store:
        head = review.verify(store)
    out.print(f"日志完整：共 {head.count} 条，链头哈希 {head.hash}；决定、黑名单和线索与日志一致")


# --- reviewers' corrections and settlements (dossierflow.corrections) -------------------------


def _judged_again(store, out_dir: Path, dossier_id: str) -> None:  # type: ignore[no-untyped-def]
    done = rejudge(store, out_dir)
    out.print(f"已重新判定批次 {done.batch_id}：档案 {dossier_id} {done.describe(dossier_id)}")
    others = {d: c for d, c in done.changed.items() if d != dossier_id}
    for did in sorted(others):  # batch rules (quota counts) may move other dossiers too
        out.print(f"  档案 {did} {done.describe(did)}")
    out.print(f"结果已更新：{out_dir / 'results.jsonl'}，报告 {out_dir / dossier_id / 'report.html'}")


@app.command("correct")
def correct(
    out_dir: Path = typer.Argument(..., help="The output folder of a finished `dossier run`."),
    dossier_id: str = typer.Argument(...),
    field: str = typer.Argument(..., help="A field key (dossier-format.md), e.g. region, birth_date."),
    value: str = typer.Argument(..., help="The value as the reviewer reads it on the original."),
    reason: str = typer.Option(..., "--reason"),
    reviewer: str = typer.Option(..., "--reviewer"),
    expected: Optional[str] = typer.Option(None, "--expected", help="The value the reviewer saw; refused if it changed since."),
    db: Optional[str] = DbOption,
    key_file: Optional[str] = KeyOption,
) -> None:
    """Correct a misread field value; the batch is judged again at once."""
    with open_db(db, key_file) as store:
        c = correct_field(store, out_dir, dossier_id, field, value, reason, reviewer, expected_value=expected)
        was = "（空）" if c.old_value is None else _shown(field, c.old_value)
        out.print(f"已记录更正 #{c.seq}：档案 {dossier_id} 的{label(field)}由「{was}」更正为「{_shown(field, c.value)}」（{c.reviewer}）")
        _judged_again(store, out_dir, dossier_id)


@app.command("settle")
def settle(
    out_dir: Path = typer.Argument(..., help="The output folder of a finished `dossier run`."),
    dossier_id: str = typer.Argument(...),
    rule: str = typer.Argument(..., help="The rule code of a finding left at review, e.g. EVALUATION_CHANNEL."),
    outcome: str = typer.Argument(..., help="pass or fail."),
    reason: str = typer.Option(..., "--reason"),
    reviewer: str = typer.Option(..., "--reviewer"),
    expected: Optional[str] = typer.Option(None, "--expected", help="The finding's outcome the reviewer saw (to change a settlement)."),
    db: Optional[str] = DbOption,
    key_file: Optional[str] = KeyOption,
) -> None:
    """Settle a finding the machine left at review (pass / fail); the batch is judged again."""
    with open_db(db, key_file) as store:
        s = settle_finding(store, out_dir, dossier_id, rule, outcome, reason, reviewer, expected_outcome=expected)
        was = OUTCOME_LABELS.get(s.old_outcome or "", s.old_outcome)
        out.print(f"已记录裁定 #{s.seq}：档案 {dossier_id} 的规则 {rule_name(rule)}（{rule}）由「{was}」裁定为「{OUTCOME_LABELS[s.outcome]}」（{s.reviewer}）")
        _judged_again(store, out_dir, dossier_id)


def _shown(field: str, value: object) -> str:
    return mask_id(str(value)) if field == "id_number" else shown_value(field, value)
