#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for the engine-agreement tests
# (tests/test_prepare_postgres.py).
#
#   eval "$(bash .ci/postgres.sh start)"   installs Debian's postgresql if missing, starts a
#                                           server in a fresh temp folder, prints the exports
#                                           (SALESNB_TEST_PG_DSN, SALESNB_TEST_PG_DIR)
#   bash .ci/postgres.sh stop               stops it and removes the folder
#
# The server runs as the `postgres` user when called as root (PostgreSQL refuses
# root), trusts local connections only, listens on loopback and skips fsync:
# it holds test data for a few seconds and nothing else.
set -euo pipefail

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

as_owner() {  # run a command as the server's owner
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
    echo "installing postgresql (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  local bin dir port
  bin="$(pg_bin)"
  dir="$(mktemp -d /tmp/salesnb-pg.XXXXXX)"
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >&2 \
    || { cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres salesnb_test
  echo "export SALESNB_TEST_PG_DSN=postgresql://postgres@127.0.0.1:$port/salesnb_test"
  echo "export SALESNB_TEST_PG_DIR=$dir"
}

stop() {
  local dir="${SALESNB_TEST_PG_DIR:-}"
  [ -n "$dir" ] && [ -d "$dir/data" ] || return 0
  as_owner "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
