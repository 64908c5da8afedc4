"""test_admin_ops.py - the admin operations of issue 12 (src/http/admin_ops.c
and the routes that call it): changing a user's role (the last active admin
stays one, a customer belongs to an organization, the session runs under
the new role at once), deactivating an organization with its users and
bringing it back, changing a product's stage as a new policy version whose
open tickets move only by a correction (preview, then apply; a breach stays
a breach), and the audit trail that records each."""
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run  # noqa: E402
from test_admin import PASSWORD, customer, staff  # noqa: E402
from test_tickets import events, file, ticket, world  # noqa: E402


def user_ids(s, token):
    return {u["email"]: u["id"] for u in s.get("/api/v1/users?limit=200", token=token).json["users"]}


def audit(s, token):
    return expect_status(s.get("/api/v1/audit", token=token), 200).json["audit"]


def test_role_change():
    with Server() as s:
        admin, agent = staff(s)
        a = expect_status(s.post("/api/v1/orgs", {"name": "A", "domains": ["a.example"], "plan": "basic"},
                                 token=admin), 201).json
        b = expect_status(s.post("/api/v1/orgs", {"name": "B", "domains": ["b.example"], "plan": "basic"},
                                 token=admin), 201).json
        amy = customer(s, "amy@a.example")
        t = expect_status(s.post("/api/v1/tickets", {"subject": "s", "body": "b"}, token=amy), 201).json
        uid = user_ids(s, admin)
        root, ag, amy_id = uid["root@vendor.example"], uid["agent@vendor.example"], uid["amy@a.example"]

        # The only admin cannot demote themselves: the desk keeps an admin.
        expect_error(s.patch("/api/v1/users/%d" % root, {"role": "agent"}, token=admin), 409,
                     "root@vendor.example is the last active admin")
        # Promoted, the agent's session is an admin's at once (no new login).
        expect_error(s.get("/api/v1/orgs", token=agent), 403)
        r = expect_status(s.patch("/api/v1/users/%d" % ag, {"role": "admin"}, token=admin), 200).json
        expect(r["role"] == "admin" and r["org_id"] is None and r["active"] is True, r)
        expect_status(s.get("/api/v1/orgs", token=agent), 200)
        # With two admins, one may step down, and loses admin rights at once.
        r = expect_status(s.patch("/api/v1/users/%d" % root, {"role": "agent"}, token=admin), 200).json
        expect(r["role"] == "agent", r)
        expect_error(s.get("/api/v1/orgs", token=admin), 403, "only admins")
        expect_status(s.get("/api/v1/queue", token=admin), 200)
        admin, agent = agent, admin  # the roles have swapped
        # The same role again changes nothing and records nothing.
        n = len(audit(s, admin))
        expect_status(s.patch("/api/v1/users/%d" % root, {"role": "agent"}, token=admin), 200)
        expect(len(audit(s, admin)) == n)

        # A customer made staff leaves the organization; the ticket stays its.
        r = expect_status(s.patch("/api/v1/users/%d" % amy_id, {"role": "agent"}, token=admin), 200).json
        expect(r["role"] == "agent" and r["org_id"] is None, r)
        expect_status(s.get("/api/v1/queue", token=amy), 200)
        expect(s.get("/api/v1/tickets/%d" % t["id"], token=admin).json["org_id"] == a["id"])
        # Staff made a customer needs an organization, an active one that exists.
        expect_error(s.patch("/api/v1/users/%d" % amy_id, {"role": "customer"}, token=admin), 422,
                     "is required to make amy@a.example a customer")
        expect_error(s.patch("/api/v1/users/%d" % amy_id, {"role": "customer", "org_id": 999}, token=admin), 422,
                     "organization 999 does not exist")
        expect_error(s.patch("/api/v1/users/%d" % amy_id, {"role": "agent", "org_id": a["id"]}, token=admin), 422,
                     "is for customers only")
        r = expect_status(s.patch("/api/v1/users/%d" % amy_id, {"role": "customer", "org_id": b["id"]},
                                  token=admin), 200).json
        expect(r["role"] == "customer" and r["org_id"] == b["id"], r)
        expect_error(s.get("/api/v1/queue", token=amy), 403)
        me = s.get("/api/v1/me", token=amy).json
        expect(me["org"]["id"] == b["id"], me)
        # A customer moves to another organization with org_id alone and the role.
        r = expect_status(s.patch("/api/v1/users/%d" % amy_id, {"role": "customer", "org_id": a["id"]},
                                  token=admin), 200).json
        expect(r["org_id"] == a["id"], r)

        # Bad input says what is accepted; nothing is half-written.
        for body, frag in (({"role": "boss"}, "'role': 'boss' is not a role (roles: customer, agent, admin)"),
                           ({"role": 3}, "'role'"), ({"role": ""}, "is not a role"),
                           ({"org_id": a["id"]}, "'org_id' goes with 'role'"),
                           ({"role": "customer", "org_id": 0}, "'org_id' must be an organization's id"),
                           ({"role": "customer", "org_id": "1"}, "'org_id'"),
                           ({"role": "admin", "colour": 1}, "unknown field")):
            expect_error(s.patch("/api/v1/users/%d" % amy_id, body, token=admin), 422, frag)
        expect_error(s.patch("/api/v1/users/424242", {"role": "agent"}, token=admin), 404)
        expect_error(s.patch("/api/v1/users/%d" % amy_id, {"role": "admin"}, token=agent), 403)
        expect_error(s.patch("/api/v1/users/%d" % amy_id, {"role": "admin"}, token=amy), 403)
        # Role and deactivation together: all or nothing.
        expect_error(s.patch("/api/v1/users/%d" % ag, {"role": "agent", "active": False}, token=admin), 409)
        expect(s.get("/api/v1/users?role=admin", token=admin).json["count"] == 1)

        # The audit trail: who changed whom, from what to what.
        rows = audit(s, admin)
        roles = [(x["subject_id"], x["old_value"], x["new_value"]) for x in rows if x["action"] == "user_role"]
        expect(roles[::-1] == [(ag, "agent", "admin"), (root, "admin", "agent"), (amy_id, "customer", "agent"),
                               (amy_id, "agent", "customer")], roles)
        orgs = [(x["old_value"], x["new_value"]) for x in rows if x["action"] == "user_org"]
        expect(orgs[::-1] == [(str(a["id"]), None), (None, str(b["id"])), (str(b["id"]), str(a["id"]))], orgs)
        expect(rows[0]["by_email"] == "agent@vendor.example" and rows[-1]["by_email"] == "root@vendor.example", rows)
        expect(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", rows[0]["at"]), rows[0])
        expect_error(s.get("/api/v1/audit", token=agent), 403)
        expect_error(s.get("/api/v1/audit?limit=0", token=admin), 422, "'limit'")
        expect(len(audit(s, admin)) == len(rows))
        expect(len(s.get("/api/v1/audit?limit=2", token=admin).json["audit"]) == 2)
        # The last admin cannot be deactivated or deleted either (by anyone
        # but themselves, which is refused already).
        expect_error(s.delete("/api/v1/users/%d" % ag, token=admin), 409, "your own account")


def test_audit_is_append_only():
    with Server() as s:
        admin, _ = staff(s)
        uid = user_ids(s, admin)
        expect_status(s.patch("/api/v1/users/%d" % uid["agent@vendor.example"], {"active": False}, token=admin), 200)
        con = sqlite3.connect(s.db)
        try:
            for sql in ("UPDATE audit SET new_value = 'x'", "DELETE FROM audit"):
                try:
                    con.execute(sql)
                    expect(False, "the audit trail accepted: " + sql)
                except sqlite3.DatabaseError as e:
                    expect("append-only" in str(e), e)
        finally:
            con.close()
        expect([x["action"] for x in audit(s, admin)] == ["user_active"])


def test_org_deactivation():
    with Server() as s:
        admin, agent = staff(s)
        a = expect_status(s.post("/api/v1/orgs", {"name": "A", "domains": ["a.example"], "plan": "basic"},
                                 token=admin), 201).json
        expect(a.get("active") is True, a)
        amy = customer(s, "amy@a.example")
        customer(s, "bob@a.example")
        uid = user_ids(s, admin)
        # Bob was deactivated alone before; he stays so when A comes back.
        expect_status(s.patch("/api/v1/users/%d" % uid["bob@a.example"], {"active": False}, token=admin), 200)
        r = expect_status(s.patch("/api/v1/orgs/%d" % a["id"], {"active": False}, token=admin), 200).json
        expect(r["active"] is False and r["name"] == "A", r)
        expect([o["active"] for o in s.get("/api/v1/orgs", token=admin).json["orgs"]] == [False])
        # Its users are out at once: session, password.
        expect_error(s.get("/api/v1/me", token=amy), 401)
        expect_error(s.post("/api/v1/login", {"email": "amy@a.example", "password": PASSWORD}), 403, "deactivated")
        active = {u["email"]: u["active"] for u in s.get("/api/v1/users?org_id=%d" % a["id"], token=admin).json["users"]}
        expect(active == {"amy@a.example": False, "bob@a.example": False}, active)
        # No one joins it: a new sign-up at its domain is deactivated with it,
        # a user of it cannot be reactivated alone, no one is made its customer.
        expect_status(s.post("/api/v1/signup", {"email": "cy@a.example", "password": PASSWORD, "name": "Cy"}), 201)
        tok = re.search(r"/verify\?token=([A-Za-z0-9_-]+)", s.smtp.wait_for("cy@a.example")["data"]).group(1)
        expect_status(s.post("/api/v1/verify", {"token": tok}), 200)
        expect_error(s.post("/api/v1/login", {"email": "cy@a.example", "password": PASSWORD}), 403, "deactivated")
        expect_error(s.patch("/api/v1/users/%d" % uid["amy@a.example"], {"active": True}, token=admin), 409,
                     "reactivate the organization")
        expect_error(s.patch("/api/v1/users/%d" % uid["agent@vendor.example"], {"role": "customer", "org_id": a["id"]},
                             token=admin), 409, "is deactivated")
        # Deactivating twice changes nothing.
        expect_status(s.patch("/api/v1/orgs/%d" % a["id"], {"active": False}, token=admin), 200)
        # Back: those deactivated with it return, Bob does not.
        r = expect_status(s.patch("/api/v1/orgs/%d" % a["id"], {"active": True}, token=admin), 200).json
        expect(r["active"] is True, r)
        active = {u["email"]: u["active"] for u in s.get("/api/v1/users?org_id=%d" % a["id"], token=admin).json["users"]}
        expect(active == {"amy@a.example": True, "bob@a.example": False, "cy@a.example": True}, active)
        expect_status(s.get("/api/v1/me", token=s.login("amy@a.example", PASSWORD)), 200)
        # Rename and deactivate in one request, all or nothing.
        expect_status(s.post("/api/v1/orgs", {"name": "B", "domains": ["b.example"], "plan": "basic"}, token=admin), 201)
        expect_error(s.patch("/api/v1/orgs/%d" % a["id"], {"name": "B", "active": False}, token=admin), 409,
                     "exists already")
        expect(s.get("/api/v1/orgs/%d" % a["id"], token=admin).json["active"] is True)
        # Checks.
        expect_error(s.patch("/api/v1/orgs/%d" % a["id"], {"active": "no"}, token=admin), 422, "'active'")
        expect_error(s.patch("/api/v1/orgs/%d" % a["id"], {"active": False}, token=agent), 403)
        expect_error(s.patch("/api/v1/orgs/424242", {"active": False}, token=admin), 404)
        acts = [(x["action"], x["new_value"]) for x in audit(s, admin) if x["action"].startswith("org_")]
        expect(acts == [("org_active", "true"), ("org_active", "false")], acts)


def stage_of(s, token, name):
    return [p for p in s.get("/api/v1/products", token=token).json["products"] if p["name"] == name][0]


def test_product_stage_change_is_a_policy_version():
    """Lab goes from beta to GA: a new policy version for tickets filed
    after it; the open beta ticket keeps its terms (no deadline) until a
    correction moves it onto the new version, earlier for the customer,
    so without a reason. Going back to beta takes deadlines away: later,
    so it needs a reason; a recorded breach stays one."""
    with Server() as s:
        d = world(s)
        lab = stage_of(s, d.admin, "Lab")
        # Mon 10:00 CET, Professional P2 on beta: no deadline.
        old = file(d, "pro", "2026-11-30T09:00:00Z", priority=2, product="Lab")
        expect(old["first_response_due"] is None and old["stage"] == "beta" and old["policy_version"] == 1, old)
        r = expect_status(s.patch("/api/v1/products/%d" % lab["id"], {"stage": "ga"}, token=d.admin), 200).json
        expect(r["product"]["stage"] == "ga" and r["product"]["name"] == "Lab" and r["previous_stage"] == "beta", r)
        v2 = r["version"]
        expect(v2 == 2 and "open tickets keep" in r["applies_to"], r)
        expect(stage_of(s, d.agent, "Lab")["stage"] == "ga")
        versions = s.get("/api/v1/policy/versions", token=d.admin).json
        expect(versions["in_force"] == v2 and versions["versions"][0]["created_by_email"] == "admin@vendor.example",
               versions)
        # The version says what it changed; the configured one changed no stage.
        expect(versions["versions"][0]["product_stage"] == {"product": "Lab", "from": "beta", "to": "ga"}, versions)
        expect(versions["versions"][1]["product_stage"] is None, versions)
        # The policy text is the same; only the product's stage differs.
        expect(s.get("/api/v1/policy?version=2", token=d.admin).json["yaml"]
               == s.get("/api/v1/policy?version=1", token=d.admin).json["yaml"])
        # Filed after: GA terms, the new version. Mon 10:30 CET + 6 h -> 16:30 CET.
        new = file(d, "pro", "2026-11-30T09:30:00Z", priority=2, product="Lab")
        expect(new["stage"] == "ga" and new["policy_version"] == v2, new)
        expect(new["first_response_due"] == "2026-11-30T15:30:00Z", new)
        # The open beta ticket is untouched.
        t = ticket(s, d.agent, old["id"])
        expect(t["first_response_due"] is None and t["stage"] == "beta" and t["policy_version"] == 1, t)

        # Preview, then apply: earlier for the customer, no reason needed.
        p = expect_status(s.post("/api/v1/policy/corrections/preview", {"to_version": v2}, token=d.admin), 200).json
        expect(p["moved"] == 1 and p["earlier"] == 1 and p["later"] == 0 and p["needs_reason"] is False, p)
        expect(p["moves"] == [{"id": old["id"], "old_version": 1, "old_due": None, "new_due": "2026-11-30T15:00:00Z",
                               "delta_seconds": None, "breached": False, "old_stage": "beta", "new_stage": "ga"}], p)
        r = expect_status(s.post("/api/v1/policy/corrections", {"to_version": v2}, token=d.admin), 200).json
        expect(r["moved"] == 1 and r["earlier"] == 1, r)
        t = ticket(s, d.agent, old["id"])
        expect(t["stage"] == "ga" and t["policy_version"] == v2 and t["first_response_due"] == "2026-11-30T15:00:00Z", t)
        expect(t["sla"]["state"] == "active" and t["sla"]["target"] == "6 h business", t["sla"])
        ev = events(t, "deadline_corrected")
        expect(len(ev) == 1 and ev[0]["data"]["old_stage"] == "beta" and ev[0]["data"]["new_stage"] == "ga", ev)
        # The ticket was filed on beta, and its history says so.
        expect(events(t, "created")[0]["data"]["stage"] == "beta", t["history"])
        # A reclassification after it counts on GA terms: P1, 3 h from Mon
        # 11:00 CET -> 14:00 CET, earlier than 16:00.
        d.set_clock("2026-11-30T10:00:00Z")
        expect_status(s.patch("/api/v1/tickets/%d" % old["id"], {"priority": 1, "reason": "down"}, token=d.agent), 200)
        expect(ticket(s, d.agent, old["id"])["first_response_due"] == "2026-11-30T13:00:00Z")

        # Mon 14:05 CET: the raised one breaches. Then Lab goes back to beta.
        d.set_clock("2026-11-30T13:05:00Z")
        s.wait_rounds()
        expect(ticket(s, d.agent, old["id"])["breached_at"] == "2026-11-30T13:05:00Z")
        v3 = expect_status(s.patch("/api/v1/products/%d" % lab["id"], {"stage": "beta"}, token=d.admin),
                           200).json["version"]
        p = expect_status(s.post("/api/v1/policy/corrections/preview", {"to_version": v3}, token=d.admin), 200).json
        expect(p["moved"] == 2 and p["later"] == 2 and p["needs_reason"] is True, p)
        expect(all(m["new_due"] is None and m["new_stage"] == "beta" for m in p["moves"]), p)
        expect_error(s.post("/api/v1/policy/corrections", {"to_version": v3}, token=d.admin), 422, "give a 'reason'")
        expect_status(s.post("/api/v1/policy/corrections", {"to_version": v3, "reason": "Lab is beta again"},
                             token=d.admin), 200)
        t = ticket(s, d.agent, old["id"])
        # A breach stays a breach.
        expect(t["stage"] == "beta" and t["first_response_due"] is None and t["sla"]["state"] == "breached", t)
        expect(t["breached_at"] == "2026-11-30T13:05:00Z", t)
        # Back onto version 1 (beta there too) and onto 2 (GA): the stage
        # follows the version's, and the history keeps the filed one.
        p = expect_status(s.post("/api/v1/policy/corrections/preview", {"to_version": v2}, token=d.admin), 200).json
        expect(all(m["new_stage"] == "ga" for m in p["moves"]) and len(p["moves"]) == 2, p)
        expect(events(ticket(s, d.agent, new["id"]), "created")[0]["data"]["stage"] == "ga")

        # The same stage again: no version.
        r = expect_status(s.patch("/api/v1/products/%d" % lab["id"], {"stage": "beta"}, token=d.admin), 200).json
        expect(r["version"] is None and r["previous_stage"] == "beta", r)
        expect(s.get("/api/v1/policy/versions", token=d.admin).json["in_force"] == v3)
        # Bad input, who may.
        expect_error(s.patch("/api/v1/products/%d" % lab["id"], {"stage": "alpha"}, token=d.admin), 422,
                     "'stage': 'alpha' is not a product stage of the policy (stages: ga, beta, preview)")
        expect_error(s.patch("/api/v1/products/%d" % lab["id"], {}, token=d.admin), 422, "'stage' is required")
        expect_error(s.patch("/api/v1/products/%d" % lab["id"], {"stage": 1}, token=d.admin), 422, "'stage'")
        expect_error(s.patch("/api/v1/products/%d" % lab["id"], {"stage": "ga", "name": "x"}, token=d.admin), 422,
                     "unknown field")
        expect_error(s.patch("/api/v1/products/4242", {"stage": "ga"}, token=d.admin), 404)
        expect_error(s.patch("/api/v1/products/%d" % lab["id"], {"stage": "ga"}, token=d.agent), 403)
        expect_error(s.patch("/api/v1/products/%d" % lab["id"], {"stage": "ga"}, token=d.pro), 403)
        expect(s.get("/api/v1/policy/versions", token=d.admin).json["in_force"] == v3)
        # The audit trail names each change and the version it made.
        rows = [(x["old_value"], x["new_value"], x["policy_version"], x["subject_id"])
                for x in audit(s, d.admin) if x["action"] == "product_stage"]
        expect(rows == [("ga", "beta", v3, lab["id"]), ("beta", "ga", v2, lab["id"])], rows)


def test_stage_change_survives_a_restart():
    with Server() as s:
        d = world(s)
        lab = stage_of(s, d.admin, "Lab")
        v2 = expect_status(s.patch("/api/v1/products/%d" % lab["id"], {"stage": "ga"}, token=d.admin),
                           200).json["version"]
        s.stop()
        s.start()
        admin = s.login("admin@vendor.example", PASSWORD)
        expect(s.get("/api/v1/policy/versions", token=admin).json["in_force"] == v2)
        expect(stage_of(s, admin, "Lab")["stage"] == "ga")


if __name__ == "__main__":
    run(globals(), "admin_ops")
