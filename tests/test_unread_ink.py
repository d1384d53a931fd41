"""Ink OCR returned no words for: a place with unread ink is never read as blank.

Pledge pages are drawn for real (a printed text, the signature label, a handwritten-like name
drawn as strokes no font has), damaged as scans are (noise, blur, a small angle, JPEG) and read by
the real OCR path; an unsigned page is the same page without the strokes.
"""

from __future__ import annotations

import math

import numpy as np
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


def scrawl(draw: ImageDraw.ImageDraw, x: int, y: int, seed: int, ink: int) -> None:
    """A name written fast: looping strokes of a pen, three characters wide, `ink` grey."""
    rng = np.random.default_rng(seed)
    for c in range(3):
        cx = x + c * 70
        pts = []
        for k in range(40):
            t = k / 39 * 2 * math.pi * (1.5 + rng.random())
            pts.append((cx + 30 * math.cos(t) * rng.uniform(0.6, 1.0) + k * 0.8,
                        y + 22 * math.sin(1.7 * t) * rng.uniform(0.6, 1.0)))
        draw.line(pts, fill=ink, width=3, joint="curve")


def pledge_scan(signed: bool, below: bool, seed: int, ink: int = 110) -> Image.Image:
    img = Image.new("L", (W, H), 255)
    d = ImageDraw.Draw(img)
    title, body = ImageFont.truetype(FONT, 56), ImageFont.truetype(FONT, 36)
    d.text((520, 180), "职称申报诚信承诺书", font=title, fill=0)
    text = ["本人郑重承诺：本人所提交的申报材料真实、准确、完整，",
            "所填写的学历、资历、业绩成果等信息均真实有效，",
            "无弄虚作假、学术不端行为。如有不实，本人愿意承担一切后果。", "特此承诺。"]
    for i, line in enumerate(text):
        d.text((170, 360 + 70 * i), line, font=body, fill=0)
    d.text((900, 760), "承诺人（签名）：", font=body, fill=0)
    d.text((900, 960), "2020年5月21日", font=body, fill=0)
    if signed:
        scrawl(d, 960 if below else 1200, 860 if below else 780, seed, ink)
    return as_scanned(img, seed, blur=0.8, angle=0.6)


def pledge_reading(img: Image.Image):
    page = ocr_page(img, DPI, "A1/承诺书.jpg", None, W * PT, H * PT, policy=FIELD_REREAD_POLICY)
    doc = Document(kind="pledge", file=page.file, pages=[1], confidence=1.0)
    (ev,) = extract_evidence([page], [doc], {})
    return page, ev


# A dark pen OCR reads as scrawl (signed, name unreadable); a faint one it returns nothing for,
# neither on the label's line nor under it.
@pytest.mark.parametrize("below,seed,ink", [(False, 1, 110), (True, 2, 110), (False, 4, 30)])
def test_a_signature_ocr_could_not_read_is_never_read_as_unsigned(below: bool, seed: int, ink: int) -> None:
    page, ev = pledge_reading(pledge_scan(signed=True, below=below, seed=seed, ink=ink))
    assert ev.signed is not False, (ev, page.unread_ink)


def test_a_blank_signature_line_on_a_damaged_scan_still_reads_unsigned() -> None:
    page, ev = pledge_reading(pledge_scan(signed=False, below=False, seed=3))
    assert ev.signed is False and ev.confidence >= 0.6, (ev, page.unread_ink)
