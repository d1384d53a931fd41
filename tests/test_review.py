"""The review queue and the tamper-evident decision log — SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from dossierflow import review
from dossierflow.cli import app
from dossierflow.errors import AuditMismatch, UsageError
from dossierflow.privacy import mask_id

try:  # tests/ may or may not be a package; the helpers import either way
    from tests.conftest import run_dossier
    from tests.test_integrity_support import clean_batch, ctx, db_url, make_dossier, results_for, store  # noqa: F401
except ImportError:
    from conftest import run_dossier
    from test_integrity_support import clean_batch, ctx, db_url, make_dossier, results_for, store  # noqa: F401
from validators.integrity import cross_flags, dossier_flags
from validators.rulebook import load_rulebook

THRESHOLD = load_rulebook().confidence_threshold


def record_flagged_batch(store) -> dict[str, str]:  # noqa: F811
    """A batch with a duplicate applicant (A0001/A0009) and a forged diploma (A0003)."""
    batch = clean_batch(6)
    batch["A0009"] = make_dossier("A0009", random.Random(9), name=str(batch["A0001"].field("name")), id_number=str(batch["A0001"].field("id_number")))
    batch["A0003"].items("diploma")[0].holder = "赵某某"
    flags = {did: dossier_flags(ex, ctx(), THRESHOLD) for did, ex in batch.items()}
    for did, extra in cross_flags(batch, store, "B1", 2020, THRESHOLD).items():
        flags[did].extend(extra)
    store.record_dossiers("B1", 2020, batch, results_for(batch, flags), threshold=THRESHOLD)
    return {(lead.dossier_id, lead.code): lead.lead_id for lead in store.leads()}


def test_confirm_and_dismiss_round_trip(store) -> None:  # noqa: F811
    leads = record_flagged_batch(store)
    assert set(leads) == {("A0001", "DUPLICATE_APPLICANT"), ("A0009", "DUPLICATE_APPLICANT"), ("A0003", "HOLDER_MISMATCH")}

    d1 = review.confirm(store, leads[("A0001", "DUPLICATE_APPLICANT")], "同一人通过两个单位申报", "审核员甲", today=dt.date(2020, 7, 1))
    d2 = review.confirm(store, leads[("A0003", "HOLDER_MISMATCH")], "毕业证书系他人证书", "审核员乙", today=dt.date(2020, 7, 1))
    d3 = review.dismiss(store, leads[("A0009", "DUPLICATE_APPLICANT")], "同一案件已在A0001处理", "审核员甲")
    assert (d1.seq, d2.seq, d3.seq) == (1, 2, 3) and d2.prev_hash == d1.entry_hash and d3.prev_hash == d2.entry_hash

    entries = {e.entry_id: e for e in store.blacklist_entries()}
    cross, fraud = entries[d1.blacklist_entry_id], entries[d2.blacklist_entry_id]
    assert cross.kind == "cross_region" and cross.expiry_date == dt.date(2023, 7, 1)  # 二（二）: 3 years
    assert fraud.kind == "fraud" and fraud.expiry_date == dt.date(2025, 7, 1)  # 二（一）5: 5 years
    assert d3.blacklist_entry_id is None and len(entries) == 2

    assert store.leads() == []  # nothing open
    assert {lead.status for lead in store.leads(status="all")} == {"confirmed", "dismissed"}
    with pytest.raises(UsageError):
        review.dismiss(store, leads[("A0003", "HOLDER_MISMATCH")], "再次处理", "审核员丙")
    with pytest.raises(UsageError):
        review.confirm(store, leads[("A0003", "HOLDER_MISMATCH")], "", "审核员丙")
    # start, the batch's leads, then ban + decision, ban + decision, decision
    assert review.verify(store).count == 7

    # Re-recording the batch keeps the leads decided and the log untouched.
    record_flagged_batch(store)
    assert store.leads() == [] and review.verify(store).count == 7


@pytest.mark.parametrize(
    "tamper, expected",
    [
        ("UPDATE decisions SET content = replace(content, '毕业证书系他人证书', '证书无误') WHERE seq = 2", "内容与其哈希不符"),
        ("DELETE FROM decisions WHERE seq = 2", "前序哈希"),
        ("UPDATE blacklist SET expiry_date = '2020-08-01' WHERE id = 1", "黑名单记录"),
    ],
)
def test_tampered_log_is_detected(store, tamper: str, expected: str) -> None:  # noqa: F811
    leads = record_flagged_batch(store)
    review.confirm(store, leads[("A0001", "DUPLICATE_APPLICANT")], "同一人通过两个单位申报", "审核员甲", today=dt.date(2020, 7, 1))
    review.confirm(store, leads[("A0003", "HOLDER_MISMATCH")], "毕业证书系他人证书", "审核员乙", today=dt.date(2020, 7, 1))
    review.dismiss(store, leads[("A0009", "DUPLICATE_APPLICANT")], "重复线索", "审核员甲")
    assert store.verify_decision_log() is None
    with store.engine.begin() as conn:
        conn.execute(text(tamper))
    problem = store.verify_decision_log()
    assert problem is not None and expected in problem
    with pytest.raises(AuditMismatch):
        review.verify(store)


def test_rewritten_chain_with_recomputed_hash_still_breaks_at_the_next_entry(store) -> None:  # noqa: F811
    leads = record_flagged_batch(store)
    review.dismiss(store, leads[("A0001", "DUPLICATE_APPLICANT")], "误报", "审核员甲")
    review.dismiss(store, leads[("A0009", "DUPLICATE_APPLICANT")], "误报", "审核员甲")
    with store.engine.begin() as conn:
        content = conn.execute(text("SELECT content, prev_hash FROM decisions WHERE seq = 1")).one()
        forged = content[0].replace("误报", "确认")
        conn.execute(text("UPDATE decisions SET content = :c, entry_hash = :h WHERE seq = 1"), {"c": forged, "h": review.chain_hash(content[1], forged)})
    assert "第 2 条" in (store.verify_decision_log() or "")


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_cli_review_round_trip(store, db_url) -> None:  # noqa: F811
    leads = record_flagged_batch(store)
    dup = leads[("A0001", "DUPLICATE_APPLICANT")]
    code, output = cli("review", "list", "--db", db_url)
    assert code == 0 and dup in output and "共 3 条" in output

    code, output = cli("review", "show", dup, "--db", db_url)
    full_id = store.lead(dup).id_number
    assert code == 0 and "相关档案：A0009" in output and mask_id(full_id) in output and full_id not in output

    code, output = cli("review", "confirm", dup, "--reason", "两单位重复申报", "--reviewer", "审核员甲", "--db", db_url)
    assert code == 0 and "列入黑名单" in output
    code, output = cli("review", "dismiss", leads[("A0003", "HOLDER_MISMATCH")], "--reason", "同名笔误", "--reviewer", "审核员乙", "--db", db_url)
    assert code == 0
    code, output = cli("review", "list", "--db", db_url)
    assert "共 1 条" in output
    code, output = cli("review", "verify", "--db", db_url)
    assert code == 0 and "日志完整：共 5 条" in output
    proc = run_dossier("blacklist", "check", full_id, "--db", db_url, check=False)
    assert proc.returncode == 7 and "跨地区" in proc.stdout and "Traceback" not in proc.stderr


def test_verify_exits_non_zero_on_a_broken_chain(tmp_path) -> None:
    """The exit code mapping is the CLI's, not the database's: one real subprocess, on SQLite."""
    from dossierflow.storage import open_store

    db_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = open_store(db_url)  # noqa: F811
    leads = record_flagged_batch(store)
    review.dismiss(store, leads[("A0001", "DUPLICATE_APPLICANT")], "误报", "审核员甲")
    assert run_dossier("review", "verify", "--db", db_url).returncode == 0
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET content = replace(content, '误报', '属实')"))
    proc = run_dossier("review", "verify", "--db", db_url, check=False)
    store.close()
    assert proc.returncode == 6 and "日志校验失败" in proc.stderr


def test_concurrent_reviewers_keep_one_chain(store) -> None:  # noqa: F811
    import threading

    batch = clean_batch(12)
    for ex in batch.values():
        ex.items("diploma")[0].holder = "他人"
    flags = {did: dossier_flags(ex, ctx(), THRESHOLD) for did, ex in batch.items()}
    store.record_dossiers("B1", 2020, batch, results_for(batch, flags), threshold=THRESHOLD)
    lead_ids = [lead.lead_id for lead in store.leads()]
    assert len(lead_ids) == 12
    errors: list[BaseException] = []

    def work(ids: list[str], reviewer: str) -> None:
        try:
            for lead_id in ids:
                review.dismiss(store, lead_id, "同名", reviewer)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(lead_ids[k::2], f"审核员{k}")) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert review.verify(store).count == 14  # start, the batch's leads, 12 decisions
    assert [d.seq for d in store.decisions()] == list(range(1, 13))
