"""Two readings of one date a look-alike digit apart are one misreading, not two dates: the form's
value is disputed (below the threshold, so rules say review) and no integrity lead rests on it.
A difference no misread glyph explains stays a lead. A lone look-alike of 无 in a title cell, or
a no-title word with a stray glyph at its edge, is no title, unsure until the other form agrees."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dossierflow.models import Document, DossierExtraction, PageContent
from extractors import lexicons as lx
from extractors import titles as tt
from extractors.evidence import extract_evidence
from extractors.fields import extract_fields, extract_form_fields
from tests.test_fields import pt_page
from tests.test_integrity_support import ctx
from validators.integrity import dossier_flags

THRESHOLD = yaml.safe_load((Path(__file__).parent.parent / "validators/rulebooks/baotou-2020.yaml").read_text("utf-8"))[
    "confidence_threshold"
]
DIGIT_LOOKALIKES = sorted((a, b) for a, b in lx.lookalikes() if a.isdigit() and b.isdigit())
# Digit pairs no look-alike group holds: a form and a certificate this far apart name two dates.
DIGIT_STRANGERS = sorted(
    (a, b) for a in "0123456789" for b in "0123456789" if a != b and (a, b) not in lx.lookalikes()
)


def _scanned(page: PageContent) -> PageContent:
    return page.model_copy(update={"method": "ocr"})


def _dossier(form_date: str, cert_date: str, *, submit_date: str | None = None) -> DossierExtraction:
    rows = lambda d: [["姓名", "王建国"], ["现任职称", "工程师"], ["现职称取得时间", d]]  # noqa: E731
    pages = [_scanned(pt_page(rows(form_date), conf=0.97)),
             _scanned(pt_page([["专业技术资格证书"], ["姓名", "王建国"], ["资格名称", "工程师"], ["取得时间", cert_date]],
                              file="A1/职称证.pdf", title=None, conf=0.97))]
    docs = [Document(kind="eval_form", file="A1/评审表.pdf", pages=[1], confidence=1.0),
            Document(kind="title_cert", file="A1/职称证.pdf", pages=[1], confidence=1.0)]
    if submit_date is not None:
        pages.append(_scanned(pt_page(rows(submit_date), file="A1/送审表.pdf", title="专业技术资格送审表", conf=0.97)))
        docs.append(Document(kind="submit_form", file="A1/送审表.pdf", pages=[1], confidence=1.0))
    forms = extract_form_fields(pages, docs)
    fields = extract_fields(pages, docs, forms)
    return DossierExtraction(dossier_id="A0001", pages=pages, documents=docs, fields=fields,
                             evidence=extract_evidence(pages, docs, fields), form_fields=forms)


def _codes(ex: DossierExtraction) -> set[str]:
    return {f.code for f in dossier_flags(ex, ctx(), THRESHOLD)}


def test_the_data_holds_digit_lookalikes() -> None:
    assert ("5", "9") in DIGIT_LOOKALIKES and ("9", "5") in DIGIT_LOOKALIKES


@pytest.mark.parametrize("read,printed", DIGIT_LOOKALIKES)
def test_a_form_date_a_lookalike_digit_from_the_certificate_is_disputed(read: str, printed: str) -> None:
    # The year's last digit carries the pair, so every digit makes a valid date.
    ex = _dossier(f"201{read}年9月", f"201{printed}年9月")
    got = ex.fields["current_title_date"]
    assert got.value == f"201{read}-09" and got.confidence < THRESHOLD
    assert "FORM_EVIDENCE_MISMATCH" not in _codes(ex)


@pytest.mark.parametrize("read,printed", DIGIT_STRANGERS[::7])
def test_a_date_no_misread_digit_explains_is_still_a_lead(read: str, printed: str) -> None:
    ex = _dossier(f"201{read}年9月", f"201{printed}年9月")
    assert ex.fields["current_title_date"].confidence >= THRESHOLD
    assert "FORM_EVIDENCE_MISMATCH" in _codes(ex)


def test_the_month_read_five_for_nine_is_disputed_and_agreement_keeps_it_sure() -> None:
    ex = _dossier("2015年5月", "2015年9月")
    assert ex.fields["current_title_date"].confidence < THRESHOLD
    assert "FORM_EVIDENCE_MISMATCH" not in _codes(ex)
    # The same dates read alike: sure, and no lead.
    ex = _dossier("2015年9月", "2015年9月")
    assert ex.fields["current_title_date"].confidence >= THRESHOLD
    assert "FORM_EVIDENCE_MISMATCH" not in _codes(ex)


def test_the_other_form_is_a_witness_too() -> None:
    # The 送审表 reads 9 where the 评审表 read 5; the certificate was read as the 评审表 was
    # (both misread alike would agree): the forms' disagreement alone disputes the date.
    ex = _dossier("2015年5月", "2015年5月", submit_date="2015年9月")
    assert ex.fields["current_title_date"].confidence >= THRESHOLD  # the certificate agrees
    ex = _dossier("2015年5月", "2012年1月", submit_date="2015年9月")
    assert ex.fields["current_title_date"].confidence < THRESHOLD


NO_TITLE_LOOKALIKES = sorted(a for a, b in lx.lookalikes() if b == "无")


def test_the_data_holds_a_lookalike_of_no_title() -> None:
    assert "元" in NO_TITLE_LOOKALIKES


@pytest.mark.parametrize("glyph", NO_TITLE_LOOKALIKES)
def test_a_lone_lookalike_of_no_title_is_no_title_confirmed_by_the_other_form(glyph: str) -> None:
    """A 送审表's 现任职称 cell read as a look-alike of 无 (元): no title is one character long, so
    it reads 无, unsure alone, and the 评审表's 无 makes the two forms agree."""
    from validators.rules.base import either_right

    rows = lambda t: [["姓名", "王建国"], ["现任专业技术职务", t]]  # noqa: E731
    pages = [_scanned(pt_page(rows("无"), conf=0.97)),
             _scanned(pt_page(rows(glyph), file="A1/送审表.pdf", title="专业技术资格送审表", conf=0.9))]
    docs = [Document(kind="eval_form", file="A1/评审表.pdf", pages=[1], confidence=1.0),
            Document(kind="submit_form", file="A1/送审表.pdf", pages=[1], confidence=1.0)]
    forms = extract_form_fields(pages, docs)
    got, main = forms["submit_form"]["current_title"], forms["eval_form"]["current_title"]
    assert got.value == "无" and got.confidence < THRESHOLD
    assert either_right(got.confidence, main.confidence) >= THRESHOLD


# Characters a cell's ruling, a seal's ring or a speck at a cell's edge are read as (marks such
# as - and | are dropped from a value's edges before it is parsed).
STRAY_GLYPHS = ("一", "丨", "l", "I", "1", "口", "二")


def _title_cells(submit: str, main: str = "无") -> dict:
    rows = lambda t: [["姓名", "王建国"], ["现任专业技术职务", t]]  # noqa: E731
    pages = [_scanned(pt_page(rows(main), conf=0.97)),
             _scanned(pt_page(rows(submit), file="A1/送审表.pdf", title="专业技术资格送审表", conf=1.0))]
    docs = [Document(kind="eval_form", file="A1/评审表.pdf", pages=[1], confidence=1.0),
            Document(kind="submit_form", file="A1/送审表.pdf", pages=[1], confidence=1.0)]
    return extract_form_fields(pages, docs)


@pytest.mark.parametrize("word", sorted(tt.no_title_words()))
@pytest.mark.parametrize("stray", STRAY_GLYPHS)
@pytest.mark.parametrize("at", ("end", "start"))
def test_a_no_title_word_with_a_stray_glyph_is_no_title_confirmed_by_the_other_form(word: str, stray: str, at: str) -> None:
    """无一 (a ruling read beside 无): no title begins or ends that way, so the cell holds no title,
    unsure alone; the other form's sure 无 makes the forms agree (FORMS_CONSISTENT passes)."""
    from validators.rules.base import either_right

    read = word + stray if at == "end" else stray + word
    forms = _title_cells(read)
    got, main = forms["submit_form"]["current_title"], forms["eval_form"]["current_title"]
    assert got.value == "无" and got.confidence < THRESHOLD
    assert either_right(got.confidence, main.confidence) >= THRESHOLD


@pytest.mark.parametrize("read", ("工程师一", "一工程师", "无线工程", "无一二", "高级无"))
def test_a_title_or_more_than_one_glyph_beside_no_title_stays_what_it_reads(read: str) -> None:
    """Only one glyph more than a no-title word reads as no title: a title with a stray glyph stays
    that title, and two glyphs more (无一二) or a word around 无 is no no-title answer."""
    got = _title_cells(read)["submit_form"]["current_title"]
    assert got.value != "无"


TITLES_WITH_STRAYS = ("副主任医师", "主治医师", "高级工程师", "工程师", "一级教师", "经济师", "馆员")


@pytest.mark.parametrize("title", TITLES_WITH_STRAYS)
# One glyph (印) is a character off the title for match_title's fuzzy match; more are not.
@pytest.mark.parametrize("stray", ("浴 AAA", "印章", "口口", "印"))
def test_a_title_with_stray_glyphs_after_it_is_that_title_confirmed_by_the_other_form(title: str, stray: str) -> None:
    """副主任医师浴 AAA (a seal's edge read into a wide value cell): the title it begins with,
    unsure alone; the other form's sure reading of that title makes the forms agree."""
    from validators.rules.base import either_right

    forms = _title_cells(title + stray, main=title)
    got, main = forms["submit_form"]["current_title"], forms["eval_form"]["current_title"]
    assert got.value == title and got.confidence < THRESHOLD and "title_stray" in got.checks
    assert either_right(got.confidence, main.confidence) >= THRESHOLD


@pytest.mark.parametrize("read", ("一级教师二级教师", "工程师高级工程师"))
def test_a_title_followed_by_another_title_is_no_title_with_strays(read: str) -> None:
    got = _title_cells(read, main="工程师")["submit_form"].get("current_title")
    assert got is None or "title_stray" not in got.checks
