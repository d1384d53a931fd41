"""What produced a result: recorded on every line so an audit can tell a changed rulebook or
engine from a changed result."""

from __future__ import annotations

import functools
import hashlib
import shutil
import subprocess
from pathlib import Path

from dossierflow import __version__
from extractors.dossier import EXTRACTOR_VERSION
from extractors.readers.engines import ENGINES, default_engine_name
from extractors.readers.linerec import version as line_recogniser
from validators.rulebook import load_rulebook


@functools.lru_cache(maxsize=1)
def tesseract_versions() -> dict[str, str]:
    """The engine that reads pages (the in-process library or the CLI), its Tesseract version and
    the `chi_sim` model's version."""
    name = default_engine_name()
    out: dict[str, str] = {"ocr_engine": name, "chi_sim": _traineddata_version("chi_sim")}
    second = line_recogniser()
    if second:
        out["name_recogniser"] = second
    try:
        out["tesseract"] = ENGINES[name]().version()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a version we cannot tell must not stop a run
        out.update(_cli_version())
    return out


def _cli_version() -> dict[str, str]:
    out: dict[str, str] = {}
    exe = shutil.which("tesseract")
    if not exe:
        return {"tesseract": "missing"}
    try:
        text = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=20).stdout
        out["tesseract"] = text.split()[1] if text.split() else "unknown"
    except (OSError, subprocess.SubprocessError, IndexError):
        out["tesseract"] = "unknown"
    return out


def _traineddata_version(lang: str) -> str:
    """The Debian package version when there is one, else a short hash of the model file."""
    try:
        res = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", f"tesseract-ocr-{lang.replace('_', '-')}"],
            capture_output=True, text=True, timeout=20,
        )
        if res.returncode == 0 and res.stdout.strip():
            return res.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    for folder in Path("/usr/share/tesseract-ocr").glob("*/tessdata"):
        model = folder / f"{lang}.traineddata"
        if model.exists():
            return "sha256:" + hashlib.sha256(model.read_bytes()).hexdigest()[:12]
    return "missing"


def engine_versions(rulebook: object) -> dict[str, str]:
    name = getattr(rulebook, "name", "unknown")
    digest = getattr(rulebook, "content_hash", "")
    out = {"dossierflow": __version__, "rulebook": f"{name}@{digest[:8]}" if digest else name}
    out.update(tesseract_versions())
    return out


def installed_versions(rulebook_name: str) -> dict[str, str]:
    """For `dossier --version`: what a run would record in `versions`, in reading order, with a
    second recogniser that is not installed said so rather than left out."""
    found = engine_versions(load_rulebook(rulebook_name))
    order = ("dossierflow", "extractor", "rulebook", "ocr_engine", "tesseract", "chi_sim", "name_recogniser")
    found = {"extractor": EXTRACTOR_VERSION, "name_recogniser": "未安装", **found}
    return {key: found[key] for key in order if key in found} | {k: v for k, v in found.items() if k not in order}
