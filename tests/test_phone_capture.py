"""Pages photographed with a phone app: the page found against the table, its light and cast
corrected; flatbed scans left exactly as they are.

Pages are made the way the fixture generator makes them (a document rendered to PDF, rasterised,
photographed by `fixtures.phone.photograph`), which records where the page's corners landed.
"""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image

from extractors.readers import capture
from extractors.readers.capture import correct_capture, paper_field
from extractors.readers.pageimage import ocr_page
from extractors.readers.tones import has_red_ink
from extractors.reread_policy import FIELD_REREAD_POLICY
from fixtures.phone import NEWS_LINES, NEWSPAPER, PhoneLook, photograph
from fixtures.render_pdf import render_pdf
from fixtures.render_scan import ScanLook, rasterise, scan
from fixtures.spec import DocSpec, Pairs, Para, Signature, Stamp, Title

ISSUER = "包头市人民政府"


def _document() -> bytes:
    blocks = [Title("荣誉证书"), Para("李明同志：被授予“包头市优秀教师”荣誉称号。特发此证，以资鼓励。"),
              Para(ISSUER, align="right"), Para("二〇一八年十二月", align="right"), Stamp(ISSUER)]
    pdf, _ = render_pdf([DocSpec("honor", blocks, style="certificate")], random.Random(7))
    return pdf


def _phone_page(seed: int):
    rng = random.Random(seed)
    look = PhoneLook(170, 75, (118, 122, 128))
    page = rasterise(_document(), look.dpi)[0]
    return photograph(page, look, rng)


def _mask(corners: np.ndarray, w: int, h: int) -> np.ndarray:
    """The part of a quadrilateral inside the image, as a mask."""
    out = np.zeros((h, w), np.uint8)
    cv2.fillPoly(out, [np.round(corners).astype(np.int32)], 1)
    return out.astype(bool)


def _flatness(rgb: np.ndarray, dpi: int) -> tuple[float, float]:
    """The paper's darkest light over its brightest (1 = even), and its channels' spread."""
    field, _ = paper_field(rgb, dpi)
    light = field.max(axis=2)
    paper = np.median(field[light >= np.percentile(light, 50)], axis=0)
    return float(np.percentile(light, 5) / np.percentile(light, 95)), float(paper.max() - paper.min())


@pytest.mark.parametrize("seed", range(6))
def test_a_photographed_page_is_found_and_comes_out_flat_and_white(seed: int) -> None:
    shot = _phone_page(seed)
    rgb = np.asarray(shot.image)
    h, w = rgb.shape[:2]
    visible = _mask(shot.corners, w, h)
    frame = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float64)
    assert visible.mean() < 0.993  # the table shows: the whole image is not the page
    evenness, spread = _flatness(rgb, shot.dpi)
    assert evenness < 0.88 and spread > 20  # shaded and tinted as photographed

    fixed = correct_capture(rgb, shot.dpi)
    assert fixed is not None and fixed.steps == ("page", "light", "cast")
    found = _mask(cv2.perspectiveTransform(frame[None], fixed.to_original)[0], w, h)
    # Nothing of the table is kept, and little of the page is lost (its edge is cut a hair in).
    assert (found & visible).sum() >= 0.998 * found.sum()
    assert (found & visible).sum() >= 0.975 * visible.sum()
    evenness, spread = _flatness(fixed.image, shot.dpi)
    assert evenness > 0.95 and spread < 6
    # The seal is still red ink on white paper for the red-channel greyscale.
    assert has_red_ink(fixed.image)


@pytest.mark.parametrize("damage", ["clean", "damaged"])
def test_flatbed_scans_are_passed_on_untouched(damage: str) -> None:
    pdf = _document()
    for seed in range(4):
        rng = random.Random(seed)
        for page in scan(pdf, rng, damage, ScanLook.pick(rng, damage)):
            img = np.asarray(page.image)
            assert correct_capture(img, page.dpi) is None


def test_the_steps_can_be_left_out_for_measuring(monkeypatch: pytest.MonkeyPatch) -> None:
    shot = _phone_page(0)
    rgb = np.asarray(shot.image)
    monkeypatch.setenv(capture.STEPS_ENV, "none")
    assert correct_capture(rgb, shot.dpi) is None
    monkeypatch.setenv(capture.STEPS_ENV, "light")
    only = correct_capture(rgb, shot.dpi)
    assert only is not None and only.steps == ("light",) and only.to_original is None


FORM_VALUES = [("姓名", "王建国"), ("性别", "男"), ("出生年月", "1978年3月"), ("工作单位", "包头市昆都仑区第二中学"),
               ("现任专业技术职务", "一级教师"), ("申报资格", "高级教师"), ("学历", "大学本科"), ("毕业时间", "2000年7月")]


def _photographed_form() -> Image.Image:
    blocks = [Title("专业技术资格送审表"), Pairs(FORM_VALUES, layout="four"),
              Signature("申报人签名", "王建国", "2020年5月10日"), Stamp("包头市昆都仑区第二中学")]
    pdf, _ = render_pdf([DocSpec("submit_form", blocks)], random.Random(3))
    look = PhoneLook(150, 70, (96, 66, 42))  # 150 DPI, JPEG 70, a dark wooden table
    return photograph(rasterise(pdf, look.dpi)[0], look, random.Random(4)).image


def _values_read(image: Image.Image) -> list[str]:
    page = ocr_page(image, 150, "form.pdf", 1, 595.3, 841.9, policy=FIELD_REREAD_POLICY)
    text = "".join(s.text for s in page.segments).replace(" ", "")
    return [v for _, v in FORM_VALUES if v in text]


def test_a_photographed_form_is_read_once_its_light_is_corrected(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real Tesseract on a real rasterised page: shaded, tinted, tilted, the table beside it."""
    image = _photographed_form()
    assert _values_read(image) == [v for _, v in FORM_VALUES]
    # Found, straightened and white-balanced but left in its own uneven light, it loses them.
    monkeypatch.setenv(capture.STEPS_ENV, "page,cast")
    assert len(_values_read(image)) < len(FORM_VALUES) // 2


def test_print_beside_a_photographed_page_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A form photographed lying on a newspaper: real Tesseract reads the form and nothing of the
    newspaper once the page is found; left in, the newspaper's print is read as lines (told by
    character pairs of the newspaper's text that the form does not hold)."""
    blocks = [Title("专业技术资格送审表"), Pairs(FORM_VALUES, layout="four"), Stamp("包头市昆都仑区第二中学")]
    pdf, _ = render_pdf([DocSpec("submit_form", blocks)], random.Random(3))
    look = PhoneLook(170, 75, NEWSPAPER)
    shot = photograph(rasterise(pdf, look.dpi)[0], look, random.Random(2))
    w, h = shot.image.size
    form_text = "专业技术资格送审表包头市昆都仑区第二中学" + "".join(k + v for k, v in FORM_VALUES)
    pairs = lambda text: {text[i : i + 2] for i in range(len(text) - 1)}  # noqa: E731
    news_only = set().union(*(pairs(line) for line in NEWS_LINES)) - pairs(form_text)

    def read() -> tuple[str, int]:
        page = ocr_page(shot.image, look.dpi, "form.pdf", 1, w * 72 / look.dpi, h * 72 / look.dpi, policy=FIELD_REREAD_POLICY)
        outside = sum(1 for s in page.segments if pairs(s.text.replace(" ", "")) & news_only)
        return "".join(s.text for s in page.segments).replace(" ", ""), outside

    text, outside = read()
    assert all(v in text for _, v in FORM_VALUES) and outside == 0
    monkeypatch.setenv(capture.STEPS_ENV, "light,cast")  # the page not looked for
    _, outside = read()
    assert outside > 0
