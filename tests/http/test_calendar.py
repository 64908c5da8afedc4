"""test_calendar.py - GET /api/v1/calendar: a business calendar's open hours
and named holidays per local day (the admin page's month view), its range
limits and who may read it. The default policy: Mon-Fri 09:00-17:00 in
Europe/Bratislava, holidays 24-26 Dec, Easter and others."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run  # noqa: E402


def staff(s):
    s.set_clock("2026-11-27T10:00:00Z")
    s.add_staff("admin@garant.test", "admin")
    return s.login("admin@garant.test")


def by_date(doc):
    return {d["date"]: d for d in doc["days"]}


def test_month_with_holidays():
    with Server() as s:
        tok = staff(s)
        r = expect_status(s.get("/api/v1/calendar?from=2026-12-01&to=2026-12-31", token=tok), 200)
        doc = r.json
        expect(doc["calendar"] == "business" and doc["timezone"] == "Europe/Bratislava", doc)
        expect(doc["from"] == "2026-12-01" and doc["to"] == "2026-12-31", doc)
        expect(doc["now"] == "2026-11-27T10:00:00Z", doc)
        expect(len(doc["days"]) == 31, len(doc["days"]))
        days = by_date(doc)
        tue = days["2026-12-01"]
        expect(tue["weekday"] == 2 and tue["open_seconds"] == 8 * 3600 and tue["holidays"] == [], tue)
        expect(tue["windows"] == [{"start": "2026-12-01T08:00:00Z", "end": "2026-12-01T16:00:00Z",
                                   "local_start": "09:00", "local_end": "17:00"}], tue)
        sat = days["2026-12-05"]
        expect(sat["weekday"] == 6 and sat["open_seconds"] == 0 and sat["windows"] == [], sat)
        # 24 Dec (Thu) and 25 Dec (Fri) close working days; 26 Dec is a Saturday
        # but still a holiday by name.
        for date, name in (("2026-12-24", "Christmas Eve"), ("2026-12-25", "Christmas Day"),
                           ("2026-12-26", "St. Stephen's Day")):
            d = days[date]
            expect(d["open_seconds"] == 0 and d["windows"] == [], d)
            expect(d["holidays"] == [{"name": name, "closed_from": "00:00", "closed_to": "24:00", "all_day": True}], d)
        expect(days["2026-12-28"]["open_seconds"] == 8 * 3600, days["2026-12-28"])
        # The calendar named explicitly answers the same.
        r2 = expect_status(s.get("/api/v1/calendar?from=2026-12-24&to=2026-12-24&calendar=business", token=tok), 200)
        expect(r2.json["days"] == [days["2026-12-24"]], r2)


def test_summer_time_and_easter():
    with Server() as s:
        tok = staff(s)
        days = by_date(expect_status(s.get("/api/v1/calendar?from=2026-03-27&to=2026-04-07", token=tok), 200).json)
        # CET before the change on Sun 29 Mar, CEST after: 09:00 local is 08:00Z, then 07:00Z.
        expect(days["2026-03-27"]["windows"][0]["start"] == "2026-03-27T08:00:00Z", days["2026-03-27"])
        expect(days["2026-03-30"]["windows"][0]["start"] == "2026-03-30T07:00:00Z", days["2026-03-30"])
        expect(days["2026-03-30"]["windows"][0]["local_start"] == "09:00", days["2026-03-30"])
        # Easter 2026 is 5 Apr: Good Friday 3 Apr, Easter Monday 6 Apr.
        expect([h["name"] for h in days["2026-04-03"]["holidays"]] == ["Good Friday"], days["2026-04-03"])
        expect([h["name"] for h in days["2026-04-06"]["holidays"]] == ["Easter Monday"], days["2026-04-06"])
        expect(days["2026-04-06"]["open_seconds"] == 0 and days["2026-04-07"]["open_seconds"] == 8 * 3600, days)


def test_bad_ranges_and_access():
    with Server() as s:
        tok = staff(s)
        expect_error(s.get("/api/v1/calendar?to=2026-12-31", token=tok), 422, "'from' is required")
        expect_error(s.get("/api/v1/calendar?from=2026-12-01", token=tok), 422, "'to' is required")
        expect_error(s.get("/api/v1/calendar?from=2026-02-30&to=2026-03-01", token=tok), 422, "'from' must be a date")
        expect_error(s.get("/api/v1/calendar?from=2026-12-01&to=tomorrow", token=tok), 422, "'to' must be a date")
        expect_error(s.get("/api/v1/calendar?from=2026-12-02&to=2026-12-01", token=tok), 422, "not be before")
        expect_error(s.get("/api/v1/calendar?from=2026-11-01&to=2027-01-02", token=tok), 422, "at most 62")
        expect_status(s.get("/api/v1/calendar?from=2026-11-01&to=2027-01-01", token=tok), 200)
        expect_error(s.get("/api/v1/calendar?from=2026-12-01&to=2026-12-02&calendar=night", token=tok), 422,
                     "unknown calendar 'night'; the policy has business")
        expect_error(s.get("/api/v1/calendar?from=2100-12-31&to=2101-01-01", token=tok), 422, "covers")
        expect_error(s.get("/api/v1/calendar?from=2026-12-01&to=2026-12-02"), 401)
        s.add_staff("agent@garant.test", "agent")
        agent = s.login("agent@garant.test")
        expect_status(s.get("/api/v1/calendar?from=2026-12-01&to=2026-12-02", token=agent), 200)


def test_customers_read_the_opening_hours():
    """Customers' pages count business time with the calendar's windows
    (one lateness figure everywhere, issue 15): opening hours are no
    secret, so any signed-in user reads them; nobody else."""
    with Server() as s:
        tok = staff(s)
        expect_status(s.post("/api/v1/orgs", {"name": "Acme", "domains": ["acme.example"], "plan": "basic"},
                             token=tok), 201)
        expect_status(s.post("/api/v1/signup", {"email": "c@acme.example", "password": "customer pw 1",
                                                "name": "C"}), 201)
        import re
        mail = s.smtp.wait_for("c@acme.example")
        token = re.search(r"token=([\w-]+)", mail["data"]).group(1)
        expect_status(s.post("/api/v1/verify", {"token": token}), 200)
        cust = s.login("c@acme.example", "customer pw 1")
        r = expect_status(s.get("/api/v1/calendar?from=2026-12-01&to=2026-12-02", token=cust), 200)
        expect(r.json["days"][0]["windows"][0]["local_start"] == "09:00", r.json["days"][0])
        expect_error(s.get("/api/v1/calendar?from=2026-12-01&to=2026-12-02"), 401)


run(globals(), "calendar")
