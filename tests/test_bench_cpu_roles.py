"""bench/cpu_roles.py finds the run's phases in the progress lines the run really prints."""

from __future__ import annotations

import io

from rich.console import Console

from bench.cpu_roles import _PHASES
from flows import progress
from flows.progress_display import ProgressDisplay


def _printed(events: list[tuple[str, dict]]) -> list[str]:
    out = io.StringIO()
    with ProgressDisplay(Console(file=out, force_terminal=False, width=200)):
        for event, data in events:
            progress.emit(event, **data)
    return [line.strip() for line in out.getvalue().splitlines() if line.strip()]


def test_each_phase_is_found_on_the_one_line_that_marks_it() -> None:
    events = [("listed", {"total": 20})]
    events += [("done", {"dossier_id": f"A{i:04d}", "status": "read"}) for i in range(20)]
    events += [("judging", {}), ("writing", {"total": 20})]
    events += [("written", {"dossier_id": f"A{i:04d}"}) for i in range(20)]
    lines = _printed(events)
    found = {name: [line for line in lines if pattern.search(line)] for pattern, name in _PHASES}
    assert found == {
        "listed": ["批次共 20 份档案"],
        "read": ["已读取 20/20"],
        "judging": ["正在按政策逐条审核并做诚信检查…"],
        "writing": ["正在写出 20 份档案的审核报告…"],
        "reports written": ["已写出报告 20/20"],
    }
