#!/usr/bin/env bash
# Start a throw-away PostgreSQL on loopback for the test suite and print the admin URL.
#   eval "$(scripts/test-postgres.sh start)"   # exports VENTAS_TEST_POSTGRES_URL
#   scripts/test-postgres.sh stop
# Installs Debian's postgresql package when no server is present (CI runs as root on Debian).
set -euo pipefail
PGDATA_DIR="${VENTAS_PG_DIR:-/tmp/ventas-ops-pg}"
PORT="${VENTAS_PG_PORT:-55432}"

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$d" ] && echo "$d"
}

as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    if [ -z "$(pg_bin)" ]; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq postgresql >&2
    fi
    BIN=$(pg_bin)
    if ! as_pg "$BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
      rm -rf "$PGDATA_DIR"
      mkdir -p "$PGDATA_DIR"
      [ "$(id -u)" = "0" ] && chown postgres: "$PGDATA_DIR"
      as_pg "$BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >&2
      as_pg "$BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGDATA_DIR -c fsync=off -c max_connections=300" start >&2
    fi
    echo "export VENTAS_TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    BIN=$(pg_bin)
    as_pg "$BIN/pg_ctl" -D "$PGDATA_DIR" -m fast stop >&2 || true
    ;;
esac
