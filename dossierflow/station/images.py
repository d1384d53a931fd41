"""The evidence images: the crop of the page region a source points at, and the whole page with
that region marked, rendered on demand from the batch's own files by dossierflow.crops and
cached by content (the file's sha256, the page, the box, the kind), so an image is rendered once
however often reviewers open it, and a changed file never shows a stale picture."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Callable, Optional, Sequence

from dossierflow import crops
from dossierflow.ingest import sha256_file

# (batch folder, source as results.jsonl holds it) → PNG bytes, or None when it has no picture
Renderer = Callable[[Path, dict], Optional[bytes]]
RENDERERS: dict[str, Renderer] = {"crop": crops.region_png, "page": crops.page_png}
RENDER_VERSION = "1"


class ImageUnavailable(Exception):
    """The image cannot be drawn (no such file or page, no picture); the message is Chinese."""


class PageImages:
    def __init__(self, cache_dir: Path, renderers: Optional[dict[str, Renderer]] = None) -> None:
        self.cache_dir = cache_dir
        self._render = dict(renderers or RENDERERS)
        self._hashes: dict[tuple[str, int, int], str] = {}
        self._lock = threading.Lock()
        self.rendered = 0  # how many images were drawn rather than read from the cache

    def _file_hash(self, path: Path) -> str:
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size)
        with self._lock:
            known = self._hashes.get(key)
        if known is None:
            known = sha256_file(path)
            with self._lock:
                self._hashes[key] = known
        return known

    def png(self, kind: str, batch_dir: Path, source: dict, covers: Sequence[Sequence[float]] = ()) -> bytes:
        """The image of `kind` for `source`; `covers` are regions of its page drawn flat (what
        the reader may only see masked), part of the cache key."""
        render = self._render[kind]
        try:
            path = crops.source_path(batch_dir, source.get("file") or "")
        except crops.CropRefused as exc:
            raise ImageUnavailable(str(exc)) from exc
        hidden = [[float(v) for v in box] for box in covers]
        where = json.dumps([source.get("page"), source.get("bbox"), hidden], separators=(",", ":"))
        key = hashlib.sha256(f"{RENDER_VERSION}|{kind}|{self._file_hash(path)}|{where}".encode()).hexdigest()
        cached = self.cache_dir / key[:2] / f"{key}.png"
        if cached.is_file():
            return cached.read_bytes()
        try:
            if hidden:
                data = crops.covered_png(kind, batch_dir, source, [tuple(b) for b in hidden])
            else:
                data = render(batch_dir, source)
        except crops.CropRefused as exc:
            raise ImageUnavailable(str(exc)) from exc
        if data is None:
            raise ImageUnavailable("该来源没有页面图像（Word 文件的表格单元格）")
        self.rendered += 1
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, cached)
        return data
