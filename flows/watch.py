"""`dossier watch`: serve the inbox's deployment and start a run for each complete batch.

This process looks at the inbox every `poll` seconds (cheap: names, sizes and times only), and
serves the `dossier-inbox` deployment with a Prefect runner (what `flow.serve` does), one run at
a time, each in a process of its own. A batch unchanged for `settle` seconds is moved to
`processing/` and a run of the deployment is created for it, so each batch is a run in the UI,
beside the deployment and the runner's last poll. `once`: look, wait one settle time, take what
is complete, wait for those runs, exit. Stopping (Ctrl-C) cancels the run in progress and puts
its batch back in the inbox; one left in `processing/` by a killed watcher is put back at start.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional
from uuid import UUID

from flows.inbox import FAILED, Inbox, SettleTracker
from flows.inbox_flow import FLOW_NAME, inbox_batch
from flows.local_api import prefect_api

DEFAULT_SETTLE_S = 30.0
DEFAULT_POLL_S = 5.0

Say = Callable[[str], None]


@dataclass
class WatchOptions:
    inbox: Path
    out_root: Path
    settle: float = DEFAULT_SETTLE_S
    poll: float = DEFAULT_POLL_S
    once: bool = False
    database: Optional[str] = None  # a reference without the password (flows.database)
    rulebook: str = "baotou-2020"
    workers: Optional[int] = None


@dataclass
class WatchReport:
    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    stopped: bool = False  # by Ctrl-C or SIGTERM


def deployment_name(inbox: Path) -> str:
    """One deployment per inbox and machine, so two watchers never take each other's runs."""
    return f"{socket.gethostname()}-{inbox.resolve().name}".replace("/", "-").replace("%", "-")


def watch(options: WatchOptions, say: Say) -> WatchReport:
    box = Inbox(options.inbox)
    for entry in box.put_back():
        say(f"上次未处理完的批次 {entry.name} 已放回收件箱，将重新处理")
    with prefect_api() as ui:
        if ui:
            say(f"Prefect 界面：{ui}（监视期间可打开查看每个批次的运行）")
        report = asyncio.run(_serve(box, options, say))
    if report.stopped:
        raise KeyboardInterrupt
    return report


async def _serve(box: Inbox, options: WatchOptions, say: Say) -> WatchReport:
    from prefect.client.orchestration import get_client
    from prefect.runner import Runner

    name = deployment_name(box.root)
    runner = Runner(name=name, limit=1, query_seconds=min(options.poll, 10.0), pause_on_shutdown=False)
    fixed = {"inbox": str(box.root.resolve()), "out_root": str(options.out_root.resolve()),
             "database": options.database, "rulebook": options.rulebook, "workers": options.workers}
    deployment_id = await runner.aadd_flow(
        inbox_batch, name=name, parameters=fixed, tags=["inbox"],
        description=f"收件箱 {box.root.resolve()} 中的批次，结果写入 {options.out_root.resolve()}",
    )
    say(f"正在监视收件箱 {box.root}：批次（文件夹或 .zip）静置 {options.settle:g} 秒未变化后处理，结果写入 "
        f"{options.out_root}；Prefect 部署 {FLOW_NAME}/{name}" + ("" if options.once else "；按 Ctrl-C 停止"))
    serving = asyncio.create_task(runner.start())
    report = WatchReport()
    # Our own handlers, not a cancelled main task: Prefect's client calls run inside anyio cancel
    # scopes, which can swallow a cancellation and leave the watcher running after Ctrl-C.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    await asyncio.sleep(0)  # the runner installs its SIGTERM handler first; ours replaces it
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with get_client() as client:
            watcher = _Watcher(box, options, say, client, deployment_id, report, runner)
            work = asyncio.create_task(watcher.once() if options.once else watcher.forever())
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({work, stopping, serving}, return_when=asyncio.FIRST_COMPLETED)
            for task in (work, stopping):
                task.cancel()
            await asyncio.gather(work, stopping, return_exceptions=True)
            if work.done() and not work.cancelled() and work.exception() is not None:
                raise work.exception()
            if stop.is_set():
                report.stopped = True
                say("正在停止监视…")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if runner.started:
            await runner.astop()
        try:
            await asyncio.wait_for(serving, 30)
        except (asyncio.CancelledError, asyncio.TimeoutError, Exception):  # noqa: BLE001 - stopping anyway
            pass
        for entry in box.put_back():
            say(f"批次 {entry.name} 未处理完，已放回收件箱，下次启动时重新处理")
    return report


class _Watcher:
    def __init__(self, box: Inbox, options: WatchOptions, say: Say, client, deployment_id: UUID, report: WatchReport, runner):
        self.box, self.options, self.say, self.client, self.runner = box, options, say, client, runner
        self.deployment_id, self.report = deployment_id, report
        self.tracker = SettleTracker(options.settle, time.monotonic)
        self.runs: dict[UUID, str] = {}  # run → batch, until the run ends
        self.announced: set[str] = set()

    async def forever(self) -> None:
        while True:
            await self.look()
            await self.follow()
            await asyncio.sleep(self.options.poll)

    async def once(self) -> None:
        _, waiting = self.tracker.look(self.box.candidates())
        if waiting:
            await asyncio.sleep(self.options.settle)
        settled, waiting = self.tracker.look(self.box.candidates())
        for entry in waiting:
            self.say(f"{entry.name} 仍在复制或刚刚变化，本次不处理")
        if not settled:
            self.say("收件箱中没有可处理的批次")
        for entry in settled:
            await self.take(entry)
        while self.runs:
            await asyncio.sleep(min(self.options.poll, 2.0))
            await self.follow()

    async def look(self) -> None:
        settled, waiting = self.tracker.look(self.box.candidates())
        for entry in waiting:
            if entry.name not in self.announced:
                self.announced.add(entry.name)
                self.say(f"发现 {entry.name}，等待复制完成…")
        for entry in settled:
            await self.take(entry)

    async def take(self, entry) -> None:
        self.tracker.forget(entry.name)
        self.announced.discard(entry.name)
        claimed = self.box.claim(entry)
        run = await self.client.create_flow_run_from_deployment(
            self.deployment_id, parameters={"batch": claimed.name}, name=f"inbox-{claimed.name}"
        )
        self.runs[run.id] = claimed.name
        self.say(f"开始处理批次 {claimed.name}（Prefect 运行 {run.name}，{run.id}）")

    async def follow(self) -> None:
        for run_id, batch in list(self.runs.items()):
            run = await self.client.read_flow_run(run_id)
            if run.state is None or not run.state.is_final() or self._process_alive(run_id):
                continue
            del self.runs[run_id]
            leftover = self.box.root / "processing" / batch
            if leftover.exists():  # the run died before it could move its batch
                reason = f"处理进程意外结束（Prefect 状态 {run.state.name}：{run.state.message or '无说明'}）"
                moved = self.box.failed(leftover, reason)
                self.report.failed.append(batch)
                self.say(f"批次 {batch} 处理失败：{reason}；已移至 {moved}")
                continue
            (self.report.done if run.state.is_completed() else self.report.failed).append(batch)
            self.say(run.state.message or f"批次 {batch}：{run.state.name}")

    def _process_alive(self, run_id: UUID) -> bool:
        """Whether the run's process is still exiting: stopping the runner then would cancel a
        run that already completed (the runner cancels every run whose process it still tracks)."""
        processes = getattr(self.runner, "_process_manager", None)
        return processes is not None and processes.get(run_id) is not None


__all__ = ["DEFAULT_SETTLE_S", "DEFAULT_POLL_S", "FAILED", "WatchOptions", "WatchReport", "watch"]
