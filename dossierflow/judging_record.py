"""What a run judged, kept beside its outputs so the batch can be judged again without reading it.

A reviewer's decision re-judges the whole batch at once (batch rules count every dossier). That
must never read the files again (no OCR): the record names each dossier's entry in the
extraction cache (`OUT/.cache/extract`), or the error it ended in, with the batch's own papers
(batch.yaml), the rulebook and the processing date the run judged with.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dossierflow import atomic
from dossierflow.batch import BatchInfo
from dossierflow.cache import ExtractionCache
from dossierflow.errors import UsageError
from dossierflow.ingest import BatchInput, DossierInput

SCHEMA_ID = "dossier-judging/1"


def record_path(out_dir: Path) -> Path:
    return Path(out_dir) / ".cache" / "judging.json"


class RecordedDossier(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dossier_id: str
    entry: str
    key: Optional[str] = None  # the extraction cache's key; None when the dossier ended in an error
    error: Optional[str] = None


class JudgingRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_id: str = SCHEMA_ID
    batch_id: str
    root: str
    info: dict
    skipped: list[tuple[str, str]] = Field(default_factory=list)
    dossiers: list[RecordedDossier]
    rulebook: str
    processing_date: dt.date
    notice_template: Optional[str] = None

    @classmethod
    def of(cls, batch: BatchInput, keys: dict[str, Optional[str]], errors: dict[str, Optional[str]], rulebook: str,
           day: dt.date, notice_template: Optional[str]) -> "JudgingRecord":
        return cls(
            batch_id=batch.batch_id,
            root=str(batch.root),
            info=batch.info.model_dump(mode="json"),
            skipped=list(batch.skipped),
            dossiers=[
                RecordedDossier(dossier_id=d.dossier_id, entry=d.entry, key=keys.get(d.dossier_id), error=errors.get(d.dossier_id))
                for d in batch.dossiers
            ],
            rulebook=rulebook,
            processing_date=day,
            notice_template=notice_template,
        )

    def dossier(self, dossier_id: str) -> Optional[RecordedDossier]:
        """The recorded dossier of that id, or None. Indexed once: the writing asks for every
        dossier of the batch in turn, and a scan of the list each time is quadratic."""
        return self._by_id.get(dossier_id)

    @cached_property
    def _by_id(self) -> dict[str, RecordedDossier]:
        return {d.dossier_id: d for d in self.dossiers}

    def save(self, out_dir: Path) -> None:
        atomic.write_text(record_path(out_dir), self.model_dump_json(indent=1))

    @classmethod
    def load(cls, out_dir: Path) -> "JudgingRecord":
        path = record_path(out_dir)
        if not path.exists():
            raise UsageError(f"{out_dir} 中没有判定记录（{path.name}）：请先对该批次运行一次 dossier run（已读取的材料会复用缓存）")
        try:
            return cls.model_validate_json(path.read_bytes())
        except (ValidationError, ValueError, OSError) as exc:
            raise UsageError(f"判定记录 {path} 无法读取（{type(exc).__name__}）：请对该批次重新运行 dossier run") from exc

    def batch_input(self) -> BatchInput:
        """The batch as the run listed it, without its files (judging needs none)."""
        dossiers = [DossierInput(dossier_id=d.dossier_id, entry=d.entry, error=d.error if d.key is None else None)
                    for d in self.dossiers]
        return BatchInput(batch_id=self.batch_id, root=Path(self.root), info=BatchInfo(**self.info), dossiers=dossiers,
                          skipped=[tuple(s) for s in self.skipped])  # type: ignore[misc]

    def outcomes(self, out_dir: Path) -> list:
        """Each dossier's outcome as the run had it: its extraction from the cache, or its error.
        A cache entry gone missing is refused, never read again from the files."""
        from dossierflow.pipeline import Extracted

        cache = ExtractionCache(Path(out_dir))
        found = []
        for d in self.dossiers:
            if d.key is None:
                found.append(Extracted(d.dossier_id, error=d.error or "档案未能处理"))
                continue
            extraction = cache.get(d.key)
            if extraction is None:
                raise UsageError(f"档案 {d.dossier_id} 的读取结果不在缓存中：请对该批次重新运行 dossier run 后再重新判定")
            found.append(Extracted(d.dossier_id, extraction=extraction.slim(), reused=True))
        return found
