"""Letting go of what Prefect keeps in the flow's process for a task run once it is handed back.

For each finished task run Prefect keeps, for the rest of the flow run, a copy of its final
state keyed by the `id()` of the result and of each of the result's fields (so that a result
passed to a later task can be traced to the run that made it) and the assets it would pass
downstream, and the thread runner keeps the run's cancel event. Over a city's batch those are
thousands of states, asset sets and events the flow never uses: extraction's outcomes go to
judging quoted, untraced. Dropping them once an outcome is taken keeps the flow's memory from
growing with the batch.
"""

from __future__ import annotations

import uuid
from typing import Any


def forget(task_run_id: uuid.UUID, result: Any) -> None:
    """Drop the flow run's links from `result` (and its fields) to the task run's state, its
    assets for downstream tasks, and the runner's cancel event for the run. Links another run
    made to a shared object stay."""
    from prefect.context import FlowRunContext
    from prefect.utilities.collections import visit_collection

    context = FlowRunContext.get()
    if context is None:
        return
    links = context.run_results

    def unlink(obj: Any) -> None:
        entry = links.get(id(obj))
        if entry is not None and entry[0].state_details.task_run_id == task_run_id:
            del links[id(obj)]

    # The same walk Prefect made when it linked them: the result and its fields, one level deep.
    visit_collection(expr=result, visit_fn=unlink, max_depth=1)
    # The assets a run would hand to tasks downstream of it (none: its outcome goes on quoted).
    getattr(context, "task_run_assets", {}).pop(task_run_id, None)
    cancel_events = getattr(context.task_runner, "_cancel_events", None)
    if isinstance(cancel_events, dict):  # the thread runner's; a run that is over needs no cancelling
        cancel_events.pop(task_run_id, None)
