"""Names on scans: the second reading of name cells (issue #3: 阎, 鑫 misread by Tesseract)."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors import reread_policy as nr
from extractors.lexicons import lookalikes_of
from extractors.readers import reread as rr
from extractors.readers.linerec import LineReading, LineRecognizer, Symbol, ink_rows
from extractors.readers.ocr_layout import Region, Word, segments_of
from extractors.readers.preprocess import CellBox, Prepared

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


# ---------------------------------------------------------------------------------------------
# Which regions are read again, and which reading is kept (fake second engine)
# ---------------------------------------------------------------------------------------------


class FakeRecognizer:
    """Answers with a fixed reading and records the crops it was shown."""

    def __init__(self, text: str, probs: list[float]):
        self.reading = LineReading(text, tuple(Symbol(c, p) for c, p in zip(text, probs)))
        self.crops: list[np.ndarray] = []

    def available(self) -> bool:
        return True

    def read(self, grey: np.ndarray) -> Optional[LineReading]:
        self.crops.append(grey)
        return self.reading


def _page(cells: list[CellBox]) -> Prepared:
    return Prepared(np.full((400, 800), 255, np.uint8), cells, IDENTITY, 0, 0.0, 300)


def _word(text: str, box: tuple[int, int, int, int], conf: float) -> Word:
    return Word(text, box, conf, (1, 1, 1))


LABEL = CellBox(0, 0, 0, (10, 10, 200, 60))
VALUE = CellBox(0, 0, 1, (200, 10, 500, 60))
OTHER = CellBox(0, 1, 1, (200, 60, 500, 110))


def _form(value_text: str = "间艳环", value_conf: float = 0.85) -> list[Region]:
    return [
        Region(LABEL, [_word("姓名", (20, 20, 80, 50), 0.95)]),
        Region(VALUE, [_word(value_text, (210, 20, 320, 50), value_conf)]),
        Region(OTHER, [_word("包头市", (210, 70, 320, 100), 0.6)]),
    ]


def _texts(regions: list[Region]) -> dict:
    return {r.cell: (nr.region_text(r), round(r.conf(), 4)) for r in regions}


def test_value_cell_of_a_name_label_is_read_again_and_the_surer_reading_kept() -> None:
    rec = FakeRecognizer("阎艳环", [0.998, 1.0, 1.0])
    out = nr.reread_label_values(_form(), _page([LABEL, VALUE, OTHER]), rec)
    texts = _texts(out)
    assert texts[VALUE] == ("阎艳环", 0.998)
    assert texts[LABEL] == ("姓名", 0.95) and texts[OTHER] == ("包头市", 0.6)  # not a name: untouched
    assert len(rec.crops) == 1 and rec.crops[0].shape == (50 - 6, 300 - 6)  # the cell, inset from its lines
    seg = {s.cell: s for s in segments_of(out, _page([LABEL, VALUE, OTHER]))}[(0, 0, 1)]
    assert seg.text == "阎艳环" and seg.conf == pytest.approx(0.998)


def test_a_less_sure_second_reading_changes_nothing() -> None:
    rec = FakeRecognizer("阁艳环", [0.55, 1.0, 1.0])
    regions = _form(value_conf=0.85)
    out = nr.reread_label_values(regions, _page([LABEL, VALUE, OTHER]), rec)
    assert _texts(out)[VALUE] == ("间艳环", 0.85)


def test_two_engines_agreeing_raise_the_confidence_not_the_text() -> None:
    rec = FakeRecognizer("熊平", [0.97, 0.99])
    out = nr.reread_label_values(_form("熊 平", 0.6), _page([LABEL, VALUE, OTHER]), rec)
    # Each character as sure as either engine being right: 熊 1 - 0.03 × 0.4.
    assert _texts(out)[VALUE] == ("熊 平", 0.988)


def test_an_unsure_second_reading_never_replaces_even_a_weak_first() -> None:
    rec = FakeRecognizer("程鑫利", [0.99, 0.3, 0.99])  # its weakest character decides
    out = nr.reread_label_values(_form("程念利", 0.2), _page([LABEL, VALUE, OTHER]), rec)
    assert _texts(out)[VALUE] == ("程念利", 0.2)


def test_an_empty_value_cell_gets_the_name_the_second_engine_reads() -> None:
    rec = FakeRecognizer("常鑫", [0.99, 0.98])
    regions = [r for r in _form() if r.cell is not VALUE]
    out = nr.reread_label_values(regions, _page([LABEL, VALUE, OTHER]), rec)
    assert _texts(out)[VALUE] == ("常鑫", 0.98)


def test_label_and_value_in_one_run_must_read_back_with_the_label() -> None:
    run = Region(None, [_word("姓名", (20, 120, 70, 150), 0.9), _word(":能平", (75, 120, 160, 150), 0.7)])
    page = _page([])
    right = nr.reread_label_values([run], page, FakeRecognizer("姓名：熊平", [0.99] * 5))
    assert nr.region_text(right[0]) == "姓名：熊平"
    # A crop that does not read back as the label is not the name's line: keep Tesseract's reading.
    wrong = nr.reread_label_values([run], page, FakeRecognizer("能平", [0.99] * 2))
    assert nr.region_text(wrong[0]) == "姓名 :能平"


def test_label_alone_on_a_line_points_at_the_run_to_its_right() -> None:
    label = Region(None, [_word("承诺人（签名）：", (20, 200, 180, 230), 0.9)])
    value = Region(None, [_word("丁立锋", (260, 200, 340, 230), 0.6)])
    far_below = Region(None, [_word("2020年6月", (260, 300, 380, 330), 0.6)])
    out = nr.reread_label_values([label, value, far_below], _page([]), FakeRecognizer("丁立锋", [0.99] * 3))
    assert [nr.region_text(r) for r in out] == ["承诺人（签名）：", "丁立锋", "2020年6月"]
    # 0.99 and Tesseract's 0.6 read alike: 1 - 0.01 × 0.4.
    assert out[1].conf() == pytest.approx(0.996) and out[2].conf() == pytest.approx(0.6)


def test_without_a_second_engine_regions_pass_through() -> None:
    class Missing(FakeRecognizer):
        def available(self) -> bool:
            return False

    regions = _form()
    assert nr.reread_label_values(regions, _page([LABEL, VALUE, OTHER]), Missing("x", [1.0])) is regions


def test_labels_come_from_the_label_table() -> None:
    assert nr.label_prefix("姓　名：") == "姓名" and nr.is_name_label("姓名")
    assert nr.label_prefix("申报人姓名") == "申报人姓名" and nr.is_name_label("承诺人")
    assert nr.label_prefix("工作单位：包头") == "工作单位" and not nr.is_name_label("工作单位")
    assert nr.label_prefix("包头市鑫达建筑安装有限公司") is None


UNIT_LABEL = CellBox(0, 1, 0, (10, 60, 200, 110))


@pytest.mark.parametrize("conf, reread", [(0.79, True), (0.95, False)])
def test_other_values_are_read_again_only_when_tesseract_was_unsure(conf: float, reread: bool) -> None:
    regions = [
        Region(UNIT_LABEL, [_word("工作单位", (20, 70, 120, 100), 0.95)]),
        Region(OTHER, [_word("包头市意达建筑安装有限公司", (210, 70, 490, 100), conf)]),
    ]
    rec = FakeRecognizer("包头市鑫达建筑安装有限公司", [0.99] * 13)
    out = nr.reread_label_values(regions, _page([UNIT_LABEL, OTHER]), rec)
    assert nr.region_text(out[1]) == ("包头市鑫达建筑安装有限公司" if reread else "包头市意达建筑安装有限公司")
    assert len(rec.crops) == (1 if reread else 0)


def test_a_value_is_read_again_when_one_of_its_words_was_unsure() -> None:
    # 2010年9月 read as 2010 年 5 月, the 5 at 0.86 among sure words (mean 0.915).
    date_label = CellBox(0, 2, 0, (10, 110, 200, 160))
    date_value = CellBox(0, 2, 1, (200, 110, 500, 160))
    regions = [
        Region(date_label, [_word("批准时间", (20, 120, 120, 150), 0.95)]),
        Region(date_value, [_word("2010", (210, 120, 260, 150), 0.93), _word("年", (262, 120, 290, 150), 0.92),
                            _word("5", (292, 120, 305, 150), 0.86), _word("月", (307, 120, 335, 150), 0.95)]),
    ]
    rec = FakeRecognizer("2010年9月", [0.9999] * 7)
    out = nr.reread_label_values(regions, _page([date_label, date_value]), rec)
    assert nr.region_text(out[1]) == "2010年9月" and len(rec.crops) == 1


def _date_regions(*words: Word) -> tuple[list[Region], Prepared]:
    label = CellBox(0, 2, 0, (10, 110, 200, 160))
    value = CellBox(0, 2, 1, (200, 110, 500, 160))
    return [Region(label, [_word("毕业时间", (20, 120, 120, 150), 0.95)]), Region(value, list(words))], _page([label, value])


def test_a_date_with_an_unreadable_month_or_a_slash_read_as_7_is_read_again() -> None:
    regions, page = _date_regions(_word("2010", (210, 120, 260, 150), 0.93), _word("年", (262, 120, 290, 150), 0.92),
                                  _word("?月", (292, 120, 335, 150), 0.81))
    out = nr.reread_label_values(regions, page, FakeRecognizer("2010年7月", [0.9995] * 7))
    assert nr.region_text(out[1]) == "2010年7月"
    # The 7 Tesseract made of a slash is no Chinese character the second engine dropped.
    regions, page = _date_regions(_word(":2020/57/7", (210, 120, 330, 150), 0.27))
    out = nr.reread_label_values(regions, page, FakeRecognizer("2020/5/7", [0.999] * 8))
    assert nr.region_text(out[1]) == "2020/5/7"


def test_a_date_is_read_again_below_the_date_threshold_only() -> None:
    def read(conf: float) -> tuple[str, int]:
        regions, page = _date_regions(_word("2007", (210, 120, 260, 150), 0.95), _word("年", (262, 120, 290, 150), 0.95),
                                      _word("5", (292, 120, 305, 150), conf), _word("月", (307, 120, 335, 150), 0.95))
        rec = FakeRecognizer("2007年9月", [0.9999] * 6)
        return nr.region_text(nr.reread_label_values(regions, page, rec)[1]), len(rec.crops)

    assert read(nr.WEAK_DATE - 0.01) == ("2007年9月", 1)
    # Above it Tesseract's digit stands (a 9 read 5 at 0.927 is missed: re-reading every date up
    # to 0.95 tripled the second readings).
    assert read(nr.WEAK_DATE + 0.03) == ("2007 年 5 月", 0)


def test_an_issn_whose_check_digit_fails_is_read_again_and_taken_when_it_holds() -> None:
    cell = CellBox(0, 1, 3, (350, 90, 410, 115))
    regions = [Region(cell, [_word("1004-3937", (352, 92, 405, 112), 0.95)])]
    page = _page([cell])
    out = nr.reread_label_values(regions, page, FakeRecognizer("1004-5937", [0.99] * 9))
    assert nr.region_text(out[0]) == "1004-5937"
    # A second reading whose check digit fails too changes nothing: the lead stands.
    out = nr.reread_label_values(regions, page, FakeRecognizer("1004-3931", [0.99] * 9))
    assert out[0] is regions[0]
    # A right ISSN is not read again.
    rec = FakeRecognizer("1004-3937", [0.99] * 9)
    ok = [Region(cell, [_word("1004-5937", (352, 92, 405, 112), 0.7)])]
    assert nr.reread_label_values(ok, page, rec)[0] is ok[0] and rec.crops == []


def test_a_masthead_issn_is_put_right_from_the_second_readings_digits() -> None:
    # The journal's numbers at the top of a paper: Tesseract read 5 as 3 (a false ISSN_INVALID
    # lead); the second engine read the digits surely and the letters around them badly.
    line = [_word("ISSN", (40, 30, 90, 50), 0.7), _word("1000-7039", (95, 30, 200, 50), 0.62),
            _word("CN", (210, 30, 240, 50), 0.7), _word("11-2067/TE", (245, 30, 350, 50), 0.66)]
    regions = [Region(None, line)]
    second = "ISSV 1000-7059 CV 11-2067/TF"
    probs = [0.2 if ch in "VF" else 0.99 for ch in second]
    out = nr.reread_label_values(regions, _page([]), FakeRecognizer(second, probs))
    assert nr.region_text(out[0]) == "ISSN 1000-7059 CN 11-2067/TE" and out[0].words[0].conf >= rr.MIN_ACCEPT
    # Another number altogether (two digits apart) is not a misread digit: the lead stands.
    other = "ISSV 1000-7067 CV 11-2067/TF"  # a valid ISSN too
    out = nr.reread_label_values(regions, _page([]), FakeRecognizer(other, probs))
    assert nr.region_text(out[0]) == "ISSN 1000-7039 CN 11-2067/TE"


def test_a_flat_glyph_boxed_low_stays_on_its_line() -> None:
    # 二〇一八年一月 with 二 read 一 in a flat box below the line's middle and 〇 read 了.
    words = [_word("一", (1944, 1053, 1983, 1058), 0.83), _word("了", (1998, 1027, 2022, 1056), 0.8),
             _word("一", (2039, 1035, 2077, 1062), 0.88), _word("八", (2091, 1022, 2140, 1062), 0.89),
             _word("年", (2139, 1018, 2178, 1073), 0.97), _word("一", (2177, 1038, 2202, 1043), 0.97),
             _word("月", (2215, 1023, 2239, 1063), 0.97)]
    assert nr.region_text(Region(None, words)) == "一 了 一 八 年 一 月"
    assert nr.date_like("一了一八年一月")  # two numerals of the year left at least


def test_a_date_that_is_no_date_takes_a_reading_that_is_one_the_check_making_it_surer() -> None:
    # The second engine: 二 at 0.44 with 一 at 0.33 — but 一〇一八 is no year.
    regions = [Region(None, [_word("一了一八年一月", (100, 120, 400, 160), 0.85)])]
    probs = [0.44, 0.61, 0.92, 0.99, 0.99, 0.99, 0.99]
    reading = LineReading("二〇一八年一月", tuple(
        Symbol(c, p, (("一", 0.33), ("－", 0.06)) if i == 0 else ()) for i, (c, p) in enumerate(zip("二〇一八年一月", probs))))

    class Rec(FakeRecognizer):
        def read(self, grey: np.ndarray) -> Optional[LineReading]:
            self.crops.append(grey)
            return reading

    out = nr.reread_label_values(regions, _page([]), Rec("", []))
    assert nr.region_text(out[0]) == "二〇一八年一月" and out[0].conf() >= 0.6
    # An unsure 八 whose runner-up 九 makes a date too (2019): the check rules nothing out.
    rival = LineReading("二〇一八年一月", tuple(
        Symbol(c, 0.44 if i == 3 else 0.99, (("九", 0.33),) if i == 3 else ()) for i, c in enumerate("二〇一八年一月")))
    assert rival.conf_given(nr.possible_date) == 0.44


def test_a_second_reading_with_fewer_dates_does_not_replace_a_date() -> None:
    # Tesseract 2020-05-18至2020-05-24 with one word at 0.85; the second engine, surer overall,
    # lost both months' 5.
    words = [_word("于", (10, 120, 30, 150), 0.96), _word("2020-05-18", (32, 120, 130, 150), 0.913),
             _word("至", (132, 120, 150, 150), 0.93), _word("2020-05-24，", (152, 120, 260, 150), 0.854)]
    regions = [Region(None, words)]
    rec = FakeRecognizer("于2020-0-18至2020-0-24，", [0.95] * 21)
    assert nr.reread_label_values(regions, _page([]), rec)[0] is regions[0]


def test_a_date_that_cannot_be_is_read_again_however_sure_tesseract_was() -> None:
    # An honour certificate's 2018年11月 read 2918年11月 at 0.91: above the date threshold, but
    # no year; the certificate would go undated.
    regions = [Region(None, [_word("2918年11月", (492, 239, 546, 256), 0.9126)])]
    page = _page([])
    out = nr.reread_label_values(regions, page, FakeRecognizer("2018年11月", [0.97] * 8))
    assert nr.region_text(out[0]) == "2018年11月"
    # A second reading no more possible changes nothing.
    assert nr.reread_label_values(regions, page, FakeRecognizer("2918年11月", [0.99] * 8))[0] is regions[0]
    # Written as a date but no date (2018 with its 0 and 8 read as letters), however sure.
    garbled = [Region(None, [_word("2o1e 年11月", (470, 263, 529, 281), 0.95)])]
    out = nr.reread_label_values(garbled, page, FakeRecognizer("2018年11月", [0.97] * 8))
    assert nr.region_text(out[0]) == "2018年11月"
    # Its first digit misread (3018年5月 at the rim of a seal), however sure.
    first = [Region(None, [_word("3018年5月", (492, 239, 546, 256), 0.95)])]
    out = nr.reread_label_values(first, page, FakeRecognizer("2018年5月", [0.97] * 7))
    assert nr.region_text(out[0]) == "2018年5月"
    # A possible date is not read again for being a date.
    rec = FakeRecognizer("2019年11月", [0.99] * 8)
    ok = [Region(None, [_word("2018年11月", (492, 239, 546, 256), 0.95)])]
    assert nr.reread_label_values(ok, page, rec)[0] is ok[0] and rec.crops == []


def test_a_zero_read_as_c_o_or_a_ring_is_one_reading_in_a_date() -> None:
    reading = LineReading("二C一〇年", (Symbol("二", 0.999), Symbol("C", 0.83, (("○", 0.07), ("〇", 0.04))),
                                      Symbol("一", 0.78, (("→", 0.2),)), Symbol("〇", 0.38, (("C", 0.25), ("O", 0.13))),
                                      Symbol("年", 1.0)))
    merged = reading.lookalikes_as_one(lookalikes_of("〇", "date"))
    assert [s.prob for s in merged.symbols] == [0.999, 0.94, 0.78, 0.76, 1.0] and merged.conf == 0.76
    assert merged.symbols[2].alternatives == (("→", 0.2),)  # not a zero: unchanged


def test_a_date_two_engines_read_differently_is_in_doubt() -> None:
    # Tesseract 二C〇一年七月 (2001-07) at 0.78 at worst; the second engine 二C一〇年七月 (2010-07)
    # about as unsure: neither is taken, and the region says so.
    words = [_word(t, (210 + 20 * i, 120, 228 + 20 * i, 150), c)
             for i, (t, c) in enumerate([("二", 0.92), ("C", 0.78), ("〇", 0.87), ("一", 0.93), ("年", 0.92), ("七月", 0.96)])]
    regions, page = _date_regions(*words)
    rec = FakeRecognizer("二C一〇年七月", [0.999, 0.83, 0.6, 0.38, 1.0, 0.999, 0.999])
    (seg,) = segments_of([nr.reread_label_values(regions, page, rec)[1]], page)
    assert seg.conf <= nr.DISPUTED and seg.alternatives == ["二C一〇年七月"]
    # A date the second engine could not make out (二C〇一 read 二C〇) disputes nothing.
    rec = FakeRecognizer("二C〇年七月", [0.999, 0.83, 0.38, 1.0, 0.999, 0.999])
    assert nr.reread_label_values(regions, page, rec)[1] is regions[1]
    # The same date read alike by both: no doubt, Tesseract's text kept, as sure as either
    # engine being right (its 一 at 0.93 and the second engine's at 0.38: 0.957).
    rec = FakeRecognizer("二C〇一年七月", [0.999, 0.83, 0.6, 0.38, 1.0, 0.999, 0.999])
    (seg,) = segments_of([nr.reread_label_values(regions, page, rec)[1]], page)
    assert seg.text.replace(" ", "") == "二C〇一年七月" and seg.conf == pytest.approx(0.948, abs=1e-3)


def test_a_cell_unreadable_whole_is_read_again_along_its_words() -> None:
    # 本科 in a cell a seal's ring crosses: the whole cell reads as 本科，杯铁、 at 0.11, the
    # words' own line as 本科.
    class Wide(FakeRecognizer):
        def read(self, grey: np.ndarray) -> Optional[LineReading]:
            self.crops.append(grey)
            if grey.shape[1] > 200:
                return LineReading("本科，杯铁、", tuple(Symbol(c, 0.11) for c in "本科，杯铁、"))
            return self.reading

    label = CellBox(0, 3, 0, (10, 160, 200, 260))
    cell = CellBox(0, 3, 1, (200, 160, 700, 260))
    region = Region(cell, [_word("本", (220, 180, 250, 210), 0.92), _word("科", (252, 175, 280, 230), 0.2)])
    rec = Wide("本科", [0.9996, 0.9996])
    out = nr.reread_label_values([Region(label, [_word("学历", (20, 180, 80, 210), 0.95)]), region], _page([label, cell]), rec)
    assert nr.region_text(out[1]).replace(" ", "") == "本科" and out[1].conf() > 0.99
    assert [c.shape[1] for c in rec.crops] == [494, 119]  # the words, a line height (38) either side


def test_a_signature_line_is_read_over_all_its_ink_and_its_leftovers_go() -> None:
    page = _page([])
    page.image[300:340, 100:330] = 0  # 承诺人签名：常东 as Tesseract saw it
    page.image[300:340, 350:390] = 0  # 建, in a script face Tesseract left out
    line = Region(None, [_word("承诺人签名：常东", (100, 300, 330, 340), 0.9)])
    rec = FakeRecognizer("承诺人签名：常东建", [0.999] * 9)
    out = nr.reread_label_values([line], page, rec)
    assert rec.crops[0].shape[1] >= 390 - 100  # the crop reaches 建
    assert [nr.region_text(r) for r in out] == ["承诺人签名：常东建"]
    # Characters Tesseract read twice, left beside the line the second engine read: gone.
    twice = Region(None, [_word("东建", (300, 302, 390, 330), 0.89)])
    out = nr.reread_label_values([line, twice], page, rec)
    assert [nr.region_text(r) for r in out] == ["承诺人签名：常东建"]


def test_a_signature_tesseract_boxed_a_sliver_of_is_read_at_least_the_labels_line_high() -> None:
    # 赵春洁 in a script face; Tesseract read 志 in a box over its middle rows only.
    page = _page([])
    page.image[300:344, 400:560] = 0
    label = Region(None, [_word("承诺人（签名）", (100, 302, 330, 342), 0.86)])
    sliver = Region(None, [_word("志", (480, 314, 505, 330), 0.5)])
    rec = FakeRecognizer("赵春洁", [0.99] * 3)
    out = nr.reread_label_values([label, sliver], page, rec)
    assert rec.crops[0].shape[0] >= 342 - 302 and nr.region_text(out[1]) == "赵春洁"


def test_a_few_sure_characters_of_a_long_line_of_ink_are_read_with_the_line() -> None:
    # Tesseract saw 诺人 (0.88) of 承诺人（签名）：邹慧云, the rest in a face it dropped.
    page = _page([])
    page.image[300:340, 100:600] = 0
    fragment = Region(None, [_word("诺人", (130, 300, 180, 340), 0.88)])
    rec = FakeRecognizer("承诺人（签名）：邹慧云", [0.99] * 8 + [0.56, 0.99, 0.99])
    out = nr.reread_label_values([fragment], page, rec)
    assert nr.region_text(out[0]) == "承诺人（签名）：邹慧云" and rec.crops[0].shape[1] >= 500
    # A fragment that is all the ink there is, is not read again.
    alone = _page([])
    alone.image[300:340, 130:180] = 0
    rec = FakeRecognizer("承诺人", [0.99] * 3)
    assert nr.reread_label_values([fragment], alone, rec)[0] is fragment and rec.crops == []


def test_a_signature_label_with_nothing_read_after_it_is_read_over_its_ink() -> None:
    # Tesseract read 诺人签名 : (承 lost) and nothing of the brush-face 史荣眞 two glyphs on.
    assert nr.label_at_start("诺人签名 :") == ("承诺人签名", 4)
    page = _page([])
    page.image[300:340, 100:330] = 0
    page.image[300:340, 420:560] = 0
    label = Region(None, [_word("诺人签名", (130, 300, 310, 340), 0.7), _word(":", (315, 310, 325, 335), 0.7)])
    rec = FakeRecognizer("承诺人签名：史宋兴", [0.99] * 6 + [0.99, 0.4, 0.9])
    out = nr.reread_label_values([label], page, rec)
    # Unsure, but something is written: kept at its own confidence, so the pledge is signed.
    assert nr.region_text(out[0]) == "承诺人签名：史宋兴" and out[0].conf() == pytest.approx(0.4)
    assert rec.crops[0].shape[1] >= 560 - 130
    # No ink after the label: nothing to read, the line stays as Tesseract read it.
    blank = _page([])
    blank.image[300:340, 100:330] = 0
    rec = FakeRecognizer("承诺人签名：", [0.99] * 6)
    assert nr.reread_label_values([label], blank, rec)[0] is label and rec.crops == []


def test_ink_rows_counts_lines_not_dust() -> None:
    img = np.full((100, 200), 255, np.uint8)
    img[10:40, 10:190] = 0
    assert ink_rows(img) == 1
    img[45:47, 50:52] = 0  # a speck
    assert ink_rows(img) == 1
    img[60:90, 10:190] = 0
    assert ink_rows(img) == 2
    # One row of paper across a line (under 吕's upper 口 and 素's upper half) is no line gap.
    one = np.full((100, 200), 255, np.uint8)
    one[10:34, 10:190] = 0
    one[35:69, 10:190] = 0
    assert ink_rows(one) == 1


# ---------------------------------------------------------------------------------------------
# The real recogniser on the characters Tesseract cannot read
# ---------------------------------------------------------------------------------------------

REC = LineRecognizer()
needs_model = pytest.mark.skipif(not REC.available(), reason="rapidocr_onnxruntime model not installed")


def _line(text: str, dpi: int, pt: float = 11.0) -> np.ndarray:
    font = ImageFont.truetype(FONT, int(pt * dpi / 72))
    w = int(font.getlength(text)) + 40
    img = Image.new("L", (w, int(pt * dpi / 72 * 2)), 255)
    ImageDraw.Draw(img).text((20, int(pt * dpi / 72 * 0.4)), text, font=font, fill=0)
    return np.array(img)


@needs_model
@pytest.mark.parametrize("name", ["阎艳环", "常鑫", "程鑫利", "熊平", "丁立锋"])
@pytest.mark.parametrize("dpi", [200, 300])
def test_recogniser_reads_rare_name_characters(name: str, dpi: int) -> None:
    reading = REC.read(_line(name, dpi))
    assert reading is not None and reading.text == name
    assert reading.conf > 0.8


def _crossed_by_seal_lettering(line: np.ndarray) -> np.ndarray:
    """`line` with a seal's lettering crossing it: thin dashed strokes running a line's height
    above and below, over one glyph (as a ring's characters cross a date)."""
    h, w = line.shape
    img = np.vstack([np.full((h, w), 255, np.uint8), line, np.full((h, w), 255, np.uint8)])
    x = w // 2
    for y in range(0, 3 * h, 9):
        img[y : y + 5, x + (y // 9) % 7 : x + (y // 9) % 7 + 3] = 0
    return img


def test_a_lines_band_leaves_out_long_narrow_strokes_but_keeps_dots_and_hooks() -> None:
    from extractors.readers.linerec import line_band

    line = _line("二〇一九年四月", 300)
    crossed = _crossed_by_seal_lettering(line)
    band = line_band(crossed)
    assert band.shape[0] < 0.6 * crossed.shape[0]
    assert (band < 160).sum() >= (line < 160).sum()  # every glyph's ink kept
    # The dot of 主 above the line and a hook below are the line's own.
    own = _line("主任记者", 300)
    assert (line_band(own) < 160).sum() == (own < 160).sum()


@needs_model
def test_a_date_crossed_by_seal_lettering_is_read_on_its_band() -> None:
    from extractors.readers.linerec import line_band

    crossed = _crossed_by_seal_lettering(_line("二〇一九年四月", 300))
    reading = REC.read(line_band(crossed))
    assert reading is not None and reading.text == "二〇一九年四月"


@needs_model
def test_recogniser_refuses_two_lines_and_blank_crops() -> None:
    a, b = _line("阎艳环", 300), _line("常鑫利", 300)
    width = max(a.shape[1], b.shape[1])
    pad = lambda im: np.pad(im, ((0, 0), (0, width - im.shape[1])), constant_values=255)  # noqa: E731
    two = np.vstack([pad(a), pad(b)])
    assert REC.read(two) is None
    assert REC.read(np.full((60, 200), 255, np.uint8)) is None


@needs_model
def test_symbols_carry_alternatives_in_probability_order() -> None:
    reading = REC.read(_line("阎艳环", 300))
    assert reading is not None
    first = reading.symbols[0]
    assert first.text == "阎" and all(p <= first.prob for _, p in first.alternatives)


# ---------------------------------------------------------------------------------------------
# What a misread name or title must not turn into downstream
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, title, unsure",
    [
        ("理工程师", "工程师", True),  # 助 of 助理工程师 lost: 工程师 would fail SENIORITY
        ("级工程师", "工程师", True),
        ("理农艺师", "农艺师", True),
        ("助理工程师", "助理工程师", False),
        ("工程师", "工程师", False),
        ("现任工程师", "工程师", False),  # 任 ends no longer title: an ordinary prefix
        # One glyph where a longer title has one (副 of 副主任医师 read 付, 正 of 正高级教师 read
        # 止): 主任医师 or 高级教师 taken for sure would be a level too high.
        ("付主任医师", "主任医师", True),
        ("止高级教师", "高级教师", True),
        ("剧研究员", "研究员", True),
        ("内科主治医师", "主治医师", False),  # a department's name before the title
        ("印一级教师", "一级教师", False),  # no longer title ends with 一级教师
    ],
)
def test_a_title_that_may_be_a_longer_one_cut_short_is_not_trusted(raw: str, title: str, unsure: bool) -> None:
    from extractors.calibration import check_weight
    from extractors.fields import PARSERS

    parsed = PARSERS["current_title"](raw)
    assert parsed is not None and parsed[0] == title
    assert (parsed[1] <= check_weight("title_truncated")) == unsure
    assert ("title_truncated" in (parsed[2] if len(parsed) > 2 else ())) == unsure


def _one_glyph_apart_readings() -> list[tuple[str, str, str]]:
    """Every pair of listed titles one character apart (一级教师, 二级教师), read with both
    characters (二一级教师, 一二级教师): OCR added one of them, nothing says which."""
    from extractors import titles as tt

    names = sorted({e.name for e in tt.title_entries()})
    out = []
    for a in names:
        for b in names:
            apart = [i for i, (x, y) in enumerate(zip(a, b)) if x != y] if a < b and len(a) == len(b) else []
            if len(apart) == 1:
                i = apart[0]
                out += [(a[:i] + a[i] + b[i] + a[i + 1 :], a, b), (a[:i] + b[i] + a[i] + a[i + 1 :], a, b)]
    return out


def test_a_title_read_with_a_stray_character_another_title_fits_is_not_trusted() -> None:
    from extractors.calibration import check_weight
    from extractors.fields import PARSERS

    readings = _one_glyph_apart_readings()
    assert len(readings) > 50
    sure = [(raw, parsed) for raw, a, b in readings
            for parsed in [PARSERS["current_title"](raw)]
            if parsed is not None and parsed[0] in (a, b) and parsed[1] > check_weight("title_ambiguous")]
    assert sure == []
    # A stray character no other title fits leaves the title sure.
    parsed = PARSERS["current_title"]("现任一级教师")
    assert parsed is not None and parsed[0] == "一级教师" and parsed[1] > check_weight("title_ambiguous")


def _view(text: str):
    from dossierflow.models import PageContent, Segment
    from extractors.layout import DocView

    seg = Segment(text=text, box=(0.0, 0.0, 500.0, 800.0), conf=0.83, cell=(0, 0, 0))
    return DocView([PageContent(file="A1/材料6.pdf", page=8, method="ocr", segments=[seg])])


@pytest.mark.parametrize(
    "text, applicant, holder",
    [
        ("荣誉证能平同志 : 被授予 \"包头市优秀科技工作者 \"荣誉称号。", "熊平", "能平"),  # 书 lost, 熊 misread
        ("荣誉证书宋常态同志：被授予“包头市鹿城英才”荣誉称号。", "常鑫", "常态"),  # 书 → 宋, 鑫 → 态
        ("荣誉证书熊平同志：被授予“包头市优秀教师”荣誉称号。", "熊平", "熊平"),
        ("荣誉证书张伟同志：被授予“包头市优秀教师”荣誉称号。", "王芳", "张伟"),  # another person stays
    ],
)
def test_certificate_holder_misread_is_told_from_another_person(text: str, applicant: str, holder: str) -> None:
    from extractors.evidence.common import holder_of, looks_like_misread

    got = holder_of(_view(text), applicant)
    assert got == holder
    # What the evidence stage then does with it: a misread of the applicant is an unread holder
    # (no HOLDER_MISMATCH lead), another person's name is kept and flagged.
    assert looks_like_misread(got, applicant) == (holder not in (applicant, "张伟"))


# ---------------------------------------------------------------------------------------------
# Real Tesseract, then the second reading, on a rendered scan of a ruled form
# ---------------------------------------------------------------------------------------------

RARE_ROWS = [
    ("姓名", "阎艳环", "性别", "女"),
    ("出生年月", "1982年5月", "最高学历", "本科"),
    ("工作单位", "包头市鑫达建筑安装有限公司", None, None),
    ("申报系列", "工程", "申报专业", "建筑工程"),
]


def _tesseract():
    try:
        from extractors.readers.engines import default_engine
    except ImportError:  # before the engines module: the CLI engine lived in ocr.py
        from extractors.readers.ocr import TesseractEngine

        return TesseractEngine()
    return default_engine()


def _scan(dpi: int) -> np.ndarray:
    from extractors.readers.samples import degrade, render_form

    page = degrade(render_form(dpi, rows=RARE_ROWS).image, skew=0.6, noise=0.05, jpeg_quality=90)
    return np.array(page)


@pytest.mark.e2e
@needs_model
@pytest.mark.parametrize("dpi", [200, 300])
def test_rare_name_and_unit_read_right_after_the_second_reading(dpi: int) -> None:
    from extractors.readers.ocr_layout import regions_of
    from extractors.readers.preprocess import prepare

    prep = prepare(_scan(dpi), dpi)
    regions = regions_of(_tesseract().words(prep.image), prep)
    segments = segments_of(nr.reread_label_values(regions, prep), prep)
    by_text = {s.text: s for s in segments}
    assert "阎艳环" in by_text and by_text["阎艳环"].cell == (0, 0, 1)
    assert by_text["阎艳环"].conf > 0.8
    # A unit name Tesseract reads confidently is left to it; when it was unsure the second
    # reading has the right one. Either way no other text for that cell survives.
    unit = [s for s in segments if s.cell == (0, 2, 1)]
    assert len(unit) == 1 and (unit[0].text == "包头市鑫达建筑安装有限公司" or unit[0].conf >= nr.WEAK_VALUE)


def test_readings_are_judged_by_their_weakest_part() -> None:
    # Tesseract's mean (0.78) is above the second engine's weakest character (0.71), but its
    # weakest word (僵, 0.3) is below it: the second reading wins.
    words = [_word("承诺人（签名）：", (20, 200, 180, 230), 0.93), _word("常", (190, 200, 220, 230), 0.9), _word("僵", (225, 200, 255, 230), 0.3)]
    region = Region(None, words)
    kept = rr.decide(region, LineReading("承诺人（签名）：常鑫", tuple(Symbol(c, 0.71 if c == "鑫" else 0.99) for c in "承诺人（签名）：常鑫")), "承诺人签名")
    assert kept == ("承诺人（签名）：常鑫", 0.71)


def test_a_weak_title_line_at_the_top_is_read_again_a_sure_one_or_a_lower_line_is_not() -> None:
    title = Region(None, [_word("专业技术资格", (100, 20, 400, 50), 0.96), _word("大审表", (400, 20, 520, 50), 0.0)])
    sure = Region(None, [_word("（2020年度）", (200, 55, 380, 80), 0.95)])
    # Below the title zone, and no word so weak that any line would be read again.
    low = Region(None, [_word("推荐单位意见", (100, 350, 300, 380), 0.7)])
    rec = FakeRecognizer("专业技术资格送审表", [0.99] * 9)
    out = nr.reread_label_values([title, sure, low], _page([]), rec)
    assert [nr.region_text(r) for r in out] == ["专业技术资格送审表", "（2020年度）", "推荐单位意见"]
    assert len(rec.crops) == 1


def test_a_free_line_with_a_very_weak_word_is_read_again_over_all_the_ink_of_its_band() -> None:
    page = _page([])
    page.image[300:340, 100:180] = 0  # 承诺 that Tesseract dropped whole, left of what it read
    page.image[300:340, 210:500] = 0
    signature = Region(None, [_word("若人名）许凤", (210, 300, 440, 340), 0.74), _word("一", (460, 312, 480, 326), 0.31)])
    sure = Region(None, [_word("日期：2020-05-14", (210, 360, 420, 390), 0.97)])
    two_lines = Region(None, [_word("本人所提交的", (100, 200, 300, 230), 0.3), _word("材料", (100, 240, 160, 270), 0.9)])
    rec = FakeRecognizer("承诺人（签名）：许凤慧", [0.99] * 11)
    out = nr.reread_label_values([signature, sure, two_lines], page, rec)
    assert [nr.region_text(r) for r in out] == ["承诺人（签名）：许凤慧", "日期：2020-05-14", nr.region_text(two_lines)]
    assert len(rec.crops) == 1 and rec.crops[0].shape[1] >= 500 - 100  # widened left over the dropped 承诺
    # A second reading less sure than Tesseract's weakest word changes nothing.
    unsure = FakeRecognizer("承诺人（签名）：许凤慧", [0.99] * 10 + [0.2])
    assert nr.region_text(nr.reread_label_values([signature], page, unsure)[0]) == nr.region_text(signature)


def test_signature_strokes_read_as_a_line_of_their_own_do_not_double_the_signature_line() -> None:
    # Tesseract's line 承诺人(签名):圩央 and, above its right end, the signature's upper strokes
    # as a weak line of their own (三 雪), as on a generated pledge scanned at 200 DPI.
    page = _page([])
    page.image[300:350, 100:460] = 0
    line = Region(None, [_word("承诺人(签名):", (100, 305, 380, 345), 0.92), _word("圩", (380, 305, 420, 345), 0.0),
                         _word("央", (420, 300, 460, 350), 0.69)])
    strokes = Region(None, [_word("三", (400, 290, 440, 310), 0.21), _word("雪", (440, 285, 458, 325), 0.67)])
    rec = FakeRecognizer("承诺人（签名）：谭英", [0.99] * 10)
    out = nr.reread_label_values([line, strokes], page, rec)
    # The strokes are not widened into a second reading of the whole line, and once the line is
    # read again over their ink they are gone.
    assert [nr.region_text(r) for r in out] == ["承诺人（签名）：谭英"]
    assert len(rec.crops) == 1
    # A sure region in the same place is kept: only very weak fragments are taken as covered.
    sure = Region(None, [_word("三", (400, 290, 440, 310), 0.9)])
    assert len(nr.reread_label_values([line, sure], page, rec)) == 2


def test_punctuation_does_not_decide_how_sure_a_reading_is() -> None:
    reading = LineReading("姓名：侯爱月", tuple(Symbol(c, p) for c, p in zip("姓名：侯爱月", [0.99, 0.99, 0.6, 0.76, 0.99, 0.99])))
    assert reading.conf == pytest.approx(0.76)
    words = [_word("姓名", (0, 0, 40, 20), 0.93), _word(":", (40, 0, 45, 20), 0.2), _word("修", (50, 0, 70, 20), 0.63),
             _word("爱月", (70, 0, 110, 20), 0.93)]
    assert rr.decide(Region(None, words), reading, "姓名") == ("姓名：侯爱月", 0.76)


def test_pledge_signature_with_a_stray_stroke_glyph_is_the_applicants() -> None:
    from dossierflow.models import Document, FieldValue, PageContent, Segment, Source
    from extractors.evidence.letters import read_pledge
    from extractors.layout import DocView

    segs = [
        Segment(text="特此承诺。", box=(74.0, 157.0, 118.0, 168.0), conf=0.93),
        Segment(text="承诺人（签名）：阎云梅", box=(295.0, 181.0, 425.0, 203.0), conf=0.84),
        Segment(text="一", box=(405.0, 185.0, 412.0, 187.0), conf=0.95),
        Segment(text="妈", box=(425.0, 182.0, 432.0, 189.0), conf=0.47),
    ]
    page = PageContent(file="A3/IMG_8977.jpg", page=1, method="ocr", segments=segs)
    doc = Document(kind="pledge", file="A3/IMG_8977.jpg", pages=[1], confidence=0.9)
    name = FieldValue(value="阎云梅", confidence=0.99, source=Source(file="A3/1.pdf", page=1))
    (ev,) = read_pledge(DocView([page]), doc, {"name": name})
    assert ev.signed and ev.signer == "阎云梅" and ev.confidence >= 0.9
    other = FieldValue(value="阎云", confidence=0.99, source=Source(file="A3/1.pdf", page=1))
    (ev2,) = read_pledge(DocView([page]), doc, {"name": other})
    assert ev2.signer != "阎云"  # the name read as one unit is longer: not this applicant's for sure
    # Strokes read as a mark and a glyph together (-让) are strokes too.
    marks = [segs[0], segs[1], Segment(text="-让", box=(405.0, 183.0, 417.0, 190.0), conf=0.8),
             Segment(text="、", box=(380.0, 188.0, 383.0, 190.0), conf=0.92)]
    (ev4,) = read_pledge(DocView([PageContent(file="A3/IMG_8977.jpg", page=1, method="ocr", segments=marks)]), doc, {"name": name})
    assert ev4.signer == "阎云梅" and ev4.confidence >= 0.9
    segs[1] = Segment(text="承诺人（签名）：王伟东", box=(295.0, 181.0, 425.0, 203.0), conf=0.84)
    page = PageContent(file="A3/IMG_8977.jpg", page=1, method="ocr", segments=segs)
    wang = FieldValue(value="王伟", confidence=0.99, source=Source(file="A3/1.pdf", page=1))
    (ev3,) = read_pledge(DocView([page]), doc, {"name": wang})
    assert ev3.signer != "王伟"


def test_runner_up_readings_swap_one_unsure_character() -> None:
    reading = LineReading("叶字春", (Symbol("叶", 1.0), Symbol("字", 0.57, (("宇", 0.42), ("宁", 0.001))),
                                    Symbol("春", 0.95, (("椿", 0.04),))))
    assert reading.variants() == ("叶宇春",)  # 宁 and 椿 were given no fair chance
    sure = LineReading("叶宇春", (Symbol("叶", 1.0), Symbol("宇", 0.97, (("字", 0.03),)), Symbol("春", 1.0)))
    assert sure.variants() == ()
    # Should 叶字春 be ruled out, 宇 is as sure as its share of what 字 leaves: 0.42 / 0.43, and
    # the reading no surer than 春.
    assert reading.variants_if_ruled_out() == (("叶宇春", 0.95),)
    title = LineReading("正商级", (Symbol("正", 0.99), Symbol("商", 0.6, (("高", 0.3), ("离", 0.05))), Symbol("级", 0.98)))
    assert title.variants_if_ruled_out() == (("正高级", 0.75),)


def test_a_variant_form_is_read_as_its_simplified_character() -> None:
    from extractors.readers.variants import fold

    assert fold("苏眞 李峯 劉") == "苏真 李峰 刘"
    assert fold("沈於喆") == "沈於喆"  # simplified characters in their own right are left as read
    rec = LineRecognizer()
    rec._chars = ["", "苏", "慎", "眞", "真", "峯", " "]

    def frames(*rows: dict[int, float]) -> np.ndarray:
        probs = np.zeros((len(rows), len(rec._chars)), dtype=np.float32)
        for t, row in enumerate(rows):
            for j, p in row.items():
                probs[t, j] = p
        return probs

    # 苏, then a worn glyph: 慎 0.45 on its own, but 眞 0.30 and 真 0.20 are one reading of 真.
    reading = rec._decode(frames({1: 0.99}, {0: 0.9}, {2: 0.45, 3: 0.30, 4: 0.20, 0: 0.05}))
    assert reading.text == "苏真" and reading.symbols[1].prob == pytest.approx(0.5)
    assert reading.symbols[1].alternatives == (("慎", 0.45),)
    # A variant read alone is given as the simplified character, with its runner-ups folded too.
    reading = rec._decode(frames({5: 0.95, 2: 0.04}, {0: 0.9}, {2: 0.6, 3: 0.35}))
    assert reading.text == "峰慎" and reading.variants() == ("峰真",)


def test_a_character_the_decoding_left_out_is_kept_aside() -> None:
    rec = LineRecognizer()
    rec._chars = ["", "董", "鑫", "峰", "鱻", " "]
    probs = np.zeros((5, len(rec._chars)), dtype=np.float32)
    probs[0, 1] = 0.99
    probs[1, 0], probs[1, 2], probs[1, 4] = 0.90, 0.08, 0.02  # a blank frame with little else
    probs[2, 0], probs[2, 2], probs[2, 4] = 0.70, 0.22, 0.04  # the blank just won over 鑫
    probs[3, 0] = 1.0
    probs[4, 3] = 0.99
    reading = rec._decode(probs)
    assert reading.text == "董峰"
    (d,) = reading.dropped
    assert d.before == 1 and d.symbol.text == "鑫" and d.symbol.prob == pytest.approx(0.22 / 0.30, abs=1e-3)
    assert reading.filled() is not None and reading.filled().text == "董鑫峰"
    # After the last character read, too (黎 and a 鑫 the blank won over).
    tail = np.zeros((3, len(rec._chars)), dtype=np.float32)
    tail[0, 1] = 0.99
    tail[1, 0], tail[1, 2] = 0.64, 0.17
    tail[2, 0] = 1.0
    (d,) = rec._decode(tail).dropped
    assert d.before == 1 and d.symbol.text == "鑫" and rec._decode(tail).filled().text == "董鑫"
    # A blank that won clearly leaves nothing aside.
    probs[2, 0], probs[2, 2], probs[2, 4] = 0.90, 0.08, 0.02
    assert rec._decode(probs).dropped == () and rec._decode(probs).filled() is None


def test_a_second_reading_keeps_its_runner_ups_on_the_segment() -> None:
    page = _page([])
    line = Region(None, [_word("承诺人(签名):叶字春", (100, 300, 400, 340), 0.3)])
    rec = FakeRecognizer("承诺人(签名):叶字春", [0.99] * 9 + [0.7, 0.99])
    rec.reading = LineReading(rec.reading.text, tuple(
        Symbol(s.text, s.prob, (("宇", 0.28),) if s.text == "字" else ()) for s in rec.reading.symbols))
    (seg,) = segments_of(nr.reread_label_values([line], page, rec), page)
    assert seg.text == "承诺人（签名）:叶字春" and seg.alternatives == ["承诺人（签名）:叶宇春"]
    # Tesseract's own words carry none.
    (plain,) = segments_of([Region(None, [_word("叶宇春", (100, 300, 200, 340), 0.95)])], page)
    assert plain.alternatives == []


def test_a_signature_that_reads_as_the_applicant_with_a_runner_up_is_the_applicants() -> None:
    from dossierflow.models import Document, FieldValue, PageContent, Segment, Source
    from extractors.evidence.letters import read_pledge
    from extractors.layout import DocView

    def pledge(alternatives: list[str], applicant: str):
        segs = [Segment(text="特此承诺。", box=(74.0, 157.0, 118.0, 168.0), conf=0.93),
                Segment(text="承诺人（签名）：叶字春", box=(295.0, 181.0, 425.0, 203.0), conf=0.57,
                        alternatives=alternatives)]
        page = PageContent(file="A7/4.pdf", page=1, method="ocr", segments=segs)
        doc = Document(kind="pledge", file="A7/4.pdf", pages=[1], confidence=0.9)
        name = FieldValue(value=applicant, confidence=0.99, source=Source(file="A7/1.pdf", page=1))
        (ev,) = read_pledge(DocView([page]), doc, {"name": name})
        return ev

    ev = pledge(["承诺人（签名）：叶宇春"], "叶宇春")
    assert ev.signer == "叶宇春" and ev.confidence >= 0.9
    # Without the runner-up, the one-character misread is the applicant's name, but unsure.
    ev = pledge([], "叶宇春")
    assert ev.signer == "叶宇春" and ev.confidence < 0.6
    # A runner-up that is not the applicant's name changes nothing.
    ev = pledge(["承诺人（签名）：叶宁春"], "叶秀英")
    assert ev.signer == "叶字春" and ev.confidence < 0.6


def test_a_failing_second_engine_leaves_tesseracts_reading() -> None:
    class Broken(FakeRecognizer):
        def read(self, grey: np.ndarray) -> Optional[LineReading]:
            raise RuntimeError("onnxruntime: bad input")

    out = nr.reread_label_values(_form(), _page([LABEL, VALUE, OTHER]), Broken("x", [1.0]))
    assert _texts(out)[VALUE] == ("间艳环", 0.85)


def test_a_sure_value_with_a_lost_bracket_is_read_again() -> None:
    regions = [
        Region(UNIT_LABEL, [_word("工作单位", (20, 70, 120, 100), 0.95)]),
        Region(OTHER, [_word("包头钢铁（集团有限责任公司", (210, 70, 490, 100), 0.93)]),
    ]
    rec = FakeRecognizer("包头钢铁（集团）有限责任公司", [0.99] * 14)
    out = nr.reread_label_values(regions, _page([UNIT_LABEL, OTHER]), rec)
    assert nr.region_text(out[1]) == "包头钢铁（集团）有限责任公司"
    # Less sure than Tesseract, but agreeing on every character: its closed bracket is kept.
    unsure = FakeRecognizer("包头钢铁（集团）有限责任公司", [0.99] * 8 + [0.68] + [0.99] * 5)
    out = nr.reread_label_values(regions, _page([UNIT_LABEL, OTHER]), unsure)
    assert (nr.region_text(out[1]), out[1].conf()) == ("包头钢铁（集团）有限责任公司", 0.9776)  # 1 - 0.32 × 0.07
    # A different character is not corroborated: read less surely than Tesseract's word, it
    # does not replace it (characters both read alike are sure whatever each engine thought).
    other = FakeRecognizer("包头钢钱（集团）有限责任公司", [0.99] * 3 + [0.68] + [0.99] * 10)
    out = nr.reread_label_values(regions, _page([UNIT_LABEL, OTHER]), other)
    assert nr.region_text(out[1]) == "包头钢铁（集团有限责任公司"


def test_a_weak_label_cell_is_read_again() -> None:
    # 学历 read 学惫 at 0.47: its value cell went unlabelled.
    label, value = CellBox(0, 3, 0, (10, 110, 200, 160)), CellBox(0, 3, 1, (200, 110, 500, 160))
    regions = [Region(label, [_word("学惫", (20, 120, 120, 150), 0.4664)]), Region(value, [_word("大学本科", (210, 120, 330, 150), 0.94)])]
    rec = FakeRecognizer("学历", [0.98, 0.97])
    out = nr.reread_label_values(regions, _page([label, value]), rec)
    assert nr.region_text(out[0]) == "学历" and out[1] is regions[1]
    # A long weak cell of more than one line (prose in a box) is not read again: the second
    # engine reads one line.
    prose = [Region(label, [_word("本人自2002年参加工作以来爱岗敬业", (20, 112, 190, 132), 0.45),
                            _word("，勤奋钻研业务知识", (20, 136, 190, 156), 0.45)])]
    rec = FakeRecognizer("本人自2002年参加工作以来爱岗敬业", [0.99] * 17)
    assert nr.reread_label_values(prose, _page([label]), rec)[0] is prose[0]
    # One weak line in a cell (a claimed paper's title) is read again, and kept as surer.
    title = [Region(label, [_word("高职院校机械兴支业评程轩政的实践", (20, 120, 190, 150), 0.45)])]
    rec = FakeRecognizer("高职院校机械类专业课程思政的实践", [0.95] * 16)
    assert nr.region_text(nr.reread_label_values(title, _page([label]), rec)[0]) == "高职院校机械类专业课程思政的实践"


def test_a_label_cell_cut_short_is_read_again_and_taken_when_it_reads_a_whole_label() -> None:
    # 学历： read 学 at 0.93 (历 lost): 大专 beside it went unlabelled.
    label, value = CellBox(0, 8, 0, (10, 110, 200, 160)), CellBox(0, 8, 1, (200, 110, 500, 160))
    regions = [Region(label, [_word("学", (20, 120, 50, 150), 0.9326)]), Region(value, [_word("大专", (210, 120, 270, 150), 0.9)])]
    out = nr.reread_label_values(regions, _page([label, value]), FakeRecognizer("学历：", [0.91, 0.9, 0.8]))
    assert nr.region_text(out[0]) == "学历：" and out[1] is regions[1]
    # A reading that is no whole label (or the cut-short text again) changes nothing.
    for other in ("学", "学大专"):
        rec = FakeRecognizer(other, [0.99] * len(other))
        assert nr.reread_label_values(regions, _page([label, value]), rec)[0] is regions[0]


def test_a_short_label_cell_read_one_character_off_is_read_again() -> None:
    # Fresh seed 415: 姓　名 read 姓各 at 0.75; the name beside it went unlabelled on the 评审表.
    label, value = CellBox(0, 0, 0, (10, 110, 200, 160)), CellBox(0, 0, 1, (200, 110, 500, 160))
    regions = [Region(label, [_word("姓各", (20, 120, 80, 150), 0.7548)]), Region(value, [_word("卢永", (210, 120, 270, 150), 0.82)])]
    out = nr.reread_label_values(regions, _page([label, value]), FakeRecognizer("姓名", [0.99, 0.99]))
    assert nr.region_text(out[0]) == "姓名"
    # Read surely, or read again as no label, it stays as read.
    sure = [Region(label, [_word("姓各", (20, 120, 80, 150), 0.95)]), regions[1]]
    rec = FakeRecognizer("姓名", [0.99, 0.99])
    assert nr.reread_label_values(sure, _page([label, value]), rec)[0] is sure[0]
    assert nr.reread_label_values(regions, _page([label, value]), FakeRecognizer("姓各", [0.99, 0.99]))[0] is regions[0]


def test_a_sure_value_with_a_glyph_written_as_a_question_mark_is_read_again() -> None:
    # 旗县区工作年限：?年 on one run at 0.93: the ? is a glyph Tesseract did not read.
    regions = [Region(None, [_word("旗县区工作年限", (20, 70, 180, 100), 0.95), _word(":", (182, 70, 188, 100), 0.9),
                             _word("?年", (190, 70, 230, 100), 0.93)])]
    rec = FakeRecognizer("旗县区工作年限：7年", [0.92] * 10)
    out = nr.reread_label_values(regions, _page([]), rec)
    assert nr.region_text(out[0]) == "旗县区工作年限：7年" and len(rec.crops) == 1
    sure = [Region(None, [_word("旗县区工作年限", (20, 70, 180, 100), 0.95), _word(":", (182, 70, 188, 100), 0.9),
                          _word("7年", (190, 70, 230, 100), 0.93)])]
    rec = FakeRecognizer("旗县区工作年限：1年", [0.99] * 10)
    assert nr.reread_label_values(sure, _page([]), rec)[0] is sure[0] and rec.crops == []


def test_a_weak_line_naming_a_holder_is_read_again_across_its_region() -> None:
    page_cell = CellBox(0, 0, 0, (10, 10, 790, 390))
    words = [
        _word("毕业证书", (300, 30, 500, 70), 0.95),
        _word("学", (40, 120, 60, 150), 0.92), _word("生", (62, 120, 82, 150), 0.93),
        _word("交", (84, 120, 104, 150), 0.9), _word("云", (106, 120, 126, 150), 0.0),
        _word("梅女", (400, 118, 440, 140), 0.5),  # a piece Tesseract put on a line of its own
        _word("性别", (130, 120, 170, 150), 0.9),
        _word("校名：内蒙古科技大学", (40, 300, 300, 330), 0.95),
    ]
    rec = FakeRecognizer("学生阎云梅，性别女，", [0.95] * 10)
    out = nr.reread_label_values([Region(page_cell, words)], _page([page_cell]), rec)
    assert nr.region_text(out[0]) == "毕业证书 学生阎云梅，性别女， 校名：内蒙古科技大学"
    assert len(rec.crops) == 1 and rec.crops[0].shape[1] == 790 - 10 - 2 * nr.CELL_INSET  # the whole width
    sure = [w if w.text != "云" else _word("云", w.box, 0.9) for w in words]
    rec2 = FakeRecognizer("学生阎云梅，性别女，", [0.95] * 10)
    nr.reread_label_values([Region(page_cell, sure)], _page([page_cell]), rec2)
    assert rec2.crops == []  # every word of the line was read surely: left to Tesseract


def test_an_articles_title_in_a_large_face_is_read_again_however_sure() -> None:
    # Under a journal's two lines, a paper's title in a larger face: 关于 read 天于 at 0.97.
    page = Prepared(np.full((3500, 2480), 255, np.uint8), [], IDENTITY, 0, 0.0, 300)
    journal = Region(None, [_word("内蒙古科技与经济2019年第5期", (226, 280, 900, 318), 0.95)])
    issn = Region(None, [_word("ISSN 1007-6921 CN 15-1183/N", (226, 339, 742, 376), 0.96)])
    title = Region(None, [_word("天于", (720, 401, 851, 464), 0.97), _word("转炉炼钢过程控制优化的探讨", (880, 396, 1762, 487), 0.93)])
    body = [Region(None, [_word("【摘要】目前内蒙古西部地区", (342, y, 2243, y + 39), 0.95)]) for y in (726, 790, 854)]
    rec = FakeRecognizer("关于转炉炼钢过程控制优化的探讨", [0.99] * 15)
    out = nr.reread_label_values([journal, issn, title, *body], page, rec)
    assert nr.region_text(out[2]) == "关于转炉炼钢过程控制优化的探讨" and len(rec.crops) == 1
    # A line in the page's own face is left to Tesseract when sure.
    plain = Region(None, [_word("天于", (720, 401, 780, 440), 0.97), _word("转炉炼钢过程控制优化的探讨", (780, 401, 1500, 440), 0.93)])
    rec = FakeRecognizer("关于转炉炼钢过程控制优化的探讨", [0.99] * 15)
    assert nr.reread_label_values([journal, issn, plain, *body], page, rec)[2] is plain and rec.crops == []


def test_a_weak_value_beside_a_sure_label_is_read_again_on_its_words_line() -> None:
    # Fresh seed 385: 现专业技术职务:天 (无 misread) at 0.92 on average, the value word at 0.83.
    # Two of its words were boxed two lines high, so the run's crop held more than the line and
    # read 现专业技术服务元 at 0.44; the words' own line reads 现专业技术职务:无.
    words = [_word("现", (269, 201, 342, 246), 0.93), _word("专业", (341, 173, 413, 275), 0.92),
             _word("技术", (437, 201, 513, 246), 0.97), _word("职务", (532, 201, 612, 246), 0.97),
             _word(":天", (622, 173, 673, 275), 0.83)]

    class ByHeight(FakeRecognizer):
        def read(self, grey: np.ndarray) -> Optional[LineReading]:
            self.crops.append(grey)
            text, p = ("现专业技术服务元", 0.44) if grey.shape[0] > 100 else ("现专业技术职务:无", 0.99)
            return LineReading(text, tuple(Symbol(c, p) for c in text))

    rec = ByHeight("", [])
    page = Prepared(np.full((500, 1000), 255, np.uint8), [], IDENTITY, 0, 0.0, 300)
    out = nr.reread_label_values([Region(None, words)], page, rec)
    assert nr.region_text(out[0]) == "现专业技术职务:无" and len(rec.crops) == 2
    # A sure value beside the label is left to Tesseract.
    sure = words[:-1] + [_word(":无", (622, 173, 673, 275), 0.95)]
    rec = ByHeight("", [])
    assert nr.reread_label_values([Region(None, sure)], page, rec)[0].words == sure and rec.crops == []


def test_a_degree_line_naming_its_holder_by_gender_alone_is_read_again() -> None:
    # 冯翠，女，1974年4月生。 has no cue word; the gender between commas marks the name.
    words = [_word("畔", (40, 120, 60, 150), 0.0), _word("加，", (62, 120, 100, 150), 0.0),
             _word("女", (104, 120, 124, 150), 0.9), _word("，1974年4月生。", (126, 120, 300, 150), 0.91),
             _word("在内蒙古师范大学英语专业完成了硕士学习计划，业已毕业，经", (300, 120, 900, 150), 0.93)]
    line = "冯翠，女，1974年4月生。在内蒙古师范大学英语专业完成了硕士学习计划，业已毕业，经"
    rec = FakeRecognizer(line, [0.97] * len(line))
    out = nr.reread_label_values([Region(None, words)], _page([]), rec)
    assert nr.region_text(out[0]) == line and len(rec.crops) == 1
    # A line with a weak word but no name in it is left alone.
    prose = [_word("畔", (40, 120, 60, 150), 0.0), _word("加女士1974年4月", (62, 120, 300, 150), 0.91)]
    assert nr.holder_line_targets([Region(None, prose)]) == []


def test_a_holder_line_holding_a_date_takes_its_zeros_as_one_reading() -> None:
    # Fresh seed 368: 学生余鑫，性别男，一九八二年八月生，于二〇〇一年… read again whole, 鑫 at 0.96
    # but each 〇 at 0.47 against ○: the line was judged unsure, and 余意人 raised HOLDER_MISMATCH.
    line = "学生余鑫，性别男，一九八二年八月生，于二〇〇一年"
    symbols = tuple(Symbol(c, 0.47, (("○", 0.45), ("O", 0.05))) if c == "〇" else Symbol(c, 0.98) for c in line)
    rec = FakeRecognizer("", [])
    rec.reading = LineReading(line, symbols)
    words = [_word("学生余", (40, 120, 100, 150), 0.93), _word("意", (102, 120, 122, 150), 0.49),
             _word("人", (124, 110, 140, 160), 0.22),
             _word("性别男，一九八二年八月生，于二Oo一年", (142, 120, 600, 150), 0.9)]
    out = nr.reread_label_values([Region(None, words)], _page([]), rec)
    assert nr.region_text(out[0]) == line and out[0].words[0].conf >= 0.9


def test_a_second_reading_that_drops_a_glyph_tesseract_saw_is_not_taken() -> None:
    # 董鑫峰: Tesseract saw three characters (the middle one unknown to it), the second engine
    # dropped 鑫 outright and is sure of the other two.
    tess = Region(VALUE, [_word("董", (210, 20, 250, 50), 0.9), _word("伟", (252, 20, 292, 50), 0.0), _word("峰", (294, 20, 334, 50), 0.0)])
    dropped = LineReading("董峰", (Symbol("董", 0.998), Symbol("峰", 0.995)))
    assert rr.decide(tess, dropped, None) is None
    # Tesseract's re-read boxed 董 over all three glyphs: 伪 inside that box is still a glyph.
    retried = Region(VALUE, [_word("董", (631, 469, 776, 516), 0.9), _word("伪", (699, 465, 740, 537), 0.01),
                             _word("峰", (739, 465, 780, 537), 0.0)])
    assert rr.decide(retried, dropped, None) is None
    # Where the second engine's blank only just won over 鑫 between the two, 鑫 is the glyph.
    from extractors.readers.linerec import Dropped

    left_out = LineReading("董峰", dropped.symbols, (Dropped(1, Symbol("鑫", 0.73, (("鱻", 0.12),))),))
    assert rr.decide(tess, left_out, None) == ("董鑫峰", 0.73)
    assert rr.decide(retried, left_out, None) == ("董鑫峰", 0.73)
    # Put back, it must fill the glyph Tesseract saw, not add one Tesseract did not see.
    two = Region(VALUE, [_word("董", (210, 20, 250, 50), 0.3), _word("峰", (294, 20, 334, 50), 0.3)])
    assert rr.decide(two, left_out, None) == ("董 峰", 0.9965)
    # Three glyphs of ink under four characters Tesseract read (曹 boxed as 上 and half of 曹,
    # the boxes shifted): Tesseract cut a glyph in two, the second engine dropped nothing.
    image = np.full((100, 700), 255, np.uint8)
    for x0 in (440, 490, 540):
        image[20:60, x0 : x0 + 42] = 0
    split = Region(VALUE, [_word("上", (437, 20, 461, 60), 0.29), _word("曹", (487, 20, 510, 60), 0.78),
                           _word("素", (509, 14, 554, 64), 0.93), _word("春", (553, 20, 582, 60), 0.93)])
    three = LineReading("曹素春", (Symbol("曹", 0.999), Symbol("素", 0.999), Symbol("春", 0.999)))
    assert rr.decide(split, three, None) is None  # without the page, Tesseract's boxes are believed
    assert rr.decide(split, three, None, image) == ("曹素春", 0.9998)  # 曹 read alike at 0.78
    four = np.full((100, 700), 255, np.uint8)  # four glyphs of ink: one was dropped
    for x0, x1 in ((437, 460), (487, 508), (512, 552), (556, 582)):
        four[20:60, x0:x1] = 0
    assert rr.decide(split, three, None, four) is None
    # A stray stroke Tesseract read as a small 一 is not a character the second engine lost.
    stray = Region(VALUE, [_word("阁云梅", (210, 20, 330, 50), 0.5), _word("一", (335, 33, 345, 37), 0.3)])
    fixed = LineReading("阎云梅", (Symbol("阎", 0.97), Symbol("云", 0.99), Symbol("梅", 0.99)))
    assert rr.decide(stray, fixed, None) == ("阎云梅", 0.97)
    # Nor is the left part of 额 read as 人 in a box overlapping 额's own (额尔敦 → 人额尔敦).
    twice = Region(None, [_word("人", (614, 19, 670, 77), 0.89), _word("额", (649, 2, 717, 91), 0.36),
                          _word("尔", (694, 6, 826, 74), 0.74), _word("敦", (783, 2, 828, 91), 0.79)])
    whole = LineReading("额尔敦", (Symbol("额", 0.999), Symbol("尔", 0.999), Symbol("敦", 0.999)))
    assert rr.decide(twice, whole, None) == ("额尔敦", 0.9994)  # 额 read alike at 0.36


def test_a_character_half_taken_for_paper_is_sure_where_tesseract_boxed_a_glyph() -> None:
    # 熊鑫 in a name cell: Tesseract read 能访 (0.46); the second engine 熊鑫 with 鑫 at 0.485 and
    # the blank at 0.373. Tesseract's two glyph boxes settle that a character is there: 鑫 is
    # 0.485 of the 0.627 left to characters.
    tess = Region(None, [_word("能访", (210, 20, 290, 50), 0.46)])
    reading = LineReading("熊鑫", (Symbol("熊", 0.938, (("紫", 0.04),), 0.006), Symbol("鑫", 0.485, (("蠢", 0.05),), 0.373)))
    text, conf = rr.decide(tess, reading, None)
    assert text == "熊鑫" and conf == pytest.approx(0.485 / 0.627, abs=0.01)
    # Where the counts differ the blank's share stands (a character may be missing or extra).
    three = Region(None, [_word("能访人", (210, 20, 330, 50), 0.46)])
    assert rr.decide(three, reading, None) is None


def test_a_glyph_tesseract_cut_in_two_is_no_glyph_the_second_engine_dropped() -> None:
    # 承诺人签名：钱永平 read 承诺人签名 ;人 钱 永 平: the left of 钱 as 人, its right a sliver.
    words = [_word("承诺", (1243, 772, 1455, 811), 0.94), _word("人", (1341, 737, 1393, 819), 0.95),
             _word("签名", (1392, 772, 1475, 811), 0.83), _word(";人", (1524, 754, 1587, 812), 0.54),
             _word("钱", (1601, 776, 1622, 803), 0.05), _word("永", (1615, 746, 1663, 810), 0.91),
             _word("平", (1676, 741, 1734, 805), 0.85)]
    second = "承诺人签名：钱永平"
    kept = rr.decide(Region(None, words), LineReading(second, tuple(Symbol(c, 0.9885) for c in second)), "承诺人签名")
    assert kept == (second, 0.9891)  # each character as sure as either engine being right


def test_a_signature_tesseract_read_twice_once_wrong_goes_with_the_line_read_again() -> None:
    crops = [((1226, 759, 1827, 850), "承诺人（签名）：吕凤洁")]
    twice = Region(None, [_word("马凤洁", (1623, 762, 1827, 834), 0.75)])
    assert rr._fragment_within(twice, crops)
    # Other sure words in the crop's corner that the reading does not hold stay.
    other = Region(None, [_word("王小明", (1623, 762, 1827, 834), 0.75)])
    assert not rr._fragment_within(other, crops)


def test_a_date_whose_year_unit_was_read_as_other_glyphs_is_read_again() -> None:
    # 2019年4月 under a seal's ring read 20194=4月: no date as read, a date to read again.
    assert nr.date_like("20194=4月") and not nr.possible_date("20194=4月")
    assert not nr.date_like("共20194人，约4月")


def test_a_certificate_number_with_a_chinese_character_inside_is_read_again() -> None:
    # 2017-J-803 read 2017- 上803: the number would end at 上 and a reused certificate go unmatched.
    regions = [Region(None, [_word("证书编号", (60, 200, 180, 230), 0.95), _word(":2017-", (185, 200, 270, 230), 0.93),
                             _word("上803", (275, 200, 340, 230), 0.9)])]
    out = nr.reread_label_values(regions, _page([]), FakeRecognizer("证书编号:2017-J-803", [0.99] * 15))
    assert nr.region_text(out[0]) == "证书编号:2017-J-803"
    # A second reading with a Chinese character in the number still changes nothing.
    out = nr.reread_label_values(regions, _page([]), FakeRecognizer("证书编号:2017-上-803", [0.99] * 15))
    assert nr.region_text(out[0]) == "证书编号 :2017- 上803"


def test_a_weak_signature_line_is_read_clear_of_the_date_line_below() -> None:
    # 承诺人（签名）：潘燕 in a bold script face read 和承诺 (0.54), boxed into the date line's rows.
    sig = Region(None, [_word("和", (991, 800, 1040, 883), 0.3), _word("承诺", (1050, 810, 1241, 860), 0.8)])
    date = Region(None, [_word("日期：2020/5/13", (998, 869, 1287, 926), 0.98)])
    prep = Prepared(np.full((1200, 1800), 255, np.uint8), [], IDENTITY, 0, 0.0, 300)
    target = next(t for t in nr.weak_line_targets([sig, date], prep) if t.region is sig)
    assert target.box[3] <= 869 and target.box[1] <= 800


def test_a_reading_is_no_surer_than_that_no_character_was_left_out() -> None:
    # 姓名：程凤 at low resolution: the second engine left 程 out (the blank just won its frame,
    # 0.42 left to characters), sure of the rest; Tesseract read 姓名 程 风 with boxes too garbled
    # to prove a glyph was dropped. The reading without 程 is no surer than 0.58.
    from extractors.readers.linerec import Dropped

    text = "姓名：凤"
    reading = LineReading(text, tuple(Symbol(c, 0.98) for c in text), (Dropped(3, Symbol("程", 0.78), 0.42),))
    assert reading.conf == pytest.approx(0.58)
    one = Region(None, [_word("姓名", (268, 435, 482, 476), 0.92), _word("风", (455, 399, 481, 501), 0.78)])
    assert rr.decide(one, reading, "姓名") is None
    # Where Tesseract boxed a glyph at every place of the reading with 程 put back (姓名 程 风),
    # the filled reading is taken: 程 as both engines read it (fresh seed 385: 承诺人等名萧萍兵
    # against 承诺人签名：萧萍 with 眞 left out, which no subsequence test could match).
    tess = Region(None, [_word("姓名", (268, 435, 482, 476), 0.92), _word("程", (417, 399, 456, 501), 0.87),
                         _word("风", (455, 399, 481, 501), 0.78)])
    kept = rr.decide(tess, reading, "姓名")
    assert kept is not None and kept[0] == "姓名：程凤" and kept[1] > 0.9


def test_a_holder_line_read_again_is_sure_where_both_engines_read_alike() -> None:
    # A publicity statement's line (fresh seed 313): Tesseract unsure of 磊 only, the second
    # engine sure of 磊 but not of the period's zeros. The line as kept is as sure as its least
    # sure character either engine could be right about: the period is sure, 磊 too.
    words = [_word("我单位于", (20, 100, 120, 130), 0.95), _word("2020.05.21", (125, 100, 260, 130), 0.9),
             _word("至", (262, 100, 290, 130), 0.92), _word("2020.05.27", (292, 100, 430, 130), 0.92),
             _word("对姜", (432, 100, 480, 130), 0.81), _word("磊", (482, 100, 510, 130), 0.39),
             _word("同志申报", (512, 100, 600, 130), 0.97)]
    text = "我单位于2020.05.21至2020.05.27对姜磊同志申报"
    probs = [0.99] * len(text)
    probs[text.index("0.")] = 0.53  # the first 0 of .05
    probs[text.index("磊")] = 0.89
    out = nr.reread_label_values([Region(None, words)], _page([]), FakeRecognizer(text, probs))
    assert nr.region_text(out[0]).replace(" ", "") == text and out[0].conf() > 0.9
    # Where the engines read a character differently, the kept one is as sure as its own reading.
    other = text.replace("磊", "蕾")
    out = nr.reread_label_values([Region(None, words)], _page([]), FakeRecognizer(other, probs))
    assert nr.region_text(out[0]) == other and out[0].conf() == pytest.approx(0.89)


def test_the_tops_of_a_tall_signature_read_as_a_line_above_are_not_read_again_alone() -> None:
    # 承诺人签名：易眞 in a script face taller than the label (fresh seed 315): Tesseract boxed the
    # glyphs' tops as a weak line of their own (日 取) half over the signature's line. The name
    # is read again over both; the tops, read alone, were 且旨, and the signer 易真且旨.
    page = _page([])
    page.image[130:180, 20:480] = 0
    line = Region(None, [_word("承诺人签名", (20, 140, 280, 170), 0.92), _word("勿", (350, 145, 400, 175), 0.72),
                         _word("内", (420, 140, 470, 175), 0.44)])
    tops = Region(None, [_word("日", (355, 132, 385, 149), 0.81), _word("取", (440, 130, 476, 141), 0.0)])
    rec = FakeRecognizer("承诺人签名：易真", [0.99] * 8)
    out = nr.reread_label_values([tops, line], page, rec)
    assert [nr.region_text(r) for r in out] == ["承诺人签名：易真"]
    assert len(rec.crops) == 1


def test_a_piece_of_a_tall_signature_above_its_line_does_not_cut_the_crop() -> None:
    # 承诺人（签名）：苏环眞 (fresh seed 330): the top of 眞 boxed alone as 癌 (0.59), reaching into
    # the line's rows. Cut short of it, the crop lost the tops of the signature (read 办环).
    line = Region(None, [_word("承诺", (1243, 961, 1608, 1009), 0.97), _word("苏", (1670, 935, 1901, 1009), 0.86),
                         _word("二", (1842, 931, 1906, 1015), 0.37)])
    piece = Region(None, [_word("癌", (1850, 923, 1884, 957), 0.59)])
    box = (1215, 915, 1934, 1031)
    assert nr._clear_of_lines(box, line, [piece, line]) == box
    # A line of its own above (sure, several characters, clear of the line's rows) still cuts it.
    above = Region(None, [_word("特此承诺本人", (1249, 880, 1618, 925), 0.95)])
    assert nr._clear_of_lines(box, line, [above, line])[1] == 925
