"""Eligibility rules other than seniority: a failure rejects the dossier."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal, Optional

from pydantic import Field, field_validator

from dossierflow.failures import technical
from dossierflow.models import Evidence, Source
from dossierflow.text import edit_distance
from dossierflow.vocab import EDUCATIONS
from validators.messages import STATUS_NAMES, mask_id
from validators.rules.base import (
    Facts,
    Params,
    RuleResult,
    Unreadable,
    education_name,
    education_rank,
    ev_sources,
    failed,
    known_levels,
    level_name,
    level_rank,
    missing,
    not_applicable,
    passed,
    presence,
    review,
)

log = logging.getLogger(__name__)


class StatusParams(Params):
    forbidden: list[str] = Field(min_length=1)


def status_allowed(f: Facts, p: StatusParams) -> RuleResult:
    status = f.need_str("person_status")
    name = STATUS_NAMES.get(status, status)
    if status in p.forbidden:
        return failed(f"{name}不得参加职称评审（一（十）7）", f.src("person_status"))
    return passed(f"人员身份为{name}，可以申报", f.src("person_status"))


class Grassroots(Params):
    """Which units count as 基层 for a line's exception (一（三）3 基层卫生), by the unit's region."""

    clause: str
    region_levels: list[str] = Field(default_factory=list)    # 苏木乡镇 units: 基层
    region_suffixes: list[str] = Field(default_factory=list)  # a banner's or county's units (旗, 县): 基层
    review_suffixes: list[str] = Field(default_factory=list)  # an urban district's (区): a person decides


class ExamOnlyLine(Params):
    series: list[str] = Field(min_length=1)
    levels: list[str] = Field(min_length=1)
    grassroots: Optional[Grassroots] = None
    clause: str

    @field_validator("levels")
    @classmethod
    def _levels(cls, v: list[str]) -> list[str]:
        return known_levels(v)


class ChannelParams(Params):
    exam_only: list[ExamOnlyLine]


def evaluation_channel(f: Facts, p: ChannelParams) -> RuleResult:
    series = f.need_str("series")
    level = f.need_str("applied_level")
    sources = f.src("series", "applied_level")
    for line in p.exam_only:
        if series in line.series and level in line.levels:
            g = line.grassroots
            if g is not None:
                region_level = f.need_str("region_level")
                where = f.src("region_level", "region")
                if region_level in g.region_levels:
                    return passed(f"苏木乡镇单位属基层{series}，{level_name(level)}职称按评审方式评价（{g.clause}）",
                                  sources + where)
                if region_level == "county":
                    region = f.need_str("region")
                    if any(region.endswith(x) for x in g.region_suffixes):
                        return passed(f"{region}所属单位属旗县基层{series}，{level_name(level)}职称按评审方式评价（{g.clause}）",
                                      sources + where)
                    if any(region.endswith(x) for x in g.review_suffixes):
                        return review(f"{region}为市辖区，其所属单位是否属基层{series}（{g.clause}）需人工认定；"
                                      f"非基层单位{level_name(level)}职称实行以考代评（{line.clause}）", sources + where)
                    return review(f"所在地区“{region}”未能判断是否属旗县基层，需人工核对（{g.clause}）", sources + where)
            return failed(f"{series}系列{level_name(level)}职称实行以考代评，不进行评审（{line.clause}）", sources)
    return passed(f"{series}系列{level_name(level)}职称通过评审评价", sources)


class ExamParams(Params):
    series: list[str] = Field(min_length=1)
    levels: list[str] = Field(min_length=1)
    passing_results: list[str] = Field(default_factory=lambda: ["合格"], min_length=1)
    exempt_exceptional_to: list[str] = Field(default_factory=lambda: ["senior"])
    # 一（七）3: the COVID proof's role, as words its 岗位 is written with; first match wins.
    covid_roles: dict[str, list[str]] = Field(default_factory=dict)
    covid_role_names: dict[str, str] = Field(default_factory=dict)  # role → how a message names it
    covid_exempt_roles: list[str] = Field(default_factory=list)     # 援鄂, 定点医院: no region exam
    covid_exempt_levels: list[str] = Field(default_factory=list)    # 在高级职称评审中

    @field_validator("levels", "exempt_exceptional_to", "covid_exempt_levels")
    @classmethod
    def _levels(cls, v: list[str]) -> list[str]:
        return known_levels(v)

    @field_validator("covid_exempt_roles")
    @classmethod
    def _roles(cls, v: list[str], info) -> list[str]:
        bad = [r for r in v if r not in info.data.get("covid_roles", {})]
        if bad:
            raise ValueError(f"exempt role(s) {bad} not among covid_roles")
        return v


def covid_roles(f: Facts, p: ExamParams) -> list[tuple[Optional[str], Evidence]]:
    """Each COVID proof with the role its 岗位 names (None: it does not say, or was not read)."""
    out: list[tuple[Optional[str], Evidence]] = []
    for e in f.all_items("covid_proof"):
        text = "".join((e.role or "").split()) if f.reliable(e.confidence) else ""
        named = [r for r, words in p.covid_roles.items() if text and any(w in text for w in words)]
        # Words of an exempt role beside those of another (a 定点医院's 发热门诊): a person decides.
        mixed = len({r in p.covid_exempt_roles for r in named}) > 1
        out.append((None if mixed or not named else named[0], e))
    return out


def _covid_exam(f: Facts, p: ExamParams, level: str) -> tuple[str, str, list[Source]]:
    """('exempt' | 'unclear' | 'not_exempt' | 'none', message, sources) under 一（七）3."""
    if level not in p.covid_exempt_levels or not p.covid_exempt_roles:
        return "none", "", []
    frontline = f.covid_frontline()
    if frontline is False:
        return "none", "", []
    if frontline is None:
        return "unclear", "表中填报为疫情防控一线人员但未附证明，无法判断是否免除专业实践技能考试（一（七）3），需人工核对", f.src("covid_frontline")
    roles = covid_roles(f, p)
    exempt = [(r, e) for r, e in roles if r in p.covid_exempt_roles]
    if exempt:
        role, e = exempt[0]
        name = p.covid_role_names.get(role, role)
        return ("exempt", f"疫情防控一线证明写明{name}（“{e.role}”），在高级职称评审中免除自治区专业实践技能考试（一（七）3）",
                [e.source])
    if not roles or any(r is None for r, _ in roles):
        return ("unclear", "疫情防控一线证明未写明是否为援鄂医疗卫生人员或定点医院直接参与救治的一线医务人员，"
                "能否免除自治区专业实践技能考试（一（七）3）需人工核对", f.covid_sources())
    named = "、".join(sorted({f"“{e.role}”" for _, e in roles}))
    return ("not_exempt", f"疫情防控一线工作（{named}）不属于援鄂或定点医院直接参与医疗救治，不免除专业实践技能考试（一（七）3）",
            f.covid_sources())


def exam_passed(f: Facts, p: ExamParams) -> RuleResult:
    series = f.need_str("series")
    level = f.need_str("applied_level")
    if series not in p.series or level not in p.levels:
        return not_applicable(f"{series}系列{level_name(level)}不实行考评结合", f.src("series", "applied_level"))
    if f.value("route") == "exceptional" and level in p.exempt_exceptional_to:
        return not_applicable("破格申报正高级职称，国家无明确规定的可不参加考试（一（五）1）", f.src("route"))
    covid, covid_msg, covid_src = _covid_exam(f, p, level)
    if covid == "exempt":
        return not_applicable(covid_msg, covid_src)
    state, sources = presence(f, "exam_cert")
    certs = [e for e in f.all_items("exam_cert") if f.reliable(e.confidence)]
    if any(e.result and any(r in e.result for r in p.passing_results) and "不合格" not in e.result for e in certs):
        return passed("已提交资格考试成绩合格证明（考评结合）", sources)
    if covid == "unclear":
        return review(covid_msg, covid_src + sources)
    f.settled("route")  # an exceptional route to the senior level needs no exam
    if any(e.result and "不合格" in e.result for e in certs):
        return failed("资格考试成绩不合格，不能参加评审（一（三）1）", sources)
    if state != "absent":
        return review("考试合格证明的结果未能可靠识别，需人工核对", sources)
    note = f"；{covid_msg}" if covid == "not_exempt" else ""
    return missing(f, f"{series}系列{level_name(level)}职称实行考评结合，缺少考试成绩合格证明（一（三）1）{note}", covid_src)


class EducationCutoffParams(Params):
    not_required_routes: list[str] = Field(default_factory=lambda: ["skilled_worker"])


def education_cutoff(f: Facts, p: EducationCutoffParams) -> RuleResult:
    if "graduation_date" not in f.ex.fields and f.value("route") in p.not_required_routes:
        return not_applicable("高技能人才按技能等级申报，不以学历为条件")
    graduated = f.need_date("graduation_date")
    cutoff = f.cutoff.isoformat()
    if graduated <= f.cutoff:
        return passed(f"学历取得时间{f.need_str('graduation_date')}在{cutoff}之前", f.src("graduation_date"))
    return failed(f"学历取得时间{f.need_str('graduation_date')}晚于截止日期{cutoff}，不予认可（一（十）5）", f.src("graduation_date"))


class EducationMinimumParams(Params):
    minimum: dict[str, str]
    waiver_county_years: int = Field(default=30, ge=0)
    waiver_township_years: int = Field(default=20, ge=0)
    exempt_routes: list[str] = Field(default_factory=lambda: ["skilled_worker"])
    # Technical-school classes count as an education level (一（十）1).
    school_equivalents: dict[str, str] = Field(default_factory=dict)

    @field_validator("minimum")
    @classmethod
    def _min(cls, v: dict[str, str]) -> dict[str, str]:
        known_levels(list(v))
        bad = [e for e in v.values() if e not in EDUCATIONS]
        if bad:
            raise ValueError(f"unknown education(s) {bad}; known: {', '.join(EDUCATIONS)}")
        return v

    @field_validator("school_equivalents")
    @classmethod
    def _eq(cls, v: dict[str, str]) -> dict[str, str]:
        bad = [e for e in v.values() if e not in EDUCATIONS]
        if bad:
            raise ValueError(f"unknown education(s) {bad}")
        return v


def effective_education(f: Facts, equivalents: dict[str, str]) -> str:
    fv = f.ex.fields.get("education")
    raw = "".join((fv.raw or "").split()) if fv is not None else ""
    for name, edu in equivalents.items():
        if name in raw and f.reliable(fv.confidence):  # type: ignore[union-attr]
            return edu
    return f.need_str("education")


def education_minimum(f: Facts, p: EducationMinimumParams) -> RuleResult:
    if f.value("route") in p.exempt_routes:
        return not_applicable("高技能人才贯通申报不受学历限制（一（十）1）", f.src("route"))
    level = f.need_str("applied_level")
    required = p.minimum.get(level)
    if required is None:
        return not_applicable(f"{level_name(level)}职称无学历下限要求", f.src("applied_level"))
    edu = effective_education(f, p.school_equivalents)
    sources = f.src("applied_level", "education")
    if edu in EDUCATIONS and education_rank(edu) >= education_rank(required):
        return passed(f"学历{education_name(edu)}，达到{level_name(level)}要求的{education_name(required)}及以上", sources)
    county, township = f.value("county_years"), f.value("township_years")
    if isinstance(county, int) and county >= p.waiver_county_years:
        return passed(f"旗县区从事专业工作{county}年（满{p.waiver_county_years}年），不受学历限制（一（八）2）", sources + f.src("county_years"))
    if isinstance(township, int) and township >= p.waiver_township_years:
        return passed(f"苏木乡镇从事专业工作{township}年（满{p.waiver_township_years}年），不受学历限制（一（八）2）", sources + f.src("township_years"))
    unread = [k for k in ("county_years", "township_years") if k in f.ex.fields and f.value(k) is None]
    if unread:
        f.need(unread[0])
    return failed(f"学历{education_name(edu)}，申报{level_name(level)}职称须{education_name(required)}及以上", sources)


class SeniorTeacherParams(Params):
    series: list[str] = Field(min_length=1)
    levels: list[str] = Field(min_length=1)
    message: str = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _levels(cls, v: list[str]) -> list[str]:
        return known_levels(v)


def senior_teacher_quota(f: Facts, p: SeniorTeacherParams) -> RuleResult:
    series = f.need_str("series")
    if series not in p.series:
        return not_applicable("非中小学教师系列", f.src("series"))
    level = f.need_str("applied_level")
    if level not in p.levels:
        return not_applicable(f"申报{level_name(level)}，不涉及正高级教师职数", f.src("applied_level"))
    return review(p.message, f.src("series", "applied_level"))


# ---------------------------------------------------------------------------------------------
# Exceptional route
# ---------------------------------------------------------------------------------------------


class AwardLine(Params):
    levels: list[str] = Field(min_length=1)  # as the certificate states it: 国家级, 自治区级 …
    grades: list[str] = Field(default_factory=list)  # empty: any grade
    # The award's name must hold one of these (科技成果奖: 科学技术进步奖, 技术发明奖 …); empty: any.
    any_keywords: list[str] = Field(default_factory=list)
    exclude_keywords: list[str] = Field(default_factory=list)  # an industry prize (行业) is not one
    min_count: int = Field(default=1, ge=1)


class ExceptionalItem(Params):
    """One item of a 破格 list: the policy's words, and the honours or awards that meet it."""

    item: str = Field(min_length=1)  # as the policy numbers and words it, for the message
    honors: list[list[str]] = Field(default_factory=list)  # each: substrings that must all appear
    awards: list[AwardLine] = Field(default_factory=list)
    region_levels: list[str] = Field(default_factory=list)  # only for applicants working there


class ExceptionalParams(Params):
    senior_items: list[ExceptionalItem] = Field(min_length=1)  # 一（五）1: these and no others
    one_up_items: list[ExceptionalItem] = Field(default_factory=list)  # 一（五）2
    # 额定获奖人员: the highest rank on the certificate still within the grade's quota (default).
    rated_winners: dict[str, int] = Field(default_factory=dict)
    review_keywords: list[str] = Field(default_factory=list)
    review_county_years: int = 30
    review_township_years: int = 20


def _honor_matches(e: Evidence, patterns: list[list[str]]) -> bool:
    text = "".join(((e.title or "") + (e.level or "") + (e.grade or "")).split())
    return any(all(k in text for k in pat) for pat in patterns)


NEAR_WORD_MIN = 3  # a pattern's word this long or longer can be told one character off


# A numeral for another numeral (二层次 for 一层次) names another level of the same programme, a
# reading of its own and not a misspelling of the listed one.
_LEVEL_NUMERALS = set("一二三四五六七八九十")


def _one_off_in(word: str, text: str) -> bool:
    """Whether `text` holds `word` with one character changed, dropped or added (自台区 for
    自治区: a radical lost on a photographed certificate), a numeral for a numeral aside."""
    n = len(word)
    # A character dropped or added only in longer words: 层次 is in any level's 三层次.
    for size in (n - 1, n, n + 1) if n >= NEAR_WORD_MIN + 1 else (n,):
        for i in range(len(text) - size + 1):
            window = text[i : i + size]
            if edit_distance(window, word) != 1:
                continue
            changed = {a + b for a, b in zip(window, word) if a != b} if size == n else set()
            if not any(set(pair) <= _LEVEL_NUMERALS for pair in changed):
                return True
    return False


def _honor_near(e: Evidence, patterns: list[list[str]]) -> bool:
    """A title that meets a pattern but for one of its words read one character off: a listed
    honour misread as easily as an unlisted one."""
    text = "".join(((e.title or "") + (e.level or "") + (e.grade or "")).split())
    for pat in patterns:
        off = [k for k in pat if k not in text]
        if len(off) == 1 and len(off[0]) >= NEAR_WORD_MIN and _one_off_in(off[0], text):
            return True
    return False


def _award_name(e: Evidence) -> str:
    return "".join(((e.award or "") + (e.title or "")).split())


@dataclass
class _Match:
    hits: list[Evidence] = field(default_factory=list)
    unsure: list[Evidence] = field(default_factory=list)  # might meet it: name or rank not read
    note: str = ""


def _award_matches(awards: list[Evidence], line: AwardLine, rated: dict[str, int]) -> _Match:
    m = _Match()
    for e in awards:
        if not any(lv in (e.level or "") for lv in line.levels):
            continue
        if line.grades and not any(g in (e.grade or "") for g in line.grades):
            continue
        if any(k in _award_name(e) for k in line.exclude_keywords):
            continue
        if line.any_keywords and not any(k in _award_name(e) for k in line.any_keywords):
            if not e.award:  # the award's name was not read: it may be a 科技成果奖
                m.unsure.append(e)
            continue
        limit = next((n for g, n in rated.items() if g in (e.grade or "")), None)
        if limit is not None and e.holder_rank is None:
            m.unsure.append(e)
            continue
        if limit is not None and e.holder_rank is not None and e.holder_rank > limit:
            m.note = f"《{e.title}》获奖排名第{e.holder_rank}，不在{e.grade}额定获奖人员（前{limit}名）之内"
            continue
        m.hits.append(e)
    if len(m.hits) < line.min_count:
        if m.hits and not m.unsure:
            m.note = m.note or f"需{line.min_count}项以上，仅有{len(m.hits)}项"
        m.unsure = m.unsure + m.hits if m.unsure else []
        m.hits = []
    return m


def _item_match(f: Facts, usable: list[Evidence], item: ExceptionalItem, rated: dict[str, int]) -> _Match:
    honors = [e for e in usable if _honor_matches(e, item.honors)]
    m = _Match(hits=honors)
    if not honors:
        awards = [e for e in usable if e.kind == "award"]
        for line in item.awards:
            got = _award_matches(awards, line, rated)
            if got.hits:
                m = got
                break
            m.unsure += got.unsure
            m.note = m.note or got.note
    if (m.hits or m.unsure) and item.region_levels:
        region_level = f.value("region_level")
        if region_level is None:
            m.unsure, m.hits = m.unsure + m.hits, []
        elif region_level not in item.region_levels:
            m.note = "须在旗县（市、区）及以下地区工作，申报人为市直单位人员"
            m.hits, m.unsure = [], []
    return m


def _describe(items: list[Evidence]) -> str:
    def one(e: Evidence) -> str:
        if e.kind == "award":
            rank = f"，第{e.holder_rank}完成人" if e.holder_rank else ""
            return f"《{e.title}》（{e.award or e.level or ''}{e.grade or ''}{rank}）"
        return f"《{e.title}》" if e.title else "荣誉/奖项"
    return "、".join(one(e) for e in items)


def _first(f: Facts, usable: list[Evidence], items: list[ExceptionalItem], rated: dict[str, int]
           ) -> tuple[Optional[ExceptionalItem], list[Evidence], list[Evidence], list[str]]:
    unsure: list[Evidence] = []
    notes: list[str] = []
    for item in items:
        m = _item_match(f, usable, item, rated)
        if m.hits:
            return item, m.hits, unsure, notes
        unsure += [e for e in m.unsure if e not in unsure]
        if m.note:
            notes.append(f"{item.item}：{m.note}")
    return None, [], unsure, notes


def exceptional_basis(f: Facts, p: ExceptionalParams) -> RuleResult:
    if f.need_str("route") != "exceptional":
        return not_applicable("非破格申报", f.src("route"))
    level = f.need_str("applied_level")
    pool = [e for k in ("honor", "award") for e in f.items(k)]
    usable = [e for e in pool if f.reliable(e.confidence) and f.on_time(e)]
    unsure = [e for e in pool if e not in usable]
    # Honour names are matched on awards too: 自治区杰出人才奖 arrives as either.
    senior_item, senior, senior_unsure, senior_notes = _first(f, usable, p.senior_items, p.rated_winners)
    up_item, one_up, up_unsure, up_notes = _first(f, usable, p.one_up_items, p.rated_winners)
    unsure += [e for e in senior_unsure + up_unsure if e not in unsure]

    if level == "senior" and senior_item:
        return passed(f"符合一（五）1第{senior_item.item}，可直接破格申报正高级职称：{_describe(senior)}", ev_sources(senior),
                      item=senior_item.item, basis="一（五）1")
    basis_item, basis = (up_item, one_up) if up_item else (senior_item, senior)
    if basis_item and not (level == "senior" and unsure):
        clause = "一（五）2" if up_item else "一（五）1"
        current = f.current_level()
        if current != "none" and level_rank(level) - level_rank(current) == 1:
            return passed(f"符合{clause}第{basis_item.item}，可破格申报高一级职称：{_describe(basis)}", ev_sources(basis),
                          item=basis_item.item, basis=clause)
        return failed(
            f"按{clause}第{basis_item.item}只能破格申报高一级职称：现任{level_name(current)}，申报{level_name(level)}（一（五）2）",
            ev_sources(basis) + f.src("current_title", "applied_level"),
        )
    other = [e for e in usable if any(k in (e.title or "") for k in p.review_keywords)]
    county, township = f.value("county_years"), f.value("township_years")
    if other:
        return review(f"以其他条件破格申报（绿色通道、抗疫表彰或攻坚突破等），由评委会认定：{_describe(other)}", ev_sources(other),
                      basis="一（五）3")
    if (isinstance(county, int) and county >= p.review_county_years) or (
        isinstance(township, int) and township >= p.review_township_years
    ):
        return review(f"基层从事专业工作满{p.review_county_years}年（旗县区）或{p.review_township_years}年（苏木乡镇），"
                      "按一（八）2破格，由评委会认定", f.src("county_years", "township_years"), basis="一（八）2")
    if unsure:
        return review("荣誉或奖项证书未能可靠识别（奖项名称、获奖排名或日期未读出），需人工核对是否符合一（五）所列条件",
                      ev_sources(unsure))
    # No listed honour read, but one whose name is a character off a listed one (自台区321人才
    # 工程二层次 for 自治区…): a misreading fits it as well as an unlisted honour, so no rejection.
    near = [e for e in usable if any(_honor_near(e, item.honors) for item in p.senior_items + p.one_up_items)]
    if near:
        return review(f"所附{_describe(near)}与一（五）所列荣誉仅差一字，可能识读有误，需人工核对", ev_sources(near))
    f.settled("county_years", "township_years")  # years at the grass roots are a basis too
    late = [e for e in f.late if e.kind in ("honor", "award")]
    note = "（申报日期之后取得的奖项、荣誉不予认可）" if late else ""
    offered = [e for e in usable if e.kind in ("honor", "award")]
    why = "；".join((senior_notes if level == "senior" else up_notes + senior_notes)[:3])
    seen = f"所附{_describe(offered)}均不在一（五）{'1所列八项' if level == 'senior' else '1、2所列条件'}之内" if offered else ""
    detail = "；".join(x for x in (seen, why) if x)
    return missing(f, f"破格申报{level_name(level)}职称，未见一（五）规定的奖项或荣誉{note}" + (f"：{detail}" if detail else ""),
                   ev_sources(late + offered))


# ---------------------------------------------------------------------------------------------
# Teachers' post grade, blacklist, region
# ---------------------------------------------------------------------------------------------


class PostGradeParams(Params):
    series: list[str] = Field(min_length=1)
    required: dict[str, int]  # applied level → post grade the applicant must be appointed at
    education_allowance: dict[str, dict[str, int]] = Field(default_factory=dict)

    @field_validator("required", "education_allowance")
    @classmethod
    def _keys(cls, v: dict) -> dict:
        return dict(zip(known_levels(list(v)), v.values()))


def teacher_post_grade(f: Facts, p: PostGradeParams) -> RuleResult:
    series = f.need_str("series")
    if series not in p.series:
        return not_applicable("非中小学教师系列", f.src("series"))
    level = f.need_str("applied_level")
    required = p.required.get(level)
    if required is None:
        return not_applicable(f"申报{level_name(level)}不要求岗位等级", f.src("applied_level"))
    grade: Optional[int] = None
    sources: list[Source] = []
    v = f.value("post_grade")
    if isinstance(v, int):
        grade, sources = v, f.src("post_grade")
    else:
        jobs = [e for e in f.all_items("employment") if e.post_grade is not None and f.reliable(e.confidence)]
        if jobs:
            grade, sources = jobs[0].post_grade, [jobs[0].source]
    if grade is None:
        f.need("post_grade")
        raise Unreadable("现聘岗位等级未能识别，需人工核对")
    allowed = required
    edu = f.value("education")
    for edu_key, g in p.education_allowance.get(level, {}).items():
        if edu == edu_key:
            allowed = max(allowed, g)
    if grade <= allowed:
        return passed(f"现聘专业技术{grade}级岗位，符合申报{level_name(level)}须聘在{required}级岗位的要求（一（六）2（1））", sources)
    f.settled("education")  # an education allowance might apply
    extra = f"（硕士研究生可为{allowed}级）" if allowed != required else ""
    return failed(f"现聘专业技术{grade}级岗位，申报{level_name(level)}须聘在下一层级最高等级{required}级岗位{extra}（一（六）2（1））", sources)


class BlacklistParams(Params):
    # Without a blacklist database nothing can be found; `pass` says so in the message.
    when_no_database: Literal["pass", "review"] = "pass"
    # Years a confirmed case bars the applicant, by kind (二（一）5 fraud, 二（二） cross-region);
    # the review command records bans with these (dossierflow.blacklist kinds).
    ban_years: dict[str, int] = Field(default_factory=lambda: {"fraud": 5, "cross_region": 3})

    @field_validator("ban_years")
    @classmethod
    def _years(cls, v: dict[str, int]) -> dict[str, int]:
        bad = {k: y for k, y in v.items() if y < 1}
        if bad:
            raise ValueError(f"ban years must be at least 1: {bad}")
        return v


def not_blacklisted(f: Facts, p: BlacklistParams) -> RuleResult:
    number = f.need_str("id_number").upper()
    day = f.opt_date("submission_date") or f.ctx.processing_date
    sources = f.src("id_number")
    lookup = f.ctx.blacklist_lookup
    if lookup is None:
        msg = "未配置失信黑名单库，未查询"
        return passed(msg, sources, consulted=False) if p.when_no_database == "pass" else review(msg, sources)
    try:
        entries = lookup(number, day)
    except Exception as exc:  # a database outage must not pass an applicant silently
        log.warning("blacklist lookup failed: %s", technical(exc))
        return review("失信黑名单查询失败（技术细节已记入日志），需人工核对", sources)
    if not entries:
        return passed(f"身份证号{mask_id(number)}在{day.isoformat()}无生效的失信黑名单记录", sources, consulted=True)
    parts = []
    for e in entries:
        reason = str(e.get("reason") or "失信记录")
        until = e.get("expiry_date") or e.get("until")
        clause = f"，{e['clause']}" if e.get("clause") else ""
        parts.append(f"{reason}（禁止申报至{until}{clause}）" if until else reason)
    return failed(
        f"身份证号{mask_id(number)}在失信黑名单中，禁止申报期内不得参加评审：" + "；".join(parts),
        sources,
        entries=[e.get("entry_id") for e in entries],
    )


class SameRegionParams(Params):
    employer_types: list[str] = Field(default_factory=lambda: ["public_institution"])
    city_region: str = "市直"


def same_region(f: Facts, p: SameRegionParams) -> RuleResult:
    expected = f.ctx.batch.region
    if not expected:
        return not_applicable("批次未注明申报地区")
    if f.need_str("employer_type") not in p.employer_types:
        return not_applicable("非事业单位人员，不受申报地区限制", f.src("employer_type"))
    region_level = f.value("region_level")
    region = f.value("region")
    if region_level == "city":
        actual = p.city_region
    else:
        actual = f.need_str("region")
    sources = f.src("region", "region_level")
    ok = actual == expected if expected == p.city_region else (actual.startswith(expected) and actual != p.city_region)
    if ok:
        return passed(f"所在地区（{region or actual}）与申报地区（{expected}）一致", sources)
    f.settled("region_level")  # a city-level unit's region is 市直 whatever its district
    return failed(
        f"事业单位人员所在地区（{region or actual}）与申报地区（{expected}）不符，严禁从其他地区和单位申报（二（二））",
        sources,
    )
