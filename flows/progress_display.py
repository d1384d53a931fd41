"""A terminal progress bar for `dossier run`, fed by `flows.progress` events.

On a terminal it shows a live bar; elsewhere (CI logs, pipes) it prints one line per tenth of
the batch so long runs still show they are alive without flooding the log.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from flows import progress


class ProgressDisplay:
    def __init__(self, console: Console):
        self.console = console
        self.live = console.is_terminal
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not self.live,
        )
        self.task = None
        self.total = 0
        self.done = 0
        self.errors = 0
        self.reused = 0
        self.writing = None
        self.to_write = 0
        self.written = 0

    def __enter__(self) -> "ProgressDisplay":
        self.bar.start()
        progress.set_listener(self.on_event)
        return self

    def __exit__(self, *exc: object) -> None:
        progress.set_listener(None)
        self.bar.stop()

    def _note(self) -> str:
        parts = []
        if self.reused:
            parts.append(f"沿用上次结果 {self.reused}")
        if self.errors:
            parts.append(f"[red]无法处理 {self.errors}[/red]")
        return " ".join(parts)

    def _begin(self, description: str, total: int, log_line: str):
        """A new bar on a terminal; off one, the line that says what starts."""
        if not self.live:
            self.console.print(log_line)
        return self.bar.add_task(description, total=total, note="")

    def _logs_at(self, count: int, total: int) -> bool:
        """Off a terminal, a line per tenth of the work and one at its end."""
        return not self.live and (count % max(1, total // 10) == 0 or count == total)

    def on_event(self, event: str, data: dict) -> None:
        if event == "skipped":
            # Shown live and in logs alike: an entry left out of the batch must not go unseen.
            self.console.print(f"已跳过 {data.get('entry')}：{data.get('reason')}", markup=False, highlight=False, soft_wrap=True)
        elif event == "listed":
            self.total = int(data.get("total", 0))
            self.task = self._begin("读取档案", self.total, f"批次共 {self.total} 份档案")
        elif event == "done" and self.task is not None:
            self.done += 1
            status = data.get("status")
            self.reused += status == "reused"
            self.errors += status == "error"
            self.bar.update(self.task, advance=1, note=self._note())
            if self._logs_at(self.done, self.total):
                self.console.print(f"已读取 {self.done}/{self.total} {self._note()}".rstrip())
        elif event == "warning":
            self.console.print(f"[yellow]警告：[/yellow]{data.get('message', '')}")
        elif event == "judging":
            if self.task is not None:
                self.bar.update(self.task, description="审核规则")
            if not self.live:
                self.console.print("正在按政策逐条审核并做诚信检查…")
        elif event == "writing":
            # Each dossier's crops and report: on a city's batch, minutes after judging.
            self.to_write = int(data.get("total", 0))
            self.writing = self._begin("写出报告", self.to_write, f"正在写出 {self.to_write} 份档案的审核报告…")
        elif event == "written" and self.writing is not None:
            self.written += 1
            self.bar.update(self.writing, advance=1)
            if self._logs_at(self.written, self.to_write):
                self.console.print(f"已写出报告 {self.written}/{self.to_write}")
