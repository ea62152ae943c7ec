#!/usr/bin/env bash
# Installs and starts the services the server tests need: PostgreSQL 15 on 127.0.0.1:5432,
# role/password flows/flows owning database flows (the default of FLOWS_TEST_POSTGRES).
# Idempotent: safe to run again while PostgreSQL is already up. Works as root on a fresh Debian 12
# with only the Debian mirror reachable. State lives in $FLOWS_CI_DIR (default /var/tmp/flows-ci).
set -euo pipefail

CI_DIR="${FLOWS_CI_DIR:-/var/tmp/flows-ci}"
PG_DIR="$CI_DIR/postgres"
PORT=5432

have_pg() { ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 && command -v psql >/dev/null; }

if ! have_pg; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

# Debian's package may start its own cluster on 5432 (with peer auth): stop it so ours owns the port.
if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | awk '$4=="online"' | grep -q .; then
  pg_lsclusters -h | awk '$4=="online"{print $1, $2}' | while read -r ver name; do pg_ctlcluster "$ver" "$name" stop || true; done
fi

if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
  mkdir -p "$PG_DIR"; chown postgres "$PG_DIR"
  echo postgres > "$PG_DIR/pwfile"; chown postgres "$PG_DIR/pwfile"
  su postgres -c "$BIN/initdb -D $PG_DIR/data -A scram-sha-256 -U postgres --pwfile=$PG_DIR/pwfile" >/dev/null
  rm -f "$PG_DIR/pwfile"
fi

if ! su postgres -c "$BIN/pg_ctl -D $PG_DIR/data status" >/dev/null 2>&1; then
  # A stale pid file from a killed machine would block the start.
  rm -f "$PG_DIR/data/postmaster.pid"
  su postgres -c "$BIN/pg_ctl -D $PG_DIR/data -l $PG_DIR/log -o '-k $PG_DIR -h 127.0.0.1 -p $PORT -c max_connections=200' -w -t 60 start" >/dev/null
fi

export PGPASSWORD=postgres
for _ in $(seq 1 30); do psql -h 127.0.0.1 -p $PORT -U postgres -tAc 'select 1' >/dev/null 2>&1 && break; sleep 1; done
psql -h 127.0.0.1 -p $PORT -U postgres -tAc "select 1 from pg_roles where rolname='flows'" | grep -q 1 ||
  psql -h 127.0.0.1 -p $PORT -U postgres -qc "create role flows login password 'flows' createdb"
psql -h 127.0.0.1 -p $PORT -U postgres -tAc "select 1 from pg_database where datname='flows'" | grep -q 1 ||
  psql -h 127.0.0.1 -p $PORT -U postgres -qc "create database flows owner flows"
echo "postgresql: Host=127.0.0.1;Port=$PORT;Username=flows;Password=flows;Database=flows"
