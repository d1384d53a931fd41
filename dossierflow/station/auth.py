"""Sessions, CSRF tokens and the failed-login limiter.

The cookie holds a random session id signed with HMAC-SHA256 under a secret kept in a 0600
file beside the change log's key (never in the database, logs or results); the session itself
(who, since when, its CSRF token) stays in the server's memory, so logging out or restarting
the station ends it. Each session has one CSRF token, put in every form and compared in
constant time on every POST.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from dossierflow.ledger import key_file_path

log = logging.getLogger("dossierflow.station.auth")

SECRET_FILE = "station-session.key"
SESSION_COOKIE = "dossier_session"
SESSION_IDLE_S = 8 * 3600


def session_secret_file(log_key_file: Optional[Path | str] = None) -> Path:
    return key_file_path(log_key_file).parent / SECRET_FILE


def load_session_secret(path: Path) -> bytes:
    """The station's signing secret, created (mode 0600) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another station created it first: use theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                os.fchmod(fh.fileno(), 0o600)
                fh.write(secrets.token_hex(32) + "\n")
    secret = bytes.fromhex(path.read_text(encoding="ascii").strip())
    if len(secret) < 32:
        raise ValueError(f"会话密钥文件 {path} 内容不完整")
    return secret


@dataclass
class Session:
    user: str
    csrf: str
    last_seen: float
    flash: list[str] = field(default_factory=list)  # shown once, on the next page


class Sessions:
    def __init__(self, secret: bytes, idle_s: float = SESSION_IDLE_S) -> None:
        self._secret = secret
        self._idle_s = idle_s
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def _sign(self, sid: str) -> str:
        return hmac.new(self._secret, sid.encode("ascii"), hashlib.sha256).hexdigest()

    def start(self, user: str) -> str:
        """A new session for `user`; returns the cookie value."""
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._by_id[sid] = Session(user=user, csrf=secrets.token_urlsafe(32), last_seen=time.monotonic())
        return f"{sid}.{self._sign(sid)}"

    def _sid(self, cookie: Optional[str]) -> Optional[str]:
        if not cookie or "." not in cookie:
            return None
        sid, signature = cookie.rsplit(".", 1)
        try:
            sid.encode("ascii")
        except UnicodeEncodeError:
            return None
        return sid if hmac.compare_digest(signature, self._sign(sid)) else None

    def get(self, cookie: Optional[str]) -> Optional[Session]:
        sid = self._sid(cookie)
        if sid is None:
            return None
        now = time.monotonic()
        with self._lock:
            session = self._by_id.get(sid)
            if session is None:
                return None
            if now - session.last_seen > self._idle_s:
                del self._by_id[sid]
                return None
            session.last_seen = now
            return session

    def end(self, cookie: Optional[str]) -> None:
        sid = self._sid(cookie)
        if sid is not None:
            with self._lock:
                self._by_id.pop(sid, None)

    def end_for_user(self, user: str) -> None:
        with self._lock:
            for sid in [s for s, v in self._by_id.items() if v.user == user]:
                del self._by_id[sid]


def csrf_ok(session: Session, sent: Optional[str]) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf.encode(), str(sent).encode())


@dataclass
class LoginLimiter:
    """At most `attempts` failed logins per user name and per client address in `window_s`;
    beyond that every attempt is refused (and logged) until the window has passed."""

    attempts: int = 5
    window_s: float = 300.0
    _failures: dict[str, deque] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _keys(self, user: str, client: str) -> tuple[str, str]:
        return (f"user:{user}", f"client:{client}")

    def _recent(self, key: str, now: float) -> deque:
        q = self._failures.setdefault(key, deque())
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def wait_seconds(self, user: str, client: str) -> int:
        """0 when a login may be tried now; else how long until it may."""
        now = time.monotonic()
        with self._lock:
            waits = [
                self.window_s - (now - q[0])
                for q in (self._recent(k, now) for k in self._keys(user, client))
                if len(q) >= self.attempts
            ]
        return int(max(waits) + 1) if waits else 0

    def failed(self, user: str, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in self._keys(user, client):
                self._recent(key, now).append(now)
        # Never the password: only who tried, from where.
        log.warning("failed station login for user %r from %s", user, client)

    def succeeded(self, user: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{user}", None)
