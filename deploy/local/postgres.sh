#!/usr/bin/env bash
# Local PostgreSQL 15 for development and tests.
#   deploy/local/postgres.sh up|down|status
# Listens on 127.0.0.1:55432; role handoff / password handoff (superuser), database handoff:
#   postgresql://handoff:handoff@127.0.0.1:55432/handoff
# Data, socket and log live in HANDOFF_PG_DIR (default /var/tmp/handoff-pg), deliberately OUTSIDE the
# repo: PostgreSQL refuses to run as root, so as root we run it as the `postgres` user, and that user
# may not be able to traverse the checkout (e.g. a fresh clone under a 0700 `mktemp -d`). Since the
# port is fixed, one shared data folder per machine is enough.
# Skipped entirely when HANDOFF_DATABASE_URL is set (an external database is used instead).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
HOST=127.0.0.1
PORT=55432
DB=handoff
ROLE=handoff
PASSWORD=handoff
URL="postgresql://$ROLE:$PASSWORD@$HOST:$PORT/$DB"

PGDIR="${HANDOFF_PG_DIR:-/var/tmp/handoff-pg}"
PGDATA_DIR="$PGDIR/data"
SOCK_DIR="$PGDIR/run"
PGLOG="$PGDIR/postgres.log"

# Runs a command as the PostgreSQL OS user: `postgres` when we are root, else ourselves.
# `cd /` because the caller's cwd (e.g. a 0700 checkout) may be unreadable for postgres.
as_pg() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

pgctl() { as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" "$@"; }

# Admin connection over the unix socket (trust: the socket sits inside the 0700 $PGDIR, so only the
# PostgreSQL user and root can reach it).
psql_admin() {
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK_DIR" -p "$PORT" -U postgres -d postgres "$@"
}

ensure_installed() {
  [[ -x $PG_BIN/initdb ]] && return 0
  ((EUID == 0)) || die "PostgreSQL $PG_MAJOR not found in $PG_BIN; install postgresql-$PG_MAJOR (as root: apt-get install -y postgresql-$PG_MAJOR)"
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL $PG_MAJOR not found in $PG_BIN and apt-get is unavailable; install it manually"
  log "postgres: installing postgresql-$PG_MAJOR with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "postgresql-$PG_MAJOR" >&2
  [[ -x $PG_BIN/initdb ]] || die "postgresql-$PG_MAJOR installed but $PG_BIN/initdb is still missing"
}

prepare_dir() {
  if ((EUID == 0)); then
    id postgres >/dev/null 2>&1 || die "no 'postgres' system user (it comes with the postgresql-$PG_MAJOR package)"
    mkdir -p "$PGDIR"
    chown postgres:postgres "$PGDIR"
  else
    mkdir -p "$PGDIR"
    [[ -O $PGDIR ]] ||
      die "$PGDIR belongs to $(stat -c %U "$PGDIR"); run this as root, or set HANDOFF_PG_DIR to a folder of your own"
  fi
  chmod 700 "$PGDIR"
  as_pg test -w "$PGDIR" -a -x "$PGDIR" ||
    die "the PostgreSQL user cannot use $PGDIR (a parent folder is probably not traversable); set HANDOFF_PG_DIR to a folder it can reach, e.g. /var/tmp/handoff-pg"
  as_pg mkdir -p "$SOCK_DIR"
  # Created by the PostgreSQL user so that pg_ctl (running as that user) can append to it.
  as_pg touch "$PGLOG"
}

# Fails clearly if an existing data folder is from another major version or is incomplete.
check_datadir() {
  local version
  [[ -f $PGDATA_DIR/PG_VERSION ]] ||
    die "$PGDATA_DIR exists but is not a PostgreSQL data folder (no PG_VERSION). Remove it to start fresh: rm -rf '$PGDATA_DIR'"
  version="$(<"$PGDATA_DIR/PG_VERSION")"
  [[ $version == "$PG_MAJOR" ]] ||
    die "$PGDATA_DIR was created by PostgreSQL $version, but this stack runs PostgreSQL $PG_MAJOR. Remove it (rm -rf '$PGDIR') or set HANDOFF_PG_DIR to another folder"
  [[ -f $PGDATA_DIR/global/pg_control ]] ||
    die "$PGDATA_DIR is incomplete (no global/pg_control). Remove it to start fresh: rm -rf '$PGDATA_DIR'"
  if ((EUID == 0)) && [[ $(stat -c %U "$PGDATA_DIR") != postgres ]]; then
    die "$PGDATA_DIR is owned by $(stat -c %U "$PGDATA_DIR"), not postgres. Fix with: chown -R postgres:postgres '$PGDATA_DIR'"
  fi
}

init_datadir() {
  local tmp="$PGDIR/data.initdb"
  log "postgres: creating a PostgreSQL $PG_MAJOR cluster in $PGDATA_DIR"
  as_pg rm -rf "$tmp"
  # Local (unix socket) connections: trust, reachable only by the postgres user (0700 folder).
  # TCP 127.0.0.1 / ::1: scram-sha-256, so the handoff role needs its password like any real database.
  if ! as_pg "$PG_BIN/initdb" -D "$tmp" -U postgres -E UTF8 --no-locale --no-instructions \
    --auth-local=trust --auth-host=scram-sha-256 >>"$PGLOG" 2>&1; then
    tail -n 20 "$PGLOG" >&2 || true
    die "initdb failed; see $PGLOG"
  fi
  echo "include_if_exists = 'handoff.conf'" | as_pg tee -a "$tmp/postgresql.conf" >/dev/null
  # initdb into a side folder and rename: a half-initialised folder never looks like a usable one.
  as_pg mv "$tmp" "$PGDATA_DIR"
}

write_conf() {
  # Rewritten on every start so that edits here take effect on existing data folders.
  as_pg tee "$PGDATA_DIR/handoff.conf" >/dev/null <<EOF
# Generated by deploy/local/postgres.sh on each start; edit the script, not this file.
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$SOCK_DIR'
max_connections = 100
# The scorer's working set (engagement history, leads, scores, inbox) outgrows 128MB at a few
# hundred thousand events; a quarter of a small machine's memory keeps it in PostgreSQL's cache.
shared_buffers = ${HANDOFF_PG_SHARED_BUFFERS:-1GB}
effective_cache_size = 4GB
# Short OLTP statements: JIT compilation costs more than it saves and shows up as latency spikes.
jit = off
# Per-statement totals (calls, time, rows) for finding where the database time goes.
shared_preload_libraries = 'pg_stat_statements'
password_encryption = 'scram-sha-256'
EOF
}

is_running() {
  [[ -x $PG_BIN/pg_ctl && -f $PGDATA_DIR/PG_VERSION ]] || return 1
  pgctl status >/dev/null 2>&1
}

wait_ready() {
  local deadline=$((SECONDS + 60))
  until "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PORT"; do
    ((SECONDS < deadline)) || die "PostgreSQL is not accepting connections on $HOST:$PORT after 60s; see $PGLOG"
    sleep 0.3
  done
}

ensure_role_and_db() {
  if [[ $(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'") != 1 ]]; then
    log "postgres: creating role $ROLE"
    psql_admin -c "CREATE ROLE $ROLE LOGIN SUPERUSER PASSWORD '$PASSWORD'"
  fi
  if [[ $(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'") != 1 ]]; then
    log "postgres: creating database $DB"
    psql_admin -c "CREATE DATABASE $DB OWNER $ROLE"
  fi
  # Final proof that the URL the services use works (TCP + password + database).
  [[ $(PGPASSWORD=$PASSWORD "$PG_BIN/psql" -X -h "$HOST" -p "$PORT" -U "$ROLE" -d "$DB" -tAc 'SELECT 1' 2>&1) == 1 ]] ||
    die "cannot log in with $URL; see $PGLOG"
}

cmd_up() {
  if [[ -n ${HANDOFF_DATABASE_URL:-} ]]; then
    log "postgres: skipped (HANDOFF_DATABASE_URL is set)"
    return 0
  fi
  ensure_installed
  prepare_dir
  take_lock "$PGDIR/.lock"
  if [[ -e $PGDATA_DIR ]]; then
    check_datadir
  else
    init_datadir
  fi
  write_conf
  if is_running; then
    wait_ready
    ensure_role_and_db
    log "postgres: already running on $HOST:$PORT"
    return 0
  fi
  require_free_port "$HOST" "$PORT" "PostgreSQL (data in $PGDIR)" \
    "if it is a local-stack PostgreSQL with another data folder: HANDOFF_PG_DIR=<that folder> $0 down"
  log "postgres: starting PostgreSQL $PG_MAJOR on $HOST:$PORT (data $PGDATA_DIR)"
  # 9>&-: the server must not inherit the lock fd. pg_ctl detaches the server (own session, output to -l).
  if ! pgctl start -l "$PGLOG" -w -t 60 -s 9>&- >&2; then
    log "postgres: last lines of $PGLOG:"
    tail -n 20 "$PGLOG" >&2 || true
    die "PostgreSQL did not start. If the data folder is damaged, reset it: $0 down; rm -rf '$PGDIR'"
  fi
  wait_ready
  ensure_role_and_db
  log "postgres: ready at $URL"
}

cmd_down() {
  if [[ -n ${HANDOFF_DATABASE_URL:-} ]]; then
    log "postgres: skipped (HANDOFF_DATABASE_URL is set)"
    return 0
  fi
  if ! is_running; then
    log "postgres: not running"
    return 0
  fi
  take_lock "$PGDIR/.lock"
  log "postgres: stopping"
  pgctl stop -m fast -w -t 60 -s >&2
  log "postgres: stopped"
}

cmd_status() {
  if [[ -n ${HANDOFF_DATABASE_URL:-} ]]; then
    echo "postgres: external (HANDOFF_DATABASE_URL is set)"
    return 0
  fi
  if is_running; then
    echo "postgres: running (PostgreSQL $PG_MAJOR, data $PGDATA_DIR) url=$URL"
  else
    echo "postgres: stopped"
    return 3
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) usage_exit "$0" ;;
esac
