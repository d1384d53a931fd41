"""Imported once by the forkserver that parses files: the readers and the OCR models are loaded
there, so every forked child starts with them in memory instead of loading them per file."""

from __future__ import annotations

import extractors.readers.docx  # noqa: F401
import extractors.readers.image  # noqa: F401
import extractors.readers.pdf  # noqa: F401
from extractors.readers import engines

try:
    engines.warm()
except Exception:  # a missing model shows up, with its message, when a page is read
    pass
try:
    from extractors.readers.linerec import shared_recognizer

    shared_recognizer().warm()
except Exception:  # without the second recogniser, Tesseract's readings stand
    pass
