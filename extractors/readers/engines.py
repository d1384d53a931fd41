"""OCR engines behind one small interface, registered by name.

`tesseract-api` (default) keeps Tesseract loaded in the process through tesserocr's bindings:
each page costs only its recognition. `tesseract-cli` (pytesseract) starts the `tesseract`
program for every call: on this project's pages that start, loading `chi_sim` and the PNG
written for it, cost about 45% on top of recognition (0.59 s against 0.32 s a page, measured on
20 prepared 300 DPI form pages). Both run one thread (OMP_THREAD_LIMIT=1); parallelism comes
from running one process per core.

The API engine's models are loaded lazily, once per thread. The forkserver that parses files
loads them before it forks (`warm()`), so a child reading a one-page scan does not pay the load.
"""

from __future__ import annotations

import os
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional, Protocol

import numpy as np

from dossierflow.errors import CorruptFile
from extractors.readers.ocr_layout import Word

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

LANG = "chi_sim"
PSM = 6  # one uniform block: the preprocessor has removed the ruling lines layout analysis trips on
LAYOUT_VARIABLES = {"preserve_interword_spaces": "1"}
# Tesseract reads every line it is unsure of a second time with its tones flipped, in case it is
# light print on dark ground. On prepared pages those lines are seal remnants, photographs and
# faint copies, and the second reading almost never wins: it cost about a tenth of the reading's
# CPU. Reversed print is flipped before reading instead (reversed_print.py). Both names: either
# alone turns the retries off in 5.3, where tessedit_do_invert is deprecated for invert_threshold.
NO_FLIPPED_RETRY = {"invert_threshold": "0", "tessedit_do_invert": "0"}
TESS_VARIABLES = {**LAYOUT_VARIABLES, **NO_FLIPPED_RETRY}


def tess_config(variables: dict[str, str]) -> str:
    return f"--oem 1 --psm {PSM} " + " ".join(f"-c {k}={v}" for k, v in variables.items())


TESS_CONFIG = tess_config(TESS_VARIABLES)
# What the `tesseract` command does with this layout and nothing else: the speed benchmark's
# baseline, its flipped retries included.
RAW_TESS_CONFIG = tess_config(LAYOUT_VARIABLES)
OSD_MIN_CONFIDENCE = 1.5  # below this Tesseract's orientation guess is noise
OSD_MAX_SIDE = 2000  # OSD needs no more pixels than this; larger pages are halved first
# Marks Tesseract makes of ruling-line stubs, speckle and stamp edges; real ones read confidently.
_JUNK = re.compile(r"^[|!'\"“”‘’`,.;:_\-—~、。，丨Il\[\]()（）<>*+=/\\?]+$")
JUNK_CONF = 0.85


class OcrEngine(Protocol):
    """What the page reader needs from an OCR engine; tests substitute a fake."""

    def words(self, image: np.ndarray) -> list[Word]: ...

    def orientation(self, image: np.ndarray) -> Optional[int]: ...


def _keep(text: str, conf: float) -> bool:
    text = text.strip()
    return conf >= 0 and bool(text) and not (_JUNK.match(text) and conf < JUNK_CONF * 100)


def words_from_tsv(rows: list[list[str]]) -> list[Word]:
    """Word rows of Tesseract's TSV (level 5) → Words; junk marks and empty boxes dropped."""
    out: list[Word] = []
    for row in rows:
        if len(row) < 12 or row[0] != "5":
            continue
        conf = float(row[10])
        text = row[11]
        if not _keep(text, conf):
            continue
        x, y, w, h = (int(v) for v in row[6:10])
        out.append(Word(text.strip(), (x, y, x + w, y + h), conf / 100.0, (int(row[2]), int(row[3]), int(row[4]))))
    return out


def _rotate_from_osd(deg: Optional[float], conf: Optional[float]) -> Optional[int]:
    if deg is None or conf is None or conf < OSD_MIN_CONFIDENCE:
        return None
    return int(deg) % 360


def _osd_input(image: np.ndarray) -> np.ndarray:
    return image[::2, ::2] if max(image.shape[:2]) > OSD_MAX_SIDE else image


@lru_cache(maxsize=1)
def tessdata_dir() -> Optional[str]:
    """Where the `chi_sim` model lives: TESSDATA_PREFIX, else Debian's folder for Tesseract 4/5."""
    env = os.environ.get("TESSDATA_PREFIX")
    candidates = [Path(env)] if env else []
    candidates += sorted(Path("/usr/share/tesseract-ocr").glob("*/tessdata"), reverse=True)
    candidates += [Path("/usr/share/tessdata"), Path("/usr/local/share/tessdata")]
    for folder in candidates:
        if (folder / f"{LANG}.traineddata").is_file():
            return str(folder)
    return None


class TesseractApiEngine:
    """Tesseract as a library (tesserocr): models stay loaded between pages."""

    name = "tesseract-api"
    _local = threading.local()

    @staticmethod
    def is_available() -> bool:
        try:
            import tesserocr  # noqa: F401
        except ImportError:
            return False
        return tessdata_dir() is not None

    @staticmethod
    def version() -> str:
        import tesserocr

        return tesserocr.tesseract_version().split()[1]

    @classmethod
    def _api(cls, lang: str):
        apis = getattr(cls._local, "apis", None)
        if apis is None:
            apis = cls._local.apis = {}
        api = apis.get(lang)
        if api is None:
            import tesserocr

            if lang == "osd":
                api = tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang="osd", psm=tesserocr.PSM.OSD_ONLY)
            else:
                api = tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang=lang, psm=PSM, oem=tesserocr.OEM.LSTM_ONLY)
                for key, value in TESS_VARIABLES.items():
                    api.SetVariable(key, value)
            apis[lang] = api
        return api

    @classmethod
    def _set_image(cls, api, image: np.ndarray) -> None:
        # No source resolution is set: like the CLI given a PNG without one, Tesseract estimates
        # it from the text, which is what the accuracy figures were measured with.
        grey = np.ascontiguousarray(image if image.ndim == 2 else image[:, :, 0])
        h, w = grey.shape
        api.SetImageBytes(grey.tobytes(), w, h, 1, w)

    def words(self, image: np.ndarray) -> list[Word]:
        api = self._api(LANG)
        self._set_image(api, image)
        tsv = api.GetTSVText(0)
        if tsv is None:
            raise CorruptFile("文字识别失败：识别引擎未返回结果")
        return words_from_tsv([line.split("\t") for line in tsv.splitlines()])

    def orientation(self, image: np.ndarray) -> Optional[int]:
        """Clockwise degrees to turn the image upright; None if Tesseract cannot tell."""
        api = self._api("osd")
        self._set_image(api, _osd_input(image))
        try:
            osd = api.DetectOrientationScript()
        except RuntimeError:
            return None
        if not osd:
            return None
        # orient_deg is how far the content is turned clockwise; turning it back upright takes
        # the rest of the circle (the CLI prints this as "Rotate").
        return _rotate_from_osd((360 - osd["orient_deg"]) % 360, osd["orient_conf"])


class TesseractCliEngine:
    """The `tesseract` program through pytesseract: one process per call."""

    name = "tesseract-cli"

    @staticmethod
    def is_available() -> bool:
        import shutil

        return shutil.which("tesseract") is not None

    @staticmethod
    def version() -> str:
        import pytesseract

        return str(pytesseract.get_tesseract_version())

    def words(self, image: np.ndarray) -> list[Word]:
        import pytesseract
        from PIL import Image

        try:
            data = pytesseract.image_to_data(
                Image.fromarray(image), lang=LANG, config=TESS_CONFIG,
                output_type=pytesseract.Output.DICT,
            )
        except pytesseract.TesseractError as exc:  # pragma: no cover - depends on the binary
            raise CorruptFile(f"文字识别失败：{exc.message[:200]}") from exc
        rows = [
            ["5", "1", str(data["block_num"][i]), str(data["par_num"][i]), str(data["line_num"][i]), "0",
             str(data["left"][i]), str(data["top"][i]), str(data["width"][i]), str(data["height"][i]),
             str(data["conf"][i]), data["text"][i]]
            for i in range(len(data["text"]))
        ]
        return words_from_tsv(rows)

    def orientation(self, image: np.ndarray) -> Optional[int]:
        import pytesseract
        from PIL import Image

        try:
            osd = pytesseract.image_to_osd(Image.fromarray(_osd_input(image)), config="--psm 0")
        except pytesseract.TesseractError:
            return None
        m = re.search(r"Rotate:\s*(\d+)", osd)
        c = re.search(r"Orientation confidence:\s*([\d.]+)", osd)
        return _rotate_from_osd(float(m.group(1)) if m else None, float(c.group(1)) if c else None)


ENGINES: dict[str, Callable[[], OcrEngine]] = {
    TesseractApiEngine.name: TesseractApiEngine,
    TesseractCliEngine.name: TesseractCliEngine,
}


@lru_cache(maxsize=1)
def default_engine_name() -> str:
    """`DOSSIER_OCR_ENGINE` if set, else the API engine when tesserocr and the model are there."""
    chosen = os.environ.get("DOSSIER_OCR_ENGINE")
    if chosen:
        if chosen not in ENGINES:
            raise ValueError(f"DOSSIER_OCR_ENGINE={chosen!r}: known engines are {', '.join(ENGINES)}")
        return chosen
    return TesseractApiEngine.name if TesseractApiEngine.is_available() else TesseractCliEngine.name


def default_engine() -> OcrEngine:
    return ENGINES[default_engine_name()]()


def warm() -> None:
    """Load the default engine's models in this thread (the forkserver calls this once)."""
    if default_engine_name() == TesseractApiEngine.name:
        TesseractApiEngine._api(LANG)
        TesseractApiEngine._api("osd")
