"""Bench scripts give each `dossier run` a Prefect home and a data folder under their work
folder (bench/prefect_home.py), unless the caller named them: two runs at once on one home both
migrate its database and one fails. `bench/accuracy.py`'s run is checked through a stand-in `dossier`
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
# Records what `dossier run` and `dossier blacklist` were started with.
printf '{"cmd": "%s", "PREFECT_HOME": "%s", "DOSSIER_DATA_DIR": "%s"}\\n' "$1" "$PREFECT_HOME" "$DOSSIER_DATA_DIR" >> "{log}"
exit 0
"""


def _args(dossier: Path, scenarios: str = "clean") -> argparse.Namespace:
    return argparse.Namespace(n=1, forms="docx", scenarios=scenarios, damage="clean", producers="pillow",
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
    homes = [r["PREFECT_HOME"] for r in _runs(log) if r["cmd"] == "run"]
    assert homes == [str((tmp_path / "w1" / "prefect").resolve()), str((tmp_path / "w2" / "prefect").resolve())]


def test_a_prefect_home_the_caller_set_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "mine"))
    dossier, log = _stand_in(tmp_path)
    accuracy.run_batch(_args(dossier), tmp_path / "w1", 3)
    assert [r["PREFECT_HOME"] for r in _runs(log) if r["cmd"] == "run"] == [str(tmp_path / "mine")]


def _runs(log: Path) -> list[dict]:
    return [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]


def test_the_blacklist_and_the_run_share_a_data_folder_of_the_work_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The change log's key lives beside the data folder: the entries loaded before the run and
    the run itself must use one, and not the user's."""
    monkeypatch.delenv("DOSSIER_DATA_DIR", raising=False)
    dossier, log = _stand_in(tmp_path)
    accuracy.run_batch(_args(dossier, scenarios="fail:NOT_BLACKLISTED"), tmp_path / "w1", 3)
    runs = _runs(log)
    assert {r["cmd"] for r in runs} == {"blacklist", "run"}
    assert {r["DOSSIER_DATA_DIR"] for r in runs} == {str((tmp_path / "w1" / "data").resolve())}
