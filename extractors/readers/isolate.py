"""`read_file` in a killable child process with a wall-clock timeout and an address-space cap.

A hostile file (decompression bomb, a page pdfium loops on, a segfault in a C library) costs
that file only. Files are read by worker processes forked from a forkserver that has the readers
preloaded; a worker reads file after file (no fork, first-touch page faults and exit per file:
measured at about 0.1 s a file, a sixth of reading a one-page scan), and is replaced when a file
times out (it is killed with its process group, so Tesseract processes it started die too),
crashes it, runs it out of memory, or after WORKER_FILES files or once its address space has
grown past WORKER_MEMORY_SHARE of the cap (what one file leaves behind never limits the next).
"""

from __future__ import annotations

import atexit
import base64
import json
import logging
import multiprocessing as mp
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from dossierflow.config import Limits
from dossierflow.errors import CorruptFile, FileRejected, ParseTimeout, ReadingStopped, WorkerLost
from dossierflow.failures import FILE_UNREADABLE, technical
from extractors.readers import FileRead, PageRange, read_file
from extractors.readers.reader_process import READER_PROCESS_NAME
from extractors.readers.slots import core_slot

if TYPE_CHECKING:
    from extractors.readers.reread import RereadPolicy

log = logging.getLogger(__name__)
_CTX = mp.get_context("forkserver")
_PRELOAD = ["extractors.readers.preload"]
_CTX.set_forkserver_preload(list(_PRELOAD))
CHILD_NICENESS = 5
WORKER_FILES = 40  # files one worker reads before a fresh one takes over
WORKER_MEMORY_SHARE = 0.5  # a worker whose address space passed this share of the cap retires
_REJECTIONS = {cls.__name__: cls for cls in (FileRejected, *FileRejected.__subclasses__())}


Outcome = tuple  # ("ok", json) | ("rejected", class name, message[, technical detail for the log])


def _confine(limits: Limits) -> None:
    # Parsing is the bulk work; the orchestrator, Prefect's API and the progress display must
    # stay responsive while every core is parsing.
    try:
        os.nice(CHILD_NICENESS)
    except OSError:
        pass
    try:
        import resource

        cap = int(limits.file_memory_bytes)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError):
        pass
    try:
        import cv2

        cv2.setNumThreads(1)
    except Exception:
        pass


def _read(path: str, rel: str, limits: Limits, pages: PageRange = None, policy: Optional[RereadPolicy] = None) -> Outcome:
    try:
        return ("ok", read_file(Path(path), rel, limits, pages, policy).model_dump_json())
    except FileRejected as exc:
        return ("rejected", type(exc).__name__, str(exc))
    except MemoryError:
        return ("rejected", "LimitExceeded", f"读取时内存超过上限（{limits.file_memory_bytes // 1048576} MB）")
    except Exception as exc:  # any bug or library failure on this file stays with this file
        # The clerk reads a sentence; the exception goes to the parent's log (4th element).
        return ("rejected", "CorruptFile", FILE_UNREADABLE, f"{rel}: {technical(exc)}")


def _address_space() -> Optional[int]:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


# glibc hands page-sized buffers (8.7 MB for an A4 page at 300 DPI) straight back to the kernel
# when freed, and trims the heap, so every page faults its buffers in again: measured, a sixth
# of a page's CPU went to the kernel. A worker keeps them: buffers up to this size come from
# the heap, and freed heap is kept up to this much.
MALLOC_MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's maximum for this setting
MALLOC_TRIM_THRESHOLD = 512 * 1024 * 1024
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameter numbers (malloc.h)


def _keep_freed_memory() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, MALLOC_MMAP_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, MALLOC_TRIM_THRESHOLD)
    except (OSError, AttributeError):  # not glibc: its allocator's defaults stand
        pass


def _worker(conn: Connection, limits: Limits) -> None:
    """Read requested files one after another until told to stop, the parent goes away, or
    this worker should be replaced (it says so with its last answer, then exits)."""
    os.setpgrp()
    _confine(limits)
    _keep_freed_memory()
    served = 0
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        path, rel, pages, policy = request
        outcome = _read(path, rel, limits, pages, policy)
        served += 1
        size = _address_space()
        retire = (
            served >= WORKER_FILES
            or outcome[0] == "rejected" and outcome[1] == "LimitExceeded"
            or size is not None and size > WORKER_MEMORY_SHARE * limits.file_memory_bytes
        )
        try:
            conn.send((outcome, retire))
        except (OSError, ValueError):
            return
        if retire:
            return


class _Worker:
    def __init__(self, limits: Limits) -> None:
        self.conn, child = _CTX.Pipe(duplex=True)
        self.proc = _CTX.Process(target=_worker, args=(child, limits), daemon=False, name=READER_PROCESS_NAME)
        self.proc.start()
        _LIVE.add(self.proc.pid)
        child.close()

    def kill(self) -> None:
        _kill_group(self.proc)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.conn.close()
        self.proc.join(2)
        if self.proc.is_alive():
            _kill_group(self.proc)
        _LIVE.discard(self.proc.pid)  # reaped: its pid may be another process's next


class _WorkerPool:
    """Idle workers by the limits they were started with (a worker's caps are set once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[Limits, list[_Worker]] = {}
        self.started = 0

    def take(self, limits: Limits) -> _Worker:
        with self._lock:
            idle = self._idle.get(limits, [])
            while idle:
                worker = idle.pop()
                if worker.proc.is_alive():
                    return worker
                worker.kill()  # reaps it
        return self.start(limits)

    def start(self, limits: Limits) -> _Worker:
        with self._lock:
            self.started += 1
        return _Worker(limits)

    def give(self, limits: Limits, worker: _Worker) -> None:
        with self._lock:
            self._idle.setdefault(limits, []).append(worker)

    def close(self) -> None:
        with self._lock:
            idle = [w for ws in self._idle.values() for w in ws]
            self._idle.clear()
        for worker in idle:
            worker.stop()


_POOL = _WorkerPool()
atexit.register(_POOL.close)


def stop_workers() -> None:
    """Stop the idle reading workers now. A process that is itself a multiprocessing child (a
    served flow run) joins its non-daemonic children before its atexit handlers run, so it
    would wait forever for workers that wait for their next file."""
    _POOL.close()


def _kill_group(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.join(5)
    _LIVE.discard(proc.pid)


# Every worker started and not yet reaped (busy or idle), by pid: what `stop_reading` kills.
_LIVE: set[int] = set()
_STOPPED = threading.Event()
READING_STOPPED = "运行已中断，该档案的读取已中止；下次运行时重新读取"


def stop_reading() -> None:
    """Stop this process's reading now: every worker is killed with its process group (the files
    they were reading fail with ReadingStopped, which no one caches or reports as the dossier's
    outcome) and no file starts reading until `resume_reading`. Called from a signal handler, in
    the main thread while other threads may hold the pool's lock: it takes no lock and waits for
    nothing (the threads that own the workers reap them)."""
    _STOPPED.set()
    for pid in list(_LIVE):
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def resume_reading() -> None:
    """A new run in this process reads again (`stop_reading` stopped the previous one)."""
    _STOPPED.clear()


def _check_reading() -> None:
    if _STOPPED.is_set():
        raise ReadingStopped(READING_STOPPED)


def _preload_module_of(policy: Optional[RereadPolicy]) -> None:
    """The policy's module is loaded in the forkserver too, when it has not started yet: workers
    then unpickle the policy without importing it each."""
    if policy is not None and (module := type(policy).__module__) not in _PRELOAD:
        _PRELOAD.append(module)
        _CTX.set_forkserver_preload(list(_PRELOAD))


def start_forkserver(policy: Optional[RereadPolicy] = None) -> None:
    """Start the forkserver now, preloading the readers (and `policy`'s module) in its own
    process, for a process about to read (a Dask worker a run has just connected to): its first
    file then does not wait for those imports. Returns at once; the preload goes on there."""
    _preload_module_of(policy)
    from multiprocessing import forkserver

    forkserver.ensure_running()


def read_file_isolated(path: Path, rel: str, limits: Limits, pages: PageRange = None,
                       policy: Optional[RereadPolicy] = None) -> FileRead:
    """Like `read_file`, but in a worker process while holding one of this process's core slots;
    raises ParseTimeout / LimitExceeded / CorruptFile when the worker runs out of time, memory,
    or crashes, and WorkerLost when another process killed it. The time limit starts when the worker gets the file, not while it waits for a slot."""
    _preload_module_of(policy)
    _check_reading()
    with core_slot():
        _check_reading()  # stopped while this file waited for a core
        if mp.current_process().daemon:
            # Daemonic processes (e.g. Dask workers) may not fork multiprocessing children.
            return _outcome(_via_subprocess(path, rel, limits, pages, policy), limits=limits)
        return _via_worker(path, rel, limits, pages, policy)


def _send(limits: Limits, request: tuple) -> _Worker:
    worker = _POOL.take(limits)
    try:
        worker.conn.send(request)
    except (OSError, ValueError):  # an idle worker that died since: the file has not been sent
        worker.kill()
        worker = _POOL.start(limits)
        worker.conn.send(request)
    return worker


def _via_worker(path: Path, rel: str, limits: Limits, pages: PageRange = None,
                policy: Optional[RereadPolicy] = None) -> FileRead:
    worker = _send(limits, (str(path), rel, pages, policy))
    deadline = time.monotonic() + limits.file_timeout_s
    answer = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        if worker.conn.poll(min(remaining, 0.5)):
            try:
                answer = worker.conn.recv()
            except (EOFError, OSError):  # the worker died before answering
                worker.proc.join(5)
            break
        if not worker.proc.is_alive() and not worker.conn.poll(0):
            break
    if answer is None:
        alive = worker.proc.is_alive()
        worker.kill()
        _check_reading()  # killed by `stop_reading`: not the file's doing
        if alive:
            raise ParseTimeout(_timeout_message(limits))
        raise _crash(worker.proc.exitcode)
    outcome, retire = answer
    if retire:
        worker.stop()
    else:
        _POOL.give(limits, worker)
    return _outcome(outcome, limits=limits)


def _timeout_message(limits: Limits) -> str:
    return f"读取超时（超过 {limits.file_timeout_s:g} 秒），已中止"


# Signals only another process sends (a person's kill, the kernel's OOM killer for the whole
# machine, a shutdown). A file cannot raise them in its reader: the worker's address-space cap
# turns a file's appetite into a MemoryError, and a crashing parser dies of SIGSEGV, SIGBUS or
# SIGABRT. Such a death is the worker's, so the dossier is read again (flows.retry); a crash is
# the file's, and reading it again would only crash again.
_KILLED_FROM_OUTSIDE = frozenset({signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP})


def _crash(code: int | None) -> Exception:
    if code is not None and code < 0:
        if -code in _KILLED_FROM_OUTSIDE:
            return WorkerLost(f"读取进程被终止（信号 {signal.Signals(-code).name}），不是文件的问题")
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return CorruptFile(f"文件导致解析程序崩溃（信号 {name}），无法读取")
    return CorruptFile(f"解析进程意外退出（退出码 {code}），文件无法读取")


def _outcome(message: Outcome, limits: Limits) -> FileRead:
    if message[0] == "ok":
        return FileRead.model_validate_json(message[1])
    cls = _REJECTIONS.get(message[1], CorruptFile)
    if len(message) > 3 and message[3]:
        log.warning("reader failed unexpectedly on %s", message[3])
    raise cls(message[2] or "文件无法读取")


def _via_subprocess(path: Path, rel: str, limits: Limits, pages: PageRange = None,
                    policy: Optional[RereadPolicy] = None) -> Outcome:
    """Same isolation through a fresh interpreter (slower start, works from daemonic workers)."""
    # The policy travels pickled, as it does to a worker: by its class's name, the reader
    # imports none of it.
    packed = base64.b64encode(pickle.dumps(policy)).decode("ascii") if policy is not None else None
    request = json.dumps({"path": str(path), "rel": rel, "limits": asdict(limits), "pages": pages, "policy": packed})
    proc = subprocess.Popen(
        [sys.executable, "-m", "extractors.readers.isolate"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        out, _ = proc.communicate(request.encode(), timeout=limits.file_timeout_s)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise ParseTimeout(_timeout_message(limits)) from None
    if proc.returncode != 0 or not out:
        raise _crash(proc.returncode)
    return tuple(json.loads(out))


def _main() -> None:
    request = json.loads(sys.stdin.read())
    limits = Limits(**request["limits"])
    _confine(limits)
    pages = request.get("pages")
    packed = request.get("policy")
    policy = pickle.loads(base64.b64decode(packed)) if packed else None  # our own parent wrote it
    sys.stdout.write(json.dumps(list(_read(request["path"], request["rel"], limits, tuple(pages) if pages else None, policy))))


if __name__ == "__main__":
    _main()

__all__ = ["read_file_isolated", "resume_reading", "stop_reading", "stop_workers"]

