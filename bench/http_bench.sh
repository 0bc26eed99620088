#!/usr/bin/env bash
# The HTTP part of `make bench` against a running stack (scripts/bench.sh
# calls it with its own stack; alone: `bash bench/http_bench.sh DIR` on a
# stack from `STACK_NGINX_LIMITS=lifted EMS_FULL_LIST_CONCURRENCY=64
# scripts/stack.sh start DIR`, which then prints the table of its figures).
# Each figure is appended as a "name value" line to $BENCH_MEASUREMENTS
# (default DIR/measurements.txt, emptied first); bench/table.mjs turns them into the table
# with every figure beside its limit. Groups (BENCH_ONLY, comma-separated;
# empty = all):
#   pages          GET /ping (the pool's floor: the higher of a run before
#                  and one after the pages), /auth/login, /dashboard of
#                  an organizer with 200 events, the paged manage page
#                  (1,000 participants), each page also as a static file
#   full-list      /events/manage/<id>?all=1 with 1,000 and 10,000
#                  participants, each beside nginx serving the same bytes
#                  (every static file is measured before and after its
#                  page, and the higher figure is the limit)
#   memory         the pool restarted, the 10,000 list served 100 times (16
#                  at once), then the workers' VmHWM (peak RSS)
#   registrations  16 clients into one event, then into 16 events: /s,
#                  then lost, duplicates, participantcount = file
#   latency        single registrations, one at a time, into an event with
#                  100 participants and one with 100,000, alternating
#   listing        100,000 listed upcoming events in the index (made once
#                  per stack), then the public listing's id query as the app
#                  sends it, timed by MariaDB (SHOW PROFILES, median of 15):
#                  the first page, a search matching a fifth of them, and
#                  page 500
# wrk -t2 -cBENCH_CONNECTIONS (16) -dBENCH_EVENTS_SECONDS (5) s --timeout 10s --latency
# (a slow answer is a figure, not a socket error).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
DIR=${1:?usage: http_bench.sh STACK_DIR}
DIR=$(cd "$DIR" && pwd)
SECS=${BENCH_EVENTS_SECONDS:-5}
CONN=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
OUT=${BENCH_MEASUREMENTS:-$DIR/measurements.txt}
ONLY=${BENCH_ONLY:-}
BASE=$(sed -n 's/^BASE_URL=//p' "$DIR/stack.env")
POOL_PID_FILE=$(sed -n 's/^POOL_PID_FILE=//p' "$DIR/stack.env")
export EMS_STACK_DIR=$DIR
status=0

want() { [[ -z $ONLY || ,$ONLY, == *,$1,* ]]; }
put() { echo "$1 $2" >>"$OUT"; }
say() { echo "bench: $*" >&2; }

# wrk on URL (extra args before it): NAME.rps, .p50, .p99, .errors
# (non-2xx/3xx answers plus socket errors: any is a broken run).
measure() {
  local name=$1 out
  shift
  out=$(wrk -t"$THREADS" -c"$CONN" -d"${SECS}s" --timeout 10s --latency "$@" 2>&1) || {
    echo "$out" >&2
    say "wrk $name failed"
    status=1
    return 1
  }
  awk -v n="$name" '
    /Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = $2 }
    /^ +99%/ { p99 = $2 }
    /Non-2xx or 3xx responses:/ { bad += $NF }
    /Socket errors:/ { gsub(/,/, ""); bad += $4 + $6 + $8 + $10 }
    END { printf "%s.rps %s\n%s.p50 %s\n%s.p99 %s\n%s.errors %d\n", n, rps, n, p50, n, p99, n, bad }' \
    <<<"$out" >>"$OUT"
  say "$name: $(awk '/Requests\/sec:/ { print $2 " req/s" }' <<<"$out")"
}

# NAME.rps = the higher of A's and B's, NAME.errors = both runs' errors:
# a limit measured twice around what it limits, so a burst of load from
# elsewhere on the machine during one run does not lower it.
best() {
  local name=$1 a=$2 b=$3
  awk -v n="$name" -v a="$a" -v b="$b" '
    $1 == a ".rps" || $1 == b ".rps" { if ($2 > max) max = $2 }
    $1 == a ".errors" || $1 == b ".errors" { e += $2 }
    END { print n ".rps " max; print n ".errors " e + 0 }' "$OUT" >"$OUT.best"
  cat "$OUT.best" >>"$OUT" && rm -f "$OUT.best"
}

# A page as the app renders it, between two runs of nginx serving the same
# bytes as a static file: NAME.*, static.NAME.* (the better static run),
# NAME.bytes.
page() {
  local name=$1 path=$2 cookie=${3:-}
  local args=()
  [[ -n $cookie ]] && args=(-H "Cookie: ems_session=$cookie")
  curl -sf "${args[@]}" "$BASE$path" -o "$DIR/bench-static/$name.html" || {
    say "GET $path failed"
    status=1
    return 1
  }
  put "$name.bytes" "$(wc -c <"$DIR/bench-static/$name.html")"
  measure "static.$name.before" "$BASE/bench-static/$name.html"
  measure "$name" "${args[@]}" "$BASE$path"
  measure "static.$name.after" "$BASE/bench-static/$name.html"
  best "static.$name" "static.$name.before" "static.$name.after"
}

# Max VmHWM (kB) over the pool's workers.
worker_hwm() {
  local pid max=0 hwm
  for pid in $(pgrep -P "$(cat "$POOL_PID_FILE")"); do
    hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
    ((${hwm:-0} > max)) && max=$hwm
  done
  echo "$max"
}

mkdir -p "$DIR/bench-static"
[[ -n ${BENCH_MEASUREMENTS:-} ]] || : >"$OUT"
setup_args=()
want registrations || want latency || setup_args=(BENCH_REGISTRANTS=0)
say "setting up 200 events, lists of 1,000, 10,000 and 100,000 participants, registrants"
setup=$(env "${setup_args[@]}" node bench/events_setup.mjs) || { say "setup failed"; exit 1; }
eval "$setup"

if want pages; then
  # The setup's writes settle first (InnoDB flushing the users just added
  # halved the first run's figure); the ping is measured before and after
  # the pages, and the higher figure is the limit.
  wrk -t"$THREADS" -c"$CONN" -d2s "$BASE/ping" >/dev/null 2>&1
  measure ping.first "$BASE/ping"
  page login /auth/login
  page dashboard /dashboard "$ORG_SESSION"
  page paged "/events/manage/$EVENT_1K" "$ORG_SESSION"
  measure ping.last "$BASE/ping"
  best ping ping.first ping.last
fi

if want full-list; then
  page all1k "/events/manage/$EVENT_1K?all=1" "$ORG_SESSION"
  page all10k "/events/manage/$EVENT_10K?all=1" "$ORG_SESSION"
fi

if want memory; then
  # Fresh workers, so their peak is this page's, not an earlier run's.
  if ! bash scripts/stack.sh pool-stop "$DIR" || ! bash scripts/stack.sh pool-start "$DIR" >/dev/null; then
    say "pool restart failed"
    exit 1
  fi
  fails=$(seq 100 | xargs -P 16 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
    -H "Cookie: ems_session=$ORG_SESSION" "$BASE/events/manage/$EVENT_10K?all=1" | grep -cv '^200$')
  put memory.errors "$fails"
  put memory.hwm_kb "$(worker_hwm)"
fi

if want registrations; then
  file=$DIR/bench-registrants.txt
  for run in "reg1 BE0C0001 $REG_EVENT" "reg16 $SPREAD_KEYS $SPREAD_IDS"; do
    read -r prefix keys ids <<<"$run"
    figures=$(node bench/register_bench.mjs "$BASE" "$keys" "$file" 16 "$prefix") || status=1
    echo "$figures" >>"$OUT"
    node bench/reg_check.mjs "$prefix" "$ids" "$(sed -n "s/^$prefix.ok //p" <<<"$figures")" >>"$OUT" || status=1
  done
  say "registrations: $(grep -E '^reg(1|16)\.rps' "$OUT" | tr '\n' ' ')"
fi

if want latency; then
  # a = 100 participants, b = 100,000.
  node bench/register_bench.mjs --sequential "$BASE" BE0C0200,BE0C0201 "$DIR/bench-registrants.txt" \
    "${BENCH_LATENCY_COUNT:-300}" lat >>"$OUT" || status=1
  say "latency: $(grep -E '^lat\.[ab]\.p50' "$OUT" | tr '\n' ' ')"
fi
if want listing; then
  sql() { bash scripts/stack.sh sql "$DIR" -N "$@"; }
  if (($(sql -e "SELECT COUNT(*) FROM ems_event_index WHERE name LIKE 'Bench listing %'") < 100000)); then
    say "listing: making 100,000 events"
    sql -e "INSERT INTO events (participantcount, startdate, enddate, location, eventname, eventcreator, eventkey)
      SELECT 0, TIMESTAMP('2031-01-01') + INTERVAL seq MINUTE, TIMESTAMP('2031-01-01') + INTERVAL seq + 90 MINUTE,
        ELT(1 + seq % 5, 'Berlin', 'Paris', 'Madrid', 'Rome', 'Oslo'), CONCAT('Bench listing ', seq),
        (SELECT MIN(uid) FROM user_credentials), CONCAT('BL', LPAD(HEX(seq), 10, '0')) FROM seq_1_to_100000;
      INSERT IGNORE INTO ems_event_index (eventid, name, location, startdate, enddate, listed)
        SELECT eventid, eventname, location, startdate, enddate, 1 FROM events WHERE eventname LIKE 'Bench listing %';
      ANALYZE TABLE ems_event_index;" >/dev/null || { say "listing: could not make the events"; status=1; }
  fi
  base="SELECT eventid FROM ems_event_index WHERE listed = 1 AND startdate >= NOW()"
  order="ORDER BY startdate, eventid LIMIT 21"
  for q in "first|$base $order OFFSET 0" \
    "search|$base AND MATCH (name, location) AGAINST ('+berlin*' IN BOOLEAN MODE) $order OFFSET 0" \
    "deep|$base $order OFFSET 9980"; do
    name=${q%%|*} query=${q#*|}
    script="SET profiling = 1; SET profiling_history_size = 100;"
    for _ in $(seq 15); do script+=" $query;"; done
    script+=" SHOW PROFILES;"
    ms=$(sql -e "$script" | awk -F'\t' 'NF == 3 && $3 ~ /^SELECT eventid/ { print $2 * 1000 }' | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
    if [[ -n $ms ]]; then put "listing.$name.ms" "$ms"; else say "listing: no timing for $name"; status=1; fi
  done
  say "listing: $(grep -E '^listing\.' "$OUT" | tr '\n' ' ')"
fi

# Alone (not called by scripts/bench.sh): the table of this run's figures.
if [[ -z ${BENCH_MEASUREMENTS:-} ]]; then
  node bench/table.mjs "$OUT" "$DIR/bench-table.md" || status=1
fi
exit "$status"
