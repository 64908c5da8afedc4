# tests/cli/checks.sh - the command-line tests' checks, sourced by each
# tests/cli/test_*.sh after it has set G (the garant binary) and T (its
# temporary folder). Outputs are captured first and searched afterwards
# (has, never `cmd | grep -q`), so that grep leaving early cannot kill the
# command with SIGPIPE and fail a check under pipefail.
pass=0 fail=0

ok()   { pass=$((pass + 1)); }
bad()  { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# has TEXT FIXED_STRING: whether TEXT contains the string.
has()  { grep -qF -- "$2" <<<"$1"; }

# expect_out NAME WANT_STATUS WANT_STDOUT -- ARGS...
expect_out() {
  local name=$1 want_rc=$2 want=$3; shift 4
  local got rc=0
  got=$("$G" "$@" 2>"$T/err") || rc=$?
  if [ "$rc" = "$want_rc" ] && [ "$got" = "$want" ]; then ok; else
    bad "$name: status $rc (want $want_rc), stdout '$got' (want '$want'), stderr: $(cat "$T/err")"; fi
}

# expect_err NAME WANT_STATUS STDERR_SUBSTRING -- ARGS...
expect_err() {
  local name=$1 want_rc=$2 want=$3; shift 4
  local rc=0
  "$G" "$@" >"$T/out" 2>"$T/err" || rc=$?
  if [ "$rc" = "$want_rc" ] && grep -qF -- "$want" "$T/err"; then ok; else
    bad "$name: status $rc (want $want_rc), stderr '$(cat "$T/err")' lacks '$want'"; fi
}

# checks_done NAME: the tally, and the script's status.
checks_done() {
  echo "$1: $pass passed, $fail failed"
  [ "$fail" = 0 ]
}
