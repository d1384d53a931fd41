"""A date that normalisation had to repair is a guess: unsure until a second reading confirms it,
so rules say review and no integrity lead rests on it."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
import yaml

from dossierflow.models import Document, PageContent, Segment
from extractors import normalize as nz
from extractors.evidence.common import last_date, make_evidence, period_of
from extractors.fields import extract_fields, read_form
from extractors.layout import DocView
from tests.test_fields import A4, pt_page
from tests.test_integrity_support import ctx, make_dossier, make_id
from validators.integrity import dossier_flags

THRESHOLD = yaml.safe_load((Path(__file__).parent.parent / "validators/rulebooks/baotou-2020.yaml").read_text("utf-8"))[
    "confidence_threshold"
]

# (as OCR read it, the date the repair makes): one row per kind of repair.
REPAIRED = [
    ("二二八年五月", "2028-05"),  # a lost 〇 assumed (二〇〇八 under a seal may read so)
    ("二一八年三月", "2018-03"),  # a year completed: 二 taken for 二〇
    ("二候一八年三月", "2018-03"),  # a misread character replaced: 候 taken for 〇
    ("二O〇一八年三月", "2018-03"),  # a stray glyph in a year dropped
    ("2019年三4月", "2019-04"),  # a glyph read as a numeral dropped from the month
    ("201911月", "2019-11"),  # a lost year unit assumed
    ("2020/SV15", "2020-05-15"),  # a misread digit replaced: S taken for 5
]
# Read as written, or with a glyph that stands for exactly one character: nothing assumed.
AS_READ = [
    ("二〇〇八年五月", "2008-05"),
    ("二〇一八年三月", "2018-03"),
    ("2019年11月", "2019-11"),
    ("2O19年11月", "2019-11"),  # an O among digits is 0
    ("l998年3月", "1998-03"),  # an l before 998 is 1
    ("2020年5月15日", "2020-05-15"),
]


def test_exactly_the_dates_only_a_repair_makes_are_marked_repaired() -> None:
    for text, iso in REPAIRED:
        reading = nz.read_date(text)
        assert reading is not None and reading.iso == iso and reading.repaired, text
        assert nz.is_repaired(nz.parse_date(text)) and all(h.repaired for h in nz.find_dates(text)), text
    for text, iso in AS_READ:
        reading = nz.read_date(text)
        assert reading is not None and reading.iso == iso and not reading.repaired, text
        assert not nz.is_repaired(nz.parse_date(text)), text


def test_a_slash_read_as_seven_is_a_repair() -> None:
    assert nz.repair_slash_date("200377") == "2003-07" and nz.is_repaired(nz.repair_slash_date("200377"))


def test_a_form_date_is_unsure_exactly_when_it_was_repaired() -> None:
    def read(text: str):
        return read_form([pt_page([["姓名", "王建国"], ["现职称取得时间", text]], conf=0.99)])["current_title_date"]

    for text, iso in REPAIRED:
        got = read(text)
        assert got.value == iso and got.confidence < THRESHOLD, text
    for text, iso in AS_READ:
        got = read(text)
        assert got.value == iso and got.confidence >= THRESHOLD, text


def _form_with_runner_up(value: str, runner_up: str) -> PageContent:
    return PageContent(file="A1/送审表.pdf", page=1, method="ocr", width_pt=A4[0], height_pt=A4[1], segments=[
        Segment(text="专业技术资格送审表", box=(200.0, 60.0, 400.0, 80.0), conf=0.95),
        Segment(text="姓名：王建国", box=(58.0, 89.0, 124.0, 113.0), conf=0.99),
        Segment(text=f"毕业时间：{value}", box=(57.0, 228.0, 189.0, 250.0), conf=0.79,
                alternatives=[f"毕业时间：{runner_up}"], alternative_confs=[0.7]),
    ])


def test_the_second_recogniser_reading_the_date_as_written_confirms_it() -> None:
    got = read_form([_form_with_runner_up("二一八年三月", "二〇一八年三月")])["graduation_date"]
    assert got.value == "2018-03" and got.confidence >= THRESHOLD
    # A runner-up that only the same repair makes a date confirms nothing.
    got = read_form([_form_with_runner_up("二一八年三月", "二一八年三月")])["graduation_date"]
    assert got.value == "2018-03" and got.confidence < THRESHOLD


def test_the_same_date_read_on_the_other_form_confirms_it() -> None:
    rows = lambda d: [["姓名", "王建国"], ["毕业时间", d]]  # noqa: E731
    eval_page = pt_page(rows("二一八年三月"), conf=0.9)
    submit_page = pt_page(rows("二〇一八年三月"), file="A1/送审表.pdf", title="专业技术资格送审表", conf=0.9)
    docs = [Document(kind="eval_form", file="A1/评审表.pdf", pages=[1], confidence=1.0),
            Document(kind="submit_form", file="A1/送审表.pdf", pages=[1], confidence=1.0)]
    got = extract_fields([eval_page, submit_page], docs)["graduation_date"]
    assert got.value == "2018-03" and got.confidence >= THRESHOLD
    # Two readings the same repair made are one guess twice, not two witnesses.
    submit_page = pt_page(rows("二一八年三月"), file="A1/送审表.pdf", title="专业技术资格送审表", conf=0.9)
    got = extract_fields([eval_page, submit_page], docs)["graduation_date"]
    assert got.value == "2018-03" and got.confidence < THRESHOLD


def _view() -> DocView:
    return DocView([pt_page([["毕业证书"]], file="A1/scan.pdf", title=None, conf=0.95)])


@pytest.mark.parametrize("text,iso", REPAIRED)
def test_evidence_dated_by_a_repair_is_below_the_threshold(text: str, iso: str) -> None:
    for attr in ("date", "since", "period_from", "period_to"):
        ev = make_evidence("diploma", _view(), **{attr: nz.parse_date(text)})
        assert getattr(ev, attr) == iso and type(getattr(ev, attr)) is str
        assert ev.confidence < THRESHOLD
    assert make_evidence("diploma", _view(), date=nz.parse_date(AS_READ[0][0])).confidence >= THRESHOLD


ID = make_id(dt.date(1985, 3, 15), female=False, serial=21)


def _codes(ex) -> set[str]:
    return {f.code for f in dossier_flags(ex, ctx(), THRESHOLD)}


def test_no_integrity_lead_rests_on_a_repaired_form_date() -> None:
    # 二〇〇八 read 二二八 and repaired to 2028: after the processing day, and not the title
    # certificate's date. A confident reading of the same date raises both leads.
    as_read = read_form([pt_page([["现职称取得时间", "二〇二八年五月"]], conf=0.99)])["current_title_date"]
    repaired = read_form([pt_page([["现职称取得时间", "二二八年五月"]], conf=0.99)])["current_title_date"]
    assert as_read.value == repaired.value == "2028-05"
    dossier = make_dossier("A0003", random.Random(3), name="王建国", id_number=ID)
    assert not {"DATE_IMPOSSIBLE", "FORM_EVIDENCE_MISMATCH"} & _codes(dossier)
    dossier.fields["current_title_date"] = as_read
    assert {"DATE_IMPOSSIBLE", "FORM_EVIDENCE_MISMATCH"} <= _codes(dossier)
    dossier.fields["current_title_date"] = repaired
    assert not {"DATE_IMPOSSIBLE", "FORM_EVIDENCE_MISMATCH"} & _codes(dossier)


def test_no_integrity_lead_rests_on_a_repaired_evidence_date() -> None:
    dossier = make_dossier("A0003", random.Random(3), name="王建国", id_number=ID)
    diploma = dossier.items("diploma")[0]
    at = dossier.evidence.index(diploma)
    kept = diploma.model_dump(exclude={"kind", "source", "date", "confidence"})
    # Born 1985: a diploma of 1980 is before birth. Read as written, that is a lead.
    dossier.evidence[at] = make_evidence("diploma", _view(), date=nz.parse_date("1980年7月"), **kept)
    assert {"DATE_IMPOSSIBLE", "FORM_EVIDENCE_MISMATCH"} <= _codes(dossier)
    # 1980年7月 only because a lost year unit was assumed (19807月): no lead.
    dossier.evidence[at] = make_evidence("diploma", _view(), date=nz.parse_date("19807月"), **kept)
    assert dossier.evidence[at].date == "1980-07"
    assert not {"DATE_IMPOSSIBLE", "FORM_EVIDENCE_MISMATCH"} & _codes(dossier)


def _lines(*lines: str) -> DocView:
    return DocView([pt_page([[ln] for ln in lines], file="A1/scan.pdf", title=None, conf=0.95)])


def test_a_certificates_bottom_date_keeps_the_mark_of_its_repair() -> None:
    repaired = last_date(_lines("职称证书", "兹证明王建国同志具备助教资格", "二二八年八月"))
    assert repaired == "2028-08" and nz.is_repaired(repaired)
    as_read = last_date(_lines("职称证书", "兹证明王建国同志具备助教资格", "二〇〇八年八月"))
    assert as_read == "2008-08" and not nz.is_repaired(as_read)


def test_a_period_keeps_the_mark_of_its_repair() -> None:
    start, end = period_of(_lines("公示时间：20205月18日至2020年5月25日"))
    assert (start, end) == ("2020-05-18", "2020-05-25") and nz.is_repaired(start) and not nz.is_repaired(end)
    # An end written without its year has the start's, and so the start's repair.
    start, end = period_of(_lines("公示时间：20205月20日至5月24日"))
    assert (start, end) == ("2020-05-20", "2020-05-24") and nz.is_repaired(start) and nz.is_repaired(end)
    start, end = period_of(_lines("公示时间：2020年5月20日至5月24日"))
    assert not nz.is_repaired(start) and not nz.is_repaired(end)
