"""A form's own headings and labels are never claims: every heading the generator prints on its
forms, in both layouts, read with its punctuation damaged the ways a recogniser damages it.

The headings come from the generator's templates (fixtures/content.py), not from
extractors/data/form_headings.txt, so a heading a template gains without a row in the list
fails here."""

from __future__ import annotations

import datetime as dt
import random
from typing import Callable, Iterator

import pytest

from dossierflow.models import Document
from extractors import lexicons as lx
from extractors.evidence import extract_evidence
from fixtures import content
from fixtures.people import Applicant, BatchFrame, make_applicant
from fixtures.spec import DocSpec, Grid, Pairs, Para, Title
from fixtures.variants import FormVariant
from tests.test_evidence import Cell, fields, page

# How a recogniser damages a form's punctuation: 、 read as the dot stroke 丶 or a comma, full-width
# brackets read half-width, the enumeration mark lost or read as a full stop, stray dots after.
DAMAGES: dict[str, Callable[[str], str]] = {
    "as_printed": lambda t: t,
    "dot_stroke": lambda t: t.replace("、", "丶"),
    "comma_and_brackets": lambda t: t.replace("、", "，").replace("（", "(").replace("）", ")"),
    "marks_lost": lambda t: t.replace("、", "").replace("（", "").replace("）", ""),
    "stray_stops": lambda t: t.replace("、", "．") + ("．．··" if len(t) >= 10 else ""),  # dots after a caption
}


def _applicants() -> Iterator[Applicant]:
    frame = BatchFrame("固阳县", dt.date(2020, 6, 15))
    names: set[str] = set()
    for i in range(400):
        yield make_applicant(random.Random(i), frame, names)


def _with_every_list() -> Applicant:
    """An applicant who lists papers, awards and achievements: every list has rows under it."""
    return next(a for a in _applicants() if a.papers and a.awards and a.patents)


def _forms(layout: str) -> list[DocSpec]:
    app = _with_every_list()
    voice = content.Voice.pick(random.Random(7))
    voice.variant = FormVariant(layout=layout)  # type: ignore[arg-type]
    ch = content.Changes()
    listed = [("专业技术资格评审表", 2), ("毕业证书", 1)]
    return [content.eval_form(app, voice, ch), content.submit_form(app, voice, ch),
            content.material_list(app, voice, ch, listed), content.ce_card(app, voice, ch)]


def _printed_words(spec: DocSpec) -> list[str]:
    """The form's own words: its title, its captions (a side caption, a list's caption as a line
    of its own or a row merged across the table) and its lists' column labels."""
    words: list[str] = []
    for b, after in zip(spec.blocks, spec.blocks[1:] + [None]):
        if isinstance(b, Title):
            words.append(b.text)
        elif isinstance(b, Pairs) and b.side_caption:
            words.append(b.side_caption)
        elif isinstance(b, Grid):
            words += [w for w in [b.caption, b.caption_row, *b.header] if w]
        elif isinstance(b, Para) and isinstance(after, Grid):
            words.append(b.text)  # a list's caption on a line of its own
    return words


LAYOUTS = ("standard", "alt")


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_every_printed_heading_and_label_reads_as_the_forms_own(layout: str, damage: str) -> None:
    words = [w for spec in _forms(layout) for w in _printed_words(spec)]
    assert any("主要业绩成果" in w for w in words) and any("论文" in w for w in words)
    missed = [w for w in words if not lx.is_form_heading(DAMAGES[damage](w))]
    assert missed == []


def test_no_title_the_generator_lists_reads_as_a_heading() -> None:
    titles = {t for a in _applicants() for t in [*(p.title for p in a.papers), *(w.achievement for w in a.awards),
                                                  *(pt.title for pt in a.patents)]}
    assert len(titles) > 100
    assert sorted(t for t in titles if lx.is_form_heading(t)) == []


def _claims_page(spec: DocSpec, damage: Callable[[str], str], caption_cells: int) -> list[list[Cell]]:
    """The eval_form's lists as a recogniser returns them: a caption as a line of its own or a
    row merged across the table (cut into `caption_cells` pieces), the header, the rows."""
    x6 = [50.0, 75.0, 290.0, 345.0, 405.0, 460.0, 545.0]
    x5 = [50.0, 130.0, 300.0, 380.0, 460.0, 545.0]
    rows: list[list[Cell]] = [[spec.blocks[0].text]]  # type: ignore[attr-defined]
    pending: str | None = None
    for b, after in zip(spec.blocks, spec.blocks[1:] + [None]):
        if isinstance(b, Para) and isinstance(after, Grid):
            pending = b.text
        elif isinstance(b, Grid):
            caption = b.caption_row or pending
            pending = None
            xs = x6 if len(b.header) == 6 else x5
            if caption:
                text = damage(caption)
                cut = max(1, len(text) // caption_cells)
                pieces = [text[i:i + cut] for i in range(0, len(text), cut)][:caption_cells]
                pieces[-1] += text[cut * caption_cells:] if caption_cells > 1 else ""
                step = (xs[-1] - xs[0]) / len(pieces)
                rows.append([(p, xs[0] + step * k + 2, xs[0] + step * (k + 1) - 2) for k, p in enumerate(pieces)])
            rows.append([(damage(h), xs[i] + 2, xs[i + 1] - 2) for i, h in enumerate(b.header)])
            rows += [[(t, xs[i] + 2, xs[i + 1] - 2) for i, t in enumerate(r)] for r in b.rows]
    return rows


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("damage", sorted(DAMAGES))
@pytest.mark.parametrize("caption_cells", [1, 2])
def test_the_eval_forms_headings_are_no_claims_and_its_rows_are(layout: str, damage: str, caption_cells: int) -> None:
    spec = _forms(layout)[0]
    truth = sorted((e["kind"], e["title"]) for e in spec.evidence if e["kind"].startswith("claimed_"))
    p = page(_claims_page(spec, DAMAGES[damage], caption_cells), file="A1/评审表.pdf")
    items = extract_evidence([p], [Document(kind="eval_form", file=p.file, pages=[1], confidence=1.0)], fields())
    read = sorted((e.kind, e.title) for e in items if e.kind.startswith("claimed_"))
    assert read == truth


def _glyphs_misread(t: str) -> str:
    """A caption's marks lost and a glyph misread (成果 read 成昌), and the header's kind word read
    with its glyphs out of order (成果名称 read 成名称果): neither names its list any more."""
    t = t.replace("、", "").replace("（", "").replace("）", "")
    return t.replace("成果名称", "成名称果").replace("成果", "成昌")


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("caption_cells", [1, 2])
def test_a_misread_caption_still_starts_its_list_when_the_header_lost_its_kind_word(layout: str, caption_cells: int) -> None:
    spec = _forms(layout)[0]
    truth = sorted((e["kind"], e["title"]) for e in spec.evidence if e["kind"].startswith("claimed_"))
    assert any(kind == "claimed_achievement" for kind, _ in truth)
    p = page(_claims_page(spec, _glyphs_misread, caption_cells), file="A1/评审表.pdf")
    items = extract_evidence([p], [Document(kind="eval_form", file=p.file, pages=[1], confidence=1.0)], fields())
    read = sorted((e.kind, e.title) for e in items if e.kind.startswith("claimed_"))
    assert read == truth
