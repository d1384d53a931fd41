#!/usr/bin/env bash
# Static checks run by CI before the tests: ruff (errors, unused names, import order; its rules in
# pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check --no-cache .
echo "lint: ruff passed"
