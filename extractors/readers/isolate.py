"""`read_file` in a killable child process with a wall-clock timeout and an address-space cap.

A hostile file (decompression bomb, a page pdfium loops on, a segfault in a C library) costs
that file only. The child is forked from a forkserver that has the readers preloaded, so each
file pays a fork, not a fresh interpreter nor a model load; it leads its own process group, so Tesseract
processes it started die with it.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path

from dossierflow.config import Limits
from dossierflow.errors import CorruptFile, FileRejected, LimitExceeded, ParseTimeout
from extractors.readers import FileRead, PageRange
from extractors.readers.slots import core_slot

_CTX = mp.get_context("forkserver")
_CTX.set_forkserver_preload(["extractors.readers.preload"])
CHILD_NICENESS = 5
_REJECTIONS = {cls.__name__: cls for cls in (FileRejected, *FileRejected.__subclasses__())}


Outcome = tuple  # ("ok", json) | ("rejected", class name, message)


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


def _read(path: str, rel: str, limits: Limits, pages: PageRange = None) -> Outcome:
    from extractors.readers import read_file

    try:
        return ("ok", read_file(Path(path), rel, limits, pages).model_dump_json())
    except FileRejected as exc:
        return ("rejected", type(exc).__name__, str(exc))
    except MemoryError:
        return ("rejected", "LimitExceeded", f"读取时内存超过上限（{limits.file_memory_bytes // 1048576} MB）")
    except Exception as exc:  # any bug or library failure on this file stays with this file
        return ("rejected", "CorruptFile", f"文件无法解析：{type(exc).__name__}: {str(exc)[:300]}")


def _child(conn: Connection, path: str, rel: str, limits: Limits, pages: PageRange) -> None:
    os.setpgrp()
    _confine(limits)
    try:
        conn.send(_read(path, rel, limits, pages))
    finally:
        conn.close()


def _kill_group(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.join(5)


def read_file_isolated(path: Path, rel: str, limits: Limits, pages: PageRange = None) -> FileRead:
    """Like `read_file`, but in a child process holding one of this process's core slots;
    raises ParseTimeout / LimitExceeded / CorruptFile when the child runs out of time, memory,
    or crashes. The time limit starts when the child does, not while it waits for a slot."""
    with core_slot():
        if mp.current_process().daemon:
            # Daemonic processes (e.g. Dask workers) may not fork multiprocessing children.
            return _outcome(_via_subprocess(path, rel, limits, pages), limits=limits)
        return _via_forkserver(path, rel, limits, pages)


def _via_forkserver(path: Path, rel: str, limits: Limits, pages: PageRange = None) -> FileRead:
    parent, child = _CTX.Pipe(duplex=False)
    proc = _CTX.Process(target=_child, args=(child, str(path), rel, limits, pages), daemon=False)
    proc.start()
    child.close()
    deadline = time.monotonic() + limits.file_timeout_s
    message = None
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            if parent.poll(min(remaining, 0.5)):
                try:
                    message = parent.recv()
                except EOFError:  # the child died before answering
                    proc.join(5)
                break
            if not proc.is_alive() and not parent.poll(0):
                break
    finally:
        parent.close()
    if message is None:
        if proc.is_alive():
            _kill_group(proc)
            raise ParseTimeout(_timeout_message(limits))
        proc.join(5)
        _kill_group(proc)
        raise _crash(proc.exitcode)
    proc.join(5)
    if proc.is_alive():
        _kill_group(proc)
    return _outcome(message, limits=limits)


def _timeout_message(limits: Limits) -> str:
    return f"读取超时（超过 {limits.file_timeout_s:g} 秒），已中止"


def _crash(code: int | None) -> FileRejected:
    if code is not None and code < 0:
        if -code == signal.SIGKILL:
            return LimitExceeded("读取进程被系统终止（可能超出内存上限）")
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
    raise cls(message[2] or "文件无法读取")


def _via_subprocess(path: Path, rel: str, limits: Limits, pages: PageRange = None) -> Outcome:
    """Same isolation through a fresh interpreter (slower start, works from daemonic workers)."""
    request = json.dumps({"path": str(path), "rel": rel, "limits": asdict(limits), "pages": pages})
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
        raise ParseTimeout(_timeout_message(limits))
    if proc.returncode != 0 or not out:
        raise _crash(proc.returncode)
    return tuple(json.loads(out))


def _main() -> None:
    request = json.loads(sys.stdin.read())
    limits = Limits(**request["limits"])
    _confine(limits)
    pages = request.get("pages")
    sys.stdout.write(json.dumps(list(_read(request["path"], request["rel"], limits, tuple(pages) if pages else None))))


if __name__ == "__main__":
    _main()

__all__ = ["read_file_isolated"]

