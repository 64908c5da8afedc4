#!/usr/bin/env bash
# flake-hunt.sh - run ctest tests N times on a loaded machine and count how
# often each one fails: a test that fails 1 run in 10 here would, sooner or
# later, fail a CI run for nothing.
#
# Usage: [BUILD=dir] [HOGS=n] [JOBS=n] scripts/flake-hunt.sh N [TEST...]
#
#   N        how many times to run the tests (a positive whole number)
#   TEST     exact ctest names (`ctest --test-dir build -N` lists them);
#            every test of the build folder if none is given
#   BUILD    the configured and built folder to test, default build; a
#            relative path is taken from the repository root, so the script
#            works from any folder
#   HOGS     busy-loop processes spinning beside the tests for the whole
#            hunt, default one less than the cores (at least 1): on a
#            2-core machine the tests get one core, as on a loaded CI box
#   JOBS     ctest -j, default 1
#
# Examples:
#   scripts/flake-hunt.sh 3                                  # the whole suite
#   BUILD=build-asan scripts/flake-hunt.sh 10 py_test_sla web_browser
#
# Each run is `ctest --test-dir BUILD -R '^(TEST|...)$' --output-on-failure`
# with GARANT_NO_SKIP=1, as under `make check`, so a skip counts as a
# failure. The output of every run with a failure is kept, with ctest's
# full log of it (LastTest.log), under BUILD/flake-hunt/<date>-<pid>/, and
# that folder is printed; runs without a failure leave nothing. At the end
# it prints, per test, how many of the N runs failed, and a total. Exit
# status: 0 if no run of any test failed, 1 if one did, 2 for bad usage.
# The hogs are killed when the script ends, however it ends.
set -euo pipefail

usage() {
  sed -n 's/^# \{0,1\}//; 6,21p' "$0" >&2
  exit 2
}

[ $# -ge 1 ] || usage
runs=$1
shift
case "$runs" in '' | *[!0-9]* | 0) echo "flake-hunt: N must be a positive whole number, not '$runs'" >&2; usage ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
if [ ! -f "$build/CTestTestfile.cmake" ]; then
  echo "flake-hunt: $build is not a configured build folder (no CTestTestfile.cmake);" \
    "build it first, or set BUILD" >&2
  exit 2
fi
build=$(cd "$build" && pwd)
cores=$(nproc 2>/dev/null || echo 2)
hogs=${HOGS:-$((cores > 1 ? cores - 1 : 1))}
jobs=${JOBS:-1}

# The tests ctest knows in this build folder, one name a line.
mapfile -t known < <(ctest --test-dir "$build" -N | sed -nE 's/^ *Test +#[0-9]+: (.+)$/\1/p')
if [ ${#known[@]} -eq 0 ]; then
  echo "flake-hunt: ctest lists no tests in $build" >&2
  exit 2
fi
declare -A is_known=()
for t in "${known[@]}"; do is_known[$t]=1; done
if [ $# -gt 0 ]; then
  tests=("$@")
  for t in "${tests[@]}"; do
    if [ -z "${is_known[$t]:-}" ]; then
      echo "flake-hunt: no test '$t' in $build; there are: ${known[*]}" >&2
      exit 2
    fi
  done
else
  tests=("${known[@]}")
fi
# One anchored alternation of the names, regex characters escaped.
regex="^($(printf '%s\n' "${tests[@]}" | sed 's/[].^$*+?(){}|\\[]/\\&/g' | paste -sd '|'))\$"

out="$build/flake-hunt/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$out"

hog_pids=()
cleanup() {
  if [ ${#hog_pids[@]} -gt 0 ]; then
    kill "${hog_pids[@]}" 2>/dev/null || :
    wait "${hog_pids[@]}" 2>/dev/null || :
  fi
  rmdir "$out" 2>/dev/null || : # nothing failed: leave no empty folder
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for ((h = 0; h < hogs; h++)); do
  # A busy loop in a subshell of its own; the EXIT trap above ends it.
  (trap - EXIT INT TERM; while :; do :; done) &
  hog_pids+=($!)
done

declare -A failures=()
for t in "${tests[@]}"; do failures[$t]=0; done
echo "flake-hunt: ${#tests[@]} test(s) from $build, $runs run(s), beside $hogs CPU hog(s) on $cores core(s)"

export GARANT_NO_SKIP=1
failed_runs=0
for ((r = 1; r <= runs; r++)); do
  log="$out/run-$r.log"
  start=$(date +%s)
  rc=0
  ctest --test-dir "$build" -R "$regex" --output-on-failure -j "$jobs" >"$log" 2>&1 || rc=$?
  # The result line of each test: "  3/16 Test  #3: name ......   Passed    0.02 sec";
  # anything but Passed (Failed, Timeout, Exception, Skipped, Not Run) fails.
  declare -A passed=()
  while IFS= read -r name; do passed[$name]=1; done < <(
    sed -nE 's/^ *[0-9]+\/[0-9]+ +Test +#[0-9]+: ([^ ]+) \.*[ ]+Passed +[0-9.]+ sec$/\1/p' "$log")
  bad=()
  for t in "${tests[@]}"; do
    if [ -z "${passed[$t]:-}" ]; then
      failures[$t]=$((failures[$t] + 1))
      bad+=("$t")
    fi
  done
  unset passed
  secs=$(($(date +%s) - start))
  if [ ${#bad[@]} -gt 0 ] || [ "$rc" -ne 0 ]; then
    failed_runs=$((failed_runs + 1))
    cp "$build/Testing/Temporary/LastTest.log" "$out/run-$r.LastTest.log" 2>/dev/null || :
    echo "run $r/$runs: ${#bad[@]} failed (${bad[*]:-ctest exit $rc}) in ${secs}s; output: $log"
  else
    rm -f "$log"
    echo "run $r/$runs: all ${#tests[@]} passed in ${secs}s"
  fi
done

echo "flake-hunt: failed runs per test (of $runs):"
total=0
for t in "${tests[@]}"; do
  printf '  %-32s %d/%d\n' "$t" "${failures[$t]}" "$runs"
  total=$((total + failures[$t]))
done
echo "flake-hunt: total $total failure(s) in $((runs * ${#tests[@]})) test runs ($failed_runs of $runs ctest runs had one)"
if [ "$total" -gt 0 ] || [ "$failed_runs" -gt 0 ]; then
  echo "flake-hunt: output of the failing runs kept in $out" >&2
  exit 1
fi
