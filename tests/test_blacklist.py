"""The blacklist: expiry by kind, matching on the full number, masking — SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from typer.testing import CliRunner

from dossierflow import blacklist
from dossierflow.cli import app
from dossierflow.errors import UsageError
from dossierflow.privacy import mask_id

try:  # tests/ may or may not be a package; the helpers import either way
    from tests.conftest import run_dossier
    from tests.test_integrity_support import ctx, db_url, make_dossier, make_id, store  # noqa: F401
except ImportError:
    from conftest import run_dossier
    from test_integrity_support import ctx, db_url, make_dossier, make_id, store  # noqa: F401
from validators.integrity import dossier_flags
from validators.rulebook import load_rulebook

THRESHOLD = load_rulebook().confidence_threshold

ID = make_id(dt.date(1980, 5, 6), female=True, serial=33)
OTHER = make_id(dt.date(1980, 5, 6), female=True, serial=35)


def test_mask_id() -> None:
    assert mask_id("150203198005061234") == "150203********1234"
    assert mask_id("") == "" and mask_id("12345") == "*****"


def test_expiry_by_kind() -> None:
    fraud = blacklist.new_entry(ID, "伪造学历", "包人社字〔2020〕8号", start=dt.date(2020, 2, 29))
    assert fraud.expiry_date == dt.date(2025, 2, 28)
    cross = blacklist.new_entry(ID, "跨单位重复申报", "复核", kind="cross_region", start=dt.date(2020, 6, 1))
    assert cross.expiry_date == dt.date(2023, 6, 1)
    with pytest.raises(UsageError):
        blacklist.new_entry("15020319800506", "x", "y")
    with pytest.raises(UsageError):
        blacklist.new_entry(ID, " ", "y")


def test_csv_export_keeps_formulas_as_text() -> None:
    entry = blacklist.BlacklistEntry(
        **blacklist.new_entry(ID, "=HYPERLINK(\"http://x\")", "复核", start=dt.date(2020, 1, 1)).model_dump(),
        entry_id=1,
        created_at=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc),
    )
    row = next(csv.DictReader(io.StringIO(blacklist.export_text([entry], "csv"))))
    assert row["reason"].startswith("'=") and row["id_number"] == mask_id(ID)


def test_lookup_in_force_only(store) -> None:  # noqa: F811
    entry = store.add_blacklist(blacklist.new_entry(ID.lower(), "伪造学历", "包人社字〔2020〕8号", name="刘芳", start=dt.date(2020, 1, 1)))
    assert entry.id_number == ID  # stored in full, normalised
    assert store.blacklist_lookup(ID, dt.date(2019, 12, 31)) == []
    hits = store.blacklist_lookup(ID, dt.date(2020, 6, 10))
    assert [h["entry_id"] for h in hits] == [entry.entry_id] and hits[0]["clause"] == "二（一）5"
    assert ID not in json.dumps(hits, ensure_ascii=False)  # lookups may end up in messages
    assert store.blacklist_lookup(ID, dt.date(2025, 1, 1)) == []  # expired
    assert store.blacklist_lookup(OTHER, dt.date(2020, 6, 10)) == []  # full-number match only
    store.remove_blacklist(entry.entry_id, "复议撤销", "审核员甲")
    assert store.blacklist_lookup(ID, dt.date(2020, 6, 10)) == []
    assert store.blacklist_entries()[0].removed_reason == "复议撤销"


def test_blacklist_hit_flag_through_the_store(store) -> None:  # noqa: F811
    import random

    store.add_blacklist(blacklist.new_entry(ID, "论文抄袭", "包头市职改办", start=dt.date(2019, 3, 1)))
    ex = make_dossier("A0001", random.Random(1), id_number=ID)
    flags = [f for f in dossier_flags(ex, ctx(lookup=store.blacklist_lookup), THRESHOLD) if f.code == "BLACKLIST_HIT"]
    assert len(flags) == 1 and "论文抄袭" in flags[0].message and ID not in flags[0].message


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_cli_round_trip(db_url, tmp_path) -> None:  # noqa: F811
    code, output = run("blacklist", "add", ID, "--reason", "伪造职称证书", "--source", "包人社发〔2020〕3号", "--name", "刘芳", "--kind", "fraud", "--start", "2020-01-01", "--by", "审核员甲", "--db", db_url)
    assert code == 0 and mask_id(ID) in output and ID not in output and "2025-01-01" in output
    run("blacklist", "add", OTHER, "--reason", "跨地区申报", "--source", "复核", "--kind", "cross_region", "--start", "2020-01-01", "--by", "审核员甲", "--db", db_url)

    code, output = run("blacklist", "list", "--date", "2020-06-01", "--db", db_url)
    assert code == 0 and mask_id(ID) in output and ID not in output and "共 2 条" in output

    proc = run_dossier("blacklist", "check", ID, "--date", "2020-06-01", "--db", db_url, check=False)
    assert proc.returncode == 7 and "在黑名单中" in proc.stdout and "Traceback" not in proc.stderr
    code, output = run("blacklist", "check", OTHER, "--date", "2023-06-01", "--db", db_url)  # 3 years are over
    assert code == 0 and "不在黑名单中" in output

    code, output = run("blacklist", "export", "--format", "csv", "--all", "--db", db_url)
    rows = list(csv.DictReader(io.StringIO(output)))
    assert {r["id_number"] for r in rows} == {mask_id(ID), mask_id(OTHER)}
    target = tmp_path / "full.json"
    run("blacklist", "export", "--format", "json", "--full", "--all", "--out", str(target), "--db", db_url)
    assert {r["id_number"] for r in json.loads(target.read_text(encoding="utf-8"))} == {ID, OTHER}

    code, output = run("blacklist", "remove", "1", "--reason", "复议撤销", "--by", "审核员乙", "--db", db_url)
    assert code == 0
    code, output = run("blacklist", "check", ID, "--date", "2020-06-01", "--db", db_url)
    assert code == 0


def test_an_id_number_with_a_wrong_check_digit_needs_force(db_url) -> None:  # noqa: F811
    wrong = ID[:17] + ("0" if ID[17] != "0" else "1")
    args = ("blacklist", "add", wrong, "--reason", "伪造学历", "--source", "包人社发〔2020〕3号", "--by", "审核员甲", "--db", db_url)
    refused = run_dossier(*args, check=False, timeout=120)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    said = refused.stderr.replace("\n", "")
    assert "校验码不对" in said and f"应为 {ID[17]}" in said and "--force" in said and wrong not in said
    listed = run_dossier("blacklist", "list", "--all", "--db", db_url, timeout=120)
    assert "共 0 条" in listed.stdout

    forced = run_dossier(*args, "--force", timeout=120)
    assert "警告" in forced.stderr and "校验码不对" in forced.stderr.replace("\n", "")
    assert "已列入黑名单 #1" in forced.stdout
    run_dossier("blacklist", "add", ID, "--reason", "伪造学历", "--source", "复核", "--by", "审核员甲", "--db", db_url, timeout=120)
