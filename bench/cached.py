"""A run's extraction cache (OUT/.cache/extract, dossierflow.cache) read back by dossier, for the
benchmarks that look at what a run extracted beyond what results.jsonl writes: the pages it
read, evidence confidences."""

from __future__ import annotations

from pathlib import Path

from dossierflow.models import DossierExtraction


def cached_extractions(out: Path) -> dict[str, DossierExtraction]:
    """The run's cached extractions by dossier, the newest entry of each (an OUT run again
    after a code change holds an entry of each version)."""
    found: dict[str, tuple[float, DossierExtraction]] = {}
    for path in (out / ".cache" / "extract").glob("*/*.json"):
        ex = DossierExtraction.model_validate_json(path.read_bytes())
        when = path.stat().st_mtime
        if ex.dossier_id not in found or found[ex.dossier_id][0] < when:
            found[ex.dossier_id] = (when, ex)
    return {k: ex for k, (_, ex) in found.items()}
