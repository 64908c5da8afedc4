#!/usr/bin/env bash
# bench_batch.sh - throughput and memory of `garant deadline --batch`.
#
# Usage: scripts/bench_batch.sh BINARY [LINES]   (`make bench` runs it)
#
# Generates LINES (default 1,000,000) JSON Lines submissions with a fixed
# seed - plans, priorities, stages (some beta and preview), instants over
# 2025-2030 written with assorted UTC offsets and now and then fractional
# seconds - then times `BINARY deadline --batch < input > /dev/null`, best
# of 3 wall-clock runs, and reads the peak resident memory at 100,000 and
# at LINES lines: batch mode streams, so the two should be about equal.
# A benchmark, not a test: the goal is printed, not enforced; the script
# fails only if the binary rejects a line or exits non-zero.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BINARY [LINES]" >&2
  exit 2
fi
bin=$1
lines=${2:-1000000}
small=100000
goal=1000000 # lines per second
if [ ! -x "$bin" ]; then
  echo "bench_batch: $bin is not an executable" >&2
  exit 2
fi
if [ "$lines" -lt "$small" ]; then small=$lines; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/garant-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
input=$work/input.jsonl

# ---- input -------------------------------------------------------------
gen_start=$(date +%s.%N)
python3 - "$lines" "$input" <<'PY'
# Fast enough for millions of lines: one 64-bit random number per line, cut
# into fields, and the text of every date and time of day looked up in
# tables built once instead of formatted per line.
import datetime, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(0x67617261)  # fixed: every run measures the same input
lo = 1735689600                   # 2025-01-01T00:00:00Z
span = 1924992000 - lo            # .. 2031-01-01T00:00:00Z
day0 = lo // 86400 - 1            # offsets reach a day either side
epoch = datetime.date(1970, 1, 1)
dates = [(epoch + datetime.timedelta(days=day0 + i)).isoformat() + "T"
         for i in range(span // 86400 + 3)]
hms = ["%02d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60) for s in range(86400)]
# UTC offsets in seconds, with their text; Z and +01:00 the most common.
offsets = [(0, "Z"), (0, "Z"), (3600, "+01:00"), (7200, "+02:00"), (-18000, "-05:00"),
           (19800, "+05:30"), (32400, "+09:00"), (-10800, "-03:00"), (20700, "+05:45"),
           (-34200, "-09:30"), (46800, "+13:00"), (-25200, "-07:00"),
           (3600, "+01:00"), (0, "Z"), (-14400, "-04:00"), (28800, "+08:00")]
heads = ['{"plan":"%s","priority":%d,"submitted_at":"' % (p, q)
         for p in ("basic", "professional", "professional", "advanced") for q in (1, 2, 3, 3)]
stages = ['","product_stage":"ga"}\n'] * 29 + ['","product_stage":"beta"}\n'] * 2 + \
         ['","product_stage":"preview"}\n']
bits = rng.getrandbits
out = []
with open(path, "w") as f:
    for _ in range(n):
        r = bits(64)
        off, zone = offsets[r & 15]
        local = lo + (r >> 30) % span + off
        frac = ".%03d" % ((r >> 14) % 1000) if (r >> 24) & 31 == 0 else ""  # 1 in 32
        out.append(heads[(r >> 4) & 15] + dates[local // 86400 - day0] + hms[local % 86400] + frac
                   + zone + stages[(r >> 8) & 31])
        if len(out) == 65536:
            f.write("".join(out))
            out.clear()
    f.write("".join(out))
PY
head -n "$small" "$input" >"$work/small.jsonl"
gen_end=$(date +%s.%N)
printf 'bench_batch: generated %d lines (%d MB) in %.1f s\n' "$lines" \
  "$(( $(stat -c %s "$input") / 1000000 ))" "$(awk -v a="$gen_start" -v b="$gen_end" 'BEGIN { print b - a }')"

# ---- correctness first: every line answered, none rejected -------------
rc=0
"$bin" deadline --batch <"$input" >"$work/output.jsonl" || rc=$?
out_lines=$(wc -l <"$work/output.jsonl")
errors=$(grep -c '"error"' "$work/output.jsonl" || true)
if [ "$rc" -ne 0 ] || [ "$out_lines" -ne "$lines" ] || [ "$errors" -ne 0 ]; then
  echo "bench_batch: $bin exited $rc and answered $out_lines lines for $lines, $errors with an error" >&2
  grep -m3 '"error"' "$work/output.jsonl" >&2 || true
  exit 1
fi
rm -f "$work/output.jsonl"

# ---- throughput: best of 3 ---------------------------------------------
best=
for run in 1 2 3; do
  t0=$(date +%s.%N)
  "$bin" deadline --batch <"$input" >/dev/null
  t1=$(date +%s.%N)
  dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
  printf '  run %d: %.3f s\n' "$run" "$dt"
  if [ -z "$best" ] || awk -v a="$dt" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$dt; fi
done

# ---- peak RSS ------------------------------------------------------------
# GNU time's -v reports the peak; without it, python3 reads the child's
# ru_maxrss from getrusage. Both in KiB.
peak_rss_kb() {
  if /usr/bin/time -f '%M' true >/dev/null 2>&1; then
    /usr/bin/time -f '%M' -o "$work/rss" "$bin" deadline --batch <"$1" >/dev/null
    tail -n 1 "$work/rss"
  else
    python3 -c '
import resource, subprocess, sys
with open(sys.argv[2], "rb") as f:
    subprocess.run([sys.argv[1], "deadline", "--batch"], stdin=f, stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$bin" "$1"
  fi
}
rss_small=$(peak_rss_kb "$work/small.jsonl")
rss_full=$(peak_rss_kb "$input")

rate=$(awk -v n="$lines" -v s="$best" 'BEGIN { printf "%.0f", n / s }')
met=MISSED
if [ "$rate" -ge "$goal" ]; then met=MET; fi
echo
echo "  garant deadline --batch ($bin)"
printf '  %-28s %s\n' "lines" "$lines (all answered, 0 rejected)"
printf '  %-28s %.3f s (best of 3)\n' "wall time" "$best"
printf '  %-28s %s   goal >= %s %s\n' "lines per second" "$rate" "$goal" "$met"
printf '  %-28s %.2f us\n' "per line" "$(awk -v n="$lines" -v s="$best" 'BEGIN { print s / n * 1e6 }')"
printf '  %-28s %s KiB at %d lines, %s KiB at %d lines (%+d KiB)\n' "peak RSS" \
  "$rss_small" "$small" "$rss_full" "$lines" "$((rss_full - rss_small))"
