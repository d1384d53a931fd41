"""`read_file` in a killable child process with a wall-clock timeout and an address-space cap.

A hostile file (decompression bomb, a page pdfium loops on, a segfault in a C library) costs
that file only. The child is forked from a forkserver that has the readers preloaded, so each
file pays a fork, not a fresh interpreter; it leads its own process group, so Tesseract
processes it started die with it.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from multiprocessing.connection import Connection
from pathlib import Path

from dossierflow.config import Limits
from dossierflow.errors import CorruptFile, FileRejected, LimitExceeded, ParseTimeout
from extractors.readers import FileRead

_CTX = mp.get_context("forkserver")
_CTX.set_forkserver_preload(["extractors.readers", "extractors.readers.pdf", "extractors.readers.docx", "extractors.readers.image"])
_REJECTIONS = {cls.__name__: cls for cls in (FileRejected, *FileRejected.__subclasses__())}


def _child(conn: Connection, path: str, rel: str, limits: Limits) -> None:
    os.setpgrp()
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
    from extractors.readers import read_file

    try:
        result = read_file(Path(path), rel, limits)
        conn.send(("ok", result.model_dump_json()))
    except FileRejected as exc:
        conn.send(("rejected", type(exc).__name__, str(exc)))
    except MemoryError:
        conn.send(("rejected", "LimitExceeded", f"读取时内存超过上限（{limits.file_memory_bytes // 1048576} MB）"))
    except Exception as exc:  # any bug or library failure on this file stays with this file
        conn.send(("rejected", "CorruptFile", f"文件无法解析：{type(exc).__name__}: {str(exc)[:300]}"))
    finally:
        conn.close()


def _kill_group(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.join(5)


def read_file_isolated(path: Path, rel: str, limits: Limits) -> FileRead:
    """Like `read_file`, but in a child process; raises ParseTimeout / LimitExceeded / CorruptFile
    when the child runs out of time, memory, or crashes."""
    parent, child = _CTX.Pipe(duplex=False)
    proc = _CTX.Process(target=_child, args=(child, str(path), rel, limits), daemon=False)
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
                except EOFError:
                    message = None
                break
            if not proc.is_alive() and not parent.poll(0):
                break
    finally:
        parent.close()
    if message is None:
        if proc.is_alive():
            _kill_group(proc)
            raise ParseTimeout(f"读取超时（超过 {limits.file_timeout_s:g} 秒），已中止")
        proc.join(5)
        _kill_group(proc)
        code = proc.exitcode
        if code is not None and code < 0 and -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
            if -code == signal.SIGKILL:
                raise LimitExceeded("读取进程被系统终止（可能超出内存上限）")
            raise CorruptFile(f"文件导致解析程序崩溃（信号 {signal.Signals(-code).name}），无法读取")
        raise CorruptFile(f"解析进程意外退出（退出码 {code}），文件无法读取")
    proc.join(5)
    if proc.is_alive():
        _kill_group(proc)
    if message[0] == "ok":
        return FileRead.model_validate_json(message[1])
    cls = _REJECTIONS.get(message[1], CorruptFile)
    raise cls(message[2] or "文件无法读取")


__all__ = ["read_file_isolated"]

