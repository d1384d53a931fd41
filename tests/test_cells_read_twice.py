"""A table found twice over one ruling (a certificate's frame and the table inside it) gives each
cell two readings. Where they say different things (批准时间 2007年5月 against 2007年9月), the page
does not tell which is right: the value is no surer than two recognisers' disagreement, and a
date so read is not taken."""

from __future__ import annotations

import pytest

from dossierflow.models import PageContent, Segment
from extractors.calibration import check_weight
from extractors.evidence.common import date_after
from extractors.layout import DocView
from tests.test_fields import A4

ROWS = [("姓名：", "马国伟"), ("资格名称：", "编辑"), ("批准时间：", "2007年9月")]


def _certificate(second_reading: dict[str, str]) -> DocView:
    """Every cell read as table 0 and again as table 1 (its reading changed by `second_reading`)."""
    segs = [Segment(text="职称证书", box=(250.0, 126.0, 345.0, 155.0), conf=0.93)]
    for table in (0, 1):
        for r, (label, value) in enumerate(ROWS):
            y = 190.0 + 21.0 * r
            read = second_reading.get(value, value) if table == 1 else value
            segs.append(Segment(text=label, box=(57.0, y, 200.0, y + 20), conf=0.99, cell=(table, r, 0)))
            segs.append(Segment(text=read, box=(202.0, y, 539.0, y + 20), conf=0.99, cell=(table, r, 1)))
    page = PageContent(file="A1/证书.pdf", page=1, method="ocr", width_pt=A4[0], height_pt=A4[1], segments=segs)
    return DocView([page])


def test_a_cell_read_alike_twice_gives_its_value() -> None:
    view = _certificate({})
    assert date_after(view, ("批准时间",)) == "2007-09"
    assert view.value(("资格名称",)).conf == pytest.approx(0.99)


def test_a_date_cell_read_two_ways_is_not_taken() -> None:
    assert date_after(_certificate({"2007年9月": "2007年5月"}), ("批准时间",)) is None


def test_a_cell_read_two_ways_is_no_surer_than_disagreeing_recognisers() -> None:
    found = _certificate({"编辑": "编缉"}).value(("资格名称",))
    assert found is not None and found.text == "编辑" and found.conf <= check_weight("engines_disagree")


def test_punctuation_read_in_one_reading_only_is_no_disagreement() -> None:
    assert _certificate({"2007年9月": "2007年9月·"}).value(("批准时间",)).conf == pytest.approx(0.99)
