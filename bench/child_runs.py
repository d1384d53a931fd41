"""A bench's long child command, stopped with the bench.

A bench that runs for an hour is stopped with `kill` or `timeout`, which signal the bench's own
process only. Python's default for SIGTERM ends the bench where it stands: `subprocess.run`'s
child (`dossier run`, with its readers and Prefect's server) reads on with no one to collect it,
and no `finally` of the bench runs, so its temporary folders stay. Here SIGTERM is passed on to
the child, which stops as it stops on any SIGTERM (exit 130, its finished dossiers kept), and the
bench then ends through `SystemExit`, its `finally` blocks and context managers run.

SIGINT is not passed on: Ctrl-C in a terminal reaches the whole foreground process group, the
child included, and a second one would interrupt the child's own shutdown. The bench waits for
the child and then ends the same way.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Sequence
from typing import Any


class StoppedBySignal(SystemExit):
    """The bench was signalled while its child ran; the child has ended. Its code is the
    shell's for a process ended by that signal (128 + the signal's number)."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


def run(cmd: Sequence[str], **popen: Any) -> subprocess.CompletedProcess:
    """`subprocess.run(cmd, **popen)` without capture or timeout, for a child that must not
    outlive the bench: returns its completed process, or raises StoppedBySignal once the child
    has ended after a SIGTERM or SIGINT to the bench."""
    received: list[int] = []
    proc = subprocess.Popen(list(cmd), **popen)

    def on_signal(signum: int, _frame: object) -> None:
        received.append(signum)
        if signum == signal.SIGTERM and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    before = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        code = proc.wait()
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
    if received:
        raise StoppedBySignal(received[0])
    return subprocess.CompletedProcess(proc.args, code)
