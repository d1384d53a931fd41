"""What clerks read when the program itself fails, and what developers get in the log.

A Python exception's class and text (`KeyError: 'Root'`) tell a clerk nothing and look like a
crash of the whole run; they belong in the log. People read one of these Chinese sentences,
which say what failed and where the details are.
"""

from __future__ import annotations

FILE_UNREADABLE = "文件无法解析：读取程序遇到意外情况（技术细节已记入日志）；请确认文件能正常打开，必要时重新导出或扫描后再提交"
DOSSIER_FAILED = "档案处理失败：程序遇到意外情况（技术细节已记入日志），请联系技术人员"
RULE_FAILED = "规则执行出错（技术细节已记入日志），需人工审核"
RUN_FAILED = "运行失败：程序遇到意外情况；设置 DOSSIER_LOG_LEVEL=DEBUG 重新运行可在日志中查看技术细节"
PREFECT_START_TIMEOUT = (
    "运行失败：Prefect 临时服务未能在{limit}内启动（多半是本机负荷过高，与批次材料无关）；"
    "请在机器空闲时重试，或设置环境变量 PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS 延长等待（例如 600），"
    "或设置 PREFECT_API_URL 指向一个已在运行的 Prefect 服务器"
)


def technical(exc: BaseException, limit: int = 300) -> str:
    """The exception as a developer reads it in the log: its class and message."""
    text = str(exc)
    return f"{type(exc).__name__}: {text[:limit]}" if text else type(exc).__name__
