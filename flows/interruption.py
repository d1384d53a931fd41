"""A run stopped by SIGTERM or Ctrl-C stops within seconds, its reading included.

Python turns Ctrl-C into KeyboardInterrupt in the main thread only, and SIGTERM by default kills
the process outright: no message, and reader workers (each in its own process group, so a
terminal's Ctrl-C does not reach them) and the ephemeral API left to notice on their own. Worse,
the interrupted main thread then waited for the dossiers being read to finish (the read-ahead's
pool, Prefect's task runner), a minute or more on a thick scanned booklet.

Inside `stops_reading_on_signals`, either signal first stops this process's reading
(`isolate.stop_reading`: the workers are killed, the files they read fail with ReadingStopped,
which is neither cached nor reported as the dossier's outcome), then does what the signal did
before: Prefect's own handler during a flow (its TerminationSignal, the flow run marked
crashed, the signal delivered again to the handler before it), else KeyboardInterrupt, which
the CLI reports in Chinese with exit code 130. Dossiers read before the signal stay in the
cache: the next run reuses them. Once stopped, Prefect's own lines about the crash it records
("Crash detected! ...", in English) stay off the terminal, where the CLI's Chinese line says what
happened; the flow run's log in Prefect keeps them.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from types import FrameType
from typing import Callable, Iterator, Optional, Union

from extractors.readers.isolate import resume_reading, stop_reading

_Handler = Union[Callable[[int, Optional[FrameType]], object], int, None]
_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_depth = 0  # nested scopes (run_batch's, then its flow's): only the outermost resumes reading
_stopped = False  # a signal arrived in this scope: Prefect's crash lines stay off the terminal


class _QuietPrefectOnceStopped(logging.Filter):
    """On the terminal's handlers: no record of Prefect's loggers once the run is stopping."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_stopped and record.name.split(".", 1)[0] == "prefect")


_QUIET = _QuietPrefectOnceStopped()


@contextlib.contextmanager
def stops_reading_on_signals() -> Iterator[None]:
    """SIGTERM and SIGINT stop reading before anything else, for the duration of the block.
    A signal this process ignores (a run under the inbox watcher leaves Ctrl-C to it) stays
    ignored. Outside the main thread, where handlers cannot be set, nothing changes."""
    global _depth, _stopped
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _depth == 0:
        resume_reading()
        _stopped = False
    _depth += 1
    before: dict[int, _Handler] = {}
    terminal = [h for h in logging.getLogger().handlers if _QUIET not in h.filters]
    for h in terminal:
        h.addFilter(_QUIET)
    try:
        for sig in _SIGNALS:
            previous = signal.getsignal(sig)
            if previous is signal.SIG_IGN:
                continue
            before[sig] = previous
            signal.signal(sig, _stopping(previous))
        yield
    finally:
        for sig, previous in before.items():
            signal.signal(sig, previous if previous is not None else signal.SIG_DFL)
        for h in terminal:
            h.removeFilter(_QUIET)
        _depth -= 1


def _stopping(previous: _Handler) -> Callable[[int, Optional[FrameType]], None]:
    def handler(signum: int, frame: Optional[FrameType]) -> None:
        global _stopped
        _stopped = True
        stop_reading()
        if callable(previous):
            previous(signum, frame)
        # The default action (SIGTERM's: die) becomes the CLI's interruption; and a handler that
        # returned must not let the run go on: with its reading stopped, it would judge and
        # write every unread dossier as an error.
        raise KeyboardInterrupt

    return handler
