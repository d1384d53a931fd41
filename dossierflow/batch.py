"""The batch: its optional `batch.yaml` (the unit's papers) and what a run knows about it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dossierflow.errors import BatchInvalid
from dossierflow.vocab import LEVELS


class PostLine(BaseModel):
    """One line of the 申报人数统计表: posts established and vacant at a level (and series)."""

    model_config = ConfigDict(extra="forbid")
    level: str
    series: Optional[str] = None
    established: int = Field(ge=0)
    vacant: int = Field(ge=0)

    def model_post_init(self, _ctx) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"unknown level {self.level!r}; known: {', '.join(LEVELS)}")


class BatchInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    batch_id: str
    unit: Optional[str] = None
    region: Optional[str] = None
    submitted_on: Optional[dt.date] = None
    report: Optional[str] = None  # a file at the batch root, or the report's text
    quota_scope: Optional[str] = None
    posts: list[PostLine] = Field(default_factory=list)
    has_yaml: bool = False  # whether batch.yaml was there at all (BATCH_PAPERS)
    root_documents: list[str] = Field(default_factory=list)  # other files at the root, by name
    # Batch ids this batch replaces after a 补正 (dossierflow.batches): one id or a list.
    supersedes: list[str] = Field(default_factory=list)

    @field_validator("supersedes", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if value is None:
            return []
        if isinstance(value, (str, int)):
            return [str(value)]
        if isinstance(value, list):
            return [str(v) for v in value]
        return value


def load_batch_info(batch_id: str, yaml_path: Optional[Path]) -> BatchInfo:
    if yaml_path is None or not yaml_path.exists():
        return BatchInfo(batch_id=batch_id)
    try:
        data = yaml.safe_load(yaml_path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise BatchInvalid(f"{yaml_path.name}：顶层应为「键: 值」映射")
        data.setdefault("batch_id", batch_id)
        data["batch_id"] = str(data["batch_id"])
        return BatchInfo(**data, has_yaml=True)
    except (yaml.YAMLError, ValidationError, ValueError, TypeError) as exc:
        raise BatchInvalid(f"{yaml_path.name} 无法读取：{exc}") from exc


class RunContext(BaseModel):
    """What rules need beyond the dossier itself."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    batch: BatchInfo
    processing_date: dt.date
    # Looks up blacklist entries in force for a full ID number on a date; None when no database.
    blacklist_lookup: Optional[Callable[[str, dt.date], list[dict]]] = None
