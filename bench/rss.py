"""Peak memory of a running process, sampled from a thread: the process alone (`main`) and
summed with all its children (`tree`). Shared by bench/memory.py and bench/throughput.py."""

from __future__ import annotations

import threading

import psutil


class RssPeaks:
    """Samples the RSS of process `pid` alone and summed with its children until stopped (or
    until the process is gone)."""

    def __init__(self, pid: int, every: float = 0.1):
        self.pid, self.every, self.main, self.tree = pid, every, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                main = root.memory_info().rss
                total = main
                for child in root.children(recursive=True):
                    try:
                        total += child.memory_info().rss
                    except psutil.Error:
                        pass  # a child that ended between listing and sampling
            except psutil.Error:
                return
            self.main, self.tree = max(self.main, main), max(self.tree, total)
            self._stop.wait(self.every)

    def __enter__(self) -> "RssPeaks":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
