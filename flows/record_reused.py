"""Record a run that reused every dossier as a short Prefect flow run, in a process of its own.

Such a run is judged and written without Prefect: importing it and starting its ephemeral API
would cost several times the rest of the re-run. The flow run is still wanted (the UI's history
and the batch's artifacts must miss no run), so a detached process records it after the outputs
are written, and the clerk's command returns at once. It ends by itself once the run is
recorded; its ephemeral API is guarded like any run's (`flows.server_guard`).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Optional

from flows.run_identity import run_name, run_tags


def payload(summary: dict, out_dir: Path, rulebook: str, day: dt.date, unit: Optional[str]) -> dict:
    return {
        "batch_id": summary["batch_id"], "dossiers": summary["dossiers"], "counts": summary["counts"],
        "out_dir": str(Path(out_dir).resolve()), "rulebook": rulebook, "day": day.isoformat(), "unit": unit,
    }


def launch(record: dict) -> subprocess.Popen:
    """Start the recording and return without waiting; its messages go to OUT/.work."""
    log_path = Path(record["out_dir"]) / ".work" / "prefect-record.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "flows.record_reused", json.dumps(record, ensure_ascii=False)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True,  # a Ctrl-C after the command returned must not cut it short
        )


def record(record: dict) -> dict:
    """Record the run in this process; the flow's summary, with its run id."""
    # Prefect, loaded only here: a re-run that reused every dossier records itself in this process.
    from prefect import tags

    from flows.prefect_flow import reused_batch

    day = dt.date.fromisoformat(record["day"])
    with tags(*run_tags(record["batch_id"], record.get("unit"), record["rulebook"])):
        return reused_batch.with_options(flow_run_name=run_name(record["batch_id"], day))(
            record["batch_id"], record["out_dir"], record["day"], record["dossiers"], record["counts"],
        )


if __name__ == "__main__":
    record(json.loads(sys.argv[1]))
