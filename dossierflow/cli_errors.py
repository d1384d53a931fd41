"""What the `dossier` command tells a person when it cannot do its work: one line, in Chinese,
and the exit code the README documents.

Three kinds of failure reach the CLI edge: the project's own (`dossierflow.errors`, each class
with its exit code); the usage errors Typer raises while it parses the command line (its vendored
Click's `UsageError` family: all `typer.TyperException`, exit 2); and anything unforeseen (exit
1). Typer exposes only the base class publicly, so its subclasses are told apart by name.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass
from typing import Any, Optional

import typer

from dossierflow.errors import DossierflowError, ExitCode, PrefectStartTimeout
from dossierflow.failures import PREFECT_START_TIMEOUT, RUN_FAILED
from dossierflow.reasons import reason
from dossierflow.storage.db_errors import database_reason

log = logging.getLogger(__name__)

INTERRUPTED_MESSAGE = "已中断；已处理完的档案会保留，下次运行时复用"


@dataclass(frozen=True)
class Failure:
    exit_code: int
    message: str  # one line, Chinese, without the "错误：" prefix


def explain(exc: BaseException) -> Failure:
    exc = _as_project_error(exc)
    if isinstance(exc, DossierflowError):
        return Failure(int(exc.exit_code), one_line(str(exc)))
    if isinstance(exc, (KeyboardInterrupt, typer.Abort)):
        return Failure(int(ExitCode.INTERRUPTED), INTERRUPTED_MESSAGE)
    if isinstance(exc, typer.TyperException):
        return _explain_typer(exc)
    if _is_database_error(exc):
        log.info("database error: %s: %s", type(exc).__name__, getattr(exc, "orig", None) or exc)
        return Failure(int(ExitCode.DATABASE), f"数据库错误：{database_reason(exc)}")
    return Failure(int(ExitCode.RUN_FAILED), RUN_FAILED)


# Prefect's own words when its ephemeral API misses the start-up timeout (prefect.server.api.server,
# SubprocessASGIServer.start): a bare RuntimeError, told apart by its message alone.
_PREFECT_START_TIMEOUT = "Timed out while attempting to connect to ephemeral Prefect API server"


def _as_project_error(exc: BaseException) -> BaseException:
    """Failures of the machinery the project can name, as its own errors; anything else as it is.
    The cause chain is walked because a caller may have wrapped Prefect's error in its own."""
    seen: set[int] = set()
    link: Optional[BaseException] = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if type(link) is RuntimeError and str(link).startswith(_PREFECT_START_TIMEOUT):
            log.info("Prefect's ephemeral API did not start: %s", str(link)[:500])
            return PrefectStartTimeout(PREFECT_START_TIMEOUT.format(limit=_prefect_start_limit()))
        link = link.__cause__ or link.__context__
    return exc


def _prefect_start_limit() -> str:
    """How long Prefect waited (its setting, as the failed run had it), in words."""
    settings = sys.modules.get("prefect.settings")  # imported by the run that failed
    try:
        return f" {int(settings.PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())} 秒"  # type: ignore[union-attr]
    except Exception:  # whatever goes wrong here must not hide the message itself
        return "限定时间"


def one_line(text: str) -> str:
    """Multi-line messages (a database driver's, a YAML parser's) folded into one line."""
    return "；".join(part.strip() for part in text.splitlines() if part.strip())


def _is_database_error(exc: BaseException) -> bool:
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")  # never imported just to be checked
    return sqlalchemy_exc is not None and isinstance(exc, sqlalchemy_exc.SQLAlchemyError)


# --------------------------------------------------------------------------------------------
# Typer's usage errors
# --------------------------------------------------------------------------------------------

# (Click's wording, ours, whether to list the commands there are)
_GENERIC_USAGE = (
    (re.compile(r"^No such command '(?P<name>.*)'\.$"), "没有 {name} 这个命令", True),
    (re.compile(r"^Missing command\.$"), "缺少命令", True),
    (re.compile(r"^Got unexpected extra argument(?:s|\(s\))? \((?P<extra>.*)\)$"), "多余的参数：{extra}", False),
)
_OPTION_USAGE = (
    (re.compile(r"requires (an argument|\d+ arguments)"), "选项 {option} 后面缺少取值"),
    (re.compile(r"does not take a value"), "选项 {option} 不接受取值"),
)


def _kinds(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _explain_typer(exc: Any) -> Failure:
    code = int(getattr(exc, "exit_code", ExitCode.RUN_FAILED))
    kinds = _kinds(exc)
    if "UsageError" not in kinds:
        return Failure(code, one_line(exc.format_message()))
    ctx = getattr(exc, "ctx", None)
    hint = f"（用 {ctx.command_path if ctx is not None else 'dossier'} --help 查看用法）"
    if "NoArgsIsHelpError" in kinds:
        return Failure(code, "缺少命令" + _available_commands(ctx) + hint)
    if "MissingParameter" in kinds:
        return Failure(code, f"缺少{_parameter_name(exc.param, ctx)}" + hint)
    if "NoSuchOption" in kinds:
        guess = f"；是否想用 {'、'.join(sorted(exc.possibilities))}？" if exc.possibilities else ""
        return Failure(code, f"没有 {exc.option_name} 这个选项{guess}" + hint)
    if "BadOptionUsage" in kinds:
        for pattern, wording in _OPTION_USAGE:
            if pattern.search(exc.message):
                return Failure(code, wording.format(option=exc.option_name) + hint)
        return Failure(code, f"选项 {exc.option_name} 用法有误（{exc.message}）" + hint)
    if "BadParameter" in kinds:
        return Failure(code, _bad_value(exc, ctx) + hint)
    for pattern, wording, list_commands in _GENERIC_USAGE:
        found = pattern.match(exc.message)
        if found:
            text = wording.format(**found.groupdict()) + (_available_commands(ctx) if list_commands else "")
            return Failure(code, text + hint)
    return Failure(code, one_line(f"用法有误：{exc.message}") + hint)


def _available_commands(ctx: Any) -> str:
    command = getattr(ctx, "command", None)
    if command is None or not hasattr(command, "list_commands"):
        return ""
    names = [n for n in command.list_commands(ctx) if not getattr(command.get_command(ctx, n), "hidden", False)]
    return f"；可用的命令有：{'、'.join(names)}" if names else ""


def _parameter_name(param: Any, ctx: Any) -> str:
    if param is None:
        return "参数"
    if getattr(param, "param_type_name", "") == "option":
        if _from_environment(param, ctx):
            return f"环境变量 {param.envvar}"
        longest = max(param.opts, key=len) if param.opts else param.name
        return f"选项 {longest}"
    return f"参数 {(param.metavar or param.name or '').upper()}"


def _from_environment(param: Any, ctx: Any) -> bool:
    if ctx is None or not getattr(param, "envvar", None) or not getattr(param, "name", None):
        return False
    source = ctx.get_parameter_source(param.name)
    return getattr(source, "name", "") == "ENVIRONMENT"


def _bad_value(exc: Any, ctx: Any) -> str:
    name = _parameter_name(getattr(exc, "param", None), ctx)
    errors = _validation_errors(exc.__cause__)
    if errors:
        first = errors[0]
        value = first.get("input")
        shown = f" 的值 {value!r}" if isinstance(value, str) else ""
        return f"{name}{shown} 无效：{reason(first)}"
    return one_line(f"{name} 的值无效：{exc.message}")


def _validation_errors(cause: Optional[BaseException]) -> list[dict]:
    errors = getattr(cause, "errors", None)
    if not callable(errors):
        return []
    try:
        return list(errors())
    except TypeError:
        return []
