"""Storage: history of processed dossiers, the blacklist and the decision log.

`open_store(url)` opens (and on first use creates and migrates) the database: a SQLite file by
default, PostgreSQL for ``postgresql://…`` URLs, mapped to the psycopg 3 driver.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from dossierflow.errors import DatabaseError
from dossierflow.ledger import Ledger, key_file_path
from dossierflow.storage.migrate import upgrade
from dossierflow.storage.store import Store, lead_id_for

__all__ = ["Store", "open_store", "normalise_url", "lead_id_for", "database_identity", "redacted"]


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` → psycopg 3; a bare path → a SQLite file."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid url>"


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
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"数据库地址无法解析：{_safe(url)}") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url, future=True, pool_pre_ping=True)
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        upgrade(engine)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"无法打开数据库 {_safe(url)}：{type(exc).__name__}: {getattr(exc, 'orig', None) or exc}") from exc
    return Store(engine, Ledger(key_file_path(key_file), database_identity(url)))


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # Several processes (a run and a reviewer) may share the file: wait instead of failing.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 10000")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()
