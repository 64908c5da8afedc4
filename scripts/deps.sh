#!/usr/bin/env bash
# deps.sh - install the Debian packages garant needs, if any is missing.
#
# Called by `make check`, `make demo` and .ci/run, so that a fresh Debian 12
# machine needs nothing but this repository. With GARANT_UPGRADE_TZDATA=1 it
# also brings tzdata up to date: deadlines follow the zone rules the system
# ships, and Debian updates tzdata within days of an IANA release.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang libclang-rt-14-dev cppcheck
  libyaml-dev libical-dev libjansson-dev libcmocka-dev
  libmicrohttpd-dev libsodium-dev libcurl4-openssl-dev libsqlite3-dev libpq-dev
  libgmime-3.0-dev libxml2-dev python3-aiosmtpd fiu-utils openssl
  gettext
  tzdata libc-bin python3 python3-yaml wrk
  chromium nodejs
  haproxy
)
# gettext: msgfmt compiles po/ro.po into the binary; xgettext and msgen
# extract the messages for tests/po/test_ro_po.py (docs/messages.md).
# `make torture` (scripts/torture.sh) also attacks a running server.
# (haproxy is above: tests/http/test_haproxy.py runs in make check.)
if [ "${1:-}" = "--torture" ]; then
  packages+=(slowhttptest)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# npm: Debian's package, unless the installed Node.js brings its own (the
# NodeSource build conflicts with Debian's npm package).
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

if [ "${#missing[@]}" -gt 0 ] || [ "${GARANT_UPGRADE_TZDATA:-0}" = 1 ]; then
  echo "deps: updating package lists" >&2
  "${sudo_cmd[@]}" apt-get update -qq
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "${GARANT_UPGRADE_TZDATA:-0}" = 1 ]; then
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --only-upgrade tzdata >/dev/null
fi
echo "deps: ok (tzdata $(sed -n '1s/# version //p' /usr/share/zoneinfo/tzdata.zi 2>/dev/null || echo unknown))" >&2
