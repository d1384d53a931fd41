"""The closed vocabularies that were sets in code are data (#23, item 4): a row added to
extractors/data/ changes what extraction does, with no change to the code."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest

from extractors import lexicons as lx
from extractors import reread_policy as nr
from extractors import titles as tt
from extractors.evidence import letters
from extractors.readers.reread import Target


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of extractors/data the loaders read instead, their caches cleared around the test."""
    copy = tmp_path / "data"
    shutil.copytree(lx.DATA_DIR, copy)
    monkeypatch.setattr(lx, "DATA_DIR", copy)
    loaders = (lx.no_title_words, lx.numeral_lookalikes, lx.form_headings, lx.punctuation_lookalikes)
    for f in loaders:
        f.cache_clear()
    yield copy
    for f in loaders:
        f.cache_clear()


def _append(path: Path, row: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + row + "\n", encoding="utf-8")


def test_a_no_title_word_added_to_the_list_reads_as_no_title(data_dir: Path) -> None:
    assert tt.is_no_title("暂无职称") is False
    _append(data_dir / "no_title_words.txt", "暂无职称")
    lx.no_title_words.cache_clear()
    assert tt.is_no_title("暂无职称") is True
    assert tt.is_no_title("无") is True  # the rows already there still decide


def test_a_page_count_glyph_added_to_the_list_reads_as_its_digit(data_dir: Path) -> None:
    assert letters._count_cell("工") == 1
    assert letters._count_cell("Z") is None
    _append(data_dir / "numeral_lookalikes.tsv", "2\tcount\tZ")
    lx.numeral_lookalikes.cache_clear()
    assert letters._count_cell("Z") == 2


def test_a_zero_look_alike_added_to_the_list_is_no_doubt_in_a_date(data_dir: Path) -> None:
    before = nr._as_date(_target()).lookalikes
    assert before == "〇○OoＯ0C" and "Q" not in before
    path = data_dir / "numeral_lookalikes.tsv"
    path.write_text(path.read_text(encoding="utf-8").replace("〇\tdate\t〇 ○ O o Ｏ 0 C", "〇\tdate\t〇 ○ O o Ｏ 0 C Q"),
                    encoding="utf-8")
    lx.numeral_lookalikes.cache_clear()
    assert nr._as_date(_target()).lookalikes == before + "Q"


def test_a_heading_and_a_punctuation_look_alike_added_to_the_lists_are_the_forms_own(data_dir: Path) -> None:
    heading = "四、专业技术工作总结"
    assert not lx.is_form_heading(heading)
    _append(data_dir / "form_headings.txt", heading)
    lx.form_headings.cache_clear()
    assert lx.is_form_heading(heading) and lx.is_form_heading("四丶专业技术工作总结")
    assert lx.fold_punctuation("四ノ专业") == "四ノ专业"
    _append(data_dir / "punctuation_lookalikes.tsv", "、\tノ")
    lx.punctuation_lookalikes.cache_clear()
    assert lx.fold_punctuation("四ノ专业") == "四、专业"


def _target() -> Target:
    return Target(None, (0, 0, 10, 10), None, None)
