"""How a batch's run is known in Prefect: its flow-run name, its tags, its artifact keys.

Prefect-free, so the nothing-to-extract path and tests can compute them without importing it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re


def run_name(batch_id: str, day: dt.date) -> str:
    """`<batch_id>-<date>`: what an operator types into the UI's search to find a run."""
    return f"{batch_id}-{day.isoformat()}"


def run_tags(batch_id: str, unit: str | None, rulebook: str) -> list[str]:
    """Prefixed, so a tag filter for one batch never matches a unit or rulebook of that name."""
    tags = [f"batch:{batch_id}", f"rulebook:{rulebook}"]
    if unit:
        tags.append(f"unit:{unit}")
    return tags


def artifact_key(batch_id: str) -> str:
    """`batch-<batch_id>`, as Prefect requires keys: lowercase letters, digits and dashes.

    A batch id with other characters (Chinese, underscores, dots) keeps its readable part and
    gains a short hash of the whole id, so two batches never share a key by losing characters."""
    readable = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", batch_id.lower())).strip("-")
    if readable == batch_id:
        return f"batch-{readable}"
    digest = hashlib.sha256(batch_id.encode("utf-8")).hexdigest()[:8]
    return f"batch-{readable}-{digest}" if readable else f"batch-{digest}"


def audit_run_name(batch_id: str, day: dt.date) -> str:
    """`audit-<batch_id>-<date>`: an audit's run, told apart from the batch's own runs."""
    return f"audit-{run_name(batch_id, day)}"


def audit_tags(batch_id: str, auditor: str) -> list[str]:
    return ["audit", f"batch:{batch_id}", f"auditor:{auditor}"]


def audit_artifact_key(batch_id: str) -> str:
    """`audit-<batch_id>`, under the same rules as the batch's key (`artifact_key`)."""
    return "audit-" + artifact_key(batch_id).removeprefix("batch-")
