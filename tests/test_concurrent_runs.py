"""Two runs judging at the same moment against one database (PostgreSQL and SQLite), the same
eight people under two batch ids: the check-and-record step is atomic per policy year, so the run
that commits second sees the first and flags all eight as DUPLICATE_APPLICANT."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from pathlib import Path

import pytest

try:
    from tests.test_integrity_support import clean_batch, db_url  # noqa: F401
except ImportError:
    from test_integrity_support import clean_batch, db_url  # noqa: F401

DAY = dt.date(2020, 7, 1)


def _judge_at_once(url: str, batch_id: str, unit: str, barrier, found) -> None:
    """One run's judging stage, in its own process, started together with the other's."""
    from dossierflow.batch import BatchInfo
    from dossierflow.ingest import BatchInput
    from dossierflow.pipeline import Extracted
    from flows.stages import judge_and_record
    from validators.rulebook import load_rulebook

    load_rulebook("baotou-2020")  # imports and parsing done before the start line
    extractions = clean_batch(8, seed=11)
    batch = BatchInput(batch_id=batch_id, root=Path("."), info=BatchInfo(batch_id=batch_id, unit=unit), dossiers=[], skipped=[])
    ordered = [Extracted(did, extraction=ex) for did, ex in extractions.items()]
    barrier.wait(timeout=120)
    judged, _ = judge_and_record(batch, ordered, url, "baotou-2020", DAY)
    found[batch_id] = sorted(r.dossier_id for r in judged.results if any(f.code == "DUPLICATE_APPLICANT" for f in r.flags))


@pytest.mark.timeout(300)
def test_two_runs_racing_flag_every_duplicate(db_url) -> None:  # noqa: F811
    from dossierflow.storage import open_store

    open_store(db_url).close()  # the schema exists before either run (first-use migration is not raced here)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    with ctx.Manager() as manager:
        found = manager.dict()
        runs = [
            ctx.Process(target=_judge_at_once, args=(db_url, batch_id, unit, barrier, found))
            for batch_id, unit in (("2020-qingshan-01", "青山区人社局"), ("2020-donghe-01", "东河区人社局"))
        ]
        for p in runs:
            p.start()
        for p in runs:
            p.join(timeout=240)
        assert [p.exitcode for p in runs] == [0, 0]
        flagged = dict(found)
    everyone = sorted(clean_batch(8, seed=11))
    # Whichever committed first saw an empty year; the other must see all of it.
    assert sorted(flagged.values(), key=len) == [[], everyone]

    with open_store(db_url) as store:
        leads = store.leads(status="all", code="DUPLICATE_APPLICANT")
    assert len(leads) == 8
    assert len({lead.batch_id for lead in leads}) == 1
