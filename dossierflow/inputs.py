"""What a batch holds, as the pipeline hands it on: dossiers and their files, keyed on content.

`dossierflow.ingest` lists a batch into these; extraction reads them. They live here, below both,
so that extraction needs nothing of how a batch is listed.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from dossierflow.batch import BatchInfo


class InputFile:
    """One file of a dossier: `rel` relative to the batch root, POSIX separators (what
    results.jsonl shows), `path` where the bytes are on disk now (possibly extracted from a
    zip), their `sha256` (hex) and `size`.

    Held compactly because the run keeps the batch's listing from the start to the last report,
    ten-odd files per dossier: a `Path` per file (its string, parts and cached hash) and a hex
    digest cost about 850 bytes a file, most of what the main process kept per dossier. Here
    the path is its folder (one string shared by the dossier's files) and the tail of `rel`,
    and the digest its 32 bytes; both are rebuilt when asked for."""

    __slots__ = ("rel", "size", "_folder", "_cut", "_digest")

    def __init__(self, rel: str, path: Union[Path, str], sha256: str, size: int):
        self.rel = rel
        self.size = size
        where = os.fspath(path)
        # A dossier folder's file `A0001/sub/x.pdf` lies at `<folder>/sub/x.pdf`, a bound PDF
        # `A0002.pdf` at `<root>/A0002.pdf`: the path repeats the tail of `rel`.
        tail = rel.split("/", 1)[1] if "/" in rel else rel
        if tail and where.endswith(os.sep + tail.replace("/", os.sep)):
            # Interned: the dossier's files share the one folder string (freed with them).
            self._folder: str = sys.intern(where[: -len(tail) - 1])
            self._cut: Optional[int] = len(rel) - len(tail)
        else:
            self._folder, self._cut = where, None
        digest = bytes.fromhex(sha256) if _is_hex_digest(sha256) else None
        self._digest: Union[bytes, str] = digest if digest is not None and digest.hex() == sha256 else sha256

    @property
    def path(self) -> Path:
        if self._cut is None:
            return Path(self._folder)
        return Path(self._folder, self.rel[self._cut:])

    @property
    def sha256(self) -> str:
        return self._digest.hex() if isinstance(self._digest, bytes) else self._digest

    def _fields(self) -> tuple[str, Path, str, int]:
        return (self.rel, self.path, self.sha256, self.size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, InputFile):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"InputFile(rel={self.rel!r}, path={self.path!r}, sha256={self.sha256!r}, size={self.size!r})"

    def __reduce__(self) -> tuple:
        # Handed to reader processes and Dask workers: rebuilt there from its plain fields.
        return (InputFile, (self.rel, os.fspath(self.path), self.sha256, self.size))


def _is_hex_digest(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


@dataclass(slots=True)
class DossierInput:
    dossier_id: str
    entry: str  # the root entry's name: "A0001", "A0002.pdf", "A0003.zip"
    files: list[InputFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # Chinese, shown to clerks
    error: Optional[str] = None  # the dossier cannot be read at all (e.g. a broken zip)

    def content_key(self, salt: str) -> str:
        """Hash of what decides the extraction: ids, file bytes, extractor version (salt)."""
        h = hashlib.sha256()
        h.update(salt.encode())
        h.update(self.dossier_id.encode())
        for f in sorted(self.files, key=lambda f: f.rel):
            h.update(f"\0{f.rel}\0{f.sha256}".encode())
        if self.error:
            h.update(b"\0error\0" + self.error.encode())
        return h.hexdigest()


@dataclass
class BatchInput:
    batch_id: str
    root: Path
    info: BatchInfo
    dossiers: list[DossierInput]
    skipped: list[tuple[str, str]]  # (root entry, reason in Chinese)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()
