"""A run holds one dossier's extraction at a time, not the batch's: judging reads each back from
the extraction cache when it comes to it, and its result lines go to OUT as they are made.

The extractions alive in the process are counted (via the garbage collector) each time a
dossier's own rules are judged and each time a dossier's status is derived, on a real generated
batch run through the run's own stages with a real SQLite database.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.models import DossierExtraction
from dossierflow.pipeline import extract_slim, judge_batch
from fixtures.generate import generate_batch
from flows.stages import finish, list_batch
from tests.conftest import AliveSince

DAY = dt.date(2020, 7, 1)
N = 6


@pytest.fixture(scope="module")
def batch_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("streamed") / "batch"
    generate_batch(path, n=N, seed=41, forms=["docx", "text_pdf"], damage="clean")
    return path


def _counting(monkeypatch: pytest.MonkeyPatch, live: AliveSince) -> dict[str, list[int]]:
    """Live extractions, beyond those alive before the run, at each dossier's own rules and at
    each status derived: the pipeline's own names are patched (it imports both at its top)."""
    import dossierflow.pipeline

    seen: dict[str, list[int]] = {"rules": [], "status": []}
    evaluate, derive = dossierflow.pipeline.evaluate_dossier, dossierflow.pipeline.derive_status

    def counted_evaluate(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen["rules"].append(live())
        return evaluate(*args, **kwargs)

    def counted_derive(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen["status"].append(live())
        return derive(*args, **kwargs)

    monkeypatch.setattr(dossierflow.pipeline, "evaluate_dossier", counted_evaluate)
    monkeypatch.setattr(dossierflow.pipeline, "derive_status", counted_derive)
    return seen


def _read(batch_path: Path, out: Path, limits: Limits):  # type: ignore[no-untyped-def]
    """The batch listed and every dossier read into `out`'s cache: its outcomes, slim."""
    batch, outcomes, pending = list_batch(batch_path, out, limits)
    cache = ExtractionCache(out)
    for d in pending:
        outcomes[d.dossier_id] = extract_slim(d, limits, cache)
    return batch, outcomes, cache


def test_a_run_holds_one_extraction_at_a_time(batch_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    limits = Limits.from_env()
    # Other tests in this process may keep extractions of their own alive (module fixtures):
    # only what this run adds counts.
    live = AliveSince(DossierExtraction)
    batch, outcomes, cache = _read(batch_path, out, limits)
    # The run's outcomes hold no extraction: each is parked in the cache.
    assert live() == 0
    assert all(o.extraction is None and o.key for o in outcomes.values())

    seen = _counting(monkeypatch, live)
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    summary = finish(out, batch, outcomes, db, "baotou-2020", DAY)

    assert len(seen["rules"]) == N and len(seen["status"]) == N
    # The dossier being judged (and at most the one just handed to the database and writers):
    # a run that held the batch's extractions would count N here.
    assert max(seen["rules"]) <= 2, seen
    assert max(seen["status"]) <= 2, seen
    lines = [json.loads(t) for t in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["dossier_id"] for line in lines] == [d.dossier_id for d in batch.dossiers]
    assert all(line["status"] != "error" and line["fields"] for line in lines)
    assert sum(summary["counts"].values()) == N
    assert not (out / ".results.jsonl.part").exists()  # the lines file became results.jsonl


def test_streamed_results_are_those_judged_in_memory(batch_path: Path, tmp_path: Path) -> None:
    """The run's streamed results.jsonl says what judging every dossier held in memory says."""
    from dossierflow.results import result_line

    out = tmp_path / "out"
    limits = Limits.from_env()
    batch, outcomes, cache = _read(batch_path, out, limits)
    finish(out, batch, outcomes, None, "baotou-2020", DAY)
    streamed = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()

    held = [extract_slim(d, limits, cache) for d in batch.dossiers]
    for o in held:
        o.extraction = cache.get(o.key).slim()  # type: ignore[arg-type, union-attr]
    judged = judge_batch(batch, held, "baotou-2020", DAY)
    in_memory = [json.loads(json.dumps(result_line(r), ensure_ascii=False)) for r in judged.results]
    assert len(streamed) == N

    def judged_alike(line: dict) -> dict:  # how long reading took, and whether it was reused, aside
        return {**line, "stats": {k: v for k, v in line["stats"].items() if k not in ("seconds", "reused")}}

    assert [judged_alike(json.loads(t)) for t in streamed] == [judged_alike(line) for line in in_memory]


def test_judging_holds_no_model_per_dossier_between_its_two_looks(batch_path: Path, tmp_path: Path) -> None:
    """Between judging a dossier's own rules and making its result, a run holds of it only
    packed data (its judgement and batch-rule findings as compressed JSON, its fingerprint as
    tuples): no model of the dossier's, nor of its extraction, and still every batch rule in
    its result."""
    from pydantic import BaseModel

    from dossierflow.pipeline import BatchJudging

    out = tmp_path / "out"
    limits = Limits.from_env()
    batch, outcomes, cache = _read(batch_path, out, limits)
    judging = BatchJudging(batch, [outcomes[d.dossier_id] for d in batch.dossiers], "baotou-2020", DAY, cache=cache)

    def models(value: object, depth: int = 0) -> int:
        if isinstance(value, BaseModel):
            return 1
        if depth > 6 or isinstance(value, (str, bytes)):
            return 0
        if isinstance(value, dict):
            return sum(models(v, depth + 1) for v in value.values())
        if isinstance(value, (list, tuple)):
            return sum(models(v, depth + 1) for v in value)
        return sum(models(v, depth + 1) for v in getattr(value, "__dict__", {}).values())

    per_dossier = {k: v for k, v in vars(judging).items() if isinstance(v, dict) and set(v) == {d.dossier_id for d in batch.dossiers}}
    assert {"held", "prints"} <= set(per_dossier), sorted(per_dossier)
    assert {k: models(v) for k, v in per_dossier.items()} == {k: 0 for k in per_dossier}
    # The batch's own findings (a few, whatever its size) stay; nothing per dossier.
    assert models(judging.batch_eval.batch_rules) == 0 and models(judging.batch_eval.post_quota) == 0
    batch_codes = {"POST_QUOTA", "BATCH_PAPERS", "SUBMISSION_DEADLINE"}
    for result in judging.results():
        assert batch_codes <= {f.rule for f in result.findings}, result.dossier_id
