"""A Prefect API server for a long-lived process that serves a deployment (`dossier watch`,
`dossier audit serve`: the server's scheduler creates a cron deployment's runs).

`dossier run` uses Prefect's ephemeral API, which lives inside the run. A served deployment
runs each flow run in a process of its own, which must reach the same API, so without a
configured server (`PREFECT_API_URL`) the watcher starts one for its lifetime, with the UI, on
Prefect's database under PREFECT_HOME (its runs stay there for a later `prefect server start`).
The server gets a session of its own: a Ctrl-C in the clerk's terminal stops the watcher, which
then stops the server, instead of the server vanishing while the watcher still reports to it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from typing import Iterator, Optional

from dossierflow.errors import DossierflowError
from flows import api_server, server_guard

PREFERRED_PORT = 4200  # Prefect's own default, where people look for its UI
STARTUP_SECONDS = 180  # a loaded two-core machine takes tens of seconds to start it


@contextlib.contextmanager
def prefect_api() -> Iterator[Optional[str]]:
    """The API this process reports to: the configured one (yields None), else a local server
    started here and stopped on the way out (yields its UI address)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield None
        return
    port = api_server.free_port(PREFERRED_PORT)
    address = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        api_server.command(port),
        env={**os.environ, "PREFECT_UI_API_URL": f"{address}/api"},
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        server_guard.guard_servers()  # stopped even if this process is killed
        if not api_server.answers(proc, f"{address}/api", STARTUP_SECONDS):
            raise DossierflowError(f"Prefect 服务未能启动（{address}，退出码 {proc.poll()}）")
        previous = os.environ.get("PREFECT_API_URL")
        os.environ["PREFECT_API_URL"] = f"{address}/api"  # the flow-run processes inherit it
        try:
            with temporary_settings(updates={PREFECT_API_URL: f"{address}/api"}):
                yield address
        finally:
            if previous is None:
                os.environ.pop("PREFECT_API_URL", None)
            else:
                os.environ["PREFECT_API_URL"] = previous
    finally:
        api_server.stop(proc)
