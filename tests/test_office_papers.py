"""What the office sends out after a run: 补正通知 (Word) and the roster (Excel), opened with
python-docx and openpyxl and checked against results.jsonl of a real `dossier run`.

The batch is DOCX and text PDFs only (no OCR) so the run stays short."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from dossierflow.errors import ExitCode
from dossierflow.labels import STATUS_LABELS
from dossierflow.notices import Notice, NoticeItem, write_notices
from dossierflow.privacy import mask_id
from dossierflow.roster import build_roster
from fixtures.generate import generate_batch
from tests.conftest import read_results, run_dossier, traced_peak
from validators.rulebook import load_rulebook

pytestmark = pytest.mark.e2e

RUN_DATE = "2020-07-01"
SCENARIOS = "clean,fail:PLEDGE_SIGNED,fail:PHOTO_PRESENT,fail:CE_CARD_VALID,fail:SENIORITY,fail:ENTRUSTMENT_PRESENT"
RULES = load_rulebook().rules


def _doc_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def _table_rows(doc) -> list[list[str]]:
    return [[c.text for c in row.cells] for t in doc.tables for row in t.rows]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, dict]]:
    work = tmp_path_factory.mktemp("office")
    batch = work / "batch-office"
    generate_batch(batch, n=6, seed=5, forms=["docx", "text_pdf"], scenarios=SCENARIOS, damage="clean")
    out = work / "out"
    run_dossier("run", str(batch), "--out", str(out), "--no-db", "--date", RUN_DATE)
    return batch, out, read_results(out)


def _failed_materials(line: dict) -> list[dict]:
    # Batch rules return a dossier only where their finding on it is a materials one (not the
    # SUBMISSION_DEADLINE warning): written out here, not taken from the code under test.
    def returns(spec) -> bool:  # type: ignore[no-untyped-def]
        return spec.severity == "materials" or (spec.severity == "batch" and spec.code in ("BATCH_PAPERS", "POST_QUOTA"))

    return [f for f in line["findings"] if f["outcome"] == "fail" and returns(RULES[f["rule"]])]


def test_one_notice_per_returned_dossier_naming_each_failed_materials_rule(run) -> None:
    _, out, results = run
    returned = {did for did, line in results.items() if line["status"] == "returned"}
    assert len(returned) >= 3, {d: r["status"] for d, r in results.items()}
    per_dossier = {p.stem for p in (out / "notices").glob("*.docx") if p.stem in results}
    assert per_dossier == returned
    for did in returned:
        line = results[did]
        doc = Document(str(out / "notices" / f"{did}.docx"))
        text = _doc_text(doc)
        fields = {k: v["value"] for k, v in line["fields"].items()}
        assert fields["employer"] + "：" in text  # addressed to its unit
        assert fields["name"] in text and mask_id(fields["id_number"]) in text
        assert fields["id_number"] not in text  # never the full number
        assert "盖" in text and "年____月____日前" in text  # the seal and the deadline lines
        assert "{" not in text, "a placeholder was left unfilled"
        rows = _table_rows(doc)[1:]
        failed = _failed_materials(line)
        assert failed
        assert len(rows) == len(failed)
        for f, row in zip(failed, rows):
            spec = RULES[f["rule"]]
            assert row[1] == spec.name and row[2] == f["message"] and row[3] == spec.remedy and row[4] == f["clause"]


def test_no_notice_for_a_dossier_that_is_not_returned(run) -> None:
    _, out, results = run
    others = [did for did, line in results.items() if line["status"] != "returned"]
    assert others  # the batch has accepted and rejected dossiers too
    for did in others:
        assert not (out / "notices" / f"{did}.docx").exists()


def test_each_unit_file_gathers_its_notices(run) -> None:
    _, out, results = run
    unit_files = [p for p in (out / "notices").glob("*.docx") if p.stem not in results]
    returned = [line for line in results.values() if line["status"] == "returned"]
    units = {line["fields"]["employer"]["value"] for line in returned}
    assert len(unit_files) == len(units)
    gathered = "\n".join(_doc_text(Document(str(p))) for p in unit_files)
    for line in returned:
        assert f"材料编号 {line['dossier_id']}" in gathered
        for f in _failed_materials(line):
            assert f["message"] in gathered


def test_roster_has_one_row_per_dossier_matching_the_results(run) -> None:
    _, out, results = run
    wb = load_workbook(out / "roster.xlsx")
    ws = wb["花名册"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    assert ws.column_dimensions["E"].width >= 20
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert sorted(r["材料编号"] for r in rows) == sorted(results)
    for row in rows:
        line = results[row["材料编号"]]
        fields = {k: v["value"] for k, v in line["fields"].items()}
        assert row["姓名"] == fields["name"]
        assert row["身份证号码"] == mask_id(fields["id_number"])
        assert row["工作单位"] == fields["employer"]
        assert row["申报资格"] == fields["applied_title"]
        assert row["审核结论"] == STATUS_LABELS[line["status"]]
        failed = [RULES[f["rule"]].name for f in line["findings"] if f["outcome"] == "fail"]
        assert (row["不符合项目"] or "") == "、".join(failed)
    counts = wb["统计"]
    total = [r for r in counts.iter_rows(values_only=True) if r[0] == "合计"][0]
    assert total[-1] == len(results)
    header = [c.value for c in counts[1]]
    assert total[header.index("退回补正")] == sum(1 for r in results.values() if r["status"] == "returned")


def test_an_office_template_replaces_the_default(run, tmp_path: Path) -> None:
    batch, out, results = run
    template = tmp_path / "ours.docx"
    doc = Document()
    doc.add_paragraph("青山区人社局补正通知 致{unit}：{name}（{id_masked}）")
    doc.save(str(template))  # no item table: the items follow as paragraphs
    run_dossier("run", str(batch), "--out", str(out), "--no-db", "--date", RUN_DATE, "--notice-template", str(template))
    did = next(d for d, line in results.items() if line["status"] == "returned")
    text = _doc_text(Document(str(out / "notices" / f"{did}.docx")))
    assert text.startswith("青山区人社局补正通知 致" + results[did]["fields"]["employer"]["value"])
    for f in _failed_materials(results[did]):
        assert RULES[f["rule"]].name in text and f["message"] in text


def test_a_template_that_is_not_word_is_a_usage_error(run, tmp_path: Path) -> None:
    batch, out, _ = run
    bad = tmp_path / "bad.docx"
    bad.write_text("not a word file", encoding="utf-8")
    proc = run_dossier("run", str(batch), "--out", str(out), "--no-db", "--notice-template", str(bad), check=False)
    assert proc.returncode == ExitCode.USAGE
    assert "补正通知模板" in proc.stderr


# ------------------------------------------------------------------------- without a run


def _line(name: str) -> dict:
    return {
        "dossier_id": "A0001",
        "status": "returned",
        "fields": {"name": {"value": name}, "id_number": {"value": "150203199001011234"}, "employer": {"value": "+单位"}},
        "findings": [{"rule": "PLEDGE_SIGNED", "outcome": "fail", "clause": "二（一）4", "message": "@未签名", "sources": []}],
        "flags": [],
    }


def test_roster_keeps_formula_like_values_as_text() -> None:
    buf = io.BytesIO()
    build_roster([_line("=cmd|' /C calc'!A0")], {"PLEDGE_SIGNED": "-诚信"}, None).save(buf)
    ws = load_workbook(io.BytesIO(buf.getvalue()))["花名册"]
    row = {h.value: c for h, c in zip(ws[1], ws[2])}
    assert row["姓名"].value == "=cmd|' /C calc'!A0" and row["姓名"].data_type == "s"
    assert row["工作单位"].value == "+单位" and row["工作单位"].data_type == "s"
    assert row["不符合项目"].value == "-诚信" and row["不符合项目"].data_type == "s"
    assert row["身份证号码"].value == "150203********1234"
    assert row["序号"].data_type == "n"


def test_a_rewritten_folder_drops_notices_of_an_earlier_run(tmp_path: Path) -> None:
    from dossierflow import atomic
    from dossierflow.notices import DEFAULT_TEMPLATE

    item = NoticeItem(rule="诚信承诺书已签名", code="PLEDGE_SIGNED", problem="未签名", remedy="补交", clause="二（一）4", where="—")
    first = Notice("A0001", "甲单位", {"unit": "甲单位", "name": "张三"}, [item])
    write_notices(tmp_path, [first], DEFAULT_TEMPLATE.read_bytes(), atomic.write_bytes)
    assert (tmp_path / "notices" / "A0001.docx").exists()
    second = Notice("A0002", "乙/单位", {"unit": "乙/单位", "name": "李四"}, [item])
    write_notices(tmp_path, [second], DEFAULT_TEMPLATE.read_bytes(), atomic.write_bytes)
    assert sorted(p.name for p in (tmp_path / "notices").iterdir()) == ["A0002.docx", "乙_单位.docx"]


def test_the_run_ends_naming_the_report_the_notices_and_who_waits_for_a_person(run) -> None:
    batch, out, results = run
    proc = run_dossier("run", str(batch), "--out", str(out), "--no-db", "--date", RUN_DATE)
    last = proc.stderr.strip().splitlines()[-1]
    returned = sum(1 for r in results.values() if r["status"] == "returned")
    waiting = sum(1 for r in results.values() if r["status"] in ("integrity_review", "needs_review", "error"))
    assert f"共 {len(results)} 份档案" in last
    assert str(out / "report.html") in last and str(out / "notices") in last
    assert f"补正通知 {returned} 份" in last and f"需人工处理 {waiting} 份" in last


def test_summary_counts_who_needs_a_person() -> None:
    from dossierflow.run_summary import summary_line

    line = summary_line({"dossiers": 5, "counts": {"accepted": 1, "returned": 2, "needs_review": 1, "integrity_review": 1}}, Path("/o"))
    assert line.startswith("共 5 份档案（诚信复核 1，退回补正 2，待人工审核 1，通过 1）")
    assert "补正通知 2 份：/o/notices" in line and "需人工处理 2 份" in line and "/o/report.html" in line


def test_reports_print_to_a4_pdf_in_chromium(run) -> None:
    import pypdf
    import pypdfium2

    batch, out, results = run
    run_dossier("run", str(batch), "--out", str(out), "--no-db", "--date", RUN_DATE, "--pdf")
    assert (out / "report.pdf").exists()
    for did in results:
        pdf = out / did / "report.pdf"
        reader = pypdf.PdfReader(str(pdf))
        box = reader.pages[0].mediabox
        assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2, (did, box)
        assert 1 <= len(reader.pages) <= 3, (did, len(reader.pages))
        # Kept for a person to look at (pytest keeps the last runs' temporary folders).
        doc = pypdfium2.PdfDocument(str(pdf))
        for i in range(len(doc)):
            doc[i].render(scale=1).to_pil().save(out / did / f"report-page{i + 1}.png")
        doc.close()
    print(f"report pages as PNG under {out}")


def test_a_dossier_returned_for_an_unreadable_file_gets_a_notice_saying_which() -> None:
    from dossierflow.notices import notice_for

    line = {**_line("王秀英"), "findings": [], "message": "附件3.pdf：文件已加密，无法读取"}
    notice = notice_for(line, RULES, batch_id="b1", batch_unit=None, policy="p", date_text="2020年7月1日")
    assert [i.problem for i in notice.items] == ["附件3.pdf：文件已加密，无法读取"]
    assert notice.unit == "+单位" and notice.fields["id_masked"] == "150203********1234"


def test_the_roster_holds_no_row_of_the_batch() -> None:
    """The roster's peak does not grow with the batch: its rows are written as they are made
    (cells held for every row cost about 4 KiB a row). tracemalloc's peak, not time; the lines
    are made before it starts (a run streams them from results.jsonl)."""

    def peak_of(n: int) -> int:
        lines = [{**_line(f"申报人{i}"), "dossier_id": f"A{i:04d}"} for i in range(n)]
        return traced_peak(lambda: build_roster(lines, {"PLEDGE_SIGNED": "-诚信"}, None).save(io.BytesIO()))

    peak_of(10)  # first-use imports aside
    small, large = peak_of(200), peak_of(2000)
    # What does grow: the saved file itself (compressed, tens of bytes a row) and the counts; the
    # bar leaves room for what other threads of a test worker allocate meanwhile.
    assert (large - small) / 1800 < 1024, f"{(large - small) / 1800:.0f} bytes a row"


def test_a_units_gathered_notices_keep_each_notice_body_not_its_document(tmp_path: Path) -> None:
    """A unit's notices are gathered into one document: what that holds per returned dossier is
    the notice's body, not a whole rendered document (about half a megabyte each, which a
    city's batch with hundreds returned from one unit could not afford), and the rendered
    documents dropped are collected as the notices go. tracemalloc's peak."""
    from dossierflow import atomic
    from dossierflow.notices import DEFAULT_TEMPLATE, notice_for

    template = DEFAULT_TEMPLATE.read_bytes()

    def peak_of(n: int) -> int:
        notices = [notice_for({**_line(f"申报人{i}"), "dossier_id": f"A{i:04d}"}, RULES, batch_id="b1", batch_unit=None,
                              policy="p", date_text="2020年7月1日") for i in range(n)]
        (tmp_path / f"out-{n}").mkdir()
        return traced_peak(lambda: write_notices(tmp_path / f"out-{n}", notices, template, atomic.write_bytes))

    peak_of(2)  # first-use imports aside
    small, large = peak_of(40), peak_of(120)
    assert (large - small) / 80 < 64 * 1024, f"{(large - small) / 80 / 1024:.0f} KiB a notice"
    (unit_file,) = [f for f in (tmp_path / "out-120" / "notices").iterdir() if not f.name.startswith("A")]
    text = "".join(p.text for p in Document(str(unit_file)).paragraphs)
    text += "".join(c.text for t in Document(str(unit_file)).tables for row in t.rows for c in row.cells)
    assert all(f"申报人{i}" in text for i in range(120))  # every notice is in the unit's document
