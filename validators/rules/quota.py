"""Batch-level rules: POST_QUOTA (一（六）2), BATCH_PAPERS (二（三）), SUBMISSION_DEADLINE (二（八））.

POST_QUOTA judges a whole quota scope at once: who is counted, how many posts the unit's
统计表 allows, and — when the count exceeds it — every counted dossier of that scope and level
fails, because the unit's over-quota submission is not accepted as a whole.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dossierflow.batch import BatchInfo, PostLine
from dossierflow.models import Outcome, Source
from dossierflow.vocab import LEVELS
from validators.messages import EMPLOYER_NAMES, ROUTE_NAMES, STATUS_NAMES
from validators.rules.base import Facts, Params, RuleResult, Unreadable, failed, level_name, not_applicable, passed, review
from validators.rules.eligibility import exceptional_basis


def known_levels(v: list[str]) -> list[str]:
    """A rulebook's level list, refused at load time when it names a level the project has not."""
    bad = [x for x in v if x not in LEVELS]
    if bad:
        raise ValueError(f"unknown level(s) {bad}")
    return v


class PostQuotaParams(Params):
    counted_employer_types: list[str] = Field(min_length=1)
    counted_levels: list[str] = Field(min_length=1)
    uncounted_routes: list[str] = Field(default_factory=list)
    # 一（六）2（3）: 符合“（五）规范破格申报”条件的人员 are not counted — an applicant on this route only
    # when EXCEPTIONAL_BASIS finds a basis of 一（五） (not 一（八）2's years, not none).
    exceptional_route: Optional[str] = "exceptional"
    uncounted_person_statuses: list[str] = Field(default_factory=list)
    uncounted_series: list[str] = Field(default_factory=list)
    uncounted_covid_frontline: bool = True
    # "vacant_plus_percent": vacant + floor(percent × established); "percent_only": floor(percent × established)
    reading: Literal["vacant_plus_percent", "percent_only"] = "vacant_plus_percent"
    over_percent: float = Field(default=0.05, ge=0, le=1)
    vacant_only_series: list[str] = Field(default_factory=list)

    @field_validator("counted_levels")
    @classmethod
    def _levels(cls, v: list[str]) -> list[str]:
        return known_levels(v)


class BatchPapersParams(Params):
    report_names: list[str] = Field(default_factory=lambda: ["申报情况报告"], min_length=1)
    table_names: list[str] = Field(default_factory=lambda: ["申报人数统计表"], min_length=1)


class DeadlineParams(Params):
    deadline: dt.date                      # 二（八）: 旗县区 hand in senior applications by this day
    levels: list[str] = Field(min_length=1)
    city_region: str = "市直"               # 市直 batches follow the annex's timetable instead

    @field_validator("levels")
    @classmethod
    def _levels(cls, v: list[str]) -> list[str]:
        return known_levels(v)


class BatchFinding(BaseModel):
    """One batch-level finding as `batch.json` shows it."""

    model_config = ConfigDict(extra="forbid")
    rule: str
    outcome: Outcome
    clause: str
    message: str
    scope: Optional[str] = None
    level: Optional[str] = None
    series: Optional[str] = None
    counted: Optional[int] = None
    allowed: Optional[int] = None
    established: Optional[int] = None
    vacant: Optional[int] = None
    dossiers: list[str] = Field(default_factory=list)
    details: dict = Field(default_factory=dict)


# ---------------------------------------------------------------------------------------------


@dataclass
class Counting:
    counted: Optional[bool]  # None: could not be decided reliably
    reason: str
    sources: list[Source]
    level: Optional[str] = None
    series: Optional[str] = None


def counting(f: Facts, p: PostQuotaParams) -> Counting:
    try:
        return _counting(f, p)
    except Unreadable as u:
        return Counting(None, u.message, u.sources)


def _counting(f: Facts, p: PostQuotaParams) -> Counting:
    employer = f.need_str("employer_type")
    if employer not in p.counted_employer_types:
        return Counting(False, f"{EMPLOYER_NAMES.get(employer, employer)}人员不占事业单位岗位数额", f.src("employer_type"))
    level = f.need_str("applied_level")
    if level not in p.counted_levels:
        return Counting(False, f"{level_name(level)}职称申报不受岗位限制（一（六）2（2））", f.src("applied_level"))
    route = f.need_str("route")
    if route == p.exceptional_route:
        exempt = _exceptional_exemption(f)
        if exempt is not None:
            return exempt
    elif route in p.uncounted_routes:
        return Counting(False, f"{ROUTE_NAMES.get(route, route)}人员不受岗位数额限制（一（六）2（3）、一（五））", f.src("route"))
    status = f.value("person_status")
    if status in p.uncounted_person_statuses:
        return Counting(False, f"{STATUS_NAMES.get(str(status), status)}不受岗位数额限制（一（五）4）", f.src("person_status"))
    series = f.need_str("series")
    if series in p.uncounted_series:
        return Counting(False, f"{series}系列实行评聘分开，不占岗位数额（一（六）1）", f.src("series"))
    if p.uncounted_covid_frontline:
        covid = f.covid_frontline()
        if covid:
            return Counting(False, "疫情防控一线医疗卫生人员不受本单位岗位结构比例限制（一（七）1）", f.covid_sources())
        if covid is None:
            return Counting(None, "表中填报为疫情防控一线人员但未附证明，是否计入岗位数额需人工核实", f.src("covid_frontline"))
    return Counting(True, "计入岗位数额", f.src("employer_type", "applied_level"), level=level, series=series)


def _exceptional_exemption(f: Facts) -> Optional[Counting]:
    """Not counted when the 破格 rests on 一（五）; counted (None) when it rests on nothing or on
    一（八）2; undecided when a person must first say what it rests on."""
    spec = f.rb.spec("EXCEPTIONAL_BASIS")
    result = exceptional_basis(f, spec.params)  # type: ignore[arg-type]
    basis = str(result.details.get("basis") or "")
    if result.outcome == "pass" or basis.startswith("一（五）"):
        item = result.details.get("item") or ""
        return Counting(False, f"符合“（五）规范破格申报”条件（{basis}{item}），不受岗位数额限制（一（六）2（3））", result.sources)
    if result.outcome == "review" and basis != "一（八）2":
        return Counting(None, "破格申报条件需人工认定，是否计入岗位数额需人工核实（一（六）2（3））", result.sources)
    return None


def allowed_posts(line: PostLine, p: PostQuotaParams, vacant_only: bool) -> tuple[int, int]:
    """(allowed, over): Fraction keeps 5% of 39 at exactly 1.95 → 1, with no float drift."""
    if vacant_only:
        return line.vacant, 0
    over = int(Fraction(str(p.over_percent)) * line.established)
    if p.reading == "percent_only":
        return over, over
    return line.vacant + over, over


def _line_for(posts: list[PostLine], level: str, series: str) -> tuple[Optional[PostLine], Optional[str]]:
    for line in posts:
        if line.level == level and line.series == series:
            return line, series
    for line in posts:
        if line.level == level and line.series is None:
            return line, None
    return None, None


def post_quota_of_counts(
    counts: dict[str, Counting], p: PostQuotaParams, clause: str, batch: BatchInfo
) -> tuple[dict[str, RuleResult], list[BatchFinding]]:
    """POST_QUOTA from each dossier's `counting`: all the rule needs of a dossier, so a batch
    is judged without holding its extractions."""
    scope = batch.quota_scope or batch.unit or batch.batch_id
    results: dict[str, RuleResult] = {}
    groups: dict[tuple[str, Optional[str]], list[str]] = {}
    lines: dict[tuple[str, Optional[str]], Optional[PostLine]] = {}
    vacant_only: dict[tuple[str, Optional[str]], bool] = {}
    sources: dict[str, list[Source]] = {}
    for did, c in counts.items():
        if c.counted is False:
            results[did] = not_applicable(c.reason, c.sources)
            continue
        if c.counted is None:
            results[did] = review(c.reason, c.sources)
            continue
        assert c.level is not None and c.series is not None
        line, line_series = _line_for(batch.posts, c.level, c.series)
        teacher = c.series in p.vacant_only_series
        key = (c.level, c.series if (line_series or teacher) else None)
        groups.setdefault(key, []).append(did)
        sources[did] = c.sources
        lines[key] = line
        vacant_only[key] = teacher

    findings: list[BatchFinding] = []
    for (level, series), members in sorted(groups.items(), key=lambda kv: (LEVELS.index(kv[0][0]), kv[0][1] or "")):
        line = lines[(level, series)]
        label = f"{scope}{series or ''}{level_name(level)}岗位"
        if line is None:
            msg = f"申报人数统计表未列{label}，无法核对岗位数额"
            for did in members:
                results[did] = review(msg, sources[did])
            findings.append(BatchFinding(rule="POST_QUOTA", outcome="review", clause=clause, message=msg, scope=scope,
                                         level=level, series=series, counted=len(members), dossiers=sorted(members)))
            continue
        allowed, over = allowed_posts(line, p, vacant_only[(level, series)])
        basis = (
            f"空岗{line.vacant}个（中小学教师严格在岗位结构比例内，不适用5%）"
            if vacant_only[(level, series)]
            else f"空岗{line.vacant}个+已设岗位{line.established}个×{Fraction(str(p.over_percent)) * 100}%取整{over}个"
        )
        counted = len(members)
        text = f"{label}：计入申报{counted}人，可申报{allowed}人（{basis}）"
        if counted > allowed:
            outcome: Outcome = "fail"
            msg = f"{text}，超出岗位数额，该范围申报材料不予接收（一（六）2（2））"
        else:
            outcome = "pass"
            msg = f"{text}，未超出岗位数额"
        for did in members:
            results[did] = (failed if outcome == "fail" else passed)(msg, sources[did], counted=counted, allowed=allowed)
        findings.append(
            BatchFinding(rule="POST_QUOTA", outcome=outcome, clause=clause, message=msg, scope=scope, level=level,
                         series=series, counted=counted, allowed=allowed, established=line.established,
                         vacant=line.vacant, dossiers=sorted(members))
        )
    return results, findings


def batch_papers(batch: BatchInfo, p: BatchPapersParams, clause: str, dossier_ids: list[str]) -> BatchFinding:
    """Without the unit's report or its count table the batch is not accepted (二（三）: 否者，不予接收
    材料): the finding lists every dossier, each of which fails BATCH_PAPERS with it."""
    names = batch.root_documents
    has_report = bool(batch.report) or any(k in n for n in names for k in p.report_names)
    has_table = bool(batch.posts) or any(k in n for n in names for k in p.table_names)
    missing = [label for label, ok in (("申报情况报告", has_report), ("申报人数统计表（附岗位设置表）", has_table)) if not ok]
    scope = batch.quota_scope or batch.unit
    if missing:
        return BatchFinding(rule="BATCH_PAPERS", outcome="fail", clause=clause,
                            message="批次缺少" + "、".join(missing) + "，按二（三）“否者，不予接收材料”，本批次全部申报材料退回",
                            scope=scope, dossiers=sorted(dossier_ids), details={"missing": missing})
    return BatchFinding(rule="BATCH_PAPERS", outcome="pass", clause=clause,
                        message="批次已附申报情况报告和申报人数统计表", scope=scope)


def batch_papers_for_dossier(finding: BatchFinding) -> RuleResult:
    if finding.outcome == "fail":
        return failed(finding.message, **finding.details)
    return passed(finding.message)


def deadline_entry(f: Facts, p: DeadlineParams) -> "str | RuleResult":
    """What SUBMISSION_DEADLINE needs of one dossier: its level when the deadline binds it,
    else its own result (not bound by it, or its level unreadable)."""
    try:
        level = f.need_str("applied_level")
    except Unreadable as u:
        return review(u.message, u.sources)
    if level in p.levels:
        return level
    return not_applicable(f"申报{level_name(level)}职称，不受高级职称申报截止时间限制", f.src("applied_level"))


def deadline_of_entries(levels_read: "dict[str, str | RuleResult]", p: DeadlineParams, clause: str,
                        batch: BatchInfo) -> tuple[dict[str, RuleResult], BatchFinding]:
    """二（八）: 各旗县区在6月20日前完成高级职称组织申报工作. A late 旗县区 batch is a batch-level
    fail and a warning on each of its deputy-senior and senior dossiers; a person decides."""
    def finding(outcome: Outcome, message: str, dossiers: list[str] = ()) -> BatchFinding:  # type: ignore[assignment]
        return BatchFinding(rule="SUBMISSION_DEADLINE", outcome=outcome, clause=clause, message=message,
                            scope=batch.region, dossiers=sorted(dossiers),
                            details={"deadline": p.deadline.isoformat(),
                                     "submitted_on": batch.submitted_on.isoformat() if batch.submitted_on else None})

    senior: list[str] = []
    results: dict[str, RuleResult] = {}
    for did, entry in levels_read.items():
        if isinstance(entry, str):
            senior.append(did)
        else:
            results[did] = entry
    levels = "、".join(level_name(lv) for lv in p.levels)
    deadline = f"{p.deadline.month}月{p.deadline.day}日"
    if not batch.region or batch.region == p.city_region:
        msg = "市直部门和单位按附件时间安排表报送，不核对旗县区截止时间" if batch.region else "批次未注明申报地区，不核对申报截止时间"
        outcome: Outcome = "not_applicable"
        per: RuleResult = not_applicable(msg)
    elif not senior:
        outcome, msg = "not_applicable", f"本批次无{levels}职称申报"
        per = not_applicable(msg)
    elif batch.submitted_on is None:
        outcome, msg = "review", f"批次未注明报送日期，无法核对{batch.region}高级职称申报是否在{deadline}前完成，需人工核对"
        per = review(msg)
    elif batch.submitted_on > p.deadline:
        outcome = "fail"
        msg = (f"{batch.region}于{batch.submitted_on.isoformat()}报送高级职称申报材料，晚于二（八）规定的{deadline}前"
               f"（{p.deadline.isoformat()}），是否接收由人工决定")
        per = failed(msg)
    else:
        outcome, msg = "pass", f"{batch.region}于{batch.submitted_on.isoformat()}报送，在{deadline}截止时间之前"
        per = passed(msg)
    for did in senior:
        results[did] = per
    return results, finding(outcome, msg, senior if outcome == "fail" else [])
