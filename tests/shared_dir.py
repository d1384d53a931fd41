"""Where the read-only `shared/` folder (policy, spec, bad-inputs corpus) lives.

It sits beside the checkout: `../shared` from the repository root (CI clones the repository
into a folder with `shared/` next to it), or beside a folder above it (a git worktree nested
under the main checkout's parent). `DOSSIER_SHARED_DIR` names it explicitly. Tests that need it
skip on a developer's machine without it, but fail under `CI=true`: there a missing corpus is a
broken setup, and silently skipped items would hide it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def find_shared_dir() -> Path | None:
    named = os.environ.get("DOSSIER_SHARED_DIR")
    if named:
        path = Path(named).expanduser().resolve()
        return path if (path / "spec").is_dir() else None
    for folder in ROOT.parents:
        candidate = folder / "shared"
        if (candidate / "spec").is_dir():
            return candidate
    return None


SHARED = find_shared_dir()


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require_shared(*parts: str) -> Path:
    """The path under shared/; skips the calling test when it is absent, fails under CI=true."""
    path = SHARED.joinpath(*parts) if SHARED is not None else None
    if path is not None and path.exists():
        return path
    where = os.environ.get("DOSSIER_SHARED_DIR") or f"shared/ beside {ROOT} or a folder above it"
    message = f"{'/'.join(parts)} not found (looked in {where}; set DOSSIER_SHARED_DIR)"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
