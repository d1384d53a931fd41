"""Imported once by the forkserver that parses files: the readers, the libraries they import
lazily and the OCR models are loaded there, so every forked child starts with them in memory.

Measured: without the lazy imports warmed (scipy through imagehash, Pillow's format plugins,
numpy submodules: some 180 modules), each child spent about 0.1-0.3 s importing them again,
10-15% on top of the OCR of a batch.
"""

from __future__ import annotations

import pypdf.filters  # noqa: F401

import dossierflow.privacy  # noqa: F401
import extractors.readers.docx  # noqa: F401
import extractors.readers.image  # noqa: F401
import extractors.readers.pdf  # noqa: F401
from extractors.readers import engines
from extractors.readers.reader_process import skip_main_fixup_for_readers

skip_main_fixup_for_readers()


def _warm_lazy_imports() -> None:
    import datetime

    import imagehash
    import numpy as np
    from PIL import Image

    Image.init()  # every image format plugin, not only those imported so far
    imagehash.phash(Image.fromarray(np.zeros((64, 64), dtype=np.uint8)))  # pulls in scipy.fftpack
    datetime.datetime.strptime("2020-01-01", "%Y-%m-%d")  # _strptime is imported on first use


try:
    _warm_lazy_imports()
except Exception:  # a child imports what it needs anyway
    pass
try:
    engines.warm()
except Exception:  # a missing model shows up, with its message, when a page is read
    pass
try:
    from extractors.readers.linerec import shared_recognizer

    shared_recognizer().warm()
except Exception:  # without the second recogniser, Tesseract's readings stand
    pass
