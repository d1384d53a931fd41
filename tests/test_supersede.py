"""A unit's resubmission after a 补正 supersedes its first batch: the first batch's records stay
(the audit trail) but leave the cross-batch checks, the act is in the decision log, re-running the
original flags no one, and the same people in another unit's batch are still leads. SQLite and
PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import pytest

from dossierflow.batch import BatchInfo, load_batch_info
from dossierflow.errors import BatchInvalid, UsageError
from dossierflow.ingest import BatchInput
from dossierflow.pipeline import Extracted
from flows.stages import judge_and_record
from tests.conftest import run_dossier

try:
    from tests.test_integrity_support import clean_batch, db_url  # noqa: F401
except ImportError:
    from test_integrity_support import clean_batch, db_url  # noqa: F401

DAY = dt.date(2020, 7, 1)
QINGSHAN, DONGHE = "青山区人社局", "东河区人社局"
PEOPLE = clean_batch(8, seed=21)


def _run(url: str, batch_id: str, unit: str, supersedes: Optional[list[str]] = None) -> dict[str, list[str]]:
    """Judge and record the eight people as `batch_id`; dossier → its duplicate's batch ids."""
    info = BatchInfo(batch_id=batch_id, unit=unit, supersedes=supersedes or [])
    batch = BatchInput(batch_id=batch_id, root=Path("."), info=info, dossiers=[], skipped=[])
    judged, _ = judge_and_record(batch, [Extracted(did, extraction=ex) for did, ex in PEOPLE.items()], url, "baotou-2020", DAY)
    return {
        r.dossier_id: sorted(m["batch_id"] for f in r.flags if f.code == "DUPLICATE_APPLICANT" for m in f.details["matches"])
        for r in judged.results
        if any(f.code == "DUPLICATE_APPLICANT" for f in r.flags)
    }


def test_resubmission_supersedes_the_first_batch(db_url) -> None:  # noqa: F811
    from dossierflow.storage import open_store

    assert _run(db_url, "2020-qingshan-01", QINGSHAN) == {}
    # The unit's corrected batch under a new id, declaring what it replaces.
    assert _run(db_url, "2020-qingshan-01b", QINGSHAN, supersedes=["2020-qingshan-01"]) == {}
    # Re-running the original (a clerk's mistake, or a re-check) flags no one either.
    assert _run(db_url, "2020-qingshan-01", QINGSHAN) == {}
    assert _run(db_url, "2020-qingshan-01b", QINGSHAN, supersedes=["2020-qingshan-01"]) == {}
    # Another unit sending the same people: a lead each, against the live batch only.
    assert _run(db_url, "2020-donghe-01", DONGHE) == {did: ["2020-qingshan-01b"] for did in PEOPLE}

    with open_store(db_url) as store:
        recorded = store.recorded_batches()
        assert recorded["2020-qingshan-01"]["dossiers"] == 8  # kept for the audit trail
        acts = store.batch_acts()
        assert [(a.batch_id, a.superseded_by, a.reviewer) for a in acts] == [("2020-qingshan-01", "2020-qingshan-01b", "batch.yaml")]
        assert store.verify_decision_log() is None
        assert store.decisions() == []  # a batch act is not a decision on a lead
        open_leads = store.leads(code="DUPLICATE_APPLICANT")
    assert len(open_leads) == 8 and {lead.batch_id for lead in open_leads} == {"2020-donghe-01"}


def test_another_units_batch_cannot_supersede(db_url) -> None:  # noqa: F811
    from dossierflow.storage import open_store

    _run(db_url, "2020-qingshan-01", QINGSHAN)
    with pytest.raises(BatchInvalid, match="报送单位"):
        _run(db_url, "2020-donghe-01", DONGHE, supersedes=["2020-qingshan-01"])
    with pytest.raises(BatchInvalid, match="没有批次"):
        _run(db_url, "2020-qingshan-02", QINGSHAN, supersedes=["2020-qingshan-99"])
    with open_store(db_url) as store:
        # Refused as a whole: nothing of the refused runs was recorded or logged.
        assert sorted(store.recorded_batches()) == ["2020-qingshan-01"]
        assert store.batch_acts() == []
    assert _run(db_url, "2020-donghe-01", DONGHE) == {did: ["2020-qingshan-01"] for did in PEOPLE}


def test_retire_from_the_command_line(db_url) -> None:  # noqa: F811
    """The folder renamed and run again under a new id, without batch.yaml's word: the operator
    retires the old id; the next runs of either id flag no one, and the act is logged."""
    from dossierflow.storage import open_store

    _run(db_url, "2020-qingshan-01", QINGSHAN)
    assert set(_run(db_url, "2020-qingshan-renamed", QINGSHAN)) == set(PEOPLE)  # before the operator's word
    proc = run_dossier("batch", "retire", "2020-qingshan-01", "--by", "2020-qingshan-renamed", "--reason", "单位补正后重新报送",
                       "--reviewer", "李审核", "--db", db_url)
    assert "已停用" in proc.stdout
    assert _run(db_url, "2020-qingshan-renamed", QINGSHAN) == {}
    assert _run(db_url, "2020-qingshan-01", QINGSHAN) == {}
    again = run_dossier("batch", "retire", "2020-qingshan-01", "--by", "2020-qingshan-renamed", "--reason", "x", "--reviewer", "y",
                        "--db", db_url, check=False)
    assert again.returncode == 2 and "无需重复" in again.stderr
    listing = run_dossier("batch", "list", "--db", db_url).stdout
    assert "已被 2020-qingshan-renamed 替代" in listing
    with open_store(db_url) as store:
        [act] = store.batch_acts()
        assert (act.reviewer, act.reason) == ("李审核", "单位补正后重新报送")
        assert store.verify_decision_log() is None


def test_retire_refuses_another_units_batch(db_url) -> None:  # noqa: F811
    from dossierflow import batches
    from dossierflow.storage import open_store

    _run(db_url, "2020-qingshan-01", QINGSHAN)
    _run(db_url, "2020-donghe-01", DONGHE)
    with open_store(db_url) as store:
        with pytest.raises(UsageError, match="报送单位"):
            batches.retire(store, "2020-qingshan-01", "重新报送", "李审核", superseded_by="2020-donghe-01")
        assert store.batch_acts() == []


def test_batch_yaml_supersedes_one_or_many(tmp_path: Path) -> None:
    yaml_path = tmp_path / "batch.yaml"
    yaml_path.write_text("batch_id: 2020-qingshan-01b\nsupersedes: 2020-qingshan-01\n", encoding="utf-8")
    assert load_batch_info("x", yaml_path).supersedes == ["2020-qingshan-01"]
    yaml_path.write_text("supersedes: [2020-a, 2020-b]\n", encoding="utf-8")
    assert load_batch_info("x", yaml_path).supersedes == ["2020-a", "2020-b"]
    assert load_batch_info("x", None).supersedes == []


def test_a_retired_batchs_leads_leave_the_open_queue(db_url) -> None:  # noqa: F811
    """Another unit sent the same people first: the first batch and its resubmission each get
    eight leads, but only the live batch's eight wait for a reviewer."""
    from dossierflow.storage import open_store

    _run(db_url, "2020-donghe-01", DONGHE)
    assert len(_run(db_url, "2020-qingshan-01", QINGSHAN)) == 8
    assert len(_run(db_url, "2020-qingshan-01b", QINGSHAN, supersedes=["2020-qingshan-01"])) == 8
    with open_store(db_url) as store:
        assert {lead.batch_id for lead in store.leads(code="DUPLICATE_APPLICANT")} == {"2020-qingshan-01b"}
        assert len(store.leads(code="DUPLICATE_APPLICANT")) == 8
        assert len(store.leads(status="all", code="DUPLICATE_APPLICANT")) == 16  # the record keeps both
