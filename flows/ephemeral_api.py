"""Prefect's ephemeral API for `dossier run`, started without importing Prefect's server package.

With no API configured (`PREFECT_API_URL`), Prefect's client starts a temporary API server the
first time a flow needs one, and to do so imports `prefect.server.api.server` into the run's
own process only for the class that launches it: some 900 modules (FastAPI, the server's ORM
and models), measured at 2.2-2.5 s of CPU on the two-core machine, which the server process
then imports again for itself. This module starts the same server the same way (the same
command, environment and health check, the same database under PREFECT_HOME, UI and background
services off as Prefect has them for an ephemeral server) from the client side only, and points
the run's Prefect settings at it. Flow and task runs are recorded exactly as before.

The server lives until this process exits, as Prefect's own does: Prefect flushes logs and
events at exit, and those must still reach it. A run killed outright leaves it to the guard
(`flows.server_guard`), started with the server: a run killed while the server is still
starting, before its flow begins, must not leave it behind either.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import time
from typing import Iterator, Optional

import httpx

from dossierflow.errors import DossierflowError, PrefectStartTimeout
from dossierflow.failures import PREFECT_START_TIMEOUT
from flows import api_server, server_guard

# uvicorn's exit code when its port was taken between choosing it and binding it.
_PORT_TAKEN = 3
_server: Optional[subprocess.Popen] = None
_api_url: Optional[str] = None


def _launch(port: int) -> subprocess.Popen:
    from prefect.settings import get_current_settings

    env = {
        **os.environ,
        # What Prefect's SubprocessASGIServer sets: no UI, the services an ephemeral server
        # runs, the last instance of the app (no reload).
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
        **get_current_settings().to_environment_variables(exclude_unset=True),
    }
    server = subprocess.Popen(api_server.command(port), env=env, stdin=subprocess.DEVNULL)
    server_guard.guard(server.pid)  # from now: it still takes seconds to answer, the run may die first
    return server


def _stop() -> None:
    global _server, _api_url
    server, _server, _api_url = _server, None, None
    if server is not None:
        api_server.stop(server)


def _start(timeout_s: float) -> str:
    global _server, _api_url
    if _server is not None and _server.poll() is None and _api_url is not None:
        return _api_url
    deadline = time.monotonic() + timeout_s
    port = api_server.free_port()
    _server = _launch(port)
    atexit.register(_stop)
    with httpx.Client() as client:
        while time.monotonic() < deadline:
            code = _server.poll()
            if code == _PORT_TAKEN:
                port = api_server.free_port()
                _server = _launch(port)
                continue
            if code is not None:
                break
            try:
                if client.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200:
                    _api_url = f"http://127.0.0.1:{port}/api"
                    return _api_url
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    code = _server.poll()
    _stop()
    if code is None:
        raise PrefectStartTimeout(PREFECT_START_TIMEOUT.format(limit=f" {timeout_s:g} 秒"))
    raise DossierflowError(f"运行失败：Prefect 临时服务启动后即退出（退出码 {code}），请查看日志")


@contextlib.contextmanager
def ephemeral_api() -> Iterator[None]:
    """Flows run inside this block report to the configured API, else to an ephemeral server
    started here (once per process)."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_EPHEMERAL_ENABLED,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        yield  # Prefect's own handling: the configured server, or its error without one
        return
    url = _start(float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()))
    previous = os.environ.get("PREFECT_API_URL")
    # Both: Prefect's threads that build their settings afresh read the environment.
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous
