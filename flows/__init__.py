"""flows: the Prefect side of dossierflow.

Prefect reads its settings once, when first imported, and any module of this package may be the
first to import it. Reading starts before Prefect's ephemeral API (flows.read_ahead), so its
server starts on cores that are already busy; its default 20 s wait is too short on a loaded
two-core machine.
"""

import os

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
