"""test_views.py - saved views (issue 15): /api/v1/views, an agent's named
queries of GET /api/v1/tickets, private or shared with one group.

Rules checked (docs/api.md, "Saved views"):
- create, read, rename, requery, share and delete; the name trimmed and
  unique per owner in any case (409), 1 to 80 characters;
- the query is checked by the ticket list's own rules, with its messages:
  an unknown parameter 400, a bad value 422 (a search without a word too);
  limit, after, a parameter given twice: 422; nothing is saved then;
- it is kept in one normal form, and the saved query run through GET
  /api/v1/tickets lists what the query as first written lists, words such
  as assignee=me meaning whoever runs it;
- visibility: a private view is its owner's alone (404 to others, admins
  too); a shared one is seen by the group's members and by admins, changed
  and deleted only by its owner or an admin (403 to the members); sharing
  with a group takes membership (403; admins any group; 422 for a group
  that does not exist); a deleted group's views become private;
- customers: 403 on every route;
- at most 100 views an agent (422), per agent.
"""
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run  # noqa: E402
from test_assign import AT, assign, group, world  # noqa: E402
from test_tickets import file  # noqa: E402

VIEW_KEYS = {"id", "name", "query", "group_id", "group_name", "owner_id", "owner_name", "mine"}


def save(d, token, status=201, **body):
    r = d.s.post("/api/v1/views", body, token=token)
    return expect_status(r, status, body).json


def names(d, token):
    views = expect_status(d.s.get("/api/v1/views", token=token), 200).json["views"]
    for v in views:
        expect(set(v) == VIEW_KEYS, v)
    return [v["name"] for v in views]


def ids(r):
    return [t["id"] for t in expect_status(r, 200).json["tickets"]]


def test_crud_and_the_normal_form():
    with Server() as s:
        d = world(s)
        v = save(d, d.bob, name="  P1 unassigned  ", query="?assignee=none&priority=1&q=checkout page")
        expect(set(v) == VIEW_KEYS, v)
        expect(v["name"] == "P1 unassigned", "trimmed: %r" % v["name"])
        # The list's order, form-encoded as URLSearchParams writes it.
        expect(v["query"] == "q=checkout+page&priority=1&assignee=none", v)
        expect(v["group_id"] is None and v["group_name"] is None and v["mine"] is True, v)
        expect(v["owner_id"] == d.bob_id and v["owner_name"] == "bob@vendor.example", v)
        vid = v["id"]
        r = s.get("/api/v1/views/%d" % vid, token=d.bob)
        expect(expect_status(r, 200).json == v, r)
        v2 = save(d, d.bob, name="Carla's, Ș", query="requester=Carla%40ACME.example&sla=warning&status=open")
        expect(v2["query"] == "status=open&requester=Carla%40ACME.example&sla=warning", v2)
        expect(v2["name"] == "Carla's, Ș", v2)
        # Own views by name, case folded.
        expect(names(d, d.bob) == ["Carla's, Ș", "P1 unassigned"], names(d, d.bob))
        # Unique per owner in any case; another agent may use the name.
        expect_error(s.post("/api/v1/views", {"name": "p1 UNASSIGNED", "query": ""}, token=d.bob), 409,
                     "exists already")
        save(d, d.cleo, name="P1 unassigned", query="")
        # Rename, requery; nothing to change; an empty or over-long name.
        r = expect_status(s.patch("/api/v1/views/%d" % vid, {"name": "Urgent", "query": "priority=1"},
                                  token=d.bob), 200).json
        expect(r["name"] == "Urgent" and r["query"] == "priority=1" and r["id"] == vid, r)
        expect_error(s.patch("/api/v1/views/%d" % vid, {"name": "CARLA'S, Ș"}, token=d.bob), 409, "exists already")
        expect_error(s.patch("/api/v1/views/%d" % vid, {}, token=d.bob), 422, "nothing to change")
        expect_error(s.patch("/api/v1/views/%d" % vid, {"name": "   "}, token=d.bob), 422, "must not be empty")
        expect_status(s.post("/api/v1/views", {"name": "é" * 80, "query": ""}, token=d.bob), 201)
        expect_error(s.post("/api/v1/views", {"name": "é" * 81, "query": ""}, token=d.bob), 422, "80 characters")
        expect_error(s.post("/api/v1/views", {"name": "a\tb", "query": ""}, token=d.bob), 422, "control character")
        expect_error(s.post("/api/v1/views", {"name": "x"}, token=d.bob), 422, "'query' is required")
        # Delete: gone for good.
        expect_status(s.delete("/api/v1/views/%d" % vid, token=d.bob), 204)
        expect_status(s.get("/api/v1/views/%d" % vid, token=d.bob), 404)
        expect_status(s.delete("/api/v1/views/%d" % vid, token=d.bob), 404)
        expect_status(s.patch("/api/v1/views/%d" % vid, {"name": "Back"}, token=d.bob), 404)
        expect("Urgent" not in names(d, d.bob))


def test_bad_queries_answer_as_the_list_does_and_save_nothing():
    with Server() as s:
        d = world(s)
        for query, status in (("stauts=closed", 400), ("status=closed&limit2=1", 400),
                              ("status=late", 422), ("priority=0", 422), ("sla=late", 422),
                              ("breached=yes", 422), ("assignee=bob", 422), ("requester=bob", 422),
                              ("org=-1", 422), ("q=%20-%20", 422), ("q=" + "x" * 201, 422)):
            listed = s.get("/api/v1/tickets?" + query, token=d.bob)
            expect(listed.status == status and listed.json and "error" in listed.json, (query, listed))
            r = s.post("/api/v1/views", {"name": "Bad", "query": query}, token=d.bob)
            expect(r.status == status and r.json == listed.json,
                   "%s: the view answered %r, the list %r" % (query, r, listed))
        # What a view's query may not hold, though the list takes it.
        expect_error(s.post("/api/v1/views", {"name": "Bad", "query": "status=open&limit=5"}, token=d.bob), 422,
                     "no 'limit'")
        expect_error(s.post("/api/v1/views", {"name": "Bad", "query": "after=5"}, token=d.bob), 422, "no 'after'")
        expect_error(s.post("/api/v1/views", {"name": "Bad", "query": "status=open&status=closed"}, token=d.bob), 422,
                     "given twice")
        expect_error(s.post("/api/v1/views", {"name": "Bad", "query": "status"}, token=d.bob), 422, "no value")
        expect_error(s.post("/api/v1/views", {"name": "Bad", "query": "q=%zz"}, token=d.bob), 422, "%-escape")
        expect_error(s.post("/api/v1/views", {"name": "Bad", "query": "q=a%00b"}, token=d.bob), 422, "%-escape")
        # A PATCH is checked the same way and leaves the view as it was.
        v = save(d, d.bob, name="Good", query="status=open")
        expect_error(s.patch("/api/v1/views/%d" % v["id"], {"query": "sla=late"}, token=d.bob), 422, "'sla' must be")
        expect(names(d, d.bob) == ["Good"], names(d, d.bob))
        expect(expect_status(s.get("/api/v1/views/%d" % v["id"], token=d.bob), 200).json["query"] == "status=open")


def test_the_saved_query_lists_what_the_query_lists():
    with Server() as s:
        d = world(s)
        billing = group(d, "Billing", [d.bob_id])["id"]
        d.customer("dora", "dora@acme.example", "Dora")
        subjects = ["Checkout down", "Invoice wrong", "Checkout slow", "Login page", "Checkout & refunds"]
        t = []
        for i, subject in enumerate(subjects):
            who = "carla" if i % 2 == 0 else "dora"
            t.append(file(d, who, AT, subject=subject, priority=2 if i < 3 else 3)["id"])
        assign(d, t[0], assignee_id=d.bob_id, group_id=billing)
        assign(d, t[2], group_id=billing)
        expect_status(s.patch("/api/v1/tickets/%d" % t[1], {"status": "pending"}, token=d.agent), 200)
        d.product("Big Box", "ga")
        boxed = file(d, "carla", AT, subject="Box lid", product="Big Box", priority=3)["id"]
        queries = ["product=Big%20Box", "product=Big+Box", "q=checkout", "q=%22checkout%20down%22", "q=check*&priority=2", "status=open&assignee=me",
                   "group=mine", "assignee=none&priority=3", "requester=DORA%40acme.example", "requester=%d" % d.carla_id,
                   "sla=ok&q=checkout", "sla=breached", "status=pending", "q=refunds+%26", ""]
        for q in queries:
            v = save(d, d.bob, name="v " + q, query=q)
            for token in (d.bob, d.cleo):
                want = ids(s.get("/api/v1/tickets?" + q, token=token))
                got = ids(s.get("/api/v1/tickets?" + v["query"], token=token))
                expect(got == want, "view %r (%r): %s, the query: %s" % (q, v["query"], got, want))
                # Through URLSearchParams-like parsing too, as a page does.
                parsed = urllib.parse.parse_qsl(v["query"], keep_blank_values=True)
                got = ids(s.get("/api/v1/tickets?" + urllib.parse.urlencode(parsed), token=token))
                expect(got == want, "view %r parsed: %s, the query: %s" % (q, got, want))
        # The filters do filter: some queries list something, none all.
        bob = {q: ids(s.get("/api/v1/tickets?" + q, token=d.bob)) for q in queries}
        expect(bob["q=checkout"] == [t[4], t[2], t[0]], bob)
        expect(bob["status=open&assignee=me"] == [t[0]], bob)
        expect(bob["group=mine"] == [t[2], t[0]], bob)
        expect(bob["requester=DORA%40acme.example"] == [t[3], t[1]], bob)
        expect(bob["requester=%d" % d.carla_id] == [boxed, t[4], t[2], t[0]], bob)
        expect(bob["q=refunds+%26"] == [t[4]], bob)
        # '+' is a space, in a view as in the list.
        expect(bob["product=Big%20Box"] == [boxed] and bob["product=Big+Box"] == [boxed], bob)
        views = expect_status(s.get("/api/v1/views", token=d.bob), 200).json["views"]
        expect({v["query"] for v in views if v["name"].startswith("v product")} == {"product=Big+Box"}, views)
        expect(ids(s.get("/api/v1/tickets?assignee=me", token=d.cleo)) == [], "me is whoever runs the view")


def test_private_shared_and_admins():
    with Server() as s:
        d = world(s)
        billing = group(d, "Billing", [d.bob_id])["id"]
        ops = group(d, "Ops", [d.cleo_id])["id"]
        private = save(d, d.bob, name="Bob's own", query="assignee=me")
        # Private: the owner's alone; anyone else, admins too, gets 404.
        for token in (d.cleo, d.admin):
            expect_status(s.get("/api/v1/views/%d" % private["id"], token=token), 404)
            expect_status(s.patch("/api/v1/views/%d" % private["id"], {"name": "Mine now"}, token=token), 404)
            expect_status(s.delete("/api/v1/views/%d" % private["id"], token=token), 404)
            expect("Bob's own" not in names(d, token))
        # Sharing takes membership: 403 for another group, 422 for none.
        expect_error(s.post("/api/v1/views", {"name": "Ops'", "query": "", "group_id": ops}, token=d.bob), 403,
                     "not a member of group")
        expect_error(s.patch("/api/v1/views/%d" % private["id"], {"group_id": ops}, token=d.bob), 403,
                     "not a member of group")
        expect_error(s.post("/api/v1/views", {"name": "None", "query": "", "group_id": 99999}, token=d.bob), 422,
                     "no group 99999")
        expect_error(s.post("/api/v1/views", {"name": "None", "query": "", "group_id": -1}, token=d.bob), 422,
                     "group id")
        expect_error(s.post("/api/v1/views", {"name": "None", "query": "", "group_id": "1"}, token=d.bob), 422,
                     "integer or null")
        shared = save(d, d.bob, name="Billing backlog", query="group=mine&status=open", group_id=billing)
        expect(shared["group_id"] == billing and shared["group_name"] == "Billing", shared)
        # Cleo is not in Billing: she does not see it.
        expect_status(s.get("/api/v1/views/%d" % shared["id"], token=d.cleo), 404)
        expect(names(d, d.cleo) == [], names(d, d.cleo))
        # In it, she sees it, after her own; she may not change it.
        expect_status(s.patch("/api/v1/groups/%d" % billing, {"members": [str(d.bob_id), str(d.cleo_id)]},
                              token=d.admin), 200)
        save(d, d.cleo, name="Zed", query="")
        views = expect_status(s.get("/api/v1/views", token=d.cleo), 200).json["views"]
        expect([(v["name"], v["mine"]) for v in views] == [("Zed", True), ("Billing backlog", False)], views)
        expect(views[1] == dict(shared, mine=False), views[1])
        expect_error(s.patch("/api/v1/views/%d" % shared["id"], {"name": "Cleo's"}, token=d.cleo), 403,
                     "only they or an admin")
        expect_error(s.delete("/api/v1/views/%d" % shared["id"], token=d.cleo), 403, "only they or an admin")
        # Admins see every shared view, never a private one, and manage them.
        expect(names(d, d.admin) == ["Billing backlog"], names(d, d.admin))
        r = expect_status(s.patch("/api/v1/views/%d" % shared["id"], {"name": "Billing: open", "group_id": ops},
                                  token=d.admin), 200).json
        expect(r["name"] == "Billing: open" and r["group_name"] == "Ops" and r["owner_id"] == d.bob_id, r)
        expect(r["mine"] is False, r)
        a = save(d, d.admin, name="Ops review", query="", group_id=ops)
        expect(a["group_id"] == ops, "an admin shares with any group: %r" % a)
        # Unsharing (null or 0) makes a view its owner's alone again.
        expect_status(s.patch("/api/v1/views/%d" % shared["id"], {"group_id": None}, token=d.bob), 200)
        expect_status(s.get("/api/v1/views/%d" % shared["id"], token=d.cleo), 404)
        expect_status(s.get("/api/v1/views/%d" % shared["id"], token=d.admin), 404)
        expect_status(s.patch("/api/v1/views/%d" % shared["id"], {"group_id": billing}, token=d.bob), 200)
        expect_status(s.patch("/api/v1/views/%d" % shared["id"], {"group_id": 0}, token=d.bob), 200)
        expect_status(s.get("/api/v1/views/%d" % shared["id"], token=d.cleo), 404)
        # A deleted group's views become private to their owners.
        expect_status(s.patch("/api/v1/views/%d" % shared["id"], {"group_id": billing}, token=d.bob), 200)
        expect_status(s.delete("/api/v1/groups/%d" % billing, token=d.admin), 204)
        expect_status(s.get("/api/v1/views/%d" % shared["id"], token=d.cleo), 404)
        r = expect_status(s.get("/api/v1/views/%d" % shared["id"], token=d.bob), 200).json
        expect(r["group_id"] is None and r["group_name"] is None, r)
        # The admin deletes a shared view.
        expect_status(s.delete("/api/v1/views/%d" % a["id"], token=d.admin), 204)
        expect_status(s.get("/api/v1/views/%d" % a["id"], token=d.cleo), 404)


def test_customers_are_refused():
    with Server() as s:
        d = world(s)
        v = save(d, d.bob, name="Mine", query="")
        for method, path, body in (("GET", "/api/v1/views", None),
                                   ("POST", "/api/v1/views", {"name": "Mine", "query": ""}),
                                   ("GET", "/api/v1/views/%d" % v["id"], None),
                                   ("PATCH", "/api/v1/views/%d" % v["id"], {"name": "Hers"}),
                                   ("DELETE", "/api/v1/views/%d" % v["id"], None)):
            r = s.request(method, path, body, token=d.carla)
            expect(r.status == 403, "%s %s as a customer: %r" % (method, path, r))
        expect(names(d, d.bob) == ["Mine"])


def test_at_most_100_views_an_agent():
    with Server() as s:
        d = world(s)
        first = None
        for i in range(100):
            v = save(d, d.bob, name="View %03d" % i, query="priority=%d" % (i % 9 + 1))
            first = first or v
        expect_error(s.post("/api/v1/views", {"name": "View 100", "query": ""}, token=d.bob), 422,
                     "100 views")
        expect(len(names(d, d.bob)) == 100)
        # Per agent: another agent saves hers; one deleted makes room.
        save(d, d.cleo, name="View 100", query="")
        expect_status(s.delete("/api/v1/views/%d" % first["id"], token=d.bob), 204)
        save(d, d.bob, name="View 100", query="")
        expect_error(s.post("/api/v1/views", {"name": "View 101", "query": ""}, token=d.bob), 422, "100 views")


if __name__ == "__main__":
    run(globals(), "views")
