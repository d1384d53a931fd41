"""The database password never reaches Prefect: not the flow run's parameters, not its database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from fixtures.generate import generate_batch

try:  # tests/ may or may not be a package; the helpers import either way
    from tests.conftest import run_dossier
    from tests.test_integrity_support import PG_URL, _reset_postgres
except ImportError:
    from conftest import run_dossier
    from test_integrity_support import PG_URL, _reset_postgres

SECRET = "s3cret-Pa55"


def test_the_flow_is_handed_the_database_without_its_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What run_batch passes to the Prefect flow (captured in place of the flow itself), and
    that the flow process resolves it back to the full URL."""
    from flows import batch_flow, database, prefect_flow

    batch = tmp_path / "batch"
    generate_batch(batch, n=1, seed=3, forms=["docx"], damage="clean")
    url = f"postgresql://clerk:{SECRET}@db.example/dossierflow"
    handed: dict = {}

    class CapturedFlow:
        def with_options(self, **_options):  # noqa: ANN003
            return self

        def __call__(self, *args, **kwargs):  # noqa: ANN002, ANN003
            handed.update(args=args, kwargs=kwargs)
            return {}

    monkeypatch.setattr(prefect_flow, "dossier_batch", CapturedFlow())
    monkeypatch.setattr(prefect_flow, "task_runner", lambda *a: None)
    # The URL names no real server: the check that opens it before reading (tested in
    # test_cli.py) would stop the run before the handover this test looks at.
    monkeypatch.setattr(batch_flow, "check_before_reading", lambda *a: None)
    # Nor is there a cluster at the address: the early connection and hand-out to it are not
    # what this looks at.
    monkeypatch.setattr(batch_flow, "DaskConnection", lambda *a, **k: None)
    monkeypatch.setattr(batch_flow, "DaskHandOut", lambda *a, **k: None)
    batch_flow.run_batch(batch, tmp_path / "out", db_url=url, dask_address="tcp://127.0.0.1:1")
    assert SECRET not in json.dumps(handed, default=str)
    assert handed["kwargs"]["database"] == "postgresql+psycopg://clerk:***@db.example/dossierflow"
    assert database.resolve(handed["kwargs"]["database"]) == url


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="DOSSIER_TEST_PG_URL is not set")
def test_prefects_records_hold_no_password(tmp_path: Path) -> None:
    """A real run through Prefect's local API on PostgreSQL with a password in --db: the flow
    run's stored parameters name the database with *** and nothing Prefect wrote holds the
    password; the run still recorded to that database, and batch.json carries the log's head."""
    from sqlalchemy.engine import make_url

    from dossierflow.storage import normalise_url, open_store

    base = make_url(normalise_url(PG_URL or ""))
    _reset_postgres(base.render_as_string(hide_password=False))
    with_password = base._replace(password=SECRET).render_as_string(hide_password=False)
    batch = tmp_path / "batch"
    generate_batch(batch, n=2, seed=5, forms=["docx"], damage="clean")
    prefect_home = tmp_path / "prefect"
    out = tmp_path / "out"
    proc = run_dossier("run", str(batch), "--out", str(out), "--db", with_password, "--date", "2020-07-01",
                       env={"PREFECT_HOME": str(prefect_home)}, timeout=600, ephemeral_api=True)
    assert SECRET not in proc.stdout + proc.stderr

    files = [p for p in prefect_home.rglob("*") if p.is_file()]
    assert any(p.name == "prefect.db" for p in files)
    assert not [p for p in files if SECRET.encode() in p.read_bytes()]
    with sqlite3.connect(prefect_home / "prefect.db") as conn:
        params = [json.loads(p) for (p,) in conn.execute("SELECT parameters FROM flow_run")]
    assert len(params) == 1 and params[0]["database"] == with_password.replace(SECRET, "***")

    store = open_store(with_password)
    try:
        assert store.count_rows()["dossiers"] == 2
        head = store.log_head()
    finally:
        store.close()
    summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert summary["log_head"] == {"count": head.count, "hash": head.hash} and head.count == 2
