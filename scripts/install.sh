#!/usr/bin/env bash
# make install: the two programs and what they need at run time, nothing
# from tests/ or bench/. Prints each file it installs.
#   PREFIX (/usr/local)  DESTDIR (empty)  SYSCONFDIR (/etc)
# Layout (PREFIX=/usr/local):
#   bin/ems-fcgi, bin/ems-admin
#   share/ems/views/*.mustache, share/ems/static/*, share/ems/nginx/ (site
#     snippet, limits, security headers, error pages), share/ems/scripts/
#   lib/systemd/system/ems.service, ems-backup.service, ems-backup.timer,
#     ems-digest.service, ems-digest.timer
#   share/doc/ems/ (README.md, docs/*.md)
#   SYSCONFDIR/ems/ems.conf.example, SYSCONFDIR/logrotate.d/ems
# The unit files, the nginx snippet and the example configuration name
# these paths (the repository's copies say /opt/ems).
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-/usr/local}
SYSCONFDIR=${SYSCONFDIR:-/etc}
DESTDIR=${DESTDIR:-}
bindir=$PREFIX/bin
datadir=$PREFIX/share/ems
docdir=$PREFIX/share/doc/ems
unitdir=$PREFIX/lib/systemd/system

put() { # put MODE SOURCE TARGET: copies, creating folders
  install -D -m "$1" "$2" "$DESTDIR$3"
  echo "$3"
}

# A text file with the repository's /opt/ems layout rewritten to this one.
put_text() { # put_text MODE SOURCE TARGET
  local tmp
  tmp=$(mktemp)
  sed -e "s|/opt/ems/bin/|$bindir/|g" -e "s|/opt/ems/README.md|$docdir/README.md|g" \
      -e "s|/opt/ems|$datadir|g" \
      -e "s|^views_dir = .*|views_dir = $datadir/views|" -e "s|^static_dir = .*|static_dir = $datadir/static|" \
      "$2" >"$tmp"
  put "$1" "$tmp" "$3"
  rm -f "$tmp"
}

for program in ems-fcgi ems-admin; do
  [[ -x bin/$program ]] || { echo "install: bin/$program is not built (run make first)" >&2; exit 1; }
  put 0755 "bin/$program" "$bindir/$program"
done
for f in views/*.mustache; do put 0644 "$f" "$datadir/$f"; done
for f in static/*; do put 0644 "$f" "$datadir/$f"; done
for f in nginx/ems-site.conf nginx/ems-limits.conf nginx/ems-limit-req.conf nginx/ems-security-headers.conf; do
  put_text 0644 "$f" "$datadir/$f"
done
for f in nginx/errors/*.html; do put 0644 "$f" "$datadir/$f"; done
put 0755 scripts/migrate_to_file_storage "$datadir/scripts/migrate_to_file_storage"
put_text 0644 nginx/ems.service "$unitdir/ems.service"
put_text 0644 scripts/systemd/ems-backup.service "$unitdir/ems-backup.service"
put 0644 scripts/systemd/ems-backup.timer "$unitdir/ems-backup.timer"
put_text 0644 scripts/systemd/ems-digest.service "$unitdir/ems-digest.service"
put 0644 scripts/systemd/ems-digest.timer "$unitdir/ems-digest.timer"
put_text 0644 nginx/ems.logrotate "$SYSCONFDIR/logrotate.d/ems"
put_text 0644 config/ems.conf.example "$SYSCONFDIR/ems/ems.conf.example"
put 0644 README.md "$docdir/README.md"
for f in docs/*.md; do put 0644 "$f" "$docdir/$f"; done
