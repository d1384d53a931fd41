"""Materials rules and EVIDENCE_DATED: boundaries, exemptions, and review on unreadable input."""

from __future__ import annotations

import pytest

from dossierflow.models import PhotoInfo
from tests.rules_builder import Dossier, by_rule, context
from validators.engine import evaluate_dossier
from validators.rulebook import load_rulebook
from validators.status import derive_status

RB = load_rulebook()


def run(d: Dossier, **ctx):
    return by_rule(evaluate_dossier(d.build(), RB, context(**ctx)))


def test_baseline_dossier_is_accepted_with_one_finding_per_rule():
    findings = evaluate_dossier(Dossier().build(), RB, context())
    codes = [f.rule for f in findings]
    assert len(codes) == len(set(codes)) == 24 and "POST_QUOTA" not in codes
    assert all(f.clause and f.message for f in findings)
    assert derive_status(findings, []) == "accepted"


def test_missing_forms_fail_and_low_confidence_form_is_review():
    f = run(Dossier().remove("eval_form"))
    assert f["EVAL_FORM_PRESENT"].outcome == "fail" and "评审表" in f["EVAL_FORM_PRESENT"].message
    assert f["FORMS_CONSISTENT"].outcome == "not_applicable"
    d = Dossier().remove("submit_form").doc("submit_form", conf=0.3)
    assert run(d)["SUBMIT_FORM_PRESENT"].outcome == "review"


def test_pledge_unsigned_or_signed_by_someone_else_fails():
    d = Dossier().remove("pledge").doc("pledge").ev("pledge", signed=False)
    assert run(d)["PLEDGE_SIGNED"].outcome == "fail"
    d = Dossier().remove("pledge").doc("pledge").ev("pledge", signed=True, signer="李四")
    d.pages = [pg.model_copy(update={"method": "text"}) for pg in d.pages]  # a typed name, not handwriting
    f = run(d)["PLEDGE_SIGNED"]
    assert f.outcome == "fail" and "李四" in f.message
    assert run(Dossier().remove("pledge"))["PLEDGE_SIGNED"].outcome == "fail"
    d = Dossier().remove("pledge").doc("pledge").ev("pledge", signed=True, signer="王 秀英")
    assert run(d)["PLEDGE_SIGNED"].outcome == "pass"


def test_photo_aspect_and_background():
    def photo(aspect: float, light: float = 0.95) -> Dossier:
        info = PhotoInfo(width_px=400, height_px=560, aspect=aspect, background_lightness=light, portrait=True)
        return Dossier().remove("photo").ev("photo", photo=info)

    assert run(photo(0.66))["PHOTO_PRESENT"].outcome == "pass"
    assert run(photo(0.65))["PHOTO_PRESENT"].outcome == "fail"
    assert run(photo(0.77))["PHOTO_PRESENT"].outcome == "fail"
    assert run(photo(0.71, light=0.3))["PHOTO_PRESENT"].outcome == "fail"
    assert run(Dossier().remove("photo"))["PHOTO_PRESENT"].outcome == "fail"


def test_a4_tolerance_five_mm_either_orientation():
    mm = 72 / 25.4
    assert run(Dossier().doc("award", size=(215 * mm, 302 * mm)))["ATTACHMENTS_A4"].outcome == "pass"
    assert run(Dossier().doc("award", size=(297 * mm, 210 * mm)))["ATTACHMENTS_A4"].outcome == "pass"
    f = run(Dossier().doc("award", pages=2, size=(216 * mm, 279 * mm)))["ATTACHMENTS_A4"]  # US Letter
    assert f.outcome == "fail" and len(f.sources) == 2 and f.sources[0].page is not None
    # A form on A3 is not an attachment page.
    assert run(Dossier().doc("eval_form", size=(297 * mm, 420 * mm)))["ATTACHMENTS_A4"].outcome == "pass"


def test_material_list_item_not_found_fails_and_unknown_item_is_review():
    d = Dossier()
    d.evidence[[e.kind for e in d.evidence].index("material_list")].items.append({"no": 4, "name": "毕业证书", "pages": 1})
    f = run(d)["MATERIAL_LIST_MATCHES"]
    assert f.outcome == "fail" and "毕业证书" in f.message
    d.doc("diploma")
    assert run(d)["MATERIAL_LIST_MATCHES"].outcome == "pass"
    d.evidence[[e.kind for e in d.evidence].index("material_list")].items.append({"no": 5, "name": "其他", "pages": 1})
    assert run(d)["MATERIAL_LIST_MATCHES"].outcome == "review"
    assert run(Dossier().remove("material_list"))["MATERIAL_LIST_MATCHES"].outcome == "fail"


def test_material_list_item_with_one_misread_character():
    def listing(name: str) -> Dossier:
        d = Dossier()
        d.evidence[[e.kind for e in d.evidence].index("material_list")].items.append({"no": 4, "name": name, "pages": 1})
        return d

    # 委托函 read 委托画: the entrustment letter is there, so the list matches.
    assert run(listing("单位委托画").doc("entrustment"))["MATERIAL_LIST_MATCHES"].outcome == "pass"
    # Guessed through a misread character and not found: a clerk looks, it is not called missing.
    f = run(listing("单位委托画"))["MATERIAL_LIST_MATCHES"]
    assert f.outcome == "review" and "委托画" in f.message
    # One character from two kinds (学位证 / 学历证): unclear, not a guess.
    assert run(listing("学x证书").doc("degree").doc("diploma"))["MATERIAL_LIST_MATCHES"].outcome == "review"
    # Two misread characters of three are too many.
    assert run(listing("委拆画").doc("entrustment"))["MATERIAL_LIST_MATCHES"].outcome == "review"


def test_claims_need_matching_attachments():
    d = Dossier().ev("claimed_paper", title="城市道路沥青路面病害成因分析", date="2018-05")
    f = run(d)["CLAIMS_SUPPORTED"]
    assert f.outcome == "fail" and "沥青路面" in f.message
    d.paper("城市道路沥青路面病害成因分析", "2018-05")
    assert run(d)["CLAIMS_SUPPORTED"].outcome == "pass"


def test_forms_disagree_fails_naming_the_field():
    d = Dossier()
    d.submit_values = {k: d.fields[k][0] for k in ("name", "employer", "series", "applied_title", "current_title", "education")}
    d.submit_values["applied_title"] = "正高级工程师"
    f = run(d)["FORMS_CONSISTENT"]
    assert f.outcome == "fail" and "申报资格" in f.message and len(f.sources) == 2
    d.submit_values = {}
    assert run(d)["FORMS_CONSISTENT"].outcome == "review"


def test_forms_read_alike_agree_however_unsure_one_reading_is():
    d = Dossier().set("current_title", "一级教师")
    d.submit_values = {k: d.fields[k][0] for k in ("name", "employer", "series", "applied_title", "current_title", "education")}
    d.submit_conf["current_title"] = 0.51
    assert run(d)["FORMS_CONSISTENT"].outcome == "pass"
    d.submit_values["current_title"] = "二级教师"  # unsure and different: not read, not a difference
    assert run(d)["FORMS_CONSISTENT"].outcome == "review"
    d.submit_values["current_title"] = "一级教师"
    d.set("current_title", "一级教师", conf=0.3)
    d.submit_conf["current_title"] = 0.3  # two poor readings: still less sure than the threshold
    assert run(d)["FORMS_CONSISTENT"].outcome == "review"


def test_forms_that_differ_only_in_brackets_or_stops_agree():
    d = Dossier().set("employer", "包头钢铁（集团）有限责任公司")
    d.submit_values = {k: d.fields[k][0] for k in ("name", "employer", "series", "applied_title", "current_title", "education")}
    d.submit_values["employer"] = "包头钢铁集团有限责任公司"
    assert run(d)["FORMS_CONSISTENT"].outcome == "pass"
    d.submit_values["employer"] = "包头钢铁集团有限责任公司."
    assert run(d)["FORMS_CONSISTENT"].outcome == "pass"
    d.submit_values["employer"] = "包头铝业集团有限责任公司"
    assert run(d)["FORMS_CONSISTENT"].outcome == "fail"


def test_publicity_must_end_by_batch_submission_without_objection():
    def pub(to: str, result: str = "无异议") -> Dossier:
        return Dossier().remove("publicity").doc("publicity").ev("publicity", period_from="2020-06-10", period_to=to, result=result)

    assert run(pub("2020-06-18"))["PUBLICITY_DONE"].outcome == "pass"
    assert run(pub("2020-06-19"))["PUBLICITY_DONE"].outcome == "fail"
    assert run(pub("2020-06-01", "有异议"))["PUBLICITY_DONE"].outcome == "fail"
    # Without submitted_on in batch.yaml the processing date (2020-07-01) is the limit.
    assert run(pub("2020-06-25"), submitted_on=None)["PUBLICITY_DONE"].outcome == "pass"
    assert run(Dossier().remove("publicity"))["PUBLICITY_DONE"].outcome == "fail"


def test_publicity_whose_end_was_not_read_is_bounded_by_the_statements_date():
    def pub(dated: str, start: str = "2020-06-10") -> Dossier:
        return Dossier().remove("publicity").doc("publicity").ev("publicity", period_from=start, date=dated, result="无异议")

    f = run(pub("2020-06-17"))["PUBLICITY_DONE"]
    assert f.outcome == "pass" and "2020-06-17" in f.message
    # Dated after the submission, or before the start: the end is not bounded, a human reads it.
    assert run(pub("2020-06-19"))["PUBLICITY_DONE"].outcome == "review"
    assert run(pub("2020-06-05"))["PUBLICITY_DONE"].outcome == "review"


def _card(public_2020: float, date: str = "2020-05-20", years=("2018", "2019", "2020")) -> Dossier:
    hours = {y: {"public": 30.0, "professional": 60.0} for y in years}
    if "2020" in hours:
        hours["2020"] = {"public": public_2020, "professional": 0.0}
    return Dossier().remove("ce_card").drop("public_ce_hours").doc("ce_card").ev("ce_card", date=date, hours=hours)


def test_ce_card_hours_years_and_date():
    assert run(_card(30))["CE_CARD_VALID"].outcome == "pass"  # 专业科目 0 in 2020 is fine
    f = run(_card(29.5))["CE_CARD_VALID"]
    assert f.outcome == "fail" and "29.5" in f.message
    assert run(_card(30, years=("2019", "2020")))["CE_CARD_VALID"].outcome == "fail"
    assert run(_card(30, date="2020-06-10"))["CE_CARD_VALID"].outcome == "pass"  # on the submission day
    assert run(_card(30, date="2020-06-11"))["CE_CARD_VALID"].outcome == "fail"  # the day after
    assert run(Dossier().remove("ce_card"))["CE_CARD_VALID"].outcome == "fail"


def _card_reading(**reading) -> Dossier:
    hours = {y: {"public": 30.0, "professional": 60.0} for y in ("2018", "2019")}
    return Dossier().remove("ce_card").drop("public_ce_hours").doc("ce_card").ev(
        "ce_card", date="2020-05-20", hours=reading.pop("hours", hours), **reading)


def test_a_ce_year_seen_on_the_card_but_unread_is_review_never_called_missing():
    # Confidently absent: no row of 2020 on the card.
    f = run(_card_reading())["CE_CARD_VALID"]
    assert f.outcome == "fail" and "2020" in f.message
    # The 2020 row is there, its hours unread (a seal on the row): a human looks.
    f = run(_card_reading(unread_parts=["2020"]))["CE_CARD_VALID"]
    assert f.outcome == "review" and "2020年度" in f.message
    # A row of hours whose year went unread may be 2020's.
    assert run(_card_reading(unread_parts=["?"]))["CE_CARD_VALID"].outcome == "review"
    # An unread row of another year does not make 2020's absence unsure.
    assert run(_card_reading(unread_parts=["2017"]))["CE_CARD_VALID"].outcome == "fail"
    # A 2020 row read below the threshold is not confident evidence of absence either way.
    hours = {y: {"public": 30.0, "professional": 60.0} for y in ("2018", "2019")}
    hours["2020"] = {"public": 12.0, "professional": 60.0}
    f = run(_card_reading(hours=hours, part_confidence={"2018": 0.9, "2019": 0.9, "2020": 0.4}))["CE_CARD_VALID"]
    assert f.outcome == "review"
    assert run(_card_reading(hours=hours, part_confidence={"2020": 0.9}))["CE_CARD_VALID"].outcome == "fail"


def test_a_ce_card_on_which_no_year_was_read_is_review_never_called_missing():
    # The card is there and read reliably as a card, but not one of its rows was read: that is
    # no evidence of which years it holds.
    for hours in ({}, None):
        f = run(_card_reading(hours=hours))["CE_CARD_VALID"]
        assert f.outcome == "review" and f.sources, (hours, f)


def test_a_listed_item_whose_name_was_read_unsurely_is_never_called_missing():
    def listing(conf: float) -> Dossier:
        d = Dossier()
        lst = d.evidence[[e.kind for e in d.evidence].index("material_list")]
        lst.items.append({"no": 4, "name": "毕业证书", "pages": 1})
        lst.part_confidence = {"4": conf}
        return d

    f = run(listing(0.3))["MATERIAL_LIST_MATCHES"]
    assert f.outcome == "review" and "4号条目" in f.message
    assert run(listing(0.9))["MATERIAL_LIST_MATCHES"].outcome == "fail"


def test_ce_card_exemptions_township_non_public_covid():
    bare = lambda: Dossier().remove("ce_card")  # noqa: E731
    assert run(bare().set("region_level", "township"))["CE_CARD_VALID"].outcome == "not_applicable"
    assert run(bare().set("employer_type", "non_public"))["CE_CARD_VALID"].outcome == "not_applicable"
    assert run(bare().set("employer_type", "social_org"))["CE_CARD_VALID"].outcome == "not_applicable"
    covid = bare().set("series", "卫生").doc("covid_proof").ev("covid_proof", unit="包头市传染病医院")
    f = run(covid)["CE_CARD_VALID"]
    assert f.outcome == "not_applicable" and "疫情" in f.message
    # A bare 是 on the form without proof: the exemption may apply, a human decides.
    assert run(bare().set("series", "卫生").set("covid_frontline", True))["CE_CARD_VALID"].outcome == "review"


def test_entrustment_for_external_units_only():
    d = Dossier().set("employer_type", "external_unit")
    assert run(d)["ENTRUSTMENT_PRESENT"].outcome == "fail"
    assert run(d.doc("entrustment"))["ENTRUSTMENT_PRESENT"].outcome == "pass"
    assert run(Dossier())["ENTRUSTMENT_PRESENT"].outcome == "not_applicable"


def _city_health() -> Dossier:
    return (Dossier().set("series", "卫生").set("region", "市直").set("region_level", "city")
            .set("current_title", "主治医师").set("applied_title", "副主任医师"))


def test_evidence_dated_on_submission_day_counts_day_after_does_not():
    on_day = run(_city_health().paper("肺部感染的诊治", "2020-06-10"))
    assert on_day["EVIDENCE_DATED"].outcome == "pass"
    assert on_day["REPRESENTATIVE_WORK"].outcome == "pass"
    late = run(_city_health().paper("肺部感染的诊治", "2020-06-11"))
    assert late["EVIDENCE_DATED"].outcome == "fail" and late["EVIDENCE_DATED"].severity == "warning"
    assert "2020-06-11" in late["EVIDENCE_DATED"].message and late["EVIDENCE_DATED"].sources
    # The late paper is left out: the only paper gone, representative work fails.
    assert late["REPRESENTATIVE_WORK"].outcome == "fail"
    assert run(Dossier())["EVIDENCE_DATED"].outcome == "not_applicable"


def test_a_scanned_date_years_past_the_processing_day_is_a_misreading_not_a_late_item():
    # Processing day 2020-07-01: 二〇一三 read as 2043 on a scan cannot be the item's date.
    misread = run(_city_health().paper("肺部感染的诊治", "2043-07"))
    assert misread["EVIDENCE_DATED"].outcome == "review"
    assert misread["REPRESENTATIVE_WORK"].outcome == "review"
    # Within two years of it a scanned date is taken as read: late, a warning, left out.
    assert run(_city_health().paper("肺部感染的诊治", "2022-06"))["EVIDENCE_DATED"].outcome == "fail"
    # A text-layer page holds the date as typed: far in the future is still late.
    typed = _city_health().paper("肺部感染的诊治", "2043-07")
    typed.pages = [p.model_copy(update={"method": "text"}) for p in typed.pages]
    assert run(typed)["EVIDENCE_DATED"].outcome == "fail"


def test_representative_work_scope_and_exemptions():
    assert run(_city_health())["REPRESENTATIVE_WORK"].outcome == "fail"
    assert run(_city_health().set("region", "固阳县").set("region_level", "county"))["REPRESENTATIVE_WORK"].outcome == "not_applicable"
    assert run(_city_health().set("employer_type", "non_public"))["REPRESENTATIVE_WORK"].outcome == "not_applicable"
    covid = _city_health().doc("covid_proof").ev("covid_proof", unit="包头市第四医院")
    assert run(covid)["REPRESENTATIVE_WORK"].outcome == "not_applicable"
    # 工程 at deputy level needs no paper, but 正高级工程师 at a city unit does.
    city_eng = Dossier().set("region", "市直").set("region_level", "city")
    assert run(city_eng)["REPRESENTATIVE_WORK"].outcome == "not_applicable"
    senior = city_eng.set("applied_title", "正高级工程师").set("applied_level", "senior").set("current_title", "高级工程师")
    assert run(senior)["REPRESENTATIVE_WORK"].outcome == "fail"
    assert run(Dossier().set("employer_type", "external_unit").set("series", "经济"))["REPRESENTATIVE_WORK"].outcome == "fail"
    undated = _city_health().paper("肺部感染的诊治", None)
    assert run(undated)["REPRESENTATIVE_WORK"].outcome == "review"


def test_late_evidence_is_only_a_warning_for_status():
    findings = evaluate_dossier(Dossier().paper("道路养护", "2020-07-01").build(), RB, context())
    assert by_rule(findings)["EVIDENCE_DATED"].outcome == "fail"
    assert derive_status(findings, []) == "accepted"


def _docx_form(file: str, rows: list[tuple[str, str]]):
    from dossierflow.models import PageContent, Segment

    segs = []
    for r, (label, value) in enumerate(rows):
        segs.append(Segment(text=label, box=(0, r, 1, r + 1), conf=1.0, locator=f"table 1, row {r + 1}, cell 1", cell=(0, r, 0)))
        segs.append(Segment(text=value, box=(1, r, 2, r + 1), conf=1.0, locator=f"table 1, row {r + 1}, cell 2", cell=(0, r, 1)))
    return PageContent(file=file, method="docx", coords="grid", segments=segs)


def test_forms_consistent_reads_the_submit_form_pages_when_the_extraction_has_no_per_form_values():
    from dossierflow.models import Document

    rows = [("姓名", "王秀英"), ("工作单位", "包头市昆都仑区市政工程管理所"), ("申报系列", "工程"),
            ("申报资格", "高级工程师"), ("现任专业技术职务", "工程师"), ("最高学历", "本科")]
    d = Dossier()
    d.documents = [x for x in d.documents if x.kind != "submit_form"]
    d.documents.append(Document(kind="submit_form", file="A0001/送审表.docx", pages=[], confidence=0.95))
    d.pages.append(_docx_form("A0001/送审表.docx", rows))
    ex = d.build().model_copy(update={"form_fields": {}})
    f = by_rule(evaluate_dossier(ex, RB, context()))["FORMS_CONSISTENT"]
    assert f.outcome == "pass"
    d.pages[-1] = _docx_form("A0001/送审表.docx", rows[:5] + [("最高学历", "大专")])
    ex = d.build().model_copy(update={"form_fields": {}})
    f = by_rule(evaluate_dossier(ex, RB, context()))["FORMS_CONSISTENT"]
    assert f.outcome == "fail" and "最高学历" in f.message and any(s.locator for s in f.sources)


def test_ocr_read_signature_that_differs_is_review_but_on_a_text_page_fails():
    d = Dossier().remove("pledge").doc("pledge").ev("pledge", signed=True, signer="和尹昨")
    assert run(d)["PLEDGE_SIGNED"].outcome == "review"  # the builder's booklet pages are OCR pages
    d.pages = [pg.model_copy(update={"method": "text"}) for pg in d.pages]
    assert run(d)["PLEDGE_SIGNED"].outcome == "fail"


def test_ocr_claim_close_to_an_attachment_title_is_review():
    d = Dossier().ev("claimed_paper", title="寒令地区治水管冈防东措施", date="2018-05")
    d.paper("寒冷地区给水管网防冻措施探讨", "2018-05")
    assert run(d)["CLAIMS_SUPPORTED"].outcome == "review"
    d.pages = [pg.model_copy(update={"method": "text"}) for pg in d.pages]
    assert run(d)["CLAIMS_SUPPORTED"].outcome == "fail"


def test_missing_document_with_unclassified_pages_is_review_not_fail():
    d = Dossier().remove("ce_card").doc("unknown", conf=0.5)
    f = run(d)["CE_CARD_VALID"]
    assert f.outcome == "review" and "未能识别类别" in f.message
    assert any(s.page == d.documents[-1].pages[0] for s in f.sources)
    assert run(Dossier().remove("ce_card"))["CE_CARD_VALID"].outcome == "fail"


def test_photo_of_right_size_without_detected_face_is_review():
    info = PhotoInfo(width_px=413, height_px=579, aspect=0.713, background_lightness=0.97, portrait=False)
    f = run(Dossier().remove("photo").ev("photo", photo=info))["PHOTO_PRESENT"]
    assert f.outcome == "review"
    bad = PhotoInfo(width_px=600, height_px=600, aspect=1.0, background_lightness=0.97, portrait=False)
    assert run(Dossier().remove("photo").ev("photo", photo=bad))["PHOTO_PRESENT"].outcome == "fail"


def test_paper_dated_only_by_its_issue_year():
    def paper(issue: str) -> Dossier:
        d = _city_health().doc("paper")
        return d.ev("paper", title="肺部感染的诊治", issue=issue, journal="内蒙古医学杂志")

    early = run(paper("2019年第3期"))
    assert early["EVIDENCE_DATED"].outcome == "pass" and early["REPRESENTATIVE_WORK"].outcome == "pass"
    assert run(paper("2021年第1期"))["EVIDENCE_DATED"].outcome == "fail"
    same_year = run(paper("2020年第7期"))  # submission 2020-06-10: the year alone cannot tell
    assert same_year["EVIDENCE_DATED"].outcome == "review"
    assert same_year["REPRESENTATIVE_WORK"].outcome == "review"


def test_claim_date_on_the_eval_form_dates_its_undated_attachment():
    d = _city_health().doc("paper").ev("paper", title="肺部感染的诊治", issue="2020年第7期")
    d.ev("claimed_paper", title="肺部感染的诊治", date="2020-07")
    f = run(d)
    assert f["EVIDENCE_DATED"].outcome == "fail" and f["EVIDENCE_DATED"].message.count("肺部感染的诊治") == 1
    assert f["REPRESENTATIVE_WORK"].outcome == "fail"
    assert f["CLAIMS_SUPPORTED"].outcome == "pass"


def test_ocr_claim_with_a_misread_attachment_of_the_same_month_is_review_and_header_rows_are_no_claims():
    d = Dossier().ev("claimed_paper", title="寒冷地区给水管网防冻措施探讨", date="2013-11")
    d.ev("claimed_paper", title="序号论文（著作）题目")
    d.paper("（包头市石拐区水利工作站内蒙古包头014000，", "2013-11")
    assert run(d)["CLAIMS_SUPPORTED"].outcome == "review"
    d.evidence[-1] = d.evidence[-1].model_copy(update={"date": "2015-03"})
    assert run(d)["CLAIMS_SUPPORTED"].outcome == "fail"


@pytest.mark.parametrize("read_as", ["探讨的重要性日益突出。结合冶金工程相关规范，本文建立了包含5项指标的评价体系",
                                     "（包头市石拐区水利工作站内蒙古包头014000，", "关键词：给水管网；防冻；实践"])
def test_a_scanned_paper_in_the_claims_journal_under_another_title_is_review_not_fail(read_as: str):
    # OCR took another line of the article page for its title (a line of the abstract, the
    # affiliation, the keywords); the claim's date cell was not read. The attachment is in the
    # claim's journal: it may be the claim's paper, so nothing is shown missing.
    d = Dossier().ev("claimed_paper", title="寒冷地区给水管网防冻措施探讨", journal="城市道桥与防洪")
    d.paper(read_as, "2016-09")
    assert run(d)["CLAIMS_SUPPORTED"].outcome == "review"
    # Another journal's paper is not this claim's; nor is a typed page's title misread.
    d.evidence[-1] = d.evidence[-1].model_copy(update={"journal": "内蒙古科技与经济"})
    assert run(d)["CLAIMS_SUPPORTED"].outcome == "fail"
    d.evidence[-1] = d.evidence[-1].model_copy(update={"journal": "城市道桥与防洪"})
    d.pages = [pg.model_copy(update={"method": "text"}) for pg in d.pages]
    assert run(d)["CLAIMS_SUPPORTED"].outcome == "fail"


def test_one_attachment_cannot_support_two_claims_of_one_kind():
    d = Dossier().ev("claimed_paper", title="城市道路沥青路面病害成因分析", date="2018-05")
    d.ev("claimed_paper", title="城市道路沥青路面病害成因分析", date="2018-05")
    d.paper("城市道路沥青路面病害成因分析", "2018-05")
    assert run(d)["CLAIMS_SUPPORTED"].outcome == "fail"
    d.paper("城市道路沥青路面病害成因分析", "2018-05")
    assert run(d)["CLAIMS_SUPPORTED"].outcome == "pass"


def test_an_unsure_claim_sharing_a_checked_issn_and_month_with_an_attachment_is_supported():
    # The eval form's title cell read unsurely (a stray stroke); the attachment's title is near
    # it, and the ISSN (check digit right) and month are the same: the claim is supported.
    d = Dossier().ev("claimed_paper", title="城市道路沥青路面病害成因分忻", date="2018-05", issn="1009-7716", conf=0.5)
    d.paper("城市道路沥青路面病害成因分析", "2018-05")
    assert run(d)["CLAIMS_SUPPORTED"].outcome == "pass"
    # Another month, or an ISSN whose check digit fails, vouches for nothing.
    d.evidence[-2] = d.evidence[-2].model_copy(update={"date": "2018-06"})
    assert run(d)["CLAIMS_SUPPORTED"].outcome == "review"
    d.evidence[-2] = d.evidence[-2].model_copy(update={"date": "2018-05", "issn": "1009-7715"})
    d.evidence[-1] = d.evidence[-1].model_copy(update={"issn": "1009-7715"})
    assert run(d)["CLAIMS_SUPPORTED"].outcome == "review"


def test_a_claim_read_unsurely_or_shaped_as_a_heading_without_its_attachment_is_review_not_fail():
    # A fail says something listed lacks its attachment: it rests on a claim read surely and
    # shaped as a title. A heading of another template read into a row (四丶 for 四、), or a
    # numbered caption, is reviewed; so is a title read below the threshold.
    for heading in ("四丶专业技术工作总结", "四、专业技术工作总结", "（二）获奖情况", "五，其他业绩"):
        assert run(Dossier().ev("claimed_award", title=heading))["CLAIMS_SUPPORTED"].outcome == "review", heading
    unsure = Dossier().ev("claimed_award", title="包头市科技进步奖", date="2018-05", conf=0.5)
    assert run(unsure)["CLAIMS_SUPPORTED"].outcome == "review"
    # The same claims read surely and shaped as titles, without their attachments, fail.
    for title in ("包头市科技进步奖", "一种轧辊冷却装置", "十年来城市道路养护研究"):
        assert run(Dossier().ev("claimed_award", title=title, date="2018-05"))["CLAIMS_SUPPORTED"].outcome == "fail", title


def test_a_claim_filed_under_another_list_with_an_attachment_of_its_title_is_review_not_fail():
    # The achievements' caption and header misread, a patent row was taken as an award: no award
    # or honour certificate bears its title, but the patent attached does.
    d = Dossier().ev("claimed_award", title="一种管道防冻保温结构")
    d.ev("patent", title="一种管道防冻保温结构", date="2016-06-07", number="ZL 20161 2145921.8")
    f = run(d)["CLAIMS_SUPPORTED"]
    assert f.outcome == "review" and "一种管道防冻保温结构" in f.message and "其他类别" in f.message
    # An attachment of another kind under another title proves nothing.
    d.evidence[-1] = d.evidence[-1].model_copy(update={"title": "一种混凝土养护装置"})
    assert run(d)["CLAIMS_SUPPORTED"].outcome == "fail"
