"""Settings with defaults, overridable from the CLI or `DOSSIER_*` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path


def default_data_dir() -> Path:
    return Path(os.environ.get("DOSSIER_DATA_DIR", Path.home() / ".local" / "share" / "dossierflow"))


def default_db_url() -> str:
    url = os.environ.get("DOSSIER_DB")
    if url:
        return url
    return f"sqlite:///{default_data_dir() / 'dossierflow.sqlite'}"


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
        overrides = {}
        for f in fields(cls):
            raw = os.environ.get(f"DOSSIER_LIMIT_{f.name.upper()}")
            if raw is not None:
                overrides[f.name] = type(f.default)(float(raw)) if f.type in ("int", int) else type(f.default)(raw)
        return replace(cls(), **overrides)
