"""The station's users and their roles, stored in the project's database (`station_users`).

Passwords are kept only as argon2id hashes (memory-hard); a disabled user keeps their row, so
who decided what stays attributable, but can no longer log in.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal, Optional, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict
from sqlalchemy import DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from dossierflow.errors import UsageError
from dossierflow.storage.tables import Base

Role = Literal["clerk", "reviewer", "auditor", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
ROLE_LABELS = {"clerk": "经办人员", "reviewer": "复核人员", "auditor": "审计人员", "admin": "管理员"}
# What each role may do; every check in the station asks one of these.
DECIDES = {"reviewer"}
SEES_FULL_ID = {"reviewer", "auditor"}
READS_LOG = {"auditor"}
MANAGES_USERS = {"admin"}

MIN_PASSWORD = 8
_NAME = re.compile(r"^[\w.@-]{1,100}$")
_hasher = PasswordHasher()


class UserRow(Base):
    __tablename__ = "station_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))


class User(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    role: Role
    created_at: dt.datetime
    disabled: bool

    @property
    def decides(self) -> bool:
        return self.role in DECIDES

    @property
    def sees_full_id(self) -> bool:
        return self.role in SEES_FULL_ID

    @property
    def reads_log(self) -> bool:
        return self.role in READS_LOG

    @property
    def manages_users(self) -> bool:
        return self.role in MANAGES_USERS

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


def _user(row: UserRow) -> User:
    return User(name=row.name, role=row.role, created_at=row.created_at, disabled=row.disabled_at is not None)  # type: ignore[arg-type]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


class Users:
    """Reads and writes `station_users` on the store's engine."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.engine = engine

    def add(self, name: str, role: str, password: str) -> User:
        name = name.strip()
        if not _NAME.match(name):
            raise UsageError(f"用户名 {name!r} 无效：只能由字母、数字、汉字和 . _ @ - 组成，最长 100 个字符")
        if role not in ROLES:
            raise UsageError(f"角色 {role!r} 无效：应为 {'、'.join(ROLES)} 之一")
        if len(password) < MIN_PASSWORD:
            raise UsageError(f"密码太短：至少 {MIN_PASSWORD} 个字符")
        with Session(self.engine) as session, session.begin():
            if session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none() is not None:
                raise UsageError(f"用户 {name} 已存在")
            row = UserRow(name=name, role=role, password_hash=_hasher.hash(password), created_at=_now(), disabled_at=None)
            session.add(row)
            session.flush()
            return _user(row)

    def list(self) -> list[User]:
        with Session(self.engine) as session:
            return [_user(r) for r in session.scalars(select(UserRow).order_by(UserRow.name))]

    def get(self, name: str) -> Optional[User]:
        with Session(self.engine) as session:
            row = session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()
            return _user(row) if row is not None else None

    def disable(self, name: str) -> User:
        with Session(self.engine) as session, session.begin():
            row = session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()
            if row is None:
                raise UsageError(f"没有用户 {name}")
            if row.disabled_at is not None:
                raise UsageError(f"用户 {name} 已停用")
            row.disabled_at = _now()
            return _user(row)

    def authenticate(self, name: str, password: str) -> Optional[User]:
        """The user when the password matches an enabled account; None otherwise. A wrong name
        costs a hash too, so timing does not tell which names exist."""
        with Session(self.engine) as session:
            row = session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()
            stored = row.password_hash if row is not None else _dummy_hash()
            try:
                _hasher.verify(stored, password)
            except (VerificationError, InvalidHashError):
                return None
            if row is None or row.disabled_at is not None:
                return None
            return _user(row)


_dummy: list[str] = []


def _dummy_hash() -> str:
    if not _dummy:
        _dummy.append(_hasher.hash("not a password of anyone"))
    return _dummy[0]
