"""Settings: defaults, overridden by `DOSSIER_*` environment variables, then by CLI options.

The environment is read and checked by pydantic-settings: a value that does not parse (`abc`
for a number, `2.9` for a count) is a usage error naming the variable, never a traceback and
never silently rounded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Literal, Optional

from pydantic import Field, PositiveInt, ValidationError, create_model, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dossierflow.errors import UsageError
from dossierflow.reasons import reason

LIMIT_PREFIX = "DOSSIER_LIMIT_"


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "dossierflow"


class Settings(BaseSettings):
    """The `DOSSIER_*` settings every command shares (the limits are `Limits`)."""

    model_config = SettingsConfigDict(env_prefix="DOSSIER_", env_ignore_empty=True, extra="ignore", frozen=True)

    data_dir: Path = Field(default_factory=_default_data_dir)
    db: Optional[str] = None
    rulebook: str = "baotou-2020"
    workers: Optional[PositiveInt] = None
    dask_address: Optional[str] = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "WARNING"

    @field_validator("data_dir")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        # A literal "~" would otherwise become a folder named "~" under the working directory.
        return value.expanduser()

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def _usage_error(exc: ValidationError, prefix: str) -> UsageError:
    first = exc.errors()[0]
    name = prefix + "_".join(str(p) for p in first["loc"]).upper()
    value = first.get("input")
    shown = f" 的值 {value!r}" if isinstance(value, str) else ""
    return UsageError(f"环境变量 {name}{shown} 无效：{reason(first)}")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise _usage_error(exc, "DOSSIER_") from exc


def default_data_dir() -> Path:
    return load_settings().data_dir


def default_db_url() -> str:
    settings = load_settings()
    return settings.db or f"sqlite:///{settings.data_dir / 'dossierflow.sqlite'}"


@dataclass(frozen=True)
class Limits:
    """Bounds for parsing untrusted files. Every one has a clear message when it is hit."""

    max_file_bytes: int = 200 * 1024 * 1024
    max_pages_per_file: int = 300
    max_page_pixels: int = 80_000_000  # after rasterising; also Pillow's bomb guard stays on
    max_zip_entries: int = 2_000
    max_zip_total_bytes: int = 2 * 1024 * 1024 * 1024
    max_zip_entry_bytes: int = 300 * 1024 * 1024
    max_zip_ratio: float = 200.0  # uncompressed / compressed, per entry
    file_timeout_s: float = 300.0  # parsing + OCR of one file, in a killable subprocess
    file_memory_bytes: int = 3 * 1024 * 1024 * 1024  # address-space cap of that subprocess
    ocr_dpi: int = 300  # rasterising DPI for pages without a text layer
    # Text runs (lines, cells, paragraphs) per page. Field extraction after reading is linear in
    # them and runs without the reader's timeout; a real form page has a few hundred.
    max_segments_per_page: int = 5_000

    @classmethod
    def from_env(cls) -> "Limits":
        """Each limit may be set as DOSSIER_LIMIT_<NAME> (e.g. DOSSIER_LIMIT_FILE_TIMEOUT_S=60)."""
        known = {f.name.upper() for f in fields(cls)}
        unknown = sorted(k for k in os.environ if k.upper().startswith(LIMIT_PREFIX) and k.upper()[len(LIMIT_PREFIX):] not in known)
        if unknown:
            # A misspelt limit would otherwise be ignored without a word.
            names = "、".join(LIMIT_PREFIX + n for n in sorted(known))
            raise UsageError(f"未知的环境变量 {unknown[0]}；可设置的上限有：{names}")
        try:
            parsed = _LimitSettings()
        except ValidationError as exc:
            raise _usage_error(exc, LIMIT_PREFIX) from exc
        return cls(**parsed.model_dump())


# Every limit is a positive count or a positive, finite amount: zero, a negative or "inf" would
# switch a guard off rather than set it.
_PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class _LimitEnv(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=LIMIT_PREFIX, env_ignore_empty=True, extra="ignore", frozen=True)


_LimitSettings = create_model(  # type: ignore[call-overload]
    "_LimitSettings",
    __base__=_LimitEnv,
    **{
        f.name: (PositiveInt if f.type in ("int", int) else _PositiveFloat, f.default)
        for f in fields(Limits)
    },
)
