# shellcheck shell=bash
# Shared helpers for stack.sh, kafka.sh and postgres.sh. Sourced, not executed.

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
ROOT="$(cd "$LOCAL_DIR/../.." && pwd -P)"
# shellcheck disable=SC2034 # used by the scripts that source this file
RUN_DIR="$ROOT/.run" CACHE_DIR="$ROOT/.cache"

# Progress goes to stderr so that stdout of `stack.sh up` is just "ready".
log() { printf '%s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# True when something accepts TCP connections on host:port.
port_open() {
  # shellcheck disable=SC2016 # $1/$2 are expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# Best-effort description of who listens on a port (for error messages).
port_owner() {
  if command -v ss >/dev/null 2>&1; then
    ss -Hltnp "sport = :$1" 2>/dev/null | sed 's/^/    /'
  fi
}

# Fails with a clear message if host:port is taken (called only when our own process is not running).
# usage: require_free_port <host> <port> <what> [<hint on how to stop it>]
require_free_port() {
  local host=$1 port=$2 what=$3 hint=${4:-"if it is another checkout's stack: its deploy/local/stack.sh down"}
  if port_open "$host" "$port"; then
    log "error: $host:$port is already in use, and not by the local stack's $what:"
    port_owner "$port" >&2
    log "       Stop that process ($hint) and retry."
    exit 1
  fi
}

# Serialises concurrent up/down calls on one component. Usage: take_lock <file>.
# The lock lives on fd 9; long-running children must be started with 9>&- so they do not inherit it.
take_lock() {
  exec 9>"$1"
  flock -w 300 9 || die "timed out waiting for lock $1"
}

# usage: usage_exit <script> ; prints usage and exits 2.
usage_exit() {
  printf 'usage: %s up|down|status\n' "$1" >&2
  exit 2
}
