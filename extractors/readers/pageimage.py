"""A page image (rendered PDF page or image file) → an OCR `PageContent` in PDF points."""

from __future__ import annotations

from typing import Optional

import cv2
import imagehash
import numpy as np
from PIL import Image

from dossierflow.models import PageContent, Segment
from extractors.readers.capture import correct_capture
from extractors.readers.ocr import OcrEngine, ocr_image
from extractors.readers.photo_region import find_photo
from extractors.readers.reread import RereadPolicy

BLANK_INK = 0.0015  # share of dark pixels below which a page is blank and not worth OCR
PHOTO_PAGE_MAX_CHARS = 60  # a heading and a caption; more text is a form or certificate with a picture


HASH_WIDTH = 256  # pixels the perceptual hash is computed from; it looks at 32×32 in the end


def page_hash(grey: np.ndarray) -> str:
    """Perceptual hash of a page, from a small copy: hashing the full page spent as long shrinking
    it (Pillow's Lanczos over millions of pixels) as a tenth of the page's OCR."""
    h, w = grey.shape[:2]
    if w > HASH_WIDTH:
        grey = cv2.resize(grey, (HASH_WIDTH, max(1, round(h * HASH_WIDTH / w))), interpolation=cv2.INTER_AREA)
    return str(imagehash.phash(Image.fromarray(grey)))


def is_blank(grey: np.ndarray) -> bool:
    # Sampled, not averaged down: averaging would turn thin strokes of a 150 DPI scan into grey.
    return float(np.mean(grey[::2, ::2] < 160)) < BLANK_INK


def ocr_page(
    image: Image.Image,
    dpi: float,
    file: str,
    page: Optional[int],
    width_pt: float,
    height_pt: float,
    engine: Optional[OcrEngine] = None,
    policy: Optional[RereadPolicy] = None,
) -> PageContent:
    """OCR one page image; boxes are mapped from pixels of `image` to the page's points.
    `policy` chooses what the second recogniser reads again (`ocr.ocr_image`)."""
    rgb = np.asarray(image.convert("RGB") if image.mode not in ("L", "RGB") else image)
    grey = rgb if rgb.ndim == 2 else cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    phash = page_hash(grey)
    if is_blank(grey):
        return PageContent(
            file=file, page=page, method="ocr", width_pt=width_pt, height_pt=height_pt,
            dpi=int(round(dpi)), image_hash=phash,
        )
    # A photographed page (uneven light, a cast, the table beside it) is read as if scanned flat;
    # a flatbed scan needs nothing and is read as it is.
    capture = correct_capture(rgb, dpi)
    result = ocr_image(capture.image if capture is not None else rgb, dpi, engine, policy)
    # Boxes stay on the straightened page: it is the page (its quad was warped onto the page box),
    # and mapped back into the tilted photograph a row's cells drifted apart in height, so a
    # claim row's ISSN was read together with the date beside it.
    photo = None
    # Looked for only on a page with little text: on any other it would not be kept.
    region = find_photo(grey, dpi) if sum(len(s.text) for s in result.segments) <= PHOTO_PAGE_MAX_CHARS else None
    if region is not None:
        from extractors.readers.image import photo_info  # image.py imports this module

        photo = photo_info(image.crop((region.x0, region.y0, region.x1, region.y1)))
    sx = width_pt / image.width
    sy = height_pt / image.height
    segments = [
        Segment(
            text=s.text,
            box=(
                round(max(0.0, s.box[0] * sx), 2),
                round(max(0.0, s.box[1] * sy), 2),
                round(min(width_pt, s.box[2] * sx), 2),
                round(min(height_pt, s.box[3] * sy), 2),
            ),
            conf=s.conf,
            cell=s.cell,
            alternatives=s.alternatives,
            alternative_confs=s.alternative_confs,
        )
        for s in result.segments
    ]
    unread = [
        (round(max(0.0, x0 * sx), 2), round(max(0.0, y0 * sy), 2), round(min(width_pt, x1 * sx), 2),
         round(min(height_pt, y1 * sy), 2))
        for x0, y0, x1, y1 in result.unread_ink
    ]
    return PageContent(
        file=file,
        page=page,
        method="ocr",
        width_pt=round(width_pt, 2),
        height_pt=round(height_pt, 2),
        segments=segments,
        unread_ink=unread,
        ocr_confidence=result.confidence,
        rotation=result.rotation,
        skew=result.skew,
        dpi=int(round(dpi)),
        image_hash=phash,
        photo=photo,
    )
