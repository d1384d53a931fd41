"""CE cards through the real OCR path: a damaged row is read, or named unread, never dropped.

Cards are drawn for real (the printed table of 审验卡, rows of years and hours), damaged as scans
are (noise, blur, a small angle, JPEG), one row marred in a way scans mar it, and read by
Tesseract; CE_CARD_VALID is then judged on what was read.
"""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from dossierflow.models import Document
from extractors.evidence import extract_evidence
from extractors.readers.pageimage import ocr_page
from extractors.reread_policy import FIELD_REREAD_POLICY
from tests.scanned import as_scanned

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
DPI = 200
W, H = int(8.27 * DPI), int(11.69 * DPI)
PT = 72.0 / DPI
ROWS = {"2018": ("36", "64", "100"), "2019": ("36", "64", "100"), "2020": ("30", "72", "102")}
COLS = [150, 350, 650, 950, 1150, 1450]


def card_scan(marred: str, how: str, seed: int) -> Image.Image:
    img = Image.new("L", (W, H), 255)
    d = ImageDraw.Draw(img)
    title, body = ImageFont.truetype(FONT, 52), ImageFont.truetype(FONT, 32)
    d.text((420, 160), "专业技术人员继续教育审验卡", font=title, fill=0)
    d.text((150, 300), "姓名：王秀英", font=body, fill=0)
    d.text((150, 360), "工作单位：包头市第一中学", font=body, fill=0)
    header = ["年度", "公需科目学时", "专业科目学时", "合计", "审验结果"]
    top, row_h = 460, 90
    for r, cells in enumerate([header, *[[y, *v, "合格"] for y, v in ROWS.items()]]):
        y = top + r * row_h
        for c, text in enumerate(cells):
            if r and cells[0] == marred and c == 0 and how == "mark":
                text += "·"
            d.text((COLS[c] + 20, y + 25), text, font=body, fill=0)
        if r and cells[0] == marred and how == "blot":
            d.ellipse((COLS[0] + 10, y + 10, COLS[1] - 20, y + row_h - 5), fill=40)
    for r in range(len(ROWS) + 2):
        d.line((COLS[0], top + r * row_h, COLS[-1], top + r * row_h), fill=0, width=3)
    for x in COLS:
        d.line((x, top, x, top + (len(ROWS) + 1) * row_h), fill=0, width=3)
    d.text((150, top + 4 * row_h + 60), "审验单位：包头市人力资源和社会保障局", font=body, fill=0)
    d.text((150, top + 4 * row_h + 120), "审验日期：2020年4月16日", font=body, fill=0)
    return as_scanned(img, seed, blur=0.7, angle=0.5)


def card_reading(img: Image.Image):
    page = ocr_page(img, DPI, "A1/审验卡.jpg", None, W * PT, H * PT, policy=FIELD_REREAD_POLICY)
    (ev,) = extract_evidence([page], [Document(kind="ce_card", file=page.file, pages=[1], confidence=1.0)], {})
    return ev


@pytest.mark.parametrize("marred,how,seed", [("2019", "mark", 1), ("2020", "blot", 2)])
def test_a_marred_ce_row_is_read_or_named_unread_on_a_real_scan(marred: str, how: str, seed: int) -> None:
    ev = card_reading(card_scan(marred, how, seed))
    unread = set(ev.unread_parts or ())
    for year in ROWS:
        assert year in (ev.hours or {}) or year in unread or "?" in unread, (year, ev.hours, unread)


def test_a_whole_ce_card_on_a_real_scan_is_read_whole() -> None:
    ev = card_reading(card_scan("", "", 3))
    assert set(ev.hours or {}) == set(ROWS) and not ev.unread_parts, ev
