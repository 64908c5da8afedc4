#!/usr/bin/env bash
# torture.sh - the campaign of issue 13, outside the CI time budget:
# `make torture` runs it on BUILD_DIR (a plain build; the fuzzers build
# their own in build-fuzz).
#
#   1. kill -9 under 16 clients, TORTURE_ROUNDS rounds (default 100), each
#      killing at another count of acknowledged tickets; every acknowledged
#      ticket must survive (tests/http/test_crash.py).
#   2. I/O errors, short writes and failed fdatasync injected with libfiu
#      under 8 clients, TORTURE_FAULT_ROUNDS rounds (default 20): no crash,
#      no acknowledged ticket lost, no ticket half-written
#      (tests/http/test_faults.py).
#   3. every fuzzer for TORTURE_FUZZ_SECONDS (default 600) seconds each.
#   4. slowloris and slow-read with slowhttptest against a running server,
#      a normal request timed from another source address meanwhile
#      (tests/http/slow_attack.py), on the bare port and behind the HAProxy
#      configuration of docs/haproxy.cfg.
#
# Each part prints its figures; the summary at the end repeats them. A
# failing part fails the script (the others still run).
set -uo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
garant=$build/garant
"$root/scripts/deps.sh" --torture || exit 1
logs=$(mktemp -d /tmp/garant-torture.XXXXXX)
summary=()
failed=()

part() { # NAME COMMAND... : run, keep the log, collect the summary lines
  local name=$1; shift
  echo "torture: $name" >&2
  if "$@" 2>&1 | tee "$logs/$name.log" | grep -E '^(kill -9|faults|fuzz|slow|    fuzz_)' ; then :; fi
  local rc=${PIPESTATUS[0]}
  summary+=("$(grep -E '^(kill -9:|faults: [0-9]+ rounds|slow:)' "$logs/$name.log" | tail -3)")
  if [ "$rc" -ne 0 ]; then
    failed+=("$name")
    echo "torture: $name FAILED (exit $rc); log: $logs/$name.log" >&2
  fi
}

export GARANT_NO_SKIP=1 GARANT_SOURCE_DIR="$root" GARANT_BINARY="$garant"
part crash env GARANT_CRASH_ROUNDS="${TORTURE_ROUNDS:-100}" GARANT_TEST=test_kill_during_submissions \
  python3 "$root/tests/http/test_crash.py" "$garant"
part faults env GARANT_FAULT_ROUNDS="${TORTURE_FAULT_ROUNDS:-20}" \
  python3 "$root/tests/http/test_faults.py" "$garant"
part fuzz make -C "$root" fuzz FUZZ_SECONDS="${TORTURE_FUZZ_SECONDS:-600}"
summary+=("$(sed -n '/^fuzz: executions/,/^fuzz: ok/p' "$logs/fuzz.log")")
if [ -f "$root/tests/http/slow_attack.py" ]; then
  part slow python3 "$root/tests/http/slow_attack.py" "$garant"
fi

echo
echo "torture: summary (logs in $logs)"
printf '%s\n' "${summary[@]}" | sed '/^$/d'
if [ ${#failed[@]} -ne 0 ]; then
  echo "torture: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "torture: all parts passed"
