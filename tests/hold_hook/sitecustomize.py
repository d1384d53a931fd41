"""Test hook for a `dossier run` started by the resume test: with PYTHONPATH leading here and
DOSSIER_TEST_HOLD_DOSSIER naming a dossier, that dossier's reading hangs until the run is killed,
so the run cannot finish before the test kills it, however fast the machine reads the rest.

Python imports `sitecustomize` at start-up from the path; the variable is removed at once, so
the processes the run starts (readers, Prefect's server) are not held.
"""

import os

_HELD = os.environ.pop("DOSSIER_TEST_HOLD_DOSSIER", None)

if _HELD:
    import threading

    from dossierflow import pipeline

    _extract_slim = pipeline.extract_slim

    def _held_extract_slim(dossier, limits, cache):
        if dossier.dossier_id == _HELD:
            threading.Event().wait()  # until the test kills the run
        return _extract_slim(dossier, limits, cache)

    pipeline.extract_slim = _held_extract_slim
