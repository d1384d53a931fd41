"""Closed vocabularies decide a value's reading: the catalogue of majors (extractors/data/majors.txt)
repairs a look-alike misreading, unsure until a second reading confirms it, and leaves an
ambiguous or unknown reading as read."""

from __future__ import annotations

import pytest

from dossierflow.models import Document, PageContent, Segment
from extractors import lexicons as lx
from extractors.fields import extract_fields, extract_form_fields
from fixtures import data
from tests.rules_builder import Dossier, by_rule, context
from tests.test_fields import pt_page
from validators.engine import evaluate_dossier
from validators.rulebook import load_rulebook

RB = load_rulebook()


def test_every_major_the_generator_draws_is_in_the_catalogue() -> None:
    drawn = {major for pairs in data.SPECIALTIES.values() for _, major in pairs}
    assert drawn and not {m for m in drawn if m not in lx.majors()}


def test_the_generators_specialties_are_never_repaired() -> None:
    # A 申报专业 that is no major (小学语文, 道路与桥梁) is what the form says.
    for pairs in data.SPECIALTIES.values():
        for specialty, _ in pairs:
            assert lx.snap_major(specialty, lx.SPECIALTY_BUDGET).verdict in ("exact", "unknown"), specialty


@pytest.mark.parametrize("reading", ["台金工程", "治金工程"])
def test_a_look_alike_misreading_of_a_major_is_that_major_unsure(reading: str) -> None:
    for budget in (lx.MAJOR_BUDGET, lx.SPECIALTY_BUDGET):
        snap = lx.snap_major(reading, budget)
        assert (snap.value, snap.verdict) == ("冶金工程", "repaired")
        assert snap.certainty < RB.confidence_threshold


def test_a_major_in_the_catalogue_or_near_none_is_left_as_read() -> None:
    assert lx.snap_major("冶金工程") == lx.Snap("冶金工程", 1.0, "exact")
    assert lx.snap_major("工业与民用建筑筑").verdict == "unknown"
    # Two characters: one glyph turns a real major into another (化学, 力学): never repaired.
    assert lx.snap_major("化字").verdict == "unknown"


def test_a_long_major_with_any_one_glyph_misread_is_repaired_but_a_specialty_only_for_a_look_alike() -> None:
    assert lx.snap_major("电气工程及其目动化").value == "电气工程及其自动化"
    assert lx.snap_major("电气工程及其目动化", lx.SPECIALTY_BUDGET).verdict == "unknown"


def test_a_reading_as_near_two_entries_is_left_as_read_and_unsure() -> None:
    lexicon = lx.Lexicon(("冶金工程", "台金工程"))  # 治 looks like both 冶 and 台
    snap = lexicon.snap("治金工程", lx.MAJOR_BUDGET)
    assert (snap.value, snap.verdict) == ("治金工程", "ambiguous")
    assert snap.certainty < RB.confidence_threshold


def test_look_alikes_cost_less_than_other_misreadings() -> None:
    assert lx.misread_cost("冶金", "治金") == lx.LOOKALIKE_COST
    assert lx.misread_cost("冶金", "省金") == 1.0
    assert lx.misread_cost("冶金", "冶金") == 0.0


ROWS = [["姓名", "王强"], ["申报专业", "治金工程"], ["所学专业", "台金工程"], ["最高学历", "大学本科"]]


def _ocr_form(rows: list[list[str]], alternatives: dict[str, str] | None = None) -> PageContent:
    page = pt_page(rows, file="A1/评审表.pdf", table=False, widths=[90.0, 150.0])
    page = page.model_copy(update={"method": "ocr"})
    alts = alternatives or {}
    page.segments[:] = [s.model_copy(update={"alternatives": [alts[s.text]], "alternative_confs": [0.9]})
                        if s.text in alts else s for s in page.segments]
    return page


def test_a_form_reading_the_catalogue_repairs_stays_below_the_threshold() -> None:
    page = _ocr_form(ROWS)
    fields = extract_fields([page], [Document(kind="eval_form", file=page.file, pages=[1], confidence=1.0)])
    for key in ("specialty", "major"):
        assert fields[key].value == "冶金工程"
        assert fields[key].confidence < RB.confidence_threshold
        assert fields[key].raw in ("治金工程", "台金工程")


def test_the_second_recognisers_catalogue_reading_is_taken_as_read() -> None:
    page = _ocr_form(ROWS, {"台金工程": "冶金工程"})
    fields = extract_fields([page], [Document(kind="eval_form", file=page.file, pages=[1], confidence=1.0)])
    assert fields["major"].value == "冶金工程" and fields["major"].confidence >= RB.confidence_threshold


def test_a_diploma_reading_the_repaired_major_confirms_it() -> None:
    form = _ocr_form(ROWS)
    diploma = PageContent(file="A1/毕业证书.pdf", page=1, method="ocr", width_pt=595.0, height_pt=842.0, segments=[
        Segment(text=t, box=(60.0, 60.0 + 24 * i, 500.0, 76.0 + 24 * i), conf=0.95) for i, t in enumerate(
            ["毕业证书", "学生王强，性别男，1990年1月生，于2008年9月至2012年7月在本校冶金工程专",
             "业四年制本科学习，修完教学计划规定的全部课程，成绩合格，准予毕业。", "校名:内蒙古科技大学", "2012年7月"])])
    docs = [Document(kind="eval_form", file=form.file, pages=[1], confidence=1.0),
            Document(kind="diploma", file=diploma.file, pages=[1], confidence=1.0)]
    fields = extract_fields([form, diploma], docs)
    assert fields["major"].value == "冶金工程" and fields["major"].confidence >= RB.confidence_threshold
    # The specialty has no certificate to confirm it: it stays unsure.
    assert fields["specialty"].confidence < RB.confidence_threshold
    assert extract_form_fields([form, diploma], docs)["eval_form"]["major"].confidence < RB.confidence_threshold


def test_recognition_on_a_repaired_major_is_review_not_a_verdict() -> None:
    d = (Dossier().set("route", "recognition").set("current_title", "无").set("applied_title", "助理工程师")
         .set("applied_level", "assistant").set("work_start_date", "2015-08").set("graduation_date", "2015-07")
         .set("specialty", "冶金工程"))
    assert by_rule(evaluate_dossier(d.set("major", "冶金工程").build(), RB, context()))["SENIORITY"].outcome == "pass"
    repaired = lx.snap_major("台金工程")
    unsure = d.set("major", repaired.value, conf=0.95 * repaired.certainty)
    assert by_rule(evaluate_dossier(unsure.build(), RB, context()))["SENIORITY"].outcome == "review"


def test_a_second_reading_outside_the_catalogue_does_not_replace_the_repair() -> None:
    # The other recogniser's 冶金工桯 parses as text, but names no major: the repair stands.
    page = _ocr_form(ROWS, {"台金工程": "冶金工桯"})
    fields = extract_fields([page], [Document(kind="eval_form", file=page.file, pages=[1], confidence=1.0)])
    assert fields["major"].value == "冶金工程" and fields["major"].confidence < RB.confidence_threshold


def test_the_places_list_names_the_generators_counties_and_tells_their_towns() -> None:
    from extractors import normalize as nz

    assert set(nz.COUNTIES) == set(data.COUNTIES)
    for county, (_, towns) in data.COUNTIES.items():
        assert nz.region_level(county) == "county"
        for town in towns:
            assert nz.region_level(county + town) == "township", town
    assert nz.region_level("达茂旗") == "county" and nz.region_level("市直") == "city"
