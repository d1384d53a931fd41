"""Finished extractions, keyed on file content, so a re-run or a resumed run redoes nothing.

The key is `DossierInput.content_key(EXTRACTOR_VERSION)`: the same bytes under the same dossier
id give the same key whatever the run. Entries are written atomically, so a killed run leaves
either a complete entry or none.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from pydantic import ValidationError

from dossierflow import atomic
from dossierflow.models import DossierExtraction

log = logging.getLogger(__name__)


class ExtractionCache:
    def __init__(self, out_dir: Path):
        self.folder = out_dir / ".cache" / "extract"

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def holds(self, key: str) -> bool:
        return self._path(key).exists()

    def get(self, key: str) -> Optional[DossierExtraction]:
        path = self._path(key)
        if not path.exists():
            return None
        try:
            return DossierExtraction.model_validate_json(path.read_bytes())
        except (ValidationError, ValueError, OSError) as exc:
            # A cache entry from an incompatible version, or damaged on disk: redo the work.
            log.warning("ignoring unreadable cache entry %s: %s", path.name, exc)
            return None

    def put(self, key: str, extraction: DossierExtraction) -> None:
        atomic.write_text(self._path(key), extraction.model_dump_json())
