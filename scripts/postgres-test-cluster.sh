#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the store's tests: `start` makes one in a new temporary folder (initdb, as the
# postgres user when run as root), starts it on a free loopback port and writes the URL the tests read
# (TBD_TEST_POSTGRES_URL) to .build/postgres-test-cluster.env; `restart` restarts it (the server-restart tests);
# `stop` stops it and removes that folder, which nothing else uses. It serves plain and TLS connections (a self-signed
# certificate made at start). PostgreSQL's server binaries come from Debian's postgresql-15, installed with apt-get
# when missing (with sudo when not root); without them this fails with a message, and the tests that need the cluster
# fail too: the PostgreSQL half of the suite is never skipped quietly.
set -euo pipefail
cd "$(dirname "$0")/.."
# Another state file (TBD_POSTGRES_CLUSTER_STATE) runs a second cluster beside the tests' one: the benchmarks do.
state=${TBD_POSTGRES_CLUSTER_STATE:-.build/postgres-test-cluster.env}

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

as_server_user() {
  # initdb and postgres refuse to run as root.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  if [ -f "$state" ]; then stop; fi
  local bin missing=()
  find_bin >/dev/null || missing+=(postgresql-15 postgresql-client-15)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
      { echo "error: could not install ${missing[*]}; the store's PostgreSQL tests need them" >&2; exit 1; }
  fi
  bin=$(find_bin) || { echo "error: postgresql-15 is installed but initdb was not found" >&2; exit 1; }
  local dir port
  dir=$(mktemp -d /tmp/tbd-postgres-test.XXXXXX)
  chmod 755 "$dir"
  mkdir "$dir/data"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir/data"; fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_server_user "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 1; }
  # A self-signed certificate, so the tests can connect with sslmode=require as well as without TLS.
  openssl req -new -x509 -days 2 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/data/server.key" -out "$dir/data/server.crt" \
    >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; rm -rf "$dir"; exit 1; }
  chmod 600 "$dir/data/server.key"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir/data/server.key" "$dir/data/server.crt"; fi
  # Durability off: a test cluster is thrown away, and fsync on a loaded machine only slows the tests.
  as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 \
    -o "-p $port -k $dir/data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c ssl=on" \
    start >/dev/null || { cat "$dir/data/server.log" >&2; rm -rf "$dir"; exit 1; }
  mkdir -p .build
  {
    echo "TBD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
    echo "TBD_TEST_POSTGRES_BIN=$bin"
    echo "TBD_TEST_POSTGRES_DIR=$dir"
  } >"$state"
  echo "PostgreSQL test cluster on 127.0.0.1:$port ($dir)"
}

# Restarts the server (fast shutdown: open connections are cut), for the tests of clients outliving a restart.
restart() {
  [ -f "$state" ] || { echo "error: no test cluster is running" >&2; exit 1; }
  local dir bin
  dir=$(sed -n 's/^TBD_TEST_POSTGRES_DIR=//p' "$state")
  bin=$(sed -n 's/^TBD_TEST_POSTGRES_BIN=//p' "$state")
  # The log file again: without it the new server would write to (and hold open) this script's output.
  as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -m fast -w -t 60 restart >/dev/null
}

stop() {
  [ -f "$state" ] || return 0
  local dir bin
  dir=$(sed -n 's/^TBD_TEST_POSTGRES_DIR=//p' "$state")
  bin=$(sed -n 's/^TBD_TEST_POSTGRES_BIN=//p' "$state")
  if [ -n "$dir" ] && [ -d "$dir/data" ]; then
    as_server_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  # Only the folder `start` made.
  case "$dir" in /tmp/tbd-postgres-test.*) rm -rf "$dir" ;; esac
  rm -f "$state"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) restart ;;
  *) echo "usage: $0 start|stop|restart" >&2; exit 2 ;;
esac
