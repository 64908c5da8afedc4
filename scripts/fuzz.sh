#!/usr/bin/env bash
# fuzz.sh - run each libFuzzer target in BUILD_DIR for FUZZ_SECONDS seconds.
#
# Usage: FUZZ_SECONDS=20 scripts/fuzz.sh BUILD_DIR   (`make fuzz` does this)
#
# Each fuzzer starts from a fresh temporary corpus holding its text seeds
# from fuzz/seeds/<name>/ and, where the format has real examples on the
# machine, those too: zoneinfo files for fuzz_tzif (binary seeds stay out
# of the repository), config/garant.yaml for fuzz_config, the mail corpus
# of tests/mail/corpus for fuzz_mail_parse. A crash, leak,
# timeout or out-of-memory fails the script; the input that caused it is
# kept in BUILD_DIR/fuzz-artifacts/ and the command to replay it printed.
# Every target of fuzz/fuzz_*.c (all of which `make fuzz` builds) must
# exist: a missing fuzzer is a failure, not a skip.
#
# A fuzzer that ran but executed (next to) nothing fails too: each must
# report libFuzzer's stat::number_of_executed_units, at least every seed
# once and at least FUZZ_MIN_EXECS inputs, or it tested nothing (a harness
# that returns at once, a corpus it cannot read, a binary that is not a
# fuzzer). FUZZ_MIN_EXECS defaults to 50 a second (1000 in 20 s): the
# slowest, fuzz_config, compiles a calendar per input and runs 200-600/s
# here, so a loaded machine stays well above it. The executions are
# printed per fuzzer.
# Logs are kept in BUILD_DIR/fuzz-logs/; the fuzzers run in a temporary
# folder, so nothing they write lands in the work tree.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: FUZZ_SECONDS=N $0 BUILD_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
seconds=${FUZZ_SECONDS:-20}
min_execs=${FUZZ_MIN_EXECS:-$((50 * seconds))}
root=$(cd "$(dirname "$0")/.." && pwd)
zoneinfo=${TZDIR:-/usr/share/zoneinfo}

# Zones whose rules exercise the TZif reader: DST both hemispheres, a
# half-hour DST shift (Lord Howe), a negative DST (Casablanca), a date-line
# jump (Apia), a fractional fixed offset (Kolkata), and plain UTC.
tzif_seeds=(Europe/Bratislava America/New_York Australia/Lord_Howe Asia/Kolkata
            Africa/Casablanca Pacific/Apia America/Sao_Paulo Europe/Dublin
            America/St_Johns Asia/Kathmandu UTC)

# The fuzzers expected: one per fuzz/fuzz_*.c, and never fewer than the
# three the project started with (a lost source file must not pass quietly).
declare -A want=([fuzz_timestamp]=1 [fuzz_config]=1 [fuzz_tzif]=1)
for src in "$root"/fuzz/fuzz_*.c; do
  [ -e "$src" ] && want[$(basename "$src" .c)]=1
done
# And any other fuzz_* executable the build produced.
for exe in "$build"/fuzz_*; do
  [ -f "$exe" ] && [ -x "$exe" ] && want[$(basename "$exe")]=1
done

missing=()
for name in "${!want[@]}"; do
  [ -x "$build/$name" ] || missing+=("$name")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz: missing fuzzer executables in $build: ${missing[*]}" >&2
  echo "fuzz: configure with -DGARANT_FUZZ=ON and build them first (make fuzz)" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/garant-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
artifacts="$build/fuzz-artifacts"
logs="$build/fuzz-logs"
mkdir -p "$artifacts" "$logs"

# fuzz_stat LOG NAME: the last value of libFuzzer's stat::NAME in LOG
# (-print_final_stats=1), or nothing if it printed none.
fuzz_stat() { sed -n "s/^stat::$2: *\([0-9][0-9]*\)\$/\1/p" "$1" | tail -n 1; }

failed=()
summary=()
mapfile -t names < <(printf '%s\n' "${!want[@]}" | sort)
for name in "${names[@]}"; do
  corpus="$work/$name"
  mkdir -p "$corpus"
  if [ -d "$root/fuzz/seeds/$name" ]; then
    find "$root/fuzz/seeds/$name" -maxdepth 1 -type f -exec cp {} "$corpus/" \;
  fi
  case "$name" in
    fuzz_tzif)
      for z in "${tzif_seeds[@]}"; do
        # tzdata (scripts/deps.sh) ships every one: a missing seed is a
        # broken machine, not something to fuzz without.
        if [ ! -f "$zoneinfo/$z" ]; then
          echo "fuzz: $zoneinfo/$z not found (tzdata; see scripts/deps.sh)" >&2
          exit 1
        fi
        cp -L "$zoneinfo/$z" "$corpus/zone-${z//\//_}"
      done
      ;;
    fuzz_config)
      cp "$root/config/garant.yaml" "$corpus/garant.yaml"
      ;;
    fuzz_mail_parse)
      # The inbound mail corpus, whose .expected files the tests check.
      cp "$root"/tests/mail/corpus/*.eml "$corpus/"
      ;;
  esac
  seeds=$(find "$corpus" -type f | wc -l)
  echo "fuzz: $name for ${seconds}s from $seeds seeds"

  # Fresh artifacts only: an old crash file must not fail (or pass) this run.
  rm -f "$artifacts/$name"-*
  rc=0
  (cd "$work" && "$build/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name-" "$corpus") \
    >"$logs/$name.log" 2>&1 || rc=$?
  execs=$(fuzz_stat "$logs/$name.log" number_of_executed_units)
  if [ -n "$execs" ]; then
    echo "    executed $execs inputs ($(fuzz_stat "$logs/$name.log" average_exec_per_sec)/s)," \
      "$(fuzz_stat "$logs/$name.log" new_units_added) new units," \
      "peak RSS $(fuzz_stat "$logs/$name.log" peak_rss_mb) MB"
  fi
  summary+=("$(printf '%-20s %12s' "$name" "${execs:-none}")")
  floor=$((seeds > min_execs ? seeds : min_execs))
  bad=0
  if [ -z "$execs" ]; then
    echo "fuzz: FAILED $name: no stat::number_of_executed_units in its log: $logs/$name.log" >&2
    bad=1
  elif [ "$execs" -lt "$floor" ]; then
    echo "fuzz: FAILED $name: executed $execs inputs, fewer than $floor (its $seeds seeds," \
      "FUZZ_MIN_EXECS=$min_execs); log: $logs/$name.log" >&2
    bad=1
  fi
  found=$(find "$artifacts" -maxdepth 1 -type f -name "$name-*" | sort)
  if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
    echo "fuzz: FAILED $name (exit $rc); log: $logs/$name.log" >&2
    grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_[a-z]+:)|^  input:' "$logs/$name.log" | head -8 | sed 's/^/    /' >&2 || true
    for f in $found; do
      echo "    input kept: $f" >&2
      echo "    replay:     $build/$name $f" >&2
    done
    bad=1
  fi
  if [ "$bad" -eq 1 ]; then failed+=("$name"); fi
done

echo "fuzz: executions per fuzzer (${seconds}s each, floor: every seed and $min_execs)"
printf '    %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} fuzzer(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ok (${#names[@]} fuzzers, ${seconds}s each)"
