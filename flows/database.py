"""The database a flow records to, named in its parameters without the secret in its URL.

Prefect stores a flow run's parameters in its database and shows them in its UI, so the URL
(with its password) never goes there: the flow gets the URL with the password replaced by ***,
and resolves it to the real URL in the flow process — which is where the judging step, the only
one that opens the database, runs (Dask workers only read files).
"""

from __future__ import annotations

import threading
from typing import Optional

from dossierflow.config import default_db_url
from dossierflow.errors import DatabaseError
from dossierflow.storage import redacted

_lock = threading.Lock()
_urls: dict[str, str] = {}


def reference(url: Optional[str]) -> Optional[str]:
    """What the flow's parameters may hold for `url`; the URL itself stays in this process."""
    if url is None:
        return None
    ref = redacted(url)
    with _lock:
        _urls[ref] = url
    return ref


def resolve(ref: Optional[str]) -> Optional[str]:
    """The URL behind a reference: the one handed over in this process, else this machine's
    configured database (`DOSSIER_DB`, the default) when it is the same one."""
    if ref is None:
        return None
    with _lock:
        url = _urls.get(ref)
    if url is not None:
        return url
    configured = default_db_url()
    if redacted(configured) == ref:
        return configured
    raise DatabaseError(f"流程要求的数据库 {ref} 不是本机配置的数据库（DOSSIER_DB）：无法取得其连接地址")
