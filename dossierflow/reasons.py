"""Why a value was refused, in Chinese, from a pydantic error.

Settings from the environment and options on the command line are both checked by pydantic
(pydantic-settings and Typer's coercion); the people who mistype them read Chinese.
"""

from __future__ import annotations

from typing import Any, Mapping

_BY_TYPE = {
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "date_parsing": "应为 YYYY-MM-DD 格式的日期",
    "date_from_datetime_parsing": "应为 YYYY-MM-DD 格式的日期",
    "date_type": "应为 YYYY-MM-DD 格式的日期",
    "string_type": "应为文字",
    "missing": "缺少取值",
}


def reason(error: Mapping[str, Any]) -> str:
    """One pydantic error (an item of `ValidationError.errors()`) as a short Chinese phrase."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "greater_than":
        return f"应大于 {_number(ctx.get('gt'))}"
    if kind == "greater_than_equal":
        return f"应不小于 {_number(ctx.get('ge'))}"
    if kind == "less_than":
        return f"应小于 {_number(ctx.get('lt'))}"
    if kind == "less_than_equal":
        return f"应不大于 {_number(ctx.get('le'))}"
    if kind in ("literal_error", "enum"):
        # pydantic words the list in English ("'a', 'b' or 'c'").
        return "可选值：" + str(ctx.get("expected", "")).replace(" or ", ", ")
    if kind in _BY_TYPE:
        return _BY_TYPE[kind]
    return f"取值无效（{error.get('msg', kind)}）"


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
