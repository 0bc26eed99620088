#!/usr/bin/env bash
# `make bench`, migration part: a generated PHP-era database (BENCH_MIG_USERS
# users, BENCH_MIG_EVENTS events, BENCH_MIG_ROWS legacy event_participants
# rows; 2,000 / 300 / 200,000 by default) in a database of its own on the
# stack DIR's MariaDB, migrated into an empty storage folder by
# `ems-admin migrate-to-files`, then verified. Prints time and rows/s.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
dir=${1:?usage: migrate_bench.sh STACK_DIR}
users=${BENCH_MIG_USERS:-2000}
events=${BENCH_MIG_EVENTS:-300}
rows=${BENCH_MIG_ROWS:-200000}
db=ems_bench_migrate
storage=$(mktemp -d /tmp/ems-bench-migrate.XXXXXX)
# shellcheck disable=SC2064
trap "rm -rf '$storage'; bash scripts/stack.sh admin-sql '$dir' mysql -e 'DROP DATABASE IF EXISTS $db' >/dev/null 2>&1" EXIT

sql() { bash scripts/stack.sh admin-sql "$dir" "$@"; }
sql mysql -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci" || exit 1
# The PHP tables as the V2.0.2 fixture has them, filled from MariaDB's
# sequence engine (one statement each, not one round trip a row).
tail -n +2 ../shared/fixtures/php-v2.0.2/schema.sql >"$storage.schema.sql" 2>/dev/null ||
  sed -n '/CREATE TABLE/,/;/p' ../shared/fixtures/php-v2.0.2/dump-after-exercise.sql >"$storage.schema.sql"
sql "$db" -e "source $storage.schema.sql" || exit 1
rm -f "$storage.schema.sql"
sql "$db" -e "
SET FOREIGN_KEY_CHECKS = 0;
INSERT INTO user_credentials (uid, fname, mname, lname, fullname, email, password, emailverified, attendedevents)
  SELECT seq, 'Bench', '', CONCAT('User', seq), CONCAT('Bench User', seq), CONCAT('bench', seq, '@example.test'),
         '\$2y\$10\$abcdefghijklmnopqrstuu', 1, '[]' FROM seq_1_to_$users;
INSERT INTO events (eventid, participantcount, startdate, enddate, location, eventname, eventcreator, eventkey)
  SELECT seq, 0, '2027-01-01 10:00:00', '2027-01-01 12:00:00', 'Hall', CONCAT('Bench event ', seq), 1,
         UPPER(LPAD(HEX(seq), 8, '0')) FROM seq_1_to_$events;
INSERT INTO event_participants (eventid, uid, join_time)
  SELECT seq MOD $events + 1, (seq DIV $events) MOD $users + 1, '2025-06-01 12:00:00'
  FROM seq_0_to_$((rows - 1));" || exit 1

run() { EMS_DB_NAME=$db EMS_STORAGE_ROOT=$storage bin/ems-admin -c "$dir/ems.conf" "$@" 2>/dev/null; }
start=$(date +%s.%N)
run migrate-to-files >"$storage.out" || { cat "$storage.out" >&2; exit 1; }
end=$(date +%s.%N)
run migrate-to-files --verify >/dev/null || { echo "migrate: --verify found differences" >&2; exit 1; }
added=$(sed -n 's/.* \([0-9]*\) added from event_participants.*/\1/p' "$storage.out")
rm -f "$storage.out"
awk -v s="$start" -v e="$end" -v r="$rows" -v a="$added" -v u="$users" -v ev="$events" 'BEGIN {
  t = e - s
  printf "migrate-to-files: %d users, %d events, %d legacy rows (%d added) in %.1f s: %.0f rows/s; verified\n", u, ev, r, a, t, r / t }'
