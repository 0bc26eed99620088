#!/usr/bin/env bash
# Event pages and registrations against a running stack (scripts/bench.sh
# calls this with its stack; run it alone with `bash bench/http_bench.sh DIR`
# on a stack from `scripts/stack.sh start DIR`):
#   - GET /dashboard for an organizer with 200 events,
#   - GET /events/manage/<id>?all=1 with 1,000 and 10,000 participants,
#   each against nginx serving the same bytes from DIR/bench-static/ (the
#   upper bound), with the ratio page/static;
#   - registrations/s into one event with 16 concurrent clients, zero lost
#     (successes compared with the participants file and participantcount);
#   - worker RSS (max over the pool's children) sampled under load.
# wrk --latency, BENCH_EVENTS_CONNECTIONS (4) connections, BENCH_EVENTS_SECONDS (5) s each.
# BENCH_ONLY=full-list: only the two whole lists, then each worker's peak
# memory (VmHWM) after them.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
DIR=${1:?usage: http_bench.sh STACK_DIR}
DIR=$(cd "$DIR" && pwd)
SECS=${BENCH_EVENTS_SECONDS:-5}
CONN=${BENCH_EVENTS_CONNECTIONS:-4}
BASE=$(sed -n 's/^BASE_URL=//p' "$DIR/stack.env")
POOL_PID=$(cat "$(sed -n 's/^POOL_PID_FILE=//p' "$DIR/stack.env")")

summary() {
  awk '/Requests\/sec:/ { rps = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
       /Non-2xx or 3xx responses:/ { bad = $NF }
       END { printf "%s %s %s %s\n", rps, p50, p99, bad + 0 }'
}

# Max RSS (kB) of the pool's workers, sampled every 0.2 s while $1 runs.
max_worker_rss() {
  local pid=$1 max=0 r
  while kill -0 "$pid" 2>/dev/null; do
    for r in $(ps -o rss= --ppid "$POOL_PID" 2>/dev/null); do ((r > max)) && max=$r; done
    sleep 0.2
  done
  echo "$max"
}

echo "== events: setting up 200 events, 1,000 + 10,000 participants, 8,000 registrants"
eval "$(EMS_STACK_DIR=$DIR node bench/events_setup.mjs)" || exit 1
mkdir -p "$DIR/bench-static"
COOKIE="Cookie: ems_session=$ORG_SESSION"

printf '%-40s %10s %10s %10s %8s %8s %10s\n' target 'req/s' p50 p99 non-2xx bytes 'page/static'
RSS_MAX=0
specs=("dashboard:/dashboard" "manage-1k:/events/manage/$EVENT_1K?all=1"
       "manage-10k:/events/manage/$EVENT_10K?all=1")
[[ ${BENCH_ONLY:-} == full-list ]] && specs=("${specs[@]:1}")
for spec in "${specs[@]}"; do
  name=${spec%%:*} path=${spec#*:}
  curl -sf -H "$COOKIE" "$BASE$path" -o "$DIR/bench-static/$name.html" || { echo "GET $path failed" >&2; exit 1; }
  bytes=$(wc -c <"$DIR/bench-static/$name.html")
  wrk -t2 -c"$CONN" -d"${SECS}s" --latency -H "$COOKIE" "$BASE$path" >"$DIR/wrk-$name.out" 2>&1 &
  wrk_pid=$!
  rss=$(max_worker_rss "$wrk_pid")
  wait "$wrk_pid"
  ((rss > RSS_MAX)) && RSS_MAX=$rss
  read -r rps p50 p99 bad < <(summary <"$DIR/wrk-$name.out")
  read -r srps sp50 sp99 sbad < <(wrk -t2 -c"$CONN" -d"${SECS}s" --latency "$BASE/bench-static/$name.html" | summary)
  ratio=$(awk -v a="$rps" -v b="$srps" 'BEGIN { printf "%.1f%%", (b > 0) ? 100 * a / b : 0 }')
  printf '%-40s %10s %10s %10s %8s %8s %10s\n' "app $path" "$rps" "$p50" "$p99" "$bad" "$bytes" "$ratio"
  printf '%-40s %10s %10s %10s %8s %8s\n' "  static /bench-static/$name.html" "$srps" "$sp50" "$sp99" "$sbad" "$bytes"
done

if [[ ${BENCH_ONLY:-} == full-list ]]; then
  echo "worker RSS under load (max over workers, sampled): $((RSS_MAX / 1024)) MB ($RSS_MAX kB)"
  for pid in $(pgrep -P "$POOL_PID"); do
    printf 'worker %s VmHWM %s\n' "$pid" "$(awk '/^VmHWM/ { print $2 " " $3 }' "/proc/$pid/status")"
  done
  exit 0
fi

echo
echo "== registrations into one event, 16 concurrent clients (POST /api/events/<key>/registrations)"
node bench/register_bench.mjs "$BASE" BE0C0001 "$DIR/bench-registrants.txt" 16 >"$DIR/reg.out" &
reg_pid=$!
rss=$(max_worker_rss "$reg_pid")
wait "$reg_pid"
((rss > RSS_MAX)) && RSS_MAX=$rss
read -r rrps rp50 rp99 rok rother <"$DIR/reg.out"
bin/ems-admin compact --event "$REG_EVENT" --storage "$DIR/storage" >/dev/null
in_file=$(node -e "const f=require('fs').readFileSync('$DIR/storage/participants/$REG_EVENT.json','utf8'); \
  const v=JSON.parse(f); console.log(Array.isArray(v) ? v.length : Object.keys(v).length)")
count=$(bash scripts/stack.sh sql "$DIR" --batch --skip-column-names -e \
  "SELECT participantcount FROM events WHERE eventid = $REG_EVENT")
lost=$((rok - in_file))
printf 'registrations/s %s  p50 %s  p99 %s  succeeded %s  refused %s  in file %s  participantcount %s  lost %s\n' \
  "$rrps" "$rp50" "$rp99" "$rok" "$rother" "$in_file" "$count" "$lost"
echo "worker RSS under load (max over workers): $((RSS_MAX / 1024)) MB ($RSS_MAX kB)"
((lost == 0 && in_file == count)) || { echo "registrations: LOST or drifted" >&2; exit 1; }
