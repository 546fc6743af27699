#!/usr/bin/env bash
# Starts and stops the scorer and router of the local stack in the background.
# Usage: services.sh start|stop|status   (logs: .run/logs/<service>.log)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN="$ROOT/.run/services"
HANDOFF="${HANDOFF_BIN:-$ROOT/.venv/bin/handoff}"
mkdir -p "$RUN" "$ROOT/.run/logs"

port_of() {  # the port a service will use: environment first, then dev.env, then default
  local var="HANDOFF_${1^^}_PORT" default="$2" file="${HANDOFF_ENV_FILE:-$ROOT/deploy/local/dev.env}"
  if [ -n "${!var:-}" ]; then echo "${!var}"; return; fi
  local line; line=$(grep -E "^${var}=" "$file" 2>/dev/null | tail -n1 || true)
  echo "${line#*=}" | grep -E '^[0-9]+$' || echo "$default"
}

running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

start_one() {
  local name="$1" port="$2"
  if running "$name"; then echo "$name already running (pid $(cat "$RUN/$name.pid"))"; return; fi
  setsid nohup "$HANDOFF" serve "$name" >>"$ROOT/.run/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$RUN/$name.pid"
}

wait_ready() {
  local name="$1" port="$2"
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then echo "$name ready on :$port"; return; fi
    running "$name" || { echo "$name exited; see .run/logs/$name.log" >&2; tail -n 20 "$ROOT/.run/logs/$name.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "$name not ready after 60 s; see .run/logs/$name.log" >&2; exit 1
}

stop_one() {
  local name="$1"
  if ! running "$name"; then rm -f "$RUN/$name.pid"; return; fi
  local pid; pid=$(cat "$RUN/$name.pid")
  kill -TERM "$pid"  # graceful: drain the batch, commit, leave the group, flush
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$RUN/$name.pid"; echo "$name stopped"
}

scorer_port=$(port_of scorer 8001)
router_port=$(port_of router 8002)
case "${1:-}" in
  start)
    start_one scorer "$scorer_port"; start_one router "$router_port"
    wait_ready scorer "$scorer_port"; wait_ready router "$router_port" ;;
  stop) stop_one scorer; stop_one router ;;
  status)
    for s in scorer router; do running "$s" && echo "$s running" || echo "$s stopped"; done ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
