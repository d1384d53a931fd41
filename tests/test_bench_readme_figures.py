"""bench/readme_figures.py prints the README's accuracy rows from bench/accuracy.py's JSON. Fed a
saved measurement of a small hand-scored batch (no OCR, no run), each row must say the figures
the scoring counted, its date, code and dossier count, and stay one markdown table row."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.scoring import score
from fixtures.truth import BatchTruth, DossierTruth

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import readme_figures  # noqa: E402  (bench/ is not a package)
from accuracy import summary  # noqa: E402

STAMP = {"date": "2026-12-04", "commit": "b3a0f80", "extractor": "extract-7413439c1d0f",
         "rulebook": "baotou-2020@ee6901c6"}


def _measurement() -> dict:
    """Three dossiers scored for real: one right, one `returned` instead of `rejected` with its
    SENIORITY fail missed, one `needs_review` with a FORMS_CONSISTENT review and its TEXT_REUSE
    flag found; A1 also raises a TEXT_REUSE the truth lacks."""
    truth = BatchTruth(batch_id="b", seed=0, dossiers=[
        DossierTruth(dossier_id="A1", scenario="clean", form="docx", entry="A1", fields={"name": "张三", "birth_date": "1980-05-01"},
                     field_forms={"name": "docx", "birth_date": "docx"}, documents=[], evidence=[], expected_status="accepted"),
        DossierTruth(dossier_id="A2", scenario="fail:SENIORITY", form="docx", entry="A2", fields={"name": "李四"},
                     field_forms={"name": "docx"}, documents=[], evidence=[], expected_status="rejected", expected_fail_rules=["SENIORITY"]),
        DossierTruth(dossier_id="A3", scenario="flag:TEXT_REUSE", form="docx", entry="A3", fields={"name": "王五"},
                     field_forms={"name": "docx"}, documents=[], evidence=[], expected_status="integrity_review", expected_flags=["TEXT_REUSE"]),
    ])
    results = {
        "A1": {"dossier_id": "A1", "status": "accepted", "fields": {"name": {"value": "张三"}, "birth_date": {"value": "1980-05"}},
               "findings": [{"rule": "SENIORITY", "outcome": "pass"}], "flags": [{"code": "TEXT_REUSE"}]},
        "A2": {"dossier_id": "A2", "status": "returned", "fields": {"name": {"value": "李四"}},
               "findings": [{"rule": "SENIORITY", "outcome": "pass"}], "flags": []},
        "A3": {"dossier_id": "A3", "status": "needs_review", "fields": {"name": {"value": "王五"}},
               "findings": [{"rule": "FORMS_CONSISTENT", "outcome": "review"}], "flags": [{"code": "TEXT_REUSE"}]},
    }
    scored = [("seed 1", score(results, truth).as_dict())]
    # Through JSON, as bench/accuracy.py --json writes it.
    return json.loads(json.dumps({"summary": summary(scored), "batches": dict(scored)}, ensure_ascii=False))


def test_an_accuracy_row_says_what_the_scoring_counted() -> None:
    row = readme_figures.BY_NAME["docx_scenarios"]
    line = readme_figures.markdown_row(row, _measurement(), STAMP)
    assert line == (
        "| DOCX/text PDF, every rule and flag scenario, second layouts drawn per dossier "
        "| 2026-12-04, b3a0f80 (extract-7413439c1d0f, baotou-2020@ee6901c6), 3 dossiers: "
        "fields 3/4, status 1/3, **3 decisive errors** (status 1, rule 1, flag 1: A1 flag TEXT_REUSE raised (truth absent); "
        "A2 status returned (truth rejected); A2 rule SENIORITY pass (truth fail)), needs_review 1, "
        "rule reviews the truth does not ask for: FORMS_CONSISTENT 1, rule `fail` 0 right, 0 false, 1 missed, "
        "flags 1/1, 1 false (TEXT_REUSE 1/1) "
        "| `bench/accuracy.py --seeds 5038 --n 41 --forms docx,text_pdf --scenarios all --layouts mixed --workers 1` "
        "| 100%, 0 decisive errors |"
    )


def test_cross_leads_row_and_a_saved_measurement_printed_again(tmp_path: Path) -> None:
    cross = {"cross_leads": [
        {"seed": 5042, "dossiers": 2000, "false_leads": {"TEXT_REUSE": 0, "SHARED_PHONE": 1, "DUPLICATE_ATTACHMENT": 0}},
        {"seed": 5043, "dossiers": 2000, "recall": {"TEXT_REUSE": [20, 20], "SHARED_PHONE": [19, 20]},
         "false_leads": {"TEXT_REUSE": 0, "SHARED_PHONE": 0}},
    ]}
    (tmp_path / "cross_leads.json").write_text(json.dumps({"row": "cross_leads", "stamp": STAMP, "measurement": cross}),
                                               encoding="utf-8")
    (tmp_path / "docx_scenarios.json").write_text(
        json.dumps({"row": "docx_scenarios", "stamp": STAMP, "measurement": _measurement()}, ensure_ascii=False),
        encoding="utf-8")
    shown = subprocess.run([sys.executable, str(ROOT / "bench" / "readme_figures.py"), "--from-json", str(tmp_path),
                            "--only", "docx_scenarios,cross_leads,phone"], capture_output=True, text=True,
                           check=True).stdout
    table = shown.split("\n\n", 1)[1].splitlines()
    assert table[0] == "| what | measured (date, code, dossiers: figures) | command (seeds) | target |"
    assert len(table) == 5 and all(line.count(" | ") == 3 for line in table[2:])
    # No measurement kept for the phone row: it says so, with its command, and no figures.
    assert table[4] == ("| phone-app scans, second layouts drawn per dossier "
                        "| to be measured on merged main (`bench/readme_figures.py --only phone`) "
                        f"| `bench/accuracy.py {' '.join(readme_figures.BY_NAME['phone'].args)}` "
                        "| 0 decisive errors; fields ≥ 97%, status ≥ 90% |")
    assert "3 decisive errors" in table[2]
    assert ("4000 dossiers: honest seed 5042 (2000 dossiers): **1 false leads** (SHARED_PHONE 1, TEXT_REUSE 0 pairs); "
            "planted seed 5043 (2000 dossiers): recall 39/40 (SHARED_PHONE 19/20, TEXT_REUSE 20/20), "
            "**0 false leads**; DUPLICATE_ATTACHMENT not measured (no page images) |") in table[3]


def test_only_refuses_a_row_it_does_not_define() -> None:
    assert [r.name for r in readme_figures.choose("phone,scan_clean")] == ["phone", "scan_clean"]
    with pytest.raises(SystemExit, match="no such row: scans"):
        readme_figures.choose("scans")


def test_every_row_runs_on_evaluation_seeds() -> None:
    """A README figure is reported on evaluation seeds only (bench/seeds.md)."""
    from accuracy import parse_seeds, seeds_from

    evaluation = set(seeds_from("eval"))
    for row in readme_figures.ROWS:
        args = list(row.args)
        seeds = parse_seeds(args[args.index("--seeds") + 1])
        if "--planted-seed" in args:
            seeds.append(int(args[args.index("--planted-seed") + 1]))
        assert set(seeds) <= evaluation, row.name
