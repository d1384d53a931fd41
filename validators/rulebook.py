"""A rulebook: one policy's rules as data (clause, severity, parameters per rule code).

A new year's or city's policy is a new YAML file under `validators/rulebooks/`, not new code.
Loading is strict: an unknown top-level key, an unknown or missing rule code, a misspelt
parameter or a value of the wrong type fails with `RulebookError` naming the rule and the
problem, because a typo that silently falls back to a default would change verdicts unseen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dossierflow.errors import RulebookError
from dossierflow.vocab import LEVELS, RULE_CODES
from extractors.titles import title_level as shared_title_level
from validators.integrity.cross import CrossThresholds
from validators.rules import REGISTRY
from validators.rules.base import Params

RULEBOOK_DIR = Path(__file__).parent / "rulebooks"
Severity = Literal["materials", "eligibility", "warning", "batch"]
KNOWN_CODES = tuple(RULE_CODES)


class _RawRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # What clerks read: the rule's Chinese name, and for a materials rule what the unit must
    # hand in to put it right (the 补正通知 quotes it). Optional so a draft rulebook still loads.
    title: str = ""
    remedy: str = ""
    clause: str = Field(min_length=1)
    severity: Severity
    # A batch rule's finding on each dossier: `materials` returns the dossier with the batch
    # (BATCH_PAPERS, POST_QUOTA); `warning` reports it without changing the status.
    dossier_severity: Literal["materials", "warning"] = "materials"
    params: dict = Field(default_factory=dict)


class _RawCrossChecks(BaseModel):
    """The cross-dossier checks' thresholds (`validators.integrity.cross.CrossThresholds`);
    a key left out keeps the code's default."""

    model_config = ConfigDict(extra="forbid")
    image_distance: float = Field(default=None, ge=0.0, le=1.0)  # type: ignore[assignment]
    page_line_ratio: float = Field(default=None, ge=0.0, le=1.0)  # type: ignore[assignment]
    page_min_lines: int = Field(default=None, ge=1)  # type: ignore[assignment]
    text_jaccard: float = Field(default=None, gt=0.0, le=1.0)  # type: ignore[assignment]
    text_containment: float = Field(default=None, gt=0.0, le=1.0)  # type: ignore[assignment]
    text_min_shared: int = Field(default=None, ge=1)  # type: ignore[assignment]
    boilerplate_share: float = Field(default=None, gt=0.0, le=1.0)  # type: ignore[assignment]
    boilerplate_min_docs: int = Field(default=None, ge=2)  # type: ignore[assignment]


class _RawIntegrity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cross: _RawCrossChecks = Field(default_factory=_RawCrossChecks)


class _RawRulebook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    policy: str = ""
    policy_year: int
    cutoff_qual: dt.date
    confidence_threshold: float = Field(ge=0.0, le=1.0)
    covid_series: list[str] = Field(default_factory=lambda: ["卫生"])
    # "review": a document not found while some pages are unclassified is review, not a failure.
    unclassified_pages: Literal["review", "ignore"] = "review"
    # Titles missing from extractors/data/titles.yaml, or read differently under this policy.
    title_levels: dict[str, str] = Field(default_factory=dict)
    # Parameters of the integrity leads that are not rules (thresholds of the cross-dossier checks).
    integrity: _RawIntegrity = Field(default_factory=_RawIntegrity)
    rules: dict[str, _RawRule]

    @field_validator("title_levels")
    @classmethod
    def _levels_known(cls, v: dict[str, str]) -> dict[str, str]:
        bad = {t: lv for t, lv in v.items() if lv not in LEVELS}
        if bad:
            raise ValueError(f"unknown level(s) {bad}; known: {', '.join(LEVELS)}")
        return v


@dataclass(frozen=True)
class RuleSpec:
    code: str
    clause: str
    severity: Severity
    params: Params
    dossier_severity: Literal["materials", "warning"] = "materials"
    title: str = ""
    remedy: str = ""

    @property
    def name(self) -> str:
        """The Chinese name people read, the code when the rulebook gives none."""
        return self.title or self.code


@dataclass(frozen=True)
class Rulebook:
    name: str
    policy: str
    policy_year: int
    cutoff_qual: dt.date
    confidence_threshold: float
    covid_series: tuple[str, ...]
    unclassified_pages: Literal["review", "ignore"]
    title_overrides: dict[str, str]
    rules: dict[str, RuleSpec]
    content_hash: str  # first 16 hex digits of the file's sha256
    path: Optional[Path] = None
    cross_thresholds: CrossThresholds = CrossThresholds()

    @property
    def version(self) -> str:
        return f"{self.name}@{self.content_hash[:8]}"

    def spec(self, code: str) -> RuleSpec:
        return self.rules[code]

    def title_level(self, title: str, series: Optional[str] = None) -> Optional[str]:
        key = "".join(title.split())
        if key in self.title_overrides:
            return self.title_overrides[key]
        return shared_title_level(key, series)


def _resolve(name_or_path: str | Path) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.exists():
            raise RulebookError(f"规则手册文件不存在：{candidate}")
        return candidate
    path = RULEBOOK_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in RULEBOOK_DIR.glob("*.yaml"))
        raise RulebookError(f"没有名为 {str(name_or_path)!r} 的规则手册；已有：{'、'.join(known)}（或给出 YAML 文件的路径）")
    return path


def _where(err: dict) -> str:
    return ".".join(str(p) for p in err["loc"]) or "(top level)"


def _errors(exc: ValidationError) -> str:
    return "; ".join(f"{_where(e)}: {e['msg']}" for e in exc.errors())


def load_rulebook(name_or_path: str | Path = "baotou-2020") -> Rulebook:
    path = _resolve(name_or_path)
    blob = path.read_bytes()
    where = path.name
    try:
        data = yaml.safe_load(blob.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RulebookError(f"规则手册 {where} 不是有效的 YAML：{exc}") from exc
    if not isinstance(data, dict):
        raise RulebookError(f"规则手册 {where}：顶层应为「键: 值」映射")
    try:
        raw = _RawRulebook.model_validate(data)
    except ValidationError as exc:
        raise RulebookError(f"规则手册 {where}：{_errors(exc)}") from exc

    unknown = sorted(set(raw.rules) - set(KNOWN_CODES))
    if unknown:
        raise RulebookError(f"规则手册 {where}：未知的规则代码 {'、'.join(unknown)}")
    missing = [c for c in KNOWN_CODES if c not in raw.rules]
    if missing:
        raise RulebookError(f"规则手册 {where}：缺少规则 {'、'.join(missing)}")

    specs: dict[str, RuleSpec] = {}
    for code in KNOWN_CODES:
        entry = raw.rules[code]
        impl = REGISTRY[code]
        if (entry.severity == "batch") != impl.batch:
            expected = "batch" if impl.batch else "materials、eligibility 或 warning"
            raise RulebookError(f"规则手册 {where}：规则 {code} 的 severity 应为 {expected}，而不是 {entry.severity}")
        try:
            params = impl.params.model_validate(entry.params)
        except ValidationError as exc:
            raise RulebookError(f"规则手册 {where}：规则 {code} 的参数有误：{_errors(exc)}") from exc
        if entry.severity != "batch" and entry.dossier_severity != "materials":
            raise RulebookError(f"规则手册 {where}：规则 {code}：dossier_severity 只用于批次规则")
        specs[code] = RuleSpec(code=code, clause=entry.clause, severity=entry.severity, params=params,
                               dossier_severity=entry.dossier_severity, title=entry.title, remedy=entry.remedy)

    return Rulebook(
        name=raw.name,
        policy=raw.policy,
        policy_year=raw.policy_year,
        cutoff_qual=raw.cutoff_qual,
        confidence_threshold=raw.confidence_threshold,
        covid_series=tuple(raw.covid_series),
        unclassified_pages=raw.unclassified_pages,
        title_overrides={"".join(k.split()): v for k, v in raw.title_levels.items()},
        rules=specs,
        content_hash=hashlib.sha256(blob).hexdigest()[:16],
        path=path,
        cross_thresholds=CrossThresholds(**raw.integrity.cross.model_dump(exclude_none=True)),
    )
