"""A small real batch for the station's tests: three text-PDF dossiers generated and processed by
the real `dossier run` (Prefect, SQLite) once per test session, copied per test so decisions of
one test never reach another. Two end `needs_review`, one `integrity_review` (an ID number with a
wrong check digit)."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import run_dossier

SCENARIOS = "review:EVALUATION_CHANNEL:district,review:SENIOR_TEACHER_QUOTA,flag:ID_NUMBER_INVALID"
PASSWORD = "station-pass-1"


@dataclass
class StationBatch:
    root: Path  # the batch folder (read-only: batch.json points at it)
    out: Path
    db: str
    key_file: Path

    def results(self) -> dict[str, dict]:
        lines = [json.loads(x) for x in (self.out / "results.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
        return {line["dossier_id"]: line for line in lines}

    def dossier_with(self, status: str) -> str:
        return next(d for d, line in sorted(self.results().items()) if line["status"] == status)


def _build(base: Path) -> None:
    from fixtures.generate import generate_batch

    generate_batch(base / "batch", n=3, seed=7, forms=["text_pdf"], scenarios=SCENARIOS)
    env = {"DOSSIER_DATA_DIR": str(base / "data"), "DOSSIER_LOG_KEY_FILE": str(base / "key" / "log.key")}
    run_dossier("run", str(base / "batch"), "--out", str(base / "out"), "--workers", "1", "--date", "2020-07-01",
                "--db", f"sqlite:///{base / 'data' / 'db.sqlite'}", env=env)
    (base / "done").write_text("ok")


@pytest.fixture
def station_batch(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StationBatch:
    base = tmp_path_factory.getbasetemp() / "station-batch"
    if not (base / "done").exists():
        shutil.rmtree(base, ignore_errors=True)
        _build(base)
    mine = tmp_path / "station"
    shutil.copytree(base / "out", mine / "out")
    shutil.copytree(base / "data", mine / "data")
    shutil.copytree(base / "key", mine / "key")
    key = mine / "key" / "log.key"
    monkeypatch.setenv("DOSSIER_LOG_KEY_FILE", str(key))
    monkeypatch.setenv("DOSSIER_DATA_DIR", str(mine / "data"))
    # The copied database is a database of its own: its head is noted under its own name.
    heads = key.parent / "log-head.json"
    if heads.exists():
        data = json.loads(heads.read_text(encoding="utf-8"))
        old = f"sqlite:{(base / 'data' / 'db.sqlite').resolve()}"
        new = f"sqlite:{(mine / 'data' / 'db.sqlite').resolve()}"
        if old in data.get("heads", {}):
            data["heads"][new] = data["heads"].pop(old)
            heads.write_text(json.dumps(data), encoding="utf-8")
    return StationBatch(root=base / "batch", out=mine / "out", db=f"sqlite:///{mine / 'data' / 'db.sqlite'}", key_file=key)


def add_user(batch: StationBatch, name: str, role: str, password: str = PASSWORD) -> None:
    from dossierflow.station.users import Users
    from dossierflow.storage import open_store

    store = open_store(batch.db, batch.key_file)
    assert store is not None
    Users(store.engine).add(name, role, password)
    store.close()


def form_token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def form_fields(html: str, form_class: str) -> list[dict[str, str]]:
    """The hidden fields of every form of `form_class` on the page."""
    out = []
    for block in re.findall(rf'<form[^>]*class="{form_class}"[^>]*>(.*?)</form>', html, flags=re.S):
        out.append(dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', block)))
    return out


def env_for(batch: StationBatch) -> dict[str, str]:
    return {**os.environ, "DOSSIER_LOG_KEY_FILE": str(batch.key_file)}
