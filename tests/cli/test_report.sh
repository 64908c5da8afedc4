#!/usr/bin/env bash
# test_report.sh - `garant report`: the desk's SLA report of a database
# (desk_report_sla) as a table, over tickets whose figures were worked out
# by hand under the default policy (professional P3: 9 h of business time,
# Europe/Bratislava Monday-Friday 09:00-17:00, CET = UTC+1 in December;
# basic: no target), and how bad input is refused (exit status 2).
#
#   T1 professional P3 filed Tue 2026-12-01 09:00 CET, answered 11:30 CET,
#      due Wed 10:00 CET: in time; business and wall 2 h 30 min.
#   T2 professional P3 filed Tue 16:00 CET, answered Thu 10:00 CET, due
#      Wed 17:00 CET: breached; business 1 h + 8 h + 1 h = 10 h; wall 42 h.
#   T3 basic P3, no target, answered after 10 min.
#   T4 professional P3 filed Fri 2026-12-04 09:00 CET, due 18:00 CET on
#      Monday, unanswered at the report's instant (Sat 12:30Z): open.
#
# usage: tests/cli/test_report.sh path/to/garant
set -euo pipefail
trap 'echo "FAIL: line $LINENO: unexpected exit status $? (set -e)" >&2' ERR
G=${1:?usage: test_report.sh path/to/garant}
T=$(mktemp -d "${TMPDIR:-/tmp}/garant-report.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/checks.sh"

D="$T/desk.db"
expect_err "no --db" 2 "report: --db FILE is required" -- report
expect_err "no database" 2 "report: no desk database at '$D'" -- report --db "$D"
if [ ! -e "$D" ]; then ok; else bad "report of no desk created a database"; fi
# A desk with its schema, then an organization, a customer and tickets as
# the server would have written them.
echo "correct horse battery" | "$G" user add --db "$D" --email root@vendor.example --role admin --password-stdin \
  >/dev/null
python3 - "$D" <<'PY'
import calendar, sqlite3, sys, time
def at(s): return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
con = sqlite3.connect(sys.argv[1])
con.execute("INSERT INTO orgs (id, name, plan, created_at) VALUES (1, 'Acme', 'professional', 0)")
con.execute("INSERT INTO users (id, email, name, role, org_id, password_hash, verified_at, created_at)"
            " VALUES (100, 'amy@acme.example', 'Amy', 'customer', 1, 'x', 0, 0)")
for plan, sub, due, ans in [
        ("professional", "2026-12-01T08:00:00Z", "2026-12-02T09:00:00Z", "2026-12-01T10:30:00Z"),
        ("professional", "2026-12-01T15:00:00Z", "2026-12-02T16:00:00Z", "2026-12-03T09:00:00Z"),
        ("basic", "2026-12-02T10:00:00Z", None, "2026-12-02T10:10:00Z"),
        ("professional", "2026-12-04T08:00:00Z", "2026-12-07T17:00:00Z", None)]:
    con.execute("INSERT INTO tickets (org_id, requester_id, subject, body, priority, initial_priority, plan,"
                " environment, submitted_at, first_response_due, warn_at, first_response_at)"
                " VALUES (1, 100, 's', 'b', 3, 3, ?, 'production', ?, ?, ?, ?)",
                (plan, at(sub), at(due) if due else None, at(due) if due else None, at(ans) if ans else None))
con.commit()
PY

rc=0; out=$("$G" report --db "$D" --from 2026-12-01 --to 2026-12-06 --group-by plan --at 2026-12-05T12:30:00Z 2>&1) || rc=$?
row() { printf '%-32s %7s %6s %7s %8s %4s %10s  %-14s %-14s %-14s %s' "$@"; }
want_basic=$(row basic 1 0 0 0 0 - - - "10 min" "10 min")
want_pro=$(row professional 3 3 1 1 1 50.00% "2 h 30 min" "10 h" "2 h 30 min" "42 h")
want_total=$(row total 4 3 1 1 1 50.00% "2 h 30 min" "10 h" "2 h 30 min" "42 h")
if [ $rc = 0 ] && has "$out" "tickets submitted 2026-12-01T00:00:00Z to 2026-12-06T00:00:00Z, at 2026-12-05T12:30:00Z" \
   && has "$out" "$want_basic" && has "$out" "$want_pro" && has "$out" "$want_total"; then ok; else
  bad "report --group-by plan: status $rc: $out"; fi
# basic (the policy's first plan) before professional.
if [ "$(grep -n '^basic' <<<"$out" | cut -d: -f1)" -lt "$(grep -n '^professional' <<<"$out" | cut -d: -f1)" ]; then ok; else
  bad "plans in the policy's order: $out"; fi
rc=0; out=$("$G" report --db "$D" --from 2026-12-01 --to 2026-12-06 --group-by org,priority --at 2026-12-05T12:30:00Z 2>&1) || rc=$?
if [ $rc = 0 ] && has "$out" "$(row "Acme / P3" 4 3 1 1 1 50.00% "2 h 30 min" "10 h" "2 h 30 min" "42 h")"; then ok; else bad "report --group-by org,priority: status $rc: $out"; fi
# Defaults: the 30 days before now (2026-11-05T12:30Z to 2026-12-05T12:30Z): T1 to T4.
rc=0; out=$("$G" report --db "$D" --at 2026-12-05T12:30:00Z 2>&1) || rc=$?
if [ $rc = 0 ] && has "$out" "2026-11-05T12:30:00Z to 2026-12-05T12:30:00Z" && has "$out" "$want_total"; then ok; else
  bad "report over the default period: status $rc: $out"; fi

expect_err "bad key" 2 "--group-by takes plan, priority and org, each once (got 'team')" -- report --db "$D" --group-by team
expect_err "stray comma" 2 "each once (got 'plan,')" -- report --db "$D" --group-by plan,
expect_err "key twice" 2 "each once (got 'plan,plan')" -- report --db "$D" --group-by plan,plan
expect_err "bad date" 2 "report: --from must be a date" -- report --db "$D" --from 2026-02-30 --at 2026-12-05T12:30:00Z
expect_err "reversed" 2 "'from' must be before 'to'" -- report --db "$D" --from 2026-12-06 --to 2026-12-01 --at 2026-12-05T12:30:00Z
expect_err "too long" 2 "longer than 366 days" -- report --db "$D" --from 2025-01-01 --to 2026-12-01 --at 2026-12-05T12:30:00Z
expect_err "bad --at" 2 "report: --at must be an RFC 3339 instant" -- report --db "$D" --at tomorrow

checks_done report || exit 1
