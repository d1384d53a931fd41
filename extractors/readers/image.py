"""Image files: the applicant's portrait photo (kept, not OCR'd) or a scanned page (OCR'd).

Page size comes from the pixel size and the DPI stored in the file. Without a usable DPI we
assume the image is an A4 page when its aspect is A4's (phone scans rarely carry a DPI), and
200 DPI otherwise.
"""

from __future__ import annotations

import warnings
from typing import Optional

import cv2
import numpy as np
from PIL import Image, ImageOps, ImageSequence

from dossierflow.config import Limits
from dossierflow.errors import CorruptFile, LimitExceeded, UnsupportedFile
from dossierflow.models import FileInfo, PageContent, PhotoInfo
from extractors.readers import FileRead
from extractors.readers.ocr import OcrEngine
from extractors.readers.pageimage import ocr_page
from extractors.readers.reread import RereadPolicy

DEFAULT_DPI = 200.0
A4_W_IN, A4_H_IN = 8.27, 11.69
PHOTO_MAX_IN = 2.5  # a 2-inch photo is 1.38 × 1.93 in; anything this small is no document page
PHOTO_MAX_PX = 1000  # without a DPI: larger images are treated as pages
PHOTO_ASPECT = (0.6, 0.8)
PHOTO_MAX_GLYPHS = 25  # text-sized blobs a portrait may show (clothing, noise) before it is a page


def _dpi_of(img: Image.Image) -> Optional[float]:
    dpi = img.info.get("dpi")
    if dpi:
        try:
            value = float(dpi[0])
        except (TypeError, ValueError, IndexError):
            return None
        if 50 <= value <= 1200:
            return value
    return None


def _page_dpi(img: Image.Image) -> float:
    stored = _dpi_of(img)
    if stored:
        return stored
    aspect = min(img.size) / max(img.size)
    if abs(aspect - A4_W_IN / A4_H_IN) < 0.03:
        return min(img.size) / A4_W_IN
    return DEFAULT_DPI


def _glyph_count(grey: np.ndarray) -> int:
    """Dark blobs the size of printed characters: many of them means a page of text."""
    scale = 600.0 / max(grey.shape)
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    _, mask = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    h = small.shape[0]
    return sum(1 for i in range(1, n) if h * 0.005 <= stats[i][3] <= h * 0.04 and stats[i][4] >= 4)


def photo_info(img: Image.Image) -> PhotoInfo:
    rgb = np.asarray(img.convert("RGB"), dtype=np.float32)
    grey = rgb.mean(axis=2) / 255.0
    h, w = grey.shape
    bh, bw = max(1, h // 20), max(1, w // 20)
    # The background shows above and beside the head; the bottom edge is usually clothing.
    upper_h = int(h * 0.6)
    border_px = np.concatenate([rgb[:bh].reshape(-1, 3), rgb[:upper_h, :bw].reshape(-1, 3), rgb[:upper_h, -bw:].reshape(-1, 3)])
    border_grey = border_px.mean(axis=1) / 255.0
    background = np.median(border_px, axis=0)
    # A portrait: the centre is mostly something other than the background colour (a face,
    # hair, clothes), while the border is mostly background.
    differs = np.linalg.norm(rgb - background, axis=2) > 40
    centre = differs[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]
    border_share = float(np.mean(np.linalg.norm(border_px - background, axis=1) > 40))
    return PhotoInfo(
        width_px=w,
        height_px=h,
        aspect=round(w / h, 3),
        background_lightness=round(min(1.0, max(0.0, float(border_grey.mean()))), 3),
        portrait=bool(centre.size and float(centre.mean()) > 0.35 and border_share < 0.25),
    )


def looks_like_photo(img: Image.Image) -> bool:
    w, h = img.size
    aspect = w / h
    if not (PHOTO_ASPECT[0] <= aspect <= PHOTO_ASPECT[1]):
        return False
    dpi = _dpi_of(img)
    small = (w / dpi <= PHOTO_MAX_IN) if dpi else (max(w, h) <= PHOTO_MAX_PX)
    if not small:
        return False
    return _glyph_count(np.asarray(img.convert("L"))) <= PHOTO_MAX_GLYPHS


def _open(path, limits: Limits) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
            w, h = img.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise LimitExceeded(f"图片像素过多，疑似恶意文件：{exc}") from exc
    except Exception as exc:  # Pillow raises many types for broken files
        raise CorruptFile(f"图片无法打开（文件损坏或格式不支持）：{exc}") from exc
    if w * h > limits.max_page_pixels:
        raise LimitExceeded(f"图片 {w}×{h} 像素，超过上限 {limits.max_page_pixels} 像素")
    return img


def read_image(path, base: FileInfo, limits: Limits, engine: Optional[OcrEngine] = None,
               policy: Optional[RereadPolicy] = None) -> FileRead:
    img = _open(path, limits)
    frames = getattr(img, "n_frames", 1)
    if frames > limits.max_pages_per_file:
        raise LimitExceeded(f"图片共 {frames} 帧，超过每个文件 {limits.max_pages_per_file} 页的上限")
    pages: list[PageContent] = []
    try:
        for index, frame in enumerate(ImageSequence.Iterator(img), start=1):
            # A single image is page 1 of its file, as its document lists it: a source without
            # a page would cite the same picture a second time.
            page_no = index
            dpi = _page_dpi(frame)
            upright = ImageOps.exif_transpose(frame.copy()) or frame.copy()
            upright.load()
            if upright.mode not in ("L", "RGB"):
                upright = upright.convert("RGB")
            w_pt, h_pt = upright.width * 72.0 / dpi, upright.height * 72.0 / dpi
            if frames == 1 and looks_like_photo(upright):
                pages.append(
                    PageContent(
                        file=base.path, page=page_no, method="image", width_pt=round(w_pt, 2),
                        height_pt=round(h_pt, 2), dpi=int(round(dpi)), image_is_photo=True,
                        photo=photo_info(upright), image_hash=_phash(upright),
                    )
                )
            else:
                pages.append(ocr_page(upright, dpi, base.path, page_no, w_pt, h_pt, engine, policy))
    except (OSError, ValueError, SyntaxError) as exc:
        raise CorruptFile(f"图片数据损坏，无法解码：{exc}") from exc
    if not pages:
        raise UnsupportedFile("图片中没有可读取的页面")
    info = base.model_copy(update={"kind": "image", "pages": len(pages)})
    return FileRead(info=info, pages=pages)


def _phash(img: Image.Image) -> str:
    import imagehash

    return str(imagehash.phash(img.convert("L")))
