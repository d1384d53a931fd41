"""A write is seen whole or not at all: an interrupted one leaves the file as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from dossierflow import atomic


def test_a_write_made_a_piece_at_a_time_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "report.html"
    atomic.write_text(target, "旧")
    atomic.write_text_chunks(target, iter(["<p>", "新", "</p>"]))
    assert target.read_text(encoding="utf-8") == "<p>新</p>"


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    atomic.write_text(target, "旧")

    def pieces():
        yield "<p>半"
        raise RuntimeError("the template failed")

    with pytest.raises(RuntimeError):
        atomic.write_text_chunks(target, pieces())
    assert target.read_text(encoding="utf-8") == "旧"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
