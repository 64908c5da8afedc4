"""test_policy.py - the SLA policy over HTTP: reading it (staff, and the
summary every signed-in user gets), replacing it (admins only), every
problem of a broken YAML with its line, and the recomputation of open
deadlines from their history when the policy changes, each with a
history event; answered tickets keep theirs, and the change survives a
restart.

Times as in test_tickets.py: Mon-Fri 09:00-17:00 Europe/Bratislava (CET =
UTC+1 in November); deadlines worked out by hand beside each check."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run  # noqa: E402
from test_tickets import events, file, ticket, world  # noqa: E402

PRO_P1 = "    1: { within: 3h, calendar: business }\n"
PRO_P2 = "    2: { within: 6h, calendar: business }\n"


def current_yaml(s, d):
    return expect_status(s.get("/api/v1/policy", token=d.admin), 200).json["yaml"]


def test_read_policy():
    with Server() as s:
        d = world(s)
        p = expect_status(s.get("/api/v1/policy", token=d.agent), 200).json
        expect("targets:" in p["yaml"] and PRO_P2 in p["yaml"], p["yaml"][:200])
        expect([x["name"] for x in p["plans"]] == ["basic", "professional", "advanced"], p["plans"])
        pro = [x for x in p["plans"] if x["name"] == "professional"][0]
        expect([t["text"] for t in pro["targets"]] == ["3 h business", "6 h business", "9 h business"], pro)
        adv = [x for x in p["plans"] if x["name"] == "advanced"][0]
        expect(adv["targets"][0] == {"priority": 1, "kind": "24/7", "seconds": 3600, "calendar": None,
                                     "text": "1 h 24/7"}, adv)
        basic = [x for x in p["plans"] if x["name"] == "basic"][0]
        expect(all(t["kind"] == "none" for t in basic["targets"]), basic)
        p1 = p["priorities"][0]
        expect(p1["level"] == 1 and p1["name"] == "Business critical" and p1["environments"] == ["production"], p1)
        expect("complete loss of service" in p1["definition"], p1)
        expect(p["priorities"][2]["environments"] == ["production", "staging", "development"], p["priorities"])
        expect({x["name"]: x["guaranteed"] for x in p["stages"]} == {"ga": True, "beta": False, "preview": False},
               p["stages"])
        expect(p["default_priority"] == 3 and p["warning_percent"] == 75, p)
        expect(p["calendars"] == [{"name": "business", "timezone": "Europe/Bratislava"}], p["calendars"])
        # Customers get the summary, with their plan, and not the YAML.
        expect_error(s.get("/api/v1/policy", token=d.pro), 403)
        m = expect_status(s.get("/api/v1/policy/summary", token=d.pro), 200).json
        expect(m["your_plan"] == "professional" and "yaml" not in m and len(m["priorities"]) == 3, m)
        expect(m["plans"] == p["plans"] and m["stages"] == p["stages"], m)
        expect_error(s.get("/api/v1/policy/summary"), 401)
        # Only admins replace it.
        y = p["yaml"]
        expect_error(s.put("/api/v1/policy", {"yaml": y}, token=d.agent), 403)
        expect_error(s.put("/api/v1/policy", {"yaml": y}, token=d.pro), 403)
        expect_error(s.put("/api/v1/policy", {"yml": y}, token=d.admin), 422, "unknown field")


def test_broken_yaml_lists_every_problem_with_its_line():
    with Server() as s:
        d = world(s)
        y = current_yaml(s, d)
        lines = y.split("\n")
        bad = y.replace(PRO_P2, "    2: { within: soon, calendar: business }\n").replace(
            "default_priority: 3", "default_priority: 7")
        r = expect_error(s.put("/api/v1/policy", {"yaml": bad}, token=d.admin), 422, "2 problems")
        diags = r.json["error"]["diagnostics"]
        expect(len(diags) == 2, diags)
        want = {lines.index("default_priority: 3") + 1: "priority 7 is not declared",
                lines.index(PRO_P2.rstrip("\n")) + 1: 'within "soon"'}
        for dg in diags:
            expect(dg["line"] in want and want[dg["line"]] in dg["message"] and dg["column"] > 0, (dg, want))
        # A syntax error: its line too.
        r = expect_error(s.put("/api/v1/policy", {"yaml": "version: 1\nplans: [basic\n"}, token=d.admin), 422,
                         "line 3")
        expect(r.json["error"]["diagnostics"][0]["line"] == 3, r)
        # Files cannot be named by a policy saved through the API.
        ics = y.replace("    # holidays_ics: [holidays-sk.ics]", "    holidays_ics: [/etc/passwd]")
        expect(ics != y)
        expect_error(s.put("/api/v1/policy", {"yaml": ics}, token=d.admin), 422, "cannot read files")
        # A plan an organization is on cannot go.
        nobasic = y.replace("plans: [basic, professional, advanced]", "plans: [professional, advanced]").replace(
            "  basic:\n    1: none\n    2: none\n    3: none\n", "")
        expect(nobasic.count("basic") < y.count("basic"))
        expect_error(s.put("/api/v1/policy", {"yaml": nobasic}, token=d.admin), 422,
                     "organization 'Initech' is on plan 'basic'")
        # Nothing changed.
        expect(current_yaml(s, d) == y)
        t = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)
        expect(t["first_response_due"] == "2026-11-30T13:30:00Z", t)


def test_policy_change_recomputes_open_deadlines():
    with Server() as s:
        d = world(s)
        # Professional P3 Wed 10:00 CET (due Thu 11:00 CET), raised to P1 at 15:00 CET: Thu 10:00 CET.
        raised = file(d, "pro", "2026-11-25T09:00:00Z", priority=3)["id"]
        d.set_clock("2026-11-25T14:00:00Z")
        r = expect_status(s.patch("/api/v1/tickets/%d" % raised, {"priority": 1, "reason": "outage"},
                                  token=d.agent), 200).json
        expect(r["first_response_due"] == "2026-11-26T09:00:00Z", r)
        # Professional P2 Fri 16:30 CET: due Mon 14:30 CET.
        p2 = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)["id"]
        # The same, answered at 16:45 CET: its deadline is history.
        answered = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)["id"]
        d.set_clock("2026-11-27T15:45:00Z")
        expect_status(s.post("/api/v1/tickets/%d/replies" % answered, {"body": "Looking."}, token=d.agent), 201)
        # Advanced P3: a target the change does not touch.
        adv = file(d, "adv", "2026-11-27T15:30:00Z", priority=3)
        # Professional P1 3 h -> 1 h, P2 6 h -> 2 h.
        y = current_yaml(s, d)
        new = y.replace(PRO_P1, "    1: { within: 1h, calendar: business }\n").replace(
            PRO_P2, "    2: { within: 2h, calendar: business }\n")
        expect(new != y)
        d.set_clock("2026-11-27T16:00:00Z")
        r = expect_status(s.put("/api/v1/policy", {"yaml": new}, token=d.admin), 200).json
        expect(r["saved"] is True and r["tickets_examined"] == 3 and r["deadlines_changed"] == 2, r)
        pro = [x for x in r["policy"]["plans"] if x["name"] == "professional"][0]
        expect(pro["targets"][1]["text"] == "2 h business", pro)
        # P2: Fri 16:30-17:00 + Mon 09:00-10:30 -> Mon 10:30 CET; warned 30 min before.
        t = ticket(s, d.agent, p2)
        expect(t["first_response_due"] == "2026-11-30T09:30:00Z" and t["warn_at"] == "2026-11-30T09:00:00Z", t)
        ev = events(t, "deadline_recomputed")
        expect(len(ev) == 1, t["history"])
        expect(ev[0]["data"]["old_due"] == "2026-11-30T13:30:00Z" and ev[0]["data"]["new_due"] == "2026-11-30T09:30:00Z",
               ev)
        expect(ev[0]["data"]["reason"] == "policy changed" and ev[0]["at"] == "2026-11-27T16:00:00Z", ev)
        expect(ev[0]["data"]["old_warn_at"] == "2026-11-30T12:00:00Z" and
               ev[0]["data"]["new_warn_at"] == "2026-11-30T09:00:00Z", ev)
        expect(ev[0]["actor_name"] is not None, ev)
        expect(t["sla"]["explanation"] == "Fri 27 Nov 16:30-17:00 CET (30 min), Mon 30 Nov 09:00-10:30 CET (1 h 30 min)",
               t["sla"])
        # The raised ticket is replayed: P3 from Wed 10:00 CET, then P1 (now 1 h) from 15:00 CET -> 16:00 CET.
        t = ticket(s, d.agent, raised)
        expect(t["first_response_due"] == "2026-11-25T15:00:00Z", t)
        ev = events(t, "deadline_recomputed")
        expect(len(ev) == 1 and ev[0]["data"]["old_due"] == "2026-11-26T09:00:00Z", ev)
        expect(t["sla"]["state"] == "breached" and t["sla"]["clock_start"] == "2026-11-25T14:00:00Z", t["sla"])
        # Answered and untouched tickets keep theirs, without an event.
        for tid, due in ((answered, "2026-11-30T13:30:00Z"), (adv["id"], adv["first_response_due"])):
            t = ticket(s, d.agent, tid)
            expect(t["first_response_due"] == due and not events(t, "deadline_recomputed"), t)
        # The customer sees why their deadline moved.
        expect(len(events(ticket(s, d.pro, p2), "deadline_recomputed")) == 1)
        # New tickets and previews follow the new policy.
        t = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)
        expect(t["first_response_due"] == "2026-11-30T09:30:00Z", t)
        r = expect_status(s.post("/api/v1/deadline/preview", {"priority": 1}, token=d.pro), 200).json
        expect(r["first_response_due"] == "2026-11-30T08:30:00Z", r)  # Fri 16:30-17:00 + Mon 09:00-09:30 CET
        # Saving the same policy again changes nothing.
        d.set_clock("2026-11-27T16:30:00Z")
        r = expect_status(s.put("/api/v1/policy", {"yaml": new}, token=d.admin), 200).json
        expect(r["deadlines_changed"] == 0 and r["tickets_examined"] == 4, r)
        # It survives a restart.
        s.stop()
        s.start()
        d.sessions = {k: [v[0], 0] for k, v in d.sessions.items()}  # the test clock starts afresh
        d.set_clock("2026-11-27T15:30:00Z")
        expect(current_yaml(s, d) == new)
        t = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)
        expect(t["first_response_due"] == "2026-11-30T09:30:00Z", t)


def test_policy_change_under_concurrent_submissions():
    """Tickets filed while the policy changes all end up with the new
    policy's deadline once it is in force: none keeps a stale one."""
    import threading
    with Server(extra_args=["--quiet"]) as s:
        d = world(s)
        d.set_clock("2026-11-25T09:00:00Z")  # Wed 10:00 CET
        y = current_yaml(s, d)
        new = y.replace(PRO_P2, "    2: { within: 2h, calendar: business }\n")
        errors = []

        def submit(n):
            for i in range(15):
                r = s.post("/api/v1/tickets", {"subject": "s%d-%d" % (n, i), "body": "b", "priority": 2},
                           token=d.pro)
                if r.status != 201:
                    errors.append(r)

        threads = [threading.Thread(target=submit, args=(n,)) for n in range(8)]
        for th in threads:
            th.start()
        r = expect_status(s.put("/api/v1/policy", {"yaml": new}, token=d.admin), 200).json
        for th in threads:
            th.join()
        expect(not errors, errors[:3])
        # Every one is due 2 h after Wed 10:00 CET, whether filed before or after the change.
        dues = set()
        after = None
        while True:
            page = expect_status(s.get("/api/v1/tickets?limit=200" + ("&after=" + after if after else ""),
                                       token=d.agent), 200).json
            dues |= {x["first_response_due"] for x in page["tickets"]}
            after = page["next"]
            if not after:
                break
        expect(dues == {"2026-11-25T11:00:00Z"}, (dues, r["deadlines_changed"]))


def test_warning_share_change_moves_warnings_only():
    with Server() as s:
        d = world(s)
        tid = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)["id"]
        y = current_yaml(s, d)
        new = y.replace("warning_at: 75%", "warning_at: 50%")
        expect(new != y)
        d.set_clock("2026-11-27T16:00:00Z")
        r = expect_status(s.put("/api/v1/policy", {"yaml": new}, token=d.admin), 200).json
        expect(r["deadlines_changed"] == 1 and r["policy"]["warning_percent"] == 50, r)
        t = ticket(s, d.agent, tid)
        # 3 h left of 6 h: Mon 11:30 CET.
        expect(t["first_response_due"] == "2026-11-30T13:30:00Z" and t["warn_at"] == "2026-11-30T10:30:00Z", t)
        ev = events(t, "deadline_recomputed")
        expect(len(ev) == 1 and ev[0]["data"]["old_due"] == ev[0]["data"]["new_due"], ev)


if __name__ == "__main__":
    run(globals(), "policy")
