#!/usr/bin/env bash
# po-extract.sh - every message the server can write, extracted from the
# sources by GNU xgettext into a template (.pot), the way gettext projects
# do it (docs/messages.md):
#
#   scripts/po-extract.sh OUT.pot
#
# A message is the format string of a garant__error call (its second
# argument), of garant__tr and garant__msgcat_lookup, or a string marked
# GARANT_N_ to be translated where it is used, or a policy diagnostic
# (garant_config__diag, garant_config__diag_line). Every layer a request goes
# through is searched (core, io, store, desk, mail, http); the command
# line's own messages (src/cli) are for the operator, in English.
# tests/po/test_ro_po.py checks po/ro.po against this template;
# scripts/po-update.sh merges it into po/ro.po for translators.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: po-extract.sh OUT.pot}
cd "$root"
mapfile -t files < <(ls src/core/*.[ch] src/io/*.[ch] src/store/*.[ch] src/desk/*.[ch] src/mail/*.[ch] src/http/*.[ch] | LC_ALL=C sort)
xgettext --language=C --from-code=UTF-8 --no-wrap --add-location=file --sort-output \
  --package-name=garant --msgid-bugs-address=garant \
  --keyword= --keyword=garant__error:2 --keyword=garant__tr:1 --keyword=garant__msgcat_lookup:2 \
  --keyword=GARANT_N_:1 --keyword=garant_config__diag:3 --keyword=garant_config__diag_line:4 \
  --flag=garant__error:2:c-format --flag=garant__tr:1:c-format --flag=garant__msgcat_lookup:2:c-format \
  --flag=GARANT_N_:1:c-format --flag=garant_config__diag:3:c-format --flag=garant_config__diag_line:4:c-format \
  -o "$out" "${files[@]}"
