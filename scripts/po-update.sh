#!/usr/bin/env bash
# po-update.sh - bring po/ro.po up to date with the sources: new messages
# join it untranslated, changed ones are marked fuzzy (msgmerge), for a
# translator to fill in; tests/po/test_ro_po.py fails until every one has
# its Romanian text (docs/messages.md).
#
#   scripts/po-update.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$root/scripts/po-extract.sh" "$tmp/garant.pot"
msgmerge --quiet --no-wrap --add-location=file --sort-output --no-fuzzy-matching --backup=none --update \
  "$root/po/ro.po" "$tmp/garant.pot"
msgattrib --no-wrap --add-location=file --sort-output --no-obsolete -o "$root/po/ro.po" "$root/po/ro.po"
echo "po-update: po/ro.po merged; $(msgfmt --statistics -o /dev/null "$root/po/ro.po" 2>&1)"
