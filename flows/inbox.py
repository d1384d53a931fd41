"""An inbox folder of batches, as the file system sees it: which batches are complete, and where
each goes once processed (Paperless-ngx's consume folder, for batches).

A batch is a folder or a `.zip` at the inbox's root. It is complete once nothing in it has
changed (names, sizes, modification times) for the settle time: a copy in progress grows a file
or adds one, so a half-copied batch is never taken. Copy tools that keep the source's times
(`cp -p`, rsync) still change sizes while copying, and rsync's temporary files are names of
their own. A taken batch is moved to `processing/` first, so a later look never takes it twice;
then to `done/` or `failed/` (with a file giving the reason, in Chinese). No Prefect here.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

DONE, FAILED, PROCESSING = "done", "failed", "processing"
RESERVED = frozenset({DONE, FAILED, PROCESSING})
REASON_SUFFIX = ".失败原因.txt"

Signature = tuple


def is_candidate(entry: Path) -> bool:
    """A root entry that may be a batch: a folder or a .zip, not hidden, not one of ours.
    Hidden names are skipped because copy tools write their temporary files under them."""
    if entry.name.startswith((".", "~")) or entry.name in RESERVED:
        return False
    if entry.is_symlink():
        return False
    return entry.is_dir() or (entry.is_file() and entry.suffix.lower() == ".zip")


def signature(entry: Path) -> Optional[Signature]:
    """Everything a copy in progress changes; None if the entry cannot be walked right now."""
    try:
        if entry.is_file():
            st = entry.stat()
            return (("", st.st_size, st.st_mtime_ns),)
        items = []
        for root, dirs, files in os.walk(entry, onerror=_raise):
            dirs.sort()
            for name in sorted(files) + [d + "/" for d in dirs]:
                path = Path(root) / name.rstrip("/")
                st = path.lstat()
                items.append((str(path.relative_to(entry)) + ("/" if name.endswith("/") else ""), st.st_size, st.st_mtime_ns))
        return tuple(items)
    except OSError:
        return None


def _raise(exc: OSError) -> None:
    raise exc


@dataclass
class _Seen:
    signature: Signature
    since: float  # when this signature was first seen


@dataclass
class SettleTracker:
    """Which entries have stayed unchanged for `settle` seconds, by repeated looks."""

    settle: float
    clock: Callable[[], float]
    _seen: dict[str, _Seen] = field(default_factory=dict)

    def look(self, entries: list[Path]) -> tuple[list[Path], list[Path]]:
        """(settled, still changing or new) among `entries`; forgets entries no longer there."""
        now = self.clock()
        settled, waiting = [], []
        present = set()
        for entry in entries:
            present.add(entry.name)
            sig = signature(entry)
            seen = self._seen.get(entry.name)
            if sig is None:
                self._seen.pop(entry.name, None)
                waiting.append(entry)
                continue
            if seen is None or seen.signature != sig:
                self._seen[entry.name] = _Seen(sig, now)
                waiting.append(entry)
            elif now - seen.since >= self.settle:
                settled.append(entry)
            else:
                waiting.append(entry)
        for gone in set(self._seen) - present:
            del self._seen[gone]
        return settled, waiting

    def forget(self, name: str) -> None:
        self._seen.pop(name, None)


class Inbox:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        for sub in RESERVED:
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    def candidates(self) -> list[Path]:
        return sorted((e for e in self.root.iterdir() if is_candidate(e)), key=lambda e: e.name)

    def claim(self, entry: Path) -> Path:
        """Move a complete batch into processing/ (same file system: one rename)."""
        return _move(entry, self.root / PROCESSING)

    def done(self, entry: Path) -> Path:
        return _move(entry, self.root / DONE)

    def failed(self, entry: Path, reason: str) -> Path:
        """Move a batch aside with the reason a clerk reads beside it."""
        moved = _move(entry, self.root / FAILED)
        note = moved.parent / (moved.name + REASON_SUFFIX)
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        note.write_text(f"批次：{entry.name}\n时间：{stamp}\n原因：{reason}\n", encoding="utf-8")
        return moved

    def processing(self) -> list[Path]:
        return sorted((self.root / PROCESSING).iterdir(), key=lambda e: e.name)

    def put_back(self) -> list[Path]:
        """Batches a stopped watcher left in processing/ go back to the inbox, to be taken again
        (what they finished is reused from the output's cache)."""
        return [_move(entry, self.root) for entry in self.processing()]


def batch_name(entry: Path) -> str:
    """The batch's name (its output folder): a zip's name without `.zip`."""
    return entry.stem if entry.is_file() and entry.suffix.lower() == ".zip" else entry.name


def _move(entry: Path, folder: Path) -> Path:
    """Move into `folder`, never over an earlier entry of the same name (a batch sent twice)."""
    target = folder / entry.name
    if target.exists() or target.is_symlink():
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        stem, suffix = (entry.stem, entry.suffix) if entry.is_file() else (entry.name, "")
        n = 1
        while target.exists():
            target = folder / f"{stem}-{stamp}{'-' + str(n) if n > 1 else ''}{suffix}"
            n += 1
    shutil.move(str(entry), str(target))
    return target
