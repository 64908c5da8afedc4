"""test_matrix.py - every route x every identity x both organizations
(issue 13: "route x role x org matrix").

The routes come from `garant routes --json`; TABLE below says, for each, the
exact status each of five identities gets: nobody, a customer of Acme, a
customer of Globex, an agent and an admin. A route without a row fails the
test, and so does a row without a route: adding a route means deciding who
may call it.

The body sent is `{}` where the route takes one, so a write is refused as
incomplete (422) or done, past the auth check; the objects a path names
are Acme's (its ticket, its organization, its customer). For Globex's
customer an Acme ticket does not exist: 404 (with a valid body, so the
lookup is reached), never 403, which would confirm that it exists.

A refusal carries an error and nothing else; an answer to one organization's
customer names nothing of the other's. A session cookie without its CSRF
token is refused on every write.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import GARANT, Server, expect, expect_status, run  # noqa: E402
from test_bad_input import PASSWORD, customer  # noqa: E402

IDENTITIES = ("nobody", "acme", "globex", "agent", "admin")

# route: (nobody, acme, globex, agent, admin)
TABLE = {
    "GET /healthz":                                    (200, 200, 200, 200, 200),
    "GET /metrics":                                    (401, 403, 403, 403, 200),
    "GET /api/v1/openapi.json":                        (200, 200, 200, 200, 200),
    "POST /api/v1/signup":                             (422, 422, 422, 422, 422),
    "POST /api/v1/verify":                             (422, 422, 422, 422, 422),
    "POST /api/v1/login":                              (422, 422, 422, 422, 422),
    "POST /api/v1/logout":                             (401, 204, 204, 204, 204),
    "GET /api/v1/me":                                  (401, 200, 200, 200, 200),
    "PATCH /api/v1/me":                                (401, 422, 422, 422, 422),
    "POST /api/v1/password/forgot":                    (422, 422, 422, 422, 422),
    "POST /api/v1/password/reset":                     (422, 422, 422, 422, 422),
    "POST /api/v1/password/unlock":                    (422, 422, 422, 422, 422),
    "POST /api/v1/orgs":                               (401, 403, 403, 403, 422),
    "GET /api/v1/orgs":                                (401, 403, 403, 403, 200),
    "GET /api/v1/orgs/{id}":                           (401, 403, 403, 403, 200),
    "PATCH /api/v1/orgs/{id}":                         (401, 403, 403, 403, 422),
    "DELETE /api/v1/orgs/{id}":                        (401, 403, 403, 403, 409),  # it has users
    "POST /api/v1/products":                           (401, 403, 403, 403, 422),
    "GET /api/v1/products":                            (401, 200, 200, 200, 200),
    "GET /api/v1/users":                               (401, 403, 403, 200, 200),
    "PATCH /api/v1/users/{id}":                        (401, 403, 403, 403, 422),
    "DELETE /api/v1/users/{id}":                       (401, 403, 403, 403, 409),  # she has a history
    # Staff file on a customer's behalf (issue 15): {} lacks the subject.
    "POST /api/v1/tickets":                            (401, 422, 422, 422, 422),
    "GET /api/v1/tickets":                             (401, 200, 200, 200, 200),
    "GET /api/v1/tickets/{id}":                        (401, 200, 404, 200, 200),
    "PATCH /api/v1/tickets/{id}":                      (401, 403, 403, 422, 422),
    # {} names no ticket.
    "POST /api/v1/tickets/bulk":                       (401, 403, 403, 422, 422),
    "POST /api/v1/tickets/{id}/replies":               (401, 422, 404, 422, 422),
    "POST /api/v1/tickets/{id}/reclassify-preview":    (401, 403, 403, 422, 422),
    "GET /api/v1/queue":                               (401, 403, 403, 200, 200),
    "GET /api/v1/queue/follow-ups":                    (401, 403, 403, 200, 200),
    # A customer's plan is her organization's; staff must name one.
    "POST /api/v1/deadline/preview":                   (401, 200, 200, 422, 422),
    "GET /api/v1/policy":                              (401, 403, 403, 200, 200),
    "GET /api/v1/policy/summary":                      (401, 200, 200, 200, 200),
    "GET /api/v1/policy/versions":                     (401, 403, 403, 200, 200),
    "GET /api/v1/policy/corrections":                  (401, 403, 403, 200, 200),
    "POST /api/v1/policy/corrections/preview":         (401, 403, 403, 403, 422),
    "POST /api/v1/policy/corrections":                 (401, 403, 403, 403, 422),
    "PUT /api/v1/policy":                              (401, 403, 403, 403, 422),
    "GET /api/v1/calendar":                            (401, 422, 422, 422, 422),  # from and to missing
    "POST /api/v1/webhooks":                           (401, 403, 403, 403, 422),
    "GET /api/v1/webhooks":                            (401, 403, 403, 403, 200),
    "GET /api/v1/webhooks/deliveries":                 (401, 403, 403, 403, 200),
    "DELETE /api/v1/webhooks/{id}":                    (401, 403, 403, 403, 204),
    "GET /api/v1/reports/sla":                         (401, 403, 403, 200, 200),
    "GET /api/v1/audit":                               (401, 403, 403, 403, 200),
    "PATCH /api/v1/products/{id}":                     (401, 403, 403, 403, 422),
    # An upload needs ?name= (400); the file's own rules: test_attachments.py.
    "POST /api/v1/attachments":                        (401, 400, 400, 400, 400),
    # The file on Acme's ticket: another organization's is not there.
    "GET /api/v1/attachments/{id}":                    (401, 200, 404, 200, 200),
    # Groups of agents (issue 15): staff read them to assign, admins write.
    "GET /api/v1/groups":                              (401, 403, 403, 200, 200),
    "POST /api/v1/groups":                             (401, 403, 403, 403, 422),
    "PATCH /api/v1/groups/{id}":                       (401, 403, 403, 403, 422),
    "DELETE /api/v1/groups/{id}":                      (401, 403, 403, 403, 204),
    # An organization's managers (issue 15): none of these five is one
    # (admins list with GET /users and decide with PATCH /users/{id}).
    "GET /api/v1/org/members":                         (401, 403, 403, 403, 403),
    "POST /api/v1/org/members/{id}/approve":           (401, 403, 403, 403, 403),
    "POST /api/v1/org/members/{id}/refuse":            (401, 403, 403, 403, 403),
    # Saved views (issue 15): staff's. The view is the admin's, shared with
    # the group Desk, of which the agent is a member: the agent sees it but
    # only its owner (or an admin) changes it.
    "GET /api/v1/views":                               (401, 403, 403, 200, 200),
    "POST /api/v1/views":                              (401, 403, 403, 422, 422),
    "GET /api/v1/views/{id}":                          (401, 403, 403, 200, 200),
    "PATCH /api/v1/views/{id}":                        (401, 403, 403, 403, 422),
    "DELETE /api/v1/views/{id}":                       (401, 403, 403, 403, 204),
}
# A valid body for each customer route on a ticket that takes one.
CROSS_BODY = {"/api/v1/tickets/{id}/replies": {"body": "Let me in."}}


def routes():
    p = subprocess.run([GARANT, "routes", "--json"], capture_output=True, check=True)
    return json.loads(p.stdout)


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
        expect_status(s.post("/api/v1/tickets", {"subject": "Globex printer jam", "body": "Paper."},
                             token=self.token["globex"]), 201)
        me = expect_status(s.get("/api/v1/me", token=self.token["acme"]), 200).json
        self.acme_user, self.acme_org = me["user"]["id"], me["org"]["id"]
        r = expect_status(s.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook"},
                                 token=self.token["admin"]), 201)
        self.webhook = r.json["id"]
        r = expect_status(s.post("/api/v1/products", {"name": "Widget", "stage": "ga"}, token=self.token["admin"]), 201)
        self.product = r.json["id"]
        r = expect_status(s.request("POST", "/api/v1/attachments?name=acme-secret.log", raw=b"acme logs",
                                    token=self.token["acme"]), 201)
        self.attachment = r.json["id"]
        expect_status(s.post("/api/v1/tickets/%d/replies" % self.ticket, {"body": "The log.",
                                                                           "attachments": [self.attachment]},
                             token=self.token["acme"]), 201)
        agent_id = expect_status(s.get("/api/v1/me", token=self.token["agent"]), 200).json["user"]["id"]
        r = expect_status(s.post("/api/v1/groups", {"name": "Desk", "members": [str(agent_id)]},
                                 token=self.token["admin"]), 201)
        self.group = r.json["id"]
        r = expect_status(s.post("/api/v1/views", {"name": "Open", "query": "status=open", "group_id": self.group},
                                 token=self.token["admin"]), 201)
        self.view = r.json["id"]

    def path(self, route):
        p = route["path"]
        if "{id}" not in p:
            return p
        for prefix, value in (("/api/v1/tickets/", self.ticket), ("/api/v1/orgs/", self.acme_org),
                              ("/api/v1/users/", self.acme_user), ("/api/v1/webhooks/", self.webhook),
                              ("/api/v1/products/", self.product), ("/api/v1/attachments/", self.attachment),
                              ("/api/v1/groups/", self.group), ("/api/v1/org/members/", self.acme_user),
                              ("/api/v1/views/", self.view)):
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


def key(route):
    return "%s %s" % (route["method"], route["path"])


def test_every_route_has_a_row():
    rs = [key(r) for r in routes() if not r["path"].startswith("/api/v1/test/")]
    expect(len(rs) >= 40, "garant routes lists only %d routes" % len(rs))
    missing = [k for k in rs if k not in TABLE]
    expect(not missing, "routes without a row in TABLE (who may call them?): %s" % missing)
    stale = [k for k in TABLE if k not in rs]
    expect(not stale, "rows in TABLE for routes that do not exist: %s" % stale)


def test_every_route_by_every_identity():
    rs = [r for r in routes() if key(r) in TABLE]
    with Server() as s:
        w = World(s)
        tried = 0
        for i, who in enumerate(IDENTITIES):
            other = {"acme": "globex", "globex": "acme"}.get(who)
            for route in order(rs):
                want = TABLE[key(route)][i]
                body = CROSS_BODY.get(route["path"]) if who == "globex" else None
                r = w.call(route, who, body=body)
                what = "%s as %s" % (key(route), who)
                expect(r.status == want, "%s: expected %d, got %r" % (what, want, r))
                if r.status >= 400:
                    refusal_only(r)
                elif other and route["method"] == "GET":
                    expect(other not in r.raw.lower(), "%s: the answer names %s: %r" % (what, other, r))
                tried += 1
        expect(tried == 5 * len(rs), "only %d calls tried" % tried)


def test_lists_show_only_the_callers_organization():
    with Server() as s:
        w = World(s)
        mine = expect_status(s.get("/api/v1/tickets", token=w.token["acme"]), 200).json
        theirs = expect_status(s.get("/api/v1/tickets", token=w.token["globex"]), 200).json
        ids = lambda page: [t["id"] for t in page["tickets"]]  # noqa: E731
        expect(w.ticket in ids(mine), mine)
        expect(w.ticket not in ids(theirs) and len(ids(theirs)) == 1, theirs)
        expect(all(t["org_name"] == "globex.example" for t in theirs["tickets"]), theirs)
        # Filters cannot widen a customer's view to another organization.
        r = s.get("/api/v1/tickets?org=%d" % w.acme_org, token=w.token["globex"])
        expect(r.status in (200, 403, 422), r)
        if r.status == 200:
            expect(w.ticket not in ids(r.json), r)
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
