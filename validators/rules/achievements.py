"""Achievements (一（十）5, 一（二）2, 二（一）3): dating, representative work, claims supported."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from dossierflow.checkdigits import valid_issns
from dossierflow.models import Evidence, Source
from dossierflow.vocab import EVIDENCE_KINDS
from validators.integrity.common import norm_number, same_month
from validators.rules.base import (
    Facts,
    Params,
    RuleResult,
    ev_sources,
    failed,
    kind_name,
    missing,
    not_applicable,
    passed,
    review,
    same_text,
    titles_match,
)
from validators.rules.dating import Dated

# ---------------------------------------------------------------------------------------------
# Dating, representative work
# ---------------------------------------------------------------------------------------------


class EvidenceDatedParams(Params):
    kinds: list[str] = Field(min_length=1)
    # A journal's year and issue number witness a paper's date: issue N appears no earlier than
    # a journal of this many issues a year (52: a weekly) can have published N.
    max_issues_per_year: int = Field(default=52, ge=1, le=366)

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, v: list[str]) -> list[str]:
        bad = [k for k in v if k not in EVIDENCE_KINDS]
        if bad:
            raise ValueError(f"unknown evidence kind(s) {bad}")
        return v


def _describe(e: Evidence) -> str:
    name = "论文" if e.kind == "claimed_paper" else ("奖项" if e.kind == "claimed_award" else kind_name(e.kind))
    if e.kind == "claimed_achievement":
        name = "业绩成果"
    return f"{name}《{e.title}》" if e.title else name


def _one_per_title(items: list[Dated]) -> list[Dated]:
    """A claim and its attachment are one achievement: name it once, preferring the attachment."""
    seen: dict[str, Dated] = {}
    for d in sorted(items, key=lambda d: d.item.kind.startswith("claimed_")):
        key = "".join((d.item.title or f"#{id(d.item)}").split())
        seen.setdefault(key, d)
    return list(seen.values())


def evidence_dated(f: Facts, p: EvidenceDatedParams) -> RuleResult:
    items = [e for k in p.kinds for e in f.all_items(k)]
    if not items:
        return not_applicable("未提交论文、奖项、荣誉或成果材料")
    submitted = f.submission()
    dated = [d for d in (f.dated(e) for e in items) if d is not None]
    late = _one_per_title([d for d in dated if d.state == "late"])
    if late:
        parts = [f"{_describe(d.item)}日期{d.shown}晚于申报日期{submitted.isoformat()}" for d in late]
        return failed("；".join(parts) + "，不予认可", [d.item.source for d in late], late=len(late))
    disputed = _one_per_title([d for d in dated if d.state == "disputed"])
    if disputed:
        parts = [f"{_describe(d.item)}（{d.witnessed.disagreement()}）" for d in disputed]
        return review(
            "以下材料的日期各处所载不一致，不能确定是否在申报日期" + submitted.isoformat() + "之前，需人工核对："
            + "；".join(parts),
            [s for d in disputed for s in (d.witnessed.sources() or [d.item.source])],
            disputed=len(disputed),
        )
    unknown = _one_per_title([d for d in dated if d.state == "unknown"])
    if unknown:
        return review(
            "以下材料未能确定日期，需人工核对是否在申报日期之前：" + "、".join(_describe(d.item) for d in unknown),
            [d.item.source for d in unknown],
        )
    return passed(f"{len(_one_per_title(dated))}项业绩成果均在申报日期{submitted.isoformat()}之前", ev_sources(items))


class RepresentativeWorkParams(Params):
    upper_region_levels: list[str] = Field(default_factory=lambda: ["city"])
    upper_employer_types: list[str] = Field(default_factory=lambda: ["external_unit"])
    levels: list[str] = Field(min_length=1)
    series: list[str] = Field(min_length=1)
    titles: list[str] = Field(default_factory=list)
    min_works: int = Field(default=1, ge=1)
    work_kinds: list[str] = Field(default_factory=lambda: ["paper"])
    exempt_covid_frontline: bool = True
    exempt_employer_types: list[str] = Field(default_factory=lambda: ["non_public"])


def representative_work(f: Facts, p: RepresentativeWorkParams) -> RuleResult:
    employer_type = f.value("employer_type")
    if employer_type in p.exempt_employer_types:
        return not_applicable("非公有制领域不作论文要求（一（九）3）", f.src("employer_type"))
    if p.exempt_covid_frontline and f.covid_frontline():
        return not_applicable("疫情防控一线医疗卫生人员对论文不做硬性要求（一（七）2）", f.covid_sources())
    title = f.value("applied_title")
    by_title = title is not None and any(same_text(str(title), t) for t in p.titles)
    if not by_title:
        level = f.need_str("applied_level")
        if level not in p.levels:
            return not_applicable("申报级别不要求论文（一（二）2）", f.src("applied_level"))
        if f.need_str("series") not in p.series:
            return not_applicable("该系列不再将论文作为限制性条件（一（二）2）", f.src("series"))
    if employer_type not in p.upper_employer_types:
        if f.need_str("region_level") not in p.upper_region_levels:
            return not_applicable("旗县区及以下基层单位不作论文要求（一（二）2、一（八）1）", f.src("region_level"))
    works = [e for k in p.work_kinds for e in f.items(k)]
    dated = [e for e in works if f.reliable(e.confidence) and f.on_time(e)]
    late = [e for e in f.late if e.kind in p.work_kinds]
    if len(dated) >= p.min_works:
        return passed(f"提交代表作{len(dated)}篇，均在申报日期之前", ev_sources(dated), works=len(dated))
    # Only works read unsurely could make up the number; reliable ones short of it are a failure.
    unsure = [e for e in works if e not in dated]
    if unsure:
        return review("代表作的日期或内容未能可靠识别，需人工核对", ev_sources(works))
    f.settled("employer_type", "covid_frontline", "applied_title")  # each may exempt the applicant
    note = "（申报日期之后的论文不予认可）" if late else ""
    have = f"，仅提交{len(dated)}篇" if dated else ""
    return missing(f, f"盟市及以上单位申报该系列副高级以上职称须提交代表作（论文或论著）至少{p.min_works}篇{have}{note}",
                   ev_sources(dated + late))


# ---------------------------------------------------------------------------------------------
# Claims on the eval_form
# ---------------------------------------------------------------------------------------------


class ClaimsParams(Params):
    match_ratio: float = Field(default=0.8, gt=0, le=1)
    ocr_match_ratio: float = Field(default=0.6, gt=0, le=1)  # below match_ratio: review, not fail
    # A "claim" whose title holds a column heading is the list's header row, not a claim.
    header_words: list[str] = Field(default_factory=list)
    # A "claim" whose title opens as a list's heading does (一、, 三丶, （二）) may be the form's own
    # words read into a row, not something the applicant lists: never the ground for a fail.
    heading_shape: str = "(?!)"
    # claim kind on the eval_form → evidence kinds that can support it
    supports: dict[str, list[str]]

    @field_validator("heading_shape")
    @classmethod
    def _pattern(cls, v: str) -> str:
        re.compile(v)
        return v

    @field_validator("supports")
    @classmethod
    def _kinds(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        bad = [k for k in list(v) + [x for xs in v.values() for x in xs] if k not in EVIDENCE_KINDS]
        if bad:
            raise ValueError(f"unknown evidence kind(s) {bad}")
        return v


_CLAIM_NAMES = {"claimed_paper": "论文", "claimed_award": "奖项", "claimed_achievement": "业绩成果"}


def _plausible(claim: Evidence, e: Evidence, titled_match: bool, f: Facts, p: ClaimsParams) -> bool:
    """Could this attachment be the claim's, though the titles did not match? Its title was not
    read, or an OCR reading is near it, or it is in the claim's journal (OCR may have taken
    another line of the page for its title), or (title misread) it carries the claim's month."""
    if not e.title or not f.reliable(e.confidence):
        return True
    if not f.read_by_ocr(claim.source, e.source):
        return False
    if titles_match(claim.title or "", e.title, p.ocr_match_ratio):
        return True
    if claim.journal and e.journal and same_text(claim.journal, e.journal):
        return True
    return not titled_match and bool(claim.date and e.date and claim.date[:7] == e.date[:7])


def _same_identifier(claim: Evidence, e: Evidence) -> bool:
    """Do claim and attachment share an identifier a misreading could not produce by chance: an
    ISSN whose check digit holds, with the same month, or a certificate number of six or more
    characters? Such a match vouches for a claim whose title was read unsurely."""
    if claim.issn and e.issn and claim.issn == e.issn and valid_issns(claim.issn):
        return bool(claim.date and e.date and same_month(claim.date, e.date))
    number = norm_number(claim.number)
    return number is not None and number == norm_number(e.number)


def claims_supported(f: Facts, p: ClaimsParams) -> RuleResult:
    # Late items still support a claim: their lateness is EVIDENCE_DATED's warning, and
    # counting it here too would turn a warning into a return.
    claims = [
        (kind, e)
        for kind in p.supports
        for e in f.all_items(kind)
        if not (e.title and any(w in e.title for w in p.header_words))
    ]
    if not claims:
        return not_applicable("评审表未列论文、奖项或业绩成果")
    matches = {
        id(claim): [e for k in p.supports[kind] for e in f.all_items(k) if e.title and titles_match(claim.title, e.title, p.match_ratio)]
        for kind, claim in claims
        if claim.title
    }
    matched_items = {id(e) for found in matches.values() for e in found}
    unsupported: list[str] = []
    unsure: list[Source] = []
    maybe: list[Source] = []
    elsewhere: list[Source] = []
    # Which list a claim sits in is itself a reading (a caption or header misread files a
    # patent under the awards): an attachment of any supporting kind bearing the claim's title
    # may be its proof, for a person to judge.
    every_kind = sorted({k for kinds in p.supports.values() for k in kinds})
    # One certificate proves one award: two claims of one kind cannot both rest on the same item.
    used: dict[str, set[int]] = {}
    for kind, claim in claims:
        taken = used.setdefault(kind, set())
        # A fail says something listed lacks its attachment: it rests only on a claim read surely
        # and shaped as a title; an unsure reading or a heading's shape can only be reviewed.
        if not claim.title or not f.reliable(claim.confidence) or re.match(p.heading_shape, claim.title):
            vouched = next(
                (e for k in p.supports[kind] for e in f.all_items(k)
                 if id(e) not in taken and claim.title and e.title
                 and titles_match(claim.title, e.title, p.ocr_match_ratio) and _same_identifier(claim, e)),
                None,
            )
            if vouched is not None:
                taken.add(id(vouched))
            else:
                unsure.append(claim.source)
            continue
        free = [e for e in matches.get(id(claim), []) if id(e) not in taken]
        if free:
            # The item fewest other claims could use, so a later claim is not left without one.
            taken.add(id(min(free, key=lambda e: sum(1 for m in matches.values() if any(x is e for x in m)))))
            continue
        unsupported.append(f"{_CLAIM_NAMES.get(kind, '成果')}《{claim.title}》")
        candidates = [e for k in p.supports[kind] for e in f.all_items(k)]
        maybe.extend(e.source for e in candidates if id(e) not in taken and _plausible(claim, e, id(e) in matched_items, f, p))
        elsewhere.extend(e.source for k in every_kind if k not in p.supports[kind] for e in f.all_items(k)
                         if e.title and titles_match(claim.title, e.title, p.match_ratio))
    sources = ev_sources(c for _, c in claims)
    if unsupported and maybe:
        return review(
            "评审表所列以下成果未找到名称相符的附件，但有附件名称未能可靠识别，需人工核对：" + "、".join(unsupported),
            sources + maybe + elsewhere,
        )
    if unsupported and elsewhere:
        return review(
            "评审表所列以下成果未找到同类附件，但有其他类别的附件名称相符，需人工核对其归类：" + "、".join(unsupported),
            sources + elsewhere,
        )
    if unsupported:
        return missing(f, "评审表所列以下成果缺少附件佐证：" + "、".join(unsupported), sources, unsupported=unsupported)
    if unsure:
        return review(f"评审表所列{len(unsure)}项成果名称未能可靠识别，需人工核对是否附有佐证", unsure)
    return passed(f"评审表所列{len(claims)}项成果均附有佐证材料", sources)
