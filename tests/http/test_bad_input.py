"""test_bad_input.py - what the server does with input it must refuse.

Malformed JSON, wrong types, unknown fields, oversized strings and bodies,
invalid UTF-8, a wrong Content-Type, missing, expired and revoked sessions,
and ids that are not positive integers: each is a 4xx answer with a JSON
error {"error": {"code", "message"}} whose message says what is wrong, and
nothing is written (the tickets table is counted through the API and in the
database file itself).
"""
import json
import os
import re
import socket
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run  # noqa: E402

PASSWORD = "correct horse battery"
JSON = {"Content-Type": "application/json"}
MB = 1000 * 1000
MIB = 1024 * 1024


def customer(s, email, name="Customer"):
    """Sign up, verify through the mailed link, log in; the bearer token."""
    expect_status(s.post("/api/v1/signup", {"email": email, "password": PASSWORD, "name": name}), 201)
    mail = s.smtp.wait_for(email)
    m = re.search(r"token=([A-Za-z0-9_\-]+)", mail["data"].replace("=\r\n", "").replace("=\n", ""))
    expect(m, "no token in %r" % mail["data"])
    expect_status(s.post("/api/v1/verify", {"token": m.group(1)}), 200)
    return s.login(email, PASSWORD)


def setup(s):
    """A customer with one ticket, an agent; returns (customer, agent, ticket id)."""
    s.set_clock("2026-11-16T09:00:00Z")
    cust = customer(s, "it@acme.example")
    s.add_staff("agent@vendor.example", "agent", PASSWORD)
    agent = s.login("agent@vendor.example", PASSWORD)
    r = expect_status(s.post("/api/v1/tickets", {"subject": "Printer on fire", "body": "It burns."}, token=cust), 201)
    return cust, agent, r.json["id"]


def db_count(s, table):
    con = sqlite3.connect("file:%s?mode=ro" % s.db, uri=True)
    try:
        return con.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
    finally:
        con.close()


def api_count(s, token):
    r = expect_status(s.get("/api/v1/tickets?limit=200", token=token), 200)
    return len(r.json["tickets"])


def expect_nothing_written(s, token, tickets, events):
    expect(api_count(s, token) == tickets, "the ticket list changed")
    expect(db_count(s, "tickets") == tickets, "tickets in the database: %d, want %d" % (db_count(s, "tickets"), tickets))
    expect(db_count(s, "ticket_events") == events, "history events: %d, want %d" % (db_count(s, "ticket_events"),
                                                                                    events))


def post_raw(s, path, raw, token=None, headers=None):
    h = dict(JSON)
    h.update(headers or {})
    return s.post(path, raw=raw, token=token, headers=h)


def test_malformed_json():
    with Server() as s:
        cust, _, _ = setup(s)
        events = db_count(s, "ticket_events")
        for raw in [b'{"subject": "x", "body": ', b"{subject: 'x'}", b"", b"   ", b'{"subject": "x"} trailing',
                    b'{"subject": "a", "subject": "b", "body": "c"}',  # duplicate key
                    b"[1, 2]", b'"just a string"', b"42", b"null",
                    b"[" * 100000,  # nesting deeper than the parser allows
                    b'{"subject": "x", "body": "y", "priority": 99999999999999999999999}',
                    b'{"subject": "x", "body": "y", "priority": 1e99999}']:
            r = post_raw(s, "/api/v1/tickets", raw, token=cust)
            expect_error(r, 400)
            expect(r.json["error"]["code"] == "eparse", r)
        # Public routes parse the same way.
        expect_error(post_raw(s, "/api/v1/login", b'{"email": "a@b.c", '), 400, "malformed JSON")
        expect_error(post_raw(s, "/api/v1/signup", b"{"), 400, "malformed JSON")
        expect_nothing_written(s, cust, 1, events)


def test_wrong_types_name_the_field():
    with Server() as s:
        cust, agent, tid = setup(s)
        events = db_count(s, "ticket_events")
        cases = [
            ("/api/v1/tickets", cust, {"subject": 5, "body": "b"}, "'subject' must be a string"),
            ("/api/v1/tickets", cust, {"subject": "s", "body": ["b"]}, "'body' must be a string"),
            ("/api/v1/tickets", cust, {"subject": "s", "body": "b", "priority": "1"}, "'priority' must be an integer"),
            ("/api/v1/tickets", cust, {"subject": "s", "body": "b", "priority": 1.0}, "'priority' must be an integer"),
            ("/api/v1/tickets", cust, {"subject": "s", "body": "b", "priority": True}, "'priority' must be an integer"),
            ("/api/v1/tickets", cust, {"subject": None, "body": "b"}, "'subject' must be a string"),
            ("/api/v1/tickets", cust, {"subject": "s", "body": "b", "environment": {"x": 1}}, "'environment'"),
            ("/api/v1/tickets/%d/replies" % tid, agent, {"body": "b", "public": "yes"}, "'public' must be true or false"),
            ("/api/v1/login", None, {"email": 1, "password": "x"}, "'email' must be a string"),
            ("/api/v1/signup", None, {"email": "a@acme.example", "password": PASSWORD, "name": 7}, "'name'"),
        ]
        for path, tok, body, frag in cases:
            r = expect_error(s.post(path, body, token=tok), 422, frag)
            expect(r.json["error"]["code"] == "einval", r)
        expect_error(s.patch("/api/v1/tickets/%d" % tid, {"priority": "high", "reason": "x"}, token=agent), 422,
                     "'priority' must be an integer")
        # Missing required fields are named too.
        expect_error(s.post("/api/v1/tickets", {"subject": "s"}, token=cust), 422, "'body' is required")
        expect_error(s.post("/api/v1/tickets", {}, token=cust), 422, "is required")
        # Values of the right type but out of range.
        expect_error(s.post("/api/v1/tickets", {"subject": "s", "body": "b", "priority": 0}, token=cust), 422,
                     "'priority'")
        expect_error(s.post("/api/v1/tickets", {"subject": "s", "body": "b", "environment": "moon"}, token=cust),
                     422, "'environment'")
        expect_error(s.post("/api/v1/tickets", {"subject": "   ", "body": "b"}, token=cust), 422, "'subject'")
        expect_nothing_written(s, cust, 1, events)


def test_unknown_fields():
    with Server() as s:
        cust, agent, tid = setup(s)
        events = db_count(s, "ticket_events")
        expect_error(s.post("/api/v1/tickets", {"subject": "s", "body": "b", "severity": 1}, token=cust), 422,
                     "unknown field 'severity'")
        expect_error(s.post("/api/v1/tickets", {"subject": "s", "body": "b", "org_id": 2}, token=cust), 422,
                     "unknown field 'org_id'")
        expect_error(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "b", "first_response": True}, token=agent),
                     422, "unknown field 'first_response'")
        expect_error(s.patch("/api/v1/tickets/%d" % tid, {"priority": 1, "reason": "x", "due": None}, token=agent),
                     422, "unknown field 'due'")
        expect_error(s.post("/api/v1/login", {"email": "it@acme.example", "password": PASSWORD, "admin": True}),
                     422, "unknown field 'admin'")
        expect_nothing_written(s, cust, 1, events)
        # The ticket's history is untouched: still its "created" event only.
        r = expect_status(s.get("/api/v1/tickets/%d" % tid, token=agent), 200)
        expect([e["kind"] for e in r.json["history"]] == ["created"], r.json["history"])


def test_huge_strings():
    with Server() as s:
        cust, agent, tid = setup(s)
        events = db_count(s, "ticket_events")
        for n in (MB, MIB - 64):
            r = s.post("/api/v1/tickets", {"subject": "x" * n, "body": "b"}, token=cust)
            expect(r.status in (413, 422), r)
            expect_error(r, r.status, "'subject'")
        # A 1 MB body field is over its 64 KiB ceiling.
        r = s.post("/api/v1/tickets", {"subject": "s", "body": "y" * MB}, token=cust)
        expect(r.status in (413, 422), r)
        expect_error(r, r.status, "'body'")
        r = s.post("/api/v1/tickets/%d/replies" % tid, {"body": "y" * MB}, token=agent)
        expect(r.status in (413, 422), r)
        expect_error(r, r.status, "'body'")
        # Just over a field's limit, in multi-byte characters: bytes count.
        r = s.post("/api/v1/tickets", {"subject": "\u00e9" * 151, "body": "b"}, token=cust)
        expect_error(r, 422, "'subject' is longer than 300 bytes")
        expect_nothing_written(s, cust, 1, events)


def test_body_over_one_mib():
    with Server() as s:
        cust, _, _ = setup(s)
        events = db_count(s, "ticket_events")
        big = json.dumps({"subject": "s", "body": "y" * (MIB + 8192)}).encode()
        r = expect_error(post_raw(s, "/api/v1/tickets", big, token=cust), 413, "1 MiB")
        expect(r.json["error"]["code"] == "elimit", r)
        # Refused before authentication, too: nobody gets to upload it.
        expect_error(post_raw(s, "/api/v1/signup", big), 413)
        expect_nothing_written(s, cust, 1, events)


def test_headers_up_to_8_kb():
    """Headers of up to 8 KB in all (a common ceiling: Tomcat's default,
    nginx's buffer for one line) are served; far larger ones get 431 from
    libmicrohttpd and write nothing (server.c, CONNECTION_MEMORY)."""
    with Server() as s:
        cust, _, _ = setup(s)
        events = db_count(s, "ticket_events")
        pad = {"X-Pad": "p" * 8000}
        r = expect_status(s.post("/api/v1/tickets", {"subject": "s", "body": "b"}, token=cust, headers=pad), 201)
        expect_status(s.get("/api/v1/tickets/%d" % r.json["id"], token=cust, headers=pad), 200)
        expect_status(s.post("/api/v1/login", {"email": "it@acme.example", "password": PASSWORD}, headers=pad), 200)
        # Sent whole before the answer is read: the server answers as soon
        # as the headers overflow, and a client still writing would fail.
        host, port = s.url[len("http://"):].split(":")
        body = json.dumps({"subject": "s", "body": "b"})
        req = ("POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nX-Pad: %s\r\n"
               "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
               % (cust, "p" * 32000, len(body), body)).encode()
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(req)
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # closed by the server already, its answer waiting
            status = sock.recv(200).split(b"\r\n")[0]
        expect(status == b"HTTP/1.1 431 Request Header Fields Too Large", status)
        expect_nothing_written(s, cust, 2, events)


def test_invalid_utf8():
    with Server() as s:
        cust, _, _ = setup(s)
        events = db_count(s, "ticket_events")
        for bad in [b"\xff\xfe", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]:
            raw = b'{"subject": "caf' + bad + b'", "body": "b"}'
            r = expect_error(post_raw(s, "/api/v1/tickets", raw, token=cust), 400)
            expect(r.json["error"]["code"] == "eparse", r)
        # An escaped lone surrogate is no character either; an escaped NUL
        # would cut the string short in C.
        for raw in [b'{"subject": "\\ud800", "body": "b"}', b'{"subject": "a\\u0000b", "body": "b"}']:
            r = post_raw(s, "/api/v1/tickets", raw, token=cust)
            expect(r.status in (400, 422), r)
            expect_error(r, r.status)
        # Invalid UTF-8 outside strings, and in the signup's fields.
        expect_error(post_raw(s, "/api/v1/signup", b'{"email": "\xff@acme.example", "password": "x", "name": "n"}'),
                     400)
        expect_error(post_raw(s, "/api/v1/tickets", b'{"subj\xffect": "x", "body": "b"}', token=cust), 400)
        # Valid multi-byte text is fine.
        r = expect_status(s.post("/api/v1/tickets", {"subject": "Caf\u00e9 \u2615 \U0001f525", "body": "b"},
                                 token=cust), 201)
        got = expect_status(s.get(r.headers["Location"], token=cust), 200).json
        expect(got["subject"] == "Caf\u00e9 \u2615 \U0001f525", got)
        # The ticket's row is its 'created' event: no event row is added.
        expect(db_count(s, "tickets") == 2 and db_count(s, "ticket_events") == events)


def test_wrong_content_type():
    with Server() as s:
        cust, _, _ = setup(s)
        events = db_count(s, "ticket_events")
        body = json.dumps({"subject": "s", "body": "b"}).encode()
        for ct in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                   "application/xml", "text/json", "application/jsonx", "application/json-patch+json"]:
            r = s.post("/api/v1/tickets", raw=body, token=cust, headers={"Content-Type": ct})
            expect_error(r, 400, "Content-Type")
        expect_error(s.post("/api/v1/login", raw=b"email=a&password=b",
                            headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, "Content-Type")
        expect_nothing_written(s, cust, 1, events)
        # With a charset it is still JSON.
        expect_status(s.post("/api/v1/tickets", raw=body, token=cust,
                             headers={"Content-Type": "application/json; charset=utf-8"}), 201)


def test_missing_and_bad_auth():
    with Server() as s:
        cust, _, tid = setup(s)
        events = db_count(s, "ticket_events")
        for method, path, body in [("GET", "/api/v1/tickets", None), ("GET", "/api/v1/tickets/%d" % tid, None),
                                   ("POST", "/api/v1/tickets", {"subject": "s", "body": "b"}),
                                   ("POST", "/api/v1/tickets/%d/replies" % tid, {"body": "b"}),
                                   ("GET", "/api/v1/queue", None), ("GET", "/api/v1/reports/sla", None),
                                   ("GET", "/api/v1/me", None), ("POST", "/api/v1/logout", None)]:
            r = expect_error(s.request(method, path, body), 401)
            expect(r.json["error"]["code"] == "eauth", r)
            expect(r.headers.get("WWW-Authenticate") == "Bearer", r.headers)
            # A token that was never issued, an over-long one, another scheme.
            expect_error(s.request(method, path, body, token="not-a-token"), 401)
            expect_error(s.request(method, path, body, token="x" * 5000), 401)
            expect_error(s.request(method, path, body, headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401)
            expect_error(s.request(method, path, body, cookie="garant_session=forged"), 401)
        expect_nothing_written(s, cust, 1, events)


def test_cookie_writes_need_the_csrf_token():
    with Server() as s:
        cust, _, _ = setup(s)
        r = expect_status(s.post("/api/v1/login", {"email": "it@acme.example", "password": PASSWORD}), 200)
        cookie = "garant_session=" + r.json["token"]
        csrf = r.json["csrf_token"]
        events = db_count(s, "ticket_events")
        body = {"subject": "s", "body": "b"}
        expect_status(s.get("/api/v1/tickets", cookie=cookie), 200)  # reads need no token
        for h in ({}, {"X-CSRF-Token": ""}, {"X-CSRF-Token": "0" * len(csrf)}, {"X-CSRF-Token": csrf[:-1]}):
            r = expect_error(s.post("/api/v1/tickets", body, cookie=cookie, headers=h), 403, "X-CSRF-Token")
            expect(r.json["error"]["code"] == "eperm", r)
        expect_nothing_written(s, cust, 1, events)
        expect_status(s.post("/api/v1/tickets", body, cookie=cookie, headers={"X-CSRF-Token": csrf}), 201)


def test_expired_session():
    with Server() as s:
        cust, agent, tid = setup(s)  # logged in at 09:00Z
        s.set_clock("2026-11-16T20:59:59Z")
        expect_status(s.get("/api/v1/tickets", token=cust), 200)
        s.set_clock("2026-11-16T21:00:01Z")  # 12 h and a second later
        for tok in (cust, agent):
            r = expect_error(s.get("/api/v1/tickets/%d" % tid, token=tok), 401, "expired")
            expect(r.json["error"]["code"] == "eauth", r)
        expect_error(s.post("/api/v1/tickets", {"subject": "s", "body": "b"}, token=cust), 401)
        expect(db_count(s, "tickets") == 1)
        # Logging in again works.
        expect_status(s.get("/api/v1/tickets", token=s.login("it@acme.example", PASSWORD)), 200)


def test_revoked_session():
    with Server() as s:
        cust, _, tid = setup(s)
        other = s.login("it@acme.example", PASSWORD)  # a second session of the same account
        expect_status(s.post("/api/v1/logout", token=cust), 204)
        expect_error(s.get("/api/v1/tickets/%d" % tid, token=cust), 401, "log in again")
        expect_error(s.post("/api/v1/tickets", {"subject": "s", "body": "b"}, token=cust), 401)
        expect_error(s.post("/api/v1/logout", token=cust), 401)
        # Only that session ended.
        expect_status(s.get("/api/v1/tickets/%d" % tid, token=other), 200)
        expect(db_count(s, "tickets") == 1)


def test_ids_that_are_not_positive_integers():
    with Server() as s:
        cust, agent, tid = setup(s)
        s.add_staff("admin@vendor.example", "admin", PASSWORD)
        admin = s.login("admin@vendor.example", PASSWORD)
        events = db_count(s, "ticket_events")
        bad = ["abc", "0", "-1", "1.5", "1e3", "0x1", "%201", "99999999999999999999999", "9007199254740993", ""]
        for b in bad:
            for tok in (cust, agent):
                expect_error(s.get("/api/v1/tickets/" + b, token=tok), 404)
            expect_error(s.post("/api/v1/tickets/%s/replies" % b, {"body": "b"}, token=agent), 404)
            expect_error(s.patch("/api/v1/tickets/" + b, {"status": "pending"}, token=agent), 404)
            expect_error(s.get("/api/v1/orgs/" + b, token=admin), 404)
        # A well-formed id that does not exist is 404 as well.
        expect_error(s.get("/api/v1/tickets/%d" % (tid + 1000), token=agent), 404)
        expect_nothing_written(s, cust, 1, events)


def test_unknown_query_parameters_are_refused():
    """?stauts=closed once listed every ticket, the typo silently ignored
    (issue 15): a query parameter the route does not read is answered 400,
    naming it and the ones the route takes; a route that takes none says so."""
    with Server() as s:
        cust, agent, tid = setup(s)
        r = expect_error(s.get("/api/v1/tickets?stauts=closed", token=agent), 400, "unknown query parameter 'stauts'")
        expect("status" in r.json["error"]["message"] and "after" in r.json["error"]["message"], r)
        expect_error(s.get("/api/v1/me?x=1", token=cust), 400, "takes none")
        expect_error(s.get("/api/v1/tickets/%d?status=open" % tid, token=agent), 400, "unknown query parameter")
        expect_error(s.post("/api/v1/tickets?priority=1", {"subject": "S", "body": "B"}, token=cust), 400,
                     "'priority'")
        # Declared ones still work, and nothing was filed by the refused post.
        expect_status(s.get("/api/v1/tickets?status=closed&limit=5", token=agent), 200)
        expect(expect_status(s.get("/api/v1/tickets", token=agent), 200).json["count"] == 1)

if __name__ == "__main__":
    run(globals(), "bad_input")
