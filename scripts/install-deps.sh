#!/usr/bin/env bash
# Installs every Debian package ems needs to build, run and test, when missing.
# Idempotent and quick when everything is present: dpkg-query decides, and
# apt-get update runs at most once per call, only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential pkg-config clang libclang-rt-14-dev
  libfcgi-dev libcgicc-dev libjsoncpp-dev libmariadb-dev libboost-test-dev
  libkainjow-mustache-dev libcrypt-dev libcurl4-openssl-dev libssl-dev zlib1g-dev uuid-dev
  libarchive-dev age libsystemd-dev libical-dev python3-icalendar
  mariadb-server mariadb-client nginx
  curl strace procps psmisc wrk php-cli
  chromium fonts-dejavu-core
  sqlmap wapiti logrotate
)
# Node.js and npm drive the browser tests; use the machine's node if present.
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages: ${missing[*]} (run as root or install them)" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  # Never let package scripts start system services: ems runs its own
  # private MariaDB and nginx from var/.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
  fi
  trap '[[ $created_policy == 1 ]] && rm -f "$policy"' EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
