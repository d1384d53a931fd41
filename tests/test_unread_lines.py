"""Lines Tesseract dropped whole are read by the second recogniser: only bands no read word
reaches, only confident Chinese readings, never more than a few per page."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.readers.linerec import LineReading, LineRecognizer, Symbol
from extractors.readers.ocr_layout import Region, Word
from extractors.readers.preprocess import Prepared
from extractors.readers.unread_lines import MAX_BANDS, read_unread_lines, reread_tangled_lines
from extractors.reread_policy import FIELD_REREAD_POLICY

IDENTITY = np.array([[1.0, 0, 0], [0, 1.0, 0]])
KAI = "/usr/share/fonts/truetype/arphic/ukai.ttc"  # a brush face, as signatures are printed in


class FakeRecognizer:
    def __init__(self, text: str, conf: float):
        self.text, self.conf, self.crops = text, conf, []

    def available(self) -> bool:
        return True

    def read(self, grey):
        self.crops.append(grey.shape)
        return LineReading(self.text, tuple(Symbol(ch, self.conf) for ch in self.text))


def _page(lines: list[tuple[int, str]], font_path: str = KAI) -> Prepared:
    img = Image.new("L", (2480, 1200), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(font_path, 50)
    for y, text in lines:
        draw.text((300, y), text, font=font, fill=0)
    return Prepared(np.asarray(img), [], IDENTITY, 0, 0.0, 300)


def _read_word(y: int) -> Region:
    return Region(None, [Word("特此承诺", (300, y, 520, y + 55), 0.95, (1, 1, 1))])


def test_a_dropped_line_is_added_from_the_second_reading() -> None:
    prep = _page([(200, "特此承诺。"), (400, "承诺人签名：江彩爱")])
    rec = FakeRecognizer("承诺人签名：江彩爱", 0.97)
    out = read_unread_lines([_read_word(200)], prep, rec)
    assert len(rec.crops) == 1  # the read line is not read again
    added = out[-1].words[0]
    assert added.text == "承诺人签名：江彩爱" and added.conf == pytest.approx(0.97)
    assert 380 <= added.box[1] < 420 and added.box[3] > added.box[1]


@pytest.mark.parametrize(("text", "conf"), [("承诺人签名：江彩爱", 0.5), ("|-", 0.99)])
def test_unsure_or_non_chinese_readings_add_nothing(text: str, conf: float) -> None:
    prep = _page([(400, "承诺人签名：江彩爱")])
    regions = [_read_word(100)]
    assert read_unread_lines(regions, prep, FakeRecognizer(text, conf)) == regions


def test_a_labelled_line_unsure_of_a_character_is_kept_as_unsure() -> None:
    # 姓 名：澎梅燕 (彭 unsure): a form's label and its value are text, whatever the value's doubt;
    # the same doubt on a line of no such shape is a seal's or a picture's noise.
    prep = _page([(400, "姓名：彭梅燕")])
    out = read_unread_lines([_read_word(100)], prep, FakeRecognizer("姓 名：澎梅燕", 0.7))
    assert out[-1].words[0].text == "姓 名：澎梅燕" and out[-1].words[0].conf == pytest.approx(0.7)
    assert read_unread_lines([_read_word(100)], prep, FakeRecognizer("澎梅燕同志", 0.7)) == [_read_word(100)]


def test_a_lost_line_running_into_a_read_line_is_read_above_it() -> None:
    # 学历：本科 lost, the line below read; a seal's ring crosses both, and the tops of the read
    # line's glyphs lie above its word box: one band of ink from the lost line into the read one.
    prep = _page([(400, "学历：本科"), (452, "主要专业技术工作经历")])
    image = prep.image.copy()
    image[385:520, 2000:2012] = 0
    prep = Prepared(image, [], IDENTITY, 0, 0.0, 300)
    read = [Region(None, [Word("主要专业技术工作经历", (300, 475, 800, 505), 0.95, (1, 1, 1))])]
    rec = FakeRecognizer("学历：本科", 0.97)
    out = read_unread_lines(read, prep, rec)
    assert len(out) == 2 and out[-1].words[0].text == "学历：本科"
    assert out[-1].words[0].box[1] < 410 and out[-1].words[0].box[3] <= 475


def test_a_page_of_unread_bands_is_left_alone() -> None:
    """Many unread bands is a picture or a page Tesseract could not read at all, not a lost line."""
    prep = _page([(60 + 150 * i, "承诺人签名：江彩爱") for i in range(MAX_BANDS + 1)])
    rec = FakeRecognizer("承诺人签名：江彩爱", 0.99)
    assert read_unread_lines([], prep, rec) == [] and rec.crops == []


def test_rest_of_read_lines_do_not_count_as_lost_lines() -> None:
    # A form whose rows Tesseract read only in part (ink left beside its words on every row),
    # and whose first row it dropped whole: the first row is still read.
    rows = [(60 + 120 * i, "承诺人签名：江彩爱" + "　" * 8 + "江彩爱") for i in range(MAX_BANDS + 2)]
    prep = _page(rows)
    read = [Region(None, [Word("承诺人签名", (300, y, 560, y + 55), 0.95, (1, 1, i))]) for i, (y, _) in enumerate(rows) if i]
    rec = FakeRecognizer("承诺人签名：江彩爱", 0.97)
    out = read_unread_lines(read, prep, rec)
    assert len(rec.crops) == 1 and len(out) == len(read) + 1
    assert out[-1].words[0].box[1] < 60 + 60


def test_two_lost_lines_beside_a_seal_are_read_one_by_one() -> None:
    # A seal's ring far to the right inks the rows between the two lost lines: the band of ink
    # is split at its thin rows, and the ring is read apart from the text (and adds nothing).
    prep = _page([(400, "申报资格：馆员"), (480, "学历：本科")])
    image = prep.image.copy()
    image[380:560, 2000:2012] = 0  # one arc of the ring, crossing both lines and the gap
    prep = Prepared(image, [], IDENTITY, 0, 0.0, 300)
    rec = FakeRecognizer("申报资格：馆员", 0.97)
    out = read_unread_lines([_read_word(100)], prep, rec)
    tops = sorted(r.words[0].box[1] for r in out[1:])
    assert len(tops) == 2 and 390 <= tops[0] < 420 and 470 <= tops[1] < 500
    assert all(w < 1000 for _, w in rec.crops)  # the text alone, not the ring 1,600 px on


def test_a_lost_table_row_of_short_cells_is_read_whole() -> None:
    # 2020 | 40 | 90 | 130 | 合格: no piece is a line's worth, the cells are far apart.
    img = np.full((1200, 2480), 255, np.uint8)
    for x0 in (100, 700, 1300, 1900):
        img[400:440, x0 : x0 + 120] = 0
    prep = Prepared(img, [], IDENTITY, 0, 0.0, 300)
    rec = FakeRecognizer("2020 40 90 130 合格", 0.97)
    out = read_unread_lines([_read_word(100)], prep, rec)
    assert rec.crops and rec.crops[0][1] >= 2020 - 100 and out[-1].words[0].text == "2020 40 90 130 合格"


def test_a_lost_form_row_unsure_as_a_whole_is_read_cell_by_cell() -> None:
    prep = _page([(400, "姓名　　　孟和　　　性别　　　女")])

    class ByWidth(FakeRecognizer):
        def read(self, grey):
            self.crops.append(grey.shape)
            if grey.shape[1] > 400:  # the whole row: one character misread, unsure
                return LineReading("姓名缩孟和性别女", tuple(Symbol(c, 0.3 if c == "缩" else 0.99) for c in "姓名缩孟和性别女"))
            text = "姓名" if len(self.crops) == 2 else ("孟和" if len(self.crops) == 3 else "性别")
            return LineReading(text, tuple(Symbol(c, 0.99) for c in text))

    out = read_unread_lines([_read_word(100)], prep, ByWidth("", 0.0))
    assert [r.words[0].text for r in out[1:]] == ["姓名", "孟和", "性别"]  # 女 alone is one character: left
    assert len({r.words[0].line_key for r in out[1:]}) == 1


def test_a_lost_table_row_unsure_as_a_whole_is_read_into_its_cells() -> None:
    from extractors.readers.preprocess import CellBox

    img = np.full((1200, 2480), 255, np.uint8)
    xs = [100, 400, 900, 1400, 1700, 2200]
    cells = [CellBox(1, 1, c, (xs[c], 380, xs[c + 1], 460)) for c in range(5)]
    for c in range(5):
        img[400:440, xs[c] + 20 : xs[c] + 120] = 0
    prep = Prepared(img, cells, IDENTITY, 0, 0.0, 300)
    texts = iter(["2018", "32", "64", "96", "合格"])

    class ByWidth(FakeRecognizer):
        def read(self, grey):
            self.crops.append(grey.shape)
            if grey.shape[1] > 1000:  # the whole row, ruling traces read as 时
                return LineReading("2018时32时64时96时合格", tuple(Symbol(c, 0.3 if c == "时" else 0.99) for c in "2018时32时64时96时合格"))
            text = next(texts)
            return LineReading(text, tuple(Symbol(c, 0.99) for c in text))

    out = read_unread_lines([_read_word(100)], prep, ByWidth("", 0.0))
    got = [(r.cell.col, r.words[0].text) for r in out[1:]]
    assert got == [(0, "2018"), (1, "32"), (2, "64"), (3, "96"), (4, "合格")]


def test_real_recogniser_reads_a_brush_face_signature_line() -> None:
    rec = LineRecognizer()
    if not rec.available():
        pytest.skip("the PP-OCRv4 model is not installed")
    prep = _page([(400, "承诺人签名：江彩爱")])
    out = read_unread_lines([], prep, rec)
    assert [r.words[0].text.replace(":", "：") for r in out] == ["承诺人签名：江彩爱"]


HEI = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
LINE_1 = "根据职称评审工作要求，我单位于2020/5/16至2020/5/22，在单位公示"
LINE_2 = "志申报高级经济师资格的有关材料进行了公示，公示期间无异议。"


def _tangled_words() -> list[Region]:
    """What Tesseract made of the two lines: pieces whose words lie on each other's (the same
    glyphs read into two regions), one of them two lines high."""
    w = lambda t, box, c: Word(t, box, c, (1, 1, 1))  # noqa: E731
    return [Region(None, [w("根据职称评审工作要求我", (300, 200, 700, 250), 0.93)]),
            Region(None, [w("求", (660, 200, 700, 250), 0.93), w("，我单位于2020", (700, 200, 880, 255), 0.93)]),
            Region(None, [w("天在单位公示栏对谭国军同", (1000, 200, 1900, 252), 0.8),
                          w("报高级经济师资格的有关材料进行了公示，人到其加", (400, 266, 1400, 320), 0.8)]),
            Region(None, [w("志申", (300, 262, 380, 315), 0.92), w("报高级经济师 ;", (380, 262, 620, 315), 0.92)])]


def test_two_lines_tesseract_tangled_are_read_band_by_band() -> None:
    prep = _page([(200, LINE_1), (265, LINE_2)], HEI)
    rec = FakeRecognizer("读出的一行", 0.95)
    out = reread_tangled_lines(_tangled_words(), prep, rec)
    assert len(rec.crops) == 2 and [r.words[0].text for r in out] == ["读出的一行", "读出的一行"]
    assert out[0].box()[1] < out[1].box()[1]
    # Any band read unsurely: Tesseract's pieces stay, nothing is lost.
    regions = _tangled_words()
    assert reread_tangled_lines(regions, prep, FakeRecognizer("读出的一行", 0.5)) == regions
    # Lines close together, their regions' boxes overlapping but no word on another's: no tangle.
    close = [Region(None, [Word("根据职称评审工作要求", (300, 200, 800, 252), 0.95, (1, 1, 1)),
                           Word("我单位于", (300, 262, 500, 320), 0.95, (1, 1, 1))]),
             Region(None, [Word("在单位公示栏", (760, 205, 1160, 255), 0.95, (1, 1, 1))])]
    assert reread_tangled_lines(close, prep, rec) == close
    # One line with a tall stroke, crossing nothing, is no tangle.
    alone = [Region(None, [Word(LINE_2, (300, 262, 1500, 340), 0.9, (1, 1, 1)), Word("。", (1500, 262, 1520, 290), 0.9, (1, 1, 1))])]
    assert reread_tangled_lines(alone, prep, rec) == alone


def test_a_tangled_line_is_read_on_over_ink_no_region_read() -> None:
    # Tesseract tangled the start of a publicity statement with the line below, read nothing of
    # 16至2020/5/22， and read 在单位公示 as a region of its own: the band reads up to that region.
    prep = _page([(200, LINE_1), (265, LINE_2)], HEI)
    font = ImageFont.truetype(HEI, 50)
    start = 300 + int(font.getlength(LINE_1[: LINE_1.index("在")]))
    w = lambda t, box: Word(t, box, 0.9, (1, 1, 1))  # noqa: E731
    regions = [Region(None, [w("根据职称评审工作要求我", (300, 200, 700, 250))]),
               Region(None, [w("求", (660, 200, 700, 250)), w("，我单位于2020", (700, 200, 880, 255)),
                             w("志申报高级", (300, 266, 560, 320))]),
               Region(None, [w("在单位公示", (start, 200, start + 250, 252))])]
    rec = FakeRecognizer("读出的一行", 0.95)
    out = reread_tangled_lines(regions, prep, rec)
    assert [r.words[0].text for r in out] == ["在单位公示", "读出的一行", "读出的一行"]
    first, second = out[1].box(), out[2].box()
    assert start - 60 < first[2] <= start  # up to 在, over 16至2020/5/22，
    assert second[2] > 300 + 0.9 * font.getlength(LINE_2)  # the whole of the line below


def test_real_recogniser_reads_tangled_prose_lines() -> None:
    rec = LineRecognizer()
    if not rec.available():
        pytest.skip("the PP-OCRv4 model is not installed")
    prep = _page([(200, LINE_1), (265, LINE_2)], HEI)
    out = reread_tangled_lines(_tangled_words(), prep, rec)
    assert [r.words[0].text.replace(",", "，") for r in out] == [LINE_1, LINE_2]


def test_a_lost_line_read_as_a_date_that_is_no_date_is_read_again_on_its_own_rows() -> None:
    class Twice(FakeRecognizer):
        answers = ["一了一八年一月", "二〇一八年一月"]

        def read(self, grey):
            self.crops.append(grey.shape)
            text = self.answers[min(len(self.crops), 2) - 1]
            return LineReading(text, tuple(Symbol(ch, self.conf) for ch in text))

    prep = _page([(400, "二〇一八年一月")], HEI)
    rec = Twice("", 0.95)
    out = read_unread_lines([_read_word(100)], prep, rec, policy=FIELD_REREAD_POLICY)
    assert len(rec.crops) == 2 and out[-1].words[0].text == "二〇一八年一月"


def _card_row() -> tuple[Prepared, list[Region]]:
    """A CE card's row of five cells, each inked on one line; Tesseract read only 合格."""
    from extractors.readers.preprocess import CellBox

    img = np.full((1200, 2480), 255, np.uint8)
    xs = [100, 400, 900, 1400, 1700, 2200]
    cells = [CellBox(1, 3, c, (xs[c], 380, xs[c + 1], 460)) for c in range(5)]
    for c in range(5):
        img[400:440, xs[c] + 20 : xs[c] + 120] = 0
    read = [Region(cells[4], [Word("合格", (xs[4] + 20, 400, xs[4] + 120, 440), 0.95, (1, 1, 1))])]
    return Prepared(img, cells, IDENTITY, 0, 0.0, 300), read


def test_cells_of_a_row_tesseract_read_in_part_are_read_alone() -> None:
    from extractors.readers.unread_lines import reread_stacked_cells

    prep, read = _card_row()
    texts = iter(["2018", "42", "72", "114"])

    class InTurn(FakeRecognizer):
        def read(self, grey):
            self.crops.append(grey.shape)
            text = next(texts)
            return LineReading(text, tuple(Symbol(c, 0.97) for c in text))

    out = reread_stacked_cells(read, prep, InTurn("", 0.0))
    got = sorted((r.cell.col, r.words[0].text) for r in out)
    assert got == [(0, "2018"), (1, "42"), (2, "72"), (3, "114"), (4, "合格")]


@pytest.mark.parametrize(("text", "conf"), [("2018", 0.5), ("|-", 0.99), ("1", 0.99)])
def test_an_empty_cell_read_unsurely_or_as_no_value_stays_empty(text: str, conf: float) -> None:
    from extractors.readers.unread_lines import reread_stacked_cells

    prep, read = _card_row()
    assert reread_stacked_cells(read, prep, FakeRecognizer(text, conf)) == read


def test_a_cell_whose_area_holds_read_words_is_not_read_again() -> None:
    """The same table found twice over one ruling: its second copy's cells hold the first's words
    by area, though keyed to the first; reading them again would write every value twice."""
    from extractors.readers.preprocess import CellBox
    from extractors.readers.unread_lines import reread_stacked_cells

    prep, read = _card_row()
    twice = [CellBox(2, c.row, c.col, c.box) for c in prep.cells]
    prep = Prepared(prep.image, [*prep.cells, *twice], IDENTITY, 0, 0.0, 300)
    read = [Region(c, [Word("x1", (c.box[0] + 20, 400, c.box[0] + 120, 440), 0.95, (1, 1, 1))]) for c in prep.cells[:5]]
    rec = FakeRecognizer("2018", 0.97)
    assert reread_stacked_cells(read, prep, rec) == read and not rec.crops


def _two_line_label(words: list[tuple[str, tuple[int, int, int, int]]]) -> tuple[Prepared, list[Region]]:
    """A narrow label cell printed on two lines (所在 over 地区: ink rows 415-447 and 465-497),
    with the words Tesseract gave it."""
    from extractors.readers.preprocess import CellBox

    img = Image.new("L", (1200, 800), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(HEI, 36)
    draw.text((320, 410), "所在", font=font, fill=0)
    draw.text((320, 460), "地区", font=font, fill=0)
    cell = CellBox(0, 9, 2, (300, 395, 700, 515))
    return Prepared(np.asarray(img), [cell], IDENTITY, 0, 0.0, 300), [Region(cell, [Word(t, b, 0.95, (1, 1, 1)) for t, b in words])]


def test_a_stacked_label_read_unsurely_keeps_its_words_in_line_order() -> None:
    """Tesseract boxed 在 half a line up and 区 half a line down, so grouped by height the two
    lines were one, ordered by x (所地在区); the second recogniser cannot read the lines surely.
    Each word goes on the line its centre lies on: 所在地区, with Tesseract's own confidences."""
    from extractors.readers.ocr_layout import _join
    from extractors.readers.unread_lines import reread_stacked_cells

    prep, read = _two_line_label([("所", (322, 415, 356, 447)), ("在", (358, 399, 392, 463)),
                                  ("地", (322, 465, 356, 497)), ("区", (358, 435, 392, 507))])
    assert _join(read[0].words).replace(" ", "") != "所在地区"
    out = reread_stacked_cells(read, prep, FakeRecognizer("", 0.3))
    assert _join(out[0].words).replace(" ", "") == "所在地区"
    assert [w.conf for w in out[0].words] == [0.95] * 4


def test_a_word_boxed_between_the_lines_of_a_stacked_label_leaves_it_as_read() -> None:
    from extractors.readers.unread_lines import reread_stacked_cells

    # 地 is centred in the paper between the two lines: there is no line to put it on.
    prep, read = _two_line_label([("所", (322, 415, 356, 447)), ("在", (358, 399, 392, 463)),
                                  ("地", (322, 420, 356, 492)), ("区", (358, 435, 392, 507))])
    assert reread_stacked_cells(read, prep, FakeRecognizer("", 0.3)) == read


def _one_line_value(words: list[tuple[str, tuple[int, int, int, int]]]) -> tuple[Prepared, list[Region]]:
    """A value cell holding one line of print (二级教师, ink rows about 415-447)."""
    from extractors.readers.preprocess import CellBox

    img = Image.new("L", (1200, 800), 255)
    ImageDraw.Draw(img).text((320, 410), "二级教师", font=ImageFont.truetype(HEI, 36), fill=0)
    cell = CellBox(0, 4, 1, (300, 395, 1100, 470))
    return Prepared(np.asarray(img), [cell], IDENTITY, 0, 0.0, 300), [Region(cell, [Word(t, b, 0.95, (1, 1, 1)) for t, b in words])]


def test_a_glyph_whose_strokes_were_boxed_apart_is_read_again_with_its_line() -> None:
    """Tesseract boxed the two strokes of 二 apart, 一 over 二, and ordered by x they read
    二一级教师 (another title, one stray glyph off): the cell's line is read again whole."""
    from extractors.readers.ocr_layout import _join
    from extractors.readers.unread_lines import reread_stacked_cells

    split = [("一", (322, 418, 356, 422)), ("二", (320, 440, 358, 444)), ("级", (358, 415, 392, 447)),
             ("教师", (394, 415, 464, 447))]
    prep, read = _one_line_value(split)
    assert _join(read[0].words).replace(" ", "") == "二一级教师"
    out = reread_stacked_cells(read, prep, FakeRecognizer("二级教师", 0.99))
    assert _join(out[0].words) == "二级教师"
    # A glyph read twice, one piece inside the other's rows (学 as 学 over 学, touching).
    twice = [("二", (320, 415, 356, 447)), ("级", (358, 415, 392, 432)), ("级", (359, 430, 391, 447)),
             ("教师", (394, 415, 464, 447))]
    prep2, read2 = _one_line_value(twice)
    out = reread_stacked_cells(read2, prep2, FakeRecognizer("二级教师", 0.99))
    assert _join(out[0].words) == "二级教师"
    # Read unsurely, the cell stays as Tesseract read it (its title then unsure: title_ambiguous).
    assert reread_stacked_cells(read, prep, FakeRecognizer("二级教师", 0.5)) == read
    # Words side by side on one line are no split glyph: nothing is read again.
    whole = [("二", (320, 415, 356, 447)), ("级", (358, 415, 392, 447)), ("教师", (394, 415, 464, 447))]
    prep, read = _one_line_value(whole)
    rec = FakeRecognizer("二级教师", 0.99)
    assert reread_stacked_cells(read, prep, rec) == read and not rec.crops


class _LinesInTurn(FakeRecognizer):
    def __init__(self, lines: list[str], conf: float):
        super().__init__("", conf)
        self.lines = lines

    def read(self, grey):
        text = self.lines[len(self.crops) % len(self.lines)]
        self.crops.append(grey.shape)
        return LineReading(text, tuple(Symbol(ch, self.conf) for ch in text))


@pytest.mark.parametrize(("lines", "taken"), [(["所在", "地区"], True), (["所在", "地巨"], False)])
def test_a_stacked_label_read_less_surely_is_taken_only_as_a_label_the_forms_print(lines: list[str], taken: bool) -> None:
    """The lines of a two-line label cell read at 0.72: a value would stay as Tesseract read it,
    but 所在 over 地区 makes a label of the forms (所在地区), which is what the cell holds."""
    from extractors.readers.ocr_layout import _join
    from extractors.readers.unread_lines import reread_stacked_cells

    prep, read = _two_line_label([("所", (322, 415, 356, 447)), ("在", (358, 399, 392, 463)),
                                  ("地", (322, 420, 356, 492)), ("区", (358, 435, 392, 507))])
    out = reread_stacked_cells(read, prep, _LinesInTurn(lines, 0.72), policy=FIELD_REREAD_POLICY)
    assert (_join(out[0].words).replace(" ", "") == "所在地区") == taken
    if not taken:
        assert out == read
    # Without the policy's labels, lines this unsure are never taken.
    assert reread_stacked_cells(read, prep, _LinesInTurn(["所在", "地区"], 0.72)) == read


class SheetEngine:
    """A Tesseract stand-in reading each sheet it is shown as one word of `texts` in turn, boxed
    where the sheet's ink is; records the sheets."""

    def __init__(self, texts: list[str], conf: float = 0.92):
        self.texts, self.conf, self.sheets = iter(texts), conf, []

    def words(self, image):
        self.sheets.append(image.shape)
        ys, xs = np.nonzero(image < 128)
        if not xs.size:
            return []
        return [Word(next(self.texts), (int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())), self.conf, (1, 1, 1))]


def _row_read_in_part() -> tuple[Prepared, list[Region]]:
    """A CE card's row (2020 | 40 | 72 | 112 | blank) whose 2020 and 72 Tesseract read on the
    page, the figures between them dropped; the last cell holds no ink."""
    prep, _ = _card_row()
    img = prep.image.copy()
    xs = [100, 400, 900, 1400, 1700, 2200]
    img[400:440, xs[4] + 20: xs[4] + 120] = 255
    cells = prep.cells
    read = [Region(cells[c], [Word(t, (xs[c] + 20, 400, xs[c] + 120, 440), 0.95, (1, 1, 1))]) for c, t in ((0, "2020"), (2, "72"))]
    return Prepared(img, cells, IDENTITY, 0, 0.0, 300), read


def test_inked_cells_of_a_row_read_in_part_are_read_alone_by_tesseract() -> None:
    from extractors.readers.unread_lines import read_unread_cells

    prep, read = _row_read_in_part()
    engine = SheetEngine(["40", "112"])
    out = read_unread_cells(read, prep, engine)
    got = sorted((r.cell.col, r.words[0].text, r.words[0].box) for r in out)
    # The two inked empty cells, each alone and boxed on the page where their ink is; the blank
    # cell is not read.
    assert got == [(0, "2020", (120, 400, 220, 440)), (1, "40", (420, 400, 519, 439)), (2, "72", (920, 400, 1020, 440)),
                   (3, "112", (1420, 400, 1519, 439))]
    assert len(engine.sheets) == 2


def test_an_inked_cell_read_alone_unsurely_stays_empty() -> None:
    """A seal's edge over a cell reads as unsure glyphs: nothing is added."""
    from extractors.readers.unread_lines import read_unread_cells

    prep, read = _row_read_in_part()
    assert read_unread_cells(read, prep, SheetEngine(["40", "112"], conf=0.5)) == read


def test_real_tesseract_reads_a_figure_dropped_from_a_row_read_in_part() -> None:
    from extractors.readers.engines import default_engine
    from extractors.readers.preprocess import CellBox
    from extractors.readers.unread_lines import read_unread_cells

    img = Image.new("L", (2480, 600), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(HEI, 40)
    xs = [100, 400, 900, 1400, 1700, 2200]
    for c, text in enumerate(("2020", "40", "72", "112", "")):
        draw.text((xs[c] + 30, 300), text, font=font, fill=0)
    cells = [CellBox(1, 3, c, (xs[c], 270, xs[c + 1], 370)) for c in range(5)]
    prep = Prepared(np.asarray(img), cells, IDENTITY, 0, 0.0, 300)
    read = [Region(cells[c], [Word(t, (xs[c] + 30, 300, xs[c] + 30 + 25 * len(t), 340), 0.95, (1, 1, 1))])
            for c, t in ((0, "2020"), (2, "72"))]
    out = read_unread_cells(read, prep, default_engine())
    assert sorted((r.cell.col, "".join(w.text for w in r.words)) for r in out) == [(0, "2020"), (1, "40"), (2, "72"), (3, "112")]
