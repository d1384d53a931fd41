"""File type by content (magic bytes): names inside a dossier are not reliable."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Literal

Kind = Literal["pdf", "docx", "image", "ole", "other"]

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"II*\x00",  # TIFF little-endian
    b"MM\x00*",  # TIFF big-endian
    b"BM",  # BMP
)


def sniff(path: Path) -> Kind:
    with path.open("rb") as fh:
        head = fh.read(1024)
    # The PDF header may follow some junk bytes; readers accept it anywhere in the first 1 KiB.
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(_OLE):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
            return "other"
        return "docx" if "word/document.xml" in names else "other"
    if any(head.startswith(m) for m in _IMAGE_MAGIC):
        return "image"
    return "other"


def ole_is_encrypted_office(path: Path, limit: int = 4 * 1024 * 1024) -> bool:
    """A password-protected .docx is an OLE container holding an `EncryptedPackage` stream."""
    with path.open("rb") as fh:
        data = fh.read(limit)
    return "EncryptedPackage".encode("utf-16-le") in data
