"""The line `dossier run` ends with: what came out, where it is, what waits for a person."""

from __future__ import annotations

from pathlib import Path

from dossierflow.labels import STATUS_LABELS
from dossierflow.notices import NOTICES_DIR
from dossierflow.roster import ROSTER_FILE
from dossierflow.vocab import STATUSES

# A reviewer must look at these; returned dossiers go back to their unit with a notice instead.
NEEDS_A_PERSON = ("integrity_review", "needs_review", "error")


def summary_line(summary: dict, out: Path) -> str:
    counts: dict[str, int] = summary.get("counts", {})
    by_status = "，".join(f"{STATUS_LABELS[s]} {counts[s]}" for s in STATUSES if counts.get(s))
    waiting = sum(counts.get(s, 0) for s in NEEDS_A_PERSON)
    notices = counts.get("returned", 0)
    return (
        f"共 {summary.get('dossiers', 0)} 份档案（{by_status or '无'}）。"
        f"报告：{out / 'report.html'}；补正通知 {notices} 份：{out / NOTICES_DIR}；"
        f"花名册：{out / ROSTER_FILE}；需人工处理 {waiting} 份。"
    )
