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
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
