#!/usr/bin/env bash
# Static checks run by CI before the tests: ruff (errors, unused names, import order; its rules in
# pyproject.toml) and the layers contract (.importlinter: no package imports one above it).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check --no-cache .
# PYTHONPATH: this checkout's packages, whatever the virtualenv's editable install points at.
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" .venv/bin/lint-imports --no-cache
