"""How Prefect's API server is started as a process, waited for and stopped: one definition for the run's
ephemeral API (`flows.ephemeral_api`), the watcher's server (`flows.local_api`) and the tests'
shared server (`tests/shared_prefect_api.py`). `flows.server_guard.is_server` recognises this
command line.

Nothing of Prefect is imported here: the tests start their server before Prefect's first import,
which fixes its settings for the process.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

import httpx


def free_port(preferred: Optional[int] = None) -> int:
    """`preferred` if nothing listens on it on 127.0.0.1, else a port the system has free."""
    for port in (preferred, 0):
        if port is None:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError("no free port")


def command(port: int) -> list[str]:
    """uvicorn serving Prefect's API app on 127.0.0.1:`port`, without reload or access log."""
    spec = importlib.util.find_spec("prefect")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("prefect")
    app_dir = Path(spec.origin).parent.parent  # the folder Prefect is installed in
    return [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory",
            "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "error", "--lifespan", "on"]


def stop(server: subprocess.Popen, grace_s: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `grace_s`; nothing if it has exited."""
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(grace_s)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def answers(server: subprocess.Popen, api_url: str, timeout_s: float) -> bool:
    """Whether the server answers its health check at `api_url` (…/api) within `timeout_s`;
    False as soon as its process has exited."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client() as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                return False
            try:
                if client.get(f"{api_url}/health", timeout=2).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    return False
