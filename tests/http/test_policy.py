"""test_policy.py - the SLA policy over HTTP: reading it (staff, and the
summary every signed-in user gets), saving a new version (admins only),
every problem of a broken YAML with its line, and the terms rule
(docs/SLA.md, "The terms a ticket was filed under"): a saved policy applies
to tickets filed after it, open tickets keep the version they were filed
under (reclassification included), a recorded breach stays one in the
ticket, the queue and the report, and versions survive a restart.

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


def test_saved_policy_applies_to_tickets_filed_after_it():
    with Server() as s:
        d = world(s)
        y = current_yaml(s, d)
        v = expect_status(s.get("/api/v1/policy", token=d.admin), 200).json
        expect(v["version"] == 1 and v["in_force"] is True, v)  # the configured policy, saved on the first start
        # Professional P3 Wed 10:00 CET (due Thu 11:00 CET), raised to P1 at 15:00 CET: Thu 10:00 CET.
        raised = file(d, "pro", "2026-11-25T09:00:00Z", priority=3)["id"]
        d.set_clock("2026-11-25T14:00:00Z")
        r = expect_status(s.patch("/api/v1/tickets/%d" % raised, {"priority": 1, "reason": "outage"},
                                  token=d.agent), 200).json
        expect(r["first_response_due"] == "2026-11-26T09:00:00Z" and r["policy_version"] == 1, r)
        # Professional P2 Fri 16:30 CET: due Mon 14:30 CET.
        p2 = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)
        expect(p2["first_response_due"] == "2026-11-30T13:30:00Z" and p2["policy_version"] == 1, p2)
        # Professional P1 3 h -> 1 h, P2 6 h -> 2 h, saved Fri 17:00 CET.
        new = y.replace(PRO_P1, "    1: { within: 1h, calendar: business }\n").replace(
            PRO_P2, "    2: { within: 2h, calendar: business }\n")
        expect(new != y)
        d.set_clock("2026-11-27T16:00:00Z")
        r = expect_status(s.put("/api/v1/policy", {"yaml": new}, token=d.admin), 200).json
        expect(r["saved"] is True and r["version"] == 2 and "filed from now on" in r["applies_to"], r)
        expect("deadlines_changed" not in r, r)
        pro = [x for x in r["policy"]["plans"] if x["name"] == "professional"][0]
        expect(pro["targets"][1]["text"] == "2 h business", pro)
        # Open tickets keep their deadlines and version, with no event.
        t = ticket(s, d.agent, p2["id"])
        expect(t["first_response_due"] == "2026-11-30T13:30:00Z" and t["warn_at"] == "2026-11-30T12:00:00Z", t)
        expect(t["policy_version"] == 1 and not events(t, "deadline_recomputed"), t)
        expect(t["sla"]["target"] == "6 h business", t["sla"])
        t = ticket(s, d.agent, raised)
        expect(t["first_response_due"] == "2026-11-26T09:00:00Z" and t["policy_version"] == 1, t)
        # A new ticket gets the new terms: Fri 16:30-17:00 + Mon 09:00-10:30 CET.
        t = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)
        expect(t["first_response_due"] == "2026-11-30T09:30:00Z" and t["policy_version"] == 2, t)
        expect(t["sla"]["target"] == "2 h business", t["sla"])
        r = expect_status(s.post("/api/v1/deadline/preview", {"priority": 1}, token=d.pro), 200).json
        expect(r["first_response_due"] == "2026-11-30T08:30:00Z", r)  # Fri 16:30-17:00 + Mon 09:00-09:30 CET
        # Reclassifying an old ticket counts under its own version: raised
        # to P1 at Fri 17:00 CET, 3 h (not 1 h) from the change -> Mon 12:00 CET.
        d.set_clock("2026-11-27T16:00:00Z")
        prev = expect_status(s.post("/api/v1/tickets/%d/reclassify-preview" % p2["id"], {"priority": 1},
                                    token=d.agent), 200).json
        expect(prev["new_due"] == "2026-11-30T11:00:00Z", prev)
        r = expect_status(s.patch("/api/v1/tickets/%d" % p2["id"], {"priority": 1, "reason": "all payments fail"},
                                  token=d.agent), 200).json
        expect(r["first_response_due"] == "2026-11-30T11:00:00Z" and r["policy_version"] == 1, r)
        # The versions, who saved them and how many tickets run on each.
        vs = expect_status(s.get("/api/v1/policy/versions", token=d.agent), 200).json
        expect(vs["in_force"] == 2 and [x["version"] for x in vs["versions"]] == [2, 1], vs)
        expect(vs["versions"][0]["created_by_email"] == "admin@vendor.example" and vs["versions"][0]["in_force"], vs)
        expect(vs["versions"][1]["created_by"] is None and vs["versions"][1]["tickets"] == 2, vs)
        expect(vs["versions"][0]["tickets"] == 1 and vs["versions"][0]["created_at"] == "2026-11-27T16:00:00Z", vs)
        old = expect_status(s.get("/api/v1/policy?version=1", token=d.admin), 200).json
        expect(old["yaml"] == y and old["in_force"] is False, old["version"])
        expect_error(s.get("/api/v1/policy?version=9", token=d.admin), 404, "no policy version 9")
        expect_error(s.get("/api/v1/policy?version=x", token=d.admin), 422, "'version'")
        expect_error(s.get("/api/v1/policy/versions", token=d.pro), 403)
        # It all survives a restart.
        s.stop()
        s.start()
        d.sessions = {k: [v[0], 0] for k, v in d.sessions.items()}
        d.set_clock("2026-11-27T15:30:00Z")
        expect(current_yaml(s, d) == new)
        t = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)
        expect(t["first_response_due"] == "2026-11-30T09:30:00Z" and t["policy_version"] == 2, t)
        t = ticket(s, d.agent, raised)
        expect(t["first_response_due"] == "2026-11-26T09:00:00Z" and t["sla"]["target"] == "3 h business", t)


def test_loosening_after_a_breach_keeps_the_breach():
    """The issue's case: Professional P1 at within: 100h after a ticket has
    breached. The breach stays in the ticket, the queue and the report; open
    tickets keep their deadlines; a new ticket gets the new terms; answered
    late it is "answered late", never met; lowering its priority afterwards
    moves its deadline but not its breach, and raises no second one."""
    with Server() as s:
        d = world(s)
        # Mon 30 Nov 09:00 CET: P1 due 12:00 CET (11:00Z); P2 due Mon 15:00 CET.
        late = file(d, "pro", "2026-11-30T08:00:00Z", priority=1)["id"]
        p2 = file(d, "pro", "2026-11-30T08:00:00Z", priority=2)
        expect(p2["first_response_due"] == "2026-11-30T14:00:00Z", p2)
        d.set_clock("2026-11-30T11:05:00Z")
        s.wait_rounds()
        t = ticket(s, d.agent, late)
        expect(t["sla"]["state"] == "breached" and t["breached_at"] == "2026-11-30T11:05:00Z", t)
        expect(len(events(t, "sla_breach")) == 1, t["history"])

        def report():
            return expect_status(s.get("/api/v1/reports/sla?from=2026-11-30&to=2026-12-01", token=d.admin), 200).json

        def queue_state(tid):
            q = expect_status(s.get("/api/v1/queue", token=d.agent), 200).json
            return {x["id"]: x["sla"]["state"] for x in q["tickets"]}.get(tid)

        before = report()
        expect(before["total"]["breached"] == 1, before["total"])
        expect(queue_state(late) == "breached")
        y = current_yaml(s, d)
        r = expect_status(s.put("/api/v1/policy", {"yaml": y.replace(PRO_P1, "    1: { within: 100h, calendar: business }\n")},
                                token=d.admin), 200).json
        expect(r["version"] == 2, r)
        t = ticket(s, d.agent, late)
        expect(t["first_response_due"] == "2026-11-30T11:00:00Z" and t["sla"]["state"] == "breached", t)
        expect(len(events(t, "sla_breach")) == 1 and not events(t, "deadline_recomputed"), t["history"])
        expect(ticket(s, d.agent, p2["id"])["first_response_due"] == "2026-11-30T14:00:00Z")
        expect(queue_state(late) == "breached")
        after = report()
        expect(after["total"] == before["total"], (before["total"], after["total"]))
        breached = expect_status(s.get("/api/v1/tickets?breached=true", token=d.agent), 200).json["tickets"]
        expect([x["id"] for x in breached] == [late], breached)
        # A new P1 gets 100 business hours.
        n = file(d, "pro", "2026-11-30T11:05:00Z", priority=1)
        expect(n["policy_version"] == 2 and n["sla"]["target"] == "100 h business", n)
        # Lowered to P3 after its breach: 9 h from submission (Mon
        # 09:00-17:00 + Tue 09:00-10:00 CET), but still breached, and the
        # monitor raises no second breach when the new deadline passes.
        d.set_clock("2026-11-30T11:10:00Z")
        r = expect_status(s.patch("/api/v1/tickets/%d" % late, {"priority": 3, "reason": "a how-to question"},
                                  token=d.agent), 200).json
        expect(r["first_response_due"] == "2026-12-01T09:00:00Z" and r["sla"]["state"] == "breached", r)
        expect(r["breached_at"] == "2026-11-30T11:05:00Z", r)
        d.set_clock("2026-12-01T09:30:00Z")
        s.wait_rounds()
        t = ticket(s, d.agent, late)
        expect(len(events(t, "sla_breach")) == 1, t["history"])
        # Answered now: answered late, never met.
        expect_status(s.post("/api/v1/tickets/%d/replies" % late, {"body": "Here is how."}, token=d.agent), 201)
        t = ticket(s, d.agent, late)
        expect(t["sla"]["state"] == "breached", t["sla"])
        fr = events(t, "first_response")
        expect(len(fr) == 1 and fr[0]["data"]["met"] is False, fr)
        # Breached: this one (answered late) and the P2, unanswered past Mon 15:00 CET.
        expect(report()["total"]["breached"] == 2, report()["total"])


def test_policy_change_under_concurrent_submissions():
    """Tickets filed while the policy changes each get the terms of the
    version they were filed under, and exactly those: none is counted under
    one version and labelled with another."""
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
        expect_status(s.put("/api/v1/policy", {"yaml": new}, token=d.admin), 200)
        for th in threads:
            th.join()
        expect(not errors, errors[:3])
        # 6 h under version 1 (Wed 16:00 CET), 2 h under version 2 (Wed 12:00 CET).
        want = {1: "2026-11-25T15:00:00Z", 2: "2026-11-25T11:00:00Z"}
        seen = []
        after = None
        while True:
            page = expect_status(s.get("/api/v1/tickets?limit=200" + ("&after=" + after if after else ""),
                                       token=d.agent), 200).json
            seen += [(x["policy_version"], x["first_response_due"]) for x in page["tickets"]]
            after = page["next"]
            if not after:
                break
        expect(len(seen) == 120, len(seen))
        bad = [x for x in seen if want.get(x[0]) != x[1]]
        expect(not bad, bad[:5])


def test_warning_share_change_applies_to_new_tickets():
    with Server() as s:
        d = world(s)
        tid = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)["id"]
        y = current_yaml(s, d)
        new = y.replace("warning_at: 75%", "warning_at: 50%")
        expect(new != y)
        d.set_clock("2026-11-27T16:00:00Z")
        r = expect_status(s.put("/api/v1/policy", {"yaml": new}, token=d.admin), 200).json
        expect(r["policy"]["warning_percent"] == 50, r)
        t = ticket(s, d.agent, tid)
        # 6 h from Fri 16:30 CET: Mon 14:30 CET, warned at 75 % (Mon 13:00 CET) as filed.
        expect(t["first_response_due"] == "2026-11-30T13:30:00Z" and t["warn_at"] == "2026-11-30T12:00:00Z", t)
        # Filed now (Fri 17:00 CET): Mon 15:00 CET, warned at 50 % (Mon 12:00 CET).
        t = file(d, "pro", "2026-11-27T16:00:00Z", priority=2)
        expect(t["first_response_due"] == "2026-11-30T14:00:00Z" and t["warn_at"] == "2026-11-30T11:00:00Z", t)



def test_configured_policy_versions_across_restarts():
    """The configured policy is version 1; a changed --config becomes a new
    version while no admin has saved one; after an admin's save the database
    rules and a differing --config is reported and ignored."""
    import tempfile
    from harness import SOURCE
    with open(os.path.join(SOURCE, "config", "garant.yaml")) as f:
        base = f.read()
    path = os.path.join(tempfile.mkdtemp(prefix="garant-policy-"), "policy.yaml")
    with open(path, "w") as f:
        f.write(base)
    with Server(config=path) as s:
        d = world(s)
        expect(current_yaml(s, d) == base)
        t = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)
        expect(t["policy_version"] == 1 and t["first_response_due"] == "2026-11-30T13:30:00Z", t)
        # Restarted unchanged: still version 1.
        s.stop()
        s.start()
        d.sessions = {k: [v[0], 0] for k, v in d.sessions.items()}
        vs = expect_status(s.get("/api/v1/policy/versions", token=d.agent), 200).json
        expect([x["version"] for x in vs["versions"]] == [1], vs)
        # The operator edits the file: a new version for new tickets.
        s.stop()
        with open(path, "w") as f:
            f.write(base.replace(PRO_P2, "    2: { within: 2h, calendar: business }\n"))
        s.start()
        d.sessions = {k: [v[0], 0] for k, v in d.sessions.items()}
        expect("the configured policy changed: saved as version 2" in s.read_log(), s.tail())
        expect(ticket(s, d.agent, t["id"])["first_response_due"] == "2026-11-30T13:30:00Z")
        t2 = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)
        expect(t2["policy_version"] == 2 and t2["first_response_due"] == "2026-11-30T09:30:00Z", t2)
        # An admin saves version 3; the file is then ignored, and says so.
        y = current_yaml(s, d)
        expect_status(s.put("/api/v1/policy", {"yaml": y.replace("warning_at: 75%", "warning_at: 50%")},
                            token=d.admin), 200)
        s.stop()
        with open(path, "w") as f:
            f.write(base)
        s.start()
        d.sessions = {k: [v[0], 0] for k, v in d.sessions.items()}
        expect("differs from the policy an admin saved (version 3)" in s.read_log(), s.tail())
        v = expect_status(s.get("/api/v1/policy", token=d.admin), 200).json
        expect(v["version"] == 3 and v["warning_percent"] == 50, v["version"])



def test_corrections_preview_then_apply():
    """Corrections of open tickets are their own act: preview what moving
    the open tickets onto a version would do, then apply. One that moves
    deadlines only earlier is applied as is; one that moves any later is
    refused without a reason and applied with one; each moved ticket gets a
    'deadline_corrected' event; a recorded breach stays."""
    with Server() as s:
        d = world(s)
        y = current_yaml(s, d)
        # A: Professional P2 Fri 16:30 CET, due Mon 14:30 CET under version 1.
        a = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)["id"]
        # B: Professional P1 Mon 09:00 CET, due 12:00 CET, breached at 12:05 CET.
        b = file(d, "pro", "2026-11-30T08:00:00Z", priority=1)["id"]
        d.set_clock("2026-11-30T11:05:00Z")
        s.wait_rounds()
        expect(ticket(s, d.agent, b)["breached_at"] == "2026-11-30T11:05:00Z")

        def save(text):
            return expect_status(s.put("/api/v1/policy", {"yaml": text}, token=d.admin), 200).json["version"]

        def preview(version):
            return expect_status(s.post("/api/v1/policy/corrections/preview", {"to_version": version},
                                        token=d.admin), 200).json

        # Version 2: P2 was meant to be 2 h. Only earlier for the customer.
        v2 = save(y.replace(PRO_P2, "    2: { within: 2h, calendar: business }\n"))
        p = preview(v2)
        expect(p["tickets_examined"] == 2 and p["moved"] == 1 and p["earlier"] == 1 and p["later"] == 0, p)
        expect(p["needs_reason"] is False and p["unchanged"] == 1, p)
        expect(p["moves"] == [{"id": a, "old_version": 1, "old_due": "2026-11-30T13:30:00Z",
                               "new_due": "2026-11-30T09:30:00Z", "delta_seconds": -14400, "breached": False}], p)
        t = ticket(s, d.agent, a)
        expect(t["first_response_due"] == "2026-11-30T13:30:00Z" and t["policy_version"] == 1, t)  # a preview writes nothing
        r = expect_status(s.post("/api/v1/policy/corrections", {"to_version": v2}, token=d.admin), 200).json
        expect(r["applied"] is True and r["moved"] == 1 and r["earlier"] == 1 and r["reason"] is None, r)
        t = ticket(s, d.agent, a)
        expect(t["first_response_due"] == "2026-11-30T09:30:00Z" and t["policy_version"] == v2, t)
        ev = events(t, "deadline_corrected")
        expect(len(ev) == 1 and ev[0]["data"]["old_due"] == "2026-11-30T13:30:00Z"
               and ev[0]["data"]["new_due"] == "2026-11-30T09:30:00Z" and ev[0]["data"]["new_version"] == v2, ev)
        expect(ev[0]["at"] == "2026-11-30T11:05:00Z" and ev[0]["data"]["reason"] is None, ev)
        expect(ev[0]["data"]["correction"] == r["id"], (ev, r))
        # Moved earlier past now, A breaches; the monitor records it.
        s.wait_rounds()
        expect(ticket(s, d.agent, a)["breached_at"] == "2026-11-30T11:05:00Z")
        expect(preview(v2)["moved"] == 0)  # every open ticket runs on it now

        # Version 3: P1 6 h and P2 9 h: later for both.
        v3 = save(y.replace(PRO_P1, "    1: { within: 6h, calendar: business }\n").replace(
            PRO_P2, "    2: { within: 9h, calendar: business }\n"))
        p = preview(v3)
        expect(p["moved"] == 2 and p["later"] == 2 and p["needs_reason"] is True, p)
        moves = {m["id"]: m for m in p["moves"]}
        expect(moves[a]["new_due"] == "2026-12-01T08:30:00Z" and moves[b]["new_due"] == "2026-11-30T14:00:00Z", moves)
        expect(moves[b]["breached"] is True and moves[b]["delta_seconds"] == 3 * 3600, moves)
        for body in ({"to_version": v3}, {"to_version": v3, "reason": "   "}):
            expect_error(s.post("/api/v1/policy/corrections", body, token=d.admin), 422,
                         "moves 2 open deadlines later for the customer: give a 'reason'")
        t = ticket(s, d.agent, b)
        # B moved onto version 2 without a change (so without an event), and stays there.
        expect(t["first_response_due"] == "2026-11-30T11:00:00Z" and t["policy_version"] == v2, t)
        expect(not events(t, "deadline_corrected"), t["history"])
        r = expect_status(s.post("/api/v1/policy/corrections", {"to_version": v3, "reason": "the targets were set wrong"},
                                 token=d.admin), 200).json
        expect(r["moved"] == 2 and r["later"] == 2 and r["reason"] == "the targets were set wrong", r)
        for tid, due in ((a, "2026-12-01T08:30:00Z"), (b, "2026-11-30T14:00:00Z")):
            t = ticket(s, d.agent, tid)
            expect(t["first_response_due"] == due and t["policy_version"] == v3, t)
            expect(t["sla"]["state"] == "breached" and t["breached_at"] == "2026-11-30T11:05:00Z", t)
            ev = events(t, "deadline_corrected")
            expect(ev[-1]["data"]["reason"] == "the targets were set wrong" and ev[-1]["data"]["new_due"] == due, ev)
            expect(len(ev) == (2 if tid == a else 1), ev)
            # The customer sees why the deadline moved (numbered by seq,
            # not by the global ids staff see: docs/api.md).
            def content(evs):
                return [{k: v for k, v in e.items() if k not in ("id", "seq")} for e in evs]
            expect(content(events(ticket(s, d.pro, tid), "deadline_corrected")) == content(ev))
        # Who applied what: each correction is on record, newest first.
        k = expect_status(s.get("/api/v1/policy/corrections", token=d.agent), 200).json["corrections"]
        expect(len(k) == 2, k)
        admin_id = expect_status(s.get("/api/v1/me", token=d.admin), 200).json["user"]["id"]
        expect(k[0] == {"id": r["id"], "at": "2026-11-30T11:05:00Z", "by": {"id": admin_id, "email": "admin@vendor.example"},
                        "to_version": v3, "reason": "the targets were set wrong", "tickets_examined": 2,
                        "moved": 2, "earlier": 0, "later": 2}, k)
        expect(k[1]["to_version"] == v2 and k[1]["reason"] is None and k[1]["moved"] == 1 and k[1]["earlier"] == 1, k)
        expect(events(ticket(s, d.agent, a), "deadline_corrected")[-1]["data"]["correction"] == r["id"])
        expect_error(s.get("/api/v1/policy/corrections", token=d.pro), 403)
        # The new deadline passes: no second breach.
        d.set_clock("2026-11-30T14:30:00Z")
        s.wait_rounds()
        expect(len(events(ticket(s, d.agent, b), "sla_breach")) == 1)

        # Bad input and who may.
        for body, frag in (({}, "'to_version' is required"), ({"to_version": 0}, "'to_version'"),
                           ({"to_version": 99}, "no policy version 99"), ({"to_version": "2"}, "'to_version'"),
                           ({"to_version": v3, "colour": 1}, "unknown field")):
            expect_error(s.post("/api/v1/policy/corrections", body, token=d.admin), 422, frag)
        expect_error(s.post("/api/v1/policy/corrections/preview", {"to_version": v3, "reason": "x"}, token=d.admin),
                     422, "unknown field 'reason'")
        expect_error(s.post("/api/v1/policy/corrections/preview", {"to_version": v3}, token=d.agent), 403)
        expect_error(s.post("/api/v1/policy/corrections", {"to_version": v3, "reason": "x"}, token=d.agent), 403)


if __name__ == "__main__":
    run(globals(), "policy")
