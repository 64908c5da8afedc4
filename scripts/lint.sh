#!/usr/bin/env bash
# lint.sh - static checks `make lint` runs: cppcheck over src, tests, bench
# and fuzz; a ban on the C library functions that write or read without a
# length (sprintf, strcpy, strcat, gets) or fail silently or keep hidden
# state (atoi, strtok); and, in tests/, a ban on cmocka's bare skip(), which
# counts a skipped test as passed (tests use t_skip from tests/support.h).
#
# Usage: scripts/lint.sh   (from anywhere; checks the repository it is in)
#
# cppcheck findings are fixed, not silenced; a suppression is only for a
# real false positive, written inline (// cppcheck-suppress id) with a
# comment saying why the tool is wrong there.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
status=0

dirs=()
for d in src tests bench fuzz; do [ -d "$d" ] && dirs+=("$d"); done
echo "lint: cppcheck on ${dirs[*]}"
# _POSIX_C_SOURCE as the build defines it, so cppcheck sees one
# configuration, not every combination of #ifdefs. -I tests for the
# tests' support.h; not the node_modules of the browser and API tests.
if ! cppcheck --enable=warning,performance,portability --error-exitcode=1 \
  --inline-suppr --std=c11 --quiet -I include -I src/io -I src/core -I src/store -I src/desk -I src/http -I src/mail -I tests \
  --include=/usr/include/jansson.h --suppress=missingIncludeSystem \
  -i tests/web/node_modules -i tests/api/node_modules -D_POSIX_C_SOURCE=200809L "${dirs[@]}"; then
  echo "lint: cppcheck found problems (above)" >&2
  status=1
fi

echo "lint: banned functions in src tests bench fuzz"
# Calls only: the name, word-bounded, followed by "(" (snprintf, vsnprintf
# and strtok_r do not match, nor "gets" as an English word in a comment).
# Only C sources are searched.
banned='\b(sprintf|strcpy|strcat|gets|atoi|strtok)[[:space:]]*\('
bdirs=()
for d in src tests bench fuzz; do [ -d "$d" ] && bdirs+=("$d"); done
if grep -rnE "$banned" --include='*.c' --include='*.h' --include='*.c.in' "${bdirs[@]}"; then
  echo "lint: banned functions used (above): use snprintf, memcpy with a length, strtol, strtok_r" >&2
  status=1
fi

echo "lint: cmocka's skip() in tests"
# A skip must be t_skip (tests/support.c, the one place that calls skip()):
# it makes the program exit 77 and fails under GARANT_NO_SKIP=1.
if grep -rnE '\bskip[[:space:]]*\([[:space:]]*\)[[:space:]]*;' --include='*.c' --include='*.h' tests |
  grep -v '^tests/support\.c:'; then
  echo "lint: cmocka's skip() used (above): use t_skip(\"why\") from tests/support.h" >&2
  status=1
fi

if [ "$status" -eq 0 ]; then echo "lint: ok"; fi
exit "$status"
