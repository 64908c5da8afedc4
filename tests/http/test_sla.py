"""test_sla.py - the SLA monitor and its webhooks: each warning and breach
is raised exactly once (also across restarts), history records it, the
outbox delivers it signed to a local receiver, retries with back-off, and
targets on private addresses are refused unless the server allows them.

The clock is the server's test clock. The ticket used throughout is a
professional P1 filed on Monday 2026-11-30 at 09:00 in Bratislava (08:00Z):
3 business hours, so due at 12:00 local (11:00Z), warned at 75% of the
target, 2h15m in (11:15 local, 10:15Z)."""
import calendar
import hashlib
import hmac
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import GARANT, Server, WebhookReceiver, expect, expect_error, expect_status, run, wait_until  # noqa: E402

FILED = "2026-11-30T08:00:00Z"
WARN = "2026-11-30T10:15:00Z"
DUE = "2026-11-30T11:00:00Z"
SECRET = "test-secret-0123456789abcdef"


def epoch(rfc3339):
    return calendar.timegm(time.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ"))


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


# ---- accounts and tickets --------------------------------------------------

def db_exec(s, sql, args=()):
    """Write to the server's database directly: only to stage what the API
    cannot (a crash between two writes, a target that changed address)."""
    con = sqlite3.connect(s.db, timeout=10)
    try:
        with con:
            return con.execute(sql, args).lastrowid
    finally:
        con.close()


def db_query(s, sql, args=()):
    con = sqlite3.connect(s.db, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


class Account:
    """A signed-in user; calling it gives a fresh session token. Sessions
    last 12 hours of the server's clock and the tests move it by days, so
    every call logs in again at the current test time."""

    def __init__(self, s, email, password="correct horse battery"):
        self.s, self.email, self.password = s, email, password

    def __call__(self):
        return self.s.login(self.email, self.password)


def staff(s, email="admin@vendor.example", role="admin"):
    s.add_staff(email, role)
    return Account(s, email)


class Desk:
    """A professional customer organization, Acme, with a verified customer
    who files its tickets."""

    def __init__(self, s, admin):
        self.s = s
        r = expect_status(s.post("/api/v1/orgs", {"name": "Acme", "domains": ["acme.example"],
                                                  "plan": "professional"}, token=admin()), 201)
        self.org_id = r.json["id"]
        email = "carla@acme.example"
        r = s.post("/api/v1/signup", {"email": email, "password": "correct horse battery", "name": "Carla"})
        expect(r.status in (200, 201, 202), "signup: %r" % r)
        token = re.search(r"token=([A-Za-z0-9_\-]+)", s.smtp.wait_for(email)["data"]).group(1)
        expect_status(s.post("/api/v1/verify", {"token": token}), 200)
        self.customer = Account(s, email)

    def file(self, subject="Checkout is down", priority=1, at=FILED):
        """File a ticket at `at` (the clock is set there); returns its id."""
        s = self.s
        s.set_clock(at)
        r = s.post("/api/v1/tickets", {"subject": subject, "body": "Every payment fails since 08:55.",
                                       "priority": priority, "environment": "production"}, token=self.customer())
        expect_status(r, 201)
        return r.json["id"]


def history(s, token, tid):
    """The kinds and data of a ticket's history, oldest first."""
    r = expect_status(s.get("/api/v1/tickets/%d" % tid, token=token()), 200)
    return [(e["kind"], e.get("data")) for e in r.json["history"]]


# ---- webhooks ---------------------------------------------------------------

def register(s, token, url, events=None, secret=SECRET):
    body = {"url": url}
    if events is not None:
        body["events"] = events
    if secret is not None:
        body["secret"] = secret
    return expect_status(s.post("/api/v1/webhooks", body, token=token()), 201)


def wait_calls(rec, n, timeout=harness.WAIT_S):
    """Wait until rec has at least n calls; return them."""
    def enough():
        with rec.lock:
            return list(rec.calls) if len(rec.calls) >= n else None
    try:
        return wait_until(enough, "%d webhook calls" % n, timeout)
    except AssertionError:
        with rec.lock:
            raise AssertionError("expected %d webhook calls, got %d: %r" % (n, len(rec.calls), rec.calls))


def settle(s, n, *recs):
    """Whatever the server's clock, as set before this call, makes due has
    been raised and delivered (s.wait_rounds): each receiver has exactly n
    calls so far."""
    s.wait_rounds()
    for rec in recs:
        with rec.lock:
            calls = list(rec.calls)
        expect(len(calls) == n, "expected exactly %d webhook calls, got %d: %r" % (n, len(calls), calls))
    return calls


def verify(call, secret=SECRET):
    """The signature checks out; returns the parsed body."""
    h = {k.lower(): v for k, v in call["headers"].items()}
    ts = h["x-garant-timestamp"]
    expect(ts.isdigit(), h)
    want = hmac.new(secret.encode(), ts.encode() + b"." + call["body"], hashlib.sha256).hexdigest()
    expect(hmac.compare_digest(h["x-garant-signature"], "sha256=" + want), "bad signature: %r" % h)
    expect(h["content-type"] == "application/json", h)
    expect(h["x-garant-delivery"].isdigit(), h)
    body = json.loads(call["body"])
    expect(h["x-garant-event"] == body["event"], h)
    return body


def deliveries(s, token):
    return expect_status(s.get("/api/v1/webhooks/deliveries", token=token()), 200).json["deliveries"]


class StrictServer(Server):
    """A server started without --allow-private-webhooks."""

    def args(self):
        return [a for a in super().args() if a != "--allow-private-webhooks"]


# ---- tests ---------------------------------------------------------------------

def test_warning_then_breach_exactly_once_and_across_restart():
    rec = WebhookReceiver()
    breach_only = WebhookReceiver()
    try:
        with Server() as s:
            admin = staff(s)
            desk = Desk(s, admin)
            register(s, admin, rec.url)
            register(s, admin, breach_only.url, events=["sla.breach"], secret="another-secret-of-length")
            tid = desk.file()

            s.set_clock("2026-11-30T10:14:59Z")
            settle(s, 0, rec)
            s.set_clock("2026-11-30T10:15:00Z")
            calls = wait_calls(rec, 1)
            body = verify(calls[0])
            expect(body["event"] == "sla.warning", body)
            t = body["ticket"]
            expect(t["id"] == tid and t["priority"] == 1 and t["plan"] == "professional", t)
            expect(t["org_name"] == "Acme" and t["org_id"] == desk.org_id, t)
            expect(t["first_response_due"] == DUE and t["warn_at"] == WARN, t)
            expect(t["subject"] == "Checkout is down", t)
            expect(body["at"] == "2026-11-30T10:15:00Z" and body["id"], body)
            settle(s, 1, rec)
            settle(s, 0, breach_only)
            kinds = [k for k, _ in history(s, admin, tid)]
            expect(kinds.count("sla_warning") == 1 and "sla_breach" not in kinds, kinds)

            s.set_clock("2026-11-30T11:00:30Z")
            calls = wait_calls(rec, 2)
            body = verify(calls[1])
            expect(body["event"] == "sla.breach" and body["ticket"]["id"] == tid, body)
            expect(body["id"] != verify(calls[0])["id"], "event ids must differ")
            b = wait_calls(breach_only, 1)
            expect(verify(b[0], "another-secret-of-length")["event"] == "sla.breach", b)
            ev = dict(history(s, admin, tid))
            expect(ev["sla_breach"]["due"] == DUE and ev["sla_breach"]["at"] == "2026-11-30T11:00:30Z", ev)
            expect(ev["sla_warning"]["due"] == DUE, ev)

            s.set_clock("2026-12-01T15:00:00Z")
            settle(s, 2, rec)
            settle(s, 1, breach_only)

            # A restart repeats nothing: the events are recorded and delivered.
            s.stop()
            s.start()
            s.set_clock("2026-12-02T15:00:00Z")
            settle(s, 2, rec)
            settle(s, 1, breach_only)
            kinds = [k for k, _ in history(s, admin, tid)]
            expect(kinds.count("sla_warning") == 1 and kinds.count("sla_breach") == 1, kinds)
            d = deliveries(s, admin)
            expect(len(d) == 3 and all(x["status"] == "delivered" and x["attempts"] == 1 for x in d), d)
            expect(db_query(s, "SELECT count(*) FROM sla_events")[0][0] == 2)
    finally:
        rec.close()
        breach_only.close()


def test_receiver_failing_first_two_gets_the_third():
    rec = WebhookReceiver(fail_first=2)
    try:
        with Server() as s:
            admin = staff(s)
            desk = Desk(s, admin)
            register(s, admin, rec.url, events=["sla.warning"])
            desk.file()
            s.set_clock("2026-11-30T10:20:00Z")
            calls = wait_calls(rec, 1)
            expect(calls[0]["status"] == 500)
            d = deliveries(s, admin)
            expect(len(d) == 1 and d[0]["status"] == "pending" and d[0]["attempts"] == 1, d)
            expect("500" in d[0]["last_error"], d)
            # Not before the back-off (10 s after the first failure) ends.
            s.set_clock("2026-11-30T10:20:09Z")
            settle(s, 1, rec)
            s.set_clock("2026-11-30T10:20:10Z")
            wait_calls(rec, 2)
            # The second back-off is twice as long: 20 s.
            s.set_clock("2026-11-30T10:20:29Z")
            settle(s, 2, rec)
            s.set_clock("2026-11-30T10:20:30Z")
            calls = wait_calls(rec, 3)
            expect([c["status"] for c in calls] == [500, 500, 200], calls)
            ids = {c["headers"]["X-Garant-Delivery"] for c in calls}
            expect(len(ids) == 1, "one delivery id for all attempts: %r" % ids)
            bodies = {c["body"] for c in calls}
            expect(len(bodies) == 1, "the same payload each time")
            verify(calls[2])
            settle(s, 3, rec)
            d = deliveries(s, admin)
            expect(d[0]["status"] == "delivered" and d[0]["attempts"] == 3 and d[0]["delivered_at"], d)
    finally:
        rec.close()


def test_undelivered_item_survives_restart():
    rec = WebhookReceiver(fail_first=1000)
    try:
        with Server() as s:
            admin = staff(s)
            desk = Desk(s, admin)
            register(s, admin, rec.url, events=["sla.breach"])
            desk.file()
            s.set_clock("2026-11-30T11:05:00Z")
            wait_calls(rec, 1)
            s.stop()
            rec.fail_first = 0
            s.start()
            # Back at a time before the retry: nothing; after it: delivered once.
            s.set_clock("2026-11-30T11:05:05Z")
            settle(s, 1, rec)
            s.set_clock("2026-11-30T11:06:00Z")
            calls = wait_calls(rec, 2)
            expect(calls[1]["status"] == 200 and verify(calls[1])["event"] == "sla.breach", calls)
            settle(s, 2, rec)
            d = deliveries(s, admin)
            expect(len(d) == 1 and d[0]["status"] == "delivered" and d[0]["attempts"] == 2, d)
    finally:
        rec.close()


def test_queued_before_restart_is_delivered_after_it():
    # The server went down right after the monitor's transaction committed,
    # before the first attempt: the outbox row is all that remembers the
    # delivery. Staged here as that transaction writes it.
    rec = WebhookReceiver()
    try:
        with Server() as s:
            admin = staff(s)
            desk = Desk(s, admin)
            register(s, admin, rec.url)
            tid = desk.file()
            s.stop()
            wid = db_query(s, "SELECT id FROM webhooks")[0][0]
            con = sqlite3.connect(s.db, timeout=10)
            with con:
                con.execute("INSERT INTO sla_events (ticket_id, kind, due, at) VALUES (?, 'warning', ?, ?)",
                            (tid, epoch(DUE), epoch(WARN)))
                con.execute("UPDATE tickets SET warned_due = first_response_due WHERE id = ?", (tid,))
                con.execute("INSERT INTO ticket_events (ticket_id, at, kind, data) VALUES (?, ?, 'sla_warning', ?)",
                            (tid, epoch(WARN), json.dumps({"due": DUE, "at": WARN})))
                con.execute("INSERT INTO outbox (webhook_id, event, payload, next_attempt_at)"
                            " VALUES (?, 'sla.warning', ?, ?)", (wid, '{"event":"sla.warning","id":"queued"}',
                                                                 epoch(WARN)))
            con.close()
            s.start()
            s.set_clock("2026-11-30T10:16:00Z")
            calls = wait_calls(rec, 1)
            expect(verify(calls[0])["id"] == "queued", calls)
            settle(s, 1, rec)  # and the monitor does not raise the recorded warning again
            kinds = [k for k, _ in history(s, admin, tid)]
            expect(kinds.count("sla_warning") == 1, kinds)
    finally:
        rec.close()


def test_answered_or_moved_deadline_raises_nothing_stale():
    rec = WebhookReceiver()
    try:
        with Server() as s:
            admin = staff(s)
            agent = staff(s, "agent@vendor.example", "agent")
            desk = Desk(s, admin)
            register(s, admin, rec.url)
            answered = desk.file("Answered in time")
            moved = desk.file("Downgraded")
            s.set_clock("2026-11-30T09:00:00Z")
            expect_status(s.post("/api/v1/tickets/%d/replies" % answered, {"body": "On it.", "public": True},
                                 token=agent()), 201)
            r = expect_status(s.patch("/api/v1/tickets/%d" % moved, {"priority": 3, "reason": "a programming question"},
                                      token=agent()), 200)
            new_due = epoch(r.json["first_response_due"])
            new_warn = epoch(r.json["warn_at"])
            # Past the old deadline, before the new warning: nothing at all.
            quiet_at = epoch(DUE) + 1800
            expect(new_warn > quiet_at and new_due > new_warn, (new_warn, new_due))
            s.set_clock(rfc3339(quiet_at))
            settle(s, 0, rec)
            # The new deadline is raised once, when it comes.
            s.set_clock(rfc3339(new_due))
            calls = wait_calls(rec, 2)
            got = sorted(verify(c)["event"] for c in calls)
            expect(got == ["sla.breach", "sla.warning"], got)
            for c in calls:
                t = json.loads(c["body"])["ticket"]
                expect(t["id"] == moved and t["priority"] == 3 and t["first_response_due"] == rfc3339(new_due), t)
            settle(s, 2, rec)
            kinds = [k for k, _ in history(s, admin, answered)]
            expect("sla_warning" not in kinds and "sla_breach" not in kinds, kinds)
    finally:
        rec.close()


def test_policy_change_keeps_the_ticket_on_its_terms():
    """A policy saved after the warning (3 h -> 6 h) applies to tickets filed
    after it: this ticket is still due at 12:00 local and breaches then,
    once, with no second warning for a deadline it never got."""
    rec = WebhookReceiver()
    try:
        with Server() as s:
            admin = staff(s)
            desk = Desk(s, admin)
            register(s, admin, rec.url)
            tid = desk.file()
            s.set_clock("2026-11-30T10:20:00Z")
            first = verify(wait_calls(rec, 1)[0])
            expect(first["event"] == "sla.warning" and first["ticket"]["first_response_due"] == DUE, first)
            y = expect_status(s.get("/api/v1/policy", token=admin()), 200).json["yaml"]
            old_line = "    1: { within: 3h, calendar: business }\n"
            expect(y.count(old_line) == 1, y)
            r = expect_status(s.put("/api/v1/policy", {"yaml": y.replace(old_line, "    1: { within: 6h, calendar: business }\n")},
                                    token=admin()), 200)
            expect(r.json["version"] == 2, r)
            s.set_clock("2026-11-30T10:59:59Z")
            settle(s, 1, rec)
            s.set_clock(DUE)
            second = verify(wait_calls(rec, 2)[1])
            expect(second["event"] == "sla.breach" and second["ticket"]["first_response_due"] == DUE, second)
            s.set_clock("2026-12-01T14:00:00Z")
            settle(s, 2, rec)
            h = history(s, admin, tid)
            dues = [(k, d["due"]) for k, d in h if k in ("sla_warning", "sla_breach")]
            expect(dues == [("sla_warning", DUE), ("sla_breach", DUE)], h)
    finally:
        rec.close()


def test_webhook_management():
    with Server() as s:
        admin = staff(s)
        r = register(s, admin, "http://127.0.0.1:9/hook", secret=None)
        expect(len(r.json["secret"]) == 64 and all(ch in "0123456789abcdef" for ch in r.json["secret"]), r)
        expect(r.json["events"] == ["*"] and r.json["url"] == "http://127.0.0.1:9/hook", r)
        expect(r.headers.get("Location") == "/api/v1/webhooks/%d" % r.json["id"], r.headers)
        wid = r.json["id"]
        r2 = register(s, admin, "https://93.184.216.34/x", events=["sla.breach", "sla.warning", "sla.breach"])
        expect(r2.json["events"] == ["sla.warning", "sla.breach"], r2)
        expect(r2.json["secret"] == SECRET, r2)
        lst = expect_status(s.get("/api/v1/webhooks", token=admin()), 200).json["webhooks"]
        expect([w["id"] for w in lst] == [wid, r2.json["id"]], lst)
        expect(all("secret" not in w for w in lst) and SECRET not in json.dumps(lst), lst)
        expect(lst[0]["created_at"].endswith("Z"), lst)
        expect_status(s.delete("/api/v1/webhooks/%d" % wid, token=admin()), 204)
        expect_error(s.delete("/api/v1/webhooks/%d" % wid, token=admin()), 404)
        lst = s.get("/api/v1/webhooks", token=admin()).json["webhooks"]
        expect([w["id"] for w in lst] == [r2.json["id"]], lst)
        expect(deliveries(s, admin) == [])

        bad = [
            ({"url": "ftp://93.184.216.34/x"}, "http or https"),
            ({"url": "http://user:pw@93.184.216.34/x"}, "user name or password"),
            ({"url": "http://93.184.216.34/a b"}, "spaces"),
            ({"url": "not a url"}, None),
            ({"url": "/relative"}, None),
            ({"url": "http:///nohost"}, None),
            ({"url": "http://93.184.216.34/" + "a" * 2048}, "2048"),
            ({"url": "http://93.184.216.34/", "events": ["sla.everything"]}, "unknown event"),
            ({"url": "http://93.184.216.34/", "events": []}, "at least one"),
            ({"url": "http://93.184.216.34/", "events": "sla.breach"}, "'events'"),
            ({"url": "http://93.184.216.34/", "secret": "short"}, "'secret'"),
            ({"url": "http://93.184.216.34/", "secret": "has a space in the middle"}, "'secret'"),
            ({"url": "http://93.184.216.34/", "colour": "red"}, "unknown field 'colour'"),
            ({}, "'url' is required"),
            ({"url": 7}, "'url'"),
        ]
        for body, frag in bad:
            expect_error(s.post("/api/v1/webhooks", body, token=admin()), 422, frag)
        expect_error(s.post("/api/v1/webhooks", raw=b"{", token=admin(), headers={"Content-Type": "application/json"}),
                     400)
        expect(len(s.get("/api/v1/webhooks", token=admin()).json["webhooks"]) == 1)

        expect_error(s.get("/api/v1/webhooks"), 401)
        expect_error(s.post("/api/v1/webhooks", {"url": "https://93.184.216.34/"}), 401)
        tok = staff(s, "agent@vendor.example", "agent")
        expect_error(s.get("/api/v1/webhooks", token=tok()), 403)
        expect_error(s.post("/api/v1/webhooks", {"url": "https://93.184.216.34/"}, token=tok()), 403)
        expect_error(s.get("/api/v1/webhooks/deliveries", token=tok()), 403)
        expect_error(s.delete("/api/v1/webhooks/%d" % r2.json["id"], token=tok()), 403)


PRIVATE = [
    "http://127.0.0.1:%d/hook",
    "http://127.1.2.3:%d/hook",
    "http://localhost:%d/hook",
    "http://10.0.0.1:%d/",
    "http://172.16.5.4:%d/",
    "http://192.168.1.1:%d/",
    "http://100.64.0.1:%d/",
    "http://169.254.169.254:%d/latest/meta-data/",
    "http://0.0.0.0:%d/",
    "http://224.0.0.1:%d/",
    "http://255.255.255.255:%d/",
    "http://2130706433:%d/",
    "http://[::1]:%d/",
    "http://[::]:%d/",
    "http://[::ffff:127.0.0.1]:%d/",
    "http://[::ffff:10.0.0.1]:%d/",
    "http://[fe80::1]:%d/",
    "http://[fc00::1]:%d/",
    "http://[fd12:3456::1]:%d/",
    "http://[ff02::1]:%d/",
    "http://[64:ff9b::a9fe:a9fe]:%d/",
    "http://[2002:7f00:1::1]:%d/",
]


def test_private_targets_refused_without_the_flag():
    rec = WebhookReceiver()
    try:
        with StrictServer() as s:
            admin = staff(s)
            for u in PRIVATE:
                url = u % rec.port
                expect_error(s.post("/api/v1/webhooks", {"url": url}, token=admin()), 422, "allow-private-webhooks")
            # Public addresses are fine (registration does not connect).
            for url in ("http://93.184.216.34/hook", "https://[2606:2800:220:1:248:1893:25c8:1946]/hook",
                        "http://8.8.8.8:8080/x"):
                register(s, admin, url)
            expect(len(s.get("/api/v1/webhooks", token=admin()).json["webhooks"]) == 3)

            # A target that turned private after its check (DNS rebinding,
            # here written straight into the database) is refused when
            # delivering: the receiver hears nothing and the error says why.
            db_exec(s, "DELETE FROM webhooks")
            db_exec(s, "INSERT INTO webhooks (url, secret, events, created_at) VALUES (?, ?, '*', 0)",
                    (rec.url, SECRET))
            desk = Desk(s, admin)
            desk.file()
            s.set_clock("2026-11-30T10:30:00Z")
            wait_until(lambda: (lambda d: d and d[0]["attempts"] >= 1)(deliveries(s, admin)), "a delivery attempt")
            d = deliveries(s, admin)
            expect(d and d[0]["status"] == "pending" and "non-public" in (d[0]["last_error"] or ""), d)
            settle(s, 0, rec)
    finally:
        rec.close()


def test_webhook_host_names():
    """Issue 13, finding 2: a webhook could not be registered by host name
    without --allow-private-webhooks (422 "has no IPv4 or IPv6 address"),
    though the same URL by address was accepted. Names resolve here through
    --test-resolve, never /etc/hosts; a name resolving to loopback is
    refused like the address itself."""
    with StrictServer(extra_args=["--test-resolve", "public.test:93.184.216.34",
                                  "--test-resolve", "inside.test:127.0.0.1"]) as s:
        admin = staff(s)
        register(s, admin, "https://public.test/hook")
        register(s, admin, "http://PUBLIC.test:8080/x")
        expect_error(s.post("/api/v1/webhooks", {"url": "https://inside.test/hook"}, token=admin()), 422,
                     "'inside.test' is 127.0.0.1")
        expect(len(s.get("/api/v1/webhooks", token=admin()).json["webhooks"]) == 2)
    # The fixed resolver is for tests only: without --test-clock, or
    # malformed, the server does not start.
    d = tempfile.mkdtemp()
    for args, msg in [(["--test-resolve", "a.test:1.1.1.1"], b"needs --test-clock"),
                      (["--test-clock", "2026-11-30T08:00:00Z", "--test-resolve", "a.test"], b"HOST:ADDR")]:
        p = subprocess.run([GARANT, "serve", "--db", os.path.join(d, "g.db"), "--listen", "127.0.0.1:0"] + args,
                           capture_output=True, timeout=20)
        expect(p.returncode == 2 and msg in p.stderr, p)


def test_delivery_gives_up_after_twenty_attempts():
    rec = WebhookReceiver(fail_first=1000)
    try:
        with Server() as s:
            admin = staff(s)
            desk = Desk(s, admin)
            register(s, admin, rec.url, events=["sla.warning"])
            desk.file()
            t = epoch("2026-11-30T10:30:00Z")
            for attempt in range(1, 21):
                s.set_clock(rfc3339(t))
                wait_calls(rec, attempt)
                t += 3600  # past any back-off
            settle(s, 20, rec)
            s.set_clock("2027-01-30T10:30:00Z")
            settle(s, 20, rec)
            d = deliveries(s, admin)
            expect(d[0]["status"] == "failed" and d[0]["attempts"] == 20, d)
            expect(d[0]["last_error"].startswith("gave up after 20 attempts"), d)
    finally:
        rec.close()


def test_stops_promptly_with_a_slow_receiver():
    # A receiver that never answers: the server still stops within seconds.
    import socket
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(16)
    try:
        with Server() as s:
            admin = staff(s)
            desk = Desk(s, admin)
            register(s, admin, "http://127.0.0.1:%d/slow" % lst.getsockname()[1])
            desk.file()
            s.set_clock("2026-11-30T10:30:00Z")
            # The delivery is under way: the receiver has its connection.
            lst.settimeout(harness.WAIT_S)
            conn, _ = lst.accept()
            # Stopping does not wait out the delivery's 10 s timeout. The
            # bound is the timeout itself less a wide margin for a slow
            # machine, not a performance figure.
            t0 = time.monotonic()
            s.stop()
            took = time.monotonic() - t0
            conn.close()
            expect(took < 8, "stopping took %.1f s: it waited for the slow receiver" % took)
    finally:
        lst.close()


def test_server_reads_no_real_clock():
    """Under --test-clock the server's business time is the test clock alone.
    It starts on Monday 3 June 2019 (CEST), years before any machine that
    runs this: a webhook retry, the ticket's deadline and a session's expiry
    are all long past in real time and still ahead in test time. After a
    restart and several monitor rounds nothing was delivered or raised, and
    the ticket, the session, the mails and the report carry the test instant.
    (Before --test-clock took its instant, a restarted server ran on the real
    clock until the test's first POST /test/clock, and delivered the retry.)"""
    start = "2019-06-03T07:00:00Z"      # 09:00 CEST, a Monday
    warn = "2019-06-03T09:15:00Z"       # 75 % of 3 business hours
    due = "2019-06-03T10:00:00Z"
    rec = WebhookReceiver(fail_first=1)
    try:
        with Server(clock=start) as s:
            admin = staff(s)
            desk = Desk(s, admin)
            verification = s.smtp.wait_for("carla@acme.example")["data"]
            expect("Date: Mon, 03 Jun 2019 07:00:00 +0000" in verification, verification[:400])
            register(s, admin, rec.url)
            tid = desk.file(at=start)
            t = expect_status(s.get("/api/v1/tickets/%d" % tid, token=admin()), 200).json
            expect(t["submitted_at"] == start and t["first_response_due"] == due and t["warn_at"] == warn, t)

            # The warning's first delivery fails; its retry is due 10 s later
            # in test time, and 7 years ago in real time.
            s.set_clock(warn)
            calls = wait_calls(rec, 1)
            expect(calls[0]["status"] == 500 and calls[0]["headers"]["X-Garant-Timestamp"] == str(epoch(warn)), calls)
            s.stop()
            s.start()   # on the test clock's instant, 09:15:00Z
            s.wait_rounds(5)
            settle(s, 1, rec)
            d = deliveries(s, admin)
            expect(len(d) == 1 and d[0]["status"] == "pending" and d[0]["attempts"] == 1, d)
            kinds = [k for k, _ in history(s, admin, tid)]
            expect(kinds.count("sla_warning") == 1 and "sla_breach" not in kinds, kinds)

            # A session lasts 12 h of test time: it expires at 21:15Z, long
            # past in real time, and still works.
            r = expect_status(s.post("/api/v1/login", {"email": "carla@acme.example",
                                                       "password": "correct horse battery"}), 200)
            expect(r.json["expires_at"] == "2019-06-03T21:15:00Z", r)
            me = expect_status(s.get("/api/v1/me", token=r.json["token"]), 200)
            expect(me.json["session"]["expires_at"] == "2019-06-03T21:15:00Z", me)

            # The report's "now" and its default period end at the test instant.
            rep = expect_status(s.get("/api/v1/reports/sla", token=admin()), 200).json
            expect(rep["now"] == warn and rep["to"] == warn and rep["total"]["tickets"] == 1, rep)

            # The test clock moves only when told: then the retry goes out.
            s.set_clock("2019-06-03T09:15:10Z")
            calls = wait_calls(rec, 2)
            expect(calls[1]["status"] == 200 and calls[1]["headers"]["X-Garant-Timestamp"] == str(epoch("2019-06-03T09:15:10Z")),
                   calls)
    finally:
        rec.close()


if __name__ == "__main__":
    run(globals(), "sla")
