"""The station's users (`dossier user`), their password hashes, sessions and the login limiter."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from dossierflow.errors import UsageError
from dossierflow.station.auth import LoginLimiter, Sessions, csrf_ok, load_session_secret, session_secret_file
from dossierflow.station.users import Users
from dossierflow.storage import open_store
from tests.conftest import run_dossier

PG_URL = os.environ.get("DOSSIER_TEST_PG_URL")


def test_user_commands_add_list_disable(tmp_path: Path, isolated_env: dict[str, str]) -> None:
    db = isolated_env["DOSSIER_DB"]
    added = _add(db, "wang", "reviewer", "correct-horse-1")
    assert added.returncode == 0, added.stderr
    assert "已添加用户 wang（复核人员）" in added.stdout
    listed = run_dossier("user", "list", "--db", db)
    assert "wang\treviewer\t复核人员\t启用" in listed.stdout
    # Only a memory-hard hash is stored, never the password.
    with open_store(db).engine.connect() as conn:  # type: ignore[union-attr]
        stored = conn.execute(text("SELECT password_hash FROM station_users WHERE name = 'wang'")).scalar_one()
    assert stored.startswith("$argon2id$") and "correct-horse-1" not in stored
    assert run_dossier("user", "disable", "wang", "--db", db).returncode == 0
    assert "wang\treviewer\t复核人员\t已停用" in run_dossier("user", "list", "--db", db).stdout


@pytest.mark.parametrize(
    ("name", "role", "password", "says"),
    [
        ("li", "boss", "long-enough-1", "角色 'boss' 无效"),
        ("li", "clerk", "short", "密码太短"),
        ("li li", "clerk", "long-enough-1", "用户名 'li li' 无效"),
    ],
)
def test_bad_user_is_a_usage_error(isolated_env: dict[str, str], name: str, role: str, password: str, says: str) -> None:
    proc = _add(isolated_env["DOSSIER_DB"], name, role, password)
    assert proc.returncode == 2
    assert says in proc.stderr and "Traceback" not in proc.stderr


def test_duplicate_and_unknown_users_refused(tmp_path: Path) -> None:
    users = Users(open_store(f"sqlite:///{tmp_path / 'db.sqlite'}").engine)  # type: ignore[union-attr]
    users.add("zhao", "clerk", "password-one")
    with pytest.raises(UsageError, match="用户 zhao 已存在"):
        users.add("zhao", "admin", "password-two")
    with pytest.raises(UsageError, match="没有用户 qian"):
        users.disable("qian")


def _add(db: str, name: str, role: str, password: str):  # type: ignore[no-untyped-def]
    import subprocess

    from tests.conftest import ROOT, dossier_cmd

    return subprocess.run([*dossier_cmd(), "user", "add", name, "--role", role, "--db", db], input=password + "\n",
                          capture_output=True, text=True, cwd=str(ROOT), timeout=120, env=dict(os.environ))


def _authenticate_cases(url: str) -> None:
    users = Users(open_store(url).engine)  # type: ignore[union-attr]
    users.add("sun", "auditor", "s3cret-pass")
    assert users.authenticate("sun", "s3cret-pass").role == "auditor"  # type: ignore[union-attr]
    assert users.authenticate("sun", "wrong-pass") is None
    assert users.authenticate("nobody", "s3cret-pass") is None
    users.disable("sun")
    assert users.authenticate("sun", "s3cret-pass") is None


def test_authenticate_sqlite(tmp_path: Path) -> None:
    _authenticate_cases(f"sqlite:///{tmp_path / 'db.sqlite'}")


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="DOSSIER_TEST_PG_URL is not set")
def test_authenticate_postgres() -> None:
    from tests.test_integrity_support import _reset_postgres

    _reset_postgres(PG_URL)  # type: ignore[arg-type]
    _authenticate_cases(PG_URL)  # type: ignore[arg-type]


def test_session_secret_is_private_and_beside_the_log_key(tmp_path: Path) -> None:
    key = tmp_path / "keys" / "log.key"
    path = session_secret_file(key)
    assert path.parent == key.parent
    secret = load_session_secret(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_session_secret(path) == secret  # kept, not renewed


def test_session_cookie_is_signed_and_ends() -> None:
    sessions = Sessions(b"k" * 32)
    cookie = sessions.start("wang")
    session = sessions.get(cookie)
    assert session is not None and session.user == "wang"
    sid, sig = cookie.rsplit(".", 1)
    assert sessions.get(f"{sid}.{'0' * len(sig)}") is None  # a forged signature
    assert Sessions(b"x" * 32).get(cookie) is None  # another station's secret
    assert csrf_ok(session, session.csrf) and not csrf_ok(session, "") and not csrf_ok(session, None)
    sessions.end(cookie)
    assert sessions.get(cookie) is None


def test_login_limiter_blocks_after_failures_and_logs_no_password(caplog: pytest.LogCaptureFixture) -> None:
    limiter = LoginLimiter(attempts=3, window_s=60)
    for _ in range(3):
        assert limiter.wait_seconds("wang", "10.0.0.1") == 0
        limiter.failed("wang", "10.0.0.1")
    assert limiter.wait_seconds("wang", "10.0.0.1") > 0
    assert limiter.wait_seconds("wang", "10.0.0.9") > 0  # the name is limited wherever it comes from
    assert limiter.wait_seconds("li", "10.0.0.1") > 0  # and the address whatever name it tries
    assert limiter.wait_seconds("li", "10.0.0.2") == 0
    assert "failed station login for user 'wang' from 10.0.0.1" in caplog.text
