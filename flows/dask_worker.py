"""What runs on a Dask worker: one dossier's extraction, with no Prefect API of its own.

A Prefect task on a worker needs an API to report to. Without one configured (`PREFECT_API_URL`)
Prefect starts a temporary API server inside each worker process, which outlives a stopped
worker. So when the flow runs on its own ephemeral API, the flow hands dossiers to the cluster as
plain Dask tasks (`extract_on_worker`, nothing of Prefect imported on the worker); only with a
shared Prefect server do the workers run Prefect tasks, reporting to the flow's API.
"""

from __future__ import annotations

from pathlib import Path

from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.ingest import DossierInput
from dossierflow.pipeline import Extracted, extract_slim
from extractors.readers import slots


def fit_slots_to_worker() -> None:
    """On a Dask worker, parse with as many children as the worker has threads, not as many as
    the machine has cores: several worker processes may share one machine."""
    try:
        from distributed import get_worker

        threads = get_worker().state.nthreads
    except (ImportError, ValueError, AttributeError):
        return
    if slots.size() != threads:
        slots.configure(threads)


def extract_on_worker(dossier: DossierInput, limits: Limits, out_dir: str) -> Extracted:
    fit_slots_to_worker()
    return extract_slim(dossier, limits, ExtractionCache(Path(out_dir)))


def flow_api_is_shared() -> bool:
    """Whether the flow reports to a configured Prefect server that workers can reach too."""
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())
