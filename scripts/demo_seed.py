#!/usr/bin/env python3
"""demo_seed.py - fill a fresh database with demo data for `make demo`.

Usage: scripts/demo_seed.py BINARY DB

Everything goes through the product itself, so the demo shows exactly the
records the service writes (deadlines, history events, first responses,
warnings and breaches): staff accounts through `garant user add`, the rest
through the HTTP API of a `garant serve --test-clock` started on a free
loopback port with a local SMTP receiver for the verification mails
(tests/http/harness.py). The test clock is what lets a ticket be filed
days ago: the script walks the clock forward through one timeline of
submissions, replies, reclassifications and status changes, all relative to
the real time now, then sets the clock to that instant, lets the SLA
monitor record what is due, and stops the server. scripts/demo.sh then
serves the file without the test clock.

Tickets end up in every state (relative to now):
  awaiting, within the deadline      Acme P3, filed 20 min ago
  awaiting, warned (75 % elapsed)    Globex P1 (1 h around the clock), filed
                                     48 min ago: it breaches 12 min into the demo
  awaiting, breached                 Acme P1 filed 5 days ago; Globex P1 3 h ago
  answered in time                   Globex P2, answered after 40 min
  answered late                      Globex P1, answered after 2 h 30 min
  reclassified, with a reason        Acme P3 -> P1 (raised), Globex P1 -> P3 (lowered)
  beta product, no deadline          Globex P2 on "Garant Insights" (beta)
  basic plan, no guarantee           Initech P3
  pending / solved / closed          answered tickets moved on by the agent
  a day's queue                      20 more tickets awaiting a first response,
                                     filed over the last 30 hours (backlog():
                                     the queue shows a screen of tickets)
Prints the logins as JSON on the last line of stdout.
"""
import calendar
import heapq
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "http"))
sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
import harness  # noqa: E402

PASSWORD = "garant-demo"
STAFF = [("admin@garant.example", "admin", "Vera Admin"), ("agent@garant.example", "agent", "Adam Agent")]
ORGS = [("Acme s.r.o.", "acme.example", "professional"), ("Globex a.s.", "globex.example", "advanced"),
        ("Initech s.r.o.", "initech.example", "basic")]
CUSTOMERS = [("jana@acme.example", "Jana Nováková"), ("peter@globex.example", "Peter Horváth"),
             ("milton@initech.example", "Milton Waddams")]
PRODUCTS = [("Garant Desk", "ga"), ("Garant Insights", "beta")]

MIN = 60
HOUR = 3600
DAY = 86400


def die(msg):
    sys.stderr.write("demo_seed: %s\n" % msg)
    sys.exit(1)


def ok(resp, what):
    if not 200 <= resp.status < 300:
        die("%s: %r" % (what, resp))
    return resp.json


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_time(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


class Demo:
    def __init__(self, s, now):
        self.s = s
        self.now = now
        self.tokens = {}
        self.tickets = {}   # key -> id
        self.clock = None

    def at(self, t):
        """Move the test clock to t (only forward: the history is a timeline)."""
        if self.clock is None or t > self.clock:
            self.s.set_clock(rfc3339(t))
            self.clock = t

    def call(self, method, path, body, who, what):
        """A request as `who`; logs in again when the session has expired
        (the test clock jumps days ahead)."""
        for attempt in (0, 1):
            if attempt or who not in self.tokens:
                self.tokens[who] = self.s.login(who, PASSWORD)
            r = self.s.request(method, path, body, token=self.tokens[who])
            if r.status != 401:
                break
        return ok(r, what)

    def get(self, key):
        return self.call("GET", "/api/v1/tickets/%d" % self.tickets[key], None, STAFF[1][0],
                         "reading ticket %s" % key)

    def await_monitor(self, key, kind):
        """If the ticket still awaits its first response and the instant of
        `kind` has passed on the clock, let the SLA monitor record it before
        the timeline goes on, so that the history reads in order."""
        t = self.get(key)
        field = "warn_at" if kind == "sla_warning" else "first_response_due"
        if t["first_response_at"] or t["status"] not in ("open", "pending") or not t[field]:
            return
        if parse_time(t[field]) > self.clock:
            return
        # A whole monitor round on this clock has run: the event is there.
        self.s.wait_rounds()
        if not any(e.get("kind") == kind for e in self.get(key).get("history") or []):
            die("the SLA monitor recorded no %s on ticket %s" % (kind, key))

    # -- the actions of the timeline --

    def file(self, key, who, subject, body, priority, product=None, environment="production", impact=None):
        req = {"subject": subject, "body": body, "priority": priority, "environment": environment}
        if product:
            req["product"] = product
        if impact:
            req["impact"] = impact
        t = self.call("POST", "/api/v1/tickets", req, who, "filing '%s'" % subject)
        self.tickets[key] = t["id"]
        return t

    def reply(self, key, who, body, public=True):
        self.call("POST", "/api/v1/tickets/%d/replies" % self.tickets[key], {"body": body, "public": public},
                  who, "replying on %s" % key)

    def patch(self, key, who, **change):
        return self.call("PATCH", "/api/v1/tickets/%d" % self.tickets[key], change, who, "changing %s" % key)


def timeline():
    """(seconds before now, action, args[, changes]) - run in time order."""
    acme, globex, initech = CUSTOMERS[0][0], CUSTOMERS[1][0], CUSTOMERS[2][0]
    agent = STAFF[1][0]
    return [
        # Closed long ago: answered in time, solved, then closed.
        (10 * DAY, "file", ("closed", globex, "How do I rotate the API keys?",
                            "We want to rotate our API keys every quarter. Is there a way to do it without "
                            "downtime?", 3)),
        (10 * DAY - 2 * HOUR, "reply", ("closed", agent, "Yes: create the new key first, deploy it, then revoke "
                                        "the old one. Both work in the meantime.")),
        (9 * DAY, "patch", ("closed", agent), {"status": "solved"}),
        (7 * DAY, "patch", ("closed", agent), {"status": "closed"}),
        # Solved: answered in time, the customer confirmed.
        (6 * DAY, "file", ("solved", acme, "Invoices show the wrong VAT rate",
                           "Since Monday every invoice in production shows 20 % VAT for Czech customers "
                           "instead of 21 %.", 2)),
        (6 * DAY - 1 * HOUR, "reply", ("solved", agent, "Thank you, we can reproduce it. A fix is going out "
                                       "today; we will let you know.")),
        (6 * DAY - 4 * HOUR, "reply", ("solved", acme, "The fix works, thank you!")),
        (6 * DAY - 4 * HOUR - 5 * MIN, "patch", ("solved", agent), {"status": "solved"}),
        # Breached: filed five days ago, never answered.
        (5 * DAY, "file", ("breached", acme, "Checkout page returns 502 for some customers",
                           "About one in ten checkouts in production fails with a 502 since the last "
                           "release.", 1)),
        # Answered in time (first response after 40 minutes), now pending on the customer.
        (3 * DAY, "file", ("in_time", globex, "Dashboard loads slowly in the afternoon",
                           "Between 14:00 and 16:00 the dashboard takes 20 s to load in production.", 2)),
        (3 * DAY - 40 * MIN, "note", ("in_time", agent, "Looks like the reporting job; check the cron "
                                      "schedule.")),
        (3 * DAY - 40 * MIN - 1, "reply", ("in_time", agent, "Could you send us a HAR file from a slow load? "
                                           "We suspect a reporting job that runs at the same time.")),
        (3 * DAY - 41 * MIN, "patch", ("in_time", agent), {"status": "pending"}),
        # Answered late: P1 around the clock (1 h), answered after 2 h 30 min.
        (2 * DAY, "file", ("late", globex, "Production API returns 500 on every login",
                           "Nobody can log in to our production system since 03:10.", 1)),
        (2 * DAY - 2 * HOUR - 30 * MIN, "reply", ("late", agent, "We are on it: the session store ran out of "
                                                  "disk. Logins work again since 05:35; sorry for the wait.")),
        # Beta product: no deadline, whatever the plan and priority.
        (1 * DAY, "file", ("beta", globex, "Insights export misses last week's data",
                           "The weekly export from Garant Insights stops at Sunday.", 2, "Garant Insights")),
        # Lowered: filed as P1 but it is a staging problem after all.
        (4 * HOUR, "file", ("lowered", globex, "Staging cluster does not start",
                            "After the upgrade our cluster does not come up.", 1)),
        (4 * HOUR - 15 * MIN, "patch", ("lowered", agent),
         {"priority": 3, "reason": "Only the staging cluster is affected; production runs normally."}),
        # Basic plan: no guarantee.
        (4 * HOUR - 20 * MIN, "file", ("basic", initech, "Where can I change my stapler preferences?",
                                       "I could find the setting last year but not any more.", 3, None,
                                       "development")),
        # Breached around the clock: advanced P1 filed 3 h ago.
        (3 * HOUR, "file", ("breached_247", globex, "Payments are not being captured",
                            "No payment has been captured in production for 20 minutes.", 1)),
        # Raised: filed as P3, raised to P1 with a reason.
        (2 * HOUR, "file", ("raised", acme, "Search results look odd",
                            "Some searches in production return no results.", 3)),
        (1 * HOUR + 50 * MIN, "patch", ("raised", agent),
         {"priority": 1, "reason": "Confirmed by phone: search is down for all users in production."}),
        # Warned: advanced P1 (1 h around the clock) filed 48 min ago.
        (48 * MIN, "file", ("warning", globex, "Orders stuck in 'processing'",
                            "Since 10 minutes ago new orders stay in 'processing' in production.", 1)),
        # Awaiting within its deadline, with an internal note (which does not stop the clock).
        (20 * MIN, "file", ("fresh", acme, "Export to CSV drops the last column",
                            "When I export the ticket list to CSV the 'Owner' column is missing.", 3)),
        (10 * MIN, "note", ("fresh", agent, "Reproduced on 2.4; probably the new column mapping.")),
    ]


def backlog():
    """A day's queue: tickets awaiting a first response, one every 88 minutes
    over the last 30 hours, from the three customers (Initech's without a
    guarantee: the basic plan)."""
    acme, globex, initech = CUSTOMERS[0][0], CUSTOMERS[1][0], CUSTOMERS[2][0]
    asks = [
        (acme, "Password reset mail arrives after an hour", 3),
        (globex, "Webhook retries flood our endpoint", 2),
        (acme, "Two-factor codes rejected on the mobile app", 2),
        (globex, "Invoice PDF shows the old company address", 3),
        (initech, "Printer integration lost its settings", 3),
        (acme, "Bulk import stops at row 5000", 2),
        (globex, "SSO login loops for users of the EU tenant", 2),
        (acme, "Report filters reset after saving", 3),
        (globex, "API rate limit lower than our contract says", 3),
        (acme, "Attachments over 10 MB fail to upload", 2),
        (globex, "Dark mode makes the charts unreadable", 3),
        (acme, "Scheduled exports run an hour late since the clock change", 3),
        (globex, "Audit log misses role changes", 2),
        (acme, "Search does not find tickets by order number", 3),
        (initech, "Cover sheet missing from the report template", 3),
        (globex, "Mobile app crashes when opening a notification", 2),
        (acme, "Two mails for every comment", 3),
        (globex, "CSV export writes decimal numbers with a comma", 3),
        (acme, "User list pagination skips a page", 3),
        (globex, "Orders API slow after 18:00", 2),
    ]
    out = []
    for i, (who, subject, priority) in enumerate(asks):
        env = "development" if who == initech else "production"
        out.append((30 * HOUR - i * 88 * MIN, "file", ("q%02d" % (i + 1), who, subject,
                                                       "%s. Details in the attached log." % subject, priority,
                                                       None, env)))
    return out


def main():
    if len(sys.argv) != 3:
        die("usage: demo_seed.py BINARY DB")
    binary, db = sys.argv[1], sys.argv[2]
    harness.GARANT = binary
    now = int(time.time()) // 60 * 60
    # The test clock starts before the timeline's first step (filed 5 days ago).
    s = harness.Server(db=db, extra_args=["--quiet"], clock=rfc3339(now - 7 * 86400))
    try:
        for email, role, name in STAFF:
            p = subprocess.run(
                [binary, "user", "add", "--db", db, "--email", email, "--role", role, "--name", name,
                 "--password-stdin"], input=(PASSWORD + "\n").encode(), capture_output=True)
            if p.returncode:
                die("user add %s: %s" % (email, p.stderr.decode()))
        d = Demo(s, now)
        # Accounts exist before the first ticket: a week and a half ago.
        d.at(now - 11 * DAY)
        admin = STAFF[0][0]
        for name, domain, plan in ORGS:
            d.call("POST", "/api/v1/orgs", {"name": name, "domains": [domain], "plan": plan}, admin, name)
        for name, stage in PRODUCTS:
            d.call("POST", "/api/v1/products", {"name": name, "stage": stage}, admin, name)
        for email, name in CUSTOMERS:
            ok(s.post("/api/v1/signup", {"email": email, "password": PASSWORD, "name": name}), "signup " + email)
            mail = s.smtp.wait_for(email)
            text = mail["data"].replace("=\r\n", "").replace("=\n", "")
            m = re.search(r"token=([A-Za-z0-9_\-]+)", text)
            if not m:
                die("no token in the verification mail to %s" % email)
            ok(s.post("/api/v1/verify", {"token": m.group(1)}), "verify " + email)

        # One timeline, earliest first; filing or reclassifying a ticket adds
        # the instants of its warning and breach, where they have passed.
        queue = []
        for seq, step in enumerate(timeline() + backlog()):
            heapq.heappush(queue, (now - step[0], seq, step[1], step[2], step[3] if len(step) > 3 else {}))
        seq = len(queue)
        while queue:
            at, _, action, args, kw = heapq.heappop(queue)
            d.at(at)
            t = None
            if action == "file":
                t = d.file(*args)
            elif action == "reply":
                d.reply(*args)
            elif action == "note":
                d.reply(*args, public=False)
            elif action == "patch":
                t = d.patch(*args, **kw)
            elif action == "await":
                d.await_monitor(*args)
            for field, kind in (("warn_at", "sla_warning"), ("first_response_due", "sla_breach")):
                if t and t.get(field) and parse_time(t[field]) < now:
                    seq += 1
                    heapq.heappush(queue, (parse_time(t[field]) + 1, seq, "await", (args[0], kind), {}))
        # Up to now: the monitor records what is due; the server stops and
        # the demo serves the file on the real clock.
        d.at(now)
        s.wait_rounds()
        summary = {"tickets": len(d.tickets), "password": PASSWORD,
                   "logins": [[e, r] for e, r, _ in STAFF] + [[e, "customer"] for e, _ in CUSTOMERS]}
    finally:
        s.close()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
