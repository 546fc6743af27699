#!/usr/bin/env bash
# Headless Chromium for the dashboard's browser test (tests/e2e/test_dashboard_browser.py), and pdftotext
# (poppler-utils), which reads the weekly review's PDF back in tests/e2e/test_weekly_review.py.
#   deploy/local/browser.sh up        install Debian's `chromium` if it is missing (apt-get, as root)
#   deploy/local/browser.sh status    say where it is (exit 3 if missing)
# Kept apart from tools.sh on purpose: stack.sh (so `make run`) calls tools.sh, and a browser is
# only needed by the tests. Playwright drives this binary; it downloads no browser of its own.
# HANDOFF_CHROMIUM points at another Chromium or Chrome binary instead.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BROWSER="${HANDOFF_CHROMIUM:-/usr/bin/chromium}"

cmd_up() {
  [[ -x $BROWSER ]] && command -v pdftotext >/dev/null 2>&1 && return 0
  [[ -z ${HANDOFF_CHROMIUM:-} ]] || die "HANDOFF_CHROMIUM=$BROWSER is not an executable"
  ((EUID == 0)) || die "chromium not found; install it (as root: apt-get install -y chromium)"
  command -v apt-get >/dev/null 2>&1 || die "chromium not found and apt-get is unavailable; install it manually"
  mkdir -p "$RUN_DIR"
  take_lock "$RUN_DIR/.browser.lock" # two test runs at once must not race for apt's lock
  [[ -x $BROWSER ]] && command -v pdftotext >/dev/null 2>&1 && return 0
  log "browser: installing chromium and poppler-utils (pdftotext) with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends chromium poppler-utils >&2
  [[ -x $BROWSER ]] || die "installed chromium but $BROWSER is still missing"
}

cmd_status() {
  if [[ -x $BROWSER ]]; then
    echo "browser: $BROWSER ($("$BROWSER" --version 2>/dev/null || echo 'version unknown'))"
  else
    echo "browser: missing ($BROWSER)"
    return 3
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  status) cmd_status ;;
  *)
    printf 'usage: %s up|status\n' "$0" >&2
    exit 2
    ;;
esac
