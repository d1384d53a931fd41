"""Retired and superseded batches: which recorded batches the cross-batch checks leave out.

A unit that sends its batch again after a 补正 (corrected dossiers under a new batch id, or the
folder renamed) is not applying twice. The operator says so, in the new batch's `batch.yaml`
(`supersedes: <batch_id>`) or with `dossier batch retire ID --by NEW`; the act is an entry of
the decision log, so who retired what, when and why is as tamper-evident as a reviewer's
decision. A retired batch's records stay in the database (the audit trail) but no other batch is
compared with them. A batch and the batches that supersede it, or that it supersedes, form one
submission: they are never compared with each other, so re-running the original after its
resubmission does not flag everyone again.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Optional

from pydantic import BaseModel, ConfigDict

from dossierflow.errors import UsageError

if TYPE_CHECKING:
    from dossierflow.storage import Store

# The decision log's lead_id column for batch acts; real lead ids are 12 hex digits.
BATCH_ACT_LEAD = "batch"
RETIRE_ACTION = "retire_batch"


class BatchAct(BaseModel):
    """One `retire_batch` entry of the decision log."""

    model_config = ConfigDict(extra="forbid")
    seq: int
    batch_id: str
    superseded_by: Optional[str] = None
    reason: str
    reviewer: str
    decided_at: str
    entry_hash: str


def retired_batches(acts: list[BatchAct]) -> dict[str, Optional[str]]:
    """Every retired batch and what superseded it (None: withdrawn), the latest act winning."""
    out: dict[str, Optional[str]] = {}
    for act in sorted(acts, key=lambda a: a.seq):
        if act.batch_id not in out or act.superseded_by is not None:
            out[act.batch_id] = act.superseded_by
    return out


def submission_of(batch_id: str, acts: list[BatchAct], declared: tuple[str, ...] = ()) -> set[str]:
    """The batches that are one submission with `batch_id`: linked to it by supersede acts in
    either direction, transitively (A superseded by B, B by C), plus what it declares now."""
    links: dict[str, set[str]] = defaultdict(set)
    for act in acts:
        if act.superseded_by:
            links[act.batch_id].add(act.superseded_by)
            links[act.superseded_by].add(act.batch_id)
    for old in declared:
        links[batch_id].add(old)
        links[old].add(batch_id)
    seen = {batch_id}
    todo = [batch_id]
    while todo:
        for other in links[todo.pop()]:
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def left_out(batch_id: str, acts: list[BatchAct], declared: tuple[str, ...] = ()) -> set[str]:
    """Batches whose records a run of `batch_id` does not compare with: every retired batch and
    every batch of its own submission (but not itself: its other dossiers still count)."""
    out = set(retired_batches(acts)) | submission_of(batch_id, acts, declared)
    out.discard(batch_id)
    return out


def retire(store: "Store", batch_id: str, reason: str, reviewer: str, superseded_by: Optional[str] = None) -> BatchAct:
    """The operator's act (`dossier batch retire`): checked, then written to the decision log."""
    if not reason.strip() or not reviewer.strip():
        raise UsageError("必须填写理由（--reason）和操作人（--reviewer）")
    new_unit = None
    if superseded_by is not None:
        recorded = store.recorded_batches()
        if superseded_by not in recorded:
            raise UsageError(f"数据库中没有批次 {superseded_by} 的记录：请先运行替代它的批次，或不带 --by 撤回原批次")
        new_unit = recorded[superseded_by]["unit"]
    problem = store.supersede_problem(batch_id, superseded_by, new_unit)
    if problem:
        raise UsageError(problem)
    act = store.retire_batch(batch_id, reason.strip(), reviewer.strip(), superseded_by)
    if act is None:
        raise UsageError(f"批次 {batch_id} 已按此记录停用，无需重复操作")
    return act
