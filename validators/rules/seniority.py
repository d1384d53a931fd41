"""SENIORITY: the years each route requires, counted in whole years up to CUTOFF_QUAL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Optional

from pydantic import Field, field_validator

from dossierflow.models import Evidence, Source
from dossierflow.vocab import EDUCATIONS, SKILL_LEVELS
from validators.rules.base import (
    Facts,
    Params,
    RuleResult,
    Unreadable,
    add_years,
    education_name,
    education_rank,
    ev_sources,
    failed,
    known_levels,
    level_name,
    level_rank,
    missing,
    not_applicable,
    one_char_apart,
    passed,
    presence,
    review,
    try_date,
    whole_years,
)
from validators.rules.witnesses import WitnessedDate, date_witness


def _check_edu(v: str) -> str:
    if v not in EDUCATIONS:
        raise ValueError(f"unknown education {v!r}; known: {', '.join(EDUCATIONS)}")
    return v


class EduYears(Params):
    """`education` or above, with `years`; the smallest matching line applies."""

    education: str
    years: int = Field(ge=0)
    level: Optional[str] = None

    @field_validator("level")
    @classmethod
    def _level(cls, v: Optional[str]) -> Optional[str]:
        return v if v is None else known_levels([v])[0]

    @field_validator("education")
    @classmethod
    def _edu(cls, v: str) -> str:
        return _check_edu(v)


class Commendation(Params):
    keywords: list[str] = Field(min_length=1)
    levels: list[str] = Field(min_length=1)


class RegularParams(Params):
    years: dict[str, int]
    by_education: dict[str, list[EduYears]] = Field(default_factory=dict)
    covid_reduction: int = Field(default=1, ge=0)
    covid_commendation: Optional[Commendation] = None

    @field_validator("years", "by_education")
    @classmethod
    def _levels(cls, v: dict) -> dict:
        known_levels(list(v))
        return v


class RecognitionParams(Params):
    table: list[EduYears] = Field(min_length=1)
    require_full_time: bool = True
    excluded_series: list[str] = Field(default_factory=list)
    basic_region_levels: list[str] = Field(default_factory=lambda: ["county", "township"])
    basic_reduction: int = Field(default=1, ge=0)
    require_specialty_match: bool = True
    # "本专业或相近专业" (一（十）3): words too common to show relatedness, and families of
    # related fields (a specialty and a major each naming a word of one family are related).
    generic_words: list[str] = Field(default_factory=list)
    related_fields: list[list[str]] = Field(default_factory=list)


class TownshipParams(Params):
    employer_types: list[str] = Field(default_factory=lambda: ["public_institution"])
    region_levels: list[str] = Field(default_factory=lambda: ["township"])
    level: str = "intermediate"
    table: list[EduYears] = Field(min_length=1)

    @field_validator("level")
    @classmethod
    def _level(cls, v: str) -> str:
        return known_levels([v])[0]


class NonPublicLine(Params):
    level: str
    below_level: str  # the applicant must not hold a title of this level or above
    table: list[EduYears] = Field(min_length=1)

    @field_validator("level", "below_level")
    @classmethod
    def _level(cls, v: str) -> str:
        return known_levels([v])[0]


class NonPublicParams(Params):
    employer_types: list[str] = Field(default_factory=lambda: ["non_public", "social_org"])
    excluded_series: list[str] = Field(default_factory=list)
    lines: list[NonPublicLine] = Field(min_length=1)


class SkillLine(Params):
    skill: str
    years: int = Field(ge=0)
    level: str

    @field_validator("skill")
    @classmethod
    def _skill(cls, v: str) -> str:
        if v not in SKILL_LEVELS:
            raise ValueError(f"unknown skill level {v!r}; known: {', '.join(SKILL_LEVELS)}")
        return v

    @field_validator("level")
    @classmethod
    def _level(cls, v: str) -> str:
        return known_levels([v])[0]


class SkilledParams(Params):
    series: list[str] = Field(min_length=1)
    table: list[SkillLine] = Field(min_length=1)


class TransferParams(Params):
    same_level_years: int = Field(default=1, ge=0)
    next_level_title_years: int = Field(default=1, ge=0)


class CivilTransferParams(Params):
    within_years: int = Field(default=5, ge=0)


class SeniorityParams(Params):
    regular: RegularParams
    recognition: RecognitionParams
    township_direct: TownshipParams
    non_public_direct: NonPublicParams
    skilled_worker: SkilledParams
    series_transfer: TransferParams
    civil_servant_transfer: CivilTransferParams


# ---------------------------------------------------------------------------------------------


def _years_for(edu: str, table: list[EduYears]) -> Optional[EduYears]:
    lines = [ln for ln in table if education_rank(edu) >= education_rank(ln.education)]
    return min(lines, key=lambda ln: ln.years) if lines else None


def _held(f: Facts, key: str) -> tuple[int, dt.date, list[Source]]:
    since = f.need_date(key)
    return whole_years(since, f.cutoff), since, f.src(key)


def _commended(f: Facts, c: Optional[Commendation]) -> list:
    if c is None:
        return []
    return [
        e
        for k in ("honor", "award")
        for e in f.items(k)
        if f.reliable(e.confidence)
        and any(w in (e.title or "") for w in c.keywords)
        and any(lv in (e.level or "") + (e.title or "") for lv in c.levels)
    ]


def regular_years_required(f: Facts, p: RegularParams, applied: str) -> int:
    required = p.years.get(applied)
    if required is None:
        return -1
    lines = p.by_education.get(applied)
    edu = f.value("education")
    if lines and isinstance(edu, str) and edu in EDUCATIONS:
        line = _years_for(edu, lines)
        if line is not None:
            required = min(required, line.years)
    return required


def _regular(f: Facts, p: SeniorityParams) -> RuleResult:
    rp = p.regular
    applied = f.need_str("applied_level")
    current = f.current_level()
    title = f.value("current_title")
    base_src = f.src("current_title", "applied_title")
    if current == "none" or level_rank(applied) - level_rank(current) != 1:
        return failed(f"正常申报须具有下一级职称：现任{level_name(current)}，申报{level_name(applied)}", base_src)
    years, since, src = _held(f, "current_title_date")
    sources = base_src + src
    required = regular_years_required(f, rp, applied)
    if required < 0:
        return review(f"规则库未规定{level_name(applied)}的任职年限，需人工核对", sources)
    held = f"任现职称（{title}，{f.need_str('current_title_date')}）至{f.cutoff.isoformat()}满{years}年"
    covid = f.covid_frontline()
    if covid:
        honors = _commended(f, rp.covid_commendation)
        if honors:
            return passed("疫情防控一线人员获省部级以上表彰，不受现有职称取得年限限制（一（七）3）", sources + ev_sources(honors))
        need = max(required - rp.covid_reduction, 0)
        if years >= need:
            return passed(f"{held}，疫情防控一线人员提前{rp.covid_reduction}年（须满{need}年），符合申报年限（一（七）3）", sources + f.covid_sources(), years=years)
        return failed(f"{held}，疫情防控一线人员提前一年仍须满{need}年，年限不足", sources, years=years)
    if years >= required:
        return passed(f"{held}，符合正常申报年限（须满{required}年）", sources, years=years)
    if covid is None and years >= required - rp.covid_reduction:
        return review(f"{held}，不足{required}年；表中填报为疫情防控一线人员但未附证明，若属实可提前一年，需人工核实", sources, years=years)
    return failed(f"{held}，不足正常申报要求的{required}年", sources, years=years)


def fields_related(specialty: str, major: str, p: RecognitionParams) -> bool:
    def strip(text: str) -> str:
        out = "".join(text.split())
        for w in p.generic_words:
            out = out.replace(w, "")
        return out or "".join(text.split())

    a, b = strip(specialty), strip(major)
    if a in b or b in a:
        return True
    if {a[i : i + 2] for i in range(len(a) - 1)} & {b[i : i + 2] for i in range(len(b) - 1)}:
        return True
    return any(any(w in specialty for w in fam) and any(w in major for w in fam) for fam in p.related_fields)


def _diploma_in(f: Facts, education: str, specialty: str, major: str, p: RecognitionParams) -> Optional[Evidence]:
    """A diploma of the applicant's education, read reliably, whose major is the form's 所学专业
    but for one character, and related to the specialty: the form's major misread (冶金工程 as
    省金工程), the certificate read right. A major that differs more is another major."""
    for e in f.items("diploma"):
        if (e.level == education and e.major and f.reliable(e.confidence) and one_char_apart(e.major, major)
                and fields_related(specialty, e.major, p)):
            return e
    return None


def _recognition(f: Facts, p: SeniorityParams) -> RuleResult:
    rp = p.recognition
    series = f.need_str("series")
    if series in rp.excluded_series:
        return failed(f"{series}系列国家规定需考试，不适用考核认定（一（十）3）", f.src("series"))
    if rp.require_full_time:
        full_time = f.need("full_time")
        if full_time is False:
            return failed("考核认定限全日制高等院校毕业生（一（十）3）", f.src("full_time"))
    edu = f.need_str("education")
    applied = f.need_str("applied_level")
    line = next((ln for ln in rp.table if ln.education == edu), None)
    if line is None or line.level is None:
        return failed(f"{education_name(edu)}学历不适用考核认定（一（十）3）", f.src("education"))
    if applied != line.level:
        return failed(f"{education_name(edu)}毕业可认定{level_name(line.level)}职称，不能认定{level_name(applied)}", f.src("education", "applied_title"))
    years, since, src = _held(f, "work_start_date")
    sources = f.src("education") + src
    region_level = f.value("region_level")
    basic = region_level in rp.basic_region_levels
    need = max(line.years - (rp.basic_reduction if basic else 0), 0)
    worked = f"{education_name(edu)}毕业，参加工作（{f.need_str('work_start_date')}）至{f.cutoff.isoformat()}满{years}年"
    if years < need:
        if region_level is None and years >= line.years - rp.basic_reduction:
            f.need("region_level")
        return failed(f"{worked}，不足认定{level_name(applied)}要求的{need}年", sources, years=years)
    note = ""
    if rp.require_specialty_match:
        f.settled("specialty", "major")  # a pass without comparing them would rest on nothing
        specialty, major = f.value("specialty"), f.value("major")
        if specialty and major and not fields_related(str(specialty), str(major), rp):
            diploma = _diploma_in(f, edu, str(specialty), str(major), rp)
            if diploma is None:
                return review(f"{worked}；申报专业“{specialty}”与所学专业“{major}”是否相近需人工确认", sources + f.src("specialty", "major"), years=years)
            sources = sources + [diploma.source]
            note = f"（所学专业以毕业证书“{diploma.major}”为准）"
    note += f"（旗县区及以下基层提前{rp.basic_reduction}年）" if basic and rp.basic_reduction else ""
    return passed(f"{worked}，符合考核认定{level_name(applied)}年限（须满{need}年）{note}", sources, years=years)


def _township(f: Facts, p: SeniorityParams) -> RuleResult:
    tp = p.township_direct
    if f.need_str("employer_type") not in tp.employer_types or f.need_str("region_level") not in tp.region_levels:
        return failed("苏木乡镇直接申报限苏木乡镇事业单位专业技术岗位人员（一（八）3）", f.src("employer_type", "region_level"))
    applied = f.need_str("applied_level")
    if applied != tp.level:
        return failed(f"苏木乡镇直接申报只能申报{level_name(tp.level)}职称", f.src("applied_title"))
    edu = f.need_str("education")
    line = _years_for(edu, tp.table)
    if line is None:
        return failed(f"{education_name(edu)}学历不适用苏木乡镇直接申报（须大专及以上）", f.src("education"))
    years = f.need_int("township_years")
    sources = f.src("education", "township_years")
    if years >= line.years:
        return passed(f"{education_name(edu)}毕业，在苏木乡镇工作{years}年（须满{line.years}年），可直接申报中级（一（八）3）", sources, years=years)
    return failed(f"{education_name(edu)}毕业，在苏木乡镇工作{years}年，不足{line.years}年（一（八）3）", sources, years=years)


def _non_public(f: Facts, p: SeniorityParams) -> RuleResult:
    np_ = p.non_public_direct
    if f.need_str("employer_type") not in np_.employer_types:
        return failed("非公直接申报限非公有制企业和社会组织专业技术人才（一（九）2）", f.src("employer_type"))
    series = f.need_str("series")
    if series in np_.excluded_series:
        return failed(f"{series}系列实行考评结合，不适用非公直接申报（一（九）2）", f.src("series"))
    applied = f.need_str("applied_level")
    line = next((ln for ln in np_.lines if ln.level == applied), None)
    if line is None:
        return failed(f"非公直接申报不能申报{level_name(applied)}职称（一（九）2）", f.src("applied_title"))
    current = f.current_level()
    if current != "none" and level_rank(current) >= level_rank(line.below_level):
        held = "初级" if line.below_level in ("technician", "assistant") else level_name(line.below_level)
        return failed(f"已取得{level_name(current)}职称，非公直接申报{level_name(applied)}限“没有取得过{held}职称的”人员，"
                      f"应按正常申报（一（九）2）", f.src("current_title"))
    edu = f.need_str("education")
    row = _years_for(edu, line.table)
    if row is None:
        return failed(f"{education_name(edu)}学历不适用非公直接申报{level_name(applied)}", f.src("education"))
    years, since, src = _held(f, "work_start_date")
    sources = f.src("education") + src
    text = f"{education_name(edu)}毕业，从事专业技术工作（{f.need_str('work_start_date')}起）至{f.cutoff.isoformat()}满{years}年"
    if years >= row.years:
        return passed(f"{text}（须满{row.years}年），可直接申报{level_name(applied)}（一（九）2）", sources, years=years)
    return failed(f"{text}，不足直接申报{level_name(applied)}要求的{row.years}年（一（九）2）", sources, years=years)


def _skilled(f: Facts, p: SeniorityParams) -> RuleResult:
    sp = p.skilled_worker
    series = f.need_str("series")
    if series not in sp.series:
        return failed(f"高技能人才只能申报{'、'.join(sp.series)}系列职称（一（十）1）", f.src("series"))
    skill = f.need_str("skill_level")
    line = next((ln for ln in sp.table if ln.skill == skill), None)
    if line is None:
        return failed(f"技能等级“{skill}”不能申报工程系列职称（一（十）1）", f.src("skill_level"))
    applied = f.need_str("applied_level")
    if level_rank(applied) > level_rank(line.level):
        return failed(f"{skill}最高可申报{level_name(line.level)}职称，不能申报{level_name(applied)}（一（十）1）", f.src("skill_level", "applied_title"))
    state, cert_src = presence(f, "skill_cert")
    if state == "absent":
        return missing(f, f"缺少{skill}职业资格（技能等级）证书", f.src("skill_level"))
    years, since, src = _held(f, "skill_level_date")
    sources = src + cert_src
    text = f"取得{skill}（{f.need_str('skill_level_date')}）至{f.cutoff.isoformat()}满{years}年"
    if years < line.years:
        return failed(f"{text}，不足{line.years}年（一（十）1）", sources, years=years)
    if state == "unsure":
        return review(f"{text}；技能等级证书识别置信度低，需人工核对", sources, years=years)
    return passed(f"{text}（须满{line.years}年），可申报{level_name(applied)}（一（十）1）", sources, years=years)


def _series_transfer(f: Facts, p: SeniorityParams) -> RuleResult:
    tp = p.series_transfer
    applied = f.need_str("applied_level")
    current = f.current_level()
    transfer = f.need_date("transfer_date")
    in_post = whole_years(transfer, f.cutoff)
    sources = f.src("transfer_date", "current_title")
    if current == applied:
        text = f"转入新岗位（{f.need_str('transfer_date')}）至{f.cutoff.isoformat()}满{in_post}年"
        if in_post >= tp.same_level_years:
            return passed(f"{text}，可转评同级职称（一（十）2）", sources, years=in_post)
        return failed(f"{text}，不足{tp.same_level_years}年，不能转评（一（十）2）", sources, years=in_post)
    if current == "none" or level_rank(applied) - level_rank(current) != 1:
        return failed(f"转系列申报只能转评同级或申报高一级：现任{level_name(current)}，申报{level_name(applied)}", sources)
    held_new, _, src = _held(f, "current_title_date")
    sources += src
    if held_new < tp.next_level_title_years:
        return failed(f"转系列取得新系列职称满{held_new}年，不足{tp.next_level_title_years}年（一（十）2）", sources, years=held_new)
    # Seniority counts continuously across series: from the first title of the current level.
    starts = [f.need_date("current_title_date")]
    certs = [e for e in f.all_items("title_cert") if e.level == current and try_date(e.date) and f.reliable(e.confidence)]
    starts += [d for d in (try_date(e.date) for e in certs) if d is not None]
    first = min(starts)
    years = whole_years(first, f.cutoff)
    required = regular_years_required(f, p.regular, applied)
    text = f"{level_name(current)}职称自{first.isoformat()}起连续计算至{f.cutoff.isoformat()}满{years}年"
    if years >= required:
        return passed(f"{text}（须满{required}年），可申报新系列高一级职称（一（十）2）", sources + ev_sources(certs), years=years)
    return failed(f"{text}，不足{required}年（一（十）2）", sources + ev_sources(certs), years=years)


def _civil_transfer(f: Facts, p: SeniorityParams) -> RuleResult:
    cp = p.civil_servant_transfer
    transfer = f.need_date("transfer_date")
    submitted = f.submission()
    sources = f.src("transfer_date", "submission_date")
    if add_years(transfer, cp.within_years) < submitted:
        return failed(f"调入时间{f.need_str('transfer_date')}距申报已超过{cp.within_years}年，不适用公务员调入初次申报（一（五）4）", sources)
    title = f.value("current_title")
    if title is not None and f.current_level() != "none":
        return review(f"调入{cp.within_years}年内，但已有职称“{title}”，是否初次申报需人工核实（一（五）4）", sources + f.src("current_title"))
    return passed(f"调入（{f.need_str('transfer_date')}）{cp.within_years}年内初次申报，不受职称任职资格限制（一（五）4）", sources)


def _exceptional(f: Facts, p: SeniorityParams) -> RuleResult:
    return not_applicable("破格申报不受资历年限限制，由破格条件（EXCEPTIONAL_BASIS）判定", f.src("route"))


ROUTES: dict[str, Callable[[Facts, SeniorityParams], RuleResult]] = {
    "regular": _regular,
    "recognition": _recognition,
    "township_direct": _township,
    "non_public_direct": _non_public,
    "skilled_worker": _skilled,
    "series_transfer": _series_transfer,
    "civil_servant_transfer": _civil_transfer,
    "exceptional": _exceptional,
}


@dataclass(frozen=True)
class DatedBy:
    """A route's years run from a date the form states and a certificate prints: two witnesses."""

    key: str  # the form's field
    kind: str  # the certificate's evidence kind
    what: str  # the date's name in a message
    form_says: str
    cert_says: str
    level: Callable[[Facts], Optional[str]]  # the level a certificate must be of to witness it


def _current_level(f: Facts) -> Optional[str]:
    try:
        return f.current_level()
    except Unreadable:
        return None


_BY_TITLE = DatedBy("current_title_date", "title_cert", "现职称取得时间", "表中所填现职称取得时间", "职称证书所载日期", _current_level)
_BY_SKILL = DatedBy("skill_level_date", "skill_cert", "技能等级取得时间", "表中所填技能等级取得时间", "技能等级证书所载日期",
                    lambda f: f.value("skill_level") and str(f.value("skill_level")))
ROUTE_DATED_BY: dict[str, DatedBy] = {"regular": _BY_TITLE, "series_transfer": _BY_TITLE, "skilled_worker": _BY_SKILL}


def route_date_witnesses(f: Facts, by: DatedBy) -> WitnessedDate:
    """The date as the form gives it and as each reliably read certificate of the level prints it."""
    fv = f.ex.fields.get(by.key)
    level = by.level(f)
    if fv is None or not f.reliable(fv.confidence) or level is None:
        return WitnessedDate(())
    certs = [e for e in f.all_items(by.kind) if e.level == level and f.reliable(e.confidence)]
    return WitnessedDate.of([date_witness(str(fv.value), by.form_says, fv.source)]
                            + [date_witness(e.date, by.cert_says, e.source) for e in certs])


def _holds_under_every_witness(f: Facts, p: SeniorityParams, check: Callable[[Facts, SeniorityParams], RuleResult],
                               result: RuleResult, by: DatedBy) -> RuleResult:
    """A pass or fail that rests on the form's date stands only if it is the same under each
    certificate's reading of that date; where they disagree and the verdict with them, a human
    reads the originals."""
    witnessed = route_date_witnesses(f, by)
    if witnessed.agree or result.outcome not in ("pass", "fail"):
        return result
    for w in witnessed.witnesses[1:]:
        try:
            other = check(f.with_value(by.key, w.text), p).outcome
        except Unreadable:
            other = "review"
        if other != result.outcome:
            return review(f"{by.what}各处所载不一致（{witnessed.disagreement()}），据此判断结果不同，需人工核对："
                          + result.message, result.sources + witnessed.sources(), **result.details)
    return result


def seniority(f: Facts, p: SeniorityParams) -> RuleResult:
    route = f.need_str("route")
    check = ROUTES.get(route)
    if check is None:
        return review(f"申报类型“{route}”无法识别，需人工核对", f.src("route"))
    result = check(f, p)
    if route in ROUTE_DATED_BY:
        result = _holds_under_every_witness(f, p, check, result, ROUTE_DATED_BY[route])
    result.details.setdefault("route", route)
    return result
