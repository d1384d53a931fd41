"""What keeps the change log honest from outside the database: its key and its noted head.

Every change to leads, decisions and the blacklist is an entry of one chain in the database
(`log_entries`), each entry's hash an HMAC-SHA256 of the previous hash and its content under a
key kept in a file, never in the database: whoever can write the database but not read the key
cannot forge or re-hash an entry. After every change the chain's head (count and hash) is noted
in a small file beside the key, so deleting the newest entries or putting back an older copy of
the whole database shows as a chain shorter than, or different from, the noted head.

The key and head live by default in a folder beside the data directory (not inside it), so
restoring a copy of the data directory does not roll them back with it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict

from dossierflow import atomic
from dossierflow.config import default_data_dir
from dossierflow.errors import DatabaseError

GENESIS = "0" * 64
KEY_ENV = "DOSSIER_LOG_KEY_FILE"
HEAD_FILE = "log-head.json"


class LogHead(BaseModel):
    """The newest entry of a chain: how many entries it holds and the last one's hash."""

    model_config = ConfigDict(extra="forbid")
    count: int
    hash: str


class LogKeyMissing(DatabaseError):
    """The key the log was written with is not where it is looked for."""


def default_key_file() -> Path:
    data = default_data_dir()
    return data.parent / f"{data.name}-log" / "log.key"


def key_file_path(explicit: Optional[Path | str] = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(KEY_ENV)
    return Path(env).expanduser() if env else default_key_file()


class Ledger:
    """The log's key file and the head file beside it, for one database (`identity`)."""

    def __init__(self, key_file: Path, identity: str) -> None:
        self.key_file = key_file
        self.identity = identity
        self._key: Optional[bytes] = None

    @property
    def head_file(self) -> Path:
        return self.key_file.parent / HEAD_FILE

    # --- the key ---------------------------------------------------------------------------

    def key(self, create: bool) -> bytes:
        """The HMAC key; created (mode 0600) only when asked, i.e. for a chain's first entry."""
        if self._key is None:
            if not self.key_file.exists():
                if not create:
                    raise LogKeyMissing(
                        f"日志密钥文件 {self.key_file} 不存在，而数据库中的日志已有记录："
                        f"请用 --log-key-file 或 {KEY_ENV} 指定写入日志时所用的密钥文件"
                    )
                self._create_key()
            try:
                self._key = bytes.fromhex(self.key_file.read_text(encoding="ascii").strip())
            except (OSError, ValueError) as exc:
                raise LogKeyMissing(f"日志密钥文件 {self.key_file} 无法读取：{exc}") from exc
            if len(self._key) < 32:
                raise LogKeyMissing(f"日志密钥文件 {self.key_file} 内容不完整")
        return self._key

    def _create_key(self) -> None:
        self.key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return  # another process created it first: use theirs
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def entry_hash(self, prev_hash: str, content: str, create: bool = False) -> str:
        return hmac.new(self.key(create), f"{prev_hash}\n{content}".encode("utf-8"), hashlib.sha256).hexdigest()

    # --- the head noted outside the database -------------------------------------------------

    def noted_head(self) -> Optional[LogHead]:
        heads = self._read_heads()
        raw = heads.get(self.identity)
        return LogHead(count=raw["count"], hash=raw["hash"]) if raw else None

    def note_head(self, head: LogHead) -> None:
        """Keep the longest head seen: two writers finishing out of order never step it back."""
        self.head_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.head_file.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            heads = self._read_heads()
            known = heads.get(self.identity)
            if known and known["count"] >= head.count:
                return
            heads[self.identity] = {**head.model_dump(), "noted_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
            atomic.write_json(self.head_file, {"heads": heads})

    def _read_heads(self) -> dict:
        if not self.head_file.exists():
            return {}
        try:
            return dict(json.loads(self.head_file.read_text(encoding="utf-8")).get("heads", {}))
        except (OSError, ValueError) as exc:
            raise DatabaseError(f"日志链头文件 {self.head_file} 无法读取：{exc}") from exc
