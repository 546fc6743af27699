#!/usr/bin/env bash
# Command-line tools the docs and tests use besides Kafka and PostgreSQL.
#   deploy/local/tools.sh up        install what is missing (apt-get, as root), print nothing else
#   deploy/local/tools.sh status    say what is there (exit 3 if something is missing)
# kcat (Debian's package `kcat`, formerly kafkacat): the Kafka-direct examples in docs/integrations.md.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOOLS=(kcat) # binary name = Debian package name

missing() {
  local tool
  for tool in "${TOOLS[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || echo "$tool"
  done
}

cmd_up() {
  local wanted
  mapfile -t wanted < <(missing)
  ((${#wanted[@]})) || return 0
  ((EUID == 0)) || die "missing ${wanted[*]}; install it (as root: apt-get install -y ${wanted[*]})"
  command -v apt-get >/dev/null 2>&1 || die "missing ${wanted[*]} and apt-get is unavailable; install it manually"
  log "tools: installing ${wanted[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${wanted[@]}" >&2
  [[ -z $(missing) ]] || die "installed ${wanted[*]} but $(missing | tr '\n' ' ')is still missing"
}

cmd_status() {
  local gone
  gone="$(missing)"
  if [[ -n $gone ]]; then
    echo "tools: missing $(echo "$gone" | tr '\n' ' ')"
    return 3
  fi
  echo "tools: ${TOOLS[*]} present"
}

case "${1:-}" in
  up) cmd_up ;;
  status) cmd_status ;;
  *)
    printf 'usage: %s up|status\n' "$0" >&2
    exit 2
    ;;
esac
