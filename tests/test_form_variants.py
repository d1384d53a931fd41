"""The forms' second layout and seals placed elsewhere: drawn per dossier, in the truth, and read.

Generated pages carry what real batches do (rows in another order, labels over two lines, a
caption merged down a form's rows or across a list's, seals over a signature, over table text,
at a corner, partly off the page); extraction must read them as it reads the first layout.
"""

from __future__ import annotations

import random
from pathlib import Path

import docx
import numpy as np
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from dossierflow.config import Limits
from dossierflow.ingest import open_batch
from dossierflow.models import Document, PageContent, Segment
from extractors.dossier import extract_dossier, in_process_reader
from extractors.evidence import extract_evidence
from extractors.fields import read_form
from extractors.readers.linerec import shared_recognizer
from extractors.readers.ocr import OcrPage, ocr_image
from fixtures.content import LABELS
from fixtures.generate import _slots, draft_batch, generate_batch
from fixtures.render_pdf import render_pdf
from fixtures.spec import DocSpec, Grid, Pairs, Signature, Stamp, Title
from fixtures.truth import BatchTruth
from fixtures.variants import OTHER_SEAL_PLACES, SIDE_CAPTION, FormVariant, split_label

LIMITS = Limits()
LONG_LABELS = {lab for labs in LABELS.values() for lab in labs if len(lab) >= 4 and " " not in lab and "　" not in lab}


@pytest.fixture(scope="module")
def alt_batch(tmp_path_factory) -> tuple[Path, BatchTruth]:
    root = tmp_path_factory.mktemp("alt") / "b"
    return root, generate_batch(root, n=4, seed=437, forms=["docx", "text_pdf"], damage="clean", layouts="alt")


def _docx_of(root: Path, truth: BatchTruth, kind: str) -> list[Path]:
    return [root / d.file for t in truth.dossiers for d in t.documents if d.kind == kind and d.form == "docx"]


def _ocr_split_label_form(pairs: list[tuple[str, str]], layout: str, seed: int) -> OcrPage:
    """Real Tesseract and the second recogniser on an evaluation form of `pairs` drawn in the
    second layout (labels split over two lines, a side caption), rasterised at 200 DPI."""
    if not shared_recognizer().available():
        pytest.skip("the PP-OCRv4 model is not installed")
    doc = DocSpec("eval_form", [Title("专业技术资格评审表"),
                                Pairs(pairs, layout=layout, split_labels=True, side_caption=SIDE_CAPTION)])
    pdf, _ = render_pdf([doc], random.Random(seed))
    image = np.asarray(pdfium.PdfDocument(pdf)[0].render(scale=200 / 72).to_pil().convert("RGB"))
    return ocr_image(image, 200)


def test_a_mixed_batch_draws_each_dossiers_variant_from_its_seed(tmp_path: Path) -> None:
    draws = [FormVariant.draw(random.Random(f"9-layout-{i}"), "mixed") for i in range(40)]
    assert {v.layout for v in draws} == {"standard", "alt"}
    assert {v.seal for v in draws} == {"beside", *OTHER_SEAL_PLACES}
    again = [FormVariant.draw(random.Random(f"9-layout-{i}"), "mixed") for i in range(40)]
    assert draws == again
    assert all(FormVariant.draw(random.Random(i), "standard") == FormVariant() for i in range(5))
    with pytest.raises(ValueError):
        generate_batch(tmp_path / "x", n=1, seed=1, layouts="sideways")


def test_the_truth_records_every_dossiers_layout_and_seal(alt_batch) -> None:
    _, truth = alt_batch
    assert all(t.variant["layout"] == "alt" and t.variant["seal"] in OTHER_SEAL_PLACES for t in truth.dossiers)


def test_a_second_layout_word_form_splits_labels_merges_a_caption_and_reorders_rows(alt_batch, tmp_path: Path) -> None:
    root, truth = alt_batch
    forms = _docx_of(root, truth, "eval_form")
    assert forms
    standard_root = tmp_path / "std"
    standard = generate_batch(standard_root, n=4, seed=437, forms=["docx", "text_pdf"], damage="clean",
                              layouts="standard")
    tabled = []
    for path in forms:
        table = docx.Document(str(path)).tables[0]
        if table.cell(0, 0).text != SIDE_CAPTION:  # a form written as 标签：值 lines has no label table
            assert table.cell(0, 0).text.startswith("一、")  # its first table is the paper list, caption merged over it
            continue
        tabled.append(path)
        assert all(table.cell(r, 0)._tc is table.cell(0, 0)._tc for r in range(len(table.rows)))  # merged down
        texts = [c.text for row in table.rows for c in row.cells]
        assert any("\n" in t and t.replace("\n", "").rstrip("：:") in LONG_LABELS for t in texts)
    assert tabled
    # the same dossier's labels, in the first layout, come in another order
    std_forms = [p for p in _docx_of(standard_root, standard, "eval_form") if p.parent.name in {t.parent.name for t in tabled}]
    alt_labels = [[c.text.replace("\n", "") for c in docx.Document(str(p)).tables[0].columns[1].cells] for p in tabled]
    std_labels = [[c.text for c in docx.Document(str(p)).tables[0].columns[0].cells] for p in std_forms]
    assert alt_labels != std_labels


def test_a_second_layout_text_pdf_draws_labels_on_two_lines(alt_batch) -> None:
    root, truth = alt_batch
    pdfs = {root / d.file for t in truth.dossiers for d in t.documents if d.kind == "eval_form" and d.form == "text_pdf"}
    assert pdfs
    for path in pdfs:
        text = PdfReader(path).pages[0].extract_text()
        lines = [ln.strip() for ln in text.splitlines()]
        halves = [split_label(lab).split("\n") for lab in LONG_LABELS]
        assert any(a in lines and b in lines for a, b in halves), lines


@pytest.mark.parametrize("place", OTHER_SEAL_PLACES)
def test_a_seal_placed_elsewhere_lands_where_it_says(place: str) -> None:

    doc = DocSpec("publicity", [Title("公示情况说明"), Grid(["年度", "学时"], [["2019", "30"], ["2020", "40"]]),
                                Signature("单位（盖章）", None, "2020-05-01"), Stamp("包头市第一中学", place=place)])
    pdf, _ = render_pdf([doc], random.Random(3))
    page = pdfium.PdfDocument(pdf)[0]
    img = page.render(scale=1).to_pil().convert("RGB")
    w, h = img.size
    red = [(x, y) for y in range(0, h, 2) for x in range(0, w, 2)
           if (lambda p: p[0] > 150 and p[1] < 110 and p[2] < 110)(img.getpixel((x, y)))]
    assert red
    xs, ys = [x for x, _ in red], [y for _, y in red]
    if place == "edge":
        assert max(xs) >= w - 3  # cut by the paper's edge
    elif place == "corner":
        assert min(xs) > w * 0.7 and (max(ys) > h * 0.85 or min(ys) < h * 0.15)
    elif place == "table":
        assert min(ys) < h * 0.25  # up among the table rows under the title
    else:  # over the signature line, which sits below the table
        assert min(ys) < h * 0.45 and max(xs) > w * 0.5


def test_second_layout_forms_read_as_the_first(alt_batch) -> None:
    """Every field of the 评审表 and the CE card's hours, from Word and text PDF forms drawn in
    the second layout (labels over two lines, caption merged down the rows, rows reordered)."""
    root, truth = alt_batch
    batch = open_batch(root, root.parent / "work", LIMITS)
    wrong = []
    for d in batch.dossiers:
        t = truth.dossier(d.dossier_id)
        ext = extract_dossier(d, LIMITS, in_process_reader)
        for key, want in t.fields.items():
            if key in ("region_level", "applied_level", "public_ce_hours"):
                continue
            got = ext.fields.get(key)
            if got is None or got.value != want:
                wrong.append((d.dossier_id, key, want, got and got.value))
        card = next(e for e in t.evidence if e.kind == "ce_card")
        read = next(e for e in ext.evidence if e.kind == "ce_card")
        if read.hours != card.attrs()["hours"]:
            wrong.append((d.dossier_id, "ce_card.hours", card.attrs()["hours"], read.hours))
    assert not wrong



@pytest.mark.parametrize("particulars", [
    ["姓名", "王秀英", "专业技术职务", "讲师"],  # a four-cell row of the card's particulars over the table
    ["专业技\n术职务", "讲师", "姓名", "王秀英"],  # the same, its label over two lines, rows in another order
])
def test_ce_card_hours_by_their_header_under_a_particulars_row_naming_the_profession(particulars) -> None:

    xs = [60.0, 120.0, 220.0, 320.0, 380.0, 440.0]
    rows = [particulars, ["年度", "公需科目学时", "专业科目学时", "合计", "审验结果"],
            ["2019", "36", "64", "100", "合格"], ["2020", "30", "70", "100", "合格"]]
    segs = [Segment(text=t, box=(xs[c] + 2, 60.0 + 24 * r, xs[c + 1] - 2, 76.0 + 24 * r), conf=0.95)
            for r, row in enumerate(rows) for c, t in enumerate(row)]
    page = PageContent(file="A1/卡.pdf", page=1, method="text", width_pt=595.0, height_pt=842.0,
                       segments=[Segment(text="继续教育审验卡", box=(200.0, 30.0, 320.0, 46.0), conf=0.95), *segs])
    items = extract_evidence([page], [Document(kind="ce_card", file=page.file, pages=[1], confidence=1.0)], {})
    assert items[0].hours == {"2019": {"public": 36.0, "professional": 64.0}, "2020": {"public": 30.0, "professional": 70.0}}


SPLIT_FORM = [("单位性质", "事业单位"), ("毕业院校", "内蒙古农业大学"), ("出生年月", "1984/11"), ("所在地区", "固阳县"),
              ("申报类型", "正常申报"), ("参加工作时间", "2006/9"), ("苏木乡镇工作年限", "0"), ("现任专业技术职务", "农艺师")]


@pytest.mark.parametrize("seed", [1, 2])
def test_labels_a_narrow_cell_breaks_over_two_lines_are_read_whole_from_a_scan(seed: int) -> None:
    """Real Tesseract and the second recogniser on a rasterised second-layout form: a label over
    two lines of small type in its cell reads as the label, never as the lines' glyphs
    interleaved (性单位质); before the line-by-line reading two labels of eight came out whole."""
    page = _ocr_split_label_form(SPLIT_FORM, "two", seed)
    texts = [s.text.replace(" ", "") for s in page.segments]
    whole = [lab for lab, _ in SPLIT_FORM if lab in texts]
    tangled = [t for t in texts if t not in whole and any(sorted(t) == sorted(lab) for lab, _ in SPLIT_FORM)]
    assert not tangled, " ".join(texts)
    # The rest may be read as its two lines, each a segment, or missed: never as another label.
    assert len(whole) >= len(SPLIT_FORM) - 2, " ".join(texts)


def test_a_reused_award_scan_keeps_its_seal_where_the_first_copy_has_it() -> None:

    slots = _slots("flag:DUPLICATE_ATTACHMENT", 0)
    for seed in range(5):
        _, drafts = draft_batch(slots, seed, ["scan"], "clean", layouts="alt")
        a, b = (d for d in drafts if d.scenario == "flag:DUPLICATE_ATTACHMENT")
        assert a.plan.specials["award"].scan_seed == b.plan.specials["award"].scan_seed
        assert a.voice.variant.seal == b.voice.variant.seal


def test_a_ce_card_row_ocr_read_nothing_of_is_unread_never_absent() -> None:
    """The table's cells are numbered by its ruling: a row between two read rows with no text
    (a photographed card whose 2019 row OCR dropped whole) is a row unread, not a year missing."""

    xs = [60.0, 120.0, 220.0, 320.0, 380.0, 440.0]
    rows = {0: ["年度", "公需科目学时", "专业科目学时", "合计", "审验结果"], 1: ["2020", "30", "80", "110", "合格"],
            3: ["2018", "42", "80", "122", "合格"]}

    def card(table_rows: dict[int, list[str]]) -> object:
        segs = [Segment(text=t, box=(xs[c] + 2, 60.0 + 24 * r, xs[c + 1] - 2, 76.0 + 24 * r), conf=0.95, cell=(1, r, c))
                for r, row in table_rows.items() for c, t in enumerate(row)]
        page = PageContent(file="A1/卡.pdf", page=1, method="ocr", width_pt=595.0, height_pt=842.0,
                           segments=[Segment(text="继续教育审验卡", box=(200.0, 30.0, 320.0, 46.0), conf=0.95), *segs])
        return extract_evidence([page], [Document(kind="ce_card", file=page.file, pages=[1], confidence=1.0)], {})[0]

    lost = card(rows)
    assert set(lost.hours) == {"2018", "2020"} and lost.unread_parts == ["?"]
    whole = card({**rows, 2: ["2019", "32", "64", "96", "合格"]})
    assert set(whole.hours) == {"2018", "2019", "2020"} and not whole.unread_parts


# The second layout's rows whose labels a narrow cell breaks and Tesseract loses whole (no word
# in the cell at all), beside a value it reads: a value without its label is no field.
LOST_LABEL_FORM = [("姓名", "阎勇文"), ("苏木乡镇工作年限", "12年"), ("申报职称", "高级审计师"),
                   ("旗县区工作年限", "12年"), ("现聘岗位等级", "专业技术九级"), ("所在地区", "九原区"),
                   ("参加工作时间", "2003.12"), ("现任专业技术职务", "审计师")]


@pytest.mark.parametrize("seed", [1, 2])
def test_a_label_cell_tesseract_read_nothing_of_is_read_line_by_line(seed: int) -> None:
    """Real Tesseract and the second recogniser on a rasterised second-layout form: a cell with
    two lines of small-type ink and no word read is read line by line, so each field keeps its
    label; before, a row's value was read and its label lost whole (旗县区工作年限 absent)."""
    ocr = _ocr_split_label_form(LOST_LABEL_FORM, "four", seed)
    page = PageContent(file="A1/评审表.pdf", page=1, method="ocr", width_pt=595.0, height_pt=842.0,
                       segments=[s.model_copy(update={"box": tuple(v * 72 / 200 for v in s.box)}) for s in ocr.segments])
    fields = read_form([page])
    texts = " ".join(s.text for s in page.segments)
    got = {k: fields[k].value for k in ("county_years", "township_years", "applied_title", "post_grade") if k in fields}
    assert got == {"county_years": 12, "township_years": 12, "applied_title": "高级审计师", "post_grade": 9}, texts
