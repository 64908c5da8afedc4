#!/usr/bin/env python3
"""test_ro_po.py - every message the server can write has its Romanian text.

The messages are extracted from the sources as gettext projects do it
(scripts/po-extract.sh: GNU xgettext over every garant__error format,
garant__tr, garant__msgcat_lookup and GARANT_N_ string of the layers a
request goes through), so a message added on any branch is caught here,
not by a hand-kept list. Then, against po/ro.po (docs/messages.md):

  - GNU msgfmt -c accepts it (its printf conversions fit each msgid's);
  - every extracted message has a Romanian text, not fuzzy, not empty;
  - each text has exactly the conversions of its msgid in the same order
    (the server refuses others at run time and writes English instead);
  - Romanian is written with the comma-below letters (ș ț), never the
    cedilla look-alikes (ş ţ);
  - every garant__error call gives its format as string literals: a
    format chosen at run time (c ? "a" : "b", a variable) hides messages
    from the extractor.

Usage: python3 tests/po/test_ro_po.py [garant binary, unused]
Prints "po: N passed, M failed".
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

ROOT = os.environ.get('GARANT_SOURCE_DIR') or os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
PO = os.path.join(ROOT, 'po', 'ro.po')
LAYERS = ['core', 'io', 'store', 'desk', 'mail', 'http']

# A printf conversion, as src/core/msgcat.c reads one: '%', then flags,
# width, precision and length, then the conversion letter; "%%" is text.
CONVERSION = re.compile(r"%(%|[0-9$\-+ #'*.hljztL]*[A-Za-z])")


def conversions(fmt):
    return [m.group(0) for m in CONVERSION.finditer(fmt) if m.group(1) != '%']


def read_mo(path):
    """{msgid: msgstr} of a GNU .mo file (the format msgfmt writes)."""
    data = open(path, 'rb').read()
    magic = struct.unpack('<I', data[:4])[0]
    end = '<' if magic == 0x950412de else '>'
    _, n, orig, trans = struct.unpack(end + '4I', data[4:20])
    out = {}
    for i in range(n):
        ol, oo = struct.unpack(end + '2I', data[orig + 8 * i:orig + 8 * i + 8])
        tl, to = struct.unpack(end + '2I', data[trans + 8 * i:trans + 8 * i + 8])
        out[data[oo:oo + ol].decode('utf-8')] = data[to:to + tl].decode('utf-8')
    return out


def needs_words(msgid):
    """Does the message hold words to translate (not only "%s: %s" or
    "--limits: %s", an option's name and its reason)?"""
    return re.search(r'[A-Za-z]{2,}', re.sub(r'--[a-z-]+', '', CONVERSION.sub('', msgid))) is not None


# The functions whose format the extractor reads, and which argument it is.
FORMAT_ARG = {'garant__error': 1, 'garant_config__diag': 2, 'garant_config__diag_line': 3}


def literal_formats_only():
    """Calls of FORMAT_ARG's functions whose format is not string literals
    alone."""
    bad = []
    for layer in LAYERS:
        d = os.path.join(ROOT, 'src', layer)
        for name in sorted(os.listdir(d)):
            if not name.endswith(('.c', '.h')):
                continue
            text = open(os.path.join(d, name), encoding='utf-8').read()
            for m in re.finditer(r'\b(' + '|'.join(FORMAT_ARG) + r')\s*\(', text):
                want = FORMAT_ARG[m.group(1)]
                i, depth, args, start = m.end(), 0, [], m.end()
                while i < len(text):
                    c = text[i]
                    if c == '"':
                        i += 1
                        while text[i] != '"':
                            i += 2 if text[i] == '\\' else 1
                    elif c == "'":
                        i += 1
                        while text[i] != "'":
                            i += 2 if text[i] == '\\' else 1
                    elif c in '([{':
                        depth += 1
                    elif c in ')]}':
                        if depth == 0:
                            args.append(text[start:i])
                            break
                        depth -= 1
                    elif c == ',' and depth == 0:
                        args.append(text[start:i])
                        start = i + 1
                        if len(args) == want + 1:
                            break
                    i += 1
                if re.search(r'(int|void) $', text[max(0, m.start() - 5):m.start()]) or len(args) <= want:
                    continue  # a declaration or definition
                fmt = re.sub(r'/\*.*?\*/', '', args[want], flags=re.S).strip()
                if not re.fullmatch(r'("(\\.|[^"\\])*"\s*)+', fmt):
                    line = text.count('\n', 0, m.start()) + 1
                    bad.append(f'src/{layer}/{name}:{line}: {fmt[:70]}')
    return bad


def main():
    passed = failed = 0

    def check(ok, what, detail=''):
        nonlocal passed, failed
        if ok:
            passed += 1
            print('ok   ' + what)
        else:
            failed += 1
            print('FAIL ' + what + ('\n' + detail if detail else ''))

    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'garant.pot')
        subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'po-extract.sh'), pot], check=True)
        with open(pot, encoding='utf-8') as f:
            text = f.read().replace('charset=CHARSET', 'charset=UTF-8')
        with open(pot, 'w', encoding='utf-8') as f:
            f.write(text)
        # The extracted msgids, read back through gettext's own tools: an
        # English catalogue (msgen) compiled by msgfmt.
        subprocess.run(['msgen', '-o', os.path.join(tmp, 'en.po'), pot], check=True)
        subprocess.run(['msgfmt', '-o', os.path.join(tmp, 'en.mo'), os.path.join(tmp, 'en.po')], check=True)
        wanted = sorted(m for m in read_mo(os.path.join(tmp, 'en.mo')) if m and needs_words(m))
        r = subprocess.run(['msgfmt', '-c', '-o', os.path.join(tmp, 'ro.mo'), PO], capture_output=True, text=True)
        check(r.returncode == 0, 'msgfmt -c accepts po/ro.po', r.stderr)
        ro = read_mo(os.path.join(tmp, 'ro.mo')) if r.returncode == 0 else {}

    check(len(wanted) > 300, f'the extractor finds the server\'s messages ({len(wanted)})')
    missing = [m for m in wanted if not ro.get(m)]
    check(not missing, f'every message has a Romanian text ({len(wanted) - len(missing)} of {len(wanted)})',
          '\n'.join('  untranslated: ' + m for m in missing[:40]) +
          (f'\n  ... and {len(missing) - 40} more' if len(missing) > 40 else '') +
          '\n  (scripts/po-update.sh adds them to po/ro.po; translate each msgstr)')
    mismatched = [m for m in wanted if ro.get(m) and conversions(m) != conversions(ro[m])]
    check(not mismatched, 'each Romanian text has its message\'s conversions in the same order',
          '\n'.join(f'  {m!r}\n    -> {ro[m]!r}' for m in mismatched[:20]))
    cedilla = [m for m in ro if re.search('[şţŞŢ]', ro[m])]
    check(not cedilla, 'Romanian uses ș and ț (comma below), not ş and ţ (cedilla)',
          '\n'.join('  ' + ro[m] for m in cedilla[:20]))
    same = [m for m in wanted if ro.get(m) == m]
    check(not same, 'no Romanian text is the English message copied',
          '\n'.join('  ' + m for m in same[:20]))
    stale = [m for m in ro if m and m not in wanted and needs_words(m)]
    if stale:
        print(f'note: {len(stale)} texts of po/ro.po are for messages no longer in the sources '
              '(scripts/po-update.sh drops them)')
    bad = literal_formats_only()
    check(not bad, 'every garant__error and diagnostic format is string literals (the extractor sees each message)',
          '\n'.join('  ' + b for b in bad))

    print(f'po: {passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
