"""Two runs started at once on a fresh database (SQLite file and PostgreSQL) both find no schema:
the first migration is taken under a lock, so one creates the schema and the other finds it made.
Real processes, released together at a barrier, several rounds on a fresh database each."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

try:
    from tests.test_integrity_support import _reset_postgres, db_url  # noqa: F401
except ImportError:
    from test_integrity_support import _reset_postgres, db_url  # noqa: F401

ROUNDS = 4


def _open_at_once(url: str, name: str, barrier, outcome) -> None:
    """One run's first database step (`open_store`, as `dossier run` does before reading)."""
    import dossierflow.storage.migrate  # noqa: F401  (imports done before the start line)
    from dossierflow.storage import open_store

    barrier.wait(timeout=120)
    try:
        open_store(url).close()
        outcome[name] = "ok"
    except Exception as exc:  # noqa: BLE001 - the test reports what the losing run saw
        outcome[name] = f"{type(exc).__name__}: {exc}"


def _fresh(db_url: str, round_no: int) -> str:  # noqa: F811
    if db_url.startswith("sqlite:///"):
        path = Path(db_url.removeprefix("sqlite:///"))
        return f"sqlite:///{path.parent / f'round{round_no}' / path.name}"
    _reset_postgres(db_url)
    return db_url


@pytest.mark.timeout(600)
def test_two_runs_on_a_fresh_database_both_open_it(db_url) -> None:  # noqa: F811
    from dossierflow.storage import open_store
    from dossierflow.storage.migrate import current_revision, head_revision

    ctx = multiprocessing.get_context("spawn")
    for round_no in range(ROUNDS):
        url = _fresh(db_url, round_no)
        barrier = ctx.Barrier(2)
        with ctx.Manager() as manager:
            outcome = manager.dict()
            runs = [ctx.Process(target=_open_at_once, args=(url, name, barrier, outcome)) for name in ("a", "b")]
            for p in runs:
                p.start()
            for p in runs:
                p.join(timeout=240)
            seen = dict(outcome)
        assert [p.exitcode for p in runs] == [0, 0]
        assert seen == {"a": "ok", "b": "ok"}, f"round {round_no}: {seen}"
        with open_store(url) as store:
            assert current_revision(store.engine) == head_revision()
            assert set(store.count_rows().values()) == {0}
