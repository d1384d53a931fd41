"""OUT/<id>/crops/: the report shows the page region of every source it shows.

Unit tests write one dossier's crops from a real scanned PDF page; the end-to-end test runs
`dossier run` on a text-PDF and DOCX batch (no OCR, so it stays short) and opens the report."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dossierflow.report_crops import (
    COVER_GREY,
    CROP_DPI,
    JPEG_QUALITY,
    MARGIN_PT,
    MAX_CROPS_PER_DOSSIER,
    cited_sources,
    crop_key,
    encoded,
    write_crops,
)
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


def test_every_source_on_a_page_gets_a_crop_and_a_region_is_one_file(tmp_path, scan):
    out = tmp_path / "out"
    blank = [0, 0, 100, 50]  # a region with no ink: a different crop from the bar
    line = _line(
        [_finding("PLEDGE_SIGNED", "fail", _bar_bbox()), _finding("SENIORITY", "review", blank),
         _finding("PHOTO_PRESENT", "pass", [200, 300, 260, 340]), _finding("EVAL_FORM_PRESENT", "fail", None),
         {"rule": "FORMS_CONSISTENT", "outcome": "fail", "clause": "", "message": "",
          "sources": [{"file": "A0001/form.docx", "page": None, "locator": "table 1, row 2, cell 2"}]}],
        [{"code": "PDF_EDITED", "message": "", "sources": [{"file": "A0001/scan.pdf", "page": 1, "bbox": _bar_bbox()}]}],
    )
    line["fields"] = {"name": {"value": "王芳", "confidence": 0.9, "source": {"file": "A0001/scan.pdf", "page": 1, "bbox": blank}},
                      "series": {"value": "工程", "confidence": 0.9, "source": {"file": "A0001/scan.pdf", "page": 1, "bbox": [300, 400, 380, 420]}}}
    line["evidence"] = [{"kind": "diploma", "source": {"file": "A0001/scan.pdf", "page": 1}}]
    shown = write_crops(out, line, scan, id_lines={})
    crops = sorted(p.name for p in (out / "A0001" / "crops").iterdir())
    fail_src, review_src, pass_src, page_src, docx_src = (f["sources"][0] for f in shown["findings"])
    name_src, series_src = (fv["source"] for fv in shown["fields"].values())
    # Every source on a page shows a picture, whatever its finding's outcome; a DOCX cell does not.
    on_page = [fail_src, review_src, pass_src, page_src, name_src, series_src, shown["evidence"][0]["source"],
               shown["flags"][0]["sources"][0]]
    assert all(s.get("crop") for s in on_page) and "crop" not in docx_src
    # One file per region: the bar (a failed rule and a lead), the blank box (a finding and a
    # field) and the whole page (a finding and the evidence) are each written once.
    assert len(crops) == len({crop_key(s) for s in on_page}) == 5
    assert {Path(c).stem for c in crops} == {crop_key(s) for s in on_page}
    assert shown["flags"][0]["sources"][0]["crop"] == fail_src["crop"]
    assert name_src["crop"] == review_src["crop"] and shown["evidence"][0]["source"]["crop"] == page_src["crop"]
    assert "crop" not in line["findings"][0]["sources"][0]  # the result line itself is untouched
    # A page cited without a region is shown whole, small.
    whole = Image.open(out / "A0001" / page_src["crop"])
    assert whole.size == pytest.approx((A4_PX_200[0] / 4, A4_PX_200[1] / 4), abs=2)  # 50 DPI
    # The file is the region, grey: the bar, with the margin white around it.
    image = Image.open(out / "A0001" / fail_src["crop"])
    assert image.mode == "L"
    dark = np.asarray(image) < 128
    scale = image.width / ((BAR_PX[2] - BAR_PX[0]) * 72 / 200 + 2 * MARGIN_PT)
    assert scale == pytest.approx(CROP_DPI / 72, rel=0.02)
    assert dark.sum() == pytest.approx((BAR_PX[2] - BAR_PX[0]) * (BAR_PX[3] - BAR_PX[1]) * (scale * 72 / 200) ** 2, rel=0.05)
    assert not dark[:2].any() and not dark[-2:].any()  # the margin above and below the bar


def test_each_crop_is_the_smaller_of_png_and_jpeg():
    rng = np.random.default_rng(3)
    clean = Image.new("L", (400, 60), 255)
    clean.paste(0, (20, 20, 380, 40))
    grainy = Image.fromarray(rng.integers(60, 256, (300, 400), dtype=np.uint8))
    for image in (clean, grainy, grainy.convert("RGB")):
        data, ext = encoded(image)
        png, jpeg = io.BytesIO(), io.BytesIO()
        image.convert("L").save(png, "PNG", compress_level=6)
        image.convert("L").save(jpeg, "JPEG", quality=JPEG_QUALITY)
        assert len(data) == min(png.tell(), jpeg.tell())
        assert Image.open(io.BytesIO(data)).format == {".png": "PNG", ".jpg": "JPEG"}[ext]
        assert Image.open(io.BytesIO(data)).mode == "L"
    assert encoded(clean)[1] == ".png" and encoded(grainy)[1] == ".jpg"


def test_a_png_larger_than_the_jpeg_is_given_up_before_it_is_whole(monkeypatch):
    """On a grainy picture the PNG encoder stops once its output passes the JPEG's size: the
    whole PNG (several times the JPEG) is never deflated, and the JPEG is what is written."""
    from dossierflow import report_crops

    grainy = Image.fromarray(np.random.default_rng(5).integers(60, 256, (900, 900), dtype=np.uint8))
    whole_png, jpeg = io.BytesIO(), io.BytesIO()
    grainy.save(whole_png, "PNG", compress_level=6)
    grainy.save(jpeg, "JPEG", quality=JPEG_QUALITY)
    assert whole_png.tell() > 2 * jpeg.tell()
    pngs: list[io.BytesIO] = []
    made = report_crops._CappedBuffer
    monkeypatch.setattr(report_crops, "_CappedBuffer", lambda cap: pngs.append(made(cap)) or pngs[-1])
    data, ext = encoded(grainy)
    assert (data, ext) == (jpeg.getvalue(), ".jpg")
    assert len(pngs) == 1 and pngs[0].tell() < whole_png.tell() / 2


def test_the_id_number_region_is_covered_in_its_crop(tmp_path, scan):
    """The report masks the ID number in text (first 6, last 4); its picture shows none of it.
    The bar stands in for the number: a crop citing it as the ID's region shows no ink there."""
    out = tmp_path / "out"
    line = _line([_finding("NOT_BLACKLISTED", "pass", _bar_bbox())])
    line["fields"] = {"id_number": {"value": "150203199001011234", "confidence": 0.9,
                                    "source": {"file": "A0001/scan.pdf", "page": 1, "bbox": _bar_bbox()}}}
    shown = write_crops(out, line, scan, id_lines={})
    src = shown["fields"]["id_number"]["source"]
    assert src["crop"] == shown["findings"][0]["sources"][0]["crop"]  # the same region, the same cover
    image = np.asarray(Image.open(out / "A0001" / src["crop"]))
    assert (image < 128).sum() == 0  # no black of the bar is left
    margin = round(MARGIN_PT * CROP_DPI / 72)
    inner = image[margin + 2 : -margin - 2, margin + 2 : -margin - 2]
    assert inner.std() < 3 and abs(float(inner.mean()) - COVER_GREY) < 3  # covered flat, not blank


def test_a_rerun_drops_crops_no_longer_cited_and_a_dossier_with_none_has_no_folder(tmp_path, scan):
    out = tmp_path / "out"
    write_crops(out, _line([_finding("PLEDGE_SIGNED", "fail", _bar_bbox())]), scan, id_lines={})
    assert len(list((out / "A0001" / "crops").iterdir())) == 1
    write_crops(out, _line([_finding("PLEDGE_SIGNED", "fail", [0, 0, 100, 50])]), scan, id_lines={})
    assert [p.stem for p in (out / "A0001" / "crops").iterdir()] == [crop_key({"file": "A0001/scan.pdf", "page": 1, "bbox": [0, 0, 100, 50]})]
    write_crops(out, _line([_finding("PLEDGE_SIGNED", "pass", None, file="A0001/form.docx") | {"sources": []}]), scan, id_lines={})
    assert not (out / "A0001" / "crops").exists()


def test_a_crop_that_cannot_be_made_is_left_out_not_raised(tmp_path, scan):
    out = tmp_path / "out"
    line = _line([
        _finding("PLEDGE_SIGNED", "fail", _bar_bbox(), file="A0001/gone.pdf"),  # not an input file
        _finding("SENIORITY", "fail", [5000, 5000, 5100, 5100]),  # off the page
        _finding("PHOTO_PRESENT", "fail", _bar_bbox()),
    ])
    shown = write_crops(out, line, {**scan, "A0001/gone.pdf": scan["A0001/scan.pdf"].with_name("gone.pdf")}, id_lines={})
    assert [("crop" in f["sources"][0]) for f in shown["findings"]] == [False, False, True]


def test_crops_per_dossier_are_capped_keeping_the_prominent_ones(tmp_path, scan):
    """A lead citing every page of thick booklets must not render all of them; what is left
    out is the least prominent (here fields), never a failed rule's region."""
    boxes = [[10 + i * 5, 10, 14 + i * 5, 14] for i in range(MAX_CROPS_PER_DOSSIER + 5)]
    line = _line([_finding("CLAIMS_SUPPORTED", "pass", [10, 100, 20, 110])] * 3 + [_finding("CLAIMS_SUPPORTED", "fail", [10, 200, 20, 210])])
    line["fields"] = {f"f{i}": {"value": "x", "confidence": 1.0, "source": {"file": "A0001/scan.pdf", "page": 1, "bbox": b}}
                      for i, b in enumerate(boxes)}
    shown = write_crops(tmp_path / "out", line, scan, id_lines={})
    assert len(list((tmp_path / "out" / "A0001" / "crops").iterdir())) == MAX_CROPS_PER_DOSSIER
    assert "crop" in shown["findings"][-1]["sources"][0]  # the failed rule's, after every field
    assert "crop" not in shown["findings"][0]["sources"][0]  # a passed rule's, after every field
    assert sum("crop" in fv["source"] for fv in shown["fields"].values()) == MAX_CROPS_PER_DOSSIER - 1


def _check_report_pictures(out: Path, did: str, line: dict) -> int:
    """Every source on a page in the result line is shown by its crop in the dossier's report;
    the crops folder holds those files and no others; the big pictures are the rows a person
    must look at. Returns how many pictures the report shows."""
    report = (out / did / "report.html").read_text(encoding="utf-8")
    imgs = re.findall(r'<img class="crop (big|thumb)" src="(crops/([0-9a-f]{16})\.(?:png|jpg))"', report)
    expected = {crop_key(s) for s in cited_sources(line)}
    assert {key for _, _, key in imgs} == expected, did
    crops_dir = out / did / "crops"
    if expected:
        assert sorted(p.stem for p in crops_dir.iterdir()) == sorted(expected)
    else:
        assert not crops_dir.exists()
    for _, src, _ in imgs:
        image = Image.open(io.BytesIO((out / did / src).read_bytes()))
        assert image.mode == "L" and image.size[0] > 10
    # In the rules table each picture sits in its finding's row, beside the rule's clause; a big
    # one only in a failed or undecided rule's row, a thumbnail only in the others'.
    rules_table = report.split("<h2>规则审核</h2>", 1)[1].split("<h2>", 1)[0]
    for row in re.findall(r"<tr>(.*?)</tr>", rules_table, flags=re.S):
        if 'class="crop' in row:
            undecided = re.search(r'class="(fail|review) nowrap"', row)
            assert bool(undecided) == ('class="crop big"' in row) and bool(undecided) != ('class="crop thumb"' in row), row
            code = re.search(r'<small class="code">([A-Z_]+)</small>', row).group(1)
            clause = next(f["clause"] for f in line["findings"] if f["rule"] == code)
            assert f"<td>{clause}</td>" in row
    return len(imgs)


@pytest.mark.e2e
def test_run_writes_crops_and_the_report_shows_them_beside_their_findings(tmp_path):
    batch = tmp_path / "batch"
    generate_batch(batch, n=0, seed=5, forms=["text_pdf", "docx"], damage="clean",
                   scenarios="fail:PLEDGE_SIGNED,fail:SENIORITY,fail:FORMS_CONSISTENT,clean")
    out = tmp_path / "out"
    run_dossier("run", str(batch), "--out", str(out), "--no-db", "--date", "2020-07-01")
    results = read_results(out)
    assert sum(_check_report_pictures(out, did, line) for did, line in results.items()), "no report showed a crop"


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's chromium is not installed")
def test_a_scanned_dossier_shows_every_source_as_its_crop_and_prints_on_three_a4_pages(tmp_path):
    """Real OCR on a scanned dossier (every field and finding has a page region), printed by
    headless Chromium. The pages are kept as PNG beside the report for a person to look at."""
    import pypdf
    import pypdfium2

    batch = tmp_path / "batch"
    generate_batch(batch, n=0, seed=11, forms=["scan"], damage="clean", scenarios="fail:PLEDGE_SIGNED")
    out = tmp_path / "out"
    run_dossier("run", str(batch), "--out", str(out), "--no-db", "--date", "2020-07-01", "--pdf")
    (did, line), = read_results(out).items()
    page_sources = cited_sources(line)
    assert len(page_sources) > 30  # fields, findings and evidence all sit on pages
    assert _check_report_pictures(out, did, line) >= len(page_sources)
    pdf = out / did / "report.pdf"
    reader = pypdf.PdfReader(str(pdf))
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2, box
    assert 1 <= len(reader.pages) <= 3, len(reader.pages)
    doc = pypdfium2.PdfDocument(str(pdf))
    for i in range(len(doc)):
        doc[i].render(scale=1.5).to_pil().save(out / did / f"report-page{i + 1}.png")
    doc.close()
    print(f"report pages as PNG under {out / did}")


def test_a_rerun_keeps_crops_drawn_from_the_same_content_and_redraws_changed_ones(tmp_path: Path, scan: dict[str, Path]) -> None:
    import dossierflow.report_crops as rc

    out = tmp_path / "out"
    line = _line([_finding("PLEDGE_SIGNED", "fail", _bar_bbox())])
    hashes = {"A0001/scan.pdf": "a" * 64}
    drawn: list[tuple] = []
    real = rc._raster

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append(args[1:3])
        return real(*args, **kwargs)

    rc._raster = counting  # type: ignore[assignment]
    try:
        first = write_crops(out, line, scan, hashes, id_lines={})
        assert len(drawn) == 1
        again = write_crops(out, line, scan, hashes, id_lines={})
        assert len(drawn) == 1 and again == first  # kept: same file content, same region, same drawing
        changed = write_crops(out, line, scan, {"A0001/scan.pdf": "b" * 64}, id_lines={})
        assert len(drawn) == 2 and changed == first  # the file's content changed: drawn again
        (out / "A0001" / first["findings"][0]["sources"][0]["crop"]).unlink()
        write_crops(out, line, scan, {"A0001/scan.pdf": "b" * 64}, id_lines={})
        assert len(drawn) == 3  # a crop gone from the folder is drawn again
        write_crops(out, line, scan, id_lines={})
        assert len(drawn) == 4  # without the files' hashes nothing is taken as unchanged
    finally:
        rc._raster = real  # type: ignore[assignment]


def _on_crop(crop: Image.Image, src: dict, box: list[float], page_pt: tuple[float, float]) -> np.ndarray:
    """The pixels of the crop of `src` (a region with its margin, or the whole page) that show
    `box` (both in the page's points), 3 pixels in from each side (JPEG rings at the cover's
    edges)."""
    if src.get("bbox"):
        x0, y0 = (max(0.0, float(v) - MARGIN_PT) for v in src["bbox"][:2])
        x1, y1 = min(page_pt[0], float(src["bbox"][2]) + MARGIN_PT), min(page_pt[1], float(src["bbox"][3]) + MARGIN_PT)
    else:
        x0, y0, (x1, y1) = 0.0, 0.0, page_pt
    sx, sy = crop.width / (x1 - x0), crop.height / (y1 - y0)
    left, right = round((max(box[0], x0) - x0) * sx) + 3, round((min(box[2], x1) - x0) * sx) - 3
    top, bottom = round((max(box[1], y0) - y0) * sy) + 3, round((min(box[3], y1) - y0) * sy) - 3
    return np.asarray(crop.convert("L"))[top:bottom, left:right]


@pytest.mark.e2e
def test_every_line_read_as_an_id_number_is_flat_in_the_report_crops(tmp_path: Path) -> None:
    """Real OCR on a scanned dossier: its pledge (a photographed page, cited both as page 1 and
    without a page) and its employment certificate quote the ID number, and the report shows
    those pages as crops. Every crop over a line where the run read the number (the same
    readings the station covers) shows it flat, not only the crop of the `id_number` field's own
    region."""
    from dossierflow.cache import ExtractionCache
    from dossierflow.judging_record import JudgingRecord

    batch, out = tmp_path / "batch", tmp_path / "out"
    truth = generate_batch(batch, n=1, seed=7, forms=["scan"], damage="clean")
    id_number = str(truth.dossiers[0].fields["id_number"])
    run_dossier("run", str(batch), "--out", str(out), "--no-db", "--workers", "1", "--date", "2020-07-01")
    (did, line), = read_results(out).items()
    key = next(d.key for d in JudgingRecord.load(out).dossiers if d.dossier_id == did)
    extraction = ExtractionCache(out).get(key)
    assert extraction is not None
    # The lines that show the number, found from the truth, not from the code under test.
    id_lines = [(p, [float(v) for v in s.box]) for p in extraction.pages if p.coords == "pt" for s in p.segments
                if id_number in s.text.replace(" ", "")]
    field_box = [float(v) for v in line["fields"]["id_number"]["source"].get("bbox") or ()]
    report = (out / did / "report.html").read_text(encoding="utf-8")
    checked: list[tuple[str, bool]] = []
    for src in cited_sources(line):
        sb = [float(v) for v in src.get("bbox") or ()]
        for page, box in id_lines:
            # An image's only frame is page 1 whether a source names it or not (crops._open_frame).
            if (src["file"], src.get("page") or 1) != (page.file, page.page or 1):
                continue
            if sb and not (sb[0] < box[2] and box[0] < sb[2] and sb[1] < box[3] and box[1] < sb[3]):
                continue
            crop_file, = (out / did / "crops").glob(crop_key(src) + ".*")
            assert f"crops/{crop_file.name}" in report
            shown = _on_crop(Image.open(crop_file), src, box, (page.width_pt, page.height_pt))
            assert shown.size > 0
            assert (shown < 128).sum() == 0, f"ink of the ID number shows in {crop_file.name} ({src})"
            assert abs(float(np.median(shown)) - COVER_GREY) < 6  # drawn flat, not cut out
            checked.append((crop_file.name, box != field_box))
    # The pledge and the certificate, each as a region and as a page cited whole.
    assert sum(beyond for _, beyond in checked) >= 3, checked


def test_without_the_runs_readings_no_crop_is_drawn(tmp_path, scan):
    """Where ID numbers are on the pages is unknown: no picture, the report shows sources as text."""
    out = tmp_path / "out"
    write_crops(out, _line([_finding("PLEDGE_SIGNED", "fail", _bar_bbox())]), scan, id_lines={})
    shown = write_crops(out, _line([_finding("PLEDGE_SIGNED", "fail", _bar_bbox())]), scan, id_lines=None)
    assert "crop" not in shown["findings"][0]["sources"][0]
    assert not (out / "A0001" / "crops").exists()


def test_a_line_read_as_an_id_number_is_flat_in_every_crop_over_it(tmp_path, scan):
    out = tmp_path / "out"
    line = _line([_finding("PLEDGE_SIGNED", "fail", _bar_bbox())])
    shown = write_crops(out, line, scan, id_lines={("A0001/scan.pdf", 1): [_bar_bbox()]})
    image = np.asarray(Image.open(out / "A0001" / shown["findings"][0]["sources"][0]["crop"]))
    assert (image < 128).sum() == 0
