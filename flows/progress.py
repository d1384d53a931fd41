"""Progress events from the flow to whoever displays them (the CLI's progress bar).

A module-level listener rather than a flow parameter: flow parameters are serialised to the
Prefect API, and a callback is not data.
"""

from __future__ import annotations

from typing import Callable, Optional

Listener = Callable[[str, dict], None]
_listener: Optional[Listener] = None


def set_listener(listener: Optional[Listener]) -> None:
    global _listener
    _listener = listener


def emit(event: str, **data: object) -> None:
    if _listener is not None:
        _listener(event, data)
