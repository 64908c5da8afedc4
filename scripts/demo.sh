#!/usr/bin/env bash
# demo.sh - show garant's SLA clock on the default policy: a few sample
# tickets, their deadlines and how each was counted. (The ticket service
# takes this over once it exists.)
set -euo pipefail
G=${1:-build/garant}

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

say "The default policy (config/garant.yaml)"
"$G" config show

ticket() {
  local what=$1; shift
  say "$what"
  echo "\$ garant deadline $* --explain"
  "$G" deadline "$@" --explain
}
ticket "Professional P2 filed Friday 16:30 CET: 30 min on Friday, the rest on Monday" \
  --plan professional --priority 2 --at 2026-11-27T15:30:00Z
ticket "Professional P3 filed before Christmas: 24-26 Dec are holidays" \
  --plan professional --priority 3 --at 2026-12-23T14:00:00Z
ticket "Advanced P1 on a Saturday night: one hour around the clock" \
  --plan advanced --priority 1 --at 2026-11-28T23:30:00Z
ticket "Professional P2 filed Friday before the spring DST switch" \
  --plan professional --priority 2 --at 2026-03-27T14:00:00Z
ticket "A beta product carries no guarantee" \
  --plan advanced --priority 1 --stage beta --at 2026-11-27T15:30:00Z

say "Many at once: JSON Lines in, JSON Lines out"
printf '%s\n' \
  '{"plan":"professional","priority":2,"submitted_at":"2026-11-27T16:30:00+01:00","product_stage":"ga"}' \
  '{"plan":"basic","priority":1,"submitted_at":"2026-11-27T16:30:00+01:00"}' \
  '{"plan":"advanced","priority":3,"submitted_at":"2026-12-31T16:00:00+01:00","id":"T-1042"}' |
  tee /dev/stderr | "$G" deadline --batch

say "Open hours around Christmas"
"$G" calendar --from 2026-12-21 --to 2026-12-29
