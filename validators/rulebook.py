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
from validators.rules import BATCH_RULE_CODES, REGISTRY
from validators.rules.base import Params

RULEBOOK_DIR = Path(__file__).parent / "rulebooks"
Severity = Literal["materials", "eligibility", "warning", "batch"]
KNOWN_CODES = tuple(RULE_CODES) + tuple(BATCH_RULE_CODES)


class _RawRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # What clerks read: the rule's Chinese name, and for a materials rule what the unit must
    # hand in to put it right (the 补正通知 quotes it). Optional so a draft rulebook still loads.
    title: str = ""
    remedy: str = ""
    clause: str = Field(min_length=1)
    severity: Severity
    params: dict = Field(default_factory=dict)


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

    @property
    def version(self) -> str:
        return f"{self.name}@{self.content_hash[:8]}"

    def spec(self, code: str) -> RuleSpec:
        return self.rules[code]

    def title_level(self, title: str, series: Optional[str] = None) -> Optional[str]:
        key = "".join(title.split())
        if key in self.title_overrides:
            return self.title_overrides[key]
        try:
            from extractors.titles import title_level
        except ImportError:  # the shared title table is optional for the engine
            return None
        return title_level(key, series)


def _resolve(name_or_path: str | Path) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.exists():
            raise RulebookError(f"rulebook file not found: {candidate}")
        return candidate
    path = RULEBOOK_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in RULEBOOK_DIR.glob("*.yaml"))
        raise RulebookError(f"unknown rulebook {name_or_path!r}; known: {', '.join(known)}")
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
        raise RulebookError(f"rulebook {where}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RulebookError(f"rulebook {where}: expected a mapping at the top level")
    try:
        raw = _RawRulebook.model_validate(data)
    except ValidationError as exc:
        raise RulebookError(f"rulebook {where}: {_errors(exc)}") from exc

    unknown = sorted(set(raw.rules) - set(KNOWN_CODES))
    if unknown:
        raise RulebookError(f"rulebook {where}: unknown rule code(s) {', '.join(unknown)}")
    missing = [c for c in KNOWN_CODES if c not in raw.rules]
    if missing:
        raise RulebookError(f"rulebook {where}: rule(s) missing: {', '.join(missing)}")

    specs: dict[str, RuleSpec] = {}
    for code in KNOWN_CODES:
        entry = raw.rules[code]
        impl = REGISTRY[code]
        if (entry.severity == "batch") != impl.batch:
            expected = "batch" if impl.batch else "materials, eligibility or warning"
            raise RulebookError(f"rulebook {where}: rule {code}: severity must be {expected}, not {entry.severity}")
        try:
            params = impl.params.model_validate(entry.params)
        except ValidationError as exc:
            raise RulebookError(f"rulebook {where}: rule {code}: bad parameter {_errors(exc)}") from exc
        specs[code] = RuleSpec(
            code=code, clause=entry.clause, severity=entry.severity, params=params, title=entry.title, remedy=entry.remedy
        )

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
    )
