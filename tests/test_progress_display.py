"""What a clerk reads while `dossier run` works: the progress lines, in Chinese."""

from __future__ import annotations

import io
import re

from rich.console import Console

from flows import progress
from flows.progress_display import ProgressDisplay


def _lines(events: list[tuple[str, dict]]) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)  # a log or a pipe: one line per step
    with ProgressDisplay(console):
        for event, data in events:
            progress.emit(event, **data)
    return [line for line in out.getvalue().splitlines() if line.strip()]


def test_progress_lines_are_chinese() -> None:
    events = [("skipped", {"entry": "readme.txt", "reason": "不是档案"}), ("listed", {"total": 4})]
    events += [("done", {"dossier_id": "A0001", "status": "reused"}), ("done", {"dossier_id": "A0002", "status": "error"})]
    events += [("done", {"dossier_id": f"A000{i}", "status": "read"}) for i in (3, 4)]
    events += [("judging", {}), ("writing", {"total": 4})]
    events += [("written", {"dossier_id": f"A000{i}"}) for i in (1, 2, 3, 4)]
    lines = _lines(events)
    assert lines[0] == "已跳过 readme.txt：不是档案"
    assert lines[1] == "批次共 4 份档案"
    assert lines[2] == "已读取 1/4 沿用上次结果 1"
    assert lines[3] == "已读取 2/4 沿用上次结果 1 无法处理 1"
    assert lines[5] == "已读取 4/4 沿用上次结果 1 无法处理 1"
    assert lines[6].startswith("正在按政策逐条审核")
    assert lines[7] == "正在写出 4 份档案的审核报告…"
    assert lines[8:] == [f"已写出报告 {i}/4" for i in (1, 2, 3, 4)]
    for line in lines:
        # File names aside, no English word reaches the clerk.
        assert not re.search(r"\b(read|reused|errors?|dossiers?|applying|rules)\b", line), line


def test_the_live_bar_is_labelled_in_chinese() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    with ProgressDisplay(console) as display:
        progress.emit("listed", total=2)
        progress.emit("done", dossier_id="A0001", status="reused")
        assert display.bar.tasks[0].description == "读取档案"
        assert display.bar.tasks[0].fields["note"] == "沿用上次结果 1"
        progress.emit("judging")
        assert display.bar.tasks[0].description == "审核规则"
        progress.emit("writing", total=2)
        progress.emit("written", dossier_id="A0001")
        assert display.bar.tasks[1].description == "写出报告"
        assert display.bar.tasks[1].completed == 1
