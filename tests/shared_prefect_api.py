"""One Prefect API server per test process, for the `dossier` runs the tests start.

Without an API configured, every `dossier run` starts Prefect's ephemeral API server of its own:
measured on the two-core machine, a one-dossier Word batch took 11.4-15.4 s of wall time that way
and 5.2-5.8 s against a server already running (the run's CPU 11.4-15.3 s against 4.8-5.3 s). The
suite starts some fifty runs. So each test process (each pytest-xdist worker) starts one server, as
an ephemeral one is started (no UI, the ephemeral set of services; its database in a home of its own
beside the worker's), and points `PREFECT_API_URL` at it before Prefect is first imported: the runs
the tests start and the flows they run in-process report to it, as they would to a city's configured
server.

Prefect's ephemeral API keeps its own tests: those that are about it (its start, its timeout,
its server stopped when a run is killed, what it stores under its home) drop `PREFECT_API_URL`
from their runs' environment (`conftest.without_shared_api`). `DOSSIER_TEST_PREFECT=ephemeral`
runs the whole suite the way a run without a configured API does.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Optional

STARTUP_S = 180  # a loaded two-core machine, both workers starting theirs at once

_server: Optional[subprocess.Popen] = None


def wanted() -> bool:
    return os.environ.get("DOSSIER_TEST_PREFECT", "shared") != "ephemeral" and not os.environ.get("PREFECT_API_URL")


def start() -> str:
    """Start the server, wait until it answers, set PREFECT_API_URL; returns the API's URL.
    Prefect itself is not imported here: it reads its settings once, at its first import."""
    global _server
    from flows import api_server, server_guard  # neither imports Prefect

    port = api_server.free_port()
    url = f"http://127.0.0.1:{port}/api"
    # Its database in a home of its own: the runs that start their own ephemeral server use the
    # worker's home, and two servers writing one SQLite file wait on each other's locks.
    worker_home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")
    home = worker_home.with_name(f"{worker_home.name}-shared-api")
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    _server = subprocess.Popen(
        api_server.command(port), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True,
    )
    server_guard.guard(_server.pid)  # stopped should this test process be killed outright
    if not api_server.answers(_server, url, STARTUP_S):
        stop()
        raise RuntimeError(f"the tests' Prefect API server did not start on port {port}")
    os.environ["PREFECT_API_URL"] = url
    return url


def stop() -> None:
    global _server
    from flows import api_server

    server, _server = _server, None
    if server is not None:
        api_server.stop(server, grace_s=15)
