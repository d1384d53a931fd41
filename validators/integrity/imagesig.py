"""Page image signatures for DUPLICATE_ATTACHMENT.

`page_image_hash` is what readers store in `PageContent.image_hash`: a 256-bit DCT perceptual
hash (hex). At 16×16 the hash still sees a certificate's filled-in name and number, while
scanner noise, JPEG artefacts and small shifts move only a few bits. The cross check adds a
content comparison on top (see cross.py), so a shared printed template is never enough.
"""

from __future__ import annotations

from typing import Optional

from PIL import Image, ImageOps

HASH_SIZE = 16


def page_image_hash(image: Image.Image) -> str:
    import imagehash

    grey = ImageOps.autocontrast(image.convert("L"), cutoff=1)
    return str(imagehash.phash(grey, hash_size=HASH_SIZE))


def distance(a: str, b: str) -> Optional[float]:
    """Fraction of differing bits, or None when the hashes are not comparable."""
    if len(a) != len(b) or not a:
        return None
    try:
        x = int(a, 16) ^ int(b, 16)
    except ValueError:
        return None
    return bin(x).count("1") / (len(a) * 4)

