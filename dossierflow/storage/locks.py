"""The policy-year lock: one run at a time checks a year's history and records into it; and
the schema lock: one process at a time brings a database to the newest schema.

The cross-batch checks read every earlier batch of the policy year and the run then records its
own dossiers. Two runs doing that at once would each miss the other (both read a history without
the other's dossiers). Holding this lock from the read to the commit makes the pair atomic:

- PostgreSQL: `pg_advisory_xact_lock(namespace, year)`, released by the commit or rollback of
  the transaction, or by the server when the connection dies with its process.
- SQLite: `BEGIN IMMEDIATE`, the database's write lock, taken before the history is read.

Runs of other policy years are not held up on PostgreSQL; SQLite has one writer per file anyway.

Two runs started at once on a fresh database both find no schema and would both create it (the
second then fails on a table that already exists). The schema lock is the same pair of locks
under a key no policy year uses, taken before the schema version is read again and held until
the migration commits, so the second finds the schema made.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from dossierflow.errors import DatabaseError

log = logging.getLogger(__name__)

# The first key of the two-key advisory lock: keeps these locks apart from any other
# application's advisory locks on a shared server. (A fixed arbitrary number: "dossierflow".)
ADVISORY_NAMESPACE = 0x646F5353
# SQLite waits busy_timeout (10 s) per attempt; judging a city batch may hold the lock longer.
SQLITE_WAIT_SECONDS = 3600.0
# The advisory lock's second key for migrations: no policy year is 0.
SCHEMA_KEY = 0


def acquire_year_lock(conn: Connection, policy_year: int) -> None:
    """Block until this connection's transaction holds the lock of `policy_year`."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:ns, :year)"), {"ns": ADVISORY_NAMESPACE, "year": int(policy_year)})
        return
    if dialect == "sqlite":
        _begin_immediate(conn)
        return
    raise DatabaseError(f"不支持的数据库类型：{dialect}")


def acquire_schema_lock(conn: Connection) -> None:
    """Block until this connection's transaction is the only one migrating the database."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": ADVISORY_NAMESPACE, "key": SCHEMA_KEY})
        return
    if dialect == "sqlite":
        _begin_immediate(conn)
        return
    raise DatabaseError(f"不支持的数据库类型：{dialect}")


def _begin_immediate(conn: Connection) -> None:
    deadline = time.monotonic() + SQLITE_WAIT_SECONDS
    waited = False
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            conn.rollback()
            if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
                raise
            if time.monotonic() > deadline:
                raise DatabaseError("数据库被其他运行长时间占用，无法记录本批次，请稍后重试") from exc
            if not waited:
                log.warning("another run is judging the same database; waiting for it to finish")
                waited = True
