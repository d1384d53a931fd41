"""Evidence readers on hand-built pages: what each attachment says, and where it was read."""

from __future__ import annotations

from typing import Optional, Union

import pytest

from dossierflow.models import Document, Evidence, FieldValue, PageContent, Segment, Source
from extractors.calibration import check_weight
from extractors.evidence import extract_evidence, split_names

W, H = 595.0, 842.0


Cell = Union[str, tuple[str, float, float]]


def page(rows: list[list[Cell]], *, file: str = "A1/附件.pdf", no: int = 1, conf: float = 0.95, cells: bool = False) -> PageContent:
    """Rows of segments side by side (a table row when `cells`); `(text, x0, x1)` places one."""
    segs: list[Segment] = []
    for r, row in enumerate(rows):
        x = 60.0
        for c, item in enumerate(row):
            text, x0, x1 = item if isinstance(item, tuple) else (item, x, x + max(40.0, 12.0 * len(item)))
            segs.append(Segment(text=text, box=(x0, 60.0 + 24 * r, x1, 76.0 + 24 * r), conf=conf,
                                cell=(0, r, c) if cells else None))
            x = x1 + 8
    return PageContent(file=file, page=no, method="text", width_pt=W, height_pt=H, segments=segs)


def grid(row: list[str], xs: list[float]) -> list[Cell]:
    """A table row on fixed column edges `xs` (n+1 edges for n cells)."""
    return [(t, xs[i] + 2, xs[i + 1] - 2) for i, t in enumerate(row)]


def fields(name: str = "王秀英", employer: str = "包头市第一中学") -> dict[str, FieldValue]:
    src = Source(file="A1/评审表.pdf", page=1)
    return {"name": FieldValue(value=name, confidence=1.0, source=src),
            "employer": FieldValue(value=employer, confidence=1.0, source=src)}


def one(kind: str, p: PageContent, f: Optional[dict] = None) -> Evidence:
    items = extract_evidence([p], [Document(kind=kind, file=p.file, pages=[p.page or 1], confidence=1.0)], f or fields())
    assert len(items) == 1, items
    return items[0]


def test_pledge_signed_with_a_name() -> None:
    ev = one("pledge", page([["职称申报诚信承诺书"], ["本人郑重承诺……"], ["承诺人（签名）：王秀英"], ["日期：2020年5月21日"]]))
    assert ev.signed is True and ev.signer == "王秀英" and ev.date == "2020-05-21"
    assert ev.source.page == 1 and ev.source.bbox is not None


def test_pledge_unsigned_and_garbage_signature() -> None:
    unsigned = one("pledge", page([["职称申报诚信承诺书"], ["承诺人（签名）："], ["日期：2020年5月21日"]]))
    assert unsigned.signed is False and unsigned.signer is None
    scrawl = one("pledge", page([["职称申报诚信承诺书"], ["承诺人（签名）：", "~//3k"], ["日期：2020年5月21日"]]))
    assert scrawl.signed is True and scrawl.signer is None  # something is written, not readable as a name
    damaged_label = one("pledge", page([["职称申报诚信承诺书"], ["承诺和人签名，王秀英"]]))
    assert damaged_label.signed is True and damaged_label.signer == "王秀英"


def test_ce_card_hours_per_year_by_header_columns() -> None:
    xs = [60.0, 120.0, 220.0, 320.0, 380.0]
    ev = one("ce_card", page([["继续教育审验卡"], grid(["年度", "公需科目学时", "专业科目学时", "合计"], xs),
                              grid(["2018", "30", "60", "90"], xs), grid(["2019", "32", "64", "96"], xs),
                              grid(["2020", "28", "70", "98"], xs),
                              ["审验单位：包头市人力资源和社会保障局"], ["审验日期：2020年4月20日"]]))
    assert ev.hours == {"2018": {"public": 30.0, "professional": 60.0}, "2019": {"public": 32.0, "professional": 64.0},
                        "2020": {"public": 28.0, "professional": 70.0}}
    assert ev.unit == "包头市人力资源和社会保障局" and ev.date == "2020-04-20"


def test_ce_card_header_one_character_misread_still_names_its_column() -> None:
    xs = [60.0, 120.0, 220.0, 320.0, 380.0]
    card = lambda public_header: one("ce_card", page([  # noqa: E731
        ["继续教育审验卡"], grid(["年度", public_header, "专业科目学时", "合计"], xs),
        grid(["2019", "30", "72", "102"], xs), grid(["2020", "32", "72", "104"], xs)]))
    assert card("公怖科目学时").hours == {"2019": {"public": 30.0, "professional": 72.0},
                                      "2020": {"public": 32.0, "professional": 72.0}}
    # Further off (a seal across it: 公和需科上日学时) it is not a header: the column is the
    # public one only where its hours and the professional ones make the total.
    assert card("公和需科上日学时").hours == {"2019": {"public": 30.0, "professional": 72.0},
                                          "2020": {"public": 32.0, "professional": 72.0}}
    odd = one("ce_card", page([
        ["继续教育审验卡"], grid(["年度", "公和需科上日学时", "专业科目学时", "合计"], xs),
        grid(["2019", "30", "72", "103"], xs), grid(["2020", "32", "72", "104"], xs)]))
    assert odd.hours == {"2019": {"professional": 72.0}, "2020": {"public": 32.0, "professional": 72.0}}


def test_ce_card_rows_seen_but_unread_are_named_never_dropped() -> None:
    xs = [60.0, 120.0, 220.0, 320.0, 380.0, 440.0]
    head = grid(["年度", "公需科目学时", "专业科目学时", "合计", "审验结果"], xs)
    whole = one("ce_card", page([["继续教育审验卡"], head, grid(["2019", "36", "64", "100", "合格"], xs),
                                 grid(["2020", "30", "64", "94", "合格"], xs)], conf=0.9))
    assert whole.unread_parts is None and whole.part_confidence == {"2019": 0.9, "2020": 0.9}
    # A seal over the 2020 row: its year cell read on a line of its own, its hours on another.
    sealed = one("ce_card", page([["继续教育审验卡"], head, grid(["2019", "36", "64", "100", "合格"], xs),
                                  grid(["36", "64", "100：治格"], xs[1:]), ["2020"]]))
    assert set(sealed.hours) == {"2019"}
    assert sealed.unread_parts == ["2020", "?"]
    # The 合计 row is no unread year.
    total = one("ce_card", page([["继续教育审验卡"], head, grid(["2020", "30", "64", "94", "合格"], xs),
                                 grid(["合计", "30", "64", "94"], xs)]))
    assert total.unread_parts is None


def test_a_ce_header_read_without_its_hours_cells_reads_rows_by_order_and_sum() -> None:
    """Blur took the header's 公需科目学时 and 专业科目学时 (年度 and 合计 read) under a row of
    the card's particulars naming 专业 (专业技术职务): that row is no header of the table. Each
    row's two figures before 合计 are its hours, 公需 first, when they make its 合计; a row
    whose figures do not add up is named unread, never read as a guess."""
    xs = [60.0, 120.0, 220.0, 320.0, 380.0, 440.0]

    def card(rows: list[list[str]]) -> Evidence:
        return one("ce_card", page([["专业技术人员继续教育审验卡"], ["姓名", "袁妹华"],
                                    [("专业技术职务", 60.0, 200.0), ("讲师", 205.0, 440.0)],
                                    [("年度", 62.0, 118.0), ("合计", 322.0, 378.0)], *[grid(r, xs) for r in rows],
                                    ["审验单位：包头市专业技术人员继续教育基地"], ["审验日期：2020.05.12"]]))

    read = card([["2020", "40", "60", "100", "合格"], ["2019", "30", "90", "120", "合格"]])
    assert read.hours == {"2019": {"public": 30.0, "professional": 90.0}, "2020": {"public": 40.0, "professional": 60.0}}
    assert read.unread_parts is None
    off = card([["2020", "40", "60", "101", "合格"], ["2019", "30", "90", "120", "合格"]])
    assert off.hours == {"2019": {"public": 30.0, "professional": 90.0}}
    assert "2020" in (off.unread_parts or [])


# What damage does to one row of a CE card's table, as OCR returns it: the year cell with a mark
# stuck to it, a letter for a digit, lost, run into its hours; the row's figures lost or merged.
_ROW_DAMAGE = {
    "year with a trailing mark": lambda r: [r[0] + "·", *r[1:]],
    "year with a dot": lambda r: [r[0] + ".", *r[1:]],
    "year with a letter for a digit": lambda r: [r[0][:2] + "O" + r[0][3:], *r[1:]],
    "year cell lost": lambda r: ["", *r[1:]],
    "year run into its hours": lambda r: [r[0] + r[1], "", *r[2:]],
    "hours lost": lambda r: [r[0], "", "", r[3], r[4]],
    "figures run together": lambda r: [r[0], r[1] + r[2] + r[3], "", "", r[4]],
    "verdict only": lambda r: ["", "", "", "", r[4]],
}


@pytest.mark.parametrize("damage", sorted(_ROW_DAMAGE))
@pytest.mark.parametrize("damaged_year", ["2018", "2019", "2020"])
def test_a_ce_year_whose_row_is_damaged_is_read_or_named_unread_never_silently_absent(damage: str,
                                                                                       damaged_year: str) -> None:
    xs = [60.0, 120.0, 220.0, 320.0, 380.0, 440.0]
    rows = {"2018": ["2018", "36", "64", "100", "合格"], "2019": ["2019", "36", "64", "100", "合格"],
            "2020": ["2020", "30", "72", "102", "合格"]}
    rows[damaged_year] = _ROW_DAMAGE[damage](rows[damaged_year])
    card = one("ce_card", page([["专业技术人员继续教育审验卡"], ["姓名：", "王秀英"],
                                grid(["年度", "公需科目学时", "专业科目学时", "合计", "审验结果"], xs),
                                *[grid(r, xs) for _, r in sorted(rows.items())],
                                ["审验单位：包头市人力资源和社会保障局"], ["审验日期：2020年4月16日"]]))
    unread = set(card.unread_parts or ())
    for year in rows:
        assert year in (card.hours or {}) or year in unread or "?" in unread, (year, card.hours, unread)
    # The rows left whole are read, and no year is called unread that was read.
    assert {y for y in rows if y != damaged_year} <= set(card.hours or {})
    assert not unread & set(card.hours or {})


@pytest.mark.parametrize("year_cell", ["2020.", "2020·", "、2020", "2020，"])
def test_a_ce_year_cell_with_a_speck_beside_it_is_that_year(year_cell: str) -> None:
    """A speck on a photographed card read as a mark beside the year cell's four digits (2020.)
    leaves the year read: the cell holds a year and nothing else. Its row's hours are read."""
    xs = [60.0, 120.0, 220.0, 320.0, 380.0, 440.0]
    card = one("ce_card", page([["专业技术人员继续教育审验卡"], ["姓名：", "王秀英"],
                                grid(["年度", "公需科目学时", "专业科目学时", "合计", "审验结果"], xs),
                                grid([year_cell, "32", "60", "92", "合格"], xs),
                                grid(["2019", "36", "72", "108", "合格"], xs),
                                ["审验单位：包头市专业技术人员继续教育基地"], ["审验日期：2020年5月22日"]]))
    assert card.hours == {"2019": {"public": 36.0, "professional": 72.0}, "2020": {"public": 32.0, "professional": 60.0}}
    assert card.unread_parts is None


def test_a_whole_ce_card_leaves_nothing_unread() -> None:
    xs = [60.0, 120.0, 220.0, 320.0, 380.0, 440.0]
    card = one("ce_card", page([["继续教育审验卡"], ["姓名：", "王秀英"],
                                grid(["年度", "公需科目学时", "专业科目学时", "合计", "审验结果"], xs),
                                grid(["2019", "36", "64", "100", "合格"], xs), grid(["2020", "30", "72", "102", "合格"], xs),
                                grid(["合计", "66", "136", "202"], xs),
                                ["审验单位：包头市人力资源和社会保障局"], ["审验日期：2020年4月16日"], ["（盖章）"], ["AR", "1t/"]]))
    assert set(card.hours) == {"2019", "2020"} and card.unread_parts is None


def test_material_list_items_carry_how_sure_each_name_is() -> None:
    p = page([["专业技术资格送评材料目录单"], ["序号", "材料名称", "页数"], ["1", "职称评审表", "3"], ["2", "毕业证书", "1"]],
             cells=True)
    p.segments[-2] = p.segments[-2].model_copy(update={"conf": 0.41})
    ev = one("material_list", p)
    assert [i["name"] for i in ev.items] == ["职称评审表", "毕业证书"]
    assert ev.part_confidence == {"1": 0.95, "2": 0.41}


def test_ce_card_hours_written_as_sentences() -> None:
    ev = one("ce_card", page([["继续教育审验卡"], ["2019年度：公需科目30学时，专业科目60学时"], ["2020年度：公需科目24学时"]]))
    assert ev.hours == {"2019": {"public": 30.0, "professional": 60.0}, "2020": {"public": 24.0}}


def test_publicity_period_whose_end_ocr_read_without_separators() -> None:
    ev = one("publicity", page([["申报人员公示情况"], ["根据职称评审工作要求，我单位于2020-05.10至20200517，在单位公示栏对石峰林同志申报工"],
                                ["程师资格的有关材料进行了公示，公示期间无异议"], ["日期：2020-05-17"]]))
    assert (ev.period_from, ev.period_to, ev.result) == ("2020-05-10", "2020-05-17", "无异议")
    ev = one("publicity", page([["申报人员公示情况"], ["我单位于20200510至2020年5月17日在单位公示栏进行了公示，公示期间无异议"]]))
    assert (ev.period_from, ev.period_to) == ("2020-05-10", "2020-05-17")
    ev = one("publicity", page([["公示情况说明"], ["我单位于2020.0522至2020.05.26，在单位公示栏进行了公示，公示期间无异议"]]))
    assert (ev.period_from, ev.period_to) == ("2020-05-22", "2020-05-26")
    ev = one("publicity", page([["公示情况说明"], ["我单位于2020.05.22至202005.26，在单位公示栏进行了公示"]]))
    assert (ev.period_from, ev.period_to) == ("2020-05-22", "2020-05-26")
    ev = one("publicity", page([["公示情况说明"], ["我单位于2020/5/22至2020/529，在单位公示栏进行了公示"]]))
    assert (ev.period_from, ev.period_to) == ("2020-05-22", "2020-05-29")
    ev = one("publicity", page([["公示情况说明"], ["我单位于2020/5/22至2020/111，在单位公示栏进行了公示"]]))
    assert ev.period_to is None  # 1/11 or 11/1: no telling
    # Eight digits away from 至 are no date (a certificate number).
    ev = one("publicity", page([["申报人员公示情况"], ["编号RY20200517，公示期间无异议"]]))
    assert (ev.period_from, ev.period_to) == (None, None)


def test_publicity_is_as_sure_as_its_statement_not_as_the_seal_beside_it() -> None:
    p = page([["申报人员公示情况"], ["我单位于2020年5月16日至2020年5月20日，在单位公示栏对许芬华同志申报进行了公示，"],
              ["公示期间无异议。"], ["公示结果无异议"]], conf=0.99)
    noise = [Segment(text="一 PP 忌和 AL 人一4", box=(449.0, 126.0, 532.0, 156.0), conf=0.2)]
    p = p.model_copy(update={"segments": p.segments + noise, "ocr_confidence": 0.4})
    ev = one("publicity", p)
    assert (ev.period_from, ev.period_to, ev.result) == ("2020-05-16", "2020-05-20", "无异议") and ev.confidence >= 0.9


def test_publicity_period_whose_end_has_no_year_takes_the_starts() -> None:
    ev = one("publicity", page([["申报人员公示情况"], ["根据职称评审工作要求我单位于2020/5/20至5/24，在单位公示栏对贾斌同志申报"],
                                ["正高级工程师资格的有关材料进行了公示，公示期间无异议。"], ["日期：2020/5/24"]]))
    assert (ev.period_from, ev.period_to) == ("2020-05-20", "2020-05-24")
    ev = one("publicity", page([["公示情况说明"], ["我单位于2020年5月28日至6月4日，在单位公示栏进行了公示，公示期间无异议"]]))
    assert (ev.period_from, ev.period_to) == ("2020-05-28", "2020-06-04")
    # An end before the start is none (5/2 for 5/25 with a digit lost).
    ev = one("publicity", page([["公示情况说明"], ["我单位于2020/5/20至5/2，在单位公示栏进行了公示，公示期间无异议"]]))
    assert ev.period_to is None


def test_publicity_period_that_ends_before_it_starts_has_no_end_and_rests_on_its_date() -> None:
    p = page([["申报人员公示情况"], ["，我单位于2020/5/23至2020/5/2，在单位公示栏对郭慧洁同志申报主任记"],
              ["者资格的有关材料进行了公示公示期间无异议"], ["公示结果：无异议"], ["日期：2020/5/27"]], conf=0.93)
    weak = [s.model_copy(update={"conf": 0.536}) if "至" in s.text else s for s in p.segments]
    ev = one("publicity", p.model_copy(update={"segments": weak}))
    assert (ev.period_from, ev.period_to, ev.date, ev.result) == ("2020-05-23", None, "2020-05-27", "无异议")
    assert ev.confidence >= 0.9  # the result and the date say it, not the misread end
    # An end that can be is kept, however unsure its line.
    p = page([["申报人员公示情况"], ["我单位于2020/5/23至2020/5/27，在单位公示栏进行了公示"], ["公示期间无异议"], ["日期：2020/5/27"]])
    weak = [s.model_copy(update={"conf": 0.536}) if "至" in s.text else s for s in p.segments]
    ev = one("publicity", p.model_copy(update={"segments": weak}))
    assert ev.period_to == "2020-05-27" and ev.confidence < 0.6


def test_publicity_period_result_and_unit_from_we() -> None:
    ev = one("publicity", page([["公示情况说明"], ["我单位于2020/5/18至2020/5/25，在单位公示栏对王秀英同志进行了公示，"],
                                ["公示期间无异议。"], ["单位（盖章）："], ["日期：2020/5/25"]]))
    assert (ev.period_from, ev.period_to, ev.result) == ("2020-05-18", "2020-05-25", "无异议")
    assert ev.unit == "包头市第一中学"  # "我单位": the applicant's unit
    assert one("publicity", page([["公示情况说明"], ["公示期间有异议。"]])).result == "有异议"


def test_material_list_items_with_ocr_one() -> None:
    ev = one("material_list", page([["专业技术资格送评材料目录单"], ["序号", "材料名称", "页数"], ["1", "专业技术资格评审表", "2"],
                                    ["2", "专业技术资格送审表", "工"], ["3", "诚信承诺书", "1"]], cells=True))
    assert ev.items == [{"no": 1, "name": "专业技术资格评审表", "pages": 2}, {"no": 2, "name": "专业技术资格送审表", "pages": 1},
                        {"no": 3, "name": "诚信承诺书", "pages": 1}]


def test_paper_first_page() -> None:
    p = page([["会计之友2018年第11期第48卷"], ["ISSN 1004.5937 CN 14-1063/F"], ["核心素养视角下的初中数学课堂提问策略"],
              ["钟月杜文强"], ["（包头市土默特右旗实验中学，内蒙古包头014000）"], ["【摘要】本文结合包头地区实际……"], ["关键词：包头；实践"]])
    ev = one("paper", p, fields(name="杜文强"))
    assert ev.journal == "会计之友"
    assert ev.issn == "1004-5937" and ev.cn == "14-1063/F"  # OCR's "." for "-" in the ISSN
    assert ev.issue == "2018年第11期" and ev.date == "2018-11"
    assert ev.title == "核心素养视角下的初中数学课堂提问策略"
    assert ev.authors == ["钟月", "杜文强"] and ev.author_rank == 2


def test_paper_title_when_the_abstract_marker_is_misread() -> None:
    # Fresh seed 386: 【摘要】 read 【质要】, so the front matter ran on into the abstract, whose
    # second line (boxed taller than the title) was taken for the title.
    rows = [("中国教育学刊2016年第3期第46卷", 68, 205, 13), ("ISSN 1002-4808 CN 11-2606/G4", 68, 188, 9),
            ("小学语文群文阅读教学实践一一以包头市为例", 133, 467, 24), ("郭洁妹乔秀美郭莲", 248, 352, 16),
            ("（包头市白云鄂博矿区第二中学，内蒙古包头014000）", 201, 399, 14),
            ("【质要】随着寒冷地区小学语文业务量逐年增加，小学语文群文阅读教学实践一一以包头市为例", 93, 527, 25),
            ("的重要性日益突出。文章通过对46组监测数据的统计分析总结出适合本地区的技术要点，可供同行", 67, 527, 26),
            ("关键词，实践，对策，小学语文", 66, 212, 23)]
    y, segs = 60.0, []
    for text, x0, x1, h in rows:
        segs.append(Segment(text=text, box=(float(x0), y, float(x1), y + h), conf=0.93))
        y += h + 4
    ev = one("paper", PageContent(file="A8/8.pdf", page=2, method="ocr", width_pt=W, height_pt=H, segments=segs),
             fields(name="乔秀美"))
    assert ev.title == "小学语文群文阅读教学实践——以包头市为例"
    assert ev.authors == ["郭洁妹", "乔秀美", "郭莲"]


# An article page scanned 2° askew (boxes in pt, as OCR gave them): every line's box is taller by
# its width times the skew, so the abstract's long lines are boxed taller than the title, and the
# abstract's second line overlaps its first in height and is ordered before it.
SKEWED_ARTICLE = [
    ("内蒙古科技与经济2016年第9期第46卷", (53, 73, 215, 91)),
    ("ISSN 1007-6921 CN 15-1183/N", (55, 94, 177, 109)),
    ("关于高层建筑深基坑支护施工技术研究的探讨", (112, 98, 463, 134)),
    ("林鑫伟苏晓", (256, 136, 322, 161)),
    ("（北方重工集团有限公司内蒙古包头014000）", (198, 162, 380, 181)),
    ("探讨的重要性日益突出。结合冶金工程相关规范，本文建立了包含5项指标的评价体系。实践证", (57, 191, 513, 230)),
    ("【摘要】随着包头地区冶金工程业务量逐年增加，关于高层建筑深基坑支护施工技术研究的", (84, 172, 518, 211)),
    ("明该方法可使差错率下降约36%。", (58, 220, 213, 249)),
    ("关键词：关于高层；质量控制；实践", (59, 244, 234, 273)),
]


def _skewed_article(lines: list[tuple[str, tuple[int, int, int, int]]]) -> Evidence:
    segs = [Segment(text=t, box=tuple(float(v) for v in box), conf=0.95) for t, box in lines]
    return one("paper", PageContent(file="A2/8.pdf", page=2, method="ocr", width_pt=W, height_pt=H, segments=segs),
               fields(name="林鑫伟"))


def test_paper_title_on_a_skewed_scan_is_not_a_line_of_the_abstract() -> None:
    # The abstract's second line, ordered before its start, is a candidate: boxed tallest, set in
    # body type.
    ev = _skewed_article(SKEWED_ARTICLE)
    assert ev.title == "关于高层建筑深基坑支护施工技术研究的探讨"
    assert ev.authors == ["林鑫伟", "苏晓"]


def test_paper_title_on_a_skewed_scan_is_the_largest_type_where_the_abstract_is_unread() -> None:
    # No line reads as the abstract's start (摘要 and 关键词 lost): the long lines above the title's
    # size are candidates, boxed taller than it; the title's type is the largest.
    lines = [(t.replace("【摘要】", "").replace("关键词：", ""), box) for t, box in SKEWED_ARTICLE]
    ev = _skewed_article(lines)
    assert ev.title == "关于高层建筑深基坑支护施工技术研究的探讨"


def test_split_names() -> None:
    assert split_names("钟月杜文强", "杜文强") == ["钟月", "杜文强"]
    assert split_names("夏永晨雇梅娜", "廖梅娜") == ["夏永晨", "廖梅娜"]  # the applicant's name misread
    assert split_names("王秀英李明", None) == ["王秀英", "李明"]
    assert split_names("宝音胡静", None) == ["宝音", "胡静"]


def test_award_certificate() -> None:
    ev = one("award", page([["获奖证书"], ["王秀英同志：你参与完成的“高层建筑深基坑支护施工技术研究项目”荣获2017年度包头"],
                            ["市科学技术进步奖二等奖（第3完成人）。特发此证，以资鼓励。"], ["证书编号：2017-J-485"],
                            ["包头市人民政府"], ["二〇一七年二月二日"]]))
    assert ev.holder == "王秀英" and ev.title == "高层建筑深基坑支护施工技术研究项目"
    assert (ev.grade, ev.level, ev.holder_rank) == ("二等奖", "市级", 3)
    assert ev.date == "2017-02-02" and ev.number == "2017-J-485" and ev.issuer == "包头市人民政府"
    # the award's own name, apart from the work's title: 一（五） tells an S&T award by it
    assert ev.award == "包头市科学技术进步奖"


def test_award_date_read_years_off_the_year_it_is_for_is_not_its_date() -> None:
    # 二〇一三 under a seal's ring, read 二G二三 (fresh seed 301): 2023 for an award of 2012年度.
    def award(date_line: str) -> Evidence:
        return one("award", page([["获奖证书"], ["何红同志你参与完成的“城市道路沥青路面病害成因与处治项目”荣获2012年度包头"],
                                  ["市科学技术进步奖一等奖（第4完成人）。特发此证，以资鼓励。"], ["证书编号2013-J-294"],
                                  ["包头市人民政府"], [date_line]]))

    assert award("二G二三年一月二十三日").date is None
    assert award("二〇一三年一月二十三日").date == "2013-01-23"
    assert award("二〇一二年十二月").date == "2012-12"
    assert award("二〇一五年一月").date is None


def test_award_title_whose_closing_quote_ocr_lost_ends_at_its_verb() -> None:
    ev = one("award", page([["获奖证书"], ["潘文海同志 : 你参与完成的 \"变电站二次系统智能化改造实践项目荣获2011年度包头市科学"],
                            ["技术进步奖一等奖（第2完成人）。特发此证，以资鼓励。"], ["包头市人民政府"], ["2012年6月27日"]]))
    assert ev.title == "变电站二次系统智能化改造实践项目" and ev.grade == "一等奖"


def test_award_title_whose_opening_quote_ocr_lost_starts_after_the_work_done() -> None:
    # Fresh seed 349: 你参与完成的县级融媒体中心建设的实践与思考项目 " 荣获2014年度…, the “ lost.
    ev = one("award", page([["获奖证书"], ["董平杰同志 : 你参与完成的县级融媒体中心建设的实践与思考项目 \" 荣获2014年度包头市教学"],
                            ["成果奖二等奖（第4完成人）。特发此证，以资鼓励。"], ["包头市教育局"], ["2014年10月20日"]]))
    assert ev.title == "县级融媒体中心建设的实践与思考项目" and ev.grade == "二等奖"


def test_honor_with_nested_quotes() -> None:
    ev = one("honor", page([["荣誉证书"], ["王秀英同志：被授予“包头市“鹿城英才””荣誉称号。特发此证，以资鼓励。"],
                            ["中共包头市委组织部"], ["二〇一七年二月"]]))
    assert ev.title == "包头市“鹿城英才”" and ev.date == "2017-02" and ev.issuer == "中共包头市委组织部"


def test_honor_quoted_title_ending_in_a_stop_word_is_whole() -> None:
    ev = one("honor", page([["荣誉证书"], ["常莲同志：被授予“自治区321人才工程二层次人选”荣誉称号。特发此证，以资鼓励。"],
                            ["内蒙古自治区人力资源和社会保障厅"], ["2018年6月"]]))
    assert ev.title == "自治区321人才工程二层次人选"
    unquoted = one("honor", page([["荣誉证书"], ["常莲同志：入选自治区321人才工程二层次人选。"], ["2018年6月"]]))
    assert unquoted.title == "自治区321人才工程二层次"
    # The closing quote lost (fresh seed 385): the quotation still holds 人选, up to 荣誉称号.
    half = one("honor", page([["荣誉证书"], ["江雅凤同志 : 被授予 \"自治区321人才工程二层次人选荣誉称号。特发此证以资鼓励。"],
                              ["二〇一八年七月"]]))
    assert half.title == "自治区321人才工程二层次人选"




@pytest.mark.parametrize("misread", ("自台区", "自冶区"))
def test_a_region_in_an_honour_read_a_look_alike_off_is_put_right_by_its_issuer(misread: str) -> None:
    """治 read 台 or 冶 (a look-alike, extractors/data/confusables.tsv) in the region an honour
    names: the issuer, read apart from the title, names that region as printed, so the title is
    that region's honour. Without an issuer, or with one of another region, it stays as read
    (and EXCEPTIONAL_BASIS sees a name a character off a listed honour: review)."""
    def honour(issuer: Optional[str]) -> Evidence:
        rows = [["荣誉证书"], [f"程琳同志 : 被授予{misread}321人才工程二层次人选 \"荣誉称号。特发此证以资鼓励。"]]
        return one("honor", page(rows + ([[issuer]] if issuer else []) + [["2018年9月"]]))

    assert honour("内蒙古自治区人力资源和社会保障厅").title == "自治区321人才工程二层次"
    assert honour(None).title == f"{misread}321人才工程二层次"
    assert honour("包头市人民政府").title == f"{misread}321人才工程二层次"


def test_a_region_in_an_honour_is_put_right_only_for_a_look_alike_glyph() -> None:
    """A glyph that is no look-alike (自洽区, 包头布) may be another word: left as read."""
    from extractors.lexicons import region_confirmed

    issuer = "内蒙古自治区人力资源和社会保障厅"
    assert region_confirmed("自洽区321人才工程二层次", issuer) == "自洽区321人才工程二层次"
    assert region_confirmed("包头布劳动模范", "包头市人民政府") == "包头布劳动模范"
    assert region_confirmed("自治区杰出人才奖", issuer) == "自治区杰出人才奖"

def test_diploma_sentence_form() -> None:
    ev = one("diploma", page([["毕业证书"], ["学生王秀英，性别女，1979年12月生，于1997年9月至2001年7月在本校汉语言文学专"],
                              ["业四年制本科（非全日制）学习，修完教学计划规定的全部课程，成绩合格，准予毕业。"],
                              ["校名:内蒙古师范大学"], ["证书编号:13264200124281251"], ["2001年7月"]]))
    assert (ev.holder, ev.school, ev.major) == ("王秀英", "内蒙古师范大学", "汉语言文学")
    assert (ev.level, ev.full_time, ev.date, ev.number) == ("bachelor", False, "2001-07", "13264200124281251")
    # The bottom date sits under the school's seal; its ring cut the 7 (read 1): the sentence's
    # end of study, read in a line of print, is the graduation.
    sealed = one("diploma", page([["毕业证书"], ["学生王秀英，性别女，1979年12月生，于1997年9月至2001年7月在本校汉语言文学专"],
                                  ["业四年制本科学习，修完教学计划规定的全部课程，成绩合格，准予毕业。"], ["2001年1月"]]))
    assert sealed.date == "2001-07"


def test_a_certificate_date_the_two_engines_read_differently_is_not_taken() -> None:
    def degree(alternatives: list[str]) -> Evidence:
        p = page([["学位证书"], ["王秀英，女，1979年12月生。在内蒙古师范大学汉语言文学专业完成了本科学习计划，"],
                  ["授予文学学士学位。"], ["证书编号:3965936519600750"], ["二C〇一年七月"]])
        p.segments[-1] = p.segments[-1].model_copy(update={"alternatives": alternatives, "conf": 0.5})
        return one("degree", p)

    assert degree([]).date == "2001-07"
    assert degree(["二C一〇年七月"]).date is None  # 2001 or 2010: a human reads it
    assert degree(["二C〇一年七月。"]).date == "2001-07"  # the same date read alike
    assert degree(["二C〇一年穴月"]).date == "2001-07"  # a runner-up that is no date disputes nothing


def test_a_labelled_date_no_surer_than_a_disputed_one_is_not_taken() -> None:
    def cert(conf: float) -> Evidence:
        p = page([["专业技术资格证书"], ["姓名", "王秀英"], ["资格名称", "一级教师"], ["批准时间", "十二〇一二年一月"]], cells=True)
        p.segments[-1] = p.segments[-1].model_copy(update={"conf": conf, "alternatives": ["二〇一二年十一月"]})
        return one("title_cert", p)

    assert cert(0.5).date is None and cert(0.9).date == "2012-01"


@pytest.mark.parametrize("stray", ["四{}", "{}A", "丨{}", "{}批准"])
def test_a_labelled_date_with_a_glyph_beside_it_is_no_surer_than_a_repaired_one(stray: str) -> None:
    # A ruling or a seal's edge read as a glyph glued to the date: the recogniser that saw it may
    # have lost a glyph inside the date too (2013年11月 read 2013年1月), so nothing sure rests on it.
    def cert(date_cell: str) -> Evidence:
        return one("title_cert", page([["专业技术资格证书"], ["姓名", "王秀英"], ["资格名称", "一级教师"],
                                       ["批准时间", date_cell]], cells=True))

    plain, glued = cert("2013年1月"), cert(stray.format("2013年1月"))
    assert plain.date == glued.date == "2013-01"
    assert plain.confidence >= 0.9 and glued.confidence <= check_weight("date_repaired")
    for tidy in ("2013年1月1日", "（2013年1月）", "2013.01."):  # a day, brackets, stops: a date's own
        assert cert(tidy).confidence >= 0.9


def test_degree_and_title_cert_labelled() -> None:
    deg = one("degree", page([["学位证书"], ["王秀英，女，1979年12月生。在内蒙古师范大学汉语言文学专业完成了本科学习计划，"],
                              ["授予文学学士学位。"], ["证书编号:3965936519600750"], ["二〇〇一年七月"]]))
    assert (deg.holder, deg.degree, deg.school, deg.date) == ("王秀英", "文学学士", "内蒙古师范大学", "2001-07")
    cert = one("title_cert", page([["专业技术资格证书"], ["姓名", "王秀英"], ["资格名称", "一级教师"],
                                   ["评审组织", "包头市职称改革领导小组"], ["批准时间", "2012年9月1日"], ["证书编号", "1879521323"]], cells=True))
    assert (cert.holder, cert.title, cert.level, cert.date) == ("王秀英", "一级教师", "intermediate", "2012-09-01")
    assert cert.issuer == "包头市职称改革领导小组" and cert.number == "1879521323"


def test_title_cert_read_as_one_block() -> None:
    block = "AT经评审具备下列专业技术资格姓名王秀英性别女出生年月1982.06专业汉语言文学资格名称一级教师四评审组织包头市人力资源和社会保障局批准时间2012年4月1日证书编号4136924702"
    ev = one("title_cert", page([[block]]))
    assert (ev.holder, ev.title, ev.date, ev.issuer) == ("王秀英", "一级教师", "2012-04-01", "包头市人力资源和社会保障局")


def test_employment_covid_exam_and_holder_id() -> None:
    emp = one("employment", page([["聘用证明"], ["兹证明王秀英同志（身份证号：130104197912221140）系我单位在编在岗专业技术人员，"],
                                  ["自2008/5起聘用在专业技术八级岗位，现仍在聘。特此证明。"], ["单位（盖章）："], ["日期：2020/5/14"]]))
    assert (emp.post_grade, emp.since, emp.unit, emp.holder_id_number) == (8, "2008-05", "包头市第一中学", "130104197912221140")
    cov = one("covid_proof", page([["疫情防控一线工作证明"], ["兹证明王秀英同志于2020.01.28至2020.04.01在包头市白云鄂博矿区人民医院流行病学调查岗位参加新"],
                                   ["冠肺炎疫情防控一线工作，表现突出。特此证明。"], ["证明单位（盖章）："], ["日期：2020.04.01"]]))
    assert (cov.period_from, cov.period_to, cov.unit, cov.role) == ("2020-01-28", "2020-04-01", "包头市白云鄂博矿区人民医院", "流行病学调查")
    # a unit the organisation pattern does not know (…保健院), the role wrapped across two lines:
    # the run before 岗位, less the employer, is the role 一（七）3 reads
    wrapped = one("covid_proof", page([["疫情防控一线工作证明"], ["兹证明王秀英同志于2020.01.24至2020.03.22在包头市东河区妇幼保健院发热门诊预检分"],
                                       ["诊岗位参加新冠肺炎疫情防控一线工作，表现突出。特此证明。"], ["日期：2020.03.22"]]),
                  fields(employer="包头市东河区妇幼保健院"))
    assert wrapped.role == "发热门诊预检分诊"
    exam = one("exam_cert", page([["成绩合格证明"], ["姓名", "王秀英"], ["考试名称", "高级经济专业技术资格考试"], ["考试年度", "2019年"],
                                  ["成绩", "合格"], ["2019年9月"]], cells=True))
    assert (exam.exam, exam.result, exam.date) == ("高级经济专业技术资格考试", "合格", "2019-09")


def test_claims_listed_on_the_eval_form() -> None:
    x6 = [50.0, 75.0, 290.0, 345.0, 405.0, 460.0, 545.0]
    x5 = [50.0, 130.0, 300.0, 380.0, 460.0, 545.0]
    award_row = grid(["1"], x6[:2]) + [("马", 75.0, 77.0), ("铃薯晚疫病综合防治技术项目", 77.0, 288.0)] + grid(
        ["包头市教学成果奖二等奖", "市级", "2020.02.21", "第2名"], x6[2:])
    p = page([["专业技术资格评审表"], ["一、任现职以来发表的论文、著作"],
              grid(["序号", "论文（著作）题目", "刊物名称", "ISSN", "发表时间", "本人排名"], x6),
              grid(["1", "县域经济高质量发展对策分析", "建筑技术", "1000-4726", "2016年6月", "独著/第一作者"], x6),
              ["二、任现职以来获奖情况"], grid(["序号", "获奖项目", "奖项名称及等级", "级别", "获奖时间", "本人排名"], x6),
              award_row,
              ["三、主要业绩成果（专利、标准、项目）"], grid(["序号", "成果名称", "类别", "编号", "时间"], x5),
              grid(["1", "一种轧辊冷却装置", "实用新型专利", "ZL 20122 1539836.2", "2012-12-12"], x5)], file="A1/评审表.pdf")
    items = extract_evidence([p], [Document(kind="eval_form", file=p.file, pages=[1], confidence=1.0)], fields())
    by_kind = {e.kind: e for e in items}
    assert sorted(by_kind) == ["claimed_achievement", "claimed_award", "claimed_paper"]
    paper = by_kind["claimed_paper"]
    assert (paper.title, paper.journal, paper.issn, paper.date, paper.author_rank) == (
        "县域经济高质量发展对策分析", "建筑技术", "1000-4726", "2016-06", 1)
    award = by_kind["claimed_award"]
    assert (award.title, award.grade, award.level, award.date, award.holder_rank) == (
        "马铃薯晚疫病综合防治技术项目", "二等奖", "市级", "2020-02-21", 2)
    ach = by_kind["claimed_achievement"]
    assert (ach.title, ach.number, ach.date) == ("一种轧辊冷却装置", "ZL 20122 1539836.2", "2012-12-12")
    assert paper.source.page == 1 and paper.source.bbox is not None
    # The claim points at its title's cell and is as sure as its title and date, not its row
    # number (1 read at 0.56).
    title_seg = next(s for s in p.segments if s.text == "县域经济高质量发展对策分析")
    assert paper.source.bbox is not None and paper.source.bbox[0] == title_seg.box[0]
    p.segments = [s.model_copy(update={"conf": 0.56}) if s.text == "1" and s.box[1] == title_seg.box[1] else s
                  for s in p.segments]
    items = extract_evidence([p], [Document(kind="eval_form", file=p.file, pages=[1], confidence=1.0)], fields())
    assert next(e for e in items if e.kind == "claimed_paper").confidence == 0.95
    # A digit read twice makes nine digits: not an ISSN to check, an unread one.
    p.segments = [s.model_copy(update={"text": "02357-5930"}) if s.text == "1000-4726" else s for s in p.segments]
    items = extract_evidence([p], [Document(kind="eval_form", file=p.file, pages=[1], confidence=1.0)], fields())
    assert next(e for e in items if e.kind == "claimed_paper").issn is None
    # The date's cell run into the ISSN's (0257-5930 + 2016-12): no ISSN, not 5930-2016.
    p.segments = [s.model_copy(update={"text": "0257-59302016-12"}) if s.text == "02357-5930" else s for s in p.segments]
    items = extract_evidence([p], [Document(kind="eval_form", file=p.file, pages=[1], confidence=1.0)], fields())
    assert next(e for e in items if e.kind == "claimed_paper").issn is None


def test_a_list_heading_read_with_a_header_cell_is_no_claim() -> None:
    x6 = [50.0, 75.0, 290.0, 345.0, 405.0, 460.0, 545.0]
    p = page([["专业技术资格评审表"], ["一、任现职以来发表的论文、著作"],
              grid(["序号", "论文（著作）题目", "刊物名称", "ISSN", "发表时间", "本人排名"], x6),
              grid(["1", "县域经济高质量发展对策分析", "建筑技术", "1000-4726", "2016年6月", "独著/第一作者"], x6),
              [("二任现职以来获奖情况", 50.0, 288.0), ("级别", 292.0, 343.0)]], file="A1/评审表.pdf")
    items = extract_evidence([p], [Document(kind="eval_form", file=p.file, pages=[1], confidence=1.0)], fields())
    assert [e.title for e in items if e.kind.startswith("claimed_")] == ["县域经济高质量发展对策分析"]


def test_work_summary_keeps_text_and_photo_keeps_info() -> None:
    ev = one("work_summary", page([["专业技术工作总结"], ["本人自2002年参加工作以来，爱岗敬业。"]]))
    assert "爱岗敬业" in (ev.text or "")


def test_unread_values_stay_none() -> None:
    ev = one("award", page([["获奖证书"], ["特发此证"]]))
    assert ev.grade is None and ev.level is None and ev.holder_rank is None and ev.date is None


def test_journal_header_with_ocr_quotes_and_damaged_issn() -> None:
    p = page([["中国教育学刊”2016年第5期”第46卷"], ["I9SN1002-4808 CN11-2606/G4"], ["小学语文群文阅读教学实践"], ["王秀英"],
              ["摘要：本文……"], ["关键词：教学"]])
    ev = one("paper", p)
    assert (ev.journal, ev.issn, ev.cn, ev.issue) == ("中国教育学刊", "1002-4808", "11-2606/G4", "2016年第5期")
    assert ev.authors == ["王秀英"] and ev.author_rank == 1


def test_issuer_inside_a_certificate_read_as_one_block() -> None:
    block = "荣誉证书王秀英同志:被授予\"包头市优秀教师\"荣誉称号。特发此证以资鼓励。证书编号:RY20148150”包头市人民政府”二〇一四年九月"
    ev = one("honor", page([[block]]))
    assert (ev.holder, ev.issuer, ev.date, ev.number) == ("王秀英", "包头市人民政府", "2014-09", "RY20148150")
