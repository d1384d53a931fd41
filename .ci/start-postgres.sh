#!/usr/bin/env bash
# Start a PostgreSQL 15 server for the test suite and create a test database owned by the user
# who runs the tests. Authentication is peer over the Unix socket, so there is no password to
# print or export. Prints one line for the caller to eval:
#   export DOSSIER_TEST_PG_URL=postgresql+psycopg://…
# Usage (CI, as root):  eval "$(.ci/start-postgres.sh)"
set -euo pipefail

DB_NAME="${DOSSIER_TEST_PG_DB:-dossier_test}"
DB_ROLE="${DOSSIER_TEST_PG_ROLE:-${SUDO_USER:-$(id -un)}}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

socket_dir=""
# DOSSIER_TEST_PG_TEMP=1 forces the throw-away cluster (e.g. when the Debian one is in use).
if [ "${DOSSIER_TEST_PG_TEMP:-0}" != 1 ] && command -v pg_ctlcluster >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q '^15 \+main'; then
  if ! pg_lsclusters -h | awk '$1==15 && $2=="main" {print $4}' | grep -q online; then
    pg_ctlcluster 15 main start >&2
  fi
  socket_dir=/var/run/postgresql
  port="$(pg_lsclusters -h | awk '$1==15 && $2=="main" {print $3}')"
else
  # No Debian cluster: a throw-away one in a temp dir, owned by postgres (initdb refuses root).
  data="$(mktemp -d /tmp/dossier-pg.XXXXXX)"
  chmod 755 "$data"  # the socket lives here; the test user must reach it
  chown postgres "$data" 2>/dev/null || true
  as_postgres "$PG_BIN/initdb" -D "$data/data" -A peer -U postgres >&2
  socket_dir="$data"
  port="${DOSSIER_TEST_PG_PORT:-5432}"
  echo "throw-away cluster in $data; stop it with: runuser -u postgres -- $PG_BIN/pg_ctl -D $data/data stop" >&2
  as_postgres "$PG_BIN/pg_ctl" -D "$data/data" -l "$data/log" -w \
    -o "-k $socket_dir -c listen_addresses='' -p $port" start >&2
fi

for _ in $(seq 1 30); do
  "$PG_BIN/pg_isready" -q -h "$socket_dir" -p "$port" && break
  sleep 1
done

psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$port" -d postgres "$@"; }

if ! psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$DB_ROLE'" | grep -q 1; then
  psql_admin -c "CREATE ROLE \"$DB_ROLE\" LOGIN" >&2
fi
if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
  psql_admin -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$DB_ROLE\"" >&2
fi

echo "export DOSSIER_TEST_PG_URL='postgresql+psycopg://$DB_ROLE@/$DB_NAME?host=$socket_dir&port=$port'"
