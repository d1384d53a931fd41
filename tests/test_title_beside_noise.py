"""A stray glyph read beside a document's title (a speck, a seal's edge: `SN 王 :一` at 0.2)
shares the title's line, not its reading: the title stays as sure as its own segment, so a
form label lower on the page that resembles another kind's title (是否疫情防控一线人员 in a
second-layout form's second row) does not take the page."""

from __future__ import annotations

import pytest

from dossierflow.models import PageContent, Segment
from extractors.classify import find_title, kind_specs

A4 = (595.0, 842.0)
# Every kind's first title, except the one the label row below resembles.
TITLED = [(spec.kind, spec.titles[0]) for spec in kind_specs() if spec.titles and spec.kind != "covid_proof"]


def _page(title: str, stray: str | None) -> PageContent:
    segs = [Segment(text=title, box=(224.0, 58.0, 375.0, 79.0), conf=0.95)]
    if stray:
        segs.append(Segment(text=stray, box=(380.0, 56.0, 413.0, 65.0), conf=0.2))
    segs += [Segment(text="姓名", box=(92.0, 86.0, 176.0, 108.0), conf=0.94, cell=(0, 0, 1)),
             Segment(text="王建国", box=(177.0, 87.0, 315.0, 108.0), conf=0.99, cell=(0, 0, 2)),
             Segment(text="是否疫情防控一线人员", box=(92.0, 109.0, 175.0, 131.0), conf=0.91, cell=(0, 1, 0)),
             Segment(text="否", box=(177.0, 110.0, 540.0, 132.0), conf=0.99, cell=(0, 1, 1))]
    return PageContent(file="A1/1.pdf", page=1, method="ocr", width_pt=A4[0], height_pt=A4[1], segments=segs)


@pytest.mark.parametrize("kind,title", TITLED)
def test_a_title_with_a_stray_glyph_beside_it_names_its_page(kind: str, title: str) -> None:
    hit = find_title(_page(title, None))
    assert hit is not None and hit.kind == kind
    beside = find_title(_page(title, "SN 王 :一"))
    assert beside is not None and beside.kind == kind and beside.score >= 0.85


def test_a_line_that_is_only_unsure_stays_unsure() -> None:
    page = _page("专业技术资格评审表", None)
    page.segments[0] = page.segments[0].model_copy(update={"conf": 0.2})
    hit = find_title(page)
    assert hit is not None and hit.score < 0.85
