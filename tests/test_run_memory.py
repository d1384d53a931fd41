"""What the run's main process holds grows with what a dossier needs, not with the batch: the
run's artifacts read results.jsonl a line at a time. Measured with tracemalloc's peak
(allocations, not RSS or time)."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

from flows import artifacts


def test_the_artifacts_read_results_a_line_at_a_time(tmp_path: Path) -> None:
    # A batch's results.jsonl: every line carries a dossier's evidence, tens of kilobytes.
    evidence = "证明材料" * 5000
    n = 200
    with open(tmp_path / "results.jsonl", "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"dossier_id": f"A{i:04d}", "status": "accepted", "evidence": evidence}, ensure_ascii=False) + "\n")
    one_line = len(evidence.encode()) + 100
    tracemalloc.start()
    try:
        statuses = artifacts.read_statuses(tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(statuses) == n and set(statuses.values()) == {"accepted"}
    # A few lines' worth at once, never the file's (n lines: read whole, the peak is over n times one).
    assert peak < 20 * one_line, (peak, one_line)
