"""The run process's C heap: fewer glibc arenas, and freed memory handed back between phases.

A run's process has many threads (the read-ahead pool, Prefect's task threads, its event and
API client loops); glibc gives threads arenas of their own, up to eight per core, and keeps
what is freed in each for reuse by that arena. Memory a phase freed (the extraction's outcomes,
judging's working sets) then stays in the process's resident size for the rest of the run, in
arenas the next phase may not use. Two arenas keep the threads' contention low (they mostly
wait on child processes and the API) and the freed memory in fewer places; a trim between
phases returns what is free to the system. Elsewhere than glibc both are no-ops.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache
from typing import Optional

_M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h
ARENAS = 2


@lru_cache(maxsize=1)
def _glibc() -> Optional[ctypes.CDLL]:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None  # not glibc (musl, macOS): their allocators have neither
    return libc


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap the arenas threads started from now on may create; whether the cap was set."""
    libc = _glibc()
    return bool(libc is not None and libc.mallopt(_M_ARENA_MAX, arenas))


def trim() -> bool:
    """Return the heap's free memory to the system; whether any was returned."""
    libc = _glibc()
    return bool(libc is not None and libc.malloc_trim(0))
