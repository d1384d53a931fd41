"""What the database commands (`dossier blacklist`, `review`, `batch`, `user`) share: their
`--db` and `--log-key-file` options, opening the store they name, and the table printer."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Optional

import typer
from rich.console import Console

from dossierflow.config import default_db_url
from dossierflow.storage import open_store

if TYPE_CHECKING:
    from dossierflow.storage.store import Store

DbOption = typer.Option(None, "--db", envvar="DOSSIER_DB", help="Database URL (default: SQLite under the data directory).")
KeyOption = typer.Option(
    None, "--log-key-file", envvar="DOSSIER_LOG_KEY_FILE",
    help="The change log's key file (default: beside the data directory; created, mode 0600, on first use).",
)


def open_db(db: Optional[str], key_file: Optional[str] = None) -> Store:
    """The store `--db` names, else the default SQLite file under the data directory."""
    store = open_store(db or default_db_url(), key_file)
    assert store is not None  # open_store gives None only for no URL at all
    return store


class _Out:
    """Rich output; wide when piped so tables (ID numbers, lead ids) are never cut to '…'."""

    def print(self, *args: object) -> None:
        console = Console() if sys.stdout.isatty() else Console(width=240, soft_wrap=True)
        console.print(*args)


out = _Out()
