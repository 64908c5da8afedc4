#!/usr/bin/env bash
# test_cli.sh - the garant command line end to end: deadlines, --explain,
# --batch streaming, calendar listing, config check, and how bad input is
# refused (message on stderr, exit status 2, never a crash).
#
# usage: tests/cli/test_cli.sh path/to/garant
#
# Strict mode: a command that fails outside a check stops the script with a
# non-zero status (the ERR trap says where), and a pipeline fails if any of
# its commands does. Outputs are captured first and searched afterwards
# (has, never `cmd | grep -q`), so that grep leaving early cannot kill the
# command with SIGPIPE and fail a check under pipefail.
set -euo pipefail
trap 'echo "FAIL: line $LINENO: unexpected exit status $? (set -e)" >&2' ERR
G=${1:?usage: test_cli.sh path/to/garant}
SRC=${GARANT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/garant-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/checks.sh"

# --- single deadlines (instants worked out by hand; see tests/core/cases) ---
expect_out "issue example" 0 "2026-11-30T13:30:00Z" -- deadline --plan professional --priority 2 --at 2026-11-27T15:30:00Z
expect_out "offset +01:00" 0 "2026-11-30T13:30:00Z" -- deadline --plan professional --priority 2 --at 2026-11-27T16:30:00+01:00
expect_out "default priority P3" 0 "2026-11-26T10:00:00Z" -- deadline --plan professional --at 2026-11-25T09:00:00Z
expect_out "ends at closing" 0 "2026-11-25T16:00:00Z" -- deadline --plan professional --priority 1 --at 2026-11-25T13:00:00Z
expect_out "advanced P1 24/7" 0 "2026-11-29T00:30:00Z" -- deadline --plan advanced --priority 1 --at 2026-11-28T23:30:00Z
expect_out "basic none" 0 "none" -- deadline --plan basic --priority 1 --at 2026-11-27T15:30:00Z
expect_out "beta none" 0 "none" -- deadline --plan advanced --priority 1 --at 2026-11-27T15:30:00Z --stage beta
expect_out "--opt=value form" 0 "2026-11-30T13:30:00Z" -- deadline --plan=professional --priority=2 --at=2026-11-27T15:30:00Z
expect_out "explicit default config" 0 "2026-11-30T13:30:00Z" -- deadline --config "$SRC/config/garant.yaml" --plan professional --priority 2 --at 2026-11-27T15:30:00Z

rc=0; out=$("$G" deadline --plan professional --priority 2 --at 2026-11-27T15:30:00Z --explain 2>&1) || rc=$?
if [ $rc = 0 ] && [ "${out%%$'\n'*}" = "2026-11-30T13:30:00Z" ] &&
   has "$out" "Fri 27 Nov 16:30-17:00 CET (30 min), Mon 30 Nov 09:00-14:30 CET (5 h 30 min)" &&
   has "$out" "Mon 30 Nov 2026 14:30 CET"; then ok; else bad "explain: status $rc: $out"; fi

# --- bad input: a clear message and exit status 2 ---
expect_err "no offset" 2 "no UTC offset" -- deadline --plan professional --priority 2 --at 2026-11-27T15:30:00
expect_err "30 February" 2 "day 30 does not exist in February 2026" -- deadline --plan professional --at 2026-02-30T10:00:00Z
expect_err "24:61" 2 "hour 24 is out of range" -- deadline --plan professional --at 2026-11-27T24:61:00Z
expect_err "23:61" 2 "minute 61 is out of range" -- deadline --plan professional --at 2026-11-27T23:61:00Z
expect_err "unknown plan" 2 "unknown plan 'gold' (plans: basic, professional, advanced)" -- deadline --plan gold --at 2026-11-27T10:00:00Z
expect_err "priority 0" 2 "priority 0 is not defined (priorities: 1, 2, 3)" -- deadline --plan professional --priority 0 --at 2026-11-27T10:00:00Z
expect_err "priority 4" 2 "priority 4 is not defined (priorities: 1, 2, 3)" -- deadline --plan professional --priority 4 --at 2026-11-27T10:00:00Z
expect_err "priority text" 2 "not a whole number" -- deadline --plan professional --priority high --at 2026-11-27T10:00:00Z
expect_err "unknown stage" 2 "unknown product stage 'alpha' (stages: ga, beta, preview)" -- deadline --plan professional --stage alpha --at 2026-11-27T10:00:00Z
expect_err "out of years" 2 "outside the compiled range" -- deadline --plan professional --at 2101-06-01T10:00:00Z
expect_err "missing --at" 2 "--at is required" -- deadline --plan professional
expect_err "unknown option" 2 "unknown option '--plna'" -- deadline --plna professional
expect_err "option twice" 2 "given twice" -- deadline --plan a --plan b
expect_err "missing value" 2 "needs a value" -- deadline --plan
expect_err "unknown command" 2 "unknown command 'dedline'" -- dedline
expect_err "missing config" 2 "No such file" -- deadline --config "$T/nope.yaml" --plan professional --at 2026-11-27T10:00:00Z
expect_err "no args" 2 "usage: garant" --

# --- configs with problems ---
cp "$SRC/config/garant.yaml" "$T/ok.yaml"
expect_out "config check ok" 0 "$T/ok.yaml: ok (3 plans, 3 priorities, 3 stages, 1 calendars)" -- config check "$T/ok.yaml"
sed 's|timezone: Europe/Bratislava|timezone: Europe/Atlantis|' "$SRC/config/garant.yaml" > "$T/zone.yaml"
expect_err "unknown zone" 2 "Europe/Atlantis" -- config check "$T/zone.yaml"
expect_err "unknown zone in deadline" 2 "Europe/Atlantis" -- deadline --config "$T/zone.yaml" --plan professional --at 2026-11-27T10:00:00Z
sed 's|monday-friday: \["09:00-17:00"\]|monday-friday: ["09:00-17:00"]\n      monday: ["16:00-18:00"]|' "$SRC/config/garant.yaml" > "$T/overlap.yaml"
expect_err "overlapping hours" 2 "overlap" -- config check "$T/overlap.yaml"
sed 's|monday-friday: \["09:00-17:00"\]|monday-friday: []|' "$SRC/config/garant.yaml" > "$T/empty.yaml"
expect_err "empty calendar with business target" 2 "never open" -- config check "$T/empty.yaml"
sed 's|monday-friday: \["09:00-17:00"\]|monday-friday: ["09:00-24:61"]|' "$SRC/config/garant.yaml" > "$T/time.yaml"
expect_err "24:61 in hours" 2 "24:61" -- config check "$T/time.yaml"
# Two problems at once, each with its line.
printf 'signup:\n  freemail_domains: [FreeBie.example, "webmail.*"]\n' | cat "$SRC/config/garant.yaml" - > "$T/signup.yaml"
rc=0; "$G" config show --config "$T/signup.yaml" >"$T/out" 2>"$T/err" || rc=$?
if [ $rc = 0 ] && grep -qxF "sign-up also refuses mail domains: freebie.example webmail.*" "$T/out"; then ok; else
  bad "config show lists the sign-up's free-mail domains: status $rc: $(cat "$T/err")"; fi
sed 's|^#   freemail_domains: \[freebie.example|  freemail_domains: [free_mail.example|; s|^# signup:|signup:|' \
  "$SRC/config/garant.yaml" > "$T/signup-bad.yaml"
expect_err "bad free-mail domain" 2 "signup: freemail_domains: 'free_mail.example' contains '_'" -- config check "$T/signup-bad.yaml"
sed -e 's|timezone: Europe/Bratislava|timezone: Mars/Olympus|' -e 's|default_priority: 3|default_priority: 7|' "$SRC/config/garant.yaml" > "$T/two.yaml"
rc=0; "$G" config check "$T/two.yaml" 2>"$T/err" >/dev/null || rc=$?
zl=$(grep -n 'Mars/Olympus' "$T/two.yaml" | cut -d: -f1)
dl=$(grep -n 'default_priority: 7' "$T/two.yaml" | cut -d: -f1)
if [ $rc = 2 ] && grep -q "two.yaml:$zl:" "$T/err" && grep -q "two.yaml:$dl:" "$T/err"; then ok; else
  bad "two problems (lines $zl, $dl): status $rc: $(cat "$T/err")"; fi
printf 'version: 1\nplans: [a\n' > "$T/syntax.yaml"
expect_err "YAML syntax" 2 "syntax.yaml:" -- config check "$T/syntax.yaml"

# --- batch ---
cat > "$T/in.jsonl" <<'JSONL'
{"plan":"professional","priority":2,"submitted_at":"2026-11-27T16:30:00+01:00","product_stage":"ga"}
{"plan":"basic","priority":1,"submitted_at":"2026-11-27T16:30:00+01:00"}
{"plan":"professional","priority":4,"submitted_at":"2026-11-27T16:30:00+01:00"}
not json
{"plan":"advanced","priority":1,"submitted_at":"2026-11-28T23:30:00Z","id":"T-7"}
{"plan":"professional","submitted_at":"2026-11-27T15:30:00"}
{"plan":"professional","priority":"2","submitted_at":"2026-11-27T15:30:00Z"}
{"plan":"professional","priority":2,"submitted_at":"2026-11-27T15:30:00Z","product_stage":"beta"}
[1,2]
{"plan":"professional","priority":2,"submitted_at":"2026-11-27T15:30:00Z","colour":"red"}

{"plan":"professional","plan":"basic","submitted_at":"2026-11-27T15:30:00Z"}
{"plan":"professional","priority":2,"submitted_at":"2026-11-27T15:30:00Z"}
JSONL
rc=0; "$G" deadline --batch < "$T/in.jsonl" > "$T/out.jsonl" 2>"$T/err" || rc=$?
expected='{"due":"2026-11-30T13:30:00Z"}
{"due":null}
{"error":"line 3: priority 4 is not defined (priorities: 1, 2, 3)"}
{"error":"line 4: invalid JSON at column
{"id":"T-7","due":"2026-11-29T00:30:00Z"}
{"error":"line 6: '"'"'2026-11-27T15:30:00'"'"': timestamp has no UTC offset; add Z or an offset such as +01:00"}
{"error":"line 7: \"priority\" must be an integer"}
{"due":null}
{"error":"line 9: expected a JSON object"}
{"error":"line 10: unknown key \"colour\"
{"error":"line 11: invalid JSON at column
{"error":"line 12: invalid JSON
{"due":"2026-11-30T13:30:00Z"}'
n=0; mism=0
while IFS= read -r want; do
  n=$((n + 1)); got=$(sed -n "${n}p" "$T/out.jsonl")
  case "$got" in "$want"*) ;; *) mism=1; echo "  batch line $n: got '$got', want prefix '$want'" >&2;; esac
done <<< "$expected"
lines=$(wc -l < "$T/out.jsonl")
if [ $rc = 2 ] && [ $mism = 0 ] && [ "$lines" = 13 ] && grep -q "8 of 13 lines rejected" "$T/err"; then ok; else
  bad "batch: status $rc, $lines lines, stderr $(cat "$T/err")"; fi
# Every line valid: exit 0; no trailing newline on the last line still counts.
rc=0
printf '{"plan":"professional","priority":1,"submitted_at":"2026-11-25T08:00:00Z"}' | "$G" deadline --batch > "$T/one" 2>&1 || rc=$?
if [ $rc = 0 ] && [ "$(cat "$T/one")" = '{"due":"2026-11-25T11:00:00Z"}' ]; then ok; else bad "batch without final newline: $(cat "$T/one")"; fi
# A 200 KB line is refused on its own line, and the next line still answered.
# The input is a file: had garant stopped reading, a writer in a pipeline
# would die of SIGPIPE and that, not garant, would set the status.
{ printf '{"plan":"'; head -c 200000 /dev/zero | tr '\0' 'x'; printf '"}\n{"plan":"basic","submitted_at":"2026-11-25T08:00:00Z"}\n'; } > "$T/long.jsonl"
rc=0; "$G" deadline --batch < "$T/long.jsonl" > "$T/long" 2>/dev/null || rc=$?
if [ $rc = 2 ] && [ "$(sed -n 1p "$T/long")" = '{"error":"line 1: line longer than 65536 bytes"}' ] &&
   [ "$(sed -n 2p "$T/long")" = '{"due":null}' ]; then ok; else bad "long line: $(head -c 200 "$T/long")"; fi
# Empty input: no output, success.
rc=0; "$G" deadline --batch < /dev/null > "$T/empty" || rc=$?
if [ $rc = 0 ] && [ ! -s "$T/empty" ]; then ok; else bad "empty batch: status $rc: $(cat "$T/empty")"; fi
expect_err "batch with --plan" 2 "--batch reads everything from stdin" -- deadline --batch --plan basic

# --- calendar ---
rc=0; out=$("$G" calendar --from 2026-11-23 --to 2026-11-29 2>&1) || rc=$?
if [ $rc = 0 ] && [ "$(grep -c ' CET ' <<<"$out")" = 5 ] && has "$out" "open: 40 h" &&
   has "$out" "Mon 23 Nov 2026 09:00 CET" && has "$out" "2026-11-23T08:00:00Z"; then ok
else bad "calendar week: status $rc: $out"; fi
rc=0; out=$("$G" calendar --from 2026-12-21 --to 2027-01-03 2>&1) || rc=$?
if [ $rc = 0 ] && has "$out" "open: 56 h"; then ok; else bad "calendar Christmas fortnight (7 open days): status $rc: $out"; fi
# Days the calendar is closed on say why, by name, in their place.
rc=0; out=$("$G" calendar --from 2026-12-23 --to 2026-12-28 2>&1) || rc=$?
want="calendar 'business' (Europe/Bratislava), 2026-12-23 to 2026-12-28
Wed 23 Dec 2026 09:00 CET    -> Wed 23 Dec 2026 17:00 CET     2026-12-23T08:00:00Z - 2026-12-23T16:00:00Z  8 h
Thu 24 Dec 2026                 closed all day: Christmas Eve
Fri 25 Dec 2026                 closed all day: Christmas Day
Sat 26 Dec 2026                 closed all day: St. Stephen's Day
Mon 28 Dec 2026 09:00 CET    -> Mon 28 Dec 2026 17:00 CET     2026-12-28T08:00:00Z - 2026-12-28T16:00:00Z  8 h
open: 16 h"
if [ $rc = 0 ] && [ "$out" = "$want" ]; then ok; else bad "calendar names the holidays: status $rc: $out"; fi
rc=0; out=$("$G" calendar --from 2026-04-03 --to 2026-04-06 2>&1) || rc=$?
if [ $rc = 0 ] && has "$out" "Fri 3 Apr 2026                  closed all day: Good Friday" &&
   has "$out" "Mon 6 Apr 2026                  closed all day: Easter Monday"; then ok; else bad "calendar Easter: status $rc: $out"; fi
expect_err "calendar unknown name" 2 "unknown calendar 'night' (calendars: business)" -- calendar --calendar night --from 2026-12-01 --to 2026-12-01
expect_err "calendar reversed" 2 "before --from" -- calendar --from 2026-12-01 --to 2026-11-01
expect_err "calendar bad date" 2 "day 31 does not exist in November 2026" -- calendar --from 2026-11-31 --to 2026-12-01

# --- policy versions, offline (docs/SLA.md: a ticket keeps its version) ---
# A new database has none; a server's first start saves the configured
# policy as version 1, which `policy show` prints for `deadline --config`.
expect_out "no versions yet" 0 "$(printf '%-8s %-21s %-8s %s\n%s' version 'saved at (UTC)' tickets 'saved by' \
  '(no version saved yet: the server saves one on its first start)')" -- policy versions --db "$T/desk.db"
expect_err "show before any" 2 "no policy version saved in '$T/desk.db' yet" -- policy show --db "$T/desk.db"
expect_err "deadline --db before any" 2 "no policy version saved in '$T/desk.db' yet" -- deadline --db "$T/desk.db" --plan professional --at 2026-11-27T15:30:00Z
expect_err "--db of no desk" 2 "no desk database at '$T/none.db'" -- config show --db "$T/none.db"
if [ ! -e "$T/none.db" ]; then ok; else bad "--db of no desk created a database"; fi
"$G" serve --db "$T/desk.db" --listen 127.0.0.1:0 --test-clock 2026-11-27T15:30:00Z --quiet >"$T/serve.out" 2>"$T/serve.err" &
spid=$!
for _ in $(seq 1 600); do
  if has "$(cat "$T/serve.out")" "listening on"; then break; fi
  if ! kill -0 "$spid" 2>/dev/null; then break; fi
  sleep 0.05
done
rc=0; kill -TERM "$spid" 2>/dev/null || true; wait "$spid" || rc=$?
if [ $rc = 0 ] && has "$(cat "$T/serve.out")" "listening on"; then ok; else
  bad "serve for policy versions: status $rc: $(cat "$T/serve.err")"; fi
rc=0; out=$("$G" policy versions --db "$T/desk.db" 2>&1) || rc=$?
if [ $rc = 0 ] && has "$out" "1        2026-11-27T15:30:00Z  0        (configuration)"; then ok; else
  bad "policy versions: status $rc: $out"; fi
rc=0; "$G" policy show --db "$T/desk.db" --version 1 >"$T/v1.yaml" 2>"$T/err" || rc=$?
if [ $rc = 0 ] && cmp -s "$T/v1.yaml" "$SRC/config/garant.yaml"; then ok; else
  bad "policy show --version 1 is the configured policy: status $rc: $(cat "$T/err")"; fi
expect_out "deadline under version 1" 0 "2026-11-30T13:30:00Z" -- deadline --config "$T/v1.yaml" --plan professional --priority 2 --at 2026-11-27T15:30:00Z
expect_err "show a missing version" 2 "there is no policy version 2" -- policy show --db "$T/desk.db" --version 2
expect_err "show a bad version" 2 "--version must be 1 or more" -- policy show --db "$T/desk.db" --version x
expect_err "versions without --db" 2 "--db FILE is required" -- policy versions
# deadline, calendar and config show read a desk's policy too (--db), the
# one in force or any saved version (--version).
expect_out "deadline --db" 0 "2026-11-30T13:30:00Z" -- deadline --db "$T/desk.db" --plan professional --priority 2 --at 2026-11-27T15:30:00Z
expect_out "deadline --db --version 1" 0 "2026-11-30T13:30:00Z" -- deadline --db "$T/desk.db" --version 1 --plan professional --priority 2 --at 2026-11-27T15:30:00Z
expect_err "deadline --db --version 2" 2 "there is no policy version 2 in" -- deadline --db "$T/desk.db" --version 2 --plan professional --at 2026-11-27T15:30:00Z
expect_err "--db and --config" 2 "--config and --db name two policies" -- deadline --db "$T/desk.db" --config "$SRC/config/garant.yaml" --plan professional --at 2026-11-27T15:30:00Z
expect_err "--version without --db" 2 "give --db FILE too" -- deadline --version 1 --plan professional --at 2026-11-27T15:30:00Z
expect_err "--version not a number" 2 "--version must be 1 or more (got 'one')" -- calendar --db "$T/desk.db" --version one --from 2026-12-01 --to 2026-12-01
rc=0; out=$("$G" config show --db "$T/desk.db" 2>&1) || rc=$?
if [ $rc = 0 ] && has "$out" "P1 Business critical" && has "$out" "3 h business"; then ok; else bad "config show --db: status $rc: $out"; fi
rc=0; out=$("$G" calendar --db "$T/desk.db" --from 2026-12-24 --to 2026-12-24 2>&1) || rc=$?
if [ $rc = 0 ] && has "$out" "Thu 24 Dec 2026                 closed all day: Christmas Eve"; then ok; else bad "calendar --db: status $rc: $out"; fi

# --- admin operations on a desk: garant user ..., garant org ... (src/http/admin_ops.h) ---
D="$T/admin.db"
for who in root@vendor.example:admin agent@vendor.example:agent; do
  rc=0; echo "correct horse battery" | "$G" user add --db "$D" --email "${who%%:*}" --role "${who##*:}" --password-stdin \
    >/dev/null 2>"$T/err" || rc=$?
  [ $rc = 0 ] && ok || bad "user add ${who%%:*}: status $rc: $(cat "$T/err")"
done
# An organization with a customer, as the server would have made them.
python3 - "$D" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("INSERT INTO orgs (id, name, plan, created_at) VALUES (1, 'Acme', 'professional', 0)")
con.execute("INSERT INTO org_domains (domain, org_id) VALUES ('acme.example', 1)")
con.execute("INSERT INTO users (email, name, role, org_id, password_hash, verified_at, created_at)"
            " VALUES ('amy@acme.example', 'Amy', 'customer', 1, 'x', 0, 0)")
con.commit()
PY
rc=0; out=$("$G" user list --db "$D" 2>&1) || rc=$?
if [ $rc = 0 ] && has "$out" "root@vendor.example" && grep -qE "amy@acme.example +customer +Acme +yes" <<<"$out"; then ok; else
  bad "user list: status $rc: $out"; fi
expect_out "user list --role" 0 "$(printf '%-6s %-40s %-9s %-30s %s\n%-6s %-40s %-9s %-30s %s' id email role organization active \
  2 agent@vendor.example agent - yes)" -- user list --db "$D" --role agent
expect_err "the last admin stays" 2 "root@vendor.example is the last active admin and cannot be demoted" -- user role --db "$D" --email root@vendor.example --role agent
expect_err "the last admin is not deactivated" 2 "is the last active admin and cannot be deactivated" -- user deactivate --db "$D" --id 1
expect_err "the last admin is not deleted" 2 "is the last active admin and cannot be deleted" -- user delete --db "$D" --email root@vendor.example
expect_out "promote" 0 "agent@vendor.example is admin" -- user role --db "$D" --email agent@vendor.example --role admin
expect_out "step down" 0 "root@vendor.example is agent" -- user role --db "$D" --id 1 --role agent
expect_err "role refused lists the roles" 2 "--role must be customer, agent or admin (got 'boss')" -- user role --db "$D" --id 1 --role boss
expect_err "role required" 2 "--role is required: customer, agent or admin" -- user role --db "$D" --id 1
expect_err "staff to customer needs an org" 2 "is required to make root@vendor.example a customer" -- user role --db "$D" --id 1 --role customer
expect_err "no such org" 2 "organization 9 does not exist" -- user role --db "$D" --id 1 --role customer --org 9
expect_err "org for staff" 2 "is for customers only" -- user role --db "$D" --id 1 --role agent --org 1
expect_err "one of --email and --id" 2 "name the user with --email ADDR or --id N" -- user role --db "$D" --id 1 --email root@vendor.example --role agent
expect_err "no such user" 2 "there is no user with e-mail nobody@vendor.example" -- user deactivate --db "$D" --email nobody@vendor.example
expect_err "bad id" 2 "--id must be a positive whole number (got '0')" -- user deactivate --db "$D" --id 0
expect_err "no desk" 2 "no desk database at '$T/none.db'" -- user list --db "$T/none.db"
[ ! -e "$T/none.db" ] && ok || bad "user list made a database"
expect_err "--db required" 2 "user list: --db FILE is required" -- user list
expect_out "deactivate" 0 "root@vendor.example is deactivated" -- user deactivate --db "$D" --email root@vendor.example
expect_out "activate" 0 "root@vendor.example is active" -- user activate --db "$D" --email root@vendor.example
expect_out "org list" 0 "$(printf '%-6s %-30s %-14s %-6s %s\n%-6s %-30s %-14s %-6s %s' id name plan active domains \
  1 Acme professional yes acme.example)" -- org list --db "$D"
expect_out "org deactivate" 0 "organization 1 is deactivated (1 user deactivated with it)" -- org deactivate --db "$D" --id 1
rc=0; out=$("$G" user list --db "$D" --org 1 2>&1) || rc=$?
if [ $rc = 0 ] && grep -qE "amy@acme.example +customer +Acme +no" <<<"$out"; then ok; else bad "its user is out: status $rc: $out"; fi
expect_err "a user of a deactivated org" 2 "reactivate the organization" -- user activate --db "$D" --email amy@acme.example
expect_err "no one joins a deactivated org" 2 "organization 1 is deactivated" -- user role --db "$D" --id 1 --role customer --org 1
expect_out "org activate" 0 "organization 1 is active (1 user back with it)" -- org activate --db "$D" --id 1
expect_out "staff to customer" 0 "root@vendor.example is customer of organization 1" -- user role --db "$D" --id 1 --role customer --org 1
expect_out "org rename" 0 'organization 1 is "Acme s.r.o."' -- org rename --db "$D" --id 1 --name "Acme s.r.o."
expect_err "org rename empty" 2 "'--name' is empty" -- org rename --db "$D" --id 1 --name ""
expect_err "org rename needs --name" 2 "--name NAME is required" -- org rename --db "$D" --id 1
expect_err "org needs --id" 2 "org deactivate: --id N is required" -- org deactivate --db "$D"
expect_err "no such org" 2 "organization 7 not found" -- org deactivate --db "$D" --id 7
expect_err "org with users stays" 2 "organization 1 has 2 users: delete them first" -- org delete --db "$D" --id 1
expect_out "user delete" 0 "deleted root@vendor.example (id 1)" -- user delete --db "$D" --id 1
# Every change is in the audit trail, by the command line (no user).
rc=0; out=$(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(
  'SELECT count(*), count(by_user), group_concat(DISTINCT action) FROM audit').fetchone())" "$D" 2>&1) || rc=$?
if [ $rc = 0 ] && [ "$out" = "(10, 0, 'user_role,user_active,org_active,user_org,org_name,user_deleted')" ]; then ok; else
  bad "audit trail of the command line: status $rc: $out"; fi

# --- an organization's rules for its members (issue 15), as the API sets them ---
expect_out "org settings shows them" 0 'organization 1 "Acme s.r.o.": ticket-visibility organization, approval-required no' \
  -- org settings --db "$D" --id 1
expect_out "org settings sets both" 0 'organization 1 "Acme s.r.o.": ticket-visibility own, approval-required yes' \
  -- org settings --db "$D" --id 1 --ticket-visibility own --approval-required yes
expect_out "org settings leaves what is not named" 0 'organization 1 "Acme s.r.o.": ticket-visibility own, approval-required no' \
  -- org settings --db "$D" --id 1 --approval-required no
expect_err "visibility refused lists the values" 2 \
  "org settings: --ticket-visibility must be organization (members see every ticket of the organization) or own (each member her own) (got 'all')" \
  -- org settings --db "$D" --id 1 --ticket-visibility all
expect_err "approval-required is yes or no" 2 "org settings: --approval-required must be yes or no (got 'true')" \
  -- org settings --db "$D" --id 1 --approval-required true
expect_err "org settings of no org" 2 "organization 7 not found" -- org settings --db "$D" --id 7 --ticket-visibility own
expect_err "org settings needs --id" 2 "org settings: --id N is required" -- org settings --db "$D"
rc=0; out=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
  'SELECT ticket_visibility, approval_required FROM orgs WHERE id = 1').fetchone())" "$D" 2>&1) || rc=$?
[ $rc = 0 ] && [ "$out" = "('own', 0)" ] && ok || bad "org settings stored: status $rc: $out"
expect_out "a manager" 0 "amy@acme.example is a manager of organization 1" -- user manager --db "$D" --email amy@acme.example --set yes
expect_out "no longer a manager" 0 "amy@acme.example is not a manager of organization 1" -- user manager --db "$D" --email amy@acme.example --set no
expect_err "manager is yes or no" 2 "user manager: --set must be yes or no (got 'on')" -- user manager --db "$D" --email amy@acme.example --set on
expect_err "manager needs --set" 2 "user manager: --set is required: yes" -- user manager --db "$D" --email amy@acme.example
expect_err "staff manage no organization" 2 "agent@vendor.example is an admin: only a customer manages her organization" \
  -- user manager --db "$D" --email agent@vendor.example --set yes
expect_err "manager of no one" 2 "there is no user with e-mail nobody@acme.example" -- user manager --db "$D" --email nobody@acme.example --set yes
# Two members waiting for approval, as a sign-up into the organization leaves them.
python3 - "$D" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
for who in ("bob", "carl"):
    con.execute("INSERT INTO users (email, name, role, org_id, password_hash, verified_at, created_at, approval)"
                " VALUES (?, ?, 'customer', 1, 'x', 1, 1, 'pending')", (who + "@acme.example", who.title()))
con.commit()
PY
carl=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
  \"SELECT id FROM users WHERE email = 'carl@acme.example'\").fetchone()[0])" "$D")
expect_err "approve needs --base-url" 2 "user approve: --base-url URL is required" -- user approve --db "$D" --email bob@acme.example
expect_err "approve refuses a bad --base-url" 2 "--base-url must start with http:// or https:// (got 'desk.example')" \
  -- user approve --db "$D" --email bob@acme.example --base-url desk.example
expect_out "approve" 0 "bob@acme.example is approved as a member of organization 1" \
  -- user approve --db "$D" --email bob@acme.example --base-url https://desk.example --mail-from "garant <desk@vendor.example>"
expect_err "approve twice" 2 "bob@acme.example is not waiting for approval (active)" \
  -- user approve --db "$D" --email bob@acme.example --base-url https://desk.example
expect_err "refuse an approved member" 2 "bob@acme.example is not waiting for approval (active)" -- user refuse --db "$D" --email bob@acme.example
expect_out "refuse" 0 "carl@acme.example is refused (deactivated)" -- user refuse --db "$D" --id "$carl"
expect_err "refuse a staff member" 2 "agent@vendor.example is not waiting for approval" -- user refuse --db "$D" --email agent@vendor.example
# The decisions are stored, Bob's mail waits in the outbox for the server
# to send, with the link to the desk, and the audit trail names the
# command line.
rc=0; out=$(python3 - "$D" <<'PY' 2>&1
import email, email.policy, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("SELECT group_concat(email || ':' || approval || ':' || (deactivated_at IS NOT NULL), ' ')"
                " FROM (SELECT * FROM users WHERE approval IS NOT NULL ORDER BY id)").fetchone()[0])
rows = c.execute("SELECT recipient, state, raw FROM mail_outbox").fetchall()
print(len(rows), rows[0][0], rows[0][1])
msg = email.message_from_bytes(rows[0][2], policy=email.policy.default)
print("link" if "https://desk.example/tickets" in msg.get_body().get_content() else "no link")
print(c.execute("SELECT group_concat(action), count(by_user) FROM (SELECT * FROM audit WHERE id > 10 ORDER BY id)").fetchone())
PY
) || rc=$?
want="bob@acme.example:approved:0 carl@acme.example:refused:1
1 bob@acme.example queued
link
('org_visibility,org_approval,org_approval,user_org_manager,user_org_manager,member_approved,member_refused', 0)"
[ $rc = 0 ] && [ "$out" = "$want" ] && ok || bad "decisions stored, mailed and audited: status $rc: $out"

# --- help ---
rc=0; out=$("$G" deadline --help 2>&1) || rc=$?
if [ $rc = 0 ] && has "$out" "--batch"; then ok; else bad "deadline --help: status $rc: $out"; fi
rc=0; out=$("$G" help 2>&1) || rc=$?
if [ $rc = 0 ] && has "$out" "config check FILE"; then ok; else bad "help lists commands: status $rc: $out"; fi
# Every command group answers --help, and its bare name, with its commands.
for group in config user policy org; do
  rc=0; out=$("$G" "$group" --help 2>&1) || rc=$?
  if [ $rc = 0 ] && has "$out" "usage: garant $group COMMAND"; then ok; else bad "$group --help: status $rc: $out"; fi
  rc=0; out=$("$G" "$group" 2>&1) || rc=$?
  if [ $rc = 2 ] && has "$out" "garant: $group: which one?" && has "$out" "usage: garant $group COMMAND"; then ok; else
    bad "bare $group: status $rc: $out"; fi
done
rc=0; out=$("$G" config --help 2>&1) || rc=$?
if has "$out" "config check FILE" && has "$out" "config show"; then ok; else bad "config --help lists check and show: $out"; fi
rc=0; out=$("$G" user --help 2>&1) || rc=$?
if has "$out" "user add"; then ok; else bad "user --help lists add: $out"; fi
for c in list role deactivate activate delete; do has "$out" "user $c" && ok || bad "user --help lists $c: $out"; done
rc=0; out=$("$G" org --help 2>&1) || rc=$?
for c in list rename deactivate activate delete settings; do has "$out" "org $c" && ok || bad "org --help lists $c: $out"; done
rc=0; out=$("$G" user --help 2>&1) || rc=$?
for c in manager approve refuse; do has "$out" "user $c" && ok || bad "user --help lists $c: $out"; done
rc=0; out=$("$G" org settings --help 2>&1) || rc=$?
if [ $rc = 0 ] && has "$out" "--ticket-visibility WHO" && has "$out" "--approval-required YES|NO"; then ok; else
  bad "org settings --help: status $rc: $out"; fi
for c in manager approve refuse; do
  rc=0; out=$("$G" user $c --help 2>&1) || rc=$?
  if [ $rc = 0 ] && has "$out" "usage: garant user $c" && has "$out" "--email ADDR"; then ok; else bad "user $c --help: status $rc: $out"; fi
done
rc=0; out=$("$G" user role --help 2>&1) || rc=$?
if [ $rc = 0 ] && has "$out" "--role ROLE" && has "$out" "--org ID"; then ok; else bad "user role --help: status $rc: $out"; fi
expect_err "a group's unknown command" 2 "config: unknown command 'frob'" -- config frob
# A file that cannot be read is named once.
rc=0; "$G" config check "$T/missing.yaml" >"$T/out" 2>"$T/err" || rc=$?
if [ $rc = 2 ] && [ "$(grep -c -F "$T/missing.yaml" "$T/err")" = 2 ] && ! has "$(cat "$T/err")" "$T/missing.yaml: $T/missing.yaml"; then ok; else
  bad "config check of a missing file: status $rc: $(cat "$T/err")"; fi

# `make demo` builds the one binary the demo runs, not the tests.
rc=0; out=$(make -n -C "$SRC" demo 2>&1) || rc=$?
builds=$(grep -c -e "cmake --build" <<<"$out" || true)
only=$(grep -c -e "cmake --build .* --target garant\$" <<<"$out" || true)
if [ $rc = 0 ] && [ "$builds" = 1 ] && [ "$only" = 1 ]; then ok; else bad "make demo builds only garant: status $rc: $out"; fi

checks_done cli || exit 1
