"""The read-ahead that starts reading before Prefect is up: every pending dossier is extracted
once, handed over once, in the order given, a bounded number submitted ahead of the takers;
closing stops what has not started."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from dossierflow.cache import ExtractionCache
from dossierflow.config import Limits
from dossierflow.ingest import BatchInput, DossierInput
from dossierflow.pipeline import Extracted
from flows import read_ahead


def _dossiers(n: int) -> list[DossierInput]:
    return [DossierInput(dossier_id=f"A{i:04d}", entry=f"A{i:04d}") for i in range(1, n + 1)]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    lock = threading.Lock()

    def fake_extract(dossier, limits, cache):
        with lock:
            seen.append(dossier.dossier_id)
        time.sleep(0.01)
        return Extracted(dossier.dossier_id, error="fake")

    monkeypatch.setattr(read_ahead, "extract_slim", fake_extract)
    return seen


def _batch(dossiers: list[DossierInput]) -> BatchInput:
    return BatchInput.__new__(BatchInput)  # the read-ahead only carries it to the flow


def test_each_dossier_read_once_and_handed_over_once(tmp_path: Path, calls: list[str]) -> None:
    dossiers = _dossiers(6)
    ahead = read_ahead.ReadAhead(_batch(dossiers), {}, dossiers, Limits(), ExtractionCache(tmp_path), in_flight=1)
    try:
        taken = [ahead.take(d.dossier_id) for d in reversed(dossiers)]
        assert [t.dossier_id for t in taken] == [d.dossier_id for d in reversed(dossiers)]
        assert ahead.take("A0001") is None  # handed over already: the task would read it itself
        assert ahead.take("B9999") is None
    finally:
        ahead.close()
    assert calls == [d.dossier_id for d in dossiers]  # one in flight: exactly the given order


def test_no_more_than_ahead_dossiers_submitted_and_not_taken(tmp_path: Path, calls: list[str]) -> None:
    # Each submitted dossier holds a future and a queued call until taken: a city's batch
    # submitted at once held thousands of them through the reading.
    dossiers = _dossiers(7)
    ahead = read_ahead.ReadAhead(_batch(dossiers), {}, dossiers, Limits(), ExtractionCache(tmp_path), in_flight=1, ahead=2)
    try:
        held = [len(ahead._futures)]
        taken = []
        for d in dossiers:
            taken.append(ahead.take(d.dossier_id))
            held.append(len(ahead._futures))
        assert [t.dossier_id for t in taken] == [d.dossier_id for d in dossiers]
        assert held == [2, 2, 2, 2, 2, 2, 1, 0], held
        # Taken before its turn: submitted then, and still read once.
        late = _dossiers(4)
        out_of_turn = read_ahead.ReadAhead(_batch(late), {}, late, Limits(), ExtractionCache(tmp_path), in_flight=1, ahead=1)
        try:
            assert out_of_turn.take("A0004").dossier_id == "A0004"
            assert [out_of_turn.take(d.dossier_id).dossier_id for d in late[:3]] == ["A0001", "A0002", "A0003"]
            assert out_of_turn.take("A0004") is None
        finally:
            out_of_turn.close()
    finally:
        ahead.close()
    assert sorted(calls) == sorted([d.dossier_id for d in dossiers] + [d.dossier_id for d in _dossiers(4)])
    assert calls[:7] == [d.dossier_id for d in dossiers]


def test_unread_handoff_reads_nothing(tmp_path: Path, calls: list[str]) -> None:
    dossiers = _dossiers(3)
    ahead = read_ahead.ReadAhead(_batch(dossiers), {}, dossiers, Limits(), ExtractionCache(tmp_path), read=False)
    assert ahead.pending == dossiers and ahead.take("A0001") is None
    ahead.close()
    assert calls == []


def test_close_stops_dossiers_not_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []
    first_started = threading.Event()
    gate = threading.Event()

    def held_extract(dossier, limits, cache):
        started.append(dossier.dossier_id)
        first_started.set()
        assert gate.wait(60), "the first dossier was never released"  # a safeguard, not a measure
        return Extracted(dossier.dossier_id, error="fake")

    monkeypatch.setattr(read_ahead, "extract_slim", held_extract)
    dossiers = _dossiers(5)
    ahead = read_ahead.ReadAhead(_batch(dossiers), {}, dossiers, Limits(), ExtractionCache(tmp_path), in_flight=1)
    assert first_started.wait(60), "the read-ahead started nothing"
    # The first dossier is held until close() has cancelled the rest: it is released when
    # close() goes on to shut the pool down, which comes after the cancelling.
    pool = ahead._pool
    shutdown = pool.shutdown

    def release_then_shutdown(*args, **kwargs):
        gate.set()
        return shutdown(*args, **kwargs)

    monkeypatch.setattr(pool, "shutdown", release_then_shutdown)
    ahead.close()
    assert gate.is_set() and started == ["A0001"]


def test_registry_is_per_output_folder(tmp_path: Path, calls: list[str]) -> None:
    ahead = read_ahead.ReadAhead(_batch([]), {}, [], Limits(), ExtractionCache(tmp_path))
    read_ahead.register(tmp_path / "out", ahead)
    try:
        assert read_ahead.lookup(tmp_path / "out") is ahead
        assert read_ahead.lookup(tmp_path / "other") is None
    finally:
        read_ahead.unregister(tmp_path / "out")
    assert read_ahead.lookup(tmp_path / "out") is None
