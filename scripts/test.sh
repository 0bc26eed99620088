#!/usr/bin/env bash
# Runs every test suite (after `make all bin/fuzz_request`) and ends with one
# line, `N passed, N failed`, summed over the suites; exits non-zero when
# anything failed. Suites: lint, Boost.Test unit and system tests, a
# bounded libFuzzer run, the model tests (Boost.Test on the stack's MariaDB),
# the integration tests (node:test over HTTP against one private stack) and
# the browser tests when there are any (same stack).
# Full output of each suite goes to tests/output/ (git-ignored).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
REPO=$(pwd)
OUT=$REPO/tests/output
mkdir -p "$OUT"

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
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
# passed|failed".
run_boost() { # run_boost NAME BINARY
  local name=$1 bin=$2 log=$OUT/$1.log rc p f
  if [[ ! -x $bin ]]; then
    echo "$name: $bin missing (build failed?)"
    count "$name" 0 1
    return
  fi
  "$bin" --report_level=short --log_level=test_suite --color_output=no >"$log" 2>&1
  rc=$?
  p=$(sed -nE 's/^ *([0-9]+) test cases? out of [0-9]+ passed.*/\1/p' "$log" | head -n 1)
  f=$(sed -nE 's/^ *([0-9]+) test cases? out of [0-9]+ failed.*/\1/p' "$log" | head -n 1)
  settle "$name" "$rc" "$log" "$p" "$f" 'error: in|fatal error|failure occurred'
}

# libFuzzer writes new inputs into its first corpus directory, so that is a
# scratch copy under tests/output; the committed seeds stay as they are.
run_fuzz() {
  [[ -x bin/fuzz_request ]] || { echo "fuzz: bin/fuzz_request not built; skipped"; return; }
  local log=$OUT/fuzz.log scratch=$OUT/fuzz-corpus
  mkdir -p "$scratch" "$OUT/fuzz-artifacts"
  if bin/fuzz_request -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$OUT/fuzz-artifacts/" "$scratch" tests/fuzz/corpus >"$log" 2>&1; then
    count fuzz 1 0
  else
    echo "fuzz: bin/fuzz_request found a problem; see $log and $OUT/fuzz-artifacts/"
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 10
    count fuzz 0 1
  fi
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
stop_stack() {
  [[ -n $STACK_DIR ]] || return 0
  bash scripts/stack.sh stop "$STACK_DIR" >/dev/null 2>&1
  # Keep the logs of the last run for debugging; the datadir goes.
  rm -rf "$OUT/stack"
  mkdir -p "$OUT/stack"
  cp -r "$STACK_DIR/log" "$STACK_DIR/nginx" "$OUT/stack/" 2>/dev/null
  rm -rf "$OUT/stack/nginx/tmp"
  cp "$STACK_DIR/ems.conf" "$STACK_DIR/nginx.conf" "$OUT/stack/" 2>/dev/null
  sed -i 's/^db_password = .*/db_password = (removed)/' "$OUT/stack/ems.conf" 2>/dev/null
  rm -rf "$STACK_DIR"
  STACK_DIR=""
}
trap stop_stack EXIT
trap 'exit 130' INT TERM

start_stack() {
  [[ -n $STACK_DIR ]] && return 0
  STACK_DIR=$(mktemp -d /tmp/ems-test.XXXXXX)
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
  if ! bash scripts/stack.sh start "$STACK_DIR" >"$OUT/stack-start.log" 2>&1; then
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

run_lint
run_boost unit bin/unit_tests
run_boost system bin/system_tests
run_fuzz
run_model
if ensure_npm; then
  has_tests tests/integration && run_node_suite integration tests/integration/
  if has_tests tests/browser; then
    export CHROMIUM_PATH=${CHROMIUM_PATH:-$(command -v chromium || true)}
    run_node_suite browser tests/browser/
  fi
else
  count npm 0 1
fi
stop_stack

echo "$passed passed, $failed failed"
((failed == 0))
