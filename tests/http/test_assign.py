"""test_assign.py - groups of agents, assignment, the views that go with it,
round-robin for new tickets and agents filing on a customer's behalf
(issue 15).

Rules checked (docs/api.md, "Groups and assignment"):
- groups: admins only write them (agents read), unique names (409),
  members are active staff (422), every change is in the audit trail, a
  group with tickets is not deleted (409);
- assignment: staff only, through PATCH /api/v1/tickets/{id}
  {assignee_id?, group_id?} (0: none); an assignee outside the ticket's
  group is 422; each change is an 'assigned' event with who and when;
  customers see neither the assignment nor its events;
- views: GET /api/v1/tickets?assignee=me|none|ID&group=mine|none|ID,
  combined with the other filters and q; customers 403; bad values 422;
- round-robin: new tickets join the default group; with round-robin each
  goes to the next member by id, continuing after a restart;
- on behalf: an agent files with {requester, received_at?}; the clock
  starts at received_at (not in the future, not over 30 days ago); the
  'created' event names the agent; the customer sees the ticket as hers,
  with only "on_behalf": true.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run  # noqa: E402
from test_tickets import Desk, PASSWORD, events, file, ticket  # noqa: E402

AT = "2026-11-25T09:00:00Z"  # Wed 10:00 CET


def world(s):
    d = Desk(s)
    d.org("Acme", "acme.example", "professional")
    d.customer("carla", "carla@acme.example", "Carla")
    s.add_staff("bob@vendor.example", "agent", PASSWORD)
    s.add_staff("cleo@vendor.example", "agent", PASSWORD)
    d.login("bob", "bob@vendor.example")
    d.login("cleo", "cleo@vendor.example")
    me = lambda tok: expect_status(s.get("/api/v1/me", token=tok), 200).json["user"]["id"]  # noqa: E731
    d.admin_id, d.bob_id, d.cleo_id, d.carla_id = me(d.admin), me(d.bob), me(d.cleo), me(d.carla)
    return d


def group(d, name, members=(), **kw):
    body = {"name": name, "members": [str(m) for m in members]}
    body.update(kw)
    return expect_status(d.s.post("/api/v1/groups", body, token=d.admin), 201).json


def assign(d, tid, token=None, status=200, **body):
    r = d.s.patch("/api/v1/tickets/%d" % tid, body, token=token or d.agent)
    return expect_status(r, status, body)


def ids(r):
    return [t["id"] for t in expect_status(r, 200).json["tickets"]]


def g_bob_name(d):
    users = expect_status(d.s.get("/api/v1/users?role=agent", token=d.admin), 200).json["users"]
    return [u["name"] for u in users if u["id"] == d.bob_id][0]


def audit_actions(d):
    rows = expect_status(d.s.get("/api/v1/audit?limit=200", token=d.admin), 200).json["audit"]
    return [(a["action"], a["subject_id"], a["old_value"], a["new_value"]) for a in rows]


# ---- groups -------------------------------------------------------------------------

def test_groups_are_admins_and_audited():
    with Server() as s:
        d = world(s)
        expect_status(s.post("/api/v1/groups", {"name": "Billing"}, token=d.agent), 403)
        expect_status(s.post("/api/v1/groups", {"name": "Billing"}, token=d.carla), 403)
        g = group(d, "Billing", [d.bob_id])
        expect(g["name"] == "Billing" and g["round_robin"] is False and g["default"] is False, g)
        expect([m["id"] for m in g["members"]] == [d.bob_id], g)
        expect_error(s.post("/api/v1/groups", {"name": "billing"}, token=d.admin), 409, "exists already")
        # Members are active staff.
        expect_error(s.post("/api/v1/groups", {"name": "Ops", "members": [str(d.carla_id)]}, token=d.admin), 422,
                     "is a customer")
        expect_error(s.post("/api/v1/groups", {"name": "Ops", "members": ["99999"]}, token=d.admin), 422,
                     "no user 99999")
        expect_error(s.post("/api/v1/groups", {"name": "Ops", "members": ["bob"]}, token=d.admin), 422, "user id")
        expect_error(s.post("/api/v1/groups", {"name": "  "}, token=d.admin), 422, "only spaces")
        # Nothing of a refused group was written.
        expect([x["name"] for x in expect_status(s.get("/api/v1/groups", token=d.agent), 200).json["groups"]]
               == ["Billing"])
        r = expect_status(s.patch("/api/v1/groups/%d" % g["id"], {"name": "Invoices", "round_robin": True,
                                                                   "members": [str(d.bob_id), str(d.cleo_id)]},
                                  token=d.admin), 200).json
        expect(r["name"] == "Invoices" and r["round_robin"] is True and len(r["members"]) == 2, r)
        expect_status(s.patch("/api/v1/groups/%d" % g["id"], {"name": "x"}, token=d.agent), 403)
        expect_error(s.patch("/api/v1/groups/%d" % g["id"], {}, token=d.admin), 422, "nothing to change")
        expect_status(s.patch("/api/v1/groups/99999", {"name": "x"}, token=d.admin), 404)
        acts = audit_actions(d)
        gid = g["id"]
        expect(("group_created", gid, None, "Billing") in acts, acts)
        expect(("group_members", gid, "", str(d.bob_id)) in acts, acts)
        expect(("group_name", gid, "Billing", "Invoices") in acts, acts)
        expect(("group_members", gid, str(d.bob_id), "%d,%d" % (d.bob_id, d.cleo_id)) in acts, acts)
        expect(("group_settings", gid, "round_robin=off default=no", "round_robin=on default=no") in acts, acts)
        # A group with a ticket stays; without, it goes.
        t = file(d, "carla", AT)
        assign(d, t["id"], group_id=gid)
        expect_error(s.delete("/api/v1/groups/%d" % gid, token=d.admin), 409, "assign them elsewhere")
        assign(d, t["id"], group_id=0)
        expect_status(s.delete("/api/v1/groups/%d" % gid, token=d.agent), 403)
        expect_status(s.delete("/api/v1/groups/%d" % gid, token=d.admin), 204)
        expect(("group_deleted", gid, "Invoices", None) in audit_actions(d))
        expect(expect_status(s.get("/api/v1/groups", token=d.admin), 200).json["groups"] == [])


# ---- assignment ---------------------------------------------------------------------

def test_assignment_rules_and_history():
    with Server() as s:
        d = world(s)
        billing = group(d, "Billing", [d.bob_id])["id"]
        t = file(d, "carla", AT)
        tid = t["id"]
        expect(t.get("assignee_id", "absent") == "absent", "a customer sees no assignment: %r" % t)
        g = ticket(s, d.agent, tid)
        expect(g["assignee_id"] is None and g["group_id"] is None, g)
        # Customers may not assign.
        expect_status(s.patch("/api/v1/tickets/%d" % tid, {"assignee_id": d.bob_id}, token=d.carla), 403)
        # Group and agent of it.
        s.set_clock("2026-11-25T09:05:00Z")
        r = assign(d, tid, group_id=billing, assignee_id=d.bob_id).json
        expect(r["assignee_id"] == d.bob_id and r["assignee_name"] == "bob@vendor.example" or r["assignee_id"] == d.bob_id,
               r)
        expect(r["group_id"] == billing and r["group_name"] == "Billing", r)
        # Cleo is not in Billing: 422, nothing changes.
        expect_error(s.patch("/api/v1/tickets/%d" % tid, {"assignee_id": d.cleo_id}, token=d.agent), 422,
                     "not a member of group")
        # Not a user, a customer, a group that does not exist, a negative id.
        expect_error(s.patch("/api/v1/tickets/%d" % tid, {"assignee_id": 99999}, token=d.agent), 422, "no user")
        expect_error(s.patch("/api/v1/tickets/%d" % tid, {"assignee_id": d.carla_id, "group_id": 0},
                             token=d.agent), 422, "is a customer")
        expect_error(s.patch("/api/v1/tickets/%d" % tid, {"group_id": 99999}, token=d.agent), 422, "no group")
        expect_error(s.patch("/api/v1/tickets/%d" % tid, {"group_id": -1}, token=d.agent), 422, "0 for none")
        expect_error(s.patch("/api/v1/tickets/%d" % tid, {"group_id": billing}, token=d.agent), 422,
                     "assigned so already")
        expect_error(s.patch("/api/v1/tickets/%d" % tid, {"group_id": 0, "status": "pending"}, token=d.agent), 422,
                     "apart from")
        expect_status(s.patch("/api/v1/tickets/99999", {"group_id": 0}, token=d.agent), 404)
        # Out of the group, then to Cleo alone, then to no one.
        s.set_clock("2026-11-25T09:10:00Z")
        r = assign(d, tid, group_id=0, assignee_id=d.cleo_id, token=d.cleo).json
        expect(r["assignee_id"] == d.cleo_id and r["group_id"] is None, r)
        assign(d, tid, assignee_id=0, token=d.admin)
        g = ticket(s, d.agent, tid)
        expect(g["assignee_id"] is None and g["group_id"] is None, g)
        hist = events(g, "assigned")
        expect(len(hist) == 3, g["history"])
        expect(hist[0]["actor_id"] == d.agent_id and hist[0]["at"] == "2026-11-25T09:05:00Z", hist[0])
        expect(hist[0]["data"] == {"from": {"assignee_id": None, "assignee_name": None, "group_id": None,
                                            "group_name": None},
                                   "to": {"assignee_id": d.bob_id, "assignee_name": g_bob_name(d),
                                          "group_id": billing, "group_name": "Billing"}}, hist[0])
        expect(hist[1]["actor_id"] == d.cleo_id and hist[1]["at"] == "2026-11-25T09:10:00Z", hist[1])
        expect(hist[1]["data"]["to"]["assignee_id"] == d.cleo_id and hist[1]["data"]["to"]["group_id"] is None,
               hist[1])
        expect(hist[2]["actor_id"] == d.admin_id and hist[2]["data"]["to"]["assignee_id"] is None, hist[2])
        # The customer sees none of it.
        assign(d, tid, assignee_id=d.bob_id)
        c = ticket(s, d.carla, tid)
        expect(not events(c, "assigned"), c["history"])
        expect(not {"assignee_id", "assignee_name", "group_id", "group_name"} & set(c), c)
        listed = expect_status(s.get("/api/v1/tickets", token=d.carla), 200).json["tickets"]
        expect(listed and not {"assignee_id", "group_id"} & set(listed[0]), listed)
        r = expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "Any news?"}, token=d.carla), 201).json
        expect("assignee_id" not in r, r)
        # An agent with a ticket assigned keeps it: deactivated, not deleted.
        expect_error(s.delete("/api/v1/users/%d" % d.bob_id, token=d.admin), 409, "history")
        # Deactivated agents take no tickets.
        expect_status(s.patch("/api/v1/users/%d" % d.cleo_id, {"active": False}, token=d.admin), 200)
        expect_error(s.patch("/api/v1/tickets/%d" % tid, {"assignee_id": d.cleo_id}, token=d.agent), 422,
                     "deactivated")


# ---- views --------------------------------------------------------------------------

def test_views_mine_groups_unassigned():
    with Server() as s:
        d = world(s)
        billing = group(d, "Billing", [d.bob_id, d.cleo_id])["id"]
        ops = group(d, "Ops", [d.cleo_id])["id"]
        d.set_clock(AT)
        subjects = ["Checkout down", "Invoice wrong", "Login slow", "Checkout slow"]
        tid = [expect_status(s.post("/api/v1/tickets", {"subject": x, "body": "Help."}, token=d.carla), 201)
               .json["id"] for x in subjects]
        assign(d, tid[0], assignee_id=d.bob_id, group_id=billing)
        assign(d, tid[1], group_id=billing)
        assign(d, tid[2], assignee_id=d.cleo_id, group_id=ops)
        # tid[3]: nobody's.
        q = lambda query, tok=None: ids(s.get("/api/v1/tickets?" + query, token=tok or d.bob))  # noqa: E731
        expect(q("assignee=me") == [tid[0]])
        expect(q("assignee=me", d.cleo) == [tid[2]])
        expect(q("assignee=none") == [tid[3], tid[1]])
        expect(q("assignee=%d" % d.cleo_id) == [tid[2]])
        expect(q("group=mine") == [tid[1], tid[0]])
        expect(q("group=mine", d.cleo) == [tid[2], tid[1], tid[0]])
        expect(q("group=mine", d.agent) == [], "an agent in no group")
        expect(q("group=%d" % ops) == [tid[2]])
        expect(q("group=none") == [tid[3]])
        expect(q("group=mine&assignee=none") == [tid[1]])
        # With the other filters and the search.
        expect(q("assignee=none&q=checkout") == [tid[3]])
        expect(q("group=mine&q=checkout") == [tid[0]])
        expect_status(s.patch("/api/v1/tickets/%d" % tid[1], {"status": "pending"}, token=d.bob), 200)
        expect(q("group=mine&status=pending") == [tid[1]])
        expect(q("group=mine&status=open") == [tid[0]])
        page = expect_status(s.get("/api/v1/tickets?group=mine&limit=1", token=d.bob), 200).json
        expect(page["next"] == str(tid[1]), page)
        expect(q("group=mine&limit=1&after=%s" % page["next"]) == [tid[0]])
        # Rows carry the assignment's names for the queue.
        row = expect_status(s.get("/api/v1/tickets?assignee=me", token=d.bob), 200).json["tickets"][0]
        expect(row["assignee_name"] == "bob@vendor.example" or row["assignee_id"] == d.bob_id, row)
        expect(row["group_name"] == "Billing", row)
        # Refused: customers, bad values.
        expect_error(s.get("/api/v1/tickets?assignee=me", token=d.carla), 403, "for agents")
        expect_error(s.get("/api/v1/tickets?group=mine", token=d.carla), 403, "for agents")
        expect_error(s.get("/api/v1/tickets?assignee=you", token=d.bob), 422, "'assignee'")
        expect_error(s.get("/api/v1/tickets?group=0", token=d.bob), 422, "'group'")
        expect_error(s.get("/api/v1/tickets?assigne=me", token=d.bob), 400)


# ---- round-robin --------------------------------------------------------------------

def test_round_robin_is_in_turn_and_survives_a_restart():
    with Server() as s:
        d = world(s)
        # Admin (lowest id) is in the group too; a customer cannot be.
        first = group(d, "First line", [d.cleo_id, d.bob_id, d.admin_id], round_robin=True, default=True)
        expect(first["default"] is True and first["round_robin"] is True, first)

        def new():
            r = expect_status(s.post("/api/v1/tickets", {"subject": "Hi", "body": "Hello."}, token=d.carla), 201)
            return ticket(s, d.agent, r.json["id"])

        d.set_clock(AT)
        order = [d.admin_id, d.bob_id, d.cleo_id]
        got = [new() for _ in range(4)]
        expect([t["assignee_id"] for t in got] == order + [d.admin_id], [t["assignee_id"] for t in got])
        expect(all(t["group_id"] == first["id"] for t in got), got)
        created = events(got[0], "created")[0]
        expect(created["data"]["group_id"] == first["id"] and created["data"]["assignee_id"] == d.admin_id, created)
        # The turn is in the database: after a restart Bob is next.
        s.stop()
        s.start()
        expect(new()["assignee_id"] == d.bob_id)
        # A deactivated member is skipped; a manual reassignment does not
        # move the turn (it is the filing's).
        expect_status(s.patch("/api/v1/users/%d" % d.cleo_id, {"active": False}, token=d.admin), 200)
        t = new()
        expect(t["assignee_id"] == d.admin_id, t)
        assign(d, t["id"], assignee_id=d.bob_id)
        expect(new()["assignee_id"] == d.bob_id)
        # Another group made default takes the flag; without round-robin
        # tickets join it unassigned.
        second = group(d, "Second line", [d.bob_id], default=True)
        gs = {g["id"]: g for g in expect_status(s.get("/api/v1/groups", token=d.agent), 200).json["groups"]}
        expect(gs[first["id"]]["default"] is False and gs[second["id"]]["default"] is True, gs)
        t = new()
        expect(t["group_id"] == second["id"] and t["assignee_id"] is None, t)
        # No default group: no routing.
        expect_status(s.patch("/api/v1/groups/%d" % second["id"], {"default": False}, token=d.admin), 200)
        t = new()
        expect(t["group_id"] is None and t["assignee_id"] is None, t)
        # The customer sees no routing in the creation either.
        c = ticket(s, d.carla, got[0]["id"])
        expect(set(events(c, "created")[0]["data"]) & {"group_id", "assignee_id"} == set(), c["history"])


# ---- on behalf ----------------------------------------------------------------------

def test_agent_files_on_behalf_of_a_customer():
    with Server() as s:
        d = world(s)
        # Wed 11:30 CET now; the call came at 10:00 CET.
        d.set_clock("2026-11-25T10:30:00Z")
        body = {"subject": "Phoned: checkout down", "body": "Carla called.", "priority": 2,
                "requester": "Carla@Acme.example", "received_at": "2026-11-25T10:00:00+01:00"}
        r = expect_status(s.post("/api/v1/tickets", body, token=d.bob), 201)
        t = ticket(s, d.agent, r.json["id"])
        expect(t["requester_id"] == d.carla_id and t["org_name"] == "Acme", t)
        expect(t["submitted_at"] == "2026-11-25T09:00:00Z", t)
        # Professional P2: 6 business hours from the call, 10:00 -> 16:00 CET.
        expect(t["first_response_due"] == "2026-11-25T15:00:00Z", t)
        expect(t["sla"]["remaining_business_seconds"] == 6 * 3600 - 5400, t["sla"])
        created = events(t, "created")[0]
        expect(created["actor_id"] == d.carla_id and created["at"] == "2026-11-25T09:00:00Z", created)
        expect(created["data"]["filed_by"] == d.bob_id and created["data"]["filed_by_name"], created)
        # The customer's: in her list, as hers, without the agent's name.
        mine = ids(s.get("/api/v1/tickets", token=d.carla))
        expect(t["id"] in mine, mine)
        c = ticket(s, d.carla, t["id"])
        cd = events(c, "created")[0]["data"]
        expect(cd.get("on_behalf") is True and "filed_by" not in cd and "filed_by_name" not in cd, cd)
        # By id, without received_at: the clock starts now.
        r = expect_status(s.post("/api/v1/tickets", {"subject": "Again", "body": "x", "requester": str(d.carla_id)},
                                 token=d.admin), 201)
        expect(r.json["submitted_at"] == "2026-11-25T10:30:00Z", r.json)
        bad = lambda extra, tok=d.bob: s.post("/api/v1/tickets", dict({"subject": "x", "body": "y"}, **extra),  # noqa
                                              token=tok)
        expect_error(bad({}), 422, "'requester' is required")
        expect_error(bad({"requester": "nobody@acme.example"}), 422, "no customer")
        expect_error(bad({"requester": "bob@vendor.example"}), 422, "not a customer")
        expect_error(bad({"requester": "carla@acme.example", "received_at": "2026-11-25T10:31:00Z"}), 422,
                     "in the future")
        expect_error(bad({"requester": "carla@acme.example", "received_at": "2026-10-25T10:00:00Z"}), 422,
                     "30 days")
        expect_error(bad({"requester": "carla@acme.example", "received_at": "yesterday"}), 422, "RFC 3339")
        # Customers file for themselves only.
        expect_error(bad({"requester": "carla@acme.example"}, d.carla), 422, "for agents")
        expect_error(bad({"received_at": "2026-11-25T10:00:00Z"}, d.carla), 422, "for agents")
        # Nothing refused was written.
        expect(len(ids(s.get("/api/v1/tickets", token=d.agent))) == 2)


if __name__ == "__main__":
    run(globals(), "assign")
