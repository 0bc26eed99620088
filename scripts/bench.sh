#!/usr/bin/env bash
# `make bench`: every micro-benchmark binary (bin/bench-*), then HTTP
# benchmarks with wrk against a private stack in a temp dir: the login page
# rendered by the app vs. the same bytes served by nginx as a static file,
# which shows what the app costs on top of nginx.
# BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_THREADS tune wrk; EMS_* reach the pool
# (EMS_BIN_DIR runs another build's ems-fcgi: a before/after comparison).
# BENCH_ONLY=full-list runs only the whole participant lists (1,000 and
# 10,000 rows) beside nginx serving the same bytes (docs/PERFORMANCE.md).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

SECONDS_PER_RUN=${BENCH_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
status=0

ONLY=${BENCH_ONLY:-}
for bench in bin/bench-*; do
  [[ -n $ONLY ]] && break
  [[ -x $bench ]] || continue
  echo "== $bench"
  "$bench" || { echo "$bench failed" >&2; status=1; }
done

# Prints "<requests/s> <p50> <p99> <non-2xx>" from `wrk --latency` output.
wrk_summary() {
  awk '
    /Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = $2 }
    /^ +99%/ { p99 = $2 }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    END { printf "%s %s %s %s\n", rps, p50, p99, bad + 0 }'
}

http_bench() {
  if [[ ! -x bin/ems-fcgi ]]; then
    echo "http: bin/ems-fcgi not built; skipped"
    return 0
  fi
  command -v wrk >/dev/null || { echo "http: wrk not installed; skipped"; return 0; }

  local dir
  dir=$(mktemp -d /tmp/ems-bench.XXXXXX)
  # shellcheck disable=SC2064
  trap "bash scripts/stack.sh stop '$dir' >/dev/null 2>&1; rm -rf '$dir'" EXIT
  # The benchmarks load the API and sign-in from one address: nginx's rate
  # limits would measure themselves. Likewise one organizer loads the whole
  # list from every connection: full_list_concurrency (2 per user) would
  # answer most of them 429.
  STACK_NGINX_LIMITS=lifted EMS_FULL_LIST_CONCURRENCY=${EMS_FULL_LIST_CONCURRENCY:-64} \
    bash scripts/stack.sh start "$dir" >"$dir.start.log" 2>&1 || {
    cat "$dir.start.log" >&2
    rm -f "$dir.start.log"
    return 1
  }
  rm -f "$dir.start.log"
  local base port
  port=$(sed -n 's/^HTTP_PORT=//p' "$dir/stack.env")
  base=http://127.0.0.1:$port

  if [[ $ONLY == full-list ]]; then
    echo
    BENCH_ONLY=full-list BENCH_EVENTS_SECONDS=${BENCH_EVENTS_SECONDS:-5} bash bench/http_bench.sh "$dir"
    return
  fi
  curl -sf "$base/auth/login" -o "$dir/bench-static/login.html" || {
    echo "http: GET /auth/login failed" >&2
    return 1
  }
  echo
  echo "== HTTP: wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_RUN}s," \
    "$(wc -c <"$dir/bench-static/login.html") byte page, $(nproc) cores"
  printf '%-34s %12s %10s %10s %8s\n' target 'requests/s' p50 p99 non-2xx
  local name url out rps p50 p99 bad
  for name in app:/auth/login static:/bench-static/login.html; do
    url=$base${name#*:}
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$url" 2>&1) || {
      echo "$out" >&2
      return 1
    }
    read -r rps p50 p99 bad < <(wrk_summary <<<"$out")
    printf '%-34s %12s %10s %10s %8s\n' "${name%%:*} ${name#*:}" "$rps" "$p50" "$p99" "$bad"
  done

  # ---- events (bench/http_bench.sh): dashboard, manage pages, registrations,
  # on the same stack, after the login page.
  echo
  BENCH_EVENTS_SECONDS=${BENCH_EVENTS_SECONDS:-5} bash bench/http_bench.sh "$dir" || return 1

  # ---- migration (bench/migrate_bench.sh): a generated PHP-era database.
  echo
  bash bench/migrate_bench.sh "$dir" || return 1
}

http_bench || status=1
exit "$status"
