"""test_haproxy.py - garant behind HAProxy with docs/haproxy.cfg, the
configuration docs/deploy.md gives for the Internet (issue 13, finding 10:
"a tested configuration that normalises and rejects ambiguous requests").

Raw requests go over a socket to the proxy; each ambiguous one is either
refused by HAProxy (400/422 with HAProxy's own HTML page, the connection
closed, the request never reaching garant, and nothing sent after it
answered) or normalised into one reading that garant then gets. What
garant's bare port does with the same bytes is tests/http/test_hardening.py;
docs/deploy.md has both tables.

Needs Debian's haproxy (scripts/deps.sh installs it); without it the test
is skipped (exit 77), and fails under GARANT_NO_SKIP=1, as `make check`
sets it.
"""
import os
import re
import shutil
import sys
import types

sys.path.insert(0, os.path.dirname(__file__))
from harness import HAProxy, Server, expect, run, wait_until  # noqa: E402
from test_hardening import LOGIN, SMUGGLED, chunked, post_login, raw  # noqa: E402

PROXY = ["--trusted-proxy", "127.0.0.1/32"]


def need_haproxy():
    if shutil.which("haproxy"):
        return
    if os.environ.get("GARANT_NO_SKIP"):
        raise AssertionError("haproxy is missing (scripts/deps.sh installs it)")
    print("skip: haproxy is not installed")
    sys.exit(77)


def behind_proxy(s, proxy):
    """What raw() and refused() of test_hardening need: a url."""
    return types.SimpleNamespace(url="http://127.0.0.1:%d" % proxy.port)


def by_haproxy(s, p, data, status):
    """data is refused by HAProxy itself (its page, not garant's JSON) at
    once, the connection closed, and what followed it never answered."""
    line, out, closed = raw(p, data + SMUGGLED, until_close=True)
    expect(line.startswith("HTTP/1.1 %d " % status), "%r -> %r" % (data[:200], out[:300]))
    expect(closed and out.count(b"HTTP/1.1 ") == 1, "%r -> %r" % (data[:200], out))
    expect(b"<html><body><h1>%d " % status in out, out[:400])


def logins_seen(s):
    return len(re.findall(r"^POST /api/v1/login ", s.read_log(), re.M))


def settled(s, p):
    """Every request sent so far that reached garant is in its log: a last
    one is answered and logged after them."""
    line, out, _ = raw(p, b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
    expect(line.startswith("HTTP/1.1 200 "), out[:300])
    wait_until(lambda: "GET /api/v1/openapi.json 200" in s.read_log(), "the last request in the log")


def test_ambiguous_requests_are_refused():
    with Server(extra_args=PROXY) as s, HAProxy(int(s.url.rsplit(":", 1)[1])) as proxy:
        p = behind_proxy(s, proxy)
        n = b"%d" % len(LOGIN)
        # Two different Content-Length values.
        by_haproxy(s, p, post_login(b"Content-Length: " + n + b"\r\nContent-Length: 5\r\n", LOGIN), 400)
        # Two Host headers that differ.
        by_haproxy(s, p, b"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400)
        # A NUL in a header value (HAProxy 2.6 passes it on: the config's
        # own rule refuses it), a bare CR, a bare LF inside a value (the
        # rest of the value is then a line without a colon).
        by_haproxy(s, p, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400)
        by_haproxy(s, p, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400)
        by_haproxy(s, p, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\nb\r\n\r\n", 400)
        # Codings garant cannot undo: refused at once, never hung.
        by_haproxy(s, p, post_login(b"Transfer-Encoding: gzip, chunked\r\n", chunked(LOGIN)), 422)
        by_haproxy(s, p, post_login(b"Transfer-Encoding: chunked, gzip\r\n", chunked(LOGIN)), 400)
        settled(s, p)
        expect(logins_seen(s) == 0, "a refused request reached garant:\n" + s.read_log())
        expect("/healthz" not in s.read_log(), "a refused request reached garant:\n" + s.read_log())


def test_te_and_cl_are_normalised():
    """Transfer-Encoding with Content-Length: HAProxy drops the length and
    reads the body as chunked (RFC 9112 6.3), and closes the connection
    after the answer, so nothing after the body is read as a request."""
    with Server(extra_args=PROXY) as s, HAProxy(int(s.url.rsplit(":", 1)[1])) as proxy:
        p = behind_proxy(s, proxy)
        for headers in (b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                        b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"):
            line, out, closed = raw(p, post_login(headers, chunked(LOGIN)) + SMUGGLED, until_close=True)
            # garant's own answer to the whole body: a login that failed.
            expect(line.startswith("HTTP/1.1 401 ") and b'"code":"eauth"' in out, out[:400])
            expect(closed and out.count(b"HTTP/1.1 ") == 1, out)
        settled(s, p)
        expect(logins_seen(s) == 2 and "smuggled" not in s.read_log(), s.read_log())


def test_what_haproxy_passes_on_normalised():
    """Not ambiguous, or made unambiguous: HAProxy forwards these rebuilt
    from its own parse, with CRLF line ends and unfolded values."""
    with Server(extra_args=PROXY) as s, HAProxy(int(s.url.rsplit(":", 1)[1])) as proxy:
        p = behind_proxy(s, proxy)
        n = b"%d" % len(LOGIN)
        for data in (b"GET /healthz HTTP/1.1\nHost: x\nX-A: a\n\n",            # bare LF line ends
                     b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",  # an obsolete fold
                     b"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n"):    # one Host, twice
            line, out, _ = raw(p, data)
            expect(line.startswith("HTTP/1.1 200 ") and b'"status":"ok"' in out, "%r -> %r" % (data, out[:300]))
        # Ordinary framing passes on a kept connection.
        for data in (post_login(b"Content-Length: " + n + b"\r\n", LOGIN),
                     post_login(b"Content-Length: " + n + b"\r\nContent-Length: " + n + b"\r\n", LOGIN),
                     post_login(b"Transfer-Encoding: chunked\r\n", chunked(LOGIN))):
            line, out, closed = raw(p, data)
            expect(line.startswith("HTTP/1.1 401 ") and not closed, "%r -> %r" % (data, out[:300]))


if __name__ == "__main__":
    need_haproxy()
    run(globals(), "haproxy")
