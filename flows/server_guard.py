"""Stop Prefect's ephemeral API server when the run that started it dies without cleaning up.

Prefect runs its local API as a child process (`python -m uvicorn … prefect.server.api.server`)
and stops it when the run exits normally. A run killed with SIGKILL (an out-of-memory kill, a
clerk's `kill -9`, a CI timeout) never gets there, and the server lives on holding its port and
~150 MB. A small guard process, started with the server, waits for the run to end and then
stops the server if it is still there.

Linux only (it reads /proc); elsewhere the guard is not started.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

# Run by a fresh interpreter: argv = [run pid, server pid]. It polls rather than waits
# because the run is not its child; a reparented guard (getppid changes) means the run is gone,
# which cannot be fooled by pid reuse. The server's command line is checked again before the
# signal, in case the server had exited and its pid was reused.
_GUARD = """
import os, signal, sys, time
run, server = int(sys.argv[1]), int(sys.argv[2])
def alive_server():
    try:
        with open(f"/proc/{server}/cmdline", "rb") as f:
            args = f.read().decode(errors="replace").split("\\0")
    except OSError:
        return False
    return args[1:3] == ["-m", "uvicorn"] and "prefect.server.api.server:create_app" in args
while os.getppid() == run:
    if not alive_server():
        sys.exit(0)
    time.sleep(0.5)
if alive_server():
    os.kill(server, signal.SIGTERM)
    for _ in range(50):
        time.sleep(0.1)
        if not alive_server():
            sys.exit(0)
    if alive_server():
        os.kill(server, signal.SIGKILL)
"""

_guarded: set[int] = set()
_guards: list[subprocess.Popen] = []  # kept, so no Popen is collected (and warned about) while it runs


def is_server(args: list[str]) -> bool:
    """Whether a command line is Prefect's API server (`python -m uvicorn … server:create_app`)."""
    return args[1:3] == ["-m", "uvicorn"] and "prefect.server.api.server:create_app" in args


def is_guard(args: list[str]) -> bool:
    return args[1:3] == ["-c", _GUARD]


def children(pid: int | None = None) -> list[tuple[int, list[str]]]:
    """(pid, command line) of `pid`'s children (default: this process's)."""
    parent = os.getpid() if pid is None else pid
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc/self").exists() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            args = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        # The fields after the command name, which may itself hold spaces or parentheses.
        if int(stat[stat.rfind(")") + 2 :].split()[1]) == parent:
            found.append((int(entry.name), args))
    return found


def server_children(pid: int | None = None) -> list[int]:
    """Pids of Prefect API servers among `pid`'s children (default: this process's)."""
    return [child for child, args in children(pid) if is_server(args)]


def guard(server: int) -> Optional[int]:
    """Start a guard for the server child `server` unless it has one; returns the guard's pid,
    None when it was guarded already or this is not Linux."""
    if server in _guarded or not Path("/proc/self").exists():
        return None
    _guarded.add(server)
    watcher = subprocess.Popen(
        [sys.executable, "-c", _GUARD, str(os.getpid()), str(server)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C to the run's terminal must not take the guard first
    )
    _guards.append(watcher)
    return watcher.pid


def guard_servers() -> list[int]:
    """Start a guard for each Prefect server child not yet guarded; returns the guards' pids."""
    return [pid for pid in map(guard, server_children()) if pid is not None]
