"""Storage: history of processed dossiers, the blacklist and the decision log.

`open_store(url)` opens (and on first use creates and migrates) the database: a SQLite file by
default (``sqlite:///path``), PostgreSQL for ``postgresql://…`` URLs, mapped to the psycopg 3
driver.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from dossierflow.errors import DatabaseError, UsageError
from dossierflow.ledger import Ledger, key_file_path
from dossierflow.storage.db_errors import database_reason
from dossierflow.storage.migrate import upgrade
from dossierflow.storage.store import Store, lead_id_for

log = logging.getLogger(__name__)

__all__ = ["Store", "open_store", "normalise_url", "lead_id_for", "database_identity", "redacted"]


# The schemes (and drivers) this project is built and tested for. Anything else, a bare path
# included, is refused before a file or folder is created: a mistyped `--db` used to make a
# fresh, empty SQLite database and run against it.
SUPPORTED_SCHEMES = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_EXPECTED = "应为 sqlite:///文件路径 或 postgresql://用户@主机/数据库（--db 或 DOSSIER_DB）"


def normalise_url(url: str) -> str:
    """A database URL of a supported scheme, with PostgreSQL mapped to psycopg 3; anything else
    is a usage error."""
    match = _SCHEME.match(url.strip())
    scheme = match.group(1).lower() if match else None
    if scheme not in SUPPORTED_SCHEMES:
        raise UsageError(f"数据库地址 {_masked(url)} 不受支持：{_EXPECTED}")
    url = SUPPORTED_SCHEMES[scheme] + url.strip()[len(scheme) :]
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise UsageError(f"数据库地址 {_masked(url)} 无法解析：{_EXPECTED}") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        # An in-memory database forgets the blacklist and the history the moment the run ends.
        raise UsageError(f"数据库地址 {_masked(url)} 缺少文件路径：{_EXPECTED}")
    return url


def _masked(url: str) -> str:
    """The value as typed, with anything between ':' and '@' hidden: it may be a password."""
    return repr(re.sub(r":(?!//)[^:@]*@", ":***@", url))


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid url>"


# A server that does not answer must fail the run in seconds, before any file is read, not
# after the operating system's TCP timeout.
PG_CONNECT_TIMEOUT_S = 10


def database_identity(url: str) -> str:
    """Names one database in the head file beside the log key: the URL without its password,
    a SQLite file by its absolute path (however the URL spelled it)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ":memory:"
        return "sqlite:" + (path if path == ":memory:" else str(Path(path).expanduser().resolve()))
    return parsed._replace(drivername=parsed.get_backend_name(), password=None).render_as_string(hide_password=False)


def redacted(url: str) -> str:
    """The URL as people and Prefect's records may see it: any password replaced by ***."""
    return _safe(normalise_url(url))


def open_store(url: Optional[str], key_file: Optional[Path | str] = None) -> Optional[Store]:
    """None for None (no database: history and blacklist are off). `key_file`: the change
    log's key (default: `DOSSIER_LOG_KEY_FILE`, else beside the data directory)."""
    if url is None:
        return None
    url = normalise_url(url)
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        try:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"无法创建数据库所在的文件夹 {Path(parsed.database).parent}：{exc.strerror or exc}") from exc
    connect_args = {} if sqlite else {"connect_timeout": PG_CONNECT_TIMEOUT_S}
    try:
        engine = create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args)
        if sqlite:
            event.listen(engine, "connect", _sqlite_pragmas)
        upgrade(engine)
    except SQLAlchemyError as exc:
        log.info("cannot open database %s: %s: %s", _safe(url), type(exc).__name__, getattr(exc, "orig", None) or exc)
        raise DatabaseError(f"无法打开数据库 {_safe(url)}：{database_reason(exc)}") from exc
    return Store(engine, Ledger(key_file_path(key_file), database_identity(url)))


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # Several processes (a run and a reviewer) may share the file: wait instead of failing.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 10000")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()
