"""What a batch holds, as the pipeline hands it on: dossiers and their files, keyed on content.

`dossierflow.ingest` lists a batch into these; extraction reads them. They live here, below both,
so that extraction needs nothing of how a batch is listed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from dossierflow.batch import BatchInfo


@dataclass(frozen=True)
class InputFile:
    rel: str  # relative to the batch root, POSIX separators: what results.jsonl shows
    path: Path  # where the bytes are on disk now (possibly extracted from a zip)
    sha256: str
    size: int


@dataclass
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
