"""A drawn page as a worn flatbed scan gives it: blurred, grainy, slightly turned, saved as JPEG."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter


def as_scanned(img: Image.Image, seed: int, blur: float, angle: float, quality: int = 50) -> Image.Image:
    rng = np.random.default_rng(seed)
    noisy = np.asarray(img.filter(ImageFilter.GaussianBlur(blur))).astype(np.float32) + rng.normal(0, 14, (img.height, img.width))
    img = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).rotate(angle, fillcolor=255, resample=Image.BILINEAR)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("L")
