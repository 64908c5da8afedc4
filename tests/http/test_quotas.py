"""test_quotas.py - quotas per customer and organization (issue 13, finding
5): one customer filed 252,000 tickets in 10 s, and 64 parallel filtered
lists of one customer slowed every other organization. Now filing,
replying and expensive reads are counted per user and per organization
(serve --limits), answered 429 with Retry-After when spent, refilled with
time (the test clock), and staff are never limited. The cap on one
organization's concurrent expensive reads is tested in
tests/desk/test_limits.c (it needs queries in flight at once)."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run  # noqa: E402
from test_bad_input import PASSWORD, customer  # noqa: E402

LIMITS = "file-user=30/min:3,file-org=60/min:4,reply-user=60/min:2,reply-org=600/min:100,read-user=60/min:4"


def file(s, tok, n=1):
    return s.post("/api/v1/tickets", {"subject": "Ticket %d" % n, "body": "Body."}, token=tok)


def test_filing_is_counted_per_user_and_organization():
    with Server(limits=LIMITS) as s:
        s.set_clock("2026-11-16T09:00:00Z")
        ana = customer(s, "ana@acme.example")
        ben = customer(s, "ben@acme.example")
        eve = customer(s, "eve@globex.example")
        for i in range(3):
            expect_status(file(s, ana, i), 201)
        # Her own bucket is empty: 30 a minute is one every 2 s.
        r = expect_error(file(s, ana), 429, "you have filed too many tickets")
        expect(r.headers.get("Retry-After") == "2", r.headers)
        # Her organization has one left (4): Ben gets it, then the org is spent.
        expect_status(file(s, ben), 201)
        r = expect_error(file(s, ben), 429, "your organization has filed too many tickets")
        expect(r.headers.get("Retry-After") == "1", r.headers)
        # Another organization is not held up by Acme.
        expect_status(file(s, eve), 201)
        # Time refills: 2 s give Ana a token and Acme two.
        s.set_clock("2026-11-16T09:00:02Z")
        expect_status(file(s, ana), 201)
        expect_status(file(s, ben), 201)
        expect_error(file(s, ben), 429)
        # The refused requests filed nothing.
        s.add_staff("agent@vendor.example", "agent", PASSWORD)
        agent = s.login("agent@vendor.example", PASSWORD)
        r = expect_status(s.get("/api/v1/tickets?limit=50", token=agent), 200)
        expect(r.json["count"] == 7, r.json)


def test_replies_and_searches_of_customers_not_staff():
    with Server(limits=LIMITS) as s:
        s.set_clock("2026-11-16T09:00:00Z")
        ana = customer(s, "ana@acme.example")
        tid = expect_status(file(s, ana), 201).json["id"]
        s.add_staff("agent@vendor.example", "agent", PASSWORD)
        agent = s.login("agent@vendor.example", PASSWORD)
        for i in range(2):
            expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "More %d" % i}, token=ana), 201)
        r = expect_error(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "And more"}, token=ana), 429,
                         "too many replies")
        expect(r.headers.get("Retry-After") == "1", r.headers)
        for i in range(5):  # staff answer without a quota
            expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "Answer %d" % i}, token=agent), 201)
        # Four filtered lists or searches, then 429; a plain page is not counted.
        for q in ("?q=ticket", "?status=open", "?breached=true", "?priority=3"):
            expect_status(s.get("/api/v1/tickets" + q, token=ana), 200)
        expect_error(s.get("/api/v1/tickets?q=ticket", token=ana), 429, "searches")
        expect_status(s.get("/api/v1/tickets", token=ana), 200)
        for _ in range(6):
            expect_status(s.get("/api/v1/tickets?q=ticket", token=agent), 200)


def test_limits_option_is_checked():
    import subprocess
    from harness import GARANT
    for bad in ("file-usr=1/min", "file-user=5", "none,file-user=1/min"):
        p = subprocess.run([GARANT, "serve", "--db", "/nonexistent/x.db", "--limits", bad], capture_output=True)
        expect(p.returncode == 2, "--limits %s: exit %d %s" % (bad, p.returncode, p.stderr))
        expect(b"--limits" in p.stderr, p.stderr)


if __name__ == "__main__":
    run(globals(), "quotas")
