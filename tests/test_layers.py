"""The layers contract (.importlinter) names every module of the packages it splits.

import-linter checks only the modules a layer names: a new module of dossierflow/ or
extractors/ left out of the contract would be free to import anything. `scripts/lint.sh` runs
the contract itself.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _layer_modules() -> set[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter", encoding="utf-8")
    layers = config["importlinter:contract:layers"]["layers"]
    return {name.strip("()") for name in re.split(r"[\s:|]+", layers) if name}


def _children(package: str) -> set[str]:
    folder = ROOT / package
    names = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    names |= {p.name for p in folder.iterdir() if (p / "__init__.py").exists()}
    return {f"{package}.{name}" for name in names}


def test_every_module_of_dossierflow_and_extractors_is_in_a_layer():
    named = _layer_modules()
    missing = sorted(m for m in _children("dossierflow") | _children("extractors") if m not in named)
    assert not missing, f"name these in a layer of .importlinter (docs/design.md, Layers): {missing}"


def test_the_contract_covers_the_whole_of_the_other_packages():
    named = _layer_modules()
    assert {"validators", "flows", "fixtures", "extractors.readers"} <= named
