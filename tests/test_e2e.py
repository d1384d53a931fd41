"""End to end: generated dossiers of every form through the real `dossier run` (Prefect flow,
real Tesseract, SQLite), checked against the contract's schema and the generator's truth."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dossierflow.schema import validate_line
from extractors.version import extractor_version
from fixtures.generate import generate_batch
from fixtures.scoring import score
from fixtures.truth import BatchTruth
from tests.conftest import read_results, run_dossier

pytestmark = pytest.mark.e2e

RUN_DATE = "2020-07-01"


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BatchTruth]:
    root = tmp_path_factory.mktemp("e2e") / "batch-2020-e2e"
    truth = generate_batch(
        root,
        n=7,
        seed=11,
        forms=["docx", "text_pdf", "scan", "bound_pdf", "zip", "mixed"],
        scenarios="fail:PLEDGE_SIGNED",
        damage="clean",
    )
    return root, truth


@pytest.fixture(scope="module")
def first_run(batch: tuple[Path, BatchTruth], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root, _ = batch
    work = tmp_path_factory.mktemp("e2e-out")
    out = work / "out"
    run_dossier("run", str(root), "--out", str(out), "--db", f"sqlite:///{work / 'db.sqlite'}", "--date", RUN_DATE)
    return out


def test_every_dossier_has_one_valid_line(batch: tuple[Path, BatchTruth], first_run: Path) -> None:
    root, truth = batch
    results = read_results(first_run)
    assert sorted(results) == sorted(d.dossier_id for d in truth.dossiers)
    for line in results.values():
        validate_line(line)
        assert line["status"] != "error", line.get("message")
        # The extractor that made it is named by the hash of its files (extractors/version.py).
        assert line["versions"]["extractor"] == extractor_version()
        # Every finding cites its clause; every rule of the rulebook is there exactly once.
        rules = [f["rule"] for f in line["findings"]]
        assert len(rules) == len(set(rules)) == 27
        assert all(f["clause"] for f in line["findings"])
        # Provenance points at a real file of the batch.
        for fv in line["fields"].values():
            assert (root / fv["source"]["file"]).exists() or ".zip/" in fv["source"]["file"]


def test_reading_matches_the_truth(batch: tuple[Path, BatchTruth], first_run: Path) -> None:
    _, truth = batch
    report = score(read_results(first_run), truth)
    # The accuracy targets are measured by bench/accuracy.py on larger batches; here a floor
    # that a real regression in reading, classifying or judging would break.
    assert report.fields.value is not None and report.fields.value >= 0.95, report.render()
    assert report.documents.value is not None and report.documents.value >= 0.9, report.render()
    assert report.rules["PLEDGE_SIGNED"].recall == 1.0, report.render()


def test_each_dossier_gets_the_verdict_its_truth_has(batch: tuple[Path, BatchTruth], first_run: Path) -> None:
    """The status and every rule's outcome, as the generator's truth states them: a false fail or
    a needless review on a clean dossier fails here, whatever the reading rates above."""
    _, truth = batch
    results = read_results(first_run)
    wrong = []
    for d in truth.dossiers:
        line = results[d.dossier_id]
        outcomes = {f["rule"]: f["outcome"] for f in line["findings"]}
        expected = {rule: "fail" for rule in d.expected_fail_rules}
        expected.update({rule: "review" for rule in d.expected_review_rules})
        for rule, got in sorted(outcomes.items()):
            want = expected.get(rule)
            if want is None and got not in ("pass", "not_applicable"):
                wrong.append(f"{d.dossier_id} ({d.scenario}) {rule}: {got}, truth has pass or not_applicable")
            elif want is not None and got != want:
                wrong.append(f"{d.dossier_id} ({d.scenario}) {rule}: {got}, truth has {want}")
        missing = sorted(set(expected) - set(outcomes))
        if missing:
            wrong.append(f"{d.dossier_id}: no finding for {missing}")
        if line["status"] != d.expected_status:
            wrong.append(f"{d.dossier_id} ({d.scenario}) status {line['status']}, truth has {d.expected_status}")
        flags = sorted(f["code"] for f in line["flags"])
        if flags != sorted(d.expected_flags):
            wrong.append(f"{d.dossier_id} ({d.scenario}) flags {flags}, truth has {sorted(d.expected_flags)}")
    assert not wrong, "\n".join(wrong)


def test_outputs_besides_results(first_run: Path) -> None:
    summary = json.loads((first_run / "batch.json").read_text(encoding="utf-8"))
    assert summary["dossiers"] == 7 and sum(summary["counts"].values()) == 7
    assert any(f["rule"] == "BATCH_PAPERS" for f in summary["findings"])
    results = read_results(first_run)
    for did, line in results.items():
        html = (first_run / did / "report.html").read_text(encoding="utf-8")
        full_id = (line["fields"].get("id_number") or {}).get("value")
        if full_id:
            assert full_id not in html
            assert full_id[:6] in html and full_id[-4:] in html
    assert "档案明细" in (first_run / "report.html").read_text(encoding="utf-8")


def test_rerun_reuses_and_a_changed_file_is_read_again(
    batch: tuple[Path, BatchTruth], first_run: Path, tmp_path: Path
) -> None:
    root, _ = batch
    copy = tmp_path / root.name
    shutil.copytree(root, copy)
    out = tmp_path / "out"
    shutil.copytree(first_run, out)  # the cache travels with OUT; keys are content, not paths
    first = read_results(first_run)

    run_dossier("run", str(copy), "--out", str(out), "--no-db", "--date", RUN_DATE)
    again = read_results(out)
    assert all(line["stats"]["reused"] for line in again.values())
    assert {k: v["status"] for k, v in again.items()} == {k: v["status"] for k, v in first.items()}

    # Change one file of one dossier folder: only that dossier is read again.
    target = next(p for p in sorted((copy / "A0002").iterdir()) if p.suffix == ".pdf")
    target.write_bytes(target.read_bytes() + b"\n% appended by the test\n")
    run_dossier("run", str(copy), "--out", str(out), "--no-db", "--date", RUN_DATE)
    third = read_results(out)
    assert [k for k, v in third.items() if not v["stats"]["reused"]] == ["A0002"]


def test_audit_of_scans_rederives_the_same_results(
    batch: tuple[Path, BatchTruth], first_run: Path, tmp_path: Path
) -> None:
    # The spot check reads the whole batch again (batch-level rules need it), so one audit of the
    # scanned batch is what this file affords: reading by OCR must come out the same twice.
    # Tampering is caught in tests/test_spot_check.py on a Word batch.
    root, _ = batch
    out = tmp_path / "out"
    shutil.copytree(first_run, out)
    ok = run_dossier("audit", "run", str(out), "--batch", str(root), "--seed", "4", "--size", "2", "--no-db", "--auditor", "审计员甲")
    assert "不一致" not in ok.stderr
    report = json.loads(next((out / "audits").glob("audit-*-seed4-size2.json")).read_text(encoding="utf-8"))
    assert report["ok"] and len(report["sampled"]) == 2 and not report["batch_differences"]
