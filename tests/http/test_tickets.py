"""test_tickets.py - tickets and their clock over HTTP: filing across plans,
product stages and environments with the exact deadlines, reclassification
up and down with its history, the first response (met and breached, with
business and wall time), internal notes, cross-organization privacy, the
agents' queue, pagination, previews and bad input.

Times: the default policy's business calendar is Mon-Fri 09:00-17:00 in
Europe/Bratislava (CET = UTC+1 in November). Expected deadlines are worked
out by hand in each test and match tests/core/cases/*.case.

The helpers go through the account API (orgs, products, signup,
verification, login) and fail when any of it answers otherwise than it
should: a missing or mis-routed endpoint fails these suites too.
test_policy.py imports them."""
import calendar
import http.client
import json
import os
import re
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run  # noqa: E402

PASSWORD = "correct horse battery"
# All accounts are made with the clock here, before any test instant, so
# that sessions and verification links are valid throughout.
SETUP_AT = "2026-11-20T08:00:00Z"


# ---- the database, read to check what was (not) written ------------------------

def db_query(s, sql, args=()):
    con = sqlite3.connect(s.db, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def epoch(rfc3339):
    return calendar.timegm(time.strptime(rfc3339[:19], "%Y-%m-%dT%H:%M:%S"))


def session_for(s, email):
    """Log in through the API. Returns (token, expires_at as UTC epoch
    seconds)."""
    r = expect_status(s.post("/api/v1/login", {"email": email, "password": PASSWORD}), 200, "login " + email)
    return r.json["token"], epoch(r.json["expires_at"])


class Desk:
    """A vendor with an admin and an agent, and helpers for customers.

    Sessions last hours and the tests move the clock by days: every user
    made here is an attribute holding a session token, and moving the
    clock (s.set_clock) logs in again whoever's session would have ended."""

    def __init__(self, s):
        self.s = s
        self.sessions = {}  # attribute -> [email, expires_at]
        self._set_clock = s.set_clock
        s.set_clock = self.set_clock
        s.set_clock(SETUP_AT)
        s.add_staff("admin@vendor.example", "admin", PASSWORD)
        s.add_staff("agent@vendor.example", "agent", PASSWORD)
        self.login("admin", "admin@vendor.example")
        self.login("agent", "agent@vendor.example")
        self.agent_id = expect_status(s.get("/api/v1/me", token=self.agent), 200).json["user"]["id"]

    def login(self, attr, email):
        token, expires = session_for(self.s, email)
        setattr(self, attr, token)
        self.sessions[attr] = [email, expires]
        return token

    def set_clock(self, at):
        r = self._set_clock(at)
        now = epoch(at)
        for attr, (email, expires) in list(self.sessions.items()):
            if now >= expires - 60:
                self.login(attr, email)
        return r

    def org(self, name, domain, plan):
        r = self.s.post("/api/v1/orgs", {"name": name, "domains": [domain], "plan": plan}, token=self.admin)
        return expect_status(r, 201, "org create").json["id"]

    def product(self, name, stage):
        expect_status(self.s.post("/api/v1/products", {"name": name, "stage": stage}, token=self.admin), 201,
                      "product create")

    def customer(self, attr, email, name="Carla"):
        """A verified customer of the organization owning the address's
        domain, signed in as self.<attr>; returns the token."""
        s = self.s
        s.set_clock(SETUP_AT)
        expect_status(s.post("/api/v1/signup", {"email": email, "password": PASSWORD, "name": name}), 201, "signup")
        mail = s.smtp.wait_for(email)
        token = re.search(r"token=([A-Za-z0-9_\-]+)", mail["data"]).group(1)
        expect_status(s.post("/api/v1/verify", {"token": token}), 200)
        return self.login(attr, email)


# The 201 of POST /api/v1/tickets: the ticket's id, terms and deadline;
# the rest (names, explanation, history) is read with GET.
CREATED_FIELDS = {"id", "priority", "plan", "stage", "environment", "status", "submitted_at",
                  "first_response_due", "warn_at", "sla"}


def file(d, who, at, **fields):
    """File a ticket as customer d.<who> at instant `at`; checks that the
    201 answer agrees with the ticket as GET shows it, and returns the
    latter."""
    d.set_clock(at)
    body = {"subject": "Checkout is down", "body": "Every payment fails."}
    body.update(fields)
    r = expect_status(d.s.post("/api/v1/tickets", body, token=getattr(d, who)), 201)
    created = r.json
    expect(set(created) == CREATED_FIELDS, created)
    expect(r.headers.get("Location") == "/api/v1/tickets/%d" % created["id"], r.headers)
    full = ticket(d.s, getattr(d, who), created["id"])
    for k in CREATED_FIELDS - {"sla"}:
        expect(created[k] == full[k], (k, created, full))
    expect(created["sla"] == {"state": full["sla"]["state"]}, (created, full))
    return full


def ticket(s, token, tid):
    return expect_status(s.get("/api/v1/tickets/%d" % tid, token=token), 200).json


def events(t, kind):
    return [e for e in t["history"] if e["kind"] == kind]


def world(s):
    """Three organizations on the three plans, a customer each, products."""
    d = Desk(s)
    d.pro_org = d.org("Acme", "acme.example", "professional")
    d.adv_org = d.org("Globex", "globex.example", "advanced")
    d.basic_org = d.org("Initech", "initech.example", "basic")
    d.product("Payments", "ga")
    d.product("Lab", "beta")
    d.customer("pro", "carla@acme.example", "Carla")
    d.customer("adv", "gina@globex.example", "Gina")
    d.customer("basic", "bill@initech.example", "Bill")
    return d


# ---- filing -----------------------------------------------------------------------

def test_file_professional_p2_friday_afternoon():
    with Server() as s:
        d = world(s)
        # Fri 16:30 CET: 30 min on Friday, 5 h 30 min on Monday -> Mon 14:30 CET.
        t = file(d, "pro", "2026-11-27T15:30:00Z", priority=2, product="Payments", impact="all shops")
        expect(t["priority"] == 2 and t["plan"] == "professional", t)
        expect(t["submitted_at"] == "2026-11-27T15:30:00Z", t)
        expect(t["first_response_due"] == "2026-11-30T13:30:00Z", t)
        # Warned with a quarter of 6 h (1 h 30 min) left: Mon 13:00 CET.
        expect(t["warn_at"] == "2026-11-30T12:00:00Z", t)
        expect(t["product"] == "Payments" and t["stage"] == "ga" and t["environment"] == "production", t)
        expect(t["impact"] == "all shops" and t["status"] == "open", t)
        sla = t["sla"]
        expect(sla["state"] == "active" and sla["target"] == "6 h business", sla)
        expect(sla["remaining_business_seconds"] == 6 * 3600, sla)
        expect(sla["explanation"] == "Fri 27 Nov 16:30-17:00 CET (30 min), Mon 30 Nov 09:00-14:30 CET (5 h 30 min)",
               sla)
        # The same shape when read back, with the 'created' event.
        g = ticket(s, d.pro, t["id"])
        expect(g["first_response_due"] == t["first_response_due"] and g["sla"]["state"] == "active", g)
        expect(g["body"] == "Every payment fails.", g)
        created = events(g, "created")
        expect(len(created) == 1 and created[0]["actor_name"] == "Carla", g["history"])
        expect(created[0]["at"] == "2026-11-27T15:30:00Z" and created[0]["data"]["due"] == "2026-11-30T13:30:00Z",
               created)
        # Monday 10:00 CET: 30 min + 1 h used, 4 h 30 min left.
        s.set_clock("2026-11-30T09:00:00Z")
        g = ticket(s, d.pro, t["id"])
        expect(g["sla"]["remaining_business_seconds"] == 4 * 3600 + 1800, g["sla"])
        # Monday 13:15 CET: past warn_at.
        s.set_clock("2026-11-30T12:15:00Z")
        expect(ticket(s, d.pro, t["id"])["sla"]["state"] == "warning")
        # Monday 15:00 CET: 30 min over.
        s.set_clock("2026-11-30T14:00:00Z")
        g = ticket(s, d.pro, t["id"])
        expect(g["sla"]["state"] == "breached" and g["sla"]["remaining_business_seconds"] == -1800, g["sla"])


def test_file_across_plans():
    with Server() as s:
        d = world(s)
        # Professional P1 Wed 14:00 CET + 3 h -> 17:00 CET.
        t = file(d, "pro", "2026-11-25T13:00:00Z", priority=1)
        expect(t["first_response_due"] == "2026-11-25T16:00:00Z", t)
        # Advanced P1 is 1 h around the clock: Saturday night is no obstacle.
        t = file(d, "adv", "2026-11-28T23:30:00Z", priority=1)
        expect(t["plan"] == "advanced" and t["first_response_due"] == "2026-11-29T00:30:00Z", t)
        expect(t["warn_at"] == "2026-11-29T00:15:00Z" and t["sla"]["target"] == "1 h 24/7", t)
        # Basic guarantees nothing.
        t = file(d, "basic", "2026-11-25T13:00:00Z", priority=1)
        expect(t["plan"] == "basic" and t["first_response_due"] is None and t["warn_at"] is None, t)
        expect(t["sla"]["state"] == "none" and t["sla"]["remaining_business_seconds"] is None, t)
        expect("plan 'basic'" in t["sla"]["explanation"], t)
        # Default priority: P3, 9 business hours (Wed 14:00 CET -> Thu 15:00 CET).
        t = file(d, "pro", "2026-11-25T13:00:00Z")
        expect(t["priority"] == 3 and t["first_response_due"] == "2026-11-26T14:00:00Z", t)


def test_stages_and_environments():
    with Server() as s:
        d = world(s)
        # A beta product carries no deadline, whatever the plan.
        t = file(d, "adv", "2026-11-25T13:00:00Z", priority=1, product="Lab")
        expect(t["stage"] == "beta" and t["first_response_due"] is None and t["sla"]["state"] == "none", t)
        expect("stage 'beta'" in t["sla"]["explanation"], t)
        s.set_clock("2026-11-25T13:00:00Z")
        # P1 and P2 are for production only, with the definition as the reason.
        r = s.post("/api/v1/tickets", {"subject": "s", "body": "b", "priority": 1, "environment": "staging"},
                   token=d.pro)
        expect_error(r, 422, "P1 (Business critical) is for production only, not staging: a complete loss of service")
        # The rule is said once (the definition's own "Production only:" is
        # left out), with the priority that does cover staging.
        expect("Production only" not in r.json["error"]["message"], r)
        expect(r.json["error"]["message"].endswith("staging environments. For staging, choose P3 (General issue)."), r)
        expect_error(s.post("/api/v1/tickets", {"subject": "s", "body": "b", "priority": 2,
                                                "environment": "development"}, token=d.pro),
                     422, "P2 (Degraded service) is for production only")
        # P3 from staging is fine.
        t = file(d, "pro", "2026-11-25T13:00:00Z", priority=3, environment="staging")
        expect(t["environment"] == "staging" and t["first_response_due"] == "2026-11-26T14:00:00Z", t)
        expect_error(s.post("/api/v1/tickets", {"subject": "s", "body": "b", "environment": "moon"}, token=d.pro),
                     422, "environment")
        expect_error(s.post("/api/v1/tickets", {"subject": "s", "body": "b", "product": "Nope"}, token=d.pro),
                     422, "unknown product 'Nope'")
        expect_error(s.post("/api/v1/tickets", {"subject": "s", "body": "b", "priority": 4}, token=d.pro),
                     422, "priority")
        # Nothing of the refused tickets was written.
        expect(db_query(s, "SELECT COUNT(*) FROM tickets")[0][0] == 2)


def test_one_connection_many_requests():
    """Requests kept alive on one connection share its state (server.c,
    conn_state) but nothing of one another: no earlier body, header or
    answer shows in a later one, whatever their sizes."""
    with Server() as s:
        d = world(s)
        s.set_clock("2026-11-25T13:00:00Z")
        host, port = s.url[len("http://"):].split(":")
        con = http.client.HTTPConnection(host, int(port), timeout=30)

        def send(method, path, body=None, token=d.pro, headers=None):
            h = {"Content-Type": "application/json"}
            if token:
                h["Authorization"] = "Bearer " + token
            h.update(headers or {})
            con.request(method, path, body=None if body is None else body.encode(), headers=h)
            r = con.getresponse()
            raw = r.read().decode()
            expect(not r.will_close, "the connection was not kept alive after %s %s" % (method, path))
            return r.status, dict(r.getheaders()), json.loads(raw) if raw else None

        st, _, first = send("POST", "/api/v1/tickets", json.dumps({"subject": "one", "body": "first body"}))
        expect(st == 201, first)
        # No body now: the earlier one must not be read again as this one's.
        st, _, err = send("POST", "/api/v1/tickets", "")
        expect(st == 400 and err["error"]["code"] == "eparse", (st, err))
        # A large body (the connection then lets its buffer go), then a small one.
        big = "x" * 60000
        st, _, second = send("POST", "/api/v1/tickets", json.dumps({"subject": "two", "body": big}))
        expect(st == 201, second)
        st, _, third = send("POST", "/api/v1/tickets", json.dumps({"subject": "three", "body": "b3"}))
        expect(st == 201, third)
        # A sign-in sets a cookie; the next answer on the connection has none.
        st, h, _ = send("POST", "/api/v1/login", json.dumps({"email": "carla@acme.example", "password": PASSWORD}),
                        token=None)
        expect(st == 200 and "Set-Cookie" in h, (st, h))
        st, h, _ = send("GET", "/api/v1/tickets/%d" % first["id"])
        expect(st == 200 and "Set-Cookie" not in h, (st, h))
        # An error, then a success: the error's message is gone.
        st, _, err = send("POST", "/api/v1/tickets", json.dumps({"subject": "s", "body": "b", "product": "Nope"}))
        expect(st == 422 and "unknown product" in err["error"]["message"], err)
        st, _, fourth = send("POST", "/api/v1/tickets", json.dumps({"subject": "four", "body": "b4"}))
        expect(st == 201 and "error" not in fourth, fourth)
        con.close()
        got = {t["id"]: (t["subject"], t["body"]) for t in (ticket(s, d.pro, x["id"])
                                                            for x in (first, second, third, fourth))}
        expect(got == {first["id"]: ("one", "first body"), second["id"]: ("two", big),
                       third["id"]: ("three", "b3"), fourth["id"]: ("four", "b4")}, got)
        expect(db_query(s, "SELECT COUNT(*) FROM tickets")[0][0] == 4)


def test_refused_and_filed_together():
    """Submissions at once share the writer's transactions: one refused
    there (an unknown product) fails alone, and each of the others is
    stored whole, with its own 201 (server.c, run_jobs)."""
    with Server() as s:
        d = world(s)
        s.set_clock("2026-11-25T13:00:00Z")
        results = {}

        def submit(i):
            body = {"subject": "ticket %d" % i, "body": "body %d" % i}
            if i % 3 == 0:
                body["product"] = "Nope %d" % i
            results[i] = s.post("/api/v1/tickets", body, token=d.pro)

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(60)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        filed = {}
        for i, r in sorted(results.items()):
            if i % 3 == 0:
                expect_error(r, 422, "unknown product 'Nope %d'" % i)
            else:
                expect_status(r, 201)
                filed[r.json["id"]] = i
        rows = db_query(s, "SELECT id, subject, body FROM tickets WHERE org_id = ?", (d.pro_org,))
        expect(sorted(rows) == sorted((tid, "ticket %d" % i, "body %d" % i) for tid, i in filed.items()), rows)
        expect(db_query(s, "PRAGMA integrity_check")[0][0] == "ok")


def test_bad_input_and_roles():
    with Server() as s:
        d = world(s)
        s.set_clock("2026-11-25T13:00:00Z")
        post = lambda body, **kw: s.post("/api/v1/tickets", body, **kw)  # noqa: E731
        expect_error(post({"subject": "x" * 1000000, "body": "b"}, token=d.pro), 422, "'subject' is longer")
        expect_error(post({"subject": "s", "body": "b" * 70000}, token=d.pro), 413, "'body' is longer")
        expect_error(post({"subject": "", "body": "b"}, token=d.pro), 422, "'subject' must not be empty")
        expect_error(post({"subject": "   ", "body": "b"}, token=d.pro), 422, "'subject' must not be empty")
        expect_error(post({"subject": "a\x01b", "body": "b"}, token=d.pro), 422, "control character")
        expect_error(post({"subject": "s"}, token=d.pro), 422, "'body' is required")
        expect_error(post({"subject": "s", "body": "b", "priority": "1"}, token=d.pro), 422, "'priority' must be")
        expect_error(post({"subject": "s", "body": "b", "colour": "red"}, token=d.pro), 422, "unknown field")
        expect_error(s.post("/api/v1/tickets", raw=b'{"subject": "s", "body": "b"', token=d.pro,
                            headers={"Content-Type": "application/json"}), 400, "malformed JSON")
        expect_error(s.post("/api/v1/tickets", raw=b'{"subject": "\xff\xfe", "body": "b"}', token=d.pro,
                            headers={"Content-Type": "application/json"}), 400)
        expect_error(post({"subject": "s", "body": "b"}), 401)
        expect_error(post({"subject": "s", "body": "b"}, token="not-a-session"), 401)
        # Only customers file tickets.
        # Staff file only for a customer (test_assign.py).
        expect_error(post({"subject": "s", "body": "b"}, token=d.agent), 422, "'requester' is required")
        expect_error(post({"subject": "s", "body": "b"}, token=d.admin), 422, "'requester' is required")
        expect(db_query(s, "SELECT COUNT(*) FROM tickets")[0][0] == 0)
        # Customers do not reclassify, see the queue or preview reclassification.
        t = file(d, "pro", "2026-11-25T13:00:00Z")
        expect_error(s.patch("/api/v1/tickets/%d" % t["id"], {"priority": 1, "reason": "x"}, token=d.pro), 403)
        expect_error(s.get("/api/v1/queue", token=d.pro), 403)
        expect_error(s.post("/api/v1/tickets/%d/reclassify-preview" % t["id"], {"priority": 1}, token=d.pro), 403)
        expect_error(s.get("/api/v1/tickets/999999", token=d.agent), 404)
        expect_error(s.get("/api/v1/tickets?priority=x", token=d.agent), 422, "priority")
        expect_error(s.get("/api/v1/tickets?breached=maybe", token=d.agent), 422, "breached")
        expect_error(s.get("/api/v1/tickets?limit=500", token=d.agent), 422, "limit")
        expect_error(s.get("/api/v1/queue?after=garbage", token=d.agent), 422, "cursor")


# ---- reclassification ------------------------------------------------------------

def test_reclassify_up_and_down():
    with Server() as s:
        d = world(s)
        # P3 Wed 10:00 CET: 9 h -> Thu 11:00 CET.
        t = file(d, "pro", "2026-11-25T09:00:00Z", priority=3)
        tid = t["id"]
        expect(t["first_response_due"] == "2026-11-26T10:00:00Z", t)
        # A preview at 15:00 CET changes nothing.
        s.set_clock("2026-11-25T14:00:00Z")
        p = expect_status(s.post("/api/v1/tickets/%d/reclassify-preview" % tid, {"priority": 1}, token=d.agent),
                          200).json
        expect(p["old_due"] == "2026-11-26T10:00:00Z" and p["new_due"] == "2026-11-26T09:00:00Z", p)
        expect(ticket(s, d.agent, tid)["priority"] == 3)
        # Raised to P1 at 15:00 CET: 3 h from the change: Wed 15-17 + Thu 09-10 -> Thu 10:00 CET.
        expect_error(s.patch("/api/v1/tickets/%d" % tid, {"priority": 1}, token=d.agent), 422, "'reason' is required")
        expect_error(s.patch("/api/v1/tickets/%d" % tid, {"priority": 3, "reason": "same"}, token=d.agent), 422,
                     "priority 3 already")
        expect_error(s.patch("/api/v1/tickets/%d" % tid, {"priority": 7, "reason": "x"}, token=d.agent), 422,
                     "priority")
        expect_error(s.patch("/api/v1/tickets/%d" % tid, {"priority": 1, "reason": "x" * 1001}, token=d.agent), 422,
                     "reason")
        r = expect_status(s.patch("/api/v1/tickets/%d" % tid, {"priority": 1, "reason": "all checkouts fail"},
                                  token=d.agent), 200).json
        expect(r["priority"] == 1 and r["first_response_due"] == "2026-11-26T09:00:00Z", r)
        expect(r["initial_priority"] == 3 and r["sla"]["target"] == "3 h business", r)
        # Its explanation counts from the change.
        expect(r["sla"]["clock_start"] == "2026-11-25T14:00:00Z", r["sla"])
        expect(r["sla"]["explanation"] == "Wed 25 Nov 15:00-17:00 CET (2 h), Thu 26 Nov 09:00-10:00 CET (1 h)",
               r["sla"])
        # Lowered to P2 at 16:00 CET: 6 h from submission -> Wed 16:00 CET, due this very second
        # (and past its warning, 14:30 CET).
        s.set_clock("2026-11-25T15:00:00Z")
        r = expect_status(s.patch("/api/v1/tickets/%d" % tid, {"priority": 2, "reason": "a workaround exists"},
                                  token=d.agent), 200).json
        expect(r["first_response_due"] == "2026-11-25T15:00:00Z" and r["sla"]["state"] == "warning", r)
        expect(r["sla"]["remaining_business_seconds"] == 0, r["sla"])
        s.set_clock("2026-11-25T15:00:01Z")
        expect(ticket(s, d.agent, tid)["sla"]["state"] == "breached")
        # The history says who, when, from, to, why, and both deadlines.
        g = ticket(s, d.pro, tid)
        ch = events(g, "priority_changed")
        expect(len(ch) == 2, g["history"])
        expect(ch[0]["actor_id"] == d.agent_id and ch[0]["at"] == "2026-11-25T14:00:00Z",
               ch[0])
        expect(ch[0]["data"] == {"from": 3, "to": 1, "reason": "all checkouts fail", "old_due": "2026-11-26T10:00:00Z",
                                 "new_due": "2026-11-26T09:00:00Z"}, ch[0])
        expect(ch[1]["data"] == {"from": 1, "to": 2, "reason": "a workaround exists",
                                 "old_due": "2026-11-26T09:00:00Z", "new_due": "2026-11-25T15:00:00Z"}, ch[1])
        # A P1 lowered to P3: 9 h from submission (case 30).
        t = file(d, "pro", "2026-11-25T09:00:00Z", priority=1)
        expect(t["first_response_due"] == "2026-11-25T12:00:00Z", t)
        s.set_clock("2026-11-25T10:00:00Z")
        r = expect_status(s.patch("/api/v1/tickets/%d" % t["id"], {"priority": 3, "reason": "a how-to question"},
                                  token=d.agent), 200).json
        expect(r["first_response_due"] == "2026-11-26T10:00:00Z", r)
        # Agents may reclassify a staging ticket to P1: the environment rule binds customers.
        t = file(d, "pro", "2026-11-25T09:00:00Z", priority=3, environment="staging")
        s.set_clock("2026-11-25T10:00:00Z")
        r = expect_status(s.patch("/api/v1/tickets/%d" % t["id"], {"priority": 1, "reason": "blocks a release"},
                                  token=d.agent), 200).json
        expect(r["priority"] == 1 and r["first_response_due"] == "2026-11-25T13:00:00Z", r)


def test_status_changes():
    with Server() as s:
        d = world(s)
        t = file(d, "pro", "2026-11-25T09:00:00Z")
        s.set_clock("2026-11-25T10:00:00Z")
        r = expect_status(s.patch("/api/v1/tickets/%d" % t["id"], {"status": "pending"}, token=d.agent), 200).json
        expect(r["status"] == "pending", r)
        expect_error(s.patch("/api/v1/tickets/%d" % t["id"], {"status": "pending"}, token=d.agent), 422, "already")
        expect_error(s.patch("/api/v1/tickets/%d" % t["id"], {"status": "lost"}, token=d.agent), 422, "status")
        expect_error(s.patch("/api/v1/tickets/%d" % t["id"], {}, token=d.agent), 422, "nothing to change")
        ev = events(ticket(s, d.agent, t["id"]), "status_changed")
        expect(len(ev) == 1 and ev[0]["data"]["from"] == "open" and ev[0]["data"]["to"] == "pending", ev)
        expect_error(s.patch("/api/v1/tickets/999999", {"status": "open"}, token=d.agent), 404)


def test_follow_ups_reopen_and_closed_tickets():
    """Everything that waits for the desk is in the queue: a customer's
    follow-up on an answered ticket, a reply on a pending or solved one
    (which opens it again) are listed by GET /queue/follow-ups, longest
    waiting first, until the desk answers in public. A closed ticket takes
    no reply; the customer files a follow-up ticket that names it."""
    with Server() as s:
        d = world(s)

        def reply(tid, body, token, public=True):
            return s.post("/api/v1/tickets/%d/replies" % tid, {"body": body, "public": public}, token=token)

        def waiting():
            r = expect_status(s.get("/api/v1/queue/follow-ups", token=d.agent), 200).json
            return [(t["id"], t["awaiting_reply_since"]) for t in r["tickets"]]

        a = file(d, "pro", "2026-11-25T09:00:00Z")["id"]
        b = file(d, "pro", "2026-11-25T09:05:00Z")["id"]
        # Before the first response a customer's message changes nothing:
        # the ticket is in the queue by its deadline.
        expect_status(reply(a, "Any news?", d.pro), 201)
        t = ticket(s, d.agent, a)
        expect(t["awaiting_reply_since"] is None and t["status"] == "open", t)
        expect(waiting() == [], waiting())
        d.set_clock("2026-11-25T10:00:00Z")
        for tid in (a, b):
            expect_status(reply(tid, "We are looking into it.", d.agent), 201)
        # A follow-up on an answered ticket waits for the desk.
        d.set_clock("2026-11-25T11:00:00Z")
        expect_status(reply(b, "Thanks, any update?", d.pro), 201)
        d.set_clock("2026-11-25T11:30:00Z")
        expect_status(reply(a, "It fails again.", d.pro), 201)
        expect(waiting() == [(b, "2026-11-25T11:00:00Z"), (a, "2026-11-25T11:30:00Z")], waiting())
        # A second message does not move it back in the line.
        d.set_clock("2026-11-25T11:40:00Z")
        expect_status(reply(b, "Hello?", d.pro), 201)
        expect(waiting()[0] == (b, "2026-11-25T11:00:00Z"), waiting())
        # Pages: the cursor carries on where the page ended.
        p1 = expect_status(s.get("/api/v1/queue/follow-ups?limit=1", token=d.agent), 200).json
        expect([t["id"] for t in p1["tickets"]] == [b] and p1["next"], p1)
        p2 = expect_status(s.get("/api/v1/queue/follow-ups?limit=1&after=" + p1["next"], token=d.agent), 200).json
        expect([t["id"] for t in p2["tickets"]] == [a], p2)
        expect_error(s.get("/api/v1/queue/follow-ups?after=yesterday", token=d.agent), 422, "'after'")
        expect_error(s.get("/api/v1/queue/follow-ups", token=d.pro), 403)
        # An internal note is not an answer; a public reply is.
        expect_status(reply(b, "Checking the logs.", d.agent, public=False), 201)
        expect(len(waiting()) == 2)
        expect_status(reply(b, "Fixed on our side.", d.agent), 201)
        expect(waiting() == [(a, "2026-11-25T11:30:00Z")], waiting())
        expect(ticket(s, d.agent, b)["awaiting_reply_since"] is None)
        # Pending waits for the customer; their reply opens it again.
        expect_status(s.patch("/api/v1/tickets/%d" % a, {"status": "pending"}, token=d.agent), 200)
        expect(waiting() == [], waiting())
        d.set_clock("2026-11-25T12:00:00Z")
        expect_status(reply(a, "Here are the logs.", d.pro), 201)
        t = ticket(s, d.agent, a)
        expect(t["status"] == "open" and t["awaiting_reply_since"] == "2026-11-25T12:00:00Z", t)
        ev = events(t, "status_changed")[-1]
        expect(ev["data"] == {"from": "pending", "to": "open", "reason": "the customer replied"}, ev)
        expect(waiting() == [(a, "2026-11-25T12:00:00Z")], waiting())
        # A solved ticket reopens.
        expect_status(s.patch("/api/v1/tickets/%d" % b, {"status": "solved"}, token=d.agent), 200)
        d.set_clock("2026-11-25T13:00:00Z")
        expect_status(reply(b, "It broke again.", d.pro), 201)
        t = ticket(s, d.pro, b)
        expect(t["status"] == "open", t)
        expect(events(t, "status_changed")[-1]["data"]["reason"] == "reopened: the customer replied", t["history"])
        expect([x[0] for x in waiting()] == [a, b], waiting())
        # A closed ticket takes no reply, from anyone; it leaves the queue.
        expect_status(s.patch("/api/v1/tickets/%d" % b, {"status": "closed"}, token=d.agent), 200)
        expect([x[0] for x in waiting()] == [a], waiting())
        for token in (d.pro, d.agent):
            expect_error(reply(b, "one more thing", token), 409,
                         "ticket #%d is closed and takes no reply: file a new ticket with 'follow_up_of': %d" % (b, b))
        # The follow-up ticket names it.
        r = expect_status(s.post("/api/v1/tickets", {"subject": "Checkout down again", "body": "Since noon.",
                                                     "follow_up_of": b}, token=d.pro), 201).json
        f = ticket(s, d.pro, r["id"])
        expect(f["follow_up_of"] == b and f["status"] == "open" and f["first_response_due"], f)
        expect(ticket(s, d.pro, a)["follow_up_of"] is None)
        for of, frag in ((a, "ticket #%d is open, not closed: reply on it instead" % a), (999999, "no ticket #999999 of yours"),
                         (0, "'follow_up_of' must be a ticket id"), ("7", "'follow_up_of'")):
            expect_error(s.post("/api/v1/tickets", {"subject": "s", "body": "b", "follow_up_of": of}, token=d.pro),
                         422, frag)
        # Another organization's closed ticket is not one to follow up.
        g = file(d, "adv", "2026-11-25T13:00:00Z")["id"]
        expect_status(s.patch("/api/v1/tickets/%d" % g, {"status": "closed"}, token=d.agent), 200)
        expect_error(s.post("/api/v1/tickets", {"subject": "s", "body": "b", "follow_up_of": g}, token=d.pro),
                     422, "no ticket #%d of yours" % g)


# ---- replies and the first response ------------------------------------------------

def test_first_reply_met_and_internal_note():
    with Server() as s:
        d = world(s)
        t = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)
        tid = t["id"]
        # The customer adds detail: the clock runs on.
        s.set_clock("2026-11-28T10:00:00Z")
        r = expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "Still failing."}, token=d.pro), 201)
        expect(r.json["first_response"] is False and r.json["first_response_at"] is None, r)
        expect_error(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "psst", "public": False}, token=d.pro), 403,
                     "internal notes")
        # An internal note on Monday 10:00 CET does not stop it either.
        s.set_clock("2026-11-30T09:00:00Z")
        r = expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "Looks like the PSP.", "public": False},
                                 token=d.agent), 201).json
        expect(r["first_response"] is False and r["sla"]["state"] == "active", r)
        # The first public reply, Mon 11:00 CET: met; 30 min + 2 h business, 2 d 18 h 30 min wall.
        s.set_clock("2026-11-30T10:00:00Z")
        r = expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "We are on it.", "public": True},
                                 token=d.agent), 201).json
        expect(r["first_response"] is True and r["first_response_at"] == "2026-11-30T10:00:00Z", r)
        expect(r["sla"]["state"] == "met" and r["sla"]["remaining_business_seconds"] == 3 * 3600 + 1800, r["sla"])
        expect(r["reply"]["public"] is True and r["reply"]["body"] == "We are on it.", r)
        # A second public reply changes nothing.
        s.set_clock("2026-11-30T15:00:00Z")
        r = expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "Fixed."}, token=d.agent), 201).json
        expect(r["first_response"] is False and r["first_response_at"] == "2026-11-30T10:00:00Z", r)
        g = ticket(s, d.agent, tid)
        fr = events(g, "first_response")
        expect(len(fr) == 1, g["history"])
        expect(fr[0]["data"]["met"] is True and fr[0]["data"]["business_seconds"] == 9000, fr)
        expect(fr[0]["data"]["wall_seconds"] == 2 * 86400 + 18 * 3600 + 1800, fr)
        expect(fr[0]["data"]["due"] == "2026-11-30T13:30:00Z" and fr[0]["at"] == "2026-11-30T10:00:00Z", fr)
        expect(len(g["conversation"]) == 4 and len(events(g, "noted")) == 1, g)
        # The customer sees neither the note nor its event.
        c = ticket(s, d.pro, tid)
        expect(len(c["conversation"]) == 3 and all(m["public"] for m in c["conversation"]), c["conversation"])
        expect(not events(c, "noted") and len(events(c, "first_response")) == 1, c["history"])
        expect(c["conversation"][0]["author_name"] == "Carla" and c["conversation"][0]["at"] == "2026-11-28T10:00:00Z",
               c["conversation"])
        # After the first response the deadline is history: reclassifying keeps it.
        r = expect_status(s.patch("/api/v1/tickets/%d" % tid, {"priority": 1, "reason": "late escalation"},
                                  token=d.agent), 200).json
        expect(r["priority"] == 1 and r["first_response_due"] == "2026-11-30T13:30:00Z" and r["sla"]["state"] == "met",
               r)


def test_first_reply_breached():
    with Server() as s:
        d = world(s)
        # Professional P1 Wed 14:00 CET, due 17:00 CET; answered Thu 10:00 CET.
        t = file(d, "pro", "2026-11-25T13:00:00Z", priority=1)
        s.set_clock("2026-11-26T09:00:00Z")
        r = expect_status(s.post("/api/v1/tickets/%d/replies" % t["id"], {"body": "Sorry for the wait."},
                                 token=d.admin), 201).json
        expect(r["sla"]["state"] == "breached" and r["sla"]["remaining_business_seconds"] == -3600, r["sla"])
        fr = events(ticket(s, d.agent, t["id"]), "first_response")
        expect(fr[0]["data"]["met"] is False and fr[0]["data"]["business_seconds"] == 4 * 3600, fr)
        expect(fr[0]["data"]["wall_seconds"] == 20 * 3600, fr)
        # Listed as breached, and no longer in the queue.
        r = expect_status(s.get("/api/v1/tickets?breached=true", token=d.agent), 200).json
        expect([x["id"] for x in r["tickets"]] == [t["id"]], r)
        q = expect_status(s.get("/api/v1/queue", token=d.agent), 200).json
        expect(q["tickets"] == [], q)


def test_other_organization_sees_nothing():
    with Server() as s:
        d = world(s)
        t = file(d, "pro", "2026-11-25T13:00:00Z", priority=1)
        tid = t["id"]
        for token in (d.adv, d.basic):
            r = expect_error(s.get("/api/v1/tickets/%d" % tid, token=token), 404, "not found")
            missing = expect_error(s.get("/api/v1/tickets/999999", token=token), 404)
            expect(r.json["error"]["message"].replace(str(tid), "N") ==
                   missing.json["error"]["message"].replace("999999", "N"), (r, missing))
            expect_error(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "mine now"}, token=token), 404)
            expect_error(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "x", "public": False}, token=token), 404)
            lst = expect_status(s.get("/api/v1/tickets", token=token), 200).json
            expect(lst["tickets"] == [], lst)
            # Asking for another organization's tickets still shows only one's own.
            lst = expect_status(s.get("/api/v1/tickets?org=%d" % d.pro_org, token=token), 200).json
            expect(lst["tickets"] == [], lst)
        expect(len(ticket(s, d.pro, tid)["conversation"]) == 0)
        expect(expect_status(s.get("/api/v1/tickets", token=d.pro), 200).json["tickets"][0]["id"] == tid)


# ---- listing and the queue ----------------------------------------------------------

def test_list_filters_and_pagination():
    with Server() as s:
        d = world(s)
        ids = [file(d, "pro", "2026-11-25T09:%02d:00Z" % i, priority=1 + i % 3)["id"] for i in range(5)]
        adv = file(d, "adv", "2026-11-25T09:30:00Z", priority=3)["id"]
        s.set_clock("2026-11-25T10:00:00Z")
        seen, after = [], None
        while True:
            r = expect_status(s.get("/api/v1/tickets?limit=2" + ("&after=" + after if after else ""),
                                    token=d.agent), 200).json
            seen += [x["id"] for x in r["tickets"]]
            expect(all("sla" in x and "first_response_due" in x for x in r["tickets"]), r)
            after = r["next"]
            if not after:
                break
        expect(seen == sorted(ids + [adv], reverse=True), seen)
        # Customers page through their own organization only.
        r = expect_status(s.get("/api/v1/tickets?limit=3", token=d.pro), 200).json
        expect([x["id"] for x in r["tickets"]] == ids[::-1][:3] and r["next"], r)
        r = expect_status(s.get("/api/v1/tickets?limit=3&after=" + r["next"], token=d.pro), 200).json
        expect([x["id"] for x in r["tickets"]] == ids[::-1][3:], r)
        r = expect_status(s.get("/api/v1/tickets?priority=1", token=d.agent), 200).json
        expect(sorted(x["id"] for x in r["tickets"]) == [ids[0], ids[3]], r)
        r = expect_status(s.get("/api/v1/tickets?plan=advanced", token=d.agent), 200).json
        expect([x["id"] for x in r["tickets"]] == [adv], r)
        r = expect_status(s.get("/api/v1/tickets?org=%d" % d.adv_org, token=d.agent), 200).json
        expect([x["id"] for x in r["tickets"]] == [adv], r)
        r = expect_status(s.get("/api/v1/tickets?status=solved", token=d.agent), 200).json
        expect(r["tickets"] == [], r)
        # P1 filed 10:00 CET is due 13:00 CET; at 13:00:01 CET it is breached.
        s.set_clock("2026-11-25T12:00:01Z")
        r = expect_status(s.get("/api/v1/tickets?breached=true", token=d.agent), 200).json
        expect([x["id"] for x in r["tickets"]] == [ids[0]], r)
        expect(r["tickets"][0]["sla"]["state"] == "breached", r)
        r = expect_status(s.get("/api/v1/tickets?breached=false", token=d.agent), 200).json
        expect(ids[0] not in [x["id"] for x in r["tickets"]] and len(r["tickets"]) == 5, r)


def test_queue_breached_first_then_by_deadline():
    with Server() as s:
        d = world(s)
        # Wed 10:00 CET: professional P3 (due Thu 11:00 CET), P1 (due 13:00 CET).
        p3 = file(d, "pro", "2026-11-25T09:00:00Z", priority=3)["id"]
        p1 = file(d, "pro", "2026-11-25T09:00:00Z", priority=1)["id"]
        # Basic: no deadline, last in the queue.
        basic = file(d, "basic", "2026-11-25T09:00:00Z", priority=1)["id"]
        # Wed 14:00 CET: professional P2 due Thu 12:00 CET; advanced P1 due 14:00Z.
        p2 = file(d, "pro", "2026-11-25T13:00:00Z", priority=2)["id"]
        a1 = file(d, "adv", "2026-11-25T13:00:00Z", priority=1)["id"]
        # Answered: not in the queue.
        done = file(d, "pro", "2026-11-25T13:00:00Z", priority=1)["id"]
        s.set_clock("2026-11-25T13:30:00Z")
        expect_status(s.post("/api/v1/tickets/%d/replies" % done, {"body": "On it."}, token=d.agent), 201)
        # 15:10 CET: the P1 (13:00 CET) is breached; advanced due 15:00 CET breached too;
        # then P3 (Thu 11:00 CET) before P2 (Thu 12:00 CET); basic last.
        s.set_clock("2026-11-25T14:10:00Z")
        q = expect_status(s.get("/api/v1/queue", token=d.agent), 200).json
        order = [x["id"] for x in q["tickets"]]
        expect(order == [p1, a1, p3, p2, basic], (order, [p1, a1, p3, p2, basic]))
        states = [x["sla"]["state"] for x in q["tickets"]]
        expect(states == ["breached", "breached", "active", "active", "none"], states)
        # Remaining business time: P1 2 h 10 min late (13:00-15:10 CET); advanced 10 min late (wall);
        # P3: 15:10-17:00 (1 h 50 min) + Thu 09:00-11:00 (2 h); P2: 1 h 50 min + Thu 09:00-12:00.
        rem = [x["sla"]["remaining_business_seconds"] for x in q["tickets"]]
        expect(rem == [-7800, -600, 3 * 3600 + 50 * 60, 4 * 3600 + 50 * 60, None], rem)
        # Pages of two follow the same order.
        seen, after = [], None
        for _ in range(5):
            r = expect_status(s.get("/api/v1/queue?limit=2" + ("&after=" + after if after else ""), token=d.agent),
                              200).json
            seen += [x["id"] for x in r["tickets"]]
            after = r["next"]
            if not after:
                break
        expect(seen == order, seen)
        # Filters.
        r = expect_status(s.get("/api/v1/queue?plan=advanced", token=d.agent), 200).json
        expect([x["id"] for x in r["tickets"]] == [a1], r)
        r = expect_status(s.get("/api/v1/queue?priority=1", token=d.agent), 200).json
        expect([x["id"] for x in r["tickets"]] == [p1, a1, basic], r)
        r = expect_status(s.get("/api/v1/queue?org=%d&limit=1" % d.pro_org, token=d.agent), 200).json
        expect([x["id"] for x in r["tickets"]] == [p1] and r["next"], r)
        r = expect_status(s.get("/api/v1/queue?org=%d&limit=5&after=%s" % (d.pro_org, r["next"]), token=d.agent),
                          200).json
        expect([x["id"] for x in r["tickets"]] == [p3, p2], r)
        # Solved tickets leave the queue even without an answer.
        expect_status(s.patch("/api/v1/tickets/%d" % p3, {"status": "solved"}, token=d.agent), 200)
        q = expect_status(s.get("/api/v1/queue", token=d.agent), 200).json
        expect(p3 not in [x["id"] for x in q["tickets"]], q)


def test_same_shape_everywhere():
    with Server() as s:
        d = world(s)
        t = file(d, "pro", "2026-11-25T09:00:00Z", priority=2, product="Payments")
        s.set_clock("2026-11-25T10:00:00Z")
        g = ticket(s, d.agent, t["id"])
        listed = expect_status(s.get("/api/v1/tickets", token=d.agent), 200).json["tickets"][0]
        queued = expect_status(s.get("/api/v1/queue", token=d.agent), 200).json["tickets"][0]
        # requester_bouncing: staff only, on the detail (docs/mail.md).
        detail_only = {"body", "history", "conversation", "requester_bouncing", "attachments"}
        # Staff see the assignment and the last update besides; customers
        # do not (test_assign.py, test_updated_at_counts_what_people_did).
        staff_only = {"assignee_id", "assignee_name", "group_id", "group_name", "updated_at"}
        expect(set(g) - detail_only == set(listed) == set(queued), (sorted(g), sorted(listed)))
        expect(set(t) - detail_only == set(listed) - staff_only, (sorted(t), sorted(listed)))
        expect(set(t["sla"]) == set(listed["sla"]) == set(queued["sla"]) == set(g["sla"]), t["sla"])
        for k in ("first_response_due", "warn_at", "submitted_at", "product", "stage", "org_name", "requester_name"):
            expect(t[k] == g[k] == listed[k] == queued[k], k)
        expect(g["sla"] == listed["sla"] == queued["sla"], (g["sla"], listed["sla"]))
        expect(t["org_name"] == "Acme" and t["requester_name"] == "Carla", t)


def test_updated_at_counts_what_people_did():
    """updated_at (the queue's "last update"): the ticket's latest change by
    a person, the same in the detail, the list and the queue; the SLA
    monitor's warning and breach do not count; customers never see it (an
    internal note moves it)."""
    with Server() as s:
        d = world(s)
        # Professional P1 Wed 25 Nov 14:00 CET: warned 16:15, due 17:00 CET.
        t = file(d, "pro", "2026-11-25T13:00:00Z", priority=1)
        tid = t["id"]

        def seen(at):
            g = ticket(s, d.agent, tid)
            listed = [x for x in expect_status(s.get("/api/v1/tickets", token=d.agent), 200).json["tickets"]
                      if x["id"] == tid]
            queued = [x for x in expect_status(s.get("/api/v1/queue", token=d.agent), 200).json["tickets"]
                      if x["id"] == tid]
            expect(g["updated_at"] == at and listed[0]["updated_at"] == at, (at, g["updated_at"], listed))
            expect(not queued or queued[0]["updated_at"] == at, (at, queued))

        seen("2026-11-25T13:00:00Z")
        # Past the deadline: the monitor's warning and breach are history,
        # but nobody touched the ticket.
        s.set_clock("2026-11-25T17:00:00Z")
        s.wait_rounds()
        g = ticket(s, d.agent, tid)
        expect(events(g, "sla_warning") and events(g, "sla_breach"), g["history"])
        seen("2026-11-25T13:00:00Z")
        # An internal note moves it; the customer sees no updated_at at all.
        s.set_clock("2026-11-26T08:30:00Z")
        expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "PSP?", "public": False}, token=d.agent),
                      201)
        seen("2026-11-26T08:30:00Z")
        c = ticket(s, d.pro, tid)
        mine = expect_status(s.get("/api/v1/tickets", token=d.pro), 200).json["tickets"]
        expect("updated_at" not in c and all("updated_at" not in x for x in mine), (c, mine))
        # So do the customer's reply, and an agent's change of status.
        s.set_clock("2026-11-26T09:10:00Z")
        expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "Any news?"}, token=d.pro), 201)
        seen("2026-11-26T09:10:00Z")
        s.set_clock("2026-11-26T09:20:00Z")
        expect_status(s.patch("/api/v1/tickets/%d" % tid, {"status": "pending"}, token=d.agent), 200)
        seen("2026-11-26T09:20:00Z")


# ---- previews ----------------------------------------------------------------------

def test_deadline_preview():
    with Server() as s:
        d = world(s)
        s.set_clock("2026-11-27T15:30:00Z")
        r = expect_status(s.post("/api/v1/deadline/preview", {"priority": 2}, token=d.pro), 200).json
        expect(r["plan"] == "professional" and r["first_response_due"] == "2026-11-30T13:30:00Z", r)
        expect(r["sla"]["target"] == "6 h business", r)
        r = expect_status(s.post("/api/v1/deadline/preview", {"priority": 2, "product": "Lab"}, token=d.pro), 200).json
        expect(r["first_response_due"] is None and r["stage"] == "beta", r)
        expect_error(s.post("/api/v1/deadline/preview", {"priority": 1, "environment": "staging"}, token=d.pro), 422,
                     "production only")
        expect_error(s.post("/api/v1/deadline/preview", {"plan": "advanced"}, token=d.pro), 422, "for staff")
        s.set_clock("2026-11-28T23:30:00Z")
        r = expect_status(s.post("/api/v1/deadline/preview", {"priority": 1, "plan": "advanced"}, token=d.agent),
                          200).json
        expect(r["first_response_due"] == "2026-11-29T00:30:00Z", r)
        expect_error(s.post("/api/v1/deadline/preview", {"priority": 1}, token=d.agent), 422, "'plan' is required")
        expect_error(s.post("/api/v1/deadline/preview", {"plan": "gold"}, token=d.agent), 422, "unknown plan")
        # Nothing was filed.
        expect(db_query(s, "SELECT COUNT(*) FROM tickets")[0][0] == 0)


def test_history_is_append_only():
    with Server() as s:
        d = world(s)
        t = file(d, "pro", "2026-11-25T09:00:00Z")
        path = "/api/v1/tickets/%d" % t["id"]
        # No route edits or deletes the history.
        expect(s.delete(path, token=d.admin).status in (404, 405))
        expect(s.put(path, {"history": []}, token=d.admin).status in (404, 405))
        expect(s.delete(path + "/history", token=d.admin).status in (404, 405))
        # And the database refuses it whatever the code: the events, and
        # the ticket row's columns that are its 'created' event.
        expect_status(s.patch(path, {"priority": 2, "reason": "Degraded, not down"}, token=d.agent), 200)
        con = sqlite3.connect(s.db, timeout=10)
        try:
            for sql in ("UPDATE ticket_events SET kind = 'x'", "DELETE FROM ticket_events",
                        "UPDATE tickets SET initial_due = initial_due + 3600", "UPDATE tickets SET plan = 'basic'",
                        "UPDATE tickets SET initial_priority = 3", "UPDATE tickets SET submitted_at = 0"):
                try:
                    with con:
                        con.execute(sql)
                    expect(False, "the history accepted: " + sql)
                except sqlite3.DatabaseError as e:
                    expect("append-only" in str(e), e)
        finally:
            con.close()
        history = ticket(s, d.agent, t["id"])["history"]
        expect([e["kind"] for e in history] == ["created", "priority_changed"], history)
        expect(history[0]["data"]["due"] == t["first_response_due"] and history[0]["data"]["priority"] == 3, history)


if __name__ == "__main__":
    run(globals(), "tickets")
