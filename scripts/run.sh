#!/usr/bin/env bash
# `make run`: starts the private stack in var/ with nginx on 127.0.0.1:8080
# and keeps it up until Ctrl-C, then stops what this run started (parts that
# were already running, e.g. from another terminal, are left alone).
# EMS_RUN_DIR and EMS_HTTP_PORT change the directory and port.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/stack.sh disable=SC1091
source scripts/stack.sh

DIR=${EMS_RUN_DIR:-var}
PORT=${EMS_HTTP_PORT:-8080}

started=()
stop_started() {
  trap - INT TERM EXIT
  local part
  ((${#started[@]})) && echo && echo "stopping ${started[*]}..."
  for part in nginx pool db; do
    [[ " ${started[*]} " == *" $part "* ]] || continue
    "stack_${part}_stop" "$DIR"
  done
  exit "${1:-0}"
}
trap 'stop_started 0' INT TERM
trap 'stop_started $?' EXIT

if ! stack_start "$DIR" --http-port "$PORT"; then
  started=("${STACK_STARTED[@]}")
  echo "ems did not start; see the messages above" >&2
  stop_started 1
fi
started=("${STACK_STARTED[@]}")

cat <<MSG

ems is running at http://127.0.0.1:$S_HTTP_PORT
  app logs:    $S_LOG/error.log, $S_LOG/access.log (stdout/stderr: $S_POOL_OUT)
  nginx logs:  $S_NGINX_PREFIX/error.log, $S_NGINX_PREFIX/access.log
  MariaDB:     $S_DB_LOG; client: scripts/stack.sh sql $DIR
Press Ctrl-C to stop.
MSG

# The master replaces dead workers itself; if the master or nginx is gone,
# say so instead of pretending all is well.
while :; do
  sleep 2 &
  wait $! || true
  if ! stack__pid "$S_POOL_PID" ems-fcgi >/dev/null; then
    echo "ems-fcgi has stopped:" >&2
    stack__tail "$S_LOG/error.log" "$S_POOL_OUT"
    stop_started 1
  fi
  if ! stack__pid "$S_NGINX_PID" nginx >/dev/null; then
    echo "nginx has stopped:" >&2
    stack__tail "$S_NGINX_PREFIX/error.log"
    stop_started 1
  fi
done
