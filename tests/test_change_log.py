"""The change log is tamper-evident: each kind of tampering makes `dossier review verify` exit 6
naming what it found — on SQLite and PostgreSQL, through the real command."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import stat
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select, text

from dossierflow import blacklist, review
from dossierflow.storage import open_store

try:  # tests/ may or may not be a package; the helpers import either way
    from tests.conftest import run_dossier
    from tests.test_integrity_support import db_url, make_id  # noqa: F401
    from tests.test_review import record_flagged_batch
except ImportError:
    from conftest import run_dossier
    from test_integrity_support import db_url, make_id  # noqa: F401
    from test_review import record_flagged_batch

MANUAL_ID = make_id(dt.date(1975, 3, 9), female=False, serial=41)


def build_history(store) -> None:  # noqa: ANN001
    """Seven entries: 1 start, 2 the batch's leads, 3 ban #1 and 4 decision #1 (a confirmed
    duplicate), 5 ban #2 added by hand, 6 ban #2 lifted, 7 decision #2 (a dismissal)."""
    leads = record_flagged_batch(store)
    review.confirm(store, leads[("A0001", "DUPLICATE_APPLICANT")], "同一人通过两个单位申报", "审核员甲", today=dt.date(2020, 7, 1))
    store.add_blacklist(blacklist.new_entry(MANUAL_ID, "伪造职称证书", "包人社发〔2020〕3号", start=dt.date(2020, 7, 1), created_by="审核员乙"))
    store.remove_blacklist(2, "复议撤销", "审核员丙")
    review.dismiss(store, leads[("A0009", "DUPLICATE_APPLICANT")], "同一案件已在A0001处理", "审核员甲")


def verify(db: str):  # noqa: ANN201
    proc = run_dossier("review", "verify", "--db", db, check=False, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def one_line(stderr: str) -> str:
    """The terminal wraps long lines; the message is checked as one line."""
    return stderr.replace("\n", "")


def sha256_chain(prev: str, content: str) -> str:
    return hashlib.sha256(f"{prev}\n{content}".encode("utf-8")).hexdigest()


def edit_with_recomputed_hashes(store) -> None:  # noqa: ANN001
    """What someone with write access but no key can do: change decision #1's reason in the
    decision table and in its log entry, and re-hash every entry from there on."""
    with store.engine.begin() as conn:
        rows = conn.execute(text("SELECT seq, content, prev_hash FROM log_entries ORDER BY seq")).all()
        prev = None
        for seq, content, prev_hash in rows:
            if seq < 4:
                continue
            content = content.replace("同一人通过两个单位申报", "查无实据")
            prev = prev or prev_hash
            new_hash = sha256_chain(prev, content)
            conn.execute(text("UPDATE log_entries SET content = :c, prev_hash = :p, entry_hash = :h WHERE seq = :s"),
                         {"c": content, "p": prev, "h": new_hash, "s": seq})
            prev = new_hash
        d_prev = None
        for seq, content, prev_hash in conn.execute(text("SELECT seq, content, prev_hash FROM decisions ORDER BY seq")).all():
            content = content.replace("同一人通过两个单位申报", "查无实据")
            d_prev = d_prev or prev_hash
            h = review.chain_hash(d_prev, content)
            conn.execute(text("UPDATE decisions SET content = :c, prev_hash = :p, entry_hash = :h WHERE seq = :s"),
                         {"c": content, "p": d_prev, "h": h, "s": seq})
            d_prev = h


def delete_last(store) -> None:  # noqa: ANN001
    with store.engine.begin() as conn:  # the dismissal, from the log and the decision table: the lead reopens
        conn.execute(text("DELETE FROM log_entries WHERE seq = 7"))
        conn.execute(text("DELETE FROM decisions WHERE seq = 2"))


def delete_middle(store) -> None:  # noqa: ANN001
    with store.engine.begin() as conn:  # the hand-made ban's entry
        conn.execute(text("DELETE FROM log_entries WHERE seq = 5"))


def edit_blacklist_table(store) -> None:  # noqa: ANN001
    with store.engine.begin() as conn:  # quietly lift the confirmed ban
        conn.execute(text("UPDATE blacklist SET removed_at = '2020-07-02 00:00:00' WHERE id = 1"))


TAMPERS = {
    "edit_with_recomputed_hash": (edit_with_recomputed_hashes, "日志第 4 条的内容与其认证码不符"),
    "delete_last_entry": (delete_last, "日志只有 6 条，而库外记录的链头是第 7 条"),
    "delete_middle_entry": (delete_middle, "日志第 5 条缺失"),
    "edit_blacklist_by_sql": (edit_blacklist_table, "黑名单记录 #1 的 removed_at 与日志第 3 条不符"),
}


@pytest.mark.parametrize("kind", sorted(TAMPERS))
def test_verify_names_each_kind_of_tampering(db_url: str, kind: str) -> None:  # noqa: F811
    store = open_store(db_url)
    try:
        build_history(store)
        intact = verify(db_url)
        assert intact.returncode == 0 and "日志完整：共 7 条" in intact.stdout
        tamper, expected = TAMPERS[kind]
        tamper(store)
    finally:
        store.close()
    broken = verify(db_url)
    assert broken.returncode == 6, broken.stdout + broken.stderr
    assert expected in one_line(broken.stderr), broken.stderr


def _copy_tables(engine) -> dict:  # noqa: ANN001
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: [dict(r._mapping) for r in conn.execute(select(table))] for name, table in meta.tables.items()}


def _restore_tables(engine, saved: dict) -> None:  # noqa: ANN001
    meta = MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        for table in reversed(meta.sorted_tables):
            conn.execute(table.delete())
        for table in meta.sorted_tables:
            if saved[table.name]:
                conn.execute(table.insert(), saved[table.name])


def test_verify_catches_the_database_replaced_by_an_older_copy(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    store = open_store(db_url)
    try:
        leads = record_flagged_batch(store)
        review.confirm(store, leads[("A0001", "DUPLICATE_APPLICANT")], "同一人通过两个单位申报", "审核员甲", today=dt.date(2020, 7, 1))
        sqlite_file = Path(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite") else None
        if sqlite_file:
            shutil.copy(sqlite_file, tmp_path / "backup.sqlite")
        else:
            saved = _copy_tables(store.engine)
        store.remove_blacklist(1, "复议撤销", "审核员丙")
        review.dismiss(store, leads[("A0009", "DUPLICATE_APPLICANT")], "重复线索", "审核员甲")
        assert verify(db_url).returncode == 0
    finally:
        store.close()
    if sqlite_file:
        shutil.copy(tmp_path / "backup.sqlite", sqlite_file)  # the backup put back: the ban is in force again
    else:
        engine = open_store(db_url).engine
        _restore_tables(engine, saved)
        engine.dispose()
    broken = verify(db_url)
    assert broken.returncode == 6
    assert "日志只有 4 条，而库外记录的链头是第 6 条" in one_line(broken.stderr) and "旧的副本" in one_line(broken.stderr)


def test_key_is_created_private_outside_the_database(db_url: str, private_log_key: Path) -> None:  # noqa: F811
    store = open_store(db_url)
    try:
        assert not private_log_key.exists()  # reading creates nothing
        store.blacklist_entries()
        build_history(store)
        key = private_log_key.read_text(encoding="ascii").strip()
        with store.engine.connect() as conn:
            dump = "".join(str(v) for t in ("log_entries", "decisions", "blacklist") for row in conn.execute(text(f"SELECT * FROM {t}")) for v in row)
    finally:
        store.close()
    assert stat.S_IMODE(os.stat(private_log_key).st_mode) == 0o600
    assert len(key) == 64 and key not in dump
    head = (private_log_key.parent / "log-head.json").read_text(encoding="utf-8")
    assert '"count": 7' in head


def test_a_log_written_with_another_key_fails_verification(db_url: str, private_log_key: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    store = open_store(db_url)
    try:
        build_history(store)
    finally:
        store.close()
    other = private_log_key.parent / "other" / "log.key"
    other.parent.mkdir()
    other.write_text("11" * 32 + "\n", encoding="ascii")
    shutil.copy(private_log_key.parent / "log-head.json", other.parent / "log-head.json")
    proc = run_dossier("review", "verify", "--db", db_url, "--log-key-file", str(other), check=False, timeout=120)
    assert proc.returncode == 6 and "日志第 1 条的内容与其认证码不符" in one_line(proc.stderr)


def test_manual_blacklist_changes_are_logged_with_who_made_them(db_url: str) -> None:  # noqa: F811
    common = ("--db", db_url)
    run_dossier("blacklist", "add", MANUAL_ID, "--reason", "伪造职称证书", "--source", "包人社发〔2020〕3号", "--start", "2020-01-01", "--by", "审核员乙", *common, timeout=120)
    run_dossier("blacklist", "expiry", "1", "--until", "2022-01-01", "--reason", "复议缩短", "--by", "审核员丙", *common, timeout=120)
    nobody = run_dossier("blacklist", "remove", "1", "--reason", "复议撤销", *common, check=False, timeout=120)
    assert nobody.returncode == 2 and "Traceback" not in nobody.stderr  # who lifts it is required
    run_dossier("blacklist", "remove", "1", "--reason", "复议撤销", "--by", "审核员丁", *common, timeout=120)
    intact = verify(db_url)
    assert intact.returncode == 0 and "日志完整：共 4 条" in intact.stdout  # start, add, expiry, remove
    store = open_store(db_url)
    try:
        kinds = [k for (k,) in store.engine.connect().execute(text("SELECT kind FROM log_entries ORDER BY seq"))]
        entry = store.blacklist_entries()[0]
        with store.engine.begin() as conn:  # put the longer ban back by SQL
            conn.execute(text("UPDATE blacklist SET expiry_date = '2025-01-01' WHERE id = 1"))
    finally:
        store.close()
    assert kinds == ["start", "blacklist_add", "blacklist_expiry", "blacklist_remove"]
    assert entry.expiry_date == dt.date(2022, 1, 1) and entry.removed_by == "审核员丁" and entry.created_by == "审核员乙"
    broken = verify(db_url)
    assert broken.returncode == 6 and "黑名单记录 #1 的 expiry_date 与日志第 4 条不符" in one_line(broken.stderr)


def test_a_database_from_before_the_log_keeps_its_bans_on_record(db_url: str) -> None:  # noqa: F811
    """A ban written under schema 0002 is taken into the log's first entry (the `start`
    snapshot) on the first change, so verify vouches for it from then on."""
    from alembic import command
    from sqlalchemy import create_engine

    from dossierflow.storage.migrate import _config

    if db_url.startswith("sqlite:///"):
        Path(db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(db_url)
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO blacklist (id_number, kind, reason, source, start_date, expiry_date, created_at) "
                          f"VALUES ('{MANUAL_ID}', 'fraud', '伪造学历', '旧系统', '2019-01-01', '2024-01-01', '2019-01-01 00:00:00')"))
    engine.dispose()
    run_dossier("blacklist", "add", make_id(dt.date(1980, 1, 2), female=True, serial=7), "--reason", "论文抄袭", "--source", "复核",
                "--by", "审核员甲", "--db", db_url, timeout=120)
    intact = verify(db_url)
    assert intact.returncode == 0 and "日志完整：共 2 条" in intact.stdout  # start (with the old ban), the new ban
    store = open_store(db_url)
    try:
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE blacklist SET reason = '查无实据' WHERE id = 1"))
    finally:
        store.close()
    broken = verify(db_url)
    assert broken.returncode == 6 and "黑名单记录 #1 的 reason 与日志第 1 条不符" in one_line(broken.stderr)
