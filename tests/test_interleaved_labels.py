"""A label broken over two lines of small type in a narrow cell (所在 | 地区) is often read by
Tesseract as one line, its glyphs ordered by x across both lines (地所区在). Such a reading is
the label when its characters are the label's, each line's in order, and no other label's."""

from __future__ import annotations

import pytest

from dossierflow.models import Document
from extractors.fields import extract_form_fields, label_hits, label_table
from tests.test_fields import pt_page


def _interleave(first: str, second: str) -> str:
    """The two lines read glyph by glyph across both, the lower line's glyph first (it starts
    further left on a skewed scan): 所在 | 地区 → 地所区在."""
    out = []
    for k in range(max(len(first), len(second))):
        out += [second[k : k + 1], first[k : k + 1]]
    return "".join(out)


def _split(label: str) -> tuple[str, str]:
    cut = (len(label) + 1) // 2
    return label[:cut], label[cut:]


LONG_LABELS = sorted(lab for lab in label_table().by_label if len(lab) >= 4)
# Readings no label's two lines make, so no label may be taken from them.
UNIQUE = [lab for lab in LONG_LABELS
          if sum(sorted(other) == sorted(lab) for other in LONG_LABELS) == 1]


def test_the_labels_hold_two_line_labels() -> None:
    assert {"所在地区", "旗县区工作年限", "调入时间"} <= set(UNIQUE)


@pytest.mark.parametrize("label", UNIQUE)
def test_a_label_read_across_its_two_lines_is_the_label(label: str) -> None:
    read = _interleave(*_split(label))
    if read == label:
        pytest.skip("the lines read in order")
    hits = label_hits(read)
    assert [(h.key, h.label) for h in hits] == [(label_table().by_label[label], label)]
    assert hits[0].certainty < 1.0


@pytest.mark.parametrize("read", ["区地在所", "地所区", "地所区在区", "职标", "申报"])
def test_glyphs_out_of_either_lines_order_or_missing_are_no_label(read: str) -> None:
    assert label_hits(read) == []


def test_a_second_layout_form_with_interleaved_labels_gives_their_values() -> None:
    page = pt_page([["姓名", "秦凤霞"], ["地所区在", "九原区"], ["作旗年县区限工", "14年"], ["时调间入", "2016-05-01"]])
    doc = Document(kind="eval_form", file="A1/评审表.pdf", pages=[1], confidence=1.0)
    got = extract_form_fields([page], [doc])["eval_form"]
    assert (got["region"].value, got["county_years"].value, got["transfer_date"].value) == ("九原区", 14, "2016-05-01")


# -- a label of which only the first line was read --------------------------------------------

THRESHOLD = 0.6  # validators/rulebooks/baotou-2020.yaml confidence_threshold


def _forms(submit_rows: list[list[str]], eval_rows: list[list[str]]) -> dict:
    # The 送审表 read as surely as OCR reads: its value is unsure only for its half label.
    pages = [pt_page(eval_rows), pt_page(submit_rows, file="A1/送审表.pdf", title="专业技术资格送审表", conf=1.0)]
    pages = [p.model_copy(update={"method": "ocr"}) for p in pages]
    docs = [Document(kind="eval_form", file="A1/评审表.pdf", pages=[1], confidence=1.0),
            Document(kind="submit_form", file="A1/送审表.pdf", pages=[1], confidence=1.0)]
    return extract_form_fields(pages, docs)


@pytest.mark.parametrize("value,key,want", [("工程", "series", "工程"), ("中小学教师", "series", "中小学教师"),
                                            ("高级工程师", "applied_title", "高级工程师"),
                                            ("正常申报", "route", "regular"),
                                            ("2020年5月18日", "submission_date", "2020-05-18")])
def test_a_label_read_as_its_first_line_takes_the_field_its_value_is_a_word_of(value: str, key: str, want: str) -> None:
    """申报 | 系列 read 申报 could be 申报系列, 申报资格, 申报类型, 申报日期 ...: the value beside it
    decides when one field's vocabulary holds it. Unsure alone; the other form's reading agrees."""
    from validators.rules.base import either_right

    forms = _forms([["姓名", "王建国"], ["申报", value]], [["姓名", "王建国"], [_LABEL_OF[key], value]])
    got, main = forms["submit_form"].get(key), forms["eval_form"][key]
    assert got is not None and got.value == want and got.confidence < THRESHOLD and "half_label" in got.checks
    assert either_right(got.confidence, main.confidence) >= THRESHOLD


@pytest.mark.parametrize("line,value,key,want", [("系列", "经济", "series", "经济"), ("系列", "工程", "series", "工程"),
                                                 ("报职称", "高级经济师", "applied_title", "高级经济师"),
                                                 ("类型", "正常申报", "route", "regular")])
def test_a_label_read_as_its_second_line_takes_the_field_its_value_is_a_word_of(
        line: str, value: str, key: str, want: str) -> None:
    """申报 | 系列 with the upper line lost reads 系列: the labels it ends (申报系列, 评审系列) name
    the field; the value beside it must be a word of that field's vocabulary. Unsure alone; the
    other form's reading agrees."""
    from validators.rules.base import either_right

    forms = _forms([["姓名", "王建国"], [line, value]], [["姓名", "王建国"], [_LABEL_OF[key], value]])
    got, main = forms["submit_form"].get(key), forms["eval_form"][key]
    assert got is not None and got.value == want and got.confidence < THRESHOLD and "half_label" in got.checks
    assert either_right(got.confidence, main.confidence) >= THRESHOLD


@pytest.mark.parametrize("line,value", [("时间", "2020年5月18日"), ("专业", "机械制造及其自动化研究方向"), ("系列", "王建国")])
def test_a_second_line_many_fields_or_none_could_hold_names_no_field(line: str, value: str) -> None:
    # 时间 ends 取得时间, 毕业时间, 填表时间 ... and a date is a word of each; 王建国 is no series.
    forms = _forms([["姓名", "王建国"], [line, value]], [["姓名", "王建国"]])
    assert not any("half_label" in fv.checks for fv in forms["submit_form"].values())


def _with_alternative(page, text: str, alternative: str):
    segs = [s.model_copy(update={"alternatives": [alternative], "alternative_confs": [0.5]}) if s.text == text else s
            for s in page.segments]
    return page.model_copy(update={"segments": segs})


@pytest.mark.parametrize("current_labelled,want", [(True, "馆员"), (False, None)])
def test_a_second_line_read_by_its_runner_up_names_the_one_field_the_page_labels_nowhere(
        current_labelled: bool, want) -> None:
    """申报 | 职称 read 职标 (称 unsure, runner-up 职称): 职称 ends 申报职称 and 现任职称, and 馆员 is a
    word of both; beside 现任专业技术职务 it can only be the applied title. Without that label on
    the page it names no field."""
    current = [["现任专业技术职务", "工程师"]] if current_labelled else []
    submit = _with_alternative(pt_page([["姓名", "秦凤霞"], *current, ["职标", "馆员"]], file="A1/送审表.pdf",
                                       title="专业技术资格送审表", conf=1.0), "职标", "职称")
    pages = [p.model_copy(update={"method": "ocr"}) for p in [pt_page([["姓名", "秦凤霞"]]), submit]]
    docs = [Document(kind="eval_form", file="A1/评审表.pdf", pages=[1], confidence=1.0),
            Document(kind="submit_form", file="A1/送审表.pdf", pages=[1], confidence=1.0)]
    got = extract_form_fields(pages, docs)["submit_form"]
    halves = {k: fv.value for k, fv in got.items() if "half_label" in fv.checks}
    assert halves == ({"applied_title": want} if want else {})


_LABEL_OF = {"series": "申报系列", "applied_title": "申报资格", "route": "申报类型", "submission_date": "申报日期"}


@pytest.mark.parametrize("value", ["王建国", "机械制造及其自动化研究方向", "北方重工集团有限公司"])
def test_a_first_line_whose_value_no_vocabulary_holds_names_no_field(value: str) -> None:
    # A name, a unit, free text: 申报人姓名, 申报专业 ... could each hold it.
    forms = _forms([["姓名", "王建国"], ["申报", value]], [["姓名", "王建国"]])
    got = forms["submit_form"]
    assert not any(fv.raw == value and "half_label" in fv.checks for fv in got.values())


def test_a_whole_label_wins_over_a_first_line() -> None:
    forms = _forms([["申报", "工程"], ["姓名", "王建国"], ["申报系列", "卫生"]], [["姓名", "王建国"]])
    got = forms["submit_form"]["series"]
    assert got.value == "卫生" and "half_label" not in got.checks


@pytest.mark.parametrize("part", ["位等", "聘岗位"])
def test_a_label_read_as_a_part_from_inside_it_takes_the_field_its_value_is_a_word_of(part: str) -> None:
    """现聘岗 | 位等级 with a glyph boxed across both lines read 位等: the part lies inside one
    field's two-line labels, and the value beside it (专业技术十一级) is a post grade as written.
    Unsure alone, as a first line read alone is."""
    forms = _forms([["姓名", "王建国"]], [["姓名", "王建国"], [part, "专业技术十一级"]])
    got = forms["eval_form"].get("post_grade")
    assert got is not None and got.value == 11 and got.confidence < THRESHOLD and "half_label" in got.checks


def test_a_part_of_a_label_whose_value_no_vocabulary_holds_names_no_field() -> None:
    forms = _forms([["姓名", "王建国"]], [["姓名", "王建国"], ["位等", "包头市第一中学"]])
    assert not any("half_label" in fv.checks for fv in forms["eval_form"].values())
