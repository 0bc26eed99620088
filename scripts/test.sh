#!/usr/bin/env bash
# Runs every test suite (after `make all sanitize-build fuzz-build`) and
# ends with one line, `N passed, N failed`, summed over the suites; exits
# non-zero when anything failed. Suites: lint, Boost.Test unit and system
# tests, bounded libFuzzer runs (one per parser of outside input), the
# model tests (Boost.Test on the stack's MariaDB), the integration tests
# (node:test over HTTP against one private stack), the browser tests when
# there are any (same stack), the scanners (sqlmap, wapiti; same stack),
# then the sanitizer run: the unit tests and the integration tests again
# against the ASan/UBSan build (bin-asan/) on a fresh stack, and its logs.
# Full output of each suite goes to tests/output/ (git-ignored).
#
#   test.sh                  every suite
#   test.sh GROUP...         only these: lint unit system fuzz model
#                            integration browser scan sanitize
#                            (make fuzz = FUZZ_SECONDS=120 test.sh fuzz,
#                            make test-sanitize = test.sh sanitize)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
REPO=$(pwd)
OUT=$REPO/tests/output
mkdir -p "$OUT"

GROUPS_WANTED=" ${*:-all} "
want() { [[ $GROUPS_WANTED == *" all "* || $GROUPS_WANTED == *" $1 "* ]]; }

# Seconds of fuzzing per target: 9 targets x 10 s stay within 2 minutes.
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
NODE_SUITE_TIMEOUT=${NODE_SUITE_TIMEOUT:-900}
passed=0
failed=0

count() { # count SUITE PASSED FAILED
  passed=$((passed + $2))
  failed=$((failed + $3))
  printf '%-12s %d passed, %d failed\n' "$1:" "$2" "$3"
}

# Counts a suite from its exit status and the passed/failed numbers its log
# gave; a crash or a setup error leaves no (or a wrong) report, never
# counted as a pass. PATTERN picks the failure lines to show.
settle() { # settle NAME RC LOG PASSED FAILED PATTERN
  local name=$1 rc=$2 log=$3 p=${4:-0} f=${5:-0} pattern=$6
  if ((rc != 0 && f == 0)); then
    f=1
    echo "$name: exited with $rc; see $log"
    tail -n 20 "$log"
  fi
  if ((f > 0)); then
    grep -E "$pattern" "$log" | head -n 30
    echo "$name: details in $log"
  fi
  count "$name" "$p" "$f"
}

# A Boost.Test binary; its short report says "N test case(s) out of M
# passed|failed". With "clean", it runs without the EMS_* settings
# start_stack exported (the unit tests check the defaults, and the
# sanitizer run comes after the stack was started); the model tests use them.
run_boost() { # run_boost NAME BINARY [clean]
  local name=$1 bin=$2 log=$OUT/$1.log rc p f
  if [[ ! -x $bin ]]; then
    echo "$name: $bin missing (build failed?)"
    count "$name" 0 1
    return
  fi
  local clean=() v
  if [[ ${3:-} == clean ]]; then
    for v in $(compgen -e); do [[ $v == EMS_* ]] && clean+=(-u "$v"); done
  fi
  env "${clean[@]}" "$bin" --report_level=short --log_level=test_suite --color_output=no >"$log" 2>&1
  rc=$?
  p=$(sed -nE 's/^ *([0-9]+) test cases? out of [0-9]+ passed.*/\1/p' "$log" | head -n 1)
  f=$(sed -nE 's/^ *([0-9]+) test cases? out of [0-9]+ failed.*/\1/p' "$log" | head -n 1)
  settle "$name" "$rc" "$log" "$p" "$f" 'error: in|fatal error|failure occurred'
}

# One bounded libFuzzer run per target (tests/fuzz/fuzz_NAME.cpp, built as
# bin-asan/fuzz_NAME), counted one each. libFuzzer writes new inputs into
# its first corpus directory, so that is a scratch copy under tests/output
# (kept between runs: make fuzz grows it); the committed seeds in
# tests/fuzz/corpus/NAME stay as they are.
run_fuzz() {
  local src name bin log scratch p=0 f=0
  mkdir -p "$OUT/fuzz-artifacts"
  for src in tests/fuzz/fuzz_*.cpp; do
    name=$(basename "$src" .cpp)
    bin=bin-asan/$name
    log=$OUT/$name.log
    scratch=$OUT/fuzz-corpus/${name#fuzz_}
    if [[ ! -x $bin ]]; then
      echo "fuzz: $bin missing (build failed?)"
      f=$((f + 1))
      continue
    fi
    mkdir -p "$scratch"
    if "$bin" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$OUT/fuzz-artifacts/$name-" "$scratch" "tests/fuzz/corpus/${name#fuzz_}" \
        >"$log" 2>&1; then
      p=$((p + 1))
    else
      echo "fuzz: $name found a problem; see $log and $OUT/fuzz-artifacts/"
      grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -n 10
      f=$((f + 1))
    fi
  done
  count fuzz "$p" "$f"
}

ensure_npm() {
  if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
    npm ci --no-audit --no-fund --loglevel=error >"$OUT/npm-ci.log" 2>&1 || {
      echo "npm ci failed; see $OUT/npm-ci.log"
      return 1
    }
    touch node_modules
  fi
}

STACK_DIR=""
STACK_KEEP=stack # where under tests/output the stack's logs are kept
stop_stack() {
  [[ -n $STACK_DIR ]] || return 0
  local keep=$OUT/$STACK_KEEP
  bash scripts/stack.sh stop "$STACK_DIR" >/dev/null 2>&1
  # Keep the logs of the last run for debugging; the datadir goes.
  rm -rf "$keep"
  mkdir -p "$keep"
  cp -r "$STACK_DIR/log" "$STACK_DIR/nginx" "$keep/" 2>/dev/null
  rm -rf "$keep/nginx/tmp"
  cp "$STACK_DIR/ems.conf" "$STACK_DIR/nginx.conf" "$keep/" 2>/dev/null
  sed -i 's/^db_password = .*/db_password = (removed)/' "$keep/ems.conf" 2>/dev/null
  rm -rf "$STACK_DIR"
  STACK_DIR=""
}
trap stop_stack EXIT
trap 'exit 130' INT TERM

start_stack() {
  [[ -n $STACK_DIR ]] && return 0
  # TEST_STACK_DIR and TEST_HTTP_PORT pin the stack's directory (emptied
  # first, removed at the end) and port, for a machine shared by several
  # runs; by default a fresh temporary directory and a free port.
  local port_args=()
  if [[ -n ${TEST_STACK_DIR:-} ]]; then
    STACK_DIR=$TEST_STACK_DIR
    bash scripts/stack.sh stop "$STACK_DIR" >/dev/null 2>&1
    rm -rf "$STACK_DIR"
    mkdir -p "$STACK_DIR"
  else
    STACK_DIR=$(mktemp -d /tmp/ems-test.XXXXXX)
  fi
  [[ -n ${TEST_HTTP_PORT:-} ]] && port_args=(--http-port "$TEST_HTTP_PORT")
  # Exported, not just prefixed: a test that restarts the pool through
  # stack.sh must get the same settings.
  export EMS_ENABLE_TEST_ROUTES=true EMS_PASSWORD_COST=10 EMS_WORKERS=4
  # Short fault timeouts: the fault tests (frozen database, held row lock)
  # wait for them, and a worker stuck on a fault is back sooner.
  export EMS_DB_CONNECT_TIMEOUT=2 EMS_DB_READ_TIMEOUT=3 EMS_DB_WRITE_TIMEOUT=3 EMS_DB_LOCK_WAIT_TIMEOUT=2
  # Every test signs up and asks for resets from 127.0.0.1: the per-address
  # limits are lifted here; tests/integration/auth_security restarts the
  # pool with low ones to test them.
  export EMS_SIGNUP_THROTTLE_MAX=100000 EMS_RESET_THROTTLE_MAX=100000
  # The same for nginx's rate limits (nginx/ems-limits.conf); the
  # integration test of the limits reloads nginx with the shipped ones.
  export STACK_NGINX_LIMITS=lifted
  export EMS_STACK_DIR=$STACK_DIR
  if ! bash scripts/stack.sh start "$STACK_DIR" "${port_args[@]}" >"$OUT/stack-start.log" 2>&1; then
    cat "$OUT/stack-start.log"
    return 1
  fi
  set -a
  # shellcheck disable=SC1091
  source "$STACK_DIR/stack.env"
  set +a
}

# node --test with the TAP reporter ends with "# pass N" and "# fail N"
# (cancelled tests, e.g. timeouts, are reported apart and count as failed).
run_node_suite() { # run_node_suite NAME DIR
  local name=$1 dir=$2 log=$OUT/$1.tap p f c rc
  if ! start_stack; then
    echo "$name: the stack did not come up"
    count "$name" 0 1
    return
  fi
  timeout --kill-after=10 "$NODE_SUITE_TIMEOUT" \
    node --test --test-concurrency=1 --test-reporter=tap "$dir" >"$log" 2>&1
  rc=$?
  p=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$log" | tail -n 1)
  f=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$log" | tail -n 1)
  c=$(sed -nE 's/^# cancelled ([0-9]+)$/\1/p' "$log" | tail -n 1)
  settle "$name" "$rc" "$log" "${p:-0}" $((${f:-0} + ${c:-0})) '^ *not ok '
}

has_tests() { compgen -G "$1/*.test.mjs" >/dev/null || compgen -G "$1/**/*.test.mjs" >/dev/null; }

# make lint: include direction, clang-format, shellcheck, duplicates.
run_lint() {
  if make --no-print-directory lint >"$OUT/lint.log" 2>&1; then
    count lint 1 0
  else
    cat "$OUT/lint.log"
    count lint 0 1
  fi
}

# The model tests need the stack's MariaDB (DB_* from stack.env); the run
# makes its own database there and drops it at the end.
run_model() {
  if ! start_stack; then
    echo "model: the stack did not come up"
    count model 0 1
    return
  fi
  run_boost model bin/model_tests
}

# The scanners against the running stack (tests/scan/run.mjs says what and
# how); its last line is "scan: N passed, N failed", one per scan.
run_scan() {
  local log=$OUT/scan.log rc p f
  if ! start_stack; then
    echo "scan: the stack did not come up"
    count scan 0 1
    return
  fi
  node tests/scan/run.mjs "$OUT/scan" >"$log" 2>&1
  rc=$?
  p=$(sed -nE 's/^scan: ([0-9]+) passed, [0-9]+ failed$/\1/p' "$log" | tail -n 1)
  f=$(sed -nE 's/^scan: [0-9]+ passed, ([0-9]+) failed$/\1/p' "$log" | tail -n 1)
  settle scan "$rc" "$log" "${p:-0}" "${f:-0}" '^(FAIL|finding)'
}

# ---- The sanitizer run -------------------------------------------------------
# bin-asan/ is the same code built by clang with AddressSanitizer and UBSan
# (Makefile). The options, for every program of that build (the unit tests,
# the pool, the ems-admin the integration tests run):
# - detect_leaks=1: the unit tests, ems-admin and the pool's master end by
#   exit() and are checked for leaks. The pool's workers end by _exit()
#   (fcgi/pool.cpp) or are killed by design (retirement, SIGKILL in the
#   fault tests), which skips LeakSanitizer's exit check, so a worker's
#   memory that was simply never freed before its end is not reported as a
#   leak: no false reports, and no real one is hidden in the processes that
#   do end normally.
# - abort_on_error=1 (ASan), halt_on_error=1 (UBSan): the first report ends
#   the process, so a test sees it fail.
# - log_path: every report goes to a file tests/output/sanitizer/NAME.PID,
#   checked after the suites (a worker's stderr ends in the pool's log, where
#   a report would be easy to miss); the logs of the stack are searched too.
SANITIZER_LOGS=$OUT/sanitizer
sanitizer_env() {
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$SANITIZER_LOGS/asan"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$SANITIZER_LOGS/ubsan"
  export LSAN_OPTIONS="log_path=$SANITIZER_LOGS/lsan"
}
SANITIZER_REPORT='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer'

# Every report the sanitizer run left: files in tests/output/sanitizer and
# lines in the asan stack's logs. One check, counted as the suite
# "sanitizer": it fails on any report, even one no test noticed.
check_sanitizer_logs() {
  local files=() hits=() f
  mapfile -t files < <(find "$SANITIZER_LOGS" -type f -size +0 2>/dev/null)
  mapfile -t hits < <(grep -rlE "$SANITIZER_REPORT" "$OUT/stack-asan/log" "$OUT/unit-asan.log" \
    "$OUT/integ-asan.tap" 2>/dev/null)
  if ((${#files[@]} + ${#hits[@]} == 0)); then
    count sanitizer 1 0
    return
  fi
  echo "sanitizer: reports found in:"
  printf '  %s\n' "${files[@]}" "${hits[@]}" | sort -u
  for f in "${files[@]}"; do head -n 30 "$f"; done | head -n 80
  count sanitizer 0 1
}

run_sanitize() {
  stop_stack
  rm -rf "$SANITIZER_LOGS"
  mkdir -p "$SANITIZER_LOGS"
  sanitizer_env
  run_boost unit-asan bin-asan/unit_tests clean
  if ensure_npm && [[ -x bin-asan/ems-fcgi ]]; then
    unset STACK_POOL_BIN # it would name another pool program than bin-asan's
    export EMS_BIN_DIR=bin-asan
    STACK_KEEP=stack-asan
    run_node_suite integ-asan tests/integration/
    stop_stack
    unset EMS_BIN_DIR ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
    STACK_KEEP=stack
  else
    echo "integ-asan: bin-asan/ems-fcgi missing (build failed?) or npm failed"
    count integ-asan 0 1
  fi
  check_sanitizer_logs
}

want lint && run_lint
want unit && run_boost unit bin/unit_tests clean
want system && run_boost system bin/system_tests
want fuzz && run_fuzz
want model && run_model
if want integration || want browser || want scan || want sanitize; then
  if ensure_npm; then
    want integration && has_tests tests/integration && run_node_suite integration tests/integration/
    if want browser && has_tests tests/browser; then
      export CHROMIUM_PATH=${CHROMIUM_PATH:-$(command -v chromium || true)}
      run_node_suite browser tests/browser/
    fi
  else
    count npm 0 1
  fi
fi
want scan && run_scan
want sanitize && run_sanitize
stop_stack

echo "$passed passed, $failed failed"
((failed == 0))
