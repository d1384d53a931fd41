"""Each bench run's own Prefect home, under its work folder.

`dossier run` starts Prefect's ephemeral API on the SQLite database under PREFECT_HOME
(`~/.prefect` unless set) and migrates it first: two bench runs at once on one home both
migrate the one database and one of them fails. A home per work folder keeps runs apart, and
goes with the folder. A PREFECT_HOME the caller set is theirs to choose and is kept. Nothing is
started here: each `dossier run` stops the server it started when it exits.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional


def own_prefect_home(work: Path, env: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """`env` (default: this process's environment) with PREFECT_HOME at `work/prefect`, unless
    the caller's environment names one."""
    out = dict(os.environ if env is None else env)
    if not os.environ.get("PREFECT_HOME"):
        out["PREFECT_HOME"] = str((Path(work) / "prefect").resolve())
    return out
