"""The extractor's version: a hash of everything that decides what extraction makes of a file.

Cached extractions are keyed on it (`DossierInput.content_key`), so it must change whenever
extraction's output may: any source file of `extractors/` (the readers included), any file of
`extractors/data/` (lexicons, labels), and any module of `dossierflow/` that extraction imports,
directly or through another (models, text clean-up, vocabulary). Computed from the files' bytes
in sorted path order, never their times, so two checkouts of the same code agree and nobody
bumps a version by hand. Results carry it as `extract-<12 hex digits>`.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

PACKAGE = "extractors"
# The packages whose modules extraction may import; anything else (numpy, the standard library)
# is versioned by its own installed version, not here.
_FIRST_PARTY = ("dossierflow", "extractors")
_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\s+(\([^)]*\)|[^\n]*)|import\s+([\w.]+))", re.MULTILINE)
PREFIX = "extract-"


def _module_file(root: Path, dotted: str) -> Path | None:
    base = root.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_files(root: Path, source: Path) -> set[Path]:
    """First-party module files `source` imports, found by reading its import lines."""
    found: set[Path] = set()
    for m in _IMPORT.finditer(source.read_text(encoding="utf-8")):
        module, names, plain = m.group(1), m.group(2), m.group(3)
        dotted = module or plain
        if dotted.split(".")[0] not in _FIRST_PARTY:
            continue
        if (f := _module_file(root, dotted)) is not None:
            found.add(f)
        # `from dossierflow import atomic`: each name may itself be a module.
        for name in re.split(r"\W+", names or ""):
            if name and (f := _module_file(root, f"{dotted}.{name}")) is not None:
                found.add(f)
    return found


def extraction_files(root: Path) -> list[Path]:
    """Every file the version covers under `root` (the folder holding `extractors/`), sorted."""
    package = root / PACKAGE
    files = {p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    todo = [p for p in files if p.suffix == ".py"]
    while todo:
        for f in _imported_files(root, todo.pop()):
            if f not in files:
                files.add(f)
                todo.append(f)
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def compute_version(root: Path) -> str:
    h = hashlib.sha256()
    for f in extraction_files(root):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return PREFIX + h.hexdigest()[:12]


@lru_cache(maxsize=1)
def extractor_version() -> str:
    """This installation's version, computed once per process."""
    return compute_version(Path(__file__).resolve().parent.parent)
