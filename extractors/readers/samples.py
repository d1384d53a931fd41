"""Synthetic ruled form pages with known values, for the readers' own tests and OCR benchmarks.

The project's fixture generator builds whole dossiers; this module only draws one page of a
two-column 评审表-like table, so OCR accuracy can be measured cell by cell without any other stage.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from typing import Optional

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
A4_IN = (8.27, 11.69)

FORM_ROWS: list[tuple[str, str, Optional[str], Optional[str]]] = [
    ("姓名", "王建国", "性别", "男"),
    ("出生年月", "1982年5月", "最高学历", "本科"),
    ("身份证号码", "150203198205120017", None, None),
    ("工作单位", "包头市第一建筑工程有限公司", None, None),
    ("单位性质", "国有企业", "所在地区", "昆都仑区"),
    ("申报系列", "工程", "申报专业", "建筑工程"),
    ("现任专业技术职务", "工程师", "取得时间", "2015年9月"),
    ("申报资格", "高级工程师", "申报类型", "正常申报"),
    ("毕业院校", "内蒙古科技大学", "所学专业", "土木工程"),
    ("参加工作时间", "2004年7月", "现聘岗位等级", "专业技术十级"),
]


@dataclass(frozen=True)
class FormCell:
    """A value drawn on the page: its label, its text and its box in pixels of the clean page."""

    label: str
    value: str
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class FormPage:
    image: Image.Image  # greyscale, upright, clean
    dpi: int
    values: list[FormCell]


def render_form(dpi: int = 300, rows: Optional[list] = None, title: str = "专业技术资格评审表") -> FormPage:
    """Draw an A4 page with a title and a ruled label/value table (label cells and value cells)."""
    rows = rows or FORM_ROWS
    w, h = int(A4_IN[0] * dpi), int(A4_IN[1] * dpi)
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    pt = dpi / 72.0
    title_font = ImageFont.truetype(FONT_PATH, int(18 * pt))
    font = ImageFont.truetype(FONT_PATH, int(11 * pt))
    tw = draw.textlength(title, font=title_font)
    draw.text(((w - tw) / 2, int(0.9 * dpi)), title, font=title_font, fill=0)

    left, right = int(0.8 * dpi), w - int(0.8 * dpi)
    top, row_h = int(1.6 * dpi), int(0.45 * dpi)
    # Column edges: label | value | label | value, widths in fractions of the table width.
    fracs = [0.0, 0.25, 0.5, 0.7, 1.0]
    xs = [int(left + f * (right - left)) for f in fracs]
    line = max(2, dpi // 100)
    values: list[FormCell] = []
    for i, (l1, v1, l2, v2) in enumerate(rows):
        y0, y1 = top + i * row_h, top + (i + 1) * row_h
        draw.line([(left, y0), (right, y0)], fill=0, width=line)
        cells = [(xs[0], xs[1], l1), (xs[1], xs[2] if l2 else xs[4], v1)]
        if l2:
            cells += [(xs[2], xs[3], l2), (xs[3], xs[4], v2)]
        for x0, _x1, text in cells:
            draw.line([(x0, y0), (x0, y1)], fill=0, width=line)
            ty = y0 + (row_h - font.size) // 2
            draw.text((x0 + int(0.08 * dpi), ty), text, font=font, fill=0)
        draw.line([(right, y0), (right, y1)], fill=0, width=line)
        values.append(FormCell(l1, v1, (xs[1], y0, xs[2] if l2 else xs[4], y1)))
        if l2 and v2:
            values.append(FormCell(l2, v2, (xs[3], y0, xs[4], y1)))
    bottom = top + len(rows) * row_h
    draw.line([(left, bottom), (right, bottom)], fill=0, width=line)
    draw.text((left, bottom + int(0.4 * dpi)), "申报人签名：王建国    日期：2020年10月8日", font=font, fill=0)
    return FormPage(img, dpi, values)


def degrade(
    img: Image.Image,
    skew: float = 0.0,
    rotate: int = 0,
    noise: float = 0.0,
    blur: float = 0.0,
    jpeg_quality: Optional[int] = None,
    seed: int = 1,
) -> Image.Image:
    """Scanner damage: skew (degrees, counter-clockwise), a quarter turn, speckle, blur, JPEG."""
    rng = random.Random(seed)
    out = img.convert("L")
    if skew:
        out = out.rotate(skew, resample=Image.BICUBIC, expand=True, fillcolor=255)
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        arr = np.array(out, dtype=np.int16)
        nrng = np.random.default_rng(rng.randrange(1 << 30))
        arr = arr + nrng.normal(0, 255 * noise * 0.3, arr.shape).astype(np.int16)
        speckle = nrng.random(arr.shape) < noise * 0.01
        arr[speckle] = 0
        out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rotate:
        out = out.rotate(rotate, expand=True, fillcolor=255)
    if jpeg_quality:
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=jpeg_quality)
        out = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return out


def image_pdf(img: Image.Image, dpi: int) -> bytes:
    """Wrap a page image into a one-page PDF with no text layer, page box from pixels and DPI."""
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "PDF", resolution=float(dpi))
    return buf.getvalue()
