"""The fixture generator never gives two honest applicants one paper title: on a city-sized
batch a shared title in one journal issue reads as one paper claimed twice (SHARED_PAPER), a
false lead the generator made, not the check."""

from __future__ import annotations

import random

from fixtures.prose import paper_title


def test_titles_stay_unique_once_every_form_of_a_topic_is_taken() -> None:
    taken: set[str] = set()
    rng = random.Random(7)
    # Far more papers on one topic than there are title forms and drawn numbers (2–98).
    titles = [paper_title(rng, "数字档案馆建设中的电子文件管理", taken) for _ in range(300)]
    assert len(set(titles)) == len(titles)


def test_the_first_titles_of_a_topic_are_drawn_as_before() -> None:
    """Uniqueness costs no draw of the random stream until the forms run out: batches of
    existing seeds are generated unchanged."""
    a, b = random.Random(3), random.Random(3)
    taken: set[str] = set()
    first = [paper_title(a, "高中英语写作教学中的同伴互评", taken) for _ in range(5)]
    assert len(set(first)) == 5
    assert a.random() == _after_shuffles(b, 5)


def _after_shuffles(rng: random.Random, calls: int) -> float:
    """The stream after `calls` titles drawn with a free form: one shuffle of the 9 forms each."""
    for _ in range(calls):
        rng.shuffle(list(range(9)))
    return rng.random()
