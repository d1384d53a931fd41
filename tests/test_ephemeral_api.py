"""A run with no Prefect API configured starts the ephemeral API without importing Prefect's
server package into its own process (some 900 modules, seconds of CPU per run), and its flow run
is recorded there as before; so is the recording of a fully reused run. Real flow, real server, DOCX batch (no OCR)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fixtures.generate import generate_batch

ROOT = Path(__file__).resolve().parent.parent

# The atexit hook is registered before anything else, so it runs last: after Prefect's own
# flushes at exit, which must not start a server of their own either.
_RUN = """
import atexit, datetime as dt, json, sys
from pathlib import Path
atexit.register(lambda: print("AT-EXIT " + json.dumps("prefect.server.api.server" in sys.modules), flush=True))
from flows.batch_flow import run_batch
from flows.ephemeral_api import ephemeral_api
from flows.record_reused import payload, record
day = dt.date(2020, 7, 1)
summary = run_batch(Path(sys.argv[1]), Path(sys.argv[2]), processing_date=day, workers=1)
# The recording of a fully reused run (the detached process of a re-run) starts it the same way.
reused = record(payload(summary, Path(sys.argv[2]), "baotou-2020", day, None))
server_imported = "prefect.server.api.server" in sys.modules
from prefect.client.orchestration import get_client
with ephemeral_api(), get_client(sync_client=True) as client:
    runs = [client.read_flow_run(s["flow_run_id"]) for s in (summary, reused)]
    states = [run.state.type.value for run in runs]
print("RESULT " + json.dumps({"server_imported": server_imported, "states": states, "name": runs[0].name}), flush=True)
"""


def test_a_run_records_its_flow_without_importing_prefects_server(tmp_path: Path) -> None:
    batch = tmp_path / "q4-docx"
    generate_batch(batch, n=1, seed=5, forms=("docx",))
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PYTHONPATH=str(ROOT), PREFECT_PROFILES_PATH=str(tmp_path / "profiles.toml"))
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "600")
    proc = subprocess.run(
        [sys.executable, "-c", _RUN, str(batch), str(tmp_path / "out")],
        capture_output=True, text=True, env=env, timeout=1200, cwd=str(ROOT),
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    lines = proc.stdout.splitlines()
    result = json.loads(next(line for line in lines if line.startswith("RESULT "))[len("RESULT "):])
    assert result == {"server_imported": False, "states": ["COMPLETED", "COMPLETED"], "name": "q4-docx-2020-07-01"}
    assert json.loads(next(line for line in lines if line.startswith("AT-EXIT "))[len("AT-EXIT "):]) is False
    assert (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").strip()
