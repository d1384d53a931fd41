"""`dossier user …`: the verification station's users (add, list, disable)."""

from __future__ import annotations

import getpass
import sys
from typing import Optional

import typer

from dossierflow.cli_shared import DbOption, open_db
from dossierflow.errors import UsageError
from dossierflow.station.users import ROLE_LABELS, ROLES, Users

app = typer.Typer(no_args_is_help=True, add_completion=False, help="The verification station's users.")

def _users(db: Optional[str]) -> Users:
    return Users(open_db(db).engine)


def _read_password() -> str:
    """Asked twice on a terminal; one line of standard input for scripts."""
    if sys.stdin.isatty():
        first = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != first:
            raise UsageError("两次输入的密码不一致")
        return first
    line = sys.stdin.readline()
    if not line:
        raise UsageError("没有从标准输入读到密码")
    return line.rstrip("\r\n")


@app.command("add")
def add(
    name: str = typer.Argument(..., help="The login name."),
    role: str = typer.Option(..., "--role", help="clerk | reviewer | auditor | admin"),
    db: Optional[str] = DbOption,
) -> None:
    """Add a user; the password from a prompt, or one line of standard input."""
    if role not in ROLES:
        raise UsageError(f"角色 {role!r} 无效：应为 {'、'.join(ROLES)} 之一")
    user = _users(db).add(name, role, _read_password())
    typer.echo(f"已添加用户 {user.name}（{ROLE_LABELS[user.role]}）")


@app.command("list")
def list_users(db: Optional[str] = DbOption) -> None:
    """List users with their roles and whether they are disabled."""
    users = _users(db).list()
    for u in users:
        state = "已停用" if u.disabled else "启用"
        typer.echo(f"{u.name}\t{u.role}\t{ROLE_LABELS[u.role]}\t{state}\t{u.created_at:%Y-%m-%d}")
    typer.echo(f"共 {len(users)} 个用户")


@app.command("disable")
def disable(name: str = typer.Argument(...), db: Optional[str] = DbOption) -> None:
    """Disable a user: they can no longer log in; what they decided stays theirs."""
    _users(db).disable(name)
    typer.echo(f"已停用用户 {name}")
