"""Bench scripts give each `dossier run` a Prefect home under their work folder (bench/
prefect_home.py), unless the caller named one: two runs at once on one home both migrate its
database and one fails. `bench/accuracy.py`'s run is checked through a stand-in `dossier`
command that records the environment it was started with (no Prefect, no OCR)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import accuracy  # noqa: E402  (bench/ is not a package)

STAND_IN = """#!/bin/sh
# Records what `dossier run` was started with; `blacklist add` and the rest just succeed.
if [ "$1" = run ]; then
  printf '{"PREFECT_HOME": "%s"}\\n' "$PREFECT_HOME" >> "{log}"
fi
exit 0
"""


def _args(dossier: Path) -> argparse.Namespace:
    return argparse.Namespace(n=1, forms="docx", scenarios="clean", damage="clean", producers="pillow",
                              layouts="standard", db=None, dossier=str(dossier), workers=None)


def _stand_in(tmp_path: Path) -> tuple[Path, Path]:
    log = tmp_path / "runs.jsonl"
    dossier = tmp_path / "dossier"
    dossier.write_text(STAND_IN.replace("{log}", str(log)), encoding="utf-8")
    dossier.chmod(0o755)
    return dossier, log


def test_each_accuracy_work_folder_runs_on_its_own_prefect_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_HOME", raising=False)
    dossier, log = _stand_in(tmp_path)
    for work in (tmp_path / "w1", tmp_path / "w2"):
        accuracy.run_batch(_args(dossier), work, 3)
    homes = [json.loads(x)["PREFECT_HOME"] for x in log.read_text(encoding="utf-8").splitlines()]
    assert homes == [str((tmp_path / "w1" / "prefect").resolve()), str((tmp_path / "w2" / "prefect").resolve())]


def test_a_prefect_home_the_caller_set_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "mine"))
    dossier, log = _stand_in(tmp_path)
    accuracy.run_batch(_args(dossier), tmp_path / "w1", 3)
    assert json.loads(log.read_text(encoding="utf-8"))["PREFECT_HOME"] == str(tmp_path / "mine")
