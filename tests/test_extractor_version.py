"""The extractor's version is computed from extraction's files (extractors/version.py), so a
change to any of them retires the cached extractions, and nobody bumps it by hand."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from extractors.version import compute_version, extraction_files, extractor_version

ROOT = Path(__file__).resolve().parent.parent
READABLE = re.compile(r"^extract-[0-9a-f]{12}$")


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """A copy of the sources: the extraction package and the first-party package it imports from.
    Copied without their times, which the version must not depend on."""
    for package in ("extractors", "dossierflow"):
        shutil.copytree(ROOT / package, tmp_path / package, copy_function=shutil.copyfile,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_the_version_is_readable_and_the_same_for_the_same_files(tree: Path) -> None:
    assert READABLE.match(extractor_version())
    assert compute_version(tree) == extractor_version()


def test_changing_a_data_file_changes_the_version(tree: Path) -> None:
    before = compute_version(tree)
    lexicon = tree / "extractors" / "data" / "enums.yaml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8") + "\n# one more line\n", encoding="utf-8")
    assert compute_version(tree) != before


def test_changing_a_reader_changes_the_version(tree: Path) -> None:
    before = compute_version(tree)
    reader = tree / "extractors" / "readers" / "docx.py"
    reader.write_text(reader.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert compute_version(tree) != before


def test_a_ground_module_extraction_imports_counts_and_the_cli_does_not(tree: Path) -> None:
    before = compute_version(tree)
    cli = tree / "dossierflow" / "cli.py"
    cli.write_text(cli.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert compute_version(tree) == before
    text = tree / "dossierflow" / "text.py"  # clean(): every reader passes its text through it
    text.write_text(text.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert compute_version(tree) != before


def test_the_files_covered_include_what_extraction_imports_indirectly() -> None:
    covered = {f.relative_to(ROOT).as_posix() for f in extraction_files(ROOT)}
    # extractors/dossier.py imports dossierflow.config, which imports dossierflow.reasons.
    assert {"extractors/data/titles.yaml", "extractors/readers/ocr.py", "dossierflow/config.py", "dossierflow/reasons.py"} <= covered
    assert not any(name.startswith(("validators/", "flows/", "dossierflow/storage")) for name in covered)
