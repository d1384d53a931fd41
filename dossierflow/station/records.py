"""The batches a station serves: each OUT folder's results.jsonl and batch.json, read once and
read again only when the file changes (a decision rewrites it), so opening one dossier of a
1,000-dossier batch costs a dictionary look-up, not a parse of the batch."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from dossierflow.errors import UsageError

# What needs a person first: integrity leads, then findings the machine could not settle, then
# dossiers about to be returned (a notice goes out), then the rest.
QUEUE_ORDER = ("integrity_review", "needs_review", "returned", "rejected", "error", "accepted")


def line_version(line: dict) -> str:
    """Names one state of a dossier's result: a form carries the version it was drawn from,
    and a form drawn from an older state (posted twice, or after someone else decided) is refused."""
    blob = json.dumps(line, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


@dataclass
class BatchRecord:
    out_dir: Path
    batch_id: str
    summary: dict
    lines: dict[str, dict]  # dossier_id → result line, in file order
    stamp: tuple[int, int]

    @property
    def batch_root(self) -> Optional[Path]:
        """Where the batch's files are (batch.json `batch_root`), for the evidence images."""
        root = self.summary.get("batch_root")
        return Path(root) if root else None

    def queue(self) -> list[tuple[str, list[dict]]]:
        by_status: dict[str, list[dict]] = {}
        for line in self.lines.values():
            by_status.setdefault(line["status"], []).append(line)
        order = list(QUEUE_ORDER) + sorted(set(by_status) - set(QUEUE_ORDER))
        return [(s, by_status[s]) for s in order if s in by_status]


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return (st.st_mtime_ns, st.st_size)


def _read(out_dir: Path) -> BatchRecord:
    results = out_dir / "results.jsonl"
    stamp = _stamp(results)
    lines: dict[str, dict] = {}
    with results.open(encoding="utf-8") as fh:
        for raw in fh:
            if raw.strip():
                line = json.loads(raw)
                lines[line["dossier_id"]] = line
    summary_path = out_dir / "batch.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {}
    batch_id = str(summary.get("batch_id") or out_dir.name)
    return BatchRecord(out_dir=out_dir, batch_id=batch_id, summary=summary, lines=lines, stamp=stamp)


@dataclass
class Records:
    out_dirs: list[Path]
    _cache: dict[Path, BatchRecord] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, out_dirs: list[Path]) -> "Records":
        dirs = []
        for out in out_dirs:
            out = Path(out).expanduser().resolve()
            if not (out / "results.jsonl").is_file():
                raise UsageError(f"{out} 中没有 results.jsonl：请指定 `dossier run --out` 的输出文件夹")
            dirs.append(out)
        records = cls(dirs)
        seen: dict[str, Path] = {}
        for rec in records.batches():
            if rec.batch_id in seen:
                raise UsageError(f"批次 {rec.batch_id} 出现了两次（{seen[rec.batch_id]} 和 {rec.out_dir}）：每个批次只能指定一个输出文件夹")
            seen[rec.batch_id] = rec.out_dir
        return records

    def _record(self, out_dir: Path) -> BatchRecord:
        with self._lock:
            cached = self._cache.get(out_dir)
            if cached is not None and cached.stamp == _stamp(out_dir / "results.jsonl"):
                return cached
            fresh = _read(out_dir)
            self._cache[out_dir] = fresh
            return fresh

    def batches(self) -> list[BatchRecord]:
        return [self._record(d) for d in self.out_dirs]

    def batch(self, batch_id: str) -> Optional[BatchRecord]:
        for rec in self.batches():
            if rec.batch_id == batch_id:
                return rec
        return None
