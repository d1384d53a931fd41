"""flows.api_server.free_port: the preferred port when nothing listens on it, another free one
when something does (real sockets on 127.0.0.1)."""

from __future__ import annotations

import socket

from flows.api_server import free_port


def test_a_taken_preferred_port_gives_another_free_one() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        port = free_port(busy)
        assert port != busy
        with socket.socket() as check:  # and the one given is free
            check.bind(("127.0.0.1", port))


def test_a_free_preferred_port_is_kept() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        wanted = probe.getsockname()[1]
    assert free_port(wanted) == wanted
    assert free_port() > 0
