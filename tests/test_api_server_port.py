"""flows.api_server: free_port gives the preferred port when nothing listens on it, another free
one when something does; answers tells a server that answers its health check from one whose
process has ended (real sockets and processes on 127.0.0.1)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from flows.api_server import answers, free_port


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


def test_a_server_answering_its_health_check_answers(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "health").write_text("true")  # GET /api/health → 200
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert answers(server, f"http://127.0.0.1:{port}/api", 60)
        assert not answers(server, f"http://127.0.0.1:{port}/elsewhere", 1)  # 404 until the time is up
    finally:
        server.kill()
        server.wait()


@pytest.mark.timeout(120)  # waiting out the hour below would be the failure
def test_a_server_whose_process_ended_does_not_answer_and_is_not_waited_for() -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    assert not answers(ended, f"http://127.0.0.1:{free_port()}/api", 3600)
