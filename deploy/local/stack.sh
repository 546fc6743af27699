#!/usr/bin/env bash
# Local development stack without Docker: single-node Kafka (KRaft) + PostgreSQL.
#   deploy/local/stack.sh up      start both, wait until usable, print "ready"
#   deploy/local/stack.sh down    stop both (no-op when nothing runs)
#   deploy/local/stack.sh status  show what runs (exit 3 if something local is stopped)
# Endpoints:
#   HANDOFF_KAFKA_BOOTSTRAP=127.0.0.1:19092
#   HANDOFF_DATABASE_URL=postgresql://handoff:handoff@127.0.0.1:55432/handoff
# Setting HANDOFF_KAFKA_BOOTSTRAP / HANDOFF_DATABASE_URL skips the local Kafka / PostgreSQL.
# Other knobs: PYTHON (readiness probe interpreter), HANDOFF_PG_DIR (PostgreSQL data folder).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"

case "${1:-}" in
  up)
    "$here/tools.sh" up # kcat, for the Kafka-direct docs and their test
    "$here/postgres.sh" up
    "$here/kafka.sh" up
    echo ready
    ;;
  down)
    rc=0
    "$here/kafka.sh" down || rc=$?
    "$here/postgres.sh" down || rc=$?
    exit "$rc"
    ;;
  status)
    rc=0
    "$here/kafka.sh" status || rc=$?
    "$here/postgres.sh" status || rc=$?
    exit "$rc"
    ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
