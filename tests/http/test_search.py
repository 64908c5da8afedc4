"""test_search.py - GET /api/v1/tickets?q= (issue 15): full-text search over
subjects, bodies, the conversation and requesters, with the list's filters;
a customer finds only her organization's tickets and never by the words of
an internal note; a text without a word is refused; prefixes of every
length; pages."""
import os
import sys
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run  # noqa: E402
from test_bad_input import PASSWORD, customer  # noqa: E402


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
