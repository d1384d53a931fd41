"""Each bench run's own Prefect home and data folder, under its work folder.

`dossier run` starts Prefect's ephemeral API on the SQLite database under PREFECT_HOME
(`~/.prefect` unless set) and migrates it first: two bench runs at once on one home both
migrate the one database and one of them fails. A home per work folder keeps runs apart, and
goes with the folder. A PREFECT_HOME the caller set is theirs to choose and is kept. Nothing is
started here: each `dossier run` stops the server it started when it exits.

The data folder likewise: a run given its own database still keeps its change log's key beside
the data folder, and a bench run must not write into the user's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional


def own_prefect_home(work: Path, env: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """`env` (default: this process's environment) with PREFECT_HOME at `work/prefect` and
    DOSSIER_DATA_DIR at `work/data`, each unless the caller's environment names one."""
    out = dict(os.environ if env is None else env)
    for name, folder in (("PREFECT_HOME", "prefect"), ("DOSSIER_DATA_DIR", "data")):
        if not os.environ.get(name):
            out[name] = str((Path(work) / folder).resolve())
    return out
