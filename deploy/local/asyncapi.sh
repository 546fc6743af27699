#!/usr/bin/env bash
# The AsyncAPI project's own parser (npm @asyncapi/parser, pinned in deploy/local/asyncapi/package-lock.json),
# run with this machine's Node.js, to validate schemas/asyncapi.yaml (tests/unit/test_contract_documents.py).
#   deploy/local/asyncapi.sh up            install it from the lock file if it is missing (npm ci)
#   deploy/local/asyncapi.sh check FILE..  print the parser's diagnostics as JSON lines; exit 1 on an error
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE="$ROOT/deploy/local/asyncapi"
STAMP="$HERE/node_modules/.installed-from-lock"

cmd_up() {
  command -v node >/dev/null 2>&1 || die "node not found; the AsyncAPI check needs Node.js 18 or newer"
  command -v npm >/dev/null 2>&1 || die "npm not found; the AsyncAPI check installs its parser with npm"
  [[ -f $STAMP && $STAMP -nt $HERE/package-lock.json ]] && return 0
  mkdir -p "$RUN_DIR"
  take_lock "$RUN_DIR/.asyncapi.lock" # two test runs at once must not race in node_modules
  [[ -f $STAMP && $STAMP -nt $HERE/package-lock.json ]] && return 0
  log "asyncapi: installing @asyncapi/parser from the lock file (npm ci)"
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$STAMP"
}

case "${1:-}" in
  up) cmd_up ;;
  check)
    shift
    cmd_up
    exec node "$HERE/validate.mjs" "$@" 9>&-
    ;;
  *)
    printf 'usage: %s up|check FILE...\n' "$0" >&2
    exit 2
    ;;
esac
