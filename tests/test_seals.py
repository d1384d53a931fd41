"""Seals scanned in greyscale: found, whitened, and the print under them kept and read.

Pages are made the way the fixture generator makes them (a certificate rendered to PDF with its
seal, rasterised, scanned in greyscale), with and without the seal, so the print under the seal
is known pixel for pixel.
"""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.readers import ocr, preprocess, seals
from extractors.readers.tones import has_red_ink, to_grey
from extractors.reread_policy import FIELD_REREAD_POLICY
from fixtures.render_pdf import render_pdf
from fixtures.render_scan import ScanLook, scan
from fixtures.spec import DocSpec, Para, Stamp, Title

DATE = "二〇一八年十二月"
ISSUER = "包头市人民政府"


def _certificate(seed: int, dpi: int, with_seal: bool = True, grey: bool = True) -> np.ndarray:
    blocks = [Title("荣誉证书"), Para("李明同志：被授予“包头市优秀教师”荣誉称号。特发此证，以资鼓励。"),
              Para(ISSUER, align="right"), Para(DATE, align="right")]
    pdf, _ = render_pdf([DocSpec("honor", blocks + ([Stamp(ISSUER)] if with_seal else []), style="certificate")],
                        random.Random(seed))
    look = ScanLook(dpi, grey, skew_max=1.0, speckle=0.0, blur=0.0, jpeg_q=90, turn_prob=0.0)
    return np.asarray(scan(pdf, random.Random(seed), "clean", look)[0].image)


@pytest.mark.parametrize("seed,dpi", [(1, 200), (2, 300)])
def test_a_greyscale_seal_is_found_and_whitened_and_the_print_under_it_kept(seed: int, dpi: int) -> None:
    page = _certificate(seed, dpi)
    print_only = _certificate(seed, dpi, with_seal=False)
    found = seals.find_seals(page, dpi)
    assert len(found) == 1
    s = found[0]
    assert 90 <= s.tone <= 150  # red at 78% opacity on white, in greyscale
    ys, xs, disk = seals._disk(page.shape, s.cx, s.cy, s.r * seals.COVER)
    # The seal is where the two renderings differ; a rim of two pixels round the print is kept
    # on purpose (the print's antialiasing), so the seal is looked at beyond it.
    near_print = cv2.dilate((print_only[ys, xs] < 250).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    seal_ink = disk & (page[ys, xs] < 200) & ~near_print
    assert seal_ink.sum() > 0.05 * disk.sum()
    out = seals.whiten_seals(page, dpi)
    assert np.mean(out[ys, xs][seal_ink] < 200) < 0.01
    # The print is still there, under the seal as well as beside it.
    strokes = disk & (print_only[ys, xs] < 100)
    assert strokes.sum() > 500
    assert np.mean(out[ys, xs][strokes] < 160) > 0.97


def _read(page: np.ndarray, dpi: int) -> str:
    return "".join(s.text for s in ocr.ocr_image(page, dpi, policy=FIELD_REREAD_POLICY).segments).replace(" ", "")


def test_the_date_under_a_greyscale_seal_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    pages = [(_certificate(seed, dpi), dpi) for seed, dpi in [(3, 200), (4, 240), (5, 300)]]
    assert all(DATE in _read(page, dpi) for page, dpi in pages)
    # Without the whitening the same pages lose the date (what this step is for).
    monkeypatch.setattr(preprocess, "whiten_seals", lambda grey, dpi: grey)
    assert not all(DATE in _read(page, dpi) for page, dpi in pages)


def test_a_colour_seal_is_left_to_the_red_channel() -> None:
    colour = _certificate(1, 300, grey=False)
    grey = to_grey(colour)
    assert seals._ring_candidates(grey, 300)  # the ring is there, pale ...
    assert seals.find_seals(grey, 300) == []  # ... and binarisation already takes it for paper
    # So a page with red ink is not searched for grey seals at all; a greyscale scan is.
    assert has_red_ink(colour)
    assert not has_red_ink(_certificate(1, 300)) and not has_red_ink(np.dstack([_certificate(1, 300)] * 3))


def test_a_red_strokes_pale_edge_goes_with_the_stroke_not_the_print() -> None:
    # Pixels of a seal's lettering in a JPEG scan (fresh seed 345): the stroke's core, its paler
    # edge (red by 40-60 levels: luminance alone kept it as a grey outline of the lettering over
    # a value, read 本千中证 for 本科), black print, black print under the seal, grey, blue ink.
    px = np.array([[[197, 102, 110], [187, 128, 124], [193, 138, 135], [34, 34, 34], [150, 150, 150], [20, 40, 200]]], np.uint8)
    grey = to_grey(px)[0]
    assert grey[0] == 197 and grey[1] >= 180 and grey[2] >= 185  # the stroke, edge and all, is pale
    assert list(grey[3:5]) == [34, 150] and grey[5] < 70  # print of every other colour keeps its level


def test_a_page_without_a_seal_is_returned_as_it_was() -> None:
    page = _certificate(1, 300, with_seal=False)
    assert seals.whiten_seals(page, 300) is page


def test_print_in_the_seals_own_grey_is_left_alone() -> None:
    # A faded copy: the print is as grey as a seal's ink would be; nothing tells them apart.
    page = Image.new("L", (1400, 1000), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype("/usr/share/fonts/truetype/arphic/uming.ttc", 50)
    for row in range(4):
        draw.text((80, 20 + 60 * row), "同志：被授予荣誉称号，特发此证，以资鼓励。" * 2, font=font, fill=122)
    draw.ellipse((430, 260, 890, 720), outline=122, width=12)
    draw.text((560, 450), DATE, font=font, fill=122)
    grey = np.asarray(page)
    assert seals._ring_candidates(grey, 300)
    assert seals.find_seals(grey, 300) == []
    assert seals.whiten_seals(grey, 300) is grey
