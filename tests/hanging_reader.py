"""A file reader that hangs on purpose, and a clock that runs out while it does.

Timeout tests used to race real work against a short limit (a page that reads in 0.6 s against
0.5 s, twenty pages of OCR against 2 s): on a faster machine the work wins and the test fails,
on a slower one a read that should succeed times out. Here the worker that gets the file never
answers, whatever the machine's speed, and the parent's clock jumps an hour each time it is read
while that file is out, so the timeout is reached at once without waiting for it.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from multiprocessing.connection import Connection
from types import SimpleNamespace

import pytest

from dossierflow.config import Limits
from extractors.readers import isolate

HANG_LIMIT_S = 600  # the hanging worker exits by itself after this, should the test not kill it


def hanging_worker(conn: Connection, limits: Limits) -> None:
    """Stands in for isolate._worker: starts a Tesseract that waits for an image on stdin (it
    never comes), says so with its pid, takes the file it is sent, and never answers."""
    os.setpgrp()  # as the real worker: killing its group must take Tesseract with it
    # Tesseract holds its stdin pipe's write end itself, so the pipe never ends even when this
    # worker dies: only the kill of the group stops it.
    read_end, write_end = os.pipe()
    ocr = subprocess.Popen(["tesseract", "stdin", "stdout"], stdin=read_end, pass_fds=(write_end,),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conn.send(("tesseract", ocr.pid))
    conn.recv()
    threading.Event().wait(HANG_LIMIT_S)


def place_hanging_worker(limits: Limits, monkeypatch: pytest.MonkeyPatch) -> tuple[object, int]:
    """Puts a hanging worker in the pool's idle list for `limits`, so the next file read under
    these limits goes to it; returns it and its Tesseract's pid once that is running."""
    with monkeypatch.context() as m:
        m.setattr(isolate, "_worker", hanging_worker)
        worker = isolate._POOL.start(limits)
    assert worker.conn.poll(120), "the hanging worker did not start"  # a safeguard, not a measure
    kind, pid = worker.conn.recv()
    assert kind == "tesseract"
    isolate._POOL.give(limits, worker)
    return worker, pid


class JumpingClock:
    """time.monotonic for isolate: an hour later at each reading while `running` is true."""

    def __init__(self) -> None:
        self.running = False
        self.skew = 0.0

    def monotonic(self) -> float:
        if self.running:
            self.skew += 3600.0
        return time.monotonic() + self.skew


def jumping_clock(monkeypatch: pytest.MonkeyPatch) -> JumpingClock:
    clock = JumpingClock()
    monkeypatch.setattr(isolate, "time", SimpleNamespace(monotonic=clock.monotonic))
    return clock
