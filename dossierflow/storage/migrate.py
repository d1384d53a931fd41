"""Bring a database to the newest schema on first use (Alembic, run in-process).

Several runs may open one fresh database at the same moment: the migration runs under the schema
lock (`storage.locks`), in one transaction with the second look at the schema's version, so only
the first creates the schema and the others find it made."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from dossierflow.storage.locks import acquire_schema_lock

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return _revision(conn)


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """No-op when the schema is current; cheap enough to call on every open."""
    head = head_revision()
    if current_revision(engine) == head:
        return
    cfg = _config()
    with engine.connect() as conn:
        acquire_schema_lock(conn)
        try:
            if _revision(conn) != head:  # another process may have migrated while this one waited
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
