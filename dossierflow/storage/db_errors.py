"""A database failure in words a clerk can act on, from the driver's message.

SQLAlchemy wraps every driver's error in its own classes (`OperationalError`), whose names and
English text mean nothing to the people who run `dossier`; they are logged for developers, and
the person reads what went wrong and what to check.
"""

from __future__ import annotations

import re

# (pattern in the driver's message, what the person reads); first match wins.
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), text)
    for pattern, text in (
        (r"password authentication failed|authentication failed|no password supplied|role \S+ does not exist",
         "用户名或密码错误，或该用户不存在"),
        (r"database \S+ does not exist", "数据库不存在，请先创建或检查 URL 中的数据库名"),
        (r"permission denied|not authorized|insufficient privilege", "没有访问该数据库的权限"),
        (r"timeout expired|timed out", "连接数据库超时，请检查服务器地址和网络"),
        (r"connection refused|could not connect|connection to server .* failed|could not translate host name|"
         r"name or service not known|no such file or directory.*socket|server closed the connection",
         "无法连接数据库服务器，请检查服务器是否已启动、地址和端口是否正确"),
        (r"database is locked", "数据库正被其他程序占用，请稍后重试"),
        (r"readonly database|read-only", "数据库文件只读，无法写入"),
        (r"unable to open database file", "无法打开数据库文件，请检查路径是否存在、是否有权限"),
        (r"file is not a database|file is encrypted", "该文件不是 dossierflow 的数据库"),
        (r"no such table|relation \S+ does not exist|no such column|column \S+ does not exist",
         "数据库结构与本程序版本不符"),
        (r"disk is full|no space left", "磁盘空间已满"),
    )
)
UNKNOWN = "数据库返回错误（技术细节已记入日志）"


def database_reason(exc: BaseException) -> str:
    """The reason in Chinese; the driver's own message when SQLAlchemy wraps one (`orig`)."""
    text = f"{getattr(exc, 'orig', None) or ''} {exc}"
    for pattern, reason in _REASONS:
        if pattern.search(text):
            return reason
    return UNKNOWN
