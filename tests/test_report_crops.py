"""OUT/<id>/crops/: the report shows the page region of each undecided finding and lead.

Unit tests write one dossier's crops from a real scanned PDF page; the end-to-end test runs
`dossier run` on a text-PDF and DOCX batch (no OCR, so it stays short) and opens the report."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dossierflow.crops import region_png
from dossierflow.report_crops import CROP_DPI, CROP_LIMITS, MARGIN_PT, MAX_CROPS_PER_DOSSIER, crop_name, write_crops
from fixtures.generate import generate_batch
from tests.conftest import read_results, run_dossier
from tests.test_crops import A4_PX_200, BAR_PX, _bar_bbox, _bar_page, _scanned_pdf


def _line(findings: list[dict], flags: list[dict] | None = None) -> dict:
    return {"dossier_id": "A0001", "findings": findings, "flags": flags or []}


def _finding(rule: str, outcome: str, bbox: list[float] | None, file: str = "A0001/scan.pdf") -> dict:
    src = {"file": file, "page": 1}
    if bbox is not None:
        src["bbox"] = bbox
    return {"rule": rule, "outcome": outcome, "clause": "一（一）", "message": "", "sources": [src]}


@pytest.fixture
def scan(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "batch" / "A0001").mkdir(parents=True)
    path = _scanned_pdf(tmp_path / "batch" / "A0001" / "scan.pdf", _bar_page())
    return {"A0001/scan.pdf": path}


def test_failed_and_review_findings_and_leads_get_crops_passes_do_not(tmp_path, scan):
    out = tmp_path / "out"
    blank = [0, 0, 100, 50]  # a region with no ink: a different crop from the bar
    line = _line(
        [_finding("PLEDGE_SIGNED", "fail", _bar_bbox()), _finding("SENIORITY", "review", blank),
         _finding("PHOTO_PRESENT", "pass", [200, 300, 260, 340]), _finding("EVAL_FORM_PRESENT", "fail", None),
         {"rule": "FORMS_CONSISTENT", "outcome": "fail", "clause": "", "message": "",
          "sources": [{"file": "A0001/form.docx", "page": None, "locator": "table 1, row 2, cell 2"}]}],
        [{"code": "PDF_EDITED", "message": "", "sources": [{"file": "A0001/scan.pdf", "page": 1, "bbox": _bar_bbox()}]}],
    )
    shown = write_crops(out, line, scan)
    crops = sorted(p.name for p in (out / "A0001" / "crops").iterdir())
    fail_src, review_src, pass_src, page_src, docx_src = (f["sources"][0] for f in shown["findings"])
    # The bar is cited twice (a failed rule and a lead): rendered once.
    assert crops == sorted({crop_name(s) for s in (fail_src, review_src, page_src)})
    assert fail_src["crop"] == f"crops/{crop_name(fail_src)}"
    assert shown["flags"][0]["sources"][0]["crop"] == fail_src["crop"]
    assert "crop" in review_src and "crop" not in pass_src and "crop" not in docx_src
    # A page cited without a region is shown whole, small.
    whole = Image.open(out / "A0001" / page_src["crop"])
    assert whole.size == pytest.approx((A4_PX_200[0] / 4, A4_PX_200[1] / 4), abs=2)  # 50 DPI
    assert "crop" not in line["findings"][0]["sources"][0]  # the result line itself is untouched
    # The file is the region: the bar, with the margin white around it.
    image = Image.open(out / "A0001" / fail_src["crop"])
    assert (out / "A0001" / fail_src["crop"]).read_bytes() == region_png(
        scan["A0001/scan.pdf"].parent, {"file": "scan.pdf", "page": 1, "bbox": fail_src["bbox"]}, dpi=CROP_DPI, margin_pt=MARGIN_PT,
        limits=CROP_LIMITS,
    )
    dark = np.asarray(image.convert("L")) < 128
    scale = image.width / ((BAR_PX[2] - BAR_PX[0]) * 72 / 200 + 2 * MARGIN_PT)
    assert dark.sum() == pytest.approx((BAR_PX[2] - BAR_PX[0]) * (BAR_PX[3] - BAR_PX[1]) * (scale * 72 / 200) ** 2, rel=0.05)


def test_a_rerun_drops_crops_no_longer_cited_and_a_dossier_with_none_has_no_folder(tmp_path, scan):
    out = tmp_path / "out"
    write_crops(out, _line([_finding("PLEDGE_SIGNED", "fail", _bar_bbox())]), scan)
    assert len(list((out / "A0001" / "crops").iterdir())) == 1
    write_crops(out, _line([_finding("PLEDGE_SIGNED", "pass", _bar_bbox())]), scan)
    assert not (out / "A0001" / "crops").exists()


def test_a_crop_that_cannot_be_made_is_left_out_not_raised(tmp_path, scan):
    out = tmp_path / "out"
    line = _line([
        _finding("PLEDGE_SIGNED", "fail", _bar_bbox(), file="A0001/gone.pdf"),  # not an input file
        _finding("SENIORITY", "fail", [5000, 5000, 5100, 5100]),  # off the page
        _finding("PHOTO_PRESENT", "fail", _bar_bbox()),
    ])
    shown = write_crops(out, line, {**scan, "A0001/gone.pdf": scan["A0001/scan.pdf"].with_name("gone.pdf")})
    assert [("crop" in f["sources"][0]) for f in shown["findings"]] == [False, False, True]


def test_crops_per_dossier_are_capped(tmp_path, scan):
    boxes = [[10 + i * 5, 10, 14 + i * 5, 14] for i in range(MAX_CROPS_PER_DOSSIER + 5)]
    shown = write_crops(tmp_path / "out", _line([_finding("CLAIMS_SUPPORTED", "fail", b) for b in boxes]), scan)
    assert len(list((tmp_path / "out" / "A0001" / "crops").iterdir())) == MAX_CROPS_PER_DOSSIER
    assert sum("crop" in f["sources"][0] for f in shown["findings"]) == MAX_CROPS_PER_DOSSIER


@pytest.mark.e2e
def test_run_writes_crops_and_the_report_shows_them_beside_their_findings(tmp_path):
    batch = tmp_path / "batch"
    generate_batch(batch, n=0, seed=5, forms=["text_pdf", "docx"], damage="clean",
                   scenarios="fail:PLEDGE_SIGNED,fail:SENIORITY,fail:FORMS_CONSISTENT,clean")
    out = tmp_path / "out"
    run_dossier("run", str(batch), "--out", str(out), "--no-db", "--date", "2020-07-01")
    results = read_results(out)
    shown_any = False
    for did, line in results.items():
        report = (out / did / "report.html").read_text(encoding="utf-8")
        imgs = re.findall(r'<img class="crop" src="(crops/[0-9a-f]{16}\.png)"', report)
        for src in imgs:
            png = (out / did / src).read_bytes()
            assert Image.open(io.BytesIO(png)).size[0] > 10
        cited = {crop_name(s) for f in line["findings"] if f["outcome"] in ("fail", "review")
                 for s in f["sources"] if s.get("bbox") or s.get("page")}
        cited |= {crop_name(s) for f in line["flags"] for s in f["sources"] if s.get("bbox") or s.get("page")}
        assert {Path(s).name for s in imgs} == cited, did
        crops_dir = out / did / "crops"
        assert sorted(p.name for p in crops_dir.iterdir()) == sorted(cited) if cited else not crops_dir.exists()
        shown_any |= bool(imgs)
        # In the rules table each picture sits in its finding's row, beside the rule's clause.
        rules_table = report.split("<h2>规则审核</h2>", 1)[1].split("<h2>", 1)[0]
        for row in re.findall(r"<tr>(.*?)</tr>", rules_table, flags=re.S):
            if 'class="crop"' in row:
                assert re.search(r'class="(fail|review) nowrap"', row), row
                code = re.search(r'<small class="code">([A-Z_]+)</small>', row).group(1)
                clause = next(f["clause"] for f in line["findings"] if f["rule"] == code)
                assert f"<td>{clause}</td>" in row
    assert shown_any, "no report showed a crop"

