"""Shared helpers: run the real `dossier` command, read its output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOSSIER = ROOT / ".venv" / "bin" / "dossier"


def dossier_cmd() -> list[str]:
    """The installed console script when there is one, else the module (same code)."""
    if DOSSIER.exists():
        return [str(DOSSIER)]
    return [sys.executable, "-m", "dossierflow.cli"]


def run_dossier(*args: str, env: dict | None = None, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        [*dossier_cmd(), *args], capture_output=True, text=True, env=full_env, timeout=timeout, cwd=str(ROOT)
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"dossier {' '.join(args)} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    return proc


def read_results(out: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = [r["dossier_id"] for r in rows]
    assert len(ids) == len(set(ids)), f"a dossier appears twice: {ids}"
    return {r["dossier_id"]: r for r in rows}


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A private data directory (SQLite) so tests never share history."""
    env = {"DOSSIER_DATA_DIR": str(tmp_path / "data"), "DOSSIER_DB": f"sqlite:///{tmp_path / 'data' / 'db.sqlite'}"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@pytest.fixture(autouse=True)
def private_log_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test writes the change log's key and head under its own tmp folder, never under
    the user's data directory (a test's subprocesses inherit it)."""
    key = tmp_path / "log-key" / "log.key"
    monkeypatch.setenv("DOSSIER_LOG_KEY_FILE", str(key))
    return key
