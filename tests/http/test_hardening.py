"""test_hardening.py - what an attacker found (issue 13, findings 1 and 9-11),
each reproduced and now refused.

Finding 1, slowloris: one address cannot hold every connection (the
campaign's slowhttptest runs are in tests/http/slow_attack.py).
Finding 9, the log: a path, a header or an address from outside cannot
start a line of its own in the server's log, nor forge a mail written there.
Finding 10, HTTP: HEAD on GET routes, the bearer scheme and the JSON media
type in any case, ids that are not canonical or too large for a JSON number,
and the framing ambiguities the server can see (docs/deploy.md says what
the bare port does and does not reject).
Finding 11: customers see no global event ids, /metrics needs a token or an
admin, webhooks refuse port 0 (address ranges: tests/desk/test_webhook.c).
"""
import json
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import WAIT_S, Server, expect, expect_error, expect_status, run, wait_until  # noqa: E402
from test_bad_input import PASSWORD, customer  # noqa: E402


def setup(s):
    """A customer with one ticket, an agent; returns (customer, agent, ticket id)."""
    cust = customer(s, "it@acme.example")
    s.add_staff("agent@vendor.example", "agent", PASSWORD)
    agent = s.login("agent@vendor.example", PASSWORD)
    r = expect_status(s.post("/api/v1/tickets", {"subject": "Printer on fire", "body": "It burns."}, token=cust), 201)
    return cust, agent, r.json["id"]


def raw(s, data, timeout=WAIT_S, until_close=False):
    """Send bytes on a fresh connection and read one whole answer, or with
    until_close everything until the server closes the connection; at most
    `timeout` seconds (a server that hangs): (status line, what was read,
    closed by the server)."""
    host, port = s.url[len("http://"):].split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        out, closed = b"", False
        try:
            while True:
                b = sock.recv(65536)
                if not b:
                    closed = True
                    break
                out += b
                # One whole answer read: its headers, and its body by length.
                head, sep, body = out.partition(b"\r\n\r\n")
                m = re.search(rb"\r\ncontent-length: *(\d+)", head, re.I)
                if not until_close and sep and m and len(body) >= int(m.group(1)):
                    break
        except socket.timeout:
            pass
    return out.split(b"\r\n", 1)[0].decode("latin-1"), out, closed


# ---- finding 9: the log ---------------------------------------------------

def request_lines(log):
    """The log's request lines: "METHOD PATH STATUS TIMEms"."""
    return [l for l in log.splitlines() if re.match(r"^[A-Z]+ \S+ \d{3} [\d.]+ms$", l)]


def test_a_path_cannot_add_lines_to_the_log():
    with Server(smtp=False) as s:
        forged = ("/api/v1/x%0aFORGED2 404 0.1ms%0d%0agarant: mail (no --smtp-url, so not sent):%0a"
                  "To: it@acme.example%0a%0ahttp://evil.example/verify%3ftoken=x%0a-- end of mail --"
                  "%c2%85%e2%80%a8%ff%22%5c%00NUL-ends-the-path").replace(" ", "%20")
        expect_status(s.get(forged), 404)
        expect_status(s.get("/api/v1/y%20200%201.0ms"), 404)
        # The request log line is written after the answer: wait for it.
        wait_until(lambda: len(request_lines(s.read_log())) >= 2, "two request lines in the log")
        log = s.read_log()
        for line in log.splitlines():
            expect(not line.startswith("FORGED2"), "a forged line: %r" % line)
            expect(not line.startswith("To: "), "a forged mail header: %r" % line)
            expect(not line.startswith("http://evil"), "a forged link: %r" % line)
            expect("\u2028" not in line and "\x85" not in line, "a line separator survived: %r" % line)
        expect("garant: mail" not in log, log)
        lines = request_lines(log)
        expect(len(lines) == 2, lines)
        expect(lines[0].startswith("GET /api/v1/x\\nFORGED2\\x20404\\x200.1ms\\r\\ngarant:\\x20mail"), lines[0])
        expect(lines[0].endswith('--\\x20end\\x20of\\x20mail\\x20--\\u0085\\u2028\\xff\\"\\\\ 404 %s'
                                 % lines[0].split()[-1]), lines[0])
        # A space in the path cannot pose as the status field either.
        expect(lines[1].startswith("GET /api/v1/y\\x20200\\x201.0ms 404 "), lines[1])


def test_a_logged_mail_is_lines_of_its_own_kind():
    """Without SMTP a mail goes to the log: each of its lines behind a
    prefix, so that nothing in it passes for a request or a mail's end."""
    with Server(smtp=False) as s:
        expect_status(s.post("/api/v1/signup", {"email": "it@acme.example", "password": PASSWORD, "name": "N"}),
                      201)
        # The mail sender writes it after the answer (the outbox).
        log = wait_until(lambda: (lambda t: t if "-- end of mail --" in t else None)(s.read_log()),
                         "the mail in the log")
        start = log.index("garant: mail (no --smtp-url, so not sent):\n")
        block = log[start:].split("\n")
        end = block.index("garant: mail| -- end of mail --")
        for line in block[1:end]:
            expect(line.startswith("garant: mail| "), line)
        expect("garant: mail| To: it@acme.example" in block, block[:end])
        m = re.search(r"^garant: mail\| \S+/verify\?token=([A-Za-z0-9_-]{43})$", log, re.M)
        expect(m, log)
        expect_status(s.post("/api/v1/verify", {"token": m.group(1)}), 200)


# ---- finding 10: HTTP the application controls --------------------------

def test_head_answers_like_get_without_a_body():
    with Server() as s:
        cust, agent, tid = setup(s)
        for path, tok in [("/healthz", None), ("/api/v1/tickets/%d" % tid, cust), ("/api/v1/tickets", agent),
                          ("/api/v1/me", cust)]:
            get = expect_status(s.get(path, token=tok), 200)
            head = expect_status(s.request("HEAD", path, token=tok), 200)
            expect(head.raw == "", "HEAD sent a body: %r" % head)
            expect(head.headers.get("Content-Type") == get.headers.get("Content-Type"), head.headers)
            expect(head.headers.get("Content-Length") == str(len(get.raw.encode())), (head.headers, len(get.raw)))
        # As GET would: no session, 401; another organization's ticket, 404.
        expect_status(s.request("HEAD", "/api/v1/tickets/%d" % tid), 401)
        other = customer(s, "it@other.example")
        expect_status(s.request("HEAD", "/api/v1/tickets/%d" % tid, token=other), 404)
        # On the wire: the headers and nothing after them, and the
        # connection still usable for the next request.
        _, out, _ = raw(s, b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first, _, rest = out.partition(b"\r\n\r\n")
        expect(first.startswith(b"HTTP/1.1 200") and rest.startswith(b"HTTP/1.1 200"), out)
        # HEAD is no way around a route's method: POST-only stays 405.
        expect_status(s.request("HEAD", "/api/v1/login"), 405)


def test_bearer_scheme_in_any_case():
    with Server() as s:
        cust, _, tid = setup(s)
        for scheme in ("Bearer", "bearer", "BEARER", "bEaReR"):
            for sep in (" ", "   "):
                r = s.get("/api/v1/tickets/%d" % tid, headers={"Authorization": scheme + sep + cust})
                expect_status(r, 200, "%r%r" % (scheme, sep))
        # Writes too.
        expect_status(s.post("/api/v1/tickets", {"subject": "s", "body": "b"},
                             headers={"Authorization": "bearer " + cust}), 201)
        # Another scheme, or the scheme glued to the token, is no session.
        for h in ("Basic " + cust, "Bearer" + cust, "Bearerx " + cust, "bearer"):
            expect_error(s.get("/api/v1/tickets/%d" % tid, headers={"Authorization": h}), 401)


def test_json_media_type_in_any_case():
    with Server() as s:
        cust, _, _ = setup(s)
        body = json.dumps({"subject": "s", "body": "b"}).encode()
        for ct in ["application/json", "APPLICATION/JSON", "Application/Json", "application/json; charset=utf-8",
                   "application/json;charset=UTF-8", "application/json ; charset=\"utf-8\"",
                   "APPLICATION/JSON; CHARSET=UTF-8", "application/json; charset=utf-8; foo=bar"]:
            r = s.post("/api/v1/tickets", raw=body, token=cust, headers={"Content-Type": ct})
            expect_status(r, 201, ct)
        for ct in ["application/json; charset=latin1", "application/json; charset=utf-16",
                   "APPLICATION/JSON; charset=\"iso-8859-1\"", "application/json; charset=", "application/json;x",
                   "application/json; charset=\"utf-8", "application/jsonx", "text/json", "application/json, text/plain"]:
            r = expect_error(s.post("/api/v1/tickets", raw=body, token=cust, headers={"Content-Type": ct}), 400,
                             "Content-Type")
            expect(r.json["error"]["code"] == "eparse", r)
        r = expect_error(s.post("/api/v1/tickets", raw=body, token=cust,
                                headers={"Content-Type": "application/json; charset=latin1"}), 400, "utf-8")


def test_ids_must_be_canonical_and_json_safe():
    """An id is a positive decimal without a leading zero, at most 2^53 - 1:
    anything else in its place names no route, 404 for everyone, before
    authentication and whatever the method (not 401 or 405)."""
    with Server() as s:
        cust, agent, tid = setup(s)
        expect(tid == 1, tid)
        top = 2 ** 53 - 1
        for bad in ["01", "001", "+1", str(2 ** 53), str(2 ** 53 + 1), "9223372036854775807",
                    "9223372036854775808", "18446744073709551617", "1" + "0" * 30]:
            path = "/api/v1/tickets/" + bad
            for tok in (None, cust, agent):
                expect_error(s.get(path, token=tok), 404, "no such resource")
            expect_error(s.delete(path, token=agent), 404, "no such resource")  # not 405
            expect_error(s.post(path + "/replies", {"body": "b"}, token=agent), 404, "no such resource")
        # The largest id is one: it names no ticket, but a route.
        expect_error(s.get("/api/v1/tickets/%d" % top), 401)
        expect_error(s.get("/api/v1/tickets/%d" % top, token=agent), 404, "ticket")
        expect_error(s.delete("/api/v1/tickets/%d" % top, token=agent), 405)


# ---- finding 10: framing the bare port refuses (docs/deploy.md) -----------

LOGIN = json.dumps({"email": "nobody@acme.example", "password": "wrong"}).encode()
SMUGGLED = b"GET /api/v1/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"


def post_login(headers, body):
    """A login request with the given header lines (bytes) and body."""
    return b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + headers + b"\r\n" + body


def chunked(body):
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)


def refused(s, data, status=400, fragment=None):
    """data is answered `status` at once, the connection closed after it,
    and nothing sent after the headers (a smuggled request) is answered."""
    line, out, closed = raw(s, data + SMUGGLED, until_close=True)
    expect(line.startswith("HTTP/1.1 %d " % status), "%r -> %r" % (data[:200], out[:300]))
    expect(closed, "the connection stayed open after %r" % data[:200])
    expect(out.count(b"HTTP/1.1 ") == 1, "a second answer: %r" % out)
    head, _, body = out.partition(b"\r\n\r\n")
    expect(re.search(rb"\r\nconnection: close", head, re.I), head)
    if fragment:
        msg = json.loads(body)["error"]["message"]
        expect(fragment in msg, msg)


def test_ambiguous_framing_is_refused():
    with Server() as s:
        n = b"%d" % len(LOGIN)
        refused(s, post_login(b"Content-Length: " + n + b"\r\nContent-Length: 5\r\n", LOGIN), 400,
                "two different Content-Length")
        refused(s, post_login(b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", chunked(LOGIN)), 400,
                "both Transfer-Encoding and Content-Length")
        refused(s, post_login(b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", chunked(LOGIN)), 400)
        # A coding the server cannot undo: 501 at once, where it hung.
        for te in (b"gzip, chunked", b"chunked, gzip", b"identity", b"chunked, chunked", b"xchunked", b"chunked "):
            refused(s, post_login(b"Transfer-Encoding: " + te + b"\r\n", chunked(LOGIN)), 501, "chunked")
        refused(s, post_login(b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", chunked(LOGIN)), 501)
        refused(s, b"POST /api/v1/login HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(LOGIN), 400,
                "HTTP/1.0")
        # Header lines a proxy may read otherwise.
        refused(s, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400, "control character")
        refused(s, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n", 400, "control character")
        refused(s, b"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, "Host")
        refused(s, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n", 400, "header name")
        refused(s, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n", 400, "header name")
        # MHD_OPTION_STRICT_FOR_CLIENT: HTTP/1.1 needs a Host (400); a
        # space inside the target ends the connection without an answer.
        line, out, closed = raw(s, b"GET /healthz HTTP/1.1\r\n\r\n", until_close=True)
        expect(line.startswith("HTTP/1.1 400 ") and closed, out)
        line, out, closed = raw(s, b"GET /healthz x HTTP/1.1\r\nHost: x\r\n\r\n", until_close=True)
        expect(out == b"" and closed, out)
        # What stays fine: one length, a length repeated, chunked alone,
        # HTTP/1.0 without Host, a tab in a value; on a kept connection.
        for ok in (post_login(b"Content-Length: " + n + b"\r\n", LOGIN),
                   post_login(b"Content-Length: " + n + b"\r\nContent-Length: " + n + b"\r\n", LOGIN),
                   post_login(b"Transfer-Encoding: chunked\r\n", chunked(LOGIN)),
                   post_login(b"Transfer-Encoding:  CHUNKED\r\n", chunked(LOGIN))):
            line, out, closed = raw(s, ok)
            expect(line.startswith("HTTP/1.1 401 ") and not closed, "%r -> %r" % (ok, out))
        line, out, _ = raw(s, b"GET /healthz HTTP/1.0\r\nX-A: a\tb\r\n\r\n")
        expect(line.startswith("HTTP/1.1 200 "), out)
        # The refusals are logged as requests, escaped.
        wait_until(lambda: "POST /api/v1/login 501 " in s.read_log(), "the 501 in the log")


def test_what_the_bare_port_does_not_refuse():
    """docs/deploy.md says what libmicrohttpd 0.9.75 does with these and that
    a proxy in front must normalise them; if a newer one refuses them, this
    test fails and the document is to be updated."""
    with Server() as s:
        # A bare LF ends a header line (RFC 9112 2.2 allows it): two headers.
        cust, _, tid = setup(s)
        line, out, _ = raw(s, b"GET /api/v1/tickets/%d HTTP/1.1\nHost: x\nAuthorization: Bearer %s\n\n"
                           % (tid, cust.encode()))
        expect(line.startswith("HTTP/1.1 200 "), out[:300])
        # A NUL inside a value cuts the value there.
        line, out, _ = raw(s, b"GET /api/v1/tickets/%d HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\x00junk\r\n\r\n"
                           % (tid, cust.encode()))
        expect(line.startswith("HTTP/1.1 200 "), out[:300])
        # An obsolete folded line continues the value before it.
        line, out, _ = raw(s, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n")
        expect(line.startswith("HTTP/1.1 200 "), out[:300])


# ---- finding 1: slowloris --------------------------------------------------

def test_one_address_cannot_hold_every_connection():
    """4,200 connections from 127.0.0.1 that never finish their headers (the
    finding's number, above the server's cap of 4,096) leave room for a
    client at another address, and the server closes all but 64 of them
    at once. Before the per-address cap, the probe found no free slot."""
    import resource
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    expect(hard >= 5000, "the test needs 5000 open files; the hard limit is %d" % hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with Server(smtp=False, extra_args=["--quiet"]) as s:
        host, port = s.url[len("http://"):].split(":")
        port = int(port)
        held = []
        try:
            for i in range(4200):
                c = socket.create_connection((host, port), timeout=WAIT_S)
                try:
                    c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow-%d: 1\r\n" % i)
                except OSError:
                    pass  # closed already: what the cap does
                held.append(c)

            def closed(c):
                c.setblocking(False)
                try:
                    return c.recv(1) == b""
                except BlockingIOError:
                    return False
                except OSError:
                    return True
            open_ = list(held)
            def still_open():
                nonlocal open_
                open_ = [c for c in open_ if not closed(c)]
                return len(open_)
            wait_until(lambda: still_open() <= 64, "all but 64 of one address's connections closed")
            with socket.create_connection((host, port), timeout=WAIT_S, source_address=("127.0.0.2", 0)) as p:
                p.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                answer = b""
                while True:
                    b = p.recv(65536)
                    if not b:
                        break
                    answer += b
            expect(answer.startswith(b"HTTP/1.1 200"), "the probe from 127.0.0.2: %r" % answer[:200])
        finally:
            for c in held:
                c.close()


# ---- finding 11: smaller ---------------------------------------------------

def test_customers_see_no_global_ids():
    """Event and reply ids are global and notes take them too: the gaps on
    a customer's ticket would count its internal notes. Customers get
    `seq`, their position among what they see; staff keep the ids."""
    with Server() as s:
        cust, agent, tid = setup(s)
        expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "Looking.", "public": True}, token=agent),
                      201)
        for i in range(3):
            expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "note %d" % i, "public": False},
                                 token=agent), 201)
        r = expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "Still burning."}, token=cust), 201)
        expect("id" not in r.json["reply"], r.json["reply"])
        expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "Fixed.", "public": True}, token=agent),
                      201)
        t = expect_status(s.get("/api/v1/tickets/%d" % tid, token=cust), 200).json
        hist, conv = t["history"], t["conversation"]
        expect([e["kind"] for e in hist] == ["created", "replied", "first_response", "replied", "replied"],
               [e["kind"] for e in hist])
        expect([e["seq"] for e in hist] == [1, 2, 3, 4, 5], hist)
        expect([m["seq"] for m in conv] == [1, 2, 3], conv)
        for e in hist + conv:
            expect("id" not in e, "a global id shown to the customer: %r" % e)
        replied = [e["data"] for e in hist if e["kind"] == "replied"]
        expect([d.get("reply_seq") for d in replied] == [1, 2, 3] and all("reply_id" not in d for d in replied),
               replied)
        expect([m["body"] for m in conv] == ["Looking.", "Still burning.", "Fixed."], conv)
        # Staff see the ids, with the notes between.
        t = expect_status(s.get("/api/v1/tickets/%d" % tid, token=agent), 200).json
        ids = [e["id"] for e in t["history"]]
        expect(len(ids) == 8 and ids[1:] == sorted(ids[1:]) and all("seq" not in e for e in t["history"]), t["history"])
        expect(len(t["conversation"]) == 6 and all("id" in m and "seq" not in m for m in t["conversation"]),
               t["conversation"])
        expect(all("reply_id" in e["data"] for e in t["history"] if e["kind"] in ("replied", "noted")), t["history"])


def test_metrics_need_the_token_or_an_admin():
    with Server() as s:
        cust, agent, _ = setup(s)
        s.add_staff("admin@vendor.example", "admin", PASSWORD)
        admin = s.login("admin@vendor.example", PASSWORD)
        r = expect_error(s.get("/metrics"), 401, "metrics token")
        expect(r.headers.get("WWW-Authenticate") == "Bearer", r.headers)
        expect("garant_tickets" not in r.raw, r)
        for tok in ("wrong-token-0123456789", s.metrics_token[:-1], s.metrics_token + "x"):
            expect_error(s.get("/metrics", token=tok), 401)
        for tok in (cust, agent):
            expect_error(s.get("/metrics", token=tok), 403, "metrics token")
        for tok in (s.metrics_token, admin):
            r = expect_status(s.get("/metrics", token=tok), 200)
            expect(re.search(r"^garant_tickets\{status=\"open\"\} 1$", r.raw, re.M), r.raw)
        expect_status(s.get("/metrics", headers={"Authorization": "bearer " + s.metrics_token}), 200)
        # The token is no session: it opens /metrics and nothing else.
        expect_error(s.get("/api/v1/me", token=s.metrics_token), 401)
        expect_error(s.get("/api/v1/reports/sla", token=s.metrics_token), 401)
    # Without --metrics-token-file only an admin may.
    with Server() as s:
        s.args = lambda orig=s.args: [a for a in orig() if a not in ("--metrics-token-file", s.metrics_token_file)]
        s.stop()
        s.start()
        s.add_staff("admin@vendor.example", "admin", PASSWORD)
        expect_error(s.get("/metrics", token=s.metrics_token), 401)
        expect_status(s.get("/metrics", token=s.login("admin@vendor.example", PASSWORD)), 200)


def test_metrics_token_file_must_hold_a_token():
    import subprocess
    import tempfile
    from harness import GARANT
    d = tempfile.mkdtemp(prefix="garant-token-")
    for content, fragment in (("short\n", "16 to 512"), ("has space in it 0123456789\n", "16 to 512"),
                              ("line-one-0123456789\nline-two\n", "16 to 512"),
                              ("nul-inside-0123456789\x00abc\n", "16 to 512"), (None, "metrics-token-file")):
        path = os.path.join(d, "token")
        if content is None:
            path = os.path.join(d, "missing")
        else:
            with open(path, "w") as f:
                f.write(content)
        p = subprocess.run([GARANT, "serve", "--db", os.path.join(d, "g.db"), "--listen", "127.0.0.1:0",
                            "--metrics-token-file", path], capture_output=True, timeout=30)
        expect(p.returncode != 0 and fragment in p.stderr.decode(), (content, p.returncode, p.stderr))


def test_webhooks_refuse_port_0():
    """Even with --allow-private-webhooks (the harness's): port 0 is no
    port. The address ranges are tests/desk/test_webhook.c's."""
    with Server() as s:
        s.add_staff("admin@vendor.example", "admin", PASSWORD)
        admin = s.login("admin@vendor.example", PASSWORD)
        for url in ("http://127.0.0.1:0/hook", "https://93.184.216.34:0/", "http://[::1]:00/x"):
            expect_error(s.post("/api/v1/webhooks", {"url": url}, token=admin), 422, "port must be 1-65535")
        expect_status(s.post("/api/v1/webhooks", {"url": "http://127.0.0.1:1/hook"}, token=admin), 201)
        expect(len(expect_status(s.get("/api/v1/webhooks", token=admin), 200).json["webhooks"]) == 1)


if __name__ == "__main__":
    run(globals(), "hardening")
