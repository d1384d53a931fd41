"""Scanned dossiers cut down to a few PDFs, for tests that need OCR in flight, not a whole dossier.

A generated scanned dossier is a dozen pages or more, about a minute of OCR on a loaded 2-core
machine. Tests about signals, resuming or where tasks run need a dossier that is still being read
when something happens, and results to compare; a dossier of its two longest PDFs gives both in
a third of the time, read by the same code, page by page."""

from __future__ import annotations

from pathlib import Path

import pypdf


def _pages(pdf: Path) -> int:
    return len(pypdf.PdfReader(pdf).pages)


def keep_longest_pdfs(dossier: Path, keep: int = 2) -> list[tuple[str, int]]:
    """Deletes every file of the dossier folder but its `keep` PDFs of most pages (ties by name)
    and returns what is left as (name, pages). A folder with fewer PDFs than `keep` is a test
    written against another batch: it fails rather than reading less than it means to."""
    pages = {p: _pages(p) for p in dossier.iterdir() if p.is_file() and p.suffix.lower() == ".pdf"}
    if len(pages) < keep:
        raise AssertionError(f"{dossier.name} has {len(pages)} PDFs, fewer than the {keep} to keep")
    kept = sorted(pages, key=lambda p: (-pages[p], p.name))[:keep]
    for path in dossier.iterdir():
        if path.is_file() and path not in kept:
            path.unlink()
    return [(p.name, pages[p]) for p in kept]
