"""test_admin.py - organizations and products: created and changed by admins
only, plans and stages checked against the policy, domains unique and never
a free-mail provider's, and no partial record on failure; the user list for
staff: filters, pages, no secrets, and customers refused."""
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run, wait_until  # noqa: E402

PASSWORD = "correct horse battery"


def customer(s, email):
    """A verified customer's bearer token (sign-up through the mailed link)."""
    before = len([m for m in s.smtp.mails if email in m["to"]])
    expect_status(s.post("/api/v1/signup", {"email": email, "password": PASSWORD, "name": "C"}), 201)
    # This sign-up's mail, not an earlier one to the address: the outbox
    # sends it after the answer.
    mail = wait_until(lambda: ([m for m in s.smtp.mails if email in m["to"]][before:] or [None])[-1],
                      "the verification mail to %s" % email)
    tok = re.search(r"/verify\?token=([A-Za-z0-9_-]+)", mail["data"]).group(1)
    expect_status(s.post("/api/v1/verify", {"token": tok}), 200)
    return s.login(email)


def staff(s):
    s.add_staff("root@vendor.example", "admin")
    s.add_staff("agent@vendor.example", "agent")
    return s.login("root@vendor.example"), s.login("agent@vendor.example")


def test_org_creation():
    with Server() as s:
        admin, _ = staff(s)
        r = expect_status(s.post("/api/v1/orgs", {"name": "Acme Corporation",
                                                  "domains": ["ACME.example", "acme.example", "acme-eu.example"],
                                                  "plan": "professional"}, token=admin), 201)
        o = r.json
        expect(o["name"] == "Acme Corporation" and o["plan"] == "professional", o)
        expect(o["domains"] == ["acme.example", "acme-eu.example"], o)
        expect(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", o["created_at"]), o)
        expect(r.headers.get("Location") == "/api/v1/orgs/%d" % o["id"], r.headers)
        got = expect_status(s.get("/api/v1/orgs/%d" % o["id"], token=admin), 200).json
        expect(got["name"] == o["name"] and sorted(got["domains"]) == sorted(o["domains"])
               and got["created_at"] == o["created_at"], (got, o))
        expect_error(s.get("/api/v1/orgs/999", token=admin), 404)

        # The plan must be one of the policy's.
        expect_error(s.post("/api/v1/orgs", {"name": "X", "domains": ["x.example"], "plan": "platinum"},
                            token=admin), 422, "not a plan of the policy (plans: basic, professional, advanced)")
        # A domain belongs to one organization; names are unique.
        expect_error(s.post("/api/v1/orgs", {"name": "Other", "domains": ["other.example", "Acme.Example"],
                                             "plan": "basic"}, token=admin), 409, "acme.example belongs to")
        expect_error(s.post("/api/v1/orgs", {"name": "Acme Corporation", "domains": [], "plan": "basic"},
                            token=admin), 409, "exists already")
        # Free-mail and malformed domains are refused.
        expect_error(s.post("/api/v1/orgs", {"name": "G", "domains": ["gmail.com"], "plan": "basic"},
                            token=admin), 422, "gmail.com is a free mail provider")
        expect_error(s.post("/api/v1/orgs", {"name": "G", "domains": ["eu.gmx.net"], "plan": "basic"},
                            token=admin), 422, "free mail provider")
        for bad in ["no-dot", "a..b.example", "-a.example", "a_b.example", "exa mple.com", "", "1.2.3.4"]:
            expect_error(s.post("/api/v1/orgs", {"name": "B", "domains": [bad], "plan": "basic"}, token=admin), 422)
        expect_error(s.post("/api/v1/orgs", {"name": "B", "domains": "b.example", "plan": "basic"}, token=admin),
                     422, "'domains' must be an array of strings")
        expect_error(s.post("/api/v1/orgs", {"name": "B", "domains": ["d%d.example" % i for i in range(101)],
                                             "plan": "basic"}, token=admin), 422, "more than 100")
        expect_error(s.post("/api/v1/orgs", {"domains": ["b.example"], "plan": "basic"}, token=admin), 422,
                     "'name' is required")
        expect_error(s.post("/api/v1/orgs", {"name": "B", "plan": "basic", "owner": 1}, token=admin), 422,
                     "unknown field 'owner'")
        expect_error(s.post("/api/v1/orgs", {"name": "x" * 201, "plan": "basic"}, token=admin), 422)
        # None of the refused requests left anything behind (the conflicting
        # one had inserted "Other" and other.example before failing).
        orgs = expect_status(s.get("/api/v1/orgs", token=admin), 200).json["orgs"]
        expect([x["name"] for x in orgs] == ["Acme Corporation"], orgs)
        r = expect_status(s.post("/api/v1/orgs", {"name": "Other", "domains": ["other.example"], "plan": "basic"},
                                 token=admin), 201)
        # A customer signing up at a listed domain joins it.
        c = customer(s, "pat@acme-eu.example")
        me = s.get("/api/v1/me", token=c).json
        expect(me["org"]["id"] == o["id"] and me["org"]["plan"] == "professional", me)


def test_org_update():
    with Server() as s:
        admin, _ = staff(s)
        a = expect_status(s.post("/api/v1/orgs", {"name": "A", "domains": ["a.example"], "plan": "basic"},
                                 token=admin), 201).json
        expect_status(s.post("/api/v1/orgs", {"name": "B", "domains": ["b.example"], "plan": "basic"}, token=admin),
                      201)
        r = expect_status(s.patch("/api/v1/orgs/%d" % a["id"], {"plan": "advanced", "domains_add": ["a2.example"]},
                                  token=admin), 200).json
        expect(r["plan"] == "advanced" and sorted(r["domains"]) == ["a.example", "a2.example"], r)
        # Adding a domain the organization has already is harmless.
        expect_status(s.patch("/api/v1/orgs/%d" % a["id"], {"domains_add": ["A.example"]}, token=admin), 200)
        # All or nothing: a conflicting domain leaves the plan unchanged too.
        expect_error(s.patch("/api/v1/orgs/%d" % a["id"], {"plan": "basic", "domains_add": ["a3.example", "b.example"]},
                             token=admin), 409, "b.example belongs to")
        r = s.get("/api/v1/orgs/%d" % a["id"], token=admin).json
        expect(r["plan"] == "advanced" and sorted(r["domains"]) == ["a.example", "a2.example"], r)
        expect_error(s.patch("/api/v1/orgs/%d" % a["id"], {"plan": "gold"}, token=admin), 422, "not a plan")
        expect_error(s.patch("/api/v1/orgs/%d" % a["id"], {"domains_add": ["hotmail.co.uk"]}, token=admin), 422,
                     "free mail")
        expect_error(s.patch("/api/v1/orgs/%d" % a["id"], {}, token=admin), 422, "nothing to change")
        expect_error(s.patch("/api/v1/orgs/424242", {"plan": "basic"}, token=admin), 404)
        expect_error(s.patch("/api/v1/orgs/%d" % a["id"], {"names": "renamed"}, token=admin), 422, "unknown field")


def test_org_rename_and_delete():
    """Issue 13, finding 8: nothing renamed or deleted an organization."""
    with Server() as s:
        admin, agent = staff(s)
        a = expect_status(s.post("/api/v1/orgs", {"name": "A", "domains": ["a.example"], "plan": "basic"},
                                 token=admin), 201).json
        b = expect_status(s.post("/api/v1/orgs", {"name": "B", "domains": ["b.example"], "plan": "basic"},
                                 token=admin), 201).json
        r = expect_status(s.patch("/api/v1/orgs/%d" % a["id"], {"name": "Acme Corporation"}, token=admin), 200).json
        expect(r["name"] == "Acme Corporation" and r["domains"] == ["a.example"] and r["plan"] == "basic", r)
        expect_error(s.patch("/api/v1/orgs/%d" % a["id"], {"name": "B"}, token=admin), 409, "named \"B\" exists")
        expect_error(s.patch("/api/v1/orgs/%d" % a["id"], {"name": "  "}, token=admin), 422, "'name'")
        expect_error(s.patch("/api/v1/orgs/%d" % a["id"], {"name": "x\ny"}, token=admin), 422, "control character")
        expect_error(s.patch("/api/v1/orgs/%d" % a["id"], {"name": "C"}, token=agent), 403)
        # An organization with a user, or a ticket, stays.
        cust = customer(s, "amy@a.example")
        expect_error(s.delete("/api/v1/orgs/%d" % a["id"], token=admin), 409, "1 user")
        expect_status(s.post("/api/v1/tickets", {"subject": "s", "body": "b"}, token=cust), 201)
        expect_error(s.delete("/api/v1/orgs/%d" % a["id"], token=admin), 409, "has tickets")
        expect_status(s.get("/api/v1/orgs/%d" % a["id"], token=admin), 200)
        # An empty one goes, and its domain is free again.
        expect_error(s.delete("/api/v1/orgs/%d" % b["id"], token=agent), 403)
        expect_status(s.delete("/api/v1/orgs/%d" % b["id"], token=admin), 204)
        expect_error(s.get("/api/v1/orgs/%d" % b["id"], token=admin), 404)
        expect_error(s.delete("/api/v1/orgs/%d" % b["id"], token=admin), 404)
        expect_status(s.post("/api/v1/orgs", {"name": "B", "domains": ["b.example"], "plan": "basic"}, token=admin),
                      201)


def test_unconfirmed_sign_up_claims_no_domain():
    """Issue 13, finding 8: ceo@bigbank.example signs up and never confirms;
    the admin's organization for the domain is created all the same (it
    was 409), and a later confirmation joins it."""
    with Server() as s:
        admin, _ = staff(s)
        expect_status(s.post("/api/v1/signup", {"email": "ceo@bigbank.example", "password": PASSWORD,
                                                "name": "Not the CEO"}), 201)
        mail = s.smtp.wait_for("ceo@bigbank.example")
        expect(s.get("/api/v1/orgs", token=admin).json["orgs"] == [], "an unconfirmed sign-up made an organization")
        org = expect_status(s.post("/api/v1/orgs", {"name": "bigbank.example", "domains": ["bigbank.example"],
                                                    "plan": "advanced"}, token=admin), 201).json
        tok = re.search(r"/verify\?token=([A-Za-z0-9_-]+)", mail["data"]).group(1)
        expect_status(s.post("/api/v1/verify", {"token": tok}), 200)
        me = s.get("/api/v1/me", token=s.login("ceo@bigbank.example", PASSWORD)).json
        expect(me["user"]["org_id"] == org["id"] and me["org"]["plan"] == "advanced", me)
        expect(len(s.get("/api/v1/orgs", token=admin).json["orgs"]) == 1)


def test_deactivate_and_delete_users():
    """Issue 13, finding 8: a user with history is deactivated (cannot sign
    in, keeps the tickets); one without is deleted."""
    with Server() as s:
        admin, agent = staff(s)
        expect_status(s.post("/api/v1/orgs", {"name": "A", "domains": ["a.example"], "plan": "basic"},
                             token=admin), 201)
        amy = customer(s, "amy@a.example")
        t = expect_status(s.post("/api/v1/tickets", {"subject": "s", "body": "b"}, token=amy), 201).json
        uid = {u["email"]: u["id"] for u in s.get("/api/v1/users", token=admin).json["users"]}
        expect_error(s.delete("/api/v1/users/%d" % uid["amy@a.example"], token=admin), 409, "deactivate")
        r = expect_status(s.patch("/api/v1/users/%d" % uid["amy@a.example"], {"active": False}, token=admin), 200)
        expect(r.json["active"] is False and r.json["email"] == "amy@a.example", r)
        # Her session ends at once, her password opens nothing, her ticket stays.
        expect_error(s.get("/api/v1/me", token=amy), 401)
        expect_error(s.post("/api/v1/login", {"email": "amy@a.example", "password": PASSWORD}), 403, "deactivated")
        expect_error(s.post("/api/v1/login", {"email": "amy@a.example", "password": "wrong password!"}), 401)
        expect(s.get("/api/v1/tickets/%d" % t["id"], token=agent).json["id"] == t["id"])
        listed = [u for u in s.get("/api/v1/users", token=admin).json["users"] if u["email"] == "amy@a.example"]
        expect(listed[0]["active"] is False, listed)
        # Back again.
        r = expect_status(s.patch("/api/v1/users/%d" % uid["amy@a.example"], {"active": True}, token=admin), 200)
        expect(r.json["active"] is True, r)
        expect_status(s.get("/api/v1/me", token=s.login("amy@a.example", PASSWORD)), 200)
        # Without history: deleted, sessions with it, the address free again.
        bob = customer(s, "bob@a.example")
        bob_id = [u["id"] for u in s.get("/api/v1/users", token=admin).json["users"] if u["email"] == "bob@a.example"][0]
        expect_status(s.delete("/api/v1/users/%d" % bob_id, token=admin), 204)
        expect_error(s.get("/api/v1/me", token=bob), 401)
        expect_error(s.post("/api/v1/login", {"email": "bob@a.example", "password": PASSWORD}), 401)
        expect_error(s.delete("/api/v1/users/%d" % bob_id, token=admin), 404)
        customer(s, "bob@a.example")
        # Checks: only admins, not oneself, a boolean, a user that exists.
        expect_error(s.patch("/api/v1/users/%d" % uid["amy@a.example"], {"active": False}, token=agent), 403)
        expect_error(s.delete("/api/v1/users/%d" % uid["amy@a.example"], token=agent), 403)
        expect_error(s.patch("/api/v1/users/%d" % uid["root@vendor.example"], {"active": False}, token=admin), 409,
                     "your own account")
        expect_error(s.delete("/api/v1/users/%d" % uid["root@vendor.example"], token=admin), 409, "your own account")
        expect_error(s.patch("/api/v1/users/%d" % uid["amy@a.example"], {"active": "no"}, token=admin), 422,
                     "'active'")
        expect_error(s.patch("/api/v1/users/%d" % uid["amy@a.example"], {}, token=admin), 422, "'active' is required")
        expect_error(s.patch("/api/v1/users/424242", {"active": False}, token=admin), 404)
        # An agent, deactivated, is out too.
        expect_status(s.patch("/api/v1/users/%d" % uid["agent@vendor.example"], {"active": False}, token=admin), 200)
        expect_error(s.get("/api/v1/users", token=agent), 401)


def test_admin_only():
    with Server() as s:
        admin, agent = staff(s)
        cust = customer(s, "cara@initech.example")
        org = expect_status(s.post("/api/v1/orgs", {"name": "A", "domains": ["a.example"], "plan": "basic"},
                                   token=admin), 201).json
        body = {"name": "Z", "domains": ["z.example"], "plan": "basic"}
        for who, tok in [("agent", agent), ("customer", cust)]:
            expect_error(s.post("/api/v1/orgs", body, token=tok), 403, "only admins")
            expect_error(s.get("/api/v1/orgs", token=tok), 403)
            expect_error(s.get("/api/v1/orgs/%d" % org["id"], token=tok), 403)
            expect_error(s.patch("/api/v1/orgs/%d" % org["id"], {"plan": "advanced"}, token=tok), 403)
            expect_error(s.post("/api/v1/products", {"name": "P", "stage": "ga"}, token=tok), 403)
        for path in ["/api/v1/orgs", "/api/v1/products"]:
            expect_error(s.get(path), 401)
            expect_error(s.post(path, {"name": "Z", "plan": "basic"}), 401)
        # Nothing was created by the refused calls.
        orgs = s.get("/api/v1/orgs", token=admin).json["orgs"]
        expect(sorted(o["name"] for o in orgs) == ["A", "initech.example"], orgs)
        expect(s.get("/api/v1/orgs/%d" % org["id"], token=admin).json["plan"] == "basic")


def test_products():
    with Server() as s:
        admin, agent = staff(s)
        cust = customer(s, "cara@initech.example")
        r = expect_status(s.post("/api/v1/products", {"name": "Garant Cloud", "stage": "ga"}, token=admin), 201)
        p = r.json
        expect(p["name"] == "Garant Cloud" and p["stage"] == "ga" and isinstance(p["id"], int), p)
        expect(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", p["created_at"]), p)
        expect_status(s.post("/api/v1/products", {"name": "Garant Labs", "stage": "beta"}, token=admin), 201)
        expect_error(s.post("/api/v1/products", {"name": "Garant Cloud", "stage": "beta"}, token=admin), 409,
                     "exists already")
        expect_error(s.post("/api/v1/products", {"name": "X", "stage": "alpha"}, token=admin), 422,
                     "not a product stage of the policy")
        expect_error(s.post("/api/v1/products", {"name": "", "stage": "ga"}, token=admin), 422, "'name'")
        expect_error(s.post("/api/v1/products", {"name": "X"}, token=admin), 422, "'stage' is required")
        expect_error(s.post("/api/v1/products", {"name": "X", "stage": "ga", "price": 1}, token=admin), 422,
                     "unknown field")
        # Every signed-in user lists products (customers pick one for a ticket).
        for tok in [admin, agent, cust]:
            lst = expect_status(s.get("/api/v1/products", token=tok), 200).json["products"]
            expect(sorted((x["name"], x["stage"]) for x in lst) == [("Garant Cloud", "ga"), ("Garant Labs", "beta")],
                   lst)


def test_customer_cannot_see_orgs():
    with Server() as s:
        admin, _ = staff(s)
        expect_status(s.post("/api/v1/orgs", {"name": "Org A", "domains": ["org-a.example"], "plan": "advanced"},
                             token=admin), 201)
        b = expect_status(s.post("/api/v1/orgs", {"name": "Org B", "domains": ["org-b.example"], "plan": "basic"},
                                 token=admin), 201).json
        ca = customer(s, "amy@org-a.example")
        expect_error(s.get("/api/v1/orgs", token=ca), 403)
        expect_error(s.get("/api/v1/orgs/%d" % b["id"], token=ca), 403)
        expect_error(s.patch("/api/v1/orgs/%d" % b["id"], {"domains_add": ["evil.example"]}, token=ca), 403)
        # /me shows only the customer's own organization.
        me = s.get("/api/v1/me", token=ca).json
        expect(me["org"]["name"] == "Org A" and me["org"]["plan"] == "advanced", me)


# ---- the user list -------------------------------------------------------

def users(s, token, **query):
    """GET /api/v1/users with the query; the response."""
    return s.get("/api/v1/users" + ("?" + urllib.parse.urlencode(query) if query else ""), token=token)


def test_user_list():
    with Server() as s:
        s.set_clock("2026-11-30T09:00:00Z")
        admin, agent = staff(s)
        a = expect_status(s.post("/api/v1/orgs", {"name": "Org A", "domains": ["org-a.example"],
                                                  "plan": "professional"}, token=admin), 201).json
        b = expect_status(s.post("/api/v1/orgs", {"name": "Org B", "domains": ["org-b.example"], "plan": "basic"},
                                 token=admin), 201).json
        amy = customer(s, "amy@org-a.example")
        expect_status(s.post("/api/v1/signup", {"email": "Bob@Org-A.example", "password": PASSWORD,
                                                "name": "Bob Builder"}), 201)
        tok = re.search(r"/verify\?token=([A-Za-z0-9_-]+)", s.smtp.wait_for("bob@org-a.example")["data"]).group(1)
        expect_status(s.post("/api/v1/verify", {"token": tok}), 200)
        # A sign-up waiting for its link is no account: not listed.
        expect_status(s.post("/api/v1/signup", {"email": "zed@org-a.example", "password": PASSWORD,
                                                "name": "Zed Pending"}), 201)
        customer(s, "carl@org-b.example")

        r = expect_status(users(s, admin), 200)
        got = r.json["users"]
        expect(r.json["count"] == 5 and r.json["next"] is None, r.json)
        expect([u["email"] for u in got] == ["carl@org-b.example", "bob@org-a.example", "amy@org-a.example",
                                             "agent@vendor.example", "root@vendor.example"], got)
        expect(all(set(u) == {"id", "email", "name", "role", "org_id", "org_name", "verified", "active",
                              "created_at", "org_manager", "approval"}
                   for u in got), got)
        # No secrets: no hash, no session token.
        expect("argon2" not in r.raw and amy not in r.raw and admin not in r.raw, r.raw)
        carl, bob, amy_u, ag, root = got
        expect(bob["name"] == "Bob Builder" and bob["role"] == "customer" and bob["org_id"] == a["id"]
               and bob["org_name"] == "Org A" and bob["verified"] is True and bob["active"] is True, bob)
        expect(amy_u["verified"] is True and amy_u["created_at"] == "2026-11-30T09:00:00Z", amy_u)
        expect(carl["org_id"] == b["id"] and carl["org_name"] == "Org B", carl)
        expect(ag["role"] == "agent" and root["role"] == "admin" and root["org_id"] is None
               and root["org_name"] is None, (ag, root))

        # Filters, alone and together.
        def emails(**q):
            return [u["email"] for u in expect_status(users(s, admin, **q), 200).json["users"]]
        expect(emails(role="agent") == ["agent@vendor.example"], emails(role="agent"))
        expect(emails(role="customer", org_id=a["id"]) == ["bob@org-a.example", "amy@org-a.example"])
        expect(emails(org_id=b["id"]) == ["carl@org-b.example"])
        expect(emails(q="BUILDER") == ["bob@org-a.example"])
        expect(emails(q="org-a.EXAMPLE") == ["bob@org-a.example", "amy@org-a.example"])
        expect(emails(q="vendor", role="admin") == ["root@vendor.example"])
        expect(emails(q="100%_") == [] and emails(org_id=999) == [])

        # Pages: the cursor of the last one, as for tickets.
        seen, after = [], None
        for size in (2, 2, 1):
            q = {"limit": 2}
            if after:
                q["after"] = after
            page = expect_status(users(s, admin, **q), 200).json
            expect(page["count"] == size, page)
            seen += [u["id"] for u in page["users"]]
            after = page["next"]
        expect(after is None and seen == [u["id"] for u in got], (after, seen))
        page = users(s, admin, limit=2, after=str(got[1]["id"])).json
        expect([u["id"] for u in page["users"]] == [amy_u["id"], ag["id"]], page)

        # Agents may read it; customers may not; nobody without a session.
        expect_status(users(s, agent, role="customer"), 200)
        expect_error(users(s, amy), 403)
        expect_error(users(s, None), 401)

        # Bad values say which and why.
        for q, msg in [({"limit": "0"}, "query parameter 'limit' must be an integer from 1 to 200"),
                       ({"limit": "201"}, "'limit' must be an integer from 1 to 200"),
                       ({"limit": "ten"}, "'limit' must be an integer"),
                       ({"after": "0"}, "query parameter 'after' must be an integer from 1"),
                       ({"after": "x1"}, "'after' must be an integer"),
                       ({"org_id": "-3"}, "query parameter 'org_id' must be an integer from 1"),
                       ({"org_id": "acme"}, "'org_id' must be an integer"),
                       ({"role": "boss"}, "query parameter 'role' must be customer, agent or admin"),
                       ({"role": ""}, "'role' must be customer, agent or admin"),
                       ({"q": ""}, "query parameter 'q' is empty"),
                       ({"q": "x" * 101}, "query parameter 'q' is longer than 100 bytes"),
                       ({"q": "a\tb"}, "query parameter 'q' contains a control character")]:
            r = expect_error(users(s, admin, **q), 422, msg)
            expect(r.json["error"]["code"] == "einval", r)
        expect_status(users(s, admin, q="x" * 100), 200)


if __name__ == "__main__":
    run(globals(), "admin")
