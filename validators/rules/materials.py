"""Materials rules (二（一）, 二（四）, 一（十）6–8): a failure returns the dossier to its unit.

Achievements (dating, representative work, claims) are in achievements.py, FORMS_CONSISTENT in
forms.py.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, field_validator

from dossierflow.models import PhotoInfo, Source
from dossierflow.text import best_substring
from dossierflow.vocab import DOC_KIND_SET
from validators.rules.base import (
    Facts,
    NoParams,
    Params,
    RuleResult,
    absent_parts,
    doc_sources,
    ev_sources,
    failed,
    kind_name,
    missing,
    not_applicable,
    passed,
    presence,
    review,
    same_text,
    try_date,
    unsure_parts,
)

# ---------------------------------------------------------------------------------------------
# Presence of the two forms
# ---------------------------------------------------------------------------------------------


def _present(f: Facts, kind: str) -> RuleResult:
    state, sources = presence(f, kind)
    if state == "present":
        return passed(f"已提交{kind_name(kind)}", sources)
    if state == "unsure":
        return review(f"疑似{kind_name(kind)}，但识别置信度低，需人工确认", sources)
    return missing(f, f"缺少{kind_name(kind)}", sources)


def eval_form_present(f: Facts, p: NoParams) -> RuleResult:
    return _present(f, "eval_form")


def submit_form_present(f: Facts, p: NoParams) -> RuleResult:
    return _present(f, "submit_form")


# ---------------------------------------------------------------------------------------------
# Pledge, photo, A4
# ---------------------------------------------------------------------------------------------


class PledgeParams(Params):
    require_name_match: bool = True


def pledge_signed(f: Facts, p: PledgeParams) -> RuleResult:
    state, sources = presence(f, "pledge")
    if state == "absent":
        return missing(f, "缺少《职称申报诚信承诺书》", sources)
    items = [e for e in f.all_items("pledge") if f.reliable(e.confidence)]
    if not items:
        return review("诚信承诺书的签名未能可靠识别，需人工核对", sources)
    if any(e.signed is False for e in items) and not any(e.signed for e in items):
        return failed("诚信承诺书“承诺人（签名）”处未签名", sources)
    signed = [e for e in items if e.signed]
    if not signed:
        return review("未能判断诚信承诺书是否签名，需人工核对", sources)
    if not p.require_name_match:
        return passed("诚信承诺书已签名", sources)
    name = f.need_str("name")
    signers = [e.signer for e in signed if e.signer]
    if not signers:
        return review("诚信承诺书已签名，但签名字迹未能识别，需人工核对是否为本人姓名", sources + f.src("name"))
    if any(same_text(s, name) for s in signers):
        return passed(f"诚信承诺书已由申请人（{name}）签名", sources + f.src("name"))
    # Handwriting read by OCR cannot establish that someone else signed; a human compares.
    if f.read_by_ocr(*(e.source for e in signed)):
        return review(
            f"诚信承诺书签名识别为“{'、'.join(signers)}”，与申请人姓名（{name}）不一致，手写签名需人工核对",
            sources + f.src("name"),
        )
    return failed(f"诚信承诺书签名（{'、'.join(signers)}）与申请人姓名（{name}）不符", sources + f.src("name"))


class PhotoParams(Params):
    aspect_min: float = Field(default=0.66, gt=0)
    aspect_max: float = Field(default=0.76, gt=0)
    min_background_lightness: float = Field(default=0.75, ge=0, le=1)
    require_portrait: bool = True
    # A portrait detector that finds no face on a photo of the right size and background is
    # a weak signal: by default a human looks at it rather than the dossier being returned.
    no_portrait_outcome: Literal["review", "fail"] = "review"


def photo_present(f: Facts, p: PhotoParams) -> RuleResult:
    candidates: dict[str, tuple[Optional[PhotoInfo], Source]] = {}
    for e in f.all_items("photo"):
        candidates[e.source.file] = (e.photo, e.source)
    for pg in f.ex.pages:
        if (pg.image_is_photo or pg.photo is not None) and candidates.get(pg.file, (None,))[0] is None:
            candidates[pg.file] = (pg.photo, pg.source())
    docs = f.docs("photo")
    if not candidates and not docs:
        return missing(f, "缺少申请人2寸免冠白底照片")
    infos = [(info, src) for info, src in candidates.values() if info is not None]
    if not infos:
        return review("有照片但未能测量其尺寸和底色，需人工核对", [s for _, s in candidates.values()] + doc_sources(docs))
    problems: list[str] = []
    only_portrait = False
    for info, src in infos:
        bad: list[str] = []
        if not (p.aspect_min <= info.aspect <= p.aspect_max):
            bad.append(f"宽高比{info.aspect:.2f}不在{p.aspect_min}–{p.aspect_max}之间")
        if info.background_lightness < p.min_background_lightness:
            bad.append("底色不是浅色/白色")
        if not bad and (not p.require_portrait or info.portrait):
            return passed(f"照片为2寸白底照片（宽高比{info.aspect:.2f}）", [src])
        if not bad:
            only_portrait = True
            continue
        if p.require_portrait and not info.portrait:
            bad.append("未检测到免冠人像")
        problems.append("；".join(bad))
    sources = [s for _, s in infos]
    if only_portrait and p.no_portrait_outcome == "review":
        return review("照片尺寸和底色符合要求，但未能确认为免冠人像，需人工核对", sources)
    if only_portrait:
        return failed("照片未检测到免冠人像", sources)
    return failed("照片不符合要求：" + "；".join(problems), sources)


class A4Params(Params):
    width_mm: float = Field(default=210.0, gt=0)
    height_mm: float = Field(default=297.0, gt=0)
    tolerance_mm: float = Field(default=5.0, ge=0)
    # Forms may be printed on other sizes and the photo is no page: the rule is about the booklet.
    exempt_kinds: list[str] = Field(default_factory=lambda: ["eval_form", "submit_form", "photo"])

    @field_validator("exempt_kinds")
    @classmethod
    def _kinds(cls, v: list[str]) -> list[str]:
        bad = [k for k in v if k not in DOC_KIND_SET]
        if bad:
            raise ValueError(f"unknown document kind(s) {bad}")
        return v


_PT_PER_MM = 72.0 / 25.4


def attachments_a4(f: Facts, p: A4Params) -> RuleResult:
    exempt = {(d.file, pg) for d in f.ex.documents if d.kind in p.exempt_kinds for pg in d.pages}
    exempt_files = {d.file for d in f.ex.documents if d.kind in p.exempt_kinds and not d.pages}
    pages = [
        pg
        for pg in f.ex.pages
        if pg.method != "docx"
        and not pg.image_is_photo
        and (pg.file, pg.page) not in exempt
        and pg.file not in exempt_files
    ]
    if not pages:
        return not_applicable("没有需要检查纸张尺寸的附件页")
    wrong: list[str] = []
    wrong_src: list[Source] = []
    unknown: list[Source] = []
    for pg in pages:
        if pg.width_pt is None or pg.height_pt is None:
            unknown.append(Source(file=pg.file, page=pg.page))
            continue
        w, h = sorted((pg.width_pt / _PT_PER_MM, pg.height_pt / _PT_PER_MM))
        if abs(w - p.width_mm) > p.tolerance_mm or abs(h - p.height_mm) > p.tolerance_mm:
            wrong.append(f"{pg.file} 第{pg.page}页（{w:.0f}×{h:.0f} mm）")
            wrong_src.append(Source(file=pg.file, page=pg.page))
    if wrong:
        return failed("附件页不是A4纸：" + "；".join(wrong[:10]), wrong_src, pages_not_a4=len(wrong))
    if unknown:
        return review(f"{len(unknown)}页附件未能确定纸张尺寸，需人工核对", unknown[:10])
    return passed(f"附件{len(pages)}页均为A4纸", [], pages_checked=len(pages))


# ---------------------------------------------------------------------------------------------
# Material list
# ---------------------------------------------------------------------------------------------


class ItemKind(Params):
    keywords: list[str] = Field(min_length=1)
    kind: str

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in DOC_KIND_SET:
            raise ValueError(f"unknown document kind {v!r}")
        return v


class MaterialListParams(Params):
    # First match wins, so more specific names (学位证书) come before general ones (证书).
    item_kinds: list[ItemKind] = Field(min_length=1)


FUZZY_MIN_KEYWORD = 3  # a keyword this long may carry one misread character (委托函 read 委托画)


def _item_kind(name: str, p: MaterialListParams) -> tuple[Optional[str], bool]:
    """The kind a list item names, and whether that took a one-character allowance.

    The exact keyword wins. Failing that, an item within one misread character of exactly one
    kind's keyword is taken as that kind; two kinds that close leave it unclear.
    """
    compact = "".join(name.split())
    for entry in p.item_kinds:
        if any(k in compact for k in entry.keywords):
            return entry.kind, False
    near = {
        entry.kind
        for entry in p.item_kinds
        for k in entry.keywords
        if len(k) >= FUZZY_MIN_KEYWORD and best_substring(k, compact, (len(k) - 1) / len(k)) is not None
    }
    return (near.pop(), True) if len(near) == 1 else (None, False)


def material_list_matches(f: Facts, p: MaterialListParams) -> RuleResult:
    state, sources = presence(f, "material_list")
    if state == "absent":
        return missing(f, "缺少《专业技术资格送评材料目录单》")
    lists = [e for e in f.all_items("material_list") if e.items and f.reliable(e.confidence)]
    if not lists:
        return review("送评材料目录单的条目未能可靠识别，需人工核对", sources)
    absent: list[str] = []
    absent_nos: list[str] = []
    unclear: list[str] = []
    for lst in lists:
        for item in lst.items or []:
            name = str(item.get("name") or "").strip()
            if not name:
                continue
            kind, misread = _item_kind(name, p)
            found = presence(f, kind)[0] if kind is not None else "unsure"
            if kind is None or found == "unsure":
                # Its kind unknown, or the document only recognised below the threshold: neither
                # found nor missing.
                unclear.append(name)
            elif found == "absent":
                # A kind guessed through a misread character is not enough to call it missing.
                (unclear if misread else absent).append(name)
                if not misread:
                    absent_nos.append(str(item.get("no")))
    if absent:
        return absent_parts(f, "目录单所列材料未找到：" + "、".join(absent), absent_nos, lists, "号条目", sources,
                            missing=absent)
    if unclear:
        return review("目录单中以下条目无法对应到材料类别，需人工核对：" + "、".join(unclear), sources)
    return passed("目录单所列材料均已找到", sources)


# ---------------------------------------------------------------------------------------------
# Publicity, CE card, entrustment
# ---------------------------------------------------------------------------------------------


class PublicityParams(Params):
    accepted_results: list[str] = Field(default_factory=lambda: ["无异议"], min_length=1)


def publicity_done(f: Facts, p: PublicityParams) -> RuleResult:
    state, sources = presence(f, "publicity")
    if state == "absent":
        return missing(f, "缺少公示情况说明（须公示无异议后上报）")
    records = [e for e in f.all_items("publicity") if f.reliable(e.confidence)]
    if not records:
        return review("公示情况说明未能可靠识别，需人工核对", sources)
    deadline = f.ctx.batch.submitted_on or f.ctx.processing_date
    basis = "单位报送日期" if f.ctx.batch.submitted_on else "处理日期"
    problems: list[str] = []
    for rec in records:
        ended = try_date(rec.period_to)
        ok_result = rec.result is not None and any(r in rec.result for r in p.accepted_results) and "有异议" not in rec.result
        if ok_result and ended is None and rec.period_from is not None and rec.date is not None:
            # The period's end could not be read; a statement of its outcome is written after it
            # closed, so the statement's date bounds the end.
            stated, started = try_date(rec.date), try_date(rec.period_from)
            if stated is not None and started is not None and started <= stated <= deadline:
                return passed(f"已公示（自{rec.period_from}起，公示情况说明落款日期{rec.date}，公示期此前已结束），结果{rec.result}",
                              [rec.source])
        if rec.result is None or ended is None:
            continue
        if ok_result and ended <= deadline:
            return passed(f"已公示（至{rec.period_to}），结果{rec.result}", [rec.source])
        if not ok_result:
            problems.append(f"公示结果为“{rec.result}”")
        else:
            problems.append(f"公示期至{rec.period_to}，晚于{basis}{deadline.isoformat()}")
    if problems:
        return failed("公示不符合要求：" + "；".join(problems), sources)
    return review("公示期或公示结果未能识别，需人工核对", sources)


class CeCardParams(Params):
    years_required: list[int] = Field(min_length=1)
    public_hours_year: int
    min_public_hours: float = Field(ge=0)
    exempt_region_levels: list[str] = Field(default_factory=list)
    exempt_employer_types: list[str] = Field(default_factory=list)
    exempt_covid_frontline: bool = True


def ce_card_valid(f: Facts, p: CeCardParams) -> RuleResult:
    region_level, employer_type = f.value("region_level"), f.value("employer_type")
    if region_level in p.exempt_region_levels:
        return not_applicable("苏木乡镇专业技术人才不要求继续教育学时（一（八）1）", f.src("region_level"))
    if employer_type in p.exempt_employer_types:
        return not_applicable("非公有制领域专业技术人才继续教育不作硬性要求（一（九）4）", f.src("employer_type"))
    covid = f.covid_frontline()
    if p.exempt_covid_frontline and covid:
        return not_applicable("疫情防控一线医疗卫生人员免除继续教育要求（一（七）2）", f.covid_sources())
    result = _ce_card_check(f, p)
    if result.outcome == "fail":
        # An exemption that could not be read reliably might still apply: a human decides.
        maybe = []
        if "region_level" in f.ex.fields and region_level is None:
            maybe.append("单位隶属层级")
        if "employer_type" in f.ex.fields and employer_type is None:
            maybe.append("单位性质")
        if covid is None and p.exempt_covid_frontline:
            maybe.append("疫情防控一线身份（表中填“是”但无证明）")
        if maybe:
            return review(result.message + "；但" + "、".join(maybe) + "可能使其免除此要求，需人工核对", result.sources)
    return result


def _ce_card_check(f: Facts, p: CeCardParams) -> RuleResult:
    state, sources = presence(f, "ce_card")
    if state == "absent":
        return missing(f, "缺少继续教育审验卡")
    cards = [e for e in f.all_items("ce_card") if f.reliable(e.confidence)]
    if not cards:
        return review("继续教育审验卡未能可靠识别，需人工核对", sources)
    submitted = f.submission()
    dated = [c for c in cards if try_date(c.date) is not None]
    if not dated:
        return review("继续教育审验卡的审验日期未能识别，需人工核对", sources)
    on_time = [c for c in dated if (try_date(c.date) or submitted) <= submitted]
    if not on_time:
        return failed(f"继续教育审验卡审验日期{dated[0].date}晚于申报日期{submitted.isoformat()}", sources)
    hours: dict[str, dict[str, float]] = {}
    for c in on_time:
        for year, h in (c.hours or {}).items():
            hours.setdefault(str(year), {}).update(h)
    absent_years = [str(y) for y in p.years_required if str(y) not in hours]
    card_src = ev_sources(on_time)
    if not hours:
        # A card on which no year's row was read says nothing of which years it holds.
        return review("继续教育审验卡上未能识别出任何年度的学时记录，需人工核对", card_src)
    if absent_years:
        return absent_parts(f, "继续教育审验卡缺少" + "、".join(absent_years) + "年度的审验记录", absent_years,
                            on_time, "年度", card_src)
    # A year's row read below the threshold is there, but its hours are not known.
    unsure = sorted(unsure_parts(f, on_time) & {str(y) for y in p.years_required})
    public: Optional[float] = hours.get(str(p.public_hours_year), {}).get("public")
    if str(p.public_hours_year) in unsure:
        public = None
    if public is None:
        v = f.value("public_ce_hours")
        public = float(v) if isinstance(v, (int, float)) else None
    if public is None:
        return review(f"{p.public_hours_year}年公需科目学时未能识别，需人工核对", card_src)
    if unsure:
        return review(f"继续教育审验卡{'、'.join(unsure)}年度的审验记录识别置信度低，需人工核对", card_src)
    if public < p.min_public_hours:
        return failed(
            f"{p.public_hours_year}年公需科目{public:g}学时，少于要求的{p.min_public_hours:g}学时（一（十）6）",
            card_src,
            public_hours=public,
        )
    return passed(
        f"继续教育审验卡覆盖{'、'.join(str(y) for y in p.years_required)}年度，{p.public_hours_year}年公需科目{public:g}学时",
        card_src,
        public_hours=public,
    )


class EntrustmentParams(Params):
    employer_types: list[str] = Field(default_factory=lambda: ["external_unit"])


def entrustment_present(f: Facts, p: EntrustmentParams) -> RuleResult:
    state, sources = presence(f, "entrustment")
    employer_type = f.value("employer_type")
    if employer_type is not None and employer_type not in p.employer_types:
        return not_applicable("非中央或外省区驻包单位，无需委托函", f.src("employer_type"))
    if state == "present":
        return passed("已提交委托函", sources)
    if employer_type is None:
        f.need("employer_type")
    if state == "unsure":
        return review("疑似委托函，但识别置信度低，需人工确认", sources)
    return missing(f, "中央或外省区驻包单位人员须提交上级部门或人社部门出具的委托函（一（十）8）", f.src("employer_type"))
