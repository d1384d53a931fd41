"""`dossier serve OUT…`: the verification station on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from dossierflow.config import default_db_url
from dossierflow.errors import UsageError


def serve(
    outs: List[Path] = typer.Argument(..., metavar="OUT...", help="Output folders of `dossier run` (each holds results.jsonl)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only; see README on TLS)."),
    port: int = typer.Option(8765, "--port", help="Port to listen on."),
    db: Optional[str] = typer.Option(None, "--db", envvar="DOSSIER_DB", help="Database URL (default: SQLite under the data directory)."),
    key_file: Optional[str] = typer.Option(
        None, "--log-key-file", envvar="DOSSIER_LOG_KEY_FILE", help="The change log's key file; the session secret lives beside it."
    ),
) -> None:
    """Serve the verification station: findings beside their evidence, corrections, decisions."""
    import uvicorn

    # Here, not at the top: the web app (Starlette, the page images, the database) is loaded only
    # by this command.
    from dossierflow.station.app import create_app

    if not 0 < port < 65536:
        raise UsageError(f"选项 --port 的值 {port} 无效：应在 1–65535 之间")
    app = create_app(outs, db or default_db_url(), key_file)
    typer.echo(f"核验工作台：http://{host}:{port}/  （按 Ctrl+C 停止）", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
