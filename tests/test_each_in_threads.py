"""each_in_threads: items in order once their work is done, a bounded number in flight,
errors raised in the item's place and no later item started."""

from __future__ import annotations

import threading
import time

import pytest

from dossierflow.each_in_threads import each_in_threads


class Recorder:
    def __init__(self, fail_on: int | None = None, pause: float = 0.0) -> None:
        self.lock = threading.Lock()
        self.done: list[int] = []
        self.running = 0
        self.most_running = 0
        self.threads: set[str] = set()
        self.fail_on = fail_on
        self.pause = pause

    def __call__(self, item: int) -> None:
        with self.lock:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
            self.threads.add(threading.current_thread().name)
        try:
            time.sleep(self.pause)
            if item == self.fail_on:
                raise ValueError(f"item {item}")
            with self.lock:
                self.done.append(item)
        finally:
            with self.lock:
                self.running -= 1


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_every_item_is_yielded_in_order_once_its_work_has_finished(threads: int) -> None:
    work = Recorder(pause=0.002)
    yielded = []
    for item in each_in_threads(range(40), work, threads):
        with work.lock:
            assert item in work.done
        yielded.append(item)
    assert yielded == list(range(40))
    assert sorted(work.done) == list(range(40))
    assert work.running == 0


def test_several_threads_work_at_once_and_the_caller_does_not_do_the_work() -> None:
    work = Recorder(pause=0.02)
    list(each_in_threads(range(12), work, 3, name="pages"))
    assert work.most_running >= 2
    assert threading.current_thread().name not in work.threads
    assert all(name.startswith("pages") for name in work.threads)


def test_at_most_two_items_a_thread_are_taken_from_the_stream_ahead_of_their_work() -> None:
    work = Recorder(pause=0.01)
    taken: list[int] = []

    def stream():
        for i in range(30):
            # Items taken but whose work has not finished are what the writer holds.
            with work.lock:
                assert len(taken) - len(work.done) <= 2 * 2
            taken.append(i)
            yield i

    assert list(each_in_threads(stream(), work, 2)) == list(range(30))


def test_an_error_is_raised_and_no_later_item_is_started() -> None:
    work = Recorder(fail_on=5, pause=0.005)
    seen: list[int] = []
    with pytest.raises(ValueError, match="item 5"):
        for item in each_in_threads(range(100), work, 2):
            seen.append(item)
    assert seen == [0, 1, 2, 3, 4]
    # At most the items already started when the error was found (two a thread) follow it.
    assert max(work.done) <= 5 + 2 * 2
    assert work.running == 0


def test_with_one_thread_the_work_runs_in_the_callers_thread() -> None:
    work = Recorder()
    for item in each_in_threads(range(5), work, 1):
        assert work.done[-1] == item
    assert work.threads == {threading.current_thread().name}
    with pytest.raises(ValueError):
        list(each_in_threads(range(5), Recorder(fail_on=0), 1))


def test_a_consumer_that_stops_early_leaves_no_work_running() -> None:
    work = Recorder(pause=0.01)
    stream = each_in_threads(range(50), work, 2)
    for item in stream:
        if item == 3:
            break
    stream.close()
    assert work.running == 0
    assert max(work.done) <= 3 + 2 * 2
