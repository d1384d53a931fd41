"""History in the database: upserts, cross-batch checks, migrations — on SQLite and PostgreSQL."""

from __future__ import annotations

import random

import pytest

from dossierflow.errors import UsageError
from dossierflow.storage import normalise_url, open_store
from dossierflow.storage.migrate import current_revision, head_revision

try:  # tests/ may or may not be a package; the helpers import either way
    from tests.test_integrity_support import clean_batch, ctx, db_url, make_dossier, results_for, store  # noqa: F401
except ImportError:
    from test_integrity_support import clean_batch, ctx, db_url, make_dossier, results_for, store  # noqa: F401
from validators.integrity import cross_flags, dossier_flags
from validators.rulebook import load_rulebook

THRESHOLD = load_rulebook().confidence_threshold


def test_url_mapping() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
    # A bare path is no longer taken for a SQLite file (a mistyped URL made an empty database).
    with pytest.raises(UsageError):
        normalise_url("/tmp/a.sqlite")


def test_first_use_creates_and_migrates(store) -> None:  # noqa: F811
    assert current_revision(store.engine) == head_revision() == "0004_station"
    assert set(store.count_rows().values()) == {0}


def test_an_older_schema_is_upgraded_in_place(db_url) -> None:  # noqa: F811
    """A database created by 0001 keeps its rows and gains 0002's column on first open."""
    from alembic import command
    from sqlalchemy import create_engine, inspect, text

    from dossierflow.storage.migrate import _config

    if db_url.startswith("sqlite:///"):
        from pathlib import Path

        Path(db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(db_url)
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO blacklist (id_number, kind, reason, source, start_date, expiry_date, created_at) "
                          "VALUES ('110105194912310021', 'fraud', 'r', 's', '2020-01-01', '2025-01-01', '2020-01-01 00:00:00')"))
    engine.dispose()
    store = open_store(db_url)  # noqa: F811
    try:
        assert current_revision(store.engine) == head_revision()
        assert "batch_unit" in {c["name"] for c in inspect(store.engine).get_columns("dossiers")}
        assert len(store.blacklist_entries()) == 1
    finally:
        store.close()


def test_rerecording_a_batch_does_not_duplicate(store, db_url) -> None:  # noqa: F811
    batch = clean_batch(8)
    first = results_for(batch)
    store.record_dossiers("B1", 2020, batch, first, unit="包头市青山区教育局", threshold=THRESHOLD)
    counts = store.count_rows()
    assert counts["dossiers"] == 8 and counts["dossier_files"] == 16 and counts["page_images"] == 8 * 3 and counts["paper_claims"] >= 8
    # Same batch again, one result changed: rows updated in place, none added.
    again = results_for(batch)
    again[0].status = "returned"
    store.record_dossiers("B1", 2020, batch, again, threshold=THRESHOLD)
    assert store.count_rows() == counts
    assert store.stored_result("B1", "A0001")["status"] == "returned"
    # Reopening runs no migration twice and sees the same rows.
    other = open_store(db_url)
    assert other.count_rows() == counts
    other.close()


def test_history_reaches_across_batches(store) -> None:  # noqa: F811
    june = clean_batch(5, seed=1)
    store.record_dossiers("2020-kundulun-01", 2020, june, results_for(june), threshold=THRESHOLD)
    # Weeks later another unit sends the same person, plus a copy of someone's paper and summary.
    rng = random.Random(2)
    person = june["A0002"]
    july = {
        "C0001": make_dossier("C0001", rng, name=str(person.field("name")), id_number=str(person.field("id_number"))),
        "C0002": make_dossier("C0002", rng, summary=june["A0004"].items("work_summary")[0].text),
    }
    stolen = june["A0003"].items("paper")[0]
    july["C0002"].evidence.append(stolen.model_copy(update={"authors": [str(july["C0002"].field("name"))], "author_rank": 1}))
    found = cross_flags(july, store, "2020-qingshan-02", 2020, THRESHOLD)
    by_code = {(did, f.code): f for did, fl in found.items() for f in fl}
    assert by_code[("C0001", "DUPLICATE_APPLICANT")].related == ["2020-kundulun-01/A0002"]
    assert by_code[("C0002", "SHARED_PAPER")].related == ["2020-kundulun-01/A0003"]
    assert by_code[("C0002", "TEXT_REUSE")].related == ["2020-kundulun-01/A0004"]
    assert {code for _, code in by_code} == {"DUPLICATE_APPLICANT", "SHARED_PAPER", "TEXT_REUSE"}
    # Another policy year is not a duplicate application.
    assert cross_flags(july, store, "2021-qingshan-01", 2021, THRESHOLD).get("C0001") is None


def test_rerun_of_a_batch_is_not_compared_with_itself(store) -> None:  # noqa: F811
    batch = clean_batch(12)
    store.record_dossiers("B1", 2020, batch, results_for(batch), threshold=THRESHOLD)
    assert cross_flags(batch, store, "B1", 2020, THRESHOLD) == {}
    # A dossier of the same batch that is not in this run (an audit's sample) is still history.
    sample = {"A0001": batch["A0001"]}
    assert cross_flags(sample, store, "B1", 2020, THRESHOLD) == {}


def test_flags_are_stored_as_leads(store) -> None:  # noqa: F811
    batch = clean_batch(4)
    batch["A0002"].items("diploma")[0].holder = "冒名顶替"
    flags = {did: dossier_flags(ex, ctx(), THRESHOLD) for did, ex in batch.items()}
    store.record_dossiers("B1", 2020, batch, results_for(batch, flags), threshold=THRESHOLD)
    leads = store.leads()
    assert [(lead.dossier_id, lead.code) for lead in leads] == [("A0002", "HOLDER_MISMATCH")]
    assert leads[0].sources[0]["file"] == "A0002/scan.pdf" and leads[0].sources[0]["page"] == 1
    # The lead keeps its id when the batch is recorded again.
    store.record_dossiers("B1", 2020, batch, results_for(batch, flags), threshold=THRESHOLD)
    assert [lead.lead_id for lead in store.leads()] == [leads[0].lead_id]


def test_history_is_read_a_chunk_at_a_time(store, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """A city's history is every dossier of the year: reading it must cost not much more than
    the prints it keeps (a row's JSON is several times its packed print: all rows at once
    peaked at about 11 times, a chunk at a time at about 2), and every recorded dossier comes
    back across the chunks, in recording order."""
    import tracemalloc

    import numpy as np

    from dossierflow.models import DossierResult
    from dossierflow.storage import store as store_module
    from validators.integrity.fingerprint import DossierPrint, TextPrint, Where

    monkeypatch.setattr(store_module, "HISTORY_CHUNK", 50)
    rng = np.random.default_rng(3)
    for batch_id, n in (("H1", 400), ("H2", 7)):
        prints = {
            f"D{i:03d}": DossierPrint(batch_id=batch_id, dossier_id=f"D{i:03d}", policy_year=2020, texts=[TextPrint(
                kind="work_summary", where=Where(file="总结.pdf", page=1), shingles=np.unique(rng.integers(0, 2**32, 500)).tolist())])
            for i in range(n)
        }
        store.record_dossiers(batch_id, 2020, {}, [DossierResult(dossier_id=d, status="accepted") for d in prints], prints=prints)
    assert [p.dossier_id for p in store.history_for("H3", supersedes=("H1",))] == [f"D{i:03d}" for i in range(7)]
    store.history_for("X")  # first-call imports aside
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        history = store.history_for("X")
        kept, peak = (m - before for m in tracemalloc.get_traced_memory())
    finally:
        tracemalloc.stop()
    assert [(p.batch_id, p.dossier_id) for p in history] == [("H1", f"D{i:03d}") for i in range(400)] + [
        ("H2", f"D{i:03d}") for i in range(7)]
    assert history[123].texts[0].shingles.tolist() == sorted(set(history[123].texts[0].shingles))
    assert peak < 3 * kept, f"peak {peak / kept:.1f} times the history kept"
