"""test_search.py - GET /api/v1/tickets?q= (issue 15): full-text search over
subjects, bodies, the conversation and requesters, with the list's filters;
a customer finds only her organization's tickets and never by the words of
an internal note; a text without a word is refused; prefixes of every
length; pages. The filters requester= (staff: a user id or an address) and
sla= (the SLA state each ticket shows now), alone and with the others."""
import os
import sys
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run  # noqa: E402
from test_bad_input import PASSWORD, customer  # noqa: E402
from test_tickets import file, ticket, world  # noqa: E402


def ids(r):
    return [t["id"] for t in expect_status(r, 200).json["tickets"]]


def test_search_words_phrases_and_visibility():
    with Server() as s:
        s.set_clock("2026-11-16T09:00:00Z")
        acme = customer(s, "it@acme.example")
        globex = customer(s, "ops@globex.example")
        s.add_staff("agent@vendor.example", "agent", PASSWORD)
        agent = s.login("agent@vendor.example", PASSWORD)

        def file(tok, subject, body):
            return expect_status(s.post("/api/v1/tickets", {"subject": subject, "body": body}, token=tok), 201).json["id"]
        a = file(acme, "Checkout is down", "The checkout page answers 502.")
        b = file(acme, "Invoice question", "Where is last month's invoice?")
        c = file(globex, "Checkout slow", "Plata merge încet.")
        expect_status(s.post("/api/v1/tickets/%d/replies" % b, {"body": "Looks like the legacy billing engine.",
                                                                "public": False}, token=agent), 201)
        expect_status(s.post("/api/v1/tickets/%d/replies" % b, {"body": "See Billing, then Downloads."},
                             token=agent), 201)

        expect(ids(s.get("/api/v1/tickets?q=checkout", token=agent)) == [c, a])
        expect(ids(s.get("/api/v1/tickets?q=checkout", token=acme)) == [a], "another organization's ticket")
        expect(ids(s.get("/api/v1/tickets?q=%22page%20answers%22", token=acme)) == [a])
        expect(ids(s.get("/api/v1/tickets?q=plat%C4%83", token=agent)) == [c], "diacritics are folded")
        expect(ids(s.get("/api/v1/tickets?q=check*&org=%d" % 2, token=agent)) == [c])
        # The words of an internal note: staff find the ticket, its customer does not.
        expect(ids(s.get("/api/v1/tickets?q=legacy", token=agent)) == [b])
        expect(ids(s.get("/api/v1/tickets?q=legacy", token=acme)) == [], "an internal note's words")
        expect(ids(s.get("/api/v1/tickets?q=downloads", token=acme)) == [b])
        # With the list's filters and pages.
        expect(ids(s.get("/api/v1/tickets?q=checkout&status=closed", token=agent)) == [])
        page = expect_status(s.get("/api/v1/tickets?q=checkout&limit=1", token=agent), 200).json
        expect([t["id"] for t in page["tickets"]] == [c] and page["next"] == str(c), page)
        expect(ids(s.get("/api/v1/tickets?q=checkout&limit=1&after=%s" % page["next"], token=agent)) == [a])
        # Refused: no word, too long.
        expect_error(s.get("/api/v1/tickets?q=%20-%20*%20", token=agent), 422, "no word")
        expect_error(s.get("/api/v1/tickets?q=" + "x" * 201, token=agent), 422, "longer than 200")



def test_requester_filter():
    with Server() as s:
        d = world(s)
        d.customer("dora", "dora@acme.example", "Dora")
        me = lambda tok: expect_status(s.get("/api/v1/me", token=tok), 200).json["user"]["id"]  # noqa: E731
        carla, dora, gina = me(d.pro), me(d.dora), me(d.adv)
        at = "2026-11-30T09:00:00Z"
        a = file(d, "pro", at, subject="Checkout down")["id"]
        b = file(d, "dora", at, subject="Checkout slow")["id"]
        c = file(d, "adv", at, subject="Checkout error")["id"]
        e = file(d, "pro", at, subject="Invoice wrong")["id"]
        expect_status(s.patch("/api/v1/tickets/%d" % e, {"status": "pending"}, token=d.agent), 200)
        q = lambda query, tok=d.agent: ids(s.get("/api/v1/tickets?" + query, token=tok))  # noqa: E731
        expect(q("requester=%d" % carla) == [e, a])
        expect(q("requester=carla%40acme.example") == [e, a])
        expect(q("requester=CARLA%40Acme.Example") == [e, a], "an address in any case")
        expect(q("requester=%d" % dora) == [b] and q("requester=%d" % gina) == [c])
        # With the other filters, a search and pages.
        expect(q("requester=%d&status=open" % carla) == [a])
        expect(q("requester=%d&q=checkout" % carla) == [a])
        expect(q("requester=%d&org=%d" % (carla, d.adv_org)) == [])
        page = expect_status(s.get("/api/v1/tickets?requester=%d&limit=1" % carla, token=d.agent), 200).json
        expect(ids_of(page) == [e] and page["next"] == str(e), page)
        expect(q("requester=%d&limit=1&after=%d" % (carla, e)) == [a])
        # Nobody by that address or id: nothing, not everything.
        expect(q("requester=nobody%40acme.example") == [])
        expect(q("requester=99999") == [])
        # Malformed: 422 saying what it takes.
        for bad in ("carla", "0", "-3", "%40acme.example", "carla%40", ""):
            expect_error(s.get("/api/v1/tickets?requester=" + bad, token=d.agent), 422,
                         "'requester' must be")
        # Customers: their list is their organization's already; 403.
        expect_error(s.get("/api/v1/tickets?requester=%d" % carla, token=d.pro), 403, "for agents and admins")
        expect_error(s.get("/api/v1/tickets?requester=%d" % dora, token=d.pro), 403, "for agents and admins")


def ids_of(page):
    return [t["id"] for t in page["tickets"]]


def test_sla_filter_agrees_with_each_tickets_state():
    with Server() as s:
        d = world(s)
        # Fri 10:00 CET, professional P1: breached by Monday.
        late = file(d, "pro", "2026-11-27T09:00:00Z", priority=1, subject="Checkout broken")["id"]
        # Mon 10:00 CET, professional: P2 (6 h, in its warning at 75 %
        # below), P3 (9 h, running then), a beta product (no guarantee);
        # advanced P3 answered at once (met); basic (no guarantee).
        warned = file(d, "pro", "2026-11-30T09:00:00Z", priority=2, subject="Checkout slow")
        running = file(d, "pro", "2026-11-30T09:00:00Z", priority=3, subject="Checkout report")["id"]
        none = file(d, "pro", "2026-11-30T09:00:00Z", priority=3, product="Lab", subject="Lab checkout")["id"]
        met = file(d, "adv", "2026-11-30T09:00:00Z", priority=3, subject="Invoice question")["id"]
        basic = file(d, "basic", "2026-11-30T09:00:00Z", priority=3, subject="Basic question")["id"]
        expect_status(s.post("/api/v1/tickets/%d/replies" % met, {"body": "Here it is."}, token=d.agent), 201)
        expect(warned["warn_at"] < warned["first_response_due"], warned)
        d.set_clock(warned["warn_at"])
        states = {t["id"]: t["sla"]["state"] for t in
                  expect_status(s.get("/api/v1/tickets", token=d.agent), 200).json["tickets"]}
        want_states = {late: "breached", warned["id"]: "warning", running: "active", none: "none", met: "met",
                       basic: "none"}
        expect(states == want_states, "the tickets' own states: %r" % states)
        q = lambda query, tok=d.agent: ids(s.get("/api/v1/tickets?" + query, token=tok))  # noqa: E731
        for value, kinds in (("breached", {"breached"}), ("warning", {"warning"}), ("ok", {"met", "active"}),
                             ("none", {"none"})):
            want = sorted((i for i, st in states.items() if st in kinds), reverse=True)
            expect(q("sla=" + value) == want, "sla=%s: %s, want %s" % (value, q("sla=" + value), want))
        # With a search, another filter, a customer (her organization only).
        expect(q("sla=ok&q=checkout") == [running])
        expect(q("sla=breached&priority=1") == [late] and q("sla=breached&priority=2") == [])
        expect(q("sla=warning", d.pro) == [warned["id"]])
        expect(q("sla=none", d.pro) == [none] and q("sla=none", d.basic) == [basic] and q("sla=none", d.adv) == [])
        expect(q("sla=ok", d.adv) == [met] and q("sla=ok", d.basic) == [])
        # The deadline passes: the warning is a breach now.
        d.set_clock(warned["first_response_due"])
        expect(q("sla=warning") == [warned["id"]], "at the deadline itself it is not yet breached")
        # Mon 17:00 CET: the P2 is breached, the P3 (9 h) in its warning.
        d.set_clock("2026-11-30T16:00:00Z")
        expect(q("sla=warning") == [running] and q("sla=breached") == [warned["id"], late], q("sla=breached"))
        # A value none takes: 422 naming those it does; a typo of the name: 400.
        for bad in ("late", "Breached", "met", ""):
            r = expect_error(s.get("/api/v1/tickets?sla=" + bad, token=d.agent), 422, "'sla' must be breached")
            expect("warning, ok" in r.json["error"]["message"] and "none" in r.json["error"]["message"], r)
        expect_error(s.get("/api/v1/tickets?SLA=ok", token=d.agent), 400, "takes q, status")
        expect(ticket(s, d.agent, late)["sla"]["state"] == "breached")

def test_search_prefixes_and_pages():
    """A prefix finds what it says at every length (FTS5 reads a 3-character
    one from an index of its own, checks a longer one from its first 3, a
    shorter one on every ticket of the scope); a customer's never reaches an
    internal note; a page's next, and only a last page's null, pages on."""
    with Server() as s:
        s.set_clock("2026-11-16T09:00:00Z")
        acme = customer(s, "it@acme.example")
        globex = customer(s, "ops@globex.example")
        s.add_staff("agent@vendor.example", "agent", PASSWORD)
        agent = s.login("agent@vendor.example", PASSWORD)

        def file(tok, subject, body):
            return expect_status(s.post("/api/v1/tickets", {"subject": subject, "body": body}, token=tok), 201).json["id"]
        a = file(acme, "Zebra crossing", "A kayak trip.")
        b = file(acme, "Zeppelin", "Kayaking and zebu.")
        c = file(globex, "Quiet", "The zenith of kay.")
        expect_status(s.post("/api/v1/tickets/%d/replies" % c, {"body": "Zucchini in the notes.", "public": False},
                             token=agent), 201)

        for q, want in (("z*", [c, b, a]), ("ze*", [c, b, a]), ("zeb*", [b, a]), ("zebr*", [a]), ("zebras*", []),
                        ("kaya*", [b, a]), ("kayak-tr*", [a]), ("trip-ka*", []), ("zeb* kay*", [b, a]),
                        ("zu*", [c]), ("zucch*", [c])):
            expect(ids(s.get("/api/v1/tickets?q=" + quote(q), token=agent)) == want, q)
        # Her organization's tickets, never by an internal note's words.
        for q, want in (("z*", [c]), ("zu*", []), ("zuc*", []), ("zucch*", []), ("zen*", [c])):
            expect(ids(s.get("/api/v1/tickets?q=" + quote(q), token=globex)) == want, "customer: " + q)
        expect(ids(s.get("/api/v1/tickets?q=kay*", token=acme)) == [b, a])
        expect(ids(s.get("/api/v1/tickets?q=kay*&org=%d" % 1, token=agent)) == [b, a])

        # Pages: a full one names the next, the last says null.
        page = expect_status(s.get("/api/v1/tickets?q=z*&limit=2", token=agent), 200).json
        expect([t["id"] for t in page["tickets"]] == [c, b] and page["next"] == str(b), page)
        page = expect_status(s.get("/api/v1/tickets?q=z*&limit=2&after=" + page["next"], token=agent), 200).json
        expect([t["id"] for t in page["tickets"]] == [a] and page["next"] is None, page)

if __name__ == "__main__":
    run(globals(), "search")
