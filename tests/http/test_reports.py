"""test_reports.py - GET /api/v1/reports/sla end to end.

Tickets are filed across the three plans of the default policy, at known
test-clock instants in one week of November 2026 (CET = UTC+1, business
hours Mon-Fri 09:00-17:00 CET = 08:00-16:00 UTC); some are answered in time,
some late, some not at all. Every figure below is computed by hand from
config/garant.yaml's targets:
  professional: P1 3 h, P2 6 h, P3 9 h of business time
  advanced:     P1 1 h around the clock (24/7), P2 3 h, P3 6 h business
  basic:        no guarantee
Percentiles are nearest-rank: rank ceil(p * n / 100) of the sorted values.
"""
import csv
import io
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run  # noqa: E402

PASSWORD = "correct horse battery"
H = 3600

ACME = 'Acme, "Widgets" Ltd'  # a comma and quotes: CSV must quote it
ORGS = [
    (ACME, "acme.example", "professional"),
    ("Globex", "globex.example", "advanced"),
    ("Initech", "initech.example", "basic"),
]


class Desk:
    """A server with an admin, an agent, one customer per organization and a
    clock that only moves forward. Sessions last 12 h, so each call logs in
    again when its token is older than 6 h of test-clock time."""

    def __init__(self, s):
        self.s = s
        self.now = None
        self.sessions = {}  # email -> (token, login instant string)
        self.clock("2026-11-15T20:00:00Z")
        s.add_staff("admin@vendor.example", "admin", PASSWORD)
        s.add_staff("agent@vendor.example", "agent", PASSWORD)
        for name, domain, plan in ORGS:
            r = s.post("/api/v1/orgs", {"name": name, "domains": [domain], "plan": plan},
                       token=self.token("admin@vendor.example"))
            expect_status(r, 201)
            self.signup("it@" + domain)

    def clock(self, when):
        self.s.set_clock(when)
        self.now = when

    def signup(self, email):
        s = self.s
        r = s.post("/api/v1/signup", {"email": email, "password": PASSWORD, "name": "Customer " + email})
        expect(r.status in (200, 201, 202), "signup: %r" % r)
        mail = s.smtp.wait_for(email)
        m = re.search(r"token=([A-Za-z0-9_\-]+)", mail["data"].replace("=\r\n", "").replace("=\n", ""))
        expect(m, "no token in the verification mail: %r" % mail["data"])
        expect_status(s.post("/api/v1/verify", {"token": m.group(1)}), 200)

    def token(self, email):
        from datetime import datetime
        t = self.sessions.get(email)
        parse = lambda x: datetime.strptime(x, "%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
        if t and (parse(self.now) - parse(t[1])).total_seconds() < 6 * H:
            return t[0]
        tok = self.s.login(email, PASSWORD)
        self.sessions[email] = (tok, self.now)
        return tok

    def file(self, when, domain, priority, subject=None):
        self.clock(when)
        r = self.s.post("/api/v1/tickets", {"subject": subject or "P%d at %s" % (priority, when),
                                            "body": "Something is wrong.", "priority": priority,
                                            "environment": "production"},
                        token=self.token("it@" + domain))
        expect_status(r, 201)
        return r.json["id"]

    def answer(self, when, ticket):
        self.clock(when)
        r = self.s.post("/api/v1/tickets/%d/replies" % ticket, {"body": "Looking into it.", "public": True},
                        token=self.token("agent@vendor.example"))
        expect_status(r, 201)

    def report(self, query, status=200, email="agent@vendor.example", **kw):
        r = self.s.get("/api/v1/reports/sla" + query, token=self.token(email), **kw)
        return expect_status(r, status)


def scenario(s):
    """File and answer the tickets of the module docstring; returns the Desk
    with its clock at Tue 2026-11-17 10:00Z."""
    d = Desk(s)
    d.file("2026-11-15T23:00:00Z", "acme.example", 3, "before the period")     # not counted
    a1 = d.file("2026-11-16T09:00:00Z", "acme.example", 1)    # due 12:00Z
    g1 = d.file("2026-11-16T09:00:00Z", "globex.example", 1)  # 24/7 1 h: due 10:00Z
    d.answer("2026-11-16T09:20:00Z", g1)                      # in time: 1200 s
    d.answer("2026-11-16T10:00:00Z", a1)                      # in time: 3600 s
    a2 = d.file("2026-11-16T10:00:00Z", "acme.example", 2)    # 6 h: Mon 11-17 CET, due Mon 16:00Z
    b1 = d.file("2026-11-16T10:00:00Z", "initech.example", 3)  # no target
    d.file("2026-11-16T11:00:00Z", "acme.example", 3)         # a3: 9 h: Mon 5 h + Tue 4 h, due Tue 12:00Z
    d.file("2026-11-16T11:00:00Z", "initech.example", 3)      # b2: no target, never answered
    d.file("2026-11-16T12:00:00Z", "acme.example", 1)         # a4: due 15:00Z, never answered
    d.answer("2026-11-16T12:00:00Z", b1)                      # 7200 s wall, no business sample
    a5 = d.file("2026-11-16T13:00:00Z", "acme.example", 3)
    d.answer("2026-11-16T13:30:00Z", a5)                      # in time: 1800 s
    g3 = d.file("2026-11-16T14:00:00Z", "globex.example", 2)  # 3 h: Mon 15-17 CET + Tue 9-10 CET, due Tue 09:00Z
    g2 = d.file("2026-11-16T15:00:00Z", "globex.example", 1)  # due 16:00Z
    d.answer("2026-11-16T17:00:00Z", g2)                      # late: 7200 s
    d.answer("2026-11-17T08:30:00Z", g3)                      # in time: wall 66600, business 2.5 h
    d.answer("2026-11-17T09:00:00Z", a2)                      # late: wall 23 h, business 7 h
    d.file("2026-11-17T09:30:00Z", "globex.example", 3, "after the period")  # not counted
    d.clock("2026-11-17T10:00:00Z")
    return d


def fig(tickets, with_target, responded, in_time, breached, still_open, attainment, bmed, bp90, wmed, wp90):
    return {"tickets": tickets, "with_target": with_target, "responded": responded, "responded_in_time": in_time,
            "breached": breached, "still_open": still_open, "attainment_percent": attainment,
            "business_median_s": bmed, "business_p90_s": bp90, "wall_median_s": wmed, "wall_p90_s": wp90}


TOTAL = fig(10, 8, 7, 4, 3, 1, 57.14, 3600, 25200, 7200, 82800)
BY_PLAN = {
    "basic": fig(2, 0, 1, 0, 0, 0, None, None, None, 7200, 7200),
    "professional": fig(5, 5, 3, 2, 2, 1, 50.0, 3600, 25200, 3600, 82800),
    "advanced": fig(3, 3, 3, 2, 1, 0, 66.67, 7200, 9000, 7200, 66600),
}
BY_PRIORITY = {
    1: fig(4, 4, 3, 2, 2, 0, 50.0, 3600, 7200, 3600, 7200),
    2: fig(2, 2, 2, 1, 1, 0, 50.0, 9000, 25200, 66600, 82800),
    3: fig(4, 2, 2, 1, 0, 1, 100.0, 1800, 1800, 1800, 7200),
}


def figures_of(o):
    return {k: o[k] for k in TOTAL}


def test_report_figures_and_groupings():
    with Server() as s:
        d = scenario(s)
        period = "?from=2026-11-16&to=2026-11-17"

        r = d.report(period)
        j = r.json
        expect(r.headers.get("Content-Type", "").startswith("application/json"), r.headers)
        expect(j["from"] == "2026-11-16T00:00:00Z" and j["to"] == "2026-11-17T00:00:00Z", j)
        expect(j["now"] == "2026-11-17T10:00:00Z", j)
        expect(j["group_by"] == [] and j["groups"] == [], j)
        expect(figures_of(j["total"]) == TOTAL, "total %r != %r" % (j["total"], TOTAL))

        # By plan: in the policy's order, the total unchanged.
        j = d.report(period + "&group_by=plan").json
        expect(j["group_by"] == ["plan"], j)
        expect([g["plan"] for g in j["groups"]] == ["basic", "professional", "advanced"], j)
        for g in j["groups"]:
            expect(figures_of(g) == BY_PLAN[g["plan"]], "plan %s: %r != %r" % (g["plan"], g, BY_PLAN[g["plan"]]))
            expect("priority" not in g and "org" not in g, g)
        expect(figures_of(j["total"]) == TOTAL, j["total"])

        j = d.report(period + "&group_by=priority").json
        expect([g["priority"] for g in j["groups"]] == [1, 2, 3], j)
        for g in j["groups"]:
            expect(figures_of(g) == BY_PRIORITY[g["priority"]], "P%d: %r" % (g["priority"], g))

        # By organization, then priority: organizations by name.
        j = d.report(period + "&group_by=org,priority").json
        expect(j["group_by"] == ["org", "priority"], j)
        keys = [(g["org"], g["priority"]) for g in j["groups"]]
        expect(keys == [(ACME, 1), (ACME, 2), (ACME, 3), ("Globex", 1), ("Globex", 2), ("Initech", 3)], keys)
        acme_p1 = j["groups"][0]  # a1 in time, a4 unanswered past due
        expect(figures_of(acme_p1) == fig(2, 2, 1, 1, 1, 0, 50.0, 3600, 3600, 3600, 3600), acme_p1)
        acme_p3 = j["groups"][2]  # a3 still open, a5 in time
        expect(figures_of(acme_p3) == fig(2, 2, 1, 1, 0, 1, 100.0, 1800, 1800, 1800, 1800), acme_p3)
        globex_p2 = j["groups"][4]  # g3: business 2.5 h over a night
        expect(figures_of(globex_p2) == fig(1, 1, 1, 1, 0, 0, 100.0, 9000, 9000, 66600, 66600), globex_p2)
        expect(all(isinstance(g["org_id"], int) for g in j["groups"]), j)

        # Three keys, in the order asked: priority, then plan, then org.
        j = d.report(period + "&group_by=priority,plan,org").json
        keys = [(g["priority"], g["plan"], g["org"]) for g in j["groups"]]
        expect(keys == [(1, "professional", ACME), (1, "advanced", "Globex"), (2, "professional", ACME),
                        (2, "advanced", "Globex"), (3, "basic", "Initech"), (3, "professional", ACME)], keys)
        expect(sum(g["tickets"] for g in j["groups"]) == 10, j)

        # Later the same day a3 is past its deadline: breached, not open.
        d.clock("2026-11-17T12:00:01Z")
        j = d.report(period + "&group_by=plan").json
        pro = [g for g in j["groups"] if g["plan"] == "professional"][0]
        expect((pro["breached"], pro["still_open"], pro["attainment_percent"]) == (3, 0, 40.0), pro)
        expect((j["total"]["breached"], j["total"]["still_open"], j["total"]["attainment_percent"]) ==
               (4, 0, 50.0), j["total"])


def test_report_period_bounds():
    with Server() as s:
        d = scenario(s)
        # RFC 3339 bounds, to exclusive: 09:00 is in, 10:00 is out.
        j = d.report("?from=2026-11-16T10:00:00%2B01:00&to=2026-11-16T10:00:00Z&group_by=plan").json
        expect(j["from"] == "2026-11-16T09:00:00Z", j)
        expect(j["total"]["tickets"] == 2, j)  # a1 and g1
        expect([g["plan"] for g in j["groups"]] == ["professional", "advanced"], j)
        # The default period: the 30 days before now (Tue 10:00Z) - all 12 tickets.
        j = d.report("").json
        expect(j["to"] == "2026-11-17T10:00:00Z" and j["from"] == "2026-10-18T10:00:00Z", j)
        expect(j["total"]["tickets"] == 12, j)
        # An empty period: zeros and nulls, no groups.
        j = d.report("?from=2026-01-01&to=2026-02-01&group_by=org").json
        expect(j["groups"] == [] and figures_of(j["total"]) == fig(0, 0, 0, 0, 0, 0, None, None, None, None, None), j)
        # At most 366 days.
        expect_status(d.report("?from=2025-11-17&to=2026-11-18"), 200)


def test_report_csv():
    with Server() as s:
        d = scenario(s)
        r = d.report("?from=2026-11-16&to=2026-11-17&group_by=org&format=csv")
        expect(r.headers.get("Content-Type", "").startswith("text/csv"), r.headers)
        expect(r.raw.endswith("\r\n") and "\n" not in r.raw.replace("\r\n", ""), "CRLF line ends: %r" % r.raw)
        lines = r.raw.split("\r\n")[:-1]
        expect(lines[0] == "org,tickets,with_target,responded,responded_in_time,breached,still_open,"
                           "attainment_percent,business_median_s,business_p90_s,wall_median_s,wall_p90_s", lines)
        # RFC 4180: the comma and the quotes of the name are quoted.
        expect(lines[1] == '"Acme, ""Widgets"" Ltd",5,5,3,2,2,1,50.00,3600,25200,3600,82800', lines[1])
        expect(lines[2] == "Globex,3,3,3,2,1,0,66.67,7200,9000,7200,66600", lines[2])
        expect(lines[3] == "Initech,2,0,1,0,0,0,,,,7200,7200", lines[3])
        expect(lines[4] == ",10,8,7,4,3,1,57.14,3600,25200,7200,82800", "total row: %r" % lines[4])
        expect(len(lines) == 5, lines)
        rows = list(csv.reader(io.StringIO(r.raw)))
        expect(rows[1][0] == ACME and len(rows) == 5 and all(len(x) == 12 for x in rows), rows)

        # Two keys; Accept: text/csv chooses CSV too.
        r = d.report("?from=2026-11-16&to=2026-11-17&group_by=plan,priority", headers={"Accept": "text/csv"})
        expect(r.headers.get("Content-Type", "").startswith("text/csv"), r.headers)
        rows = list(csv.reader(io.StringIO(r.raw)))
        expect(rows[0][:3] == ["plan", "priority", "tickets"], rows[0])
        expect([x[:2] for x in rows[1:]] == [["basic", "3"], ["professional", "1"], ["professional", "2"],
                                             ["professional", "3"], ["advanced", "1"], ["advanced", "2"], ["", ""]],
               rows)
        # format=json wins over Accept.
        r = d.report("?from=2026-11-16&to=2026-11-17&format=json", headers={"Accept": "text/csv"})
        expect(r.json and r.json["total"]["tickets"] == 10, r)
        # Without group_by: the header and the total row.
        r = d.report("?from=2026-11-16&to=2026-11-17&format=csv")
        expect(r.raw == "tickets,with_target,responded,responded_in_time,breached,still_open,attainment_percent,"
                        "business_median_s,business_p90_s,wall_median_s,wall_p90_s\r\n"
                        "10,8,7,4,3,1,57.14,3600,25200,7200,82800\r\n", r.raw)


def test_report_csv_formula_cells():
    """An organization name a spreadsheet would run as a formula is written
    with a leading apostrophe (and quoted)."""
    with Server() as s:
        d = Desk.__new__(Desk)
        d.s, d.now, d.sessions = s, None, {}
        d.clock("2026-11-16T08:00:00Z")
        s.add_staff("admin@vendor.example", "admin", PASSWORD)
        s.add_staff("agent@vendor.example", "agent", PASSWORD)
        expect_status(s.post("/api/v1/orgs", {"name": "=HYPERLINK(\"x\")", "domains": ["formula.example"],
                                              "plan": "professional"}, token=d.token("admin@vendor.example")), 201)
        d.signup("it@formula.example")
        d.file("2026-11-16T09:00:00Z", "formula.example", 3)
        r = d.report("?from=2026-11-16&to=2026-11-17&group_by=org&format=csv")
        line = r.raw.split("\r\n")[1]
        expect(line.startswith('"\'=HYPERLINK(""x"")",1,1,0,0,0,1,,'), line)
        # JSON keeps the name as it is.
        j = d.report("?from=2026-11-16&to=2026-11-17&group_by=org").json
        expect(j["groups"][0]["org"] == '=HYPERLINK("x")', j)


def test_report_bad_queries_and_access():
    with Server() as s:
        d = Desk(s)
        base = "/api/v1/reports/sla"
        agent = d.token("agent@vendor.example")
        for q, frag in [
            ("?group_by=team", "unknown key 'team'"),
            ("?group_by=plan,plan", "'plan' is given twice"),
            ("?group_by=plan,", "empty"),
            ("?group_by=PLAN", "unknown key 'PLAN'"),
            ("?from=2026-11-17&to=2026-11-16", "'from' must be before 'to'"),
            ("?from=2026-11-16&to=2026-11-16", "'from' must be before 'to'"),
            ("?from=2025-01-01&to=2026-11-16", "366 days"),
            ("?from=2026-02-30&to=2026-03-16", "'from'"),
            ("?from=yesterday", "'from'"),
            ("?to=2026-11-16T25:00:00Z", "'to'"),
            ("?from=2026-11-16T10:00:00", "'from'"),  # no offset
            ("?format=xlsx", "'format'"),
        ]:
            expect_error(s.get(base + q, token=agent), 422, frag)
        # Customers may not read reports; without a session nobody may.
        expect_error(s.get(base, token=d.token("it@acme.example")), 403)
        expect_error(s.get(base), 401)
        expect_error(s.post(base, {}, token=agent), 405)
        # Admins may.
        expect_status(s.get(base, token=d.token("admin@vendor.example")), 200)


if __name__ == "__main__":
    run(globals(), "reports")
