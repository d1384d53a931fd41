"""A date that normalisation had to repair is a guess: unsure until a second reading confirms it,
so rules say review and no integrity lead rests on it."""

from __future__ import annotations

from extractors import normalize as nz

REPAIRED = [
    ("二二八年五月", "2028-05"),  # a lost 〇 assumed (二〇〇八 under a seal may read so)
    ("二一八年三月", "2018-03"),  # a year completed: 二 taken for 二〇
    ("二候一八年三月", "2018-03"),  # a misread character replaced: 候 taken for 〇
    ("二O〇一八年三月", "2018-03"),  # a stray glyph in a year dropped
    ("2019年三4月", "2019-04"),  # a glyph read as a numeral dropped from the month
    ("201911月", "2019-11"),  # a lost year unit assumed
    ("2020/SV15", "2020-05-15"),  # a misread digit replaced: S taken for 5
]
# Read as written, or with a glyph that stands for exactly one character: nothing assumed.
AS_READ = [
    ("二〇〇八年五月", "2008-05"),
    ("二〇一八年三月", "2018-03"),
    ("2019年11月", "2019-11"),
    ("2O19年11月", "2019-11"),  # an O among digits is 0
    ("l998年3月", "1998-03"),  # an l before 998 is 1
    ("2020年5月15日", "2020-05-15"),
]


def test_exactly_the_dates_only_a_repair_makes_are_marked_repaired() -> None:
    for text, iso in REPAIRED:
        reading = nz.read_date(text)
        assert reading is not None and reading.iso == iso and reading.repaired, text
        assert nz.is_repaired(nz.parse_date(text)) and all(h.repaired for h in nz.find_dates(text)), text
    for text, iso in AS_READ:
        reading = nz.read_date(text)
        assert reading is not None and reading.iso == iso and not reading.repaired, text
        assert not nz.is_repaired(nz.parse_date(text)), text


def test_a_slash_read_as_seven_is_a_repair() -> None:
    assert nz.repair_slash_date("200377") == "2003-07" and nz.is_repaired(nz.repair_slash_date("200377"))
