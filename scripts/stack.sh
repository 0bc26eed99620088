#!/usr/bin/env bash
# stack.sh: a private ems stack (MariaDB, the ems-fcgi pool, nginx) living
# entirely in one directory, on loopback, never touching system services.
#
#   stack.sh start DIR [--http-port P]   create on first use, start what is not running
#   stack.sh stop DIR                    stop nginx, the pool, MariaDB
#   stack.sh pool-start DIR | pool-stop DIR | db-start DIR | db-stop DIR
#   stack.sh nginx-reload DIR            render nginx.conf again, reload nginx
#   stack.sh status DIR                  what runs, on which ports, /health
#   stack.sh sql DIR [mariadb args]      mariadb client as the ems user on the ems DB
#   stack.sh admin-sql DIR [args]        the same as the DB superuser
#   stack.sh env DIR                     print DIR/stack.env
#   Fault injection for tests (each undone by its pair; idempotent):
#   stack.sh db-freeze DIR | db-thaw DIR       SIGSTOP / SIGCONT mariadbd
#   stack.sh storage-ro DIR | storage-rw DIR   storage/ bind-mounted read-only / unmounted
#   stack.sh storage-fill DIR | storage-unfill DIR
#                                        storage/ replaced by a full tmpfs holding a
#                                        copy / unmounted (what was written there is lost)
#
# EMS_* variables in the environment reach ems-fcgi (they override ems.conf),
# e.g. EMS_WORKERS=4 stack.sh start /tmp/x. STACK_NGINX_LIMITS=lifted raises
# nginx's rate limits out of reach (scripts/test.sh); default: as shipped.
# EMS_BIN_DIR=bin-asan runs the sanitizer build's ems-fcgi instead of bin/'s.
#
# Layout of DIR: mysql/ (datadir), run/ (sockets, pid files), log/ (ems and
# MariaDB logs), nginx/ (prefix, pid, logs, temp), storage/ uploads/ outbox/
# tmp/ bench-static/, secrets (DB password, mode 600), backup.key (age
# identity for ems-admin backup, mode 600), ems.conf, nginx.conf,
# stack.env (ports and paths for scripts and tests).
#
# Sourcing this file defines the stack_* functions and runs nothing; they
# return non-zero with a message on stderr instead of exiting.

STACK_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Seconds to wait for each part to come up; MariaDB's first start initialises
# InnoDB, which is slow on a busy 2-core machine.
STACK_DB_WAIT=${STACK_DB_WAIT:-60}
STACK_POOL_WAIT=${STACK_POOL_WAIT:-30}
STACK_HEALTH_WAIT=${STACK_HEALTH_WAIT:-30}
# Components started by the last stack_start call (run.sh stops only these).
STACK_STARTED=()

stack__say() { echo "stack: $*" >&2; }

# Show the end of a log so a failure explains itself.
stack__tail() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    echo "---- last lines of $f ----" >&2
    tail -n 25 "$f" >&2
  done
}

# Sets the S_* path variables for DIR (created if missing, made absolute).
stack__paths() {
  [[ -n ${1:-} ]] || { stack__say "missing DIR argument"; return 1; }
  mkdir -p "$1" || return 1
  S_DIR=$(cd "$1" && pwd) || return 1
  S_RUN=$S_DIR/run
  S_LOG=$S_DIR/log
  S_DB_DATA=$S_DIR/mysql
  S_DB_SOCK=$S_RUN/mysqld.sock
  S_DB_PID=$S_RUN/mysqld.pid
  S_DB_LOG=$S_LOG/mariadb.err
  S_POOL_SOCK=$S_RUN/ems.sock
  S_POOL_PID=$S_RUN/ems.pid
  S_POOL_OUT=$S_LOG/ems-fcgi.out
  S_NGINX_PREFIX=$S_DIR/nginx
  S_NGINX_PID=$S_NGINX_PREFIX/nginx.pid
  S_NGINX_CONF=$S_DIR/nginx.conf
  S_CONF=$S_DIR/ems.conf
  S_ENV=$S_DIR/stack.env
  S_SECRETS=$S_DIR/secrets
  # The pictures folder follows the configuration: EMS_UPLOADS_DIR (as the
  # pool reads it) is where nginx serves /profilePictures/ from too.
  S_UPLOADS=${EMS_UPLOADS_DIR:-$S_DIR/uploads}
  [[ $S_UPLOADS == /* ]] || S_UPLOADS=$(pwd)/$S_UPLOADS
  # sun_path holds 108 bytes; a deep DIR would fail later with a vague error.
  if ((${#S_DB_SOCK} > 100)); then
    stack__say "DIR path too long for unix sockets: $S_DIR"
    return 1
  fi
  # Previous ports, so that a restart keeps its URLs.
  S_HTTP_PORT=$(stack__env_get HTTP_PORT)
  S_DB_PORT=$(stack__env_get DB_PORT)
}

stack__env_get() {
  [[ -f $S_ENV ]] || return 0
  sed -n "s/^$1=//p" "$S_ENV" | tail -n 1
}

# The DB superuser: mariadb-install-db gives the installing OS user a
# unix_socket-authenticated account of the same name (root when root).
stack__db_admin() { id -un; }

# pid from FILE if that process is alive and its command line contains NAME
# (a stale pid file may name a recycled pid).
stack__pid() {
  local file=$1 name=$2 pid
  [[ -f $file ]] || return 1
  pid=$(tr -dc '0-9' <"$file")
  [[ -n $pid ]] && stack__alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$name" || return 1
  echo "$pid"
}

stack__port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints PREFERRED when free, else a free port picked at random.
stack__pick_port() {
  local p=${1:-} i
  if [[ -n $p ]] && stack__port_free "$p"; then echo "$p"; return 0; fi
  for i in {1..100}; do
    p=$((20000 + RANDOM % 40000))
    stack__port_free "$p" && { echo "$p"; return 0; }
  done
  stack__say "no free port found"
  return 1
}

# True while PID runs. A zombie counts as gone: a daemon reparented to an
# init that does not reap (some containers) would otherwise never "exit".
stack__alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# Waits up to SECONDS for PID to exit.
stack__wait_gone() {
  local pid=$1 secs=$2 i
  for ((i = 0; i < secs * 10; i++)); do
    stack__alive "$pid" || return 0
    sleep 0.1
  done
  return 1
}

stack__db_password() {
  if [[ ! -s $S_SECRETS ]]; then
    (umask 077 && printf 'DB_PASSWORD=%s\n' \
      "$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" >"$S_SECRETS") || return 1
  fi
  chmod 600 "$S_SECRETS"
  sed -n 's/^DB_PASSWORD=//p' "$S_SECRETS"
}

stack__admin_client() {
  mariadb --no-defaults --socket="$S_DB_SOCK" --user="$(stack__db_admin)" "$@"
}

# stack__await PID NAME SECONDS CHECK LOG...: runs CHECK every 0.1s until it
# succeeds; fails, showing the LOGs, when PID exits or SECONDS pass first.
stack__await() {
  local pid=$1 name=$2 seconds=$3 check=$4 i
  shift 4
  for ((i = 0; i < seconds * 10; i++)); do
    if ! stack__alive "$pid"; then
      stack__say "$name exited during start-up"
      stack__tail "$@"
      return 1
    fi
    "$check" && return 0
    sleep 0.1
  done
  stack__say "$name was not ready within ${seconds}s"
  stack__tail "$@"
  return 1
}

stack__db_ping() {
  mariadb-admin --no-defaults --socket="$S_DB_SOCK" --user="$(stack__db_admin)" \
    --connect-timeout=2 ping >/dev/null 2>&1
}

stack__pool_ready() {
  [[ -S $S_POOL_SOCK ]] && stack__pid "$S_POOL_PID" ems-fcgi >/dev/null
}

stack_db_start() {
  stack__paths "$1" || return 1
  mkdir -p "$S_RUN" "$S_LOG" "$S_DIR/tmp" || return 1
  if stack__pid "$S_DB_PID" mariadbd >/dev/null; then
    S_DB_PORT=$(stack__env_get DB_PORT)
    return 0
  fi
  local as_user=()
  # mariadbd refuses to run as root unless told to; the datadir is ours.
  [[ $(id -u) -eq 0 ]] && as_user=(--user=root)
  if [[ ! -d $S_DB_DATA/mysql ]]; then
    stack__say "initialising MariaDB in $S_DB_DATA"
    if ! mariadb-install-db --no-defaults --datadir="$S_DB_DATA" "${as_user[@]}" \
        --auth-root-authentication-method=socket --skip-test-db \
        >"$S_LOG/mariadb-install.log" 2>&1; then
      stack__say "mariadb-install-db failed"
      stack__tail "$S_LOG/mariadb-install.log"
      rm -rf "$S_DB_DATA"
      return 1
    fi
  fi
  S_DB_PORT=$(stack__pick_port "$S_DB_PORT") || return 1
  rm -f "$S_DB_SOCK" "$S_DB_SOCK.lock"
  setsid mariadbd --no-defaults --datadir="$S_DB_DATA" "${as_user[@]}" \
    --socket="$S_DB_SOCK" --port="$S_DB_PORT" --bind-address=127.0.0.1 \
    --pid-file="$S_DB_PID" --log-error="$S_DB_LOG" --tmpdir="$S_DIR/tmp" \
    --skip-name-resolve --innodb_flush_log_at_trx_commit=1 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --innodb-buffer-pool-size=128M --max-connections=200 \
    </dev/null >>"$S_LOG/mariadbd.out" 2>&1 &
  stack__await $! MariaDB "$STACK_DB_WAIT" stack__db_ping "$S_DB_LOG" "$S_LOG/mariadbd.out" ||
    return 1
  STACK_STARTED+=(db)
  stack__db_setup
}

# Database and user, idempotent; ALTER USER keeps the password in step with
# DIR/secrets. ems_* databases are granted too, for tests that load a PHP
# dump beside the main database.
stack__db_setup() {
  local pw
  pw=$(stack__db_password) || return 1
  if ! stack__admin_client <<SQL; then
CREATE DATABASE IF NOT EXISTS ems CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
CREATE USER IF NOT EXISTS 'ems'@'localhost' IDENTIFIED BY '$pw';
CREATE USER IF NOT EXISTS 'ems'@'127.0.0.1' IDENTIFIED BY '$pw';
ALTER USER 'ems'@'localhost' IDENTIFIED BY '$pw';
ALTER USER 'ems'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON \`ems\`.* TO 'ems'@'localhost', 'ems'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`ems\\_%\`.* TO 'ems'@'localhost', 'ems'@'127.0.0.1';
SQL
    stack__say "creating the ems database and user failed"
    return 1
  fi
}

# The age identity `ems-admin backup` encrypts to (backup_key), made on
# first use and kept: archives made with it stay readable across restarts.
stack__backup_key() {
  local key=$S_DIR/backup.key
  if [[ ! -s $key ]]; then
    (umask 077 && age-keygen -o "$key" 2>/dev/null) || {
      stack__say "age-keygen failed (is the age package installed?)"
      return 1
    }
  fi
  chmod 600 "$key"
}

# ems.conf for this stack; written on every start (it holds no state).
stack__write_conf() {
  local pw tmp
  pw=$(stack__db_password) || return 1
  stack__backup_key || return 1
  mkdir -p "$S_DIR"/{storage,uploads,outbox,log,run,bench-static} || return 1
  tmp=$(mktemp "$S_CONF.XXXXXX") || return 1
  chmod 600 "$tmp"
  cat >"$tmp" <<EOF
# Written by scripts/stack.sh for the stack in $S_DIR; edits are overwritten.
# Documentation of every key: config/ems.conf.example.
listen = unix:$S_POOL_SOCK
pid_file = $S_POOL_PID
db_host = 127.0.0.1
db_port = $S_DB_PORT
db_socket = $S_DB_SOCK
db_user = ems
db_password = $pw
db_name = ems
storage_root = $S_DIR/storage
uploads_dir = $S_UPLOADS
backup_key = $S_DIR/backup.key
outbox_dir = $S_DIR/outbox
log_dir = $S_LOG
views_dir = $STACK_REPO/views
static_dir = $STACK_REPO/static
base_url = http://127.0.0.1:${S_HTTP_PORT:-8080}
EOF
  mv "$tmp" "$S_CONF"
}

stack_pool_start() {
  stack__paths "$1" || return 1
  if stack__pid "$S_POOL_PID" ems-fcgi >/dev/null; then return 0; fi
  # EMS_BIN_DIR (relative to the repository or absolute) runs another
  # build's programs, e.g. bin-asan for the sanitizer run of scripts/test.sh;
  # STACK_POOL_BIN names the pool's program alone.
  local bin_dir=${EMS_BIN_DIR:-bin}
  [[ $bin_dir == /* ]] || bin_dir=$STACK_REPO/$bin_dir
  local bin=${STACK_POOL_BIN:-$bin_dir/ems-fcgi}
  if [[ ! -x $bin ]]; then
    stack__say "$bin is missing: run make first"
    return 1
  fi
  [[ -f $S_CONF ]] || stack__write_conf || return 1
  # Our own directory, so a socket left by a killed master is stale.
  rm -f "$S_POOL_SOCK" "$S_POOL_PID"
  local err_log=$S_LOG/error.log
  echo "=== $(date '+%F %T') starting ems-fcgi" >>"$S_POOL_OUT"
  (cd "$STACK_REPO" && exec setsid "$bin" -c "$S_CONF" </dev/null >>"$S_POOL_OUT" 2>&1) &
  stack__await $! ems-fcgi "$STACK_POOL_WAIT" stack__pool_ready "$S_POOL_OUT" "$err_log" ||
    return 1
  STACK_STARTED+=(pool)
}

stack_pool_stop() {
  stack__paths "$1" || return 1
  local pid children=()
  pid=$(stack__pid "$S_POOL_PID" ems-fcgi) || return 0
  kill -TERM "$pid" 2>/dev/null
  # Graceful: in-flight requests finish first (fastcgi_read_timeout is 60s).
  if ! stack__wait_gone "$pid" 30; then
    stack__say "ems-fcgi ($pid) ignored SIGTERM for 30s; killing it"
    mapfile -t children < <(pgrep -P "$pid")
    kill -KILL "$pid" "${children[@]}" 2>/dev/null
    stack__wait_gone "$pid" 5
  fi
  rm -f "$S_POOL_SOCK"
}

stack__render_nginx() {
  local user_line=""
  [[ $(id -u) -eq 0 ]] && user_line="user $(id -un) $(id -gn);"
  mkdir -p "$S_NGINX_PREFIX"/tmp "$S_UPLOADS" "$S_DIR/bench-static" || return 1
  sed -e "s|@USER_LINE@|$user_line|" \
    -e "s|@DIR@|$S_DIR|g" \
    -e "s|@HTTP_PORT@|$S_HTTP_PORT|g" \
    -e "s|@REPO@|$STACK_REPO|g" \
    -e "s|@STATIC_DIR@|$STACK_REPO/static|g" \
    -e "s|@UPLOADS_DIR@|$S_UPLOADS|g" \
    -e "s|@POOL_SOCKET@|$S_POOL_SOCK|g" \
    "$STACK_REPO/nginx/ems-dev.conf.in" >"$S_NGINX_CONF" || return 1
  stack__render_limits
}

# The rate limits (nginx/ems-limits.conf and ems-limit-req.conf) copied into
# the stack: as shipped, or with STACK_NGINX_LIMITS=lifted every rate and
# burst raised so far that nothing is held back (the test suites sign in and
# sign up hundreds of times a minute from 127.0.0.1; the test of the limits
# reloads nginx with the shipped ones).
stack__render_limits() {
  local lift=(-e '')
  if [[ ${STACK_NGINX_LIMITS:-shipped} == lifted ]]; then
    lift=(-e 's/rate=[0-9]*r\/[ms]/rate=100000r\/s/' -e 's/burst=[0-9]*/burst=100000/')
  fi
  sed "${lift[@]}" "$STACK_REPO/nginx/ems-limits.conf" >"$S_NGINX_PREFIX/ems-limits.conf" &&
    sed "${lift[@]}" "$STACK_REPO/nginx/ems-limit-req.conf" >"$S_NGINX_PREFIX/ems-limit-req.conf"
}

# stack_nginx_reload DIR: the configuration rendered again (with the current
# STACK_NGINX_LIMITS) and nginx told to reload; returns once nginx accepted it.
stack_nginx_reload() {
  stack__paths "$1" || return 1
  local pid
  pid=$(stack__pid "$S_NGINX_PID" nginx) || { stack__say "nginx is not running"; return 1; }
  stack__render_nginx || return 1
  nginx -t -q -c "$S_NGINX_CONF" -p "$S_NGINX_PREFIX/" -e "$S_NGINX_PREFIX/error.log" || return 1
  kill -HUP "$pid"
}

# stack_nginx_start DIR [PORT]
stack_nginx_start() {
  stack__paths "$1" || return 1
  local want=${2:-}
  if stack__pid "$S_NGINX_PID" nginx >/dev/null; then
    if [[ -n $want && $want != "$S_HTTP_PORT" ]]; then
      stack__say "nginx already runs on port $S_HTTP_PORT (not $want); stop the stack to change it"
    fi
    return 0
  fi
  if [[ -n $want ]]; then
    stack__port_free "$want" || { stack__say "port $want is in use"; return 1; }
    S_HTTP_PORT=$want
  else
    S_HTTP_PORT=$(stack__pick_port "$S_HTTP_PORT") || return 1
  fi
  stack__render_nginx || return 1
  local log=$S_NGINX_PREFIX/error.log
  if ! nginx -c "$S_NGINX_CONF" -p "$S_NGINX_PREFIX/" -e "$log" 2>>"$S_LOG/nginx-start.err"; then
    stack__say "nginx failed to start"
    stack__tail "$S_LOG/nginx-start.err" "$log"
    return 1
  fi
  STACK_STARTED+=(nginx)
}

stack_nginx_stop() {
  stack__paths "$1" || return 1
  local pid
  pid=$(stack__pid "$S_NGINX_PID" nginx) || return 0
  kill -QUIT "$pid" 2>/dev/null
  stack__wait_gone "$pid" 10 || { kill -TERM "$pid"; stack__wait_gone "$pid" 5; }
}

stack_db_stop() {
  stack__paths "$1" || return 1
  local pid
  pid=$(stack__pid "$S_DB_PID" mariadbd) || return 0
  kill -TERM "$pid" 2>/dev/null
  if ! stack__wait_gone "$pid" 60; then
    stack__say "MariaDB ($pid) did not stop within 60s; killing it"
    kill -KILL "$pid" 2>/dev/null
    stack__wait_gone "$pid" 5
  fi
}

stack__write_env() {
  local tmp
  tmp=$(mktemp "$S_ENV.XXXXXX") || return 1
  chmod 600 "$tmp"
  {
    echo "# Written by scripts/stack.sh; shell and node (tests/integration/lib/stack.mjs) read it."
    printf '%s=%q\n' DIR "$S_DIR" CONF "$S_CONF" \
      HTTP_PORT "$S_HTTP_PORT" BASE_URL "http://127.0.0.1:$S_HTTP_PORT" \
      DB_PORT "$S_DB_PORT" DB_SOCKET "$S_DB_SOCK" DB_USER ems \
      DB_PASSWORD "$(stack__db_password)" DB_NAME ems \
      POOL_PID_FILE "$S_POOL_PID" POOL_SOCKET "$S_POOL_SOCK" \
      NGINX_PID_FILE "$S_NGINX_PID" LOG_DIR "$S_LOG" \
      STORAGE_ROOT "$S_DIR/storage" UPLOADS_DIR "$S_UPLOADS" \
      OUTBOX_DIR "$S_DIR/outbox" BACKUP_KEY "$S_DIR/backup.key"
  } >"$tmp" && mv "$tmp" "$S_ENV"
}

# Prints the HTTP status of GET /health (000 when nothing answers).
stack__health_code() {
  curl -s -o "${2:-/dev/null}" -w '%{http_code}' --max-time 3 \
    "http://127.0.0.1:$1/health" 2>/dev/null || true
}

stack_wait_healthy() {
  stack__paths "$1" || return 1
  local i code body=$S_DIR/tmp/health.json
  for ((i = 0; i < STACK_HEALTH_WAIT * 5; i++)); do
    code=$(stack__health_code "$S_HTTP_PORT" "$body")
    [[ $code == 200 ]] && return 0
    sleep 0.2
  done
  stack__say "GET http://127.0.0.1:$S_HTTP_PORT/health answered $code, not 200, within ${STACK_HEALTH_WAIT}s"
  [[ -s $body ]] && { echo "---- response body ----" >&2; head -c 2000 "$body" >&2; echo >&2; }
  stack__tail "$S_NGINX_PREFIX/error.log" "$S_LOG/error.log" "$S_POOL_OUT"
  return 1
}

# stack_start DIR [--http-port P]
stack_start() {
  local dir=${1:-} port=""
  shift || true
  while (($#)); do
    case $1 in
      --http-port) port=${2:-}; shift 2 || { stack__say "--http-port needs a value"; return 1; } ;;
      --http-port=*) port=${1#*=}; shift ;;
      *) stack__say "unknown option $1"; return 1 ;;
    esac
  done
  STACK_STARTED=()
  stack__paths "$dir" || return 1
  # The HTTP port is chosen before ems.conf is written (base_url uses it).
  if ! stack__pid "$S_NGINX_PID" nginx >/dev/null; then
    if [[ -n $port ]]; then
      stack__port_free "$port" || { stack__say "port $port is in use"; return 1; }
      S_HTTP_PORT=$port
    else
      S_HTTP_PORT=$(stack__pick_port "$S_HTTP_PORT") || return 1
    fi
  fi
  local http_port=$S_HTTP_PORT
  stack_db_start "$S_DIR" || return 1
  S_HTTP_PORT=$http_port
  stack__write_conf || return 1
  stack__write_env || return 1
  stack_pool_start "$S_DIR" || return 1
  stack_nginx_start "$S_DIR" "$http_port" || return 1
  stack__write_env || return 1
  stack_wait_healthy "$S_DIR"
}

stack_stop() {
  stack_nginx_stop "$1" || true
  stack_pool_stop "$1" || true
  stack_db_stop "$1" || true
}

stack_status() {
  stack__paths "$1" || return 1
  local pid rc=0 part file name
  for part in "mariadb:$S_DB_PID:mariadbd" "pool:$S_POOL_PID:ems-fcgi" "nginx:$S_NGINX_PID:nginx"; do
    IFS=: read -r name file pid <<<"$part"
    if pid=$(stack__pid "$file" "$pid"); then
      case $name in
        pool) echo "$name: running (master $pid, workers: $(pgrep -P "$pid" | tr '\n' ' '))" ;;
        mariadb) echo "$name: running (pid $pid, port $S_DB_PORT, socket $S_DB_SOCK)" ;;
        nginx) echo "$name: running (pid $pid, http://127.0.0.1:$S_HTTP_PORT/)" ;;
      esac
    else
      echo "$name: stopped"
      rc=3
    fi
  done
  if [[ -n $S_HTTP_PORT ]]; then
    echo "health: $(stack__health_code "$S_HTTP_PORT")"
  fi
  return $rc
}

stack_sql() {
  stack__paths "$1" || return 1
  shift
  MYSQL_PWD=$(stack__db_password) mariadb --no-defaults --socket="$S_DB_SOCK" \
    --user=ems --database=ems "$@"
}

stack_admin_sql() {
  stack__paths "$1" || return 1
  shift
  stack__admin_client "$@"
}

# ---- Fault injection (tests) ------------------------------------------------

stack_db_signal() { # stack_db_signal DIR STOP|CONT
  stack__paths "$1" || return 1
  local pid
  pid=$(stack__pid "$S_DB_PID" mariadbd) || { stack__say "MariaDB is not running"; return 1; }
  kill -"$2" "$pid"
}

stack__storage_mounted() { mountpoint -q "$S_DIR/storage"; }

stack_storage_ro() {
  stack__paths "$1" || return 1
  stack__storage_mounted && return 0
  mount --bind "$S_DIR/storage" "$S_DIR/storage" || return 1
  mount -o remount,bind,ro "$S_DIR/storage" || { umount "$S_DIR/storage"; return 1; }
}

# A tmpfs a little larger than the storage, holding a copy of it, then
# filled to the last block: creating a file still works (inodes are left),
# writing to one fails with ENOSPC.
stack_storage_fill() {
  stack__paths "$1" || return 1
  stack__storage_mounted && return 0
  local st=$S_DIR/storage copy=$S_DIR/tmp/storage-copy mb
  rm -rf "$copy" && cp -a "$st" "$copy" || return 1
  mb=$(($(du -sm "$copy" | cut -f1) + 2))
  mount -t tmpfs -o "size=${mb}m,mode=0750" ems-full "$st" || return 1
  cp -a "$copy/." "$st/" || { umount "$st"; return 1; }
  rm -rf "$copy"
  dd if=/dev/zero of="$st/.ems-fill" bs=64k status=none 2>/dev/null
  dd if=/dev/zero of="$st/.ems-fill" bs=4k oflag=append conv=notrunc status=none 2>/dev/null
  return 0
}

stack_storage_restore() {
  stack__paths "$1" || return 1
  while stack__storage_mounted; do
    umount "$S_DIR/storage" || umount -l "$S_DIR/storage" || return 1
  done
}

stack_main() {
  local cmd=${1:-}
  shift || true
  case $cmd in
    start) stack_start "$@" && echo "stack: up at http://127.0.0.1:$S_HTTP_PORT/ (dir $S_DIR)" ;;
    stop) stack__paths "${1:-}" && stack_stop "$S_DIR" ;;
    pool-start)
      stack_pool_start "${1:-}" || return 1
      [[ -z $S_HTTP_PORT ]] || ! stack__pid "$S_NGINX_PID" nginx >/dev/null || stack_wait_healthy "$S_DIR"
      ;;
    pool-stop) stack_pool_stop "${1:-}" ;;
    nginx-reload) stack_nginx_reload "${1:-}" ;;
    db-start) stack_db_start "${1:-}" ;;
    db-stop) stack_db_stop "${1:-}" ;;
    status) stack_status "${1:-}" ;;
    sql) stack_sql "$@" ;;
    admin-sql) stack_admin_sql "$@" ;;
    env) stack__paths "${1:-}" && cat "$S_ENV" ;;
    db-freeze) stack_db_signal "${1:-}" STOP ;;
    db-thaw) stack_db_signal "${1:-}" CONT ;;
    storage-ro) stack_storage_ro "${1:-}" ;;
    storage-fill) stack_storage_fill "${1:-}" ;;
    storage-rw | storage-unfill) stack_storage_restore "${1:-}" ;;
    *)
      sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
      return 2
      ;;
  esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -uo pipefail
  stack_main "$@"
  exit $?
fi
