"""test_api_docs.py - docs/api.md is kept true by this test.

`garant routes` prints every route of every table (METHOD PATTERN AUTH
SUMMARY). The reference must have exactly one heading "### METHOD PATTERN"
per route, no heading for a route that does not exist, and in each route's
section one line "Auth: LEVEL" naming the route's level (public, user,
staff, admin, metrics, account), a list of responses with status codes and an example. Its
error table must match the server's one table (src/http/dispatch.c). So a new
route without documentation, a removed route still documented or a changed
auth level fails `make check`.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import GARANT, SOURCE, expect, run  # noqa: E402

DOC = os.path.join(SOURCE, "docs", "api.md")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
LEVELS = ("public", "user", "staff", "admin", "metrics", "account")


def routes():
    """[(method, pattern, auth, summary)] from `garant routes`."""
    p = subprocess.run([GARANT, "routes"], capture_output=True, check=True)
    out = []
    for line in p.stdout.decode().splitlines():
        if not line.strip():
            continue
        parts = line.split(None, 3)
        expect(len(parts) >= 3 and parts[0] in METHODS and parts[2] in LEVELS, "odd `garant routes` line %r" % line)
        out.append((parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else ""))
    expect(out, "`garant routes` printed nothing")
    return out


def doc_sections():
    """{(method, pattern): [section lines]} and the list of every route heading
    in order (duplicates kept). A section runs to the next heading of level
    3 or higher."""
    with open(DOC, encoding="utf-8") as f:
        lines = f.read().split("\n")
    headings, sections, cur = [], {}, None
    for line in lines:
        if re.match(r"^#{1,3} ", line):
            cur = None
            m = re.match(r"^### (\S+) (\S+)\s*$", line)
            if line.startswith("### ") and line[4:].split(" ")[0] in METHODS:
                expect(m, "route heading %r must be exactly '### METHOD PATTERN'" % line)
                key = (m.group(1), m.group(2))
                headings.append(key)
                cur = sections.setdefault(key, [])
                continue
        if cur is not None:
            cur.append(line)
    return headings, sections


def test_every_route_has_exactly_one_heading():
    want = [(m, p) for m, p, _, _ in routes()]
    headings, _ = doc_sections()
    missing = [k for k in want if k not in headings]
    expect(not missing, "routes without a heading in docs/api.md: %s" % missing)
    dup = sorted({k for k in headings if headings.count(k) > 1})
    expect(not dup, "routes documented more than once: %s" % dup)
    extra = [k for k in headings if k not in want]
    expect(not extra, "docs/api.md documents routes that do not exist: %s" % extra)


def test_auth_levels_match():
    _, sections = doc_sections()
    wrong = []
    for method, pattern, auth, _ in routes():
        body = sections.get((method, pattern))
        if body is None:
            continue  # reported by the test above
        levels = [m.group(1) for m in (re.match(r"^Auth: (\S+)\s*$", l) for l in body) if m]
        if levels != [auth]:
            wrong.append("%s %s: doc says %s, server says %s" % (method, pattern, levels or "nothing", auth))
    expect(not wrong, "auth levels differ:\n  " + "\n  ".join(wrong))


def test_each_route_has_responses_and_an_example():
    _, sections = doc_sections()
    poor = []
    for method, pattern, _, _ in routes():
        body = sections.get((method, pattern))
        if body is None:
            continue
        text = "\n".join(body)
        if not re.search(r"`[1-5][0-9][0-9]`", text):
            poor.append("%s %s: no status code (`200`, `422`, ...)" % (method, pattern))
        if "```" not in text:
            poor.append("%s %s: no example" % (method, pattern))
    expect(not poor, "sections lacking responses or an example:\n  " + "\n  ".join(poor))


def test_error_table_matches_the_server():
    """Every row of the server's status table appears in the doc's table as
    | `code` | status |."""
    with open(os.path.join(SOURCE, "src", "http", "dispatch.c"), encoding="utf-8") as f:
        src = f.read()
    table = re.search(r"status_table\[\] = \{(.*?)\};", src, re.S)
    expect(table, "status_table not found in dispatch.c")
    rows = re.findall(r"\{GARANT_(\w+),\s*(\d+)\}", table.group(1))
    expect(len(rows) >= 10, rows)
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    missing = []
    for name, status in rows:
        code = name.lower() if name != "OK" else "ok"
        if name == "OK":
            continue
        if not re.search(r"^\| `%s` \| %s \|" % (re.escape(code), status), doc, re.M):
            missing.append("| `%s` | %s |" % (code, status))
    expect(not missing, "docs/api.md's error table lacks: %s" % missing)


def test_the_general_sections_exist():
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    for h in ("## Errors", "## Authentication", "## Pagination", "## Times"):
        expect(re.search("^" + re.escape(h), doc, re.M), "docs/api.md lacks a section %r" % h)


if __name__ == "__main__":
    run(globals(), "api_docs")
