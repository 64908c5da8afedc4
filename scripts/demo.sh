#!/usr/bin/env bash
# demo.sh - `make demo`: the ticket service on a fresh SQLite file with demo
# data, until Ctrl-C.
#
# Usage: scripts/demo.sh [BINARY] [DB]   (defaults build/garant, build/demo.db)
#
# The database is replaced on every run. scripts/demo_seed.py fills it
# through the product itself (staff via `garant user add`, everything else
# over the HTTP API of a server with the test clock, so that tickets can be
# filed days ago); then the real server starts without the test clock on
# 127.0.0.1:8080, or on a free port if 8080 is taken (DEMO_LISTEN overrides),
# and this script prints the URL and the demo logins. Mails (sign-up
# verification, password reset) go to the server's log below, since the
# demo has no SMTP server.
set -euo pipefail
G=${1:-build/garant}
DB=${2:-build/demo.db}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

bold() { printf '\033[1m%s\033[0m\n' "$*"; }

if [ ! -x "$G" ]; then
  echo "demo: $G is not built (make build)" >&2
  exit 2
fi
mkdir -p "$(dirname "$DB")"
rm -f "$DB" "$DB-wal" "$DB-shm"

bold "Seeding $DB (through the API, with the test clock)"
summary=$(python3 "$here/demo_seed.py" "$G" "$DB" | tail -n 1)

listen=${DEMO_LISTEN:-127.0.0.1:8080}
if [ -z "${DEMO_LISTEN:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then
  echo "demo: port 8080 is taken; using a free port" >&2
  listen=127.0.0.1:0
fi
# /metrics needs an admin or this token, as Prometheus would hold it.
TOKEN_FILE="$DB.metrics-token"
[ -s "$TOKEN_FILE" ] || head -c 24 /dev/urandom | base64 | tr -d '\n' >"$TOKEN_FILE"
args=(serve --db "$DB" --listen "$listen" --metrics-token-file "$TOKEN_FILE")
# The browser UI is served from web/.
if [ -d "$root/web" ]; then args+=(--web-root "$root/web"); fi

out=$(mktemp "${TMPDIR:-/tmp}/garant-demo.XXXXXX")
"$G" "${args[@]}" >"$out" &
pid=$!
stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$out"
}
trap stop EXIT
trap 'exit 0' INT TERM

url=
for _ in $(seq 1 100); do
  url=$(sed -n 's|.*listening on \(http://[^ ]*\)/$|\1|p' "$out" | head -n 1)
  if [ -n "$url" ]; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "demo: the server did not start" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "demo: the server did not say where it listens" >&2
  exit 1
fi

web=0
if [ -d "$root/web" ]; then web=1; fi
python3 - "$url" "$summary" "$web" "$TOKEN_FILE" <<'PY'
import json, sys
url, summary, web = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] == "1"
b = lambda s: "\033[1m%s\033[0m" % s
print()
print(b("garant is running at %s/" % url))
if web:
    print("Open it in a browser and log in with one of these:")
print()
print("Logins (password for all: %s):" % summary["password"])
for email, role in summary["logins"]:
    print("  %-26s %s" % (email, role))
print()
print("%d demo tickets in every state: awaiting, warned, breached, answered in time and late," % summary["tickets"])
print("reclassified up and down, beta (no deadline), basic plan (no guarantee), pending, solved, closed.")
print("The warned one (Globex, 'Orders stuck') breaches about 12 minutes from now.")
print()
print("Try it (API reference: docs/api.md):")
print("  T=$(curl -s %s/api/v1/login -H 'Content-Type: application/json' \\" % url)
print("       -d '{\"email\":\"agent@garant.example\",\"password\":\"%s\"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"token\"])')" % summary["password"])
print("  curl -s %s/api/v1/queue -H \"Authorization: Bearer $T\"" % url)
print("  curl -s %s/api/v1/tickets/1 -H \"Authorization: Bearer $T\"" % url)
print("  curl -s '%s/api/v1/reports/sla?group_by=plan' -H \"Authorization: Bearer $T\"" % url)
print("  curl -s %s/metrics -H \"Authorization: Bearer $(cat %s)\"" % (url, sys.argv[4]))
print()
print("Ctrl-C stops the server; the request log follows.")
print()
PY
wait "$pid"
