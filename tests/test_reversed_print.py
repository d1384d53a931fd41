"""Light print on a dark bar (black, or a printed colour) is flipped before reading, and nothing
else is: Tesseract no longer tries doubtful lines with their tones flipped, so a bar of reversed
print is read only if the page reaches it already flipped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from dossierflow.config import Limits
from extractors.readers import read_file
from extractors.readers.engines import TesseractApiEngine
from extractors.readers.reversed_print import find_reversed_print, flip_reversed_print
from extractors.readers.tones import page_tones

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
DPI = 300
BAR = (150, 560, 2300, 710)  # x0, y0, x1, y1
BAR_TEXT = "资格名称：高级工程师 证书编号：2019150200123"


# Printed colour grounds and the print on them, as certificates and forms have them.
COLOUR_BARS = {
    "white on red": ((200, 30, 30), (255, 255, 255)),
    "gold on red": ((190, 20, 25), (250, 215, 90)),
    "yellow on blue": ((20, 50, 140), (255, 230, 60)),
}


def _page(
    bar: tuple[int, int, int, int] | None = BAR,
    bar_text: str | None = BAR_TEXT,
    mode: str = "L",
    ground: str | tuple[int, int, int] = "black",
    ink: str | tuple[int, int, int] = "white",
) -> Image.Image:
    img = Image.new(mode, (2480, 3508), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 48)
    draw.text((200, 300), "专业技术资格证书 姓名：张三 性别：男", font=font, fill="black")
    if bar is not None:
        draw.rectangle(bar, fill=ground)
        if bar_text:
            draw.text((bar[0] + 50, bar[1] + 45), bar_text, font=font, fill=ink)
    draw.text((200, 1700), "评审通过时间：二〇一九年十二月", font=font, fill="black")
    return img


def _grey(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L")).copy()


def test_a_bar_of_light_print_becomes_dark_print_on_paper() -> None:
    out, _ = flip_reversed_print(_grey(_page()), DPI)
    x0, y0, x1, y1 = BAR
    bar = out[y0:y1, x0:x1]
    assert np.mean(bar > 128) > 0.9  # the ground is paper now
    assert np.count_nonzero(bar < 128) > 2000  # and the marks are ink
    # No black frame where the bar's edge met the paper.
    assert np.count_nonzero(out[y0 - 3 : y0, x0:x1] < 128) == 0
    assert np.count_nonzero(out[y1 : y1 + 3, x0:x1] < 128) == 0


def test_a_page_without_reversed_print_is_returned_as_it_was() -> None:
    grey = _grey(_page(bar=None))
    out, flipped = flip_reversed_print(grey, DPI)
    assert out is grey and flipped == []


def test_a_bar_with_nothing_in_it_is_left_dark() -> None:
    # A redaction bar, a filled box: there is no print to bring out.
    grey = _grey(_page(bar_text=None))
    out, flipped = flip_reversed_print(grey, DPI)
    assert out is grey and flipped == []


def test_a_dark_area_of_a_quarter_page_or_more_is_left_alone() -> None:
    # A photograph or the table a phone photo was taken on: flipping it would make a page of ink.
    grey = _grey(_page(bar=(100, 500, 2400, 2300)))
    out, flipped = flip_reversed_print(grey, DPI)
    assert out is grey and flipped == []


def test_a_shadowed_band_of_dark_print_is_left_alone() -> None:
    # A shadow across a phone photo, with patches of glare: grey ground, print darker still.
    # Flipped, the print would be lighter than its ground.
    img = _page(bar=None)
    draw = ImageDraw.Draw(img)
    draw.rectangle(BAR, fill=105)
    draw.text((BAR[0] + 50, BAR[1] + 45), BAR_TEXT, font=ImageFont.truetype(FONT, 48), fill=20)
    for x in (1500, 1750, 2000):
        draw.ellipse((x, BAR[1] + 20, x + 150, BAR[1] + 120), fill=150)
    grey = _grey(img)
    out, flipped = flip_reversed_print(grey, DPI)
    assert out is grey and flipped == []


def test_the_engine_no_longer_flips_doubtful_lines_itself() -> None:
    # The reason this step exists: the bar alone, unflipped, reads as nothing confident.
    x0, y0, x1, y1 = BAR
    bar = _grey(_page())[y0 - 40 : y1 + 40, x0 - 40 : x1 + 40]
    words = TesseractApiEngine().words(bar)
    assert not any("2019150200123" in w.text and w.conf >= 0.8 for w in words)


def test_the_bar_is_read_on_a_real_page(tmp_path: Path) -> None:
    path = tmp_path / "certificate.png"
    _page(mode="RGB").save(path, dpi=(DPI, DPI))
    read = read_file(path, "certificate.png", Limits.from_env())
    texts = [s.text.replace(" ", "") for page in read.pages for s in page.segments if s.conf >= 0.8]
    assert any("2019150200123" in t and "证书编号" in t for t in texts), texts


@pytest.mark.parametrize("colours", list(COLOUR_BARS.values()), ids=list(COLOUR_BARS))
def test_a_coloured_bar_becomes_dark_print_on_paper(colours: tuple) -> None:
    # The greyscale the readers work on makes red paper (seals vanish), and a red bar with it:
    # the bar is found in the luminance, and its ground stretched to paper whatever its colour.
    ground, ink = colours
    grey, _, lum = page_tones(np.asarray(_page(mode="RGB", ground=ground, ink=ink)))
    out, _ = flip_reversed_print(grey, DPI, lum)
    x0, y0, x1, y1 = BAR
    bar = out[y0:y1, x0:x1]
    assert np.mean(bar > 200) > 0.85
    assert np.count_nonzero(bar < 100) > 2000


def test_a_red_seal_is_not_a_bar() -> None:
    # A seal's ring and lettering are strokes, never a solid block: nothing to flip.
    img = _page(bar=None, mode="RGB")
    draw = ImageDraw.Draw(img)
    draw.ellipse((900, 1200, 1500, 1800), outline=(210, 30, 30), width=14)
    draw.text((1000, 1450), "人事专用章", font=ImageFont.truetype(FONT, 80), fill=(210, 30, 30))
    draw.polygon([(1200, 1260), (1230, 1340), (1170, 1340)], fill=(210, 30, 30))
    _, _, lum = page_tones(np.asarray(img))
    assert find_reversed_print(lum, DPI) == []


def test_a_portrait_on_a_red_ground_is_not_a_bar() -> None:
    # An ID photo printed on a certificate: dark red ground, a light face and shirt reaching the
    # photo's lower edge, a few highlights. Its light is mostly the figure, not marks inside.
    img = _page(bar=None, mode="RGB")
    draw = ImageDraw.Draw(img)
    x0, y0, x1, y1 = 1700, 1000, 2113, 1579  # 35 x 49 mm at 300 DPI
    draw.rectangle((x0, y0, x1, y1), fill=(200, 25, 30))
    draw.ellipse((x0 + 120, y0 + 110, x1 - 120, y0 + 420), fill=(235, 200, 180))
    draw.polygon([(x0 + 30, y1), (x0 + 110, y0 + 430), (x1 - 110, y0 + 430), (x1 - 30, y1)], fill=(245, 245, 245))
    draw.ellipse((x0 + 140, y0 + 60, x1 - 140, y0 + 200), fill=(25, 20, 20))  # hair
    for dx in (170, 205, 240):
        draw.ellipse((x0 + dx, y0 + 90, x0 + dx + 14, y0 + 104), fill=(230, 230, 230))  # highlights
    _, _, lum = page_tones(np.asarray(img))
    assert find_reversed_print(lum, DPI) == []


@pytest.mark.parametrize("colours", list(COLOUR_BARS.values()), ids=list(COLOUR_BARS))
def test_a_coloured_bar_is_read_on_a_real_page(tmp_path: Path, colours: tuple) -> None:
    ground, ink = colours
    path = tmp_path / "certificate.png"
    _page(mode="RGB", ground=ground, ink=ink).save(path, dpi=(DPI, DPI))
    read = read_file(path, "certificate.png", Limits.from_env())
    texts = [s.text.replace(" ", "") for page in read.pages for s in page.segments if s.conf >= 0.8]
    assert any("2019150200123" in t and "证书编号" in t for t in texts), texts


def test_a_red_header_bar_is_not_a_seal_over_the_tables_lines(tmp_path: Path) -> None:
    # A table's column lines stop at a red header bar and go on below it. Red ink that touches a
    # line is where a seal may hide it, so a bar still counted as red ink once flipped had the
    # lines drawn on through it, and they cut its print (正书编号, the number split in two).
    img = _page(bar=None, mode="RGB")
    draw = ImageDraw.Draw(img)
    x0, y0, x1, y1 = BAR
    for x in (x0, 700, 1250, 1800, x1):
        draw.line((x, y0 - 260, x, y0), fill="black", width=4)
        draw.line((x, y1, x, y1 + 390), fill="black", width=4)
    for y in (y0 - 260, y1 + 190, y1 + 390):
        draw.line((x0, y, x1, y), fill="black", width=4)
    draw.rectangle(BAR, fill=(200, 30, 30))
    draw.text((x0 + 50, y0 + 45), BAR_TEXT, font=ImageFont.truetype(FONT, 48), fill="white")
    path = tmp_path / "certificate.png"
    img.save(path, dpi=(DPI, DPI))
    read = read_file(path, "certificate.png", Limits.from_env())
    texts = [s.text.replace(" ", "") for page in read.pages for s in page.segments if s.conf >= 0.8]
    assert any("2019150200123" in t and "证书编号" in t for t in texts), texts
