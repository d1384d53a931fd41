"""What a run publishes to Prefect's UI: a table of counts and of the dossiers needing a person,
and a Markdown summary that points at the report.

Built from `results.jsonl` as written, so a run that reused every dossier (recorded later, in a
process of its own) publishes exactly what a full run would. Only dossier ids and statuses leave
for Prefect: names and ID numbers stay in the outputs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from dossierflow.labels import STATUS_LABELS
from flows.run_identity import artifact_key

# Statuses no rule settled: a reviewer decides, or someone must make the dossier readable.
NEEDS_PERSON = ("needs_review", "integrity_review", "error")


def read_statuses(out_dir: Path) -> dict[str, str]:
    """Each dossier's status, read a line at a time: results.jsonl holds every dossier's
    evidence (tens of kilobytes each), and read whole it would cost the run's peak memory
    that much per dossier."""
    statuses: dict[str, str] = {}
    with open(out_dir / "results.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                statuses[row["dossier_id"]] = row["status"]
    return statuses


def status_table(statuses: dict[str, str]) -> list[dict[str, object]]:
    """One row per status present, in the labels' order, with the dossiers needing a person."""
    rows = []
    for status, label in STATUS_LABELS.items():
        ids = [did for did, s in statuses.items() if s == status]
        if not ids:
            continue
        rows.append({
            "状态": label,
            "代码": status,
            "档案数": len(ids),
            "需人工处理的档案": "、".join(ids) if status in NEEDS_PERSON else "",
        })
    return rows


def summary_markdown(batch_id: str, day: dt.date, out_dir: Path, statuses: dict[str, str]) -> str:
    report = (out_dir / "report.html").resolve()
    counts = "，".join(f"{row['状态']} {row['档案数']}" for row in status_table(statuses))
    waiting = [did for did, s in statuses.items() if s in NEEDS_PERSON]
    lines = [
        f"# 批次 {batch_id}（{day.isoformat()}）",
        "",
        f"共 {len(statuses)} 份档案：{counts}。",
        "",
        f"需人工处理：{'、'.join(waiting)}" if waiting else "无需人工处理的档案。",
        "",
        f"- 批次报告：[{report}]({report.as_uri()})",
        f"- 结果文件：`{(out_dir / 'results.jsonl').resolve()}`",
    ]
    return "\n".join(lines) + "\n"


def publish(batch_id: str, day: dt.date, out_dir: Path) -> dict[str, str]:
    """Create both artifacts in the current flow run; returns their keys."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    statuses = read_statuses(out_dir)
    key = artifact_key(batch_id)
    # Two keys: artifacts sharing one key are versions of each other, and the latest would hide
    # the other. The summary, the one linking the report, takes the plain key.
    keys = {"summary": key, "counts": f"{key}-counts"}
    create_table_artifact(
        status_table(statuses), key=keys["counts"], description=f"批次 {batch_id} 各状态档案数及需人工处理的档案"
    )
    create_markdown_artifact(
        summary_markdown(batch_id, day, out_dir, statuses), key=keys["summary"], description=f"批次 {batch_id} 处理摘要"
    )
    return keys
