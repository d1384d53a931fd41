"""How many file-parsing children may run at once in this process: one per core.

Every child that parses (and OCRs) a file holds a slot for its lifetime. Dossiers, files and
page ranges can then all be started eagerly by threads that mostly wait: the cores stay busy
to the end of a batch, even when its last dossier is one thick bound PDF, and never run more
Tesseract processes than there are cores (more would only make them fight over caches).
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_size = os.cpu_count() or 2
_slots = threading.BoundedSemaphore(_size)


def configure(size: int | None) -> None:
    """Set the number of slots (default: CPU cores). Call before a run starts reading."""
    global _size, _slots
    with _lock:
        _size = max(1, int(size or os.cpu_count() or 2))
        _slots = threading.BoundedSemaphore(_size)


def size() -> int:
    return _size


@contextmanager
def core_slot() -> Iterator[None]:
    slots = _slots
    with slots:
        yield
