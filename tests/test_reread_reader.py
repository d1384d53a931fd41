"""The OCR reader reads again what a policy names and nothing else: it has no vocabulary of
fields (which regions matter is extraction's `reread_policy`)."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import yaml
from PIL import Image, ImageDraw, ImageFont

from extractors.readers.linerec import LineReading, Symbol
from extractors.readers.ocr_layout import Region, Word
from extractors.readers.preprocess import CellBox, Prepared
from extractors.readers.reread import Target, region_text, reread_page
from extractors.readers.unread_lines import read_unread_lines

ROOT = Path(__file__).resolve().parents[1]
IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
KAI = "/usr/share/fonts/truetype/arphic/ukai.ttc"
# The modules that read a page with OCR and read parts of it again.
OCR_READER_MODULES = ("ocr.py", "reread.py", "unread_lines.py", "linerec.py", "ocr_layout.py", "preprocess.py")


class Answers:
    """A second recogniser answering from a list, recording the crops it was shown."""

    def __init__(self, *texts: str, conf: float = 0.97):
        self.texts, self.conf, self.crops = list(texts), conf, []

    def available(self) -> bool:
        return True

    def read(self, grey: np.ndarray) -> Optional[LineReading]:
        self.crops.append(grey.shape)
        text = self.texts[min(len(self.crops), len(self.texts)) - 1]
        return LineReading(text, tuple(Symbol(ch, self.conf) for ch in text))


class MadeUpPolicy:
    """Names one region by its box and knows nothing else."""

    def __init__(self, box: tuple[int, int, int, int], check: Optional[Callable[[str], bool]] = None):
        self.box, self.check, self.seen = box, check, []

    def targets(self, regions: list[Region], prep: Prepared) -> list[Target]:
        self.seen.append([region_text(r) for r in regions])
        region = next(r for r in regions if r.box() == (self.box[0] + 10, self.box[1] + 10, self.box[2] - 10, self.box[3] - 10))
        return [Target(region, self.box, None, None)]

    def band_check(self, text: str) -> Optional[Callable[[str], bool]]:
        return self.check if self.check is not None and not self.check(text) else None

    def is_label(self, text: str) -> bool:
        return False


def _regions() -> list[Region]:
    cells = (CellBox(0, 0, 0, (10, 10, 200, 60)), CellBox(0, 0, 1, (200, 10, 500, 60)))
    return [
        # A name form's label and value, weak: extraction's policy would read the value again.
        Region(cells[0], [Word("姓名", (20, 20, 80, 50), 0.95, (1, 1, 1))]),
        Region(cells[1], [Word("间艳环", (210, 20, 320, 50), 0.6, (1, 1, 2))]),
        # A made-up run no field knows.
        Region(None, [Word("甲乙丙", (100, 210, 220, 250), 0.55, (2, 1, 1))]),
    ]


def test_the_reader_reads_again_exactly_the_region_its_policy_names() -> None:
    prep = Prepared(np.full((400, 800), 255, np.uint8), [], IDENTITY, 0, 0.0, 300)
    regions = _regions()
    policy, rec = MadeUpPolicy((90, 200, 230, 260)), Answers("丁戊己")
    out = reread_page(regions, prep, policy, rec)
    assert policy.seen == [["姓名", "间艳环", "甲乙丙"]]  # the first readings, as read
    assert rec.crops == [(60, 140)]  # that box, once
    assert [region_text(r) for r in out] == ["姓名", "间艳环", "丁戊己"]
    assert out[2].words[0].conf == 0.97 and out[0] is regions[0] and out[1] is regions[1]


def _drawn(text: str) -> Prepared:
    img = Image.new("L", (2480, 1200), 255)
    ImageDraw.Draw(img).text((300, 400), text, font=ImageFont.truetype(KAI, 50), fill=0)
    return Prepared(np.asarray(img), [], IDENTITY, 0, 0.0, 300)


def test_a_lost_line_is_read_again_on_its_rows_only_when_the_policy_asks() -> None:
    read = [Region(None, [Word("特此承诺", (300, 100, 520, 155), 0.95, (1, 1, 1))])]
    plain = Answers("子丑寅卯", "子丑寅辰")
    assert read_unread_lines(read, _drawn("子丑寅辰"), plain)[-1].words[0].text == "子丑寅卯"
    assert len(plain.crops) == 1  # no policy: the reader has no check of its own
    asked = Answers("子丑寅卯", "子丑寅辰")
    out = read_unread_lines(read, _drawn("子丑寅辰"), asked, policy=MadeUpPolicy((0, 0, 1, 1), lambda t: t.endswith("辰")))
    assert len(asked.crops) == 2 and out[-1].words[0].text == "子丑寅辰"


def _string_literals(path: Path) -> str:
    """A module's string literals, without its docstrings (a string that is a statement alone)."""
    skip = (tokenize.NL, tokenize.COMMENT)
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline) if t.type not in skip]
    out = []
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.STRING:
            continue
        starts = i == 0 or tokens[i - 1].type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
        ends = i + 1 < len(tokens) and tokens[i + 1].type == tokenize.NEWLINE
        if not (starts and ends):
            out.append(tok.string)
    return "\n".join(out)


def test_the_ocr_reader_holds_no_field_label() -> None:
    with open(ROOT / "extractors" / "data" / "labels.yaml", encoding="utf-8") as fh:
        labels = {str(lab).replace(" ", "").replace("\u3000", "") for labs in yaml.safe_load(fh)["fields"].values() for lab in labs}
    labels = {lab for lab in labels if len(lab) >= 2}
    for name in OCR_READER_MODULES:
        literals = _string_literals(ROOT / "extractors" / "readers" / name)
        assert not [lab for lab in labels if lab in literals], name
