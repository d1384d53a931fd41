"""The inbox's deployment: one flow run per batch taken from the inbox.

`dossier watch` serves this flow (`flows.watch`) and starts a run for each batch once it is
complete and moved to `processing/`; the run processes it as `dossier run` would (its own
`dossier-batch` run, named after the batch, is this run's child) and moves it to `done/` or, with
the reason, to `failed/`. A batch that cannot be opened ends its run `Failed` with the reason as
the state's message, so the UI shows it red and the watcher can print it.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Optional

from prefect import flow, get_run_logger
from prefect.states import Completed, Failed

from dossierflow.cli_errors import explain
from extractors.readers.isolate import stop_workers
from flows import database as databases
from flows import prefect_flow  # noqa: F401 - sends the run logger's INFO lines to the run's log
from flows.batch_flow import run_batch
from flows.inbox import Inbox, batch_name

FLOW_NAME = "dossier-inbox"


def _leave_ctrl_c_to_the_watcher() -> None:
    """A Ctrl-C in the watcher's terminal reaches this run's process too; the watcher stops the
    run itself (SIGTERM, through its runner) and puts the batch back, so the run need not die
    of it halfway through a traceback of its own."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: a run started some other way
        pass


@flow(name=FLOW_NAME, flow_run_name="inbox-{batch}", validate_parameters=False)
def inbox_batch(
    inbox: str,
    batch: str,
    out_root: str,
    database: Optional[str] = None,
    rulebook: str = "baotou-2020",
    workers: Optional[int] = None,
):
    """`batch`: its name in `inbox/processing/`. `database`: the URL with any password as ***
    (flows.database), resolved in this process from DOSSIER_DB."""
    _leave_ctrl_c_to_the_watcher()
    logger = get_run_logger()
    box = Inbox(Path(inbox))
    entry = box.root / "processing" / batch
    if not entry.exists():
        return Failed(message=f"批次 {batch} 不在 {entry.parent} 中（已被移走？）")
    out = Path(out_root) / batch_name(entry)
    try:
        summary = run_batch(entry, out, db_url=databases.resolve(database), rulebook=rulebook, workers=workers)
    except Exception as exc:  # noqa: BLE001 - any batch that cannot be processed is moved aside
        reason = explain(exc).message
        moved = box.failed(entry, reason)
        logger.info("批次 %s 处理失败：%s；已移至 %s", batch, reason, moved)  # the watcher prints it
        return Failed(message=f"批次 {batch} 处理失败：{reason}；已移至 {moved}")
    finally:
        stop_workers()
    moved = box.done(entry)
    counts = "，".join(f"{k} {v}" for k, v in sorted(summary.get("counts", {}).items()))
    logger.info("批次 %s 处理完成（%s）；结果在 %s，批次已移至 %s", batch, counts, out, moved)
    return Completed(message=f"批次 {batch} 处理完成（{counts}）；结果在 {out}；已移至 {moved}", data=summary)
