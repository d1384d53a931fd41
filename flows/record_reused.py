"""Record a run that reused every dossier as a short Prefect flow run.

Such a run is judged and written without Prefect's flow machinery, yet its flow run is wanted
(the UI's history and the batch's artifacts must miss no run). How it is recorded depends on the
API there is, measured on a re-run of scanned batches (README, "Accuracy and speed"):

- a configured API (`PREFECT_API_URL`, a city's server or `dossier watch`'s): Prefect is
  imported in a thread while the batch is judged and written (`Recorder`), and the flow run is
  recorded in this process once the outputs are written, a few requests; the clerk gets its id.
  Where no setting names an API (`api_may_be_configured`) Prefect is not even imported.
- Prefect's ephemeral API: starting it costs more CPU than the whole rest of a re-run (and
  tens of seconds on a loaded machine; minutes when its database is new), so a detached
  process records the run after the outputs are written and the command returns at once. It
  ends by itself once the run is recorded; its API is guarded like any run's
  (`flows.server_guard`).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Optional

from flows.run_identity import run_name, run_tags

log = logging.getLogger(__name__)


class Recorder:
    """Prefect made ready in a thread, started before the batch is judged: the settings tell
    whether an API is configured, and then the flow is imported too."""

    def __init__(self) -> None:
        self._api_url: Optional[str] = None
        self._thread: Optional[threading.Thread] = None
        if not api_may_be_configured():
            return  # Prefect's own import (a second of CPU) would only say so
        # In the caller's context, so settings made current there (a test's API) are read;
        # not a daemon: an interpreter must not exit while a thread is importing modules.
        self._thread = threading.Thread(target=contextvars.copy_context().run, args=(self._prepare,), name="prefect-import")
        self._thread.start()

    def _prepare(self) -> None:
        try:
            from prefect.settings import PREFECT_API_URL

            self._api_url = PREFECT_API_URL.value()
            if self._api_url:
                import flows.prefect_flow  # noqa: F401 - imported now, used by `record`
        except Exception:  # noqa: BLE001 - a broken setting is the detached recorder's to report
            log.debug("Prefect could not be prepared in this process", exc_info=True)
            self._api_url = None

    def finish(self, run: dict) -> dict:
        """Record the run: here against a configured API (its `flow_run_id`), or by a detached
        process (`recorded_later`). Never raises: the outputs are written, the run is done."""
        if self._thread is not None:
            self._thread.join()
        if not self._api_url:
            launch(run)
            return {"recorded_later": True}
        try:
            summary = record(run)
        except Exception as exc:  # noqa: BLE001 - an unreachable API must not fail a finished run
            log.warning("Prefect run not recorded: %s", exc, exc_info=log.isEnabledFor(logging.DEBUG))
            return {"record_failed": True}
        return {"flow_run_id": summary["flow_run_id"], "artifact_key": summary["artifact_key"]}


def api_may_be_configured() -> bool:
    """Whether a Prefect API may be configured: PREFECT_API_URL in the environment or in the
    settings files Prefect reads. Only Prefect can tell for sure (`Recorder`); a miss here (a
    file this does not look in) costs nothing but speed: the detached process, with the same
    settings, still records to that API."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    # Each file with what a setting of the API there would contain.
    for place, marker in ((profiles, "PREFECT_API_URL"), (Path(".env"), "PREFECT_API_URL"),
                          (Path("prefect.toml"), "api"), (Path("pyproject.toml"), "tool.prefect")):
        try:
            if marker in place.read_text(encoding="utf-8", errors="replace"):
                return True
        except OSError:
            continue
    return False


def payload(summary: dict, out_dir: Path, rulebook: str, day: dt.date, unit: Optional[str]) -> dict:
    return {
        "batch_id": summary["batch_id"], "dossiers": summary["dossiers"], "counts": summary["counts"],
        "out_dir": str(Path(out_dir).resolve()), "rulebook": rulebook, "day": day.isoformat(), "unit": unit,
    }


def launch(record: dict) -> subprocess.Popen:
    """Start the recording and return without waiting; its messages go to OUT/.work."""
    log_path = Path(record["out_dir"]) / ".work" / "prefect-record.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as messages:
        return subprocess.Popen(
            [sys.executable, "-m", "flows.record_reused", json.dumps(record, ensure_ascii=False)],
            stdin=subprocess.DEVNULL, stdout=messages, stderr=messages,
            start_new_session=True,  # a Ctrl-C after the command returned must not cut it short
        )


def record(record: dict) -> dict:
    """Record the run in this process; the flow's summary, with its run id."""
    # Prefect, loaded only here: a re-run that reused every dossier records itself in this process.
    from prefect import tags

    from flows.ephemeral_api import ephemeral_api
    from flows.prefect_flow import reused_batch

    day = dt.date.fromisoformat(record["day"])
    with ephemeral_api(), tags(*run_tags(record["batch_id"], record.get("unit"), record["rulebook"])):
        return reused_batch.with_options(flow_run_name=run_name(record["batch_id"], day))(
            record["batch_id"], record["out_dir"], record["day"], record["dossiers"], record["counts"],
        )


if __name__ == "__main__":
    record(json.loads(sys.argv[1]))
