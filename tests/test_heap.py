"""The run's heap settings reach glibc on Linux, rather than silently doing nothing: a libc not
found or a mallopt parameter glibc rejects would leave every thread its own arena and the
freed memory of each phase in the process."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's allocator only"
)


def test_the_arena_cap_and_the_trim_reach_glibc() -> None:
    # A fresh interpreter: the cap is process-wide and would outlive this test in the suite's.
    code = "from flows import heap; import sys; sys.exit(0 if heap.limit_arenas() and heap._glibc() is not None else 1)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_a_trim_after_freeing_a_heap_full_of_small_blocks_returns_memory() -> None:
    # Blocks above pymalloc's 512 bytes and below the mmap threshold live in glibc's heap; a
    # block kept at its top stops free() from shrinking the heap by itself, so only a trim
    # can give the freed pages below it back.
    code = (
        "from flows import heap; import sys\n"
        "blocks = [bytes(2048) for _ in range(20000)]\n"
        "top = bytes(2048)\n"
        "del blocks\n"
        "sys.exit(0 if heap.trim() else 1)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
