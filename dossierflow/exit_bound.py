"""A failed or interrupted run's process ends, whatever its libraries wait for at exit.

At interpreter exit Prefect drains its log and event queues (callbacks on threading's exit hooks)
and waits for them without a limit. After a SIGTERM the API they send to may be gone or going,
and that wait was seen to last for good: the clerk's run printed that it had stopped and then
never ended. A daemon timer ends the process with the run's own exit code once the normal exit
has had its grace period; whatever drains within it is still sent.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import NoReturn

EXIT_GRACE_S = 20.0


def exit_within(code: int, grace_s: float = EXIT_GRACE_S) -> NoReturn:
    """sys.exit(code), and os._exit(code) if the interpreter's exit takes longer than `grace_s`."""
    timer = threading.Timer(grace_s, _end_now, args=(code,))
    timer.daemon = True  # the interpreter's exit does not wait for it; it waits for the exit
    timer.start()
    sys.exit(code)


def _end_now(code: int) -> None:
    # threading sets this flag as the interpreter's exit begins, before the hooks that wait run
    # (CPython's threading; were it gone, the end would go ahead). Unset, a caller caught the
    # SystemExit and goes on, which is not ours to end.
    if not getattr(threading, "_SHUTTING_DOWN", True):
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or broken: nothing more can reach it
            pass
    os._exit(code)
