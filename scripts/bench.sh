#!/usr/bin/env bash
# `make bench`: one table (bench/table.mjs) where every figure stands beside
# its limit measured in the same run, or its target (issue 14), written to
# bench/results/latest.md; the previous run's table is copied to
# bench/results/previous.md (keeping rows that run did not measure) and its
# figures shown in a last column.
#   - the micro-benchmarks (bin/bench-*: storage, the disk's durable
#     appends/s, the limit of registrations), their output as before;
#   - HTTP (bench/http_bench.sh) against a private stack in a temp dir: the
#     pool's ping route and nginx serving the same bytes as a static file
#     (the limits), the pages, whole lists, worker memory, registrations
#     and their latency; then the migration (bench/migrate_bench.sh).
# The exit status is 1 only when something is broken (a benchmark failed,
# HTTP errors, registrations lost, duplicated or miscounted), never for a
# figure below its target.
#
# BENCH_ONLY=group,group selects: storage, pages, full-list, memory,
# registrations, latency, listing, migration (bench/http_bench.sh says what each
# measures). BENCH_EVENTS_SECONDS (5) and BENCH_CONNECTIONS (16) tune wrk;
# BENCH_HTTP_PORT puts the stack's nginx on that port (default: a free one);
# EMS_* reach the pool (EMS_BIN_DIR runs another build's ems-fcgi: a
# before/after comparison).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

ONLY=${BENCH_ONLY:-}
want() { [[ -z $ONLY || ,$ONLY, == *,$1,* ]]; }
status=0

results=bench/results
mkdir -p "$results"
# previous.md: the last run's table, plus the rows of the one before that
# the last run did not measure (a BENCH_ONLY run keeps the others' figures).
if [[ -f $results/latest.md ]]; then
  touch "$results/previous.md"
  awk -F'|' 'NR == FNR { if (NF > 2) seen[$2] = 1; print; next }
             NF > 2 && $2 !~ /^-+$/ && !($2 in seen)' \
    "$results/latest.md" "$results/previous.md" >"$results/previous.md.new" &&
    mv "$results/previous.md.new" "$results/previous.md"
fi
measurements=$(mktemp /tmp/ems-bench-measurements.XXXXXX)
export BENCH_MEASUREMENTS=$measurements

# bin/bench-storage's two tables: add time by list size, load times.
storage_figures() {
  awk '
    /^add one participant/ { s = "add"; next }
    /^load full list/ { s = "load"; next }
    s == "add" && $1 ~ /^[0-9]+$/ { print "storage.add_ms." $1, $2 }
    s == "load" && $1 ~ /^[0-9]+$/ { print "storage.load_cold_ms." $1, $3; print "storage.load_cached_ms." $1, $4 }'
}

# bin/bench-fsync's durable appends/s, by writers.
fsync_figures() {
  awk '
    /^1 writer / { print "fsync.one", $NF }
    /^16 writers, own file each/ { print "fsync.own16", $NF }
    /^16 writers, one file, lock held across sync/ { print "fsync.locked16", $NF }
    /^16 writers, one file, sync after unlock/ { print "fsync.unlocked16", $NF }'
}

if want storage; then
  for bench in bin/bench-*; do
    [[ -x $bench ]] || continue
    echo "== $bench"
    out=$("$bench") || { echo "$bench failed" >&2; status=1; }
    echo "$out"
    [[ $bench == bin/bench-storage ]] && storage_figures <<<"$out" >>"$measurements"
    [[ $bench == bin/bench-fsync ]] && fsync_figures <<<"$out" >>"$measurements"
  done
fi

http_bench() {
  local groups=pages,full-list,memory,registrations,latency,listing,migration g any=""
  for g in ${groups//,/ }; do want "$g" && any=1; done
  [[ -n $any ]] || return 0
  if [[ ! -x bin/ems-fcgi || ! -x bin/ems-admin ]]; then
    echo "http: bin/ems-fcgi or bin/ems-admin not built; skipped"
    return 0
  fi
  command -v wrk >/dev/null || { echo "http: wrk not installed; skipped"; return 0; }

  local dir port_args=()
  dir=$(mktemp -d /tmp/ems-bench.XXXXXX)
  # shellcheck disable=SC2064
  trap "bash scripts/stack.sh stop '$dir' >/dev/null 2>&1; rm -rf '$dir'" EXIT
  [[ -n ${BENCH_HTTP_PORT:-} ]] && port_args=(--http-port "$BENCH_HTTP_PORT")
  # The benchmarks load the API and sign-in from one address: nginx's rate
  # limits would measure themselves. Likewise one organizer loads the whole
  # list from every connection: full_list_concurrency (2 per user) would
  # answer most of them 429.
  export STACK_NGINX_LIMITS=lifted EMS_FULL_LIST_CONCURRENCY=${EMS_FULL_LIST_CONCURRENCY:-64}
  bash scripts/stack.sh start "$dir" "${port_args[@]}" >"$dir.start.log" 2>&1 || {
    cat "$dir.start.log" >&2
    rm -f "$dir.start.log"
    return 1
  }
  rm -f "$dir.start.log"

  any=""
  for g in pages full-list memory registrations latency listing; do want "$g" && any=1; done
  if [[ -n $any ]]; then
    echo
    echo "== HTTP: wrk -t${BENCH_THREADS:-2} -c${BENCH_CONNECTIONS:-16} -d${BENCH_EVENTS_SECONDS:-5}s, $(nproc) cores"
    bash bench/http_bench.sh "$dir" || return 1
  fi

  if want migration; then
    echo
    local mig
    mig=$(bash bench/migrate_bench.sh "$dir") || { echo "$mig"; return 1; }
    echo "$mig"
    sed -n 's/.*: \([0-9]*\) rows\/s.*/migration.rows_per_s \1/p' <<<"$mig" >>"$measurements"
  fi
}

http_bench || status=1

echo
echo "== make bench, $(date -u '+%F %H:%M UTC'), $(git describe --always --dirty 2>/dev/null), $(nproc) cores"
BENCH_TITLE="make bench, $(date -u '+%F %H:%M UTC'), $(git describe --always --dirty 2>/dev/null), $(nproc) cores" \
  node bench/table.mjs "$measurements" "$results/latest.md" "$results/previous.md" || status=1
rm -f "$measurements"
exit "$status"
