"""Shared helpers: run the real `dossier` command, read its output, count what a run holds."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOSSIER = ROOT / ".venv" / "bin" / "dossier"


# -- parallel runs (pytest-xdist, `scripts/test.sh` runs `-n 2 --dist loadfile`) -----------------
# Each worker gets a Prefect home, a default data directory and a PostgreSQL schema of its own:
# two workers sharing Prefect's SQLite file or one database would lock each other out, and one
# worker's `_reset_postgres` would drop the tables under the other's test. Set here, before any
# test module is imported, so the module-level `PG_URL` reads and every `dossier` subprocess
# inherit the worker's values.


def _worker_suffixed(path: str, worker: str) -> str:
    return f"{path.rstrip('/')}-{worker}"


def _postgres_url_for_worker(url: str, worker: str) -> str:
    """The same database with the worker's own schema first (and only) on the search path, the
    schema made if need be: tables, the migration's version table and reflection all land in it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"xdist_{worker}"
    base = make_url(url)
    engine = create_engine(base.set(drivername="postgresql+psycopg"))
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    finally:
        engine.dispose()
    return base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def pytest_configure(config: pytest.Config) -> None:
    _take_ctrl_c()
    # Prefect gives its ephemeral API 20 s to start; two workers each starting runs on a busy
    # two-core machine can exceed that, and the run then fails on the machine's speed alone.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        os.environ["PREFECT_HOME"] = _worker_suffixed(os.environ.get("PREFECT_HOME") or str(Path.home() / ".prefect"), worker)
        data_dir = os.environ.get("DOSSIER_DATA_DIR") or str(Path.home() / ".local" / "share" / "dossierflow")
        os.environ["DOSSIER_DATA_DIR"] = _worker_suffixed(data_dir, worker)
        pg = os.environ.get("DOSSIER_TEST_PG_URL")
        if pg:
            os.environ["DOSSIER_TEST_PG_URL"] = _postgres_url_for_worker(pg, worker)
    _start_shared_api(config)  # after PREFECT_HOME: the server's home sits beside the worker's


def _take_ctrl_c() -> None:
    """Ctrl-C raises KeyboardInterrupt in every test process, however the suite was started.
    A shell ignores SIGINT in what it starts in the background (`nohup ... &` in a script), and
    an ignored signal stays ignored in every program started from there: the runs the tests
    interrupt with SIGINT, and the tests that send it to themselves, would go on unstopped."""
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _start_shared_api(config: pytest.Config) -> None:
    """The process that runs tests gets its Prefect API server (tests/shared_prefect_api.py);
    pytest-xdist's controller, which runs none, does not."""
    from tests import shared_prefect_api

    controller = not hasattr(config, "workerinput") and config.getoption("dist", "no") != "no" \
        and bool(config.getoption("tx", None))
    if controller or not shared_prefect_api.wanted():
        return
    shared_prefect_api.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    from tests import shared_prefect_api

    shared_prefect_api.stop()


def without_shared_api(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment (default: this process's) without PREFECT_API_URL: a run started with it
    starts Prefect's ephemeral API of its own, as a run on a machine with no server configured."""
    return {k: v for k, v in (os.environ if env is None else env).items() if k != "PREFECT_API_URL"}


def dossier_cmd() -> list[str]:
    """The installed console script when there is one, else the module (same code)."""
    if DOSSIER.exists():
        return [str(DOSSIER)]
    return [sys.executable, "-m", "dossierflow.cli"]


def run_dossier(*args: str, env: dict | None = None, timeout: float = 900, check: bool = True,
                ephemeral_api: bool = False) -> subprocess.CompletedProcess:
    """`dossier ARGS` in a child process; `ephemeral_api` without the tests' shared Prefect API."""
    full_env = without_shared_api() if ephemeral_api else dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        [*dossier_cmd(), *args], capture_output=True, text=True, env=full_env, timeout=timeout, cwd=str(ROOT)
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"dossier {' '.join(args)} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    return proc


def read_results(out: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = [r["dossier_id"] for r in rows]
    assert len(ids) == len(set(ids)), f"a dossier appears twice: {ids}"
    return {r["dossier_id"]: r for r in rows}


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A private data directory (SQLite) so tests never share history."""
    env = {"DOSSIER_DATA_DIR": str(tmp_path / "data"), "DOSSIER_DB": f"sqlite:///{tmp_path / 'data' / 'db.sqlite'}"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@pytest.fixture(autouse=True)
def private_log_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test writes the change log's key and head under its own tmp folder, never under
    the user's data directory (a test's subprocesses inherit it)."""
    key = tmp_path / "log-key" / "log.key"
    monkeypatch.setenv("DOSSIER_LOG_KEY_FILE", str(key))
    return key


@pytest.fixture(autouse=True)
def signal_handlers_restored():
    """A flow run in the test's own process installs Prefect's SIGTERM handler and leaves it:
    the next test on the same worker would then start with a handler it did not set. Each test
    gets back the handlers it started with."""
    import signal

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in before.items():
        if signal.getsignal(sig) is not handler and handler is not None:
            signal.signal(sig, handler)


# -- what a run holds -----------------------------------------------------------------------------


class AliveSince:
    """Called, the number of objects of `kind` alive that were not alive when it was made. An
    earlier test in the same worker process may leave objects of its own for the collector to
    free at any time: counted or subtracted, they would disturb the count. Those alive at the
    start are held, so that no new object reuses one's id. Collects first each time: objects
    that refer to each other are freed only by the collector."""

    def __init__(self, kind: type):
        self.kind = kind
        self._earlier = self._alive()
        self._earlier_ids = {id(o) for o in self._earlier}

    def _alive(self) -> list:
        gc.collect()
        return [o for o in gc.get_objects() if isinstance(o, self.kind)]

    def __call__(self) -> int:
        return sum(1 for o in self._alive() if id(o) not in self._earlier_ids)


def traced_peak(call: Callable[[], object]) -> int:
    """The peak of memory traced (tracemalloc, every thread's allocations) while `call` runs."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
