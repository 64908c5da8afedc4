"""test_bulk.py - POST /api/v1/tickets/bulk (issue 15): the changes of
PATCH /api/v1/tickets/{id} on up to 100 tickets at once, all or nothing.

Rules checked (docs/api.md, "POST /api/v1/tickets/bulk"):
- an assignment, a status, a priority with its reason, or several: every
  ticket gets the history events a single PATCH would give it (by the
  caller, at now), in order, and the same deadline;
- every requester gets the mails of their own tickets (priority changed,
  solved), one per ticket;
- the answer lists every ticket named, in that order, as it is now, and
  which of them changed; a change a ticket has already is left out for
  that ticket (no event);
- all or nothing: one ticket refused (one that does not exist, an assignee
  outside its group, a priority its policy lacks) is a 422 naming it, and
  no ticket changed, not even those before it, and no mail is sent;
- 1 to 100 ids, each once, at least one change, a reason with a priority
  (422); customers 403.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run  # noqa: E402
from test_assign import group  # noqa: E402
from test_mail_notify import mails_to, parse, subjects_to, wait_mail  # noqa: E402
from test_tickets import PASSWORD, events, file, ticket, world  # noqa: E402

CARLA, GINA = "carla@acme.example", "gina@globex.example"
MON = "2026-11-30T09:00:00Z"  # Mon 10:00 CET
TICKET_KEYS = {"id", "priority", "status", "due_at", "assignee_id", "group_id"}


def desk(s):
    d = world(s)
    s.add_staff("bob@vendor.example", "agent", PASSWORD)
    s.add_staff("cleo@vendor.example", "agent", PASSWORD)
    d.login("bob", "bob@vendor.example")
    d.login("cleo", "cleo@vendor.example")
    me = lambda tok: expect_status(s.get("/api/v1/me", token=tok), 200).json["user"]["id"]  # noqa: E731
    d.bob_id, d.cleo_id = me(d.bob), me(d.cleo)
    return d


def bulk(d, token=None, want=200, **body):
    r = d.s.post("/api/v1/tickets/bulk", body, token=token or d.agent)
    return expect_status(r, want, body).json


def histories(d, tids):
    return {t: ticket(d.s, d.agent, t)["history"] for t in tids}


def test_assign_status_and_priority_with_each_tickets_history():
    with Server() as s:
        d = desk(s)
        billing = group(d, "Billing", [d.bob_id])["id"]
        a = file(d, "pro", MON, priority=2, subject="Checkout down")["id"]
        b = file(d, "adv", MON, priority=2, subject="Invoices slow")["id"]
        c = file(d, "pro", MON, priority=3, subject="Login page")["id"]
        twin = file(d, "pro", MON, priority=2, subject="Checkout down too")["id"]  # changed by PATCH alone
        d.set_clock("2026-11-30T09:30:00Z")
        r = bulk(d, ids=[c, a, b], group_id=billing, assignee_id=d.bob_id)
        expect(r["updated"] == [c, a, b], r)
        expect([t["id"] for t in r["tickets"]] == [c, a, b], r)
        for t in r["tickets"]:
            expect(set(t) == TICKET_KEYS, t)
            g = ticket(s, d.agent, t["id"])
            expect(t == {"id": g["id"], "priority": g["priority"], "status": g["status"],
                         "due_at": g["first_response_due"], "assignee_id": d.bob_id, "group_id": billing}, (t, g))
            ev = events(g, "assigned")
            expect(len(ev) == 1 and ev[0]["actor_id"] == d.agent_id and ev[0]["at"] == "2026-11-30T09:30:00Z", ev)
            expect(ev[0]["data"]["to"]["assignee_id"] == d.bob_id and ev[0]["data"]["to"]["group_name"] == "Billing",
                   ev)
        # Status, then priority with the reason: the deadline a single PATCH
        # gives (the twin, changed alone at the same instant).
        d.set_clock("2026-11-30T10:00:00Z")
        r = bulk(d, ids=[a, b, c], status="pending", reason="waiting for the logs")
        expect(r["updated"] == [a, b, c] and {t["status"] for t in r["tickets"]} == {"pending"}, r)
        r = bulk(d, ids=[a, b], priority=1, reason="all shops affected")
        expect_status(s.patch("/api/v1/tickets/%d" % twin, {"priority": 1, "reason": "all shops affected"},
                              token=d.agent), 200)
        due = {t["id"]: t["due_at"] for t in r["tickets"]}
        expect(due[a] == ticket(s, d.agent, twin)["first_response_due"] and due[a] is not None, (due, twin))
        for tid in (a, b):
            g = ticket(s, d.agent, tid)
            expect(g["priority"] == 1 and g["first_response_due"] == due[tid], g)
            st = events(g, "status_changed")
            expect(len(st) == 1 and st[0]["data"] == {"from": "open", "to": "pending", "reason": "waiting for the logs"},
                   st)
            pc = events(g, "priority_changed")
            expect(len(pc) == 1 and pc[0]["data"]["from"] == 2 and pc[0]["data"]["to"] == 1, pc)
            expect(pc[0]["data"]["reason"] == "all shops affected" and pc[0]["data"]["new_due"] == due[tid], pc)
            expect(pc[0]["actor_id"] == d.agent_id and pc[0]["at"] == "2026-11-30T10:00:00Z", pc)
        expect(ticket(s, d.agent, c)["priority"] == 3, "a ticket not named is left alone")
        # Several changes at once: the assignment's event, then the status's.
        d.set_clock("2026-11-30T10:05:00Z")
        r = bulk(d, token=d.bob, ids=[b, c], assignee_id=0, status="open")
        expect(r["updated"] == [b, c] and all(t["assignee_id"] is None and t["group_id"] == billing and
                                              t["status"] == "open" for t in r["tickets"]), r)
        kinds = [e["kind"] for e in ticket(s, d.agent, c)["history"]]
        expect(kinds == ["created", "assigned", "status_changed", "assigned", "status_changed"], kinds)


def test_each_requester_gets_the_mails_of_their_tickets():
    with Server() as s:
        d = desk(s)
        a = file(d, "pro", MON, priority=2, subject="Refunds fail")["id"]
        b = file(d, "adv", MON, priority=2, subject="Exports fail")["id"]
        c = file(d, "pro", MON, priority=3, subject="Logos blurry")["id"]
        for addr, subject in ((CARLA, "Refunds fail"), (GINA, "Exports fail"), (CARLA, "Logos blurry")):
            wait_mail(s, addr, subject)
        d.set_clock("2026-11-30T10:00:00Z")
        bulk(d, ids=[a, b], priority=1, reason="every shop is down")
        for addr, tid, subject in ((CARLA, a, "Refunds fail"), (GINA, b, "Exports fail")):
            m = wait_mail(s, addr, "Priority changed")
            expect(str(m["Subject"]) == "[#%d] Priority changed from P2 to P1: %s" % (tid, subject), m["Subject"])
            expect("Reason: every shop is down" in m.get_body(preferencelist=("plain",)).get_content(), m)
        bulk(d, ids=[a, b, c], status="solved")
        for addr, tid, subject in ((CARLA, a, "Refunds fail"), (GINA, b, "Exports fail"), (CARLA, c, "Logos blurry")):
            wait_mail(s, addr, "[#%d] Solved: %s" % (tid, subject))
        s.mails_settled()
        # One mail per ticket and event: no more, no fewer.
        carla = [x for x in subjects_to(s, CARLA) if "Priority changed" in x or "Solved" in x]
        expect(sorted(carla) == sorted(["[#%d] Priority changed from P2 to P1: Refunds fail" % a,
                                        "[#%d] Solved: Refunds fail" % a, "[#%d] Solved: Logos blurry" % c]), carla)
        gina = [x for x in subjects_to(s, GINA) if "Priority changed" in x or "Solved" in x]
        expect(len(gina) == 2, gina)
        mids = [parse(m)["Message-ID"] for m in mails_to(s, CARLA) + mails_to(s, GINA)]
        expect(len(mids) == len(set(mids)), mids)


def test_one_refused_ticket_changes_nothing():
    with Server() as s:
        d = desk(s)
        ops = group(d, "Ops", [d.cleo_id])["id"]
        a = file(d, "pro", MON, priority=2, subject="First")["id"]
        b = file(d, "pro", MON, priority=2, subject="Second")["id"]
        c = file(d, "adv", MON, priority=3, subject="Third")["id"]
        expect_status(s.patch("/api/v1/tickets/%d" % b, {"group_id": ops}, token=d.agent), 200)
        s.mails_settled()
        before = histories(d, (a, b, c))
        sent = len(s.smtp.mails)
        d.set_clock("2026-11-30T10:00:00Z")
        # A ticket that does not exist, in the middle.
        expect_error(s.post("/api/v1/tickets/bulk", {"ids": [a, 99999, c], "status": "solved"}, token=d.agent),
                     422, "ticket 99999 not found")
        # Bob is no member of b's group: a, before it, was already assigned
        # in the same write, and is not any more.
        r = s.post("/api/v1/tickets/bulk", {"ids": [a, b, c], "assignee_id": d.bob_id}, token=d.agent)
        expect_error(r, 422, "ticket %d: user %d is not a member of group %d" % (b, d.bob_id, ops))
        # A priority the policy lacks, with a status that was fine.
        expect_error(s.post("/api/v1/tickets/bulk", {"ids": [c, a], "status": "pending", "priority": 7,
                                                     "reason": "x"}, token=d.agent), 422, "ticket %d: 'priority'" % c)
        # An assignee who is not staff: named with the first ticket.
        carla_id = expect_status(s.get("/api/v1/me", token=d.pro), 200).json["user"]["id"]
        expect_error(s.post("/api/v1/tickets/bulk", {"ids": [c, a], "assignee_id": carla_id}, token=d.agent),
                     422, "ticket %d: 'assignee_id'" % c)
        after = histories(d, (a, b, c))
        expect(after == before, "a refused bulk change wrote something: %r" % {t: after[t][len(before[t]):]
                                                                                for t in after})
        for tid in (a, c):
            g = ticket(s, d.agent, tid)
            expect(g["status"] == "open" and g["assignee_id"] is None, g)
        s.mails_settled()
        expect(len(s.smtp.mails) == sent, "mails after refused changes: %r" % s.smtp.mails[sent:])


def test_a_change_a_ticket_has_is_left_out():
    with Server() as s:
        d = desk(s)
        a = file(d, "pro", MON, priority=2, subject="First")["id"]
        b = file(d, "pro", MON, priority=3, subject="Second")["id"]
        expect_status(s.patch("/api/v1/tickets/%d" % a, {"status": "solved"}, token=d.agent), 200)
        r = bulk(d, ids=[a, b], status="solved")
        expect(r["updated"] == [b] and [t["status"] for t in r["tickets"]] == ["solved", "solved"], r)
        expect(len(events(ticket(s, d.agent, a), "status_changed")) == 1)
        r = bulk(d, ids=[a, b], priority=3, reason="normal after all")
        expect(r["updated"] == [a], r)
        expect(not events(ticket(s, d.agent, b), "priority_changed"))
        bulk(d, ids=[a], assignee_id=d.bob_id)
        r = bulk(d, ids=[a, b], assignee_id=d.bob_id)
        expect(r["updated"] == [b], r)
        expect(len(events(ticket(s, d.agent, a), "assigned")) == 1)
        r = bulk(d, ids=[a, b], assignee_id=d.bob_id, status="solved")
        expect(r["updated"] == [], r)


def test_what_a_bulk_change_must_be():
    with Server() as s:
        d = desk(s)
        a = file(d, "pro", MON, priority=2, subject="First")["id"]
        b = file(d, "pro", MON, priority=3, subject="Second")["id"]
        before = histories(d, (a, b))
        many = list(range(1, 102))
        for body, status, part in (
                ({"ids": many, "status": "solved"}, 422, "more than 100"),
                ({"ids": [a, b, a], "status": "solved"}, 422, "ticket %d twice" % a),
                ({"ids": [], "status": "solved"}, 422, "at least one ticket"),
                ({"status": "solved"}, 422, "'ids' is required"),
                ({"ids": [a, 0], "status": "solved"}, 422, "'ids' must be"),
                ({"ids": [a, "2"], "status": "solved"}, 422, "'ids' must be"),
                ({"ids": [a, b]}, 422, "nothing to change"),
                ({"ids": [a, b], "priority": 1}, 422, "'reason' is required"),
                ({"ids": [a, b], "priority": 0, "reason": "x"}, 422, "1 to 9"),
                ({"ids": [a, b], "status": "done"}, 422, "'status' must be"),
                ({"ids": [a, b], "assignee_id": -1}, 422, "0 for none"),
                ({"ids": [a, b], "status": "solved", "reason": " "}, 422, "'reason' must not be empty"),
                ({"ids": [a, b], "status": "solved", "note": "x"}, 422, "unknown field 'note'")):
            expect_error(s.post("/api/v1/tickets/bulk", body, token=d.agent), status, part)
        expect_status(s.post("/api/v1/tickets/bulk", {"ids": [a, b], "status": "solved"}, token=d.pro), 403)
        expect(histories(d, (a, b)) == before, "a refused request wrote something")
        # 100 is the most, and fine.
        ids = [a, b] + [file(d, "pro", MON, priority=3, subject="T%d" % i)["id"] for i in range(98)]
        r = bulk(d, ids=ids, status="pending")
        expect(len(r["updated"]) == 100 and len(r["tickets"]) == 100, len(r["updated"]))


if __name__ == "__main__":
    run(globals(), "bulk")
