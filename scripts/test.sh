#!/usr/bin/env bash
# Runs the test suite. Starts a throwaway PostgreSQL server (Debian's package) so the database
# tests run against it as well as SQLite; without PostgreSQL binaries those tests are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${DOSSIER_TEST_PG_URL:-}" && -x .ci/start-postgres.sh ]]; then
  if line=$(.ci/start-postgres.sh); then
    eval "$line"
  elif [[ "${CI:-}" == "true" ]]; then
    echo "error: PostgreSQL could not be started; CI runs the database tests on it" >&2
    exit 1
  else
    echo "warning: PostgreSQL could not be started; PostgreSQL tests will be skipped" >&2
  fi
fi
export OMP_THREAD_LIMIT=1
# Two pytest-xdist workers (the CI machine's two cores; OCR is single-threaded above), each test
# file whole on one worker: a file's module fixture (one `dossier run`) is built once. Each worker
# has its own Prefect home, data directory and PostgreSQL schema (tests/conftest.py).
# DOSSIER_TEST_WORKERS=0 runs in one process.
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n "${DOSSIER_TEST_WORKERS:-2}" --dist loadfile "$@"
