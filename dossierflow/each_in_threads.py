"""Work on a stream of items in a few threads, the stream still read once and in order.

Writing a run's outputs spends most of its time on each dossier's crops: drawing pages
(pdfium, which holds one lock but releases the GIL while it draws), resizing and encoding the
pictures (Pillow, which releases the GIL too). One thread left the run's other cores idle for
that whole stretch; a few threads overlap one dossier's drawing with another's encoding.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")

# pdfium draws one page at a time in a process; past a few threads the others only wait for it.
MAX_THREADS = 4


def default_threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, cores))


def each_in_threads(items: Iterable[T], work: Callable[[T], None], threads: int, name: str = "each") -> Iterator[T]:
    """Yield every item of `items`, in order, once `work(item)` has finished for it, the work done
    in `threads` threads. At most two items a thread are taken from `items` ahead of the one
    yielded next, so a long stream is never held. The first error of `work` is raised from this
    generator in that item's place, and no later item is started; what had started is let
    finish. With one thread, `work` runs in the caller's thread."""
    if threads <= 1:
        for item in items:
            work(item)
            yield item
        return
    started: deque[tuple[T, Future[None]]] = deque()
    with ThreadPoolExecutor(threads, thread_name_prefix=name) as pool:
        try:
            for item in items:
                if len(started) >= 2 * threads:
                    done, future = started.popleft()
                    future.result()
                    yield done
                started.append((item, pool.submit(work, item)))
            while started:
                done, future = started.popleft()
                future.result()
                yield done
        finally:
            for _, future in started:
                future.cancel()
