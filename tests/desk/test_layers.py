"""test_layers.py - the include rules of issue 12 that a compiler does not
check: no header marked internal is included from another folder (a layer
uses another through its public header; the error helpers every layer
shares are garant/error_wrap.h), no include by a relative path that
climbs out of its folder, and the core neither returns nor names the
service's error codes (garant/service_error.h)."""
import os
import re
import sys

SOURCE = os.environ.get("GARANT_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SRC = os.path.join(SOURCE, "src")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SERVICE_CODES = ("GARANT_EIO", "GARANT_ECONFLICT", "GARANT_EAUTH", "GARANT_EPERM", "GARANT_ETHROTTLED",
                 "GARANT_ESTORE", "GARANT_EPARSE", "GARANT_EBUSY")


def sources():
    for root, _, files in os.walk(SRC):
        for f in sorted(files):
            if f.endswith((".c", ".h", ".c.in")):
                yield os.path.join(root, f)


def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)


def main():
    problems = []
    headers = {}
    for path in sources():
        if path.endswith(".h"):
            headers.setdefault(os.path.basename(path), []).append(os.path.dirname(path))
    for path in sources():
        folder = os.path.dirname(path)
        rel = os.path.relpath(path, SOURCE)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for inc in INCLUDE.findall(text):
            if inc.startswith("../"):
                problems.append("%s: includes %s by a path out of its folder" % (rel, inc))
            base = os.path.basename(inc)
            homes = headers.get(base, [])
            if "internal" in base and folder not in homes:
                problems.append("%s: includes %s, internal to %s" % (
                    rel, inc, ", ".join(os.path.relpath(h, SOURCE) for h in homes) or "another folder"))
        if rel.startswith(os.path.join("src", "core")):
            code = strip_comments(text)
            for name in SERVICE_CODES:
                if re.search(r"\b%s\b" % name, code):
                    problems.append("%s: the core uses %s, a code of the service" % (rel, name))
    with open(os.path.join(SOURCE, "include", "garant", "error.h"), encoding="utf-8") as f:
        core_header = strip_comments(f.read())
    for name in SERVICE_CODES:
        if re.search(r"\b%s\b" % name, core_header):
            problems.append("include/garant/error.h defines %s, a code of the service" % name)
    for p in problems:
        print("FAIL", p)
    print("layers: %d problem(s)" % len(problems))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
