"""test_matrix.py - every route x every identity x both organizations
(issue 13: "route x role x org matrix").

The routes come from `garant routes --json`, so a route added later is in the
matrix without anyone remembering to add it. Each route is tried by five
identities: nobody, a customer of Acme, a customer of Globex, an agent and
an admin. What each may get follows from the route's declared auth level:

  public   nobody is refused for who they are
  user     nobody -> 401; everyone signed in passes the door
  staff    nobody -> 401; customers -> 403; agents and admins pass
  admin    nobody -> 401; customers and agents -> 403; admins pass
  metrics  nobody -> 401; a signed-in non-admin -> 403; admins pass

"Passes the door" means an answer that is not 401, 403, 404 (every path
names an existing object), 405 or 5xx: the body sent is `{}`, so a write
is refused as incomplete (400/422) or done, never by the auth check.

Objects belong to Acme (its ticket, its organization, its customer). For
Globex's customer an Acme object does not exist: 404 for a ticket route,
never 200 or 403 (which would confirm that it exists). A refusal carries
an error and nothing else. A session cookie without its CSRF token is
refused on every write, whatever the route's level.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import GARANT, Server, expect, expect_status, run  # noqa: E402
from test_bad_input import PASSWORD, customer  # noqa: E402

IDENTITIES = ("nobody", "acme", "globex", "agent", "admin")
# Rules a handler adds to its route's level, each on purpose: only
# customers file tickets (staff filing on a customer's behalf is issue 15).
BEYOND_THE_DOOR = {("POST", "/api/v1/tickets"): {"agent": 403, "admin": 403}}
# A valid body for each customer route on a ticket that takes one.
CROSS_BODY = {"/api/v1/tickets/{id}/replies": {"body": "Let me in."}}


def routes():
    p = subprocess.run([GARANT, "routes", "--json"], capture_output=True, check=True)
    return json.loads(p.stdout)


def expected(auth, who):
    """"pass", or the status the door must answer."""
    if auth == "public":
        return "pass"
    if who == "nobody":
        return 401
    if auth == "user":
        return "pass"
    if auth == "staff":
        return "pass" if who in ("agent", "admin") else 403
    if auth in ("admin", "metrics"):
        return "pass" if who == "admin" else 403
    raise AssertionError("unknown auth level %r" % auth)


def refusal_only(r):
    """A refusal says why and shows nothing else."""
    expect(r.json is not None and set(r.json) == {"error"}, "a refusal with more than an error: %r" % r)


class World:
    """The objects and the five identities' tokens."""

    def __init__(self, s):
        s.set_clock("2026-11-16T09:00:00Z")
        self.s = s
        self.token = {"nobody": None}
        self.token["acme"] = customer(s, "it@acme.example")
        self.token["globex"] = customer(s, "it@globex.example")
        s.add_staff("agent@vendor.example", "agent", PASSWORD)
        s.add_staff("admin@vendor.example", "admin", PASSWORD)
        self.token["agent"] = s.login("agent@vendor.example", PASSWORD)
        self.token["admin"] = s.login("admin@vendor.example", PASSWORD)
        r = expect_status(s.post("/api/v1/tickets", {"subject": "Acme is down", "body": "All of it."},
                                 token=self.token["acme"]), 201)
        self.ticket = r.json["id"]
        me = expect_status(s.get("/api/v1/me", token=self.token["acme"]), 200).json
        self.acme_user, self.acme_org = me["user"]["id"], me["org"]["id"]
        r = expect_status(s.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook"},
                                 token=self.token["admin"]), 201)
        self.webhook = r.json["id"]

    def path(self, route):
        p = route["path"]
        if "{id}" not in p:
            return p
        for prefix, value in (("/api/v1/tickets/", self.ticket), ("/api/v1/orgs/", self.acme_org),
                              ("/api/v1/users/", self.acme_user), ("/api/v1/webhooks/", self.webhook)):
            if p.startswith(prefix):
                return p.replace("{id}", str(value))
        raise AssertionError("the matrix does not know which object %s names: add it to World.path" % p)

    def token_for(self, route, who):
        """The identity's token; a route that ends the session gets a fresh
        one, so the rest of the matrix keeps its sessions."""
        if who == "nobody" or route["path"] != "/api/v1/logout":
            return self.token[who]
        email = {"acme": "it@acme.example", "globex": "it@globex.example",
                 "agent": "agent@vendor.example", "admin": "admin@vendor.example"}[who]
        return self.s.login(email, PASSWORD)

    def call(self, route, who, body=None, **kw):
        if body is None and route["body"] is not None:
            body = {}
        return self.s.request(route["method"], self.path(route), body, token=self.token_for(route, who), **kw)


def order(rs):
    """Deletions last, so every other route still finds its objects."""
    return sorted(rs, key=lambda r: r["method"] == "DELETE")


def test_every_route_by_every_identity():
    rs = routes()
    expect(len(rs) >= 40, "garant routes lists only %d routes" % len(rs))
    with Server() as s:
        w = World(s)
        tried = 0
        for who in IDENTITIES:
            for route in order(rs):
                if route["path"].startswith("/api/v1/test/"):
                    continue  # the test clock's doors: public by design, tests only
                want = BEYOND_THE_DOOR.get((route["method"], route["path"]), {}).get(who) \
                    or expected(route["auth"], who)
                r = w.call(route, who)
                what = "%s %s as %s (%s route)" % (route["method"], route["path"], who, route["auth"])
                if want == "pass":
                    cross = who == "globex" and route["path"].startswith("/api/v1/tickets/{id}")
                    if cross:
                        if route["body"] is not None:
                            # Past validation, to where the ticket is looked up.
                            r = w.call(route, who, body=CROSS_BODY[route["path"]])
                        expect(r.status == 404, "%s: another organization's ticket gave %r" % (what, r))
                        refusal_only(r)
                    else:
                        expect(r.status not in (401, 403, 404, 405) and r.status < 500,
                               "%s: the door refused or failed: %r" % (what, r))
                else:
                    expect(r.status == want, "%s: expected %d, got %r" % (what, want, r))
                    refusal_only(r)
                tried += 1
        expect(tried >= 5 * 40, "only %d calls tried" % tried)


def test_lists_show_only_the_callers_organization():
    with Server() as s:
        w = World(s)
        mine = expect_status(s.get("/api/v1/tickets", token=w.token["acme"]), 200).json
        theirs = expect_status(s.get("/api/v1/tickets", token=w.token["globex"]), 200).json
        ids = lambda page: [t["id"] for t in page["tickets"]]  # noqa: E731
        expect(w.ticket in ids(mine), mine)
        expect(w.ticket not in ids(theirs) and ids(theirs) == [], theirs)
        # Filters cannot widen a customer's view to another organization.
        r = s.get("/api/v1/tickets?org=%d" % w.acme_org, token=w.token["globex"])
        expect(r.status in (200, 403, 422), r)
        if r.status == 200:
            expect(ids(r.json) == [], r)
        agent = expect_status(s.get("/api/v1/tickets", token=w.token["agent"]), 200).json
        expect(w.ticket in ids(agent), agent)


def test_a_cookie_without_its_csrf_token_writes_nothing():
    rs = [r for r in routes() if r["method"] != "GET" and r["auth"] != "public"]
    expect(rs, "no write routes")
    with Server() as s:
        w = World(s)
        r = expect_status(s.post("/api/v1/login", {"email": "admin@vendor.example", "password": PASSWORD}), 200)
        cookie = "garant_session=" + r.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
        for route in rs:
            body = {} if route["body"] is not None else None
            r = s.request(route["method"], w.path(route), body, cookie=cookie)
            expect(r.status == 403, "%s %s with a cookie and no CSRF token: %r" % (route["method"], route["path"], r))
            refusal_only(r)
        # The session itself still works for reads.
        expect_status(s.get("/api/v1/me", cookie=cookie), 200)


if __name__ == "__main__":
    run(globals(), "matrix")
