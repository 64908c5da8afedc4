"""test_org_visibility.py - who of an organization sees what, and the
approval of new members (issue 15; docs/api.md, "Organization members").

An organization whose ticket_visibility is "own": a member cannot get (404,
as if the ticket did not exist), list, search, reply to, follow up or
download the attachments of a colleague's ticket, and still sees her own; a
manager sees every ticket of the organization; switching back restores the
whole view. An organization with approval_required: its members from before
are not affected; a member who joins by confirming her address waits, signed
in but refused everything but her own account (403), a manager is mailed,
and approves (she can file at once, and is mailed) or refuses (deactivated);
a manager of another organization cannot decide on her (404); an admin can;
a mail from a pending member files nothing and is counted as from an unknown
sender. Customers cannot change the settings; only customers are managers.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import expect, expect_error, expect_status, run, wait_until  # noqa: E402
from test_mail_inbound import SUPPORT, db_query, mail, reply_address, send, server  # noqa: E402
from test_tickets import PASSWORD, Desk  # noqa: E402

AT = "2026-11-30T09:00:00Z"


def text_of(m):
    """A mail's text, quoted-printable soft line breaks joined."""
    return m["data"].replace("=\r\n", "").replace("=\n", "")


def mail_to(s, to, fragment, after=0):
    """The first mail to `to` after the first `after` mails that holds
    fragment, waiting for it."""
    def find():
        for m in s.smtp.mails[after:]:
            if to in m["to"] and fragment in text_of(m):
                return m
        return None
    return wait_until(find, "a mail to %s saying %r" % (to, fragment))


def signup(s, email, name):
    """Sign up and open the mailed link: the verification's answer."""
    expect_status(s.post("/api/v1/signup", {"email": email, "password": PASSWORD, "name": name}), 201)
    link = re.search(r"token=([A-Za-z0-9_\-]+)", text_of(s.smtp.wait_for(email))).group(1)
    return expect_status(s.post("/api/v1/verify", {"token": link}), 200).json


def uid(s, token):
    return expect_status(s.get("/api/v1/me", token=token), 200).json["user"]["id"]


def ids(s, token, query=""):
    r = expect_status(s.get("/api/v1/tickets" + query, token=token), 200)
    return [t["id"] for t in r.json["tickets"]]


def world(s):
    """Acme with Alice, Bob and Mia (its manager); Globex with Gina and Gus
    (its manager). Alice's ticket carries a file; Bob has one too."""
    d = Desk(s)
    d.acme = d.org("Acme", "acme.example", "professional")
    d.globex = d.org("Globex", "globex.example", "advanced")
    d.customer("alice", "alice@acme.example", "Alice")
    d.customer("bob", "bob@acme.example", "Bob")
    d.customer("mia", "mia@acme.example", "Mia")
    d.customer("gina", "gina@globex.example", "Gina")
    d.customer("gus", "gus@globex.example", "Gus")
    for who in ("mia", "gus"):
        r = s.patch("/api/v1/users/%d" % uid(s, getattr(d, who)), {"org_manager": True}, token=d.admin)
        expect(expect_status(r, 200).json["org_manager"] is True, r)
    d.set_clock(AT)
    f = expect_status(s.request("POST", "/api/v1/attachments?name=alice-trace.log", raw=b"secret trace",
                                token=d.alice), 201).json["id"]
    d.alice_file = f
    d.a = expect_status(s.post("/api/v1/tickets", {"subject": "Zanzibar export fails", "body": "Alice's own words.",
                                                   "attachments": [f]}, token=d.alice), 201).json["id"]
    d.b = expect_status(s.post("/api/v1/tickets", {"subject": "Printer jam", "body": "Bob's paper."},
                               token=d.bob), 201).json["id"]
    return d


def set_org(s, d, org, **fields):
    return expect_status(s.patch("/api/v1/orgs/%d" % org, fields, token=d.admin), 200).json


def test_own_visibility_hides_colleagues_tickets():
    with server() as s:
        d = world(s)
        # By default (today's behaviour) Bob sees Alice's ticket.
        expect(d.a in ids(s, d.bob), "the organization's view by default")
        o = set_org(s, d, d.acme, ticket_visibility="own")
        expect(o["ticket_visibility"] == "own" and o["approval_required"] is False, o)
        # Bob: 404 for the ticket, its file, a reply; absent from the list and the search.
        expect_error(s.get("/api/v1/tickets/%d" % d.a, token=d.bob), 404)
        expect_error(s.get("/api/v1/attachments/%d" % d.alice_file, token=d.bob), 404)
        expect_error(s.post("/api/v1/tickets/%d/replies" % d.a, {"body": "Me too."}, token=d.bob), 404)
        expect(ids(s, d.bob) == [d.b], ids(s, d.bob))
        expect(ids(s, d.bob, "?q=zanzibar") == [], "a search finds a colleague's ticket")
        expect(ids(s, d.bob, "?status=open") == [d.b], "a filter finds a colleague's ticket")
        # Nor can he follow up her closed ticket.
        expect_status(s.patch("/api/v1/tickets/%d" % d.a, {"status": "closed"}, token=d.agent), 200)
        expect_error(s.post("/api/v1/tickets", {"subject": "Again", "body": "Still.", "follow_up_of": d.a},
                            token=d.bob), 422, "no ticket #%d of yours" % d.a)
        # Alice still sees her own, with its file, and finds it; follows it up.
        expect_status(s.get("/api/v1/tickets/%d" % d.a, token=d.alice), 200)
        expect_status(s.get("/api/v1/attachments/%d" % d.alice_file, token=d.alice), 200)
        expect(ids(s, d.alice) == [d.a] and ids(s, d.alice, "?q=zanzibar") == [d.a], ids(s, d.alice))
        expect_status(s.post("/api/v1/tickets", {"subject": "Again", "body": "Still.", "follow_up_of": d.a},
                             token=d.alice), 201)
        # Mia, the manager, sees every ticket of Acme, and its files.
        r = expect_status(s.get("/api/v1/tickets/%d" % d.b, token=d.mia), 200)
        expect(r.json["id"] == d.b, r)
        expect_status(s.get("/api/v1/attachments/%d" % d.alice_file, token=d.mia), 200)
        expect(set(ids(s, d.mia)) >= {d.a, d.b} and ids(s, d.mia, "?q=zanzibar") == [d.a], ids(s, d.mia))
        # Globex is not affected, and sees nothing of Acme either way.
        expect_error(s.get("/api/v1/tickets/%d" % d.a, token=d.gus), 404)
        # Back to the organization: Bob sees Alice's ticket again.
        set_org(s, d, d.acme, ticket_visibility="organization")
        expect_status(s.get("/api/v1/tickets/%d" % d.a, token=d.bob), 200)
        expect_status(s.get("/api/v1/attachments/%d" % d.alice_file, token=d.bob), 200)
        expect(set(ids(s, d.bob)) >= {d.a, d.b} and ids(s, d.bob, "?q=zanzibar") == [d.a], ids(s, d.bob))


def test_settings_are_the_admins():
    with server() as s:
        d = world(s)
        path = "/api/v1/orgs/%d" % d.acme
        for who in ("bob", "mia", "agent"):
            expect_error(s.patch(path, {"ticket_visibility": "own"}, token=getattr(d, who)), 403)
            expect_error(s.patch(path, {"approval_required": True}, token=getattr(d, who)), 403)
        o = expect_status(s.get(path, token=d.admin), 200).json
        expect(o["ticket_visibility"] == "organization" and o["approval_required"] is False, o)
        expect_error(s.patch(path, {"ticket_visibility": "everyone"}, token=d.admin), 422, "ticket_visibility")
        expect_error(s.patch(path, {"approval_required": "yes"}, token=d.admin), 422, "approval_required")
        # The manager's flag: customers only, and only an admin sets it.
        agent_id = d.agent_id
        expect_error(s.patch("/api/v1/users/%d" % agent_id, {"org_manager": True}, token=d.admin), 422,
                     "only a customer")
        expect_error(s.patch("/api/v1/users/%d" % uid(s, d.bob), {"org_manager": True}, token=d.mia), 403)
        expect(expect_status(s.get("/api/v1/me", token=d.bob), 200).json["user"]["org_manager"] is False)
        # The audit trail says who changed what.
        set_org(s, d, d.acme, ticket_visibility="own", approval_required=True)
        audit = expect_status(s.get("/api/v1/audit", token=d.admin), 200).json["audit"]
        actions = [(a["action"], a["new_value"]) for a in audit]
        for want in (("org_visibility", "own"), ("org_approval", "true"), ("user_org_manager", "true")):
            expect(want in actions, (want, actions))
        # A customer who becomes an agent is no manager any more.
        mia = uid(s, d.mia)
        r = expect_status(s.patch("/api/v1/users/%d" % mia, {"role": "agent"}, token=d.admin), 200)
        expect(r.json["org_manager"] is False and r.json["role"] == "agent", r)


def test_approval_pending_member_sees_nothing_until_approved():
    with server() as s:
        d = world(s)
        set_org(s, d, d.acme, approval_required=True)
        # Members from before are not affected.
        expect_status(s.get("/api/v1/tickets/%d" % d.a, token=d.bob), 200)
        expect(expect_status(s.get("/api/v1/me", token=d.bob), 200).json["user"]["approval"] is None)
        mailed = len(s.smtp.mails)
        v = signup(s, "dave@acme.example", "Dave")
        expect(v["approval"] == "pending", v)
        # Mia, Acme's manager, is told (Gus of Globex is not).
        m = mail_to(s, "mia@acme.example", "dave@acme.example", after=mailed)
        expect("Dave" in text_of(m) and "/members" in text_of(m), text_of(m))
        dave = s.login("dave@acme.example", PASSWORD)
        me = expect_status(s.get("/api/v1/me", token=dave), 200).json
        expect(me["user"]["approval"] == "pending" and me["org"]["name"] == "Acme", me)
        # Signed in, refused everything but her own account: exact statuses.
        refused = [("GET", "/api/v1/tickets", None), ("GET", "/api/v1/tickets/%d" % d.a, None),
                   ("POST", "/api/v1/tickets", {"subject": "Hi", "body": "Let me in."}),
                   ("POST", "/api/v1/tickets/%d/replies" % d.a, {"body": "Me too."}),
                   ("GET", "/api/v1/attachments/%d" % d.alice_file, None),
                   ("POST", "/api/v1/deadline/preview", {}), ("GET", "/api/v1/products", None),
                   ("GET", "/api/v1/org/members", None)]
        for method, path, body in refused:
            expect_error(s.request(method, path, body, token=dave), 403, "not approved your account yet")
        expect_error(s.request("POST", "/api/v1/attachments?name=x.txt", raw=b"x", token=dave), 403)
        expect_status(s.patch("/api/v1/me", {"language": "ro"}, token=dave), 200)
        # An agent cannot file for her either: she would not see it.
        expect_error(s.post("/api/v1/tickets", {"subject": "Call", "body": "She rang.",
                                                "requester": "dave@acme.example"}, token=d.agent), 422,
                     "approve")
        before = db_query(s, "SELECT count(*) FROM tickets")[0][0]
        # Mia lists the pending members; Bob (no manager) may not.
        r = expect_status(s.get("/api/v1/org/members?approval=pending", token=d.mia), 200).json
        expect([m["email"] for m in r["members"]] == ["dave@acme.example"], r)
        expect(r["members"][0]["state"] == "pending" and r["org"]["approval_required"] is True, r)
        expect_error(s.get("/api/v1/org/members", token=d.bob), 403)
        expect_error(s.get("/api/v1/org/members", token=d.admin), 403)
        dave_id = r["members"][0]["id"]
        # Gus manages Globex: Dave does not exist for him.
        expect_error(s.post("/api/v1/org/members/%d/approve" % dave_id, token=d.gus), 404)
        expect_error(s.post("/api/v1/org/members/%d/refuse" % dave_id, token=d.gus), 404)
        expect_error(s.post("/api/v1/org/members/%d/approve" % dave_id, token=d.bob), 403)
        everyone = [m["email"] for m in expect_status(s.get("/api/v1/org/members", token=d.gus), 200).json["members"]]
        expect(sorted(everyone) == ["gina@globex.example", "gus@globex.example"], everyone)
        expect(db_query(s, "SELECT count(*) FROM tickets")[0][0] == before, "a ticket was filed")
        # Mia approves: Dave's same session files at once, and he is told.
        mailed = len(s.smtp.mails)
        r = expect_status(s.post("/api/v1/org/members/%d/approve" % dave_id, token=d.mia), 200).json
        expect(r["member"]["state"] == "active" and r["member"]["approval"] == "approved", r)
        mail_to(s, "dave@acme.example", "/tickets", after=mailed)
        expect_status(s.post("/api/v1/tickets", {"subject": "Hi", "body": "Let me in."}, token=dave), 201)
        expect_status(s.get("/api/v1/tickets/%d" % d.a, token=dave), 200)
        expect_error(s.post("/api/v1/org/members/%d/approve" % dave_id, token=d.mia), 409, "not waiting")
        # Refused: deactivated, her session ends.
        signup(s, "erin@acme.example", "Erin")
        erin = s.login("erin@acme.example", PASSWORD)
        erin_id = uid(s, erin)
        r = expect_status(s.post("/api/v1/org/members/%d/refuse" % erin_id, token=d.mia), 200).json
        expect(r["member"]["state"] == "refused", r)
        expect_error(s.get("/api/v1/me", token=erin), 401)
        expect_error(s.post("/api/v1/login", {"email": "erin@acme.example", "password": PASSWORD}), 403,
                     "deactivated")
        # An admin decides for any organization.
        signup(s, "fay@acme.example", "Fay")
        fay = s.login("fay@acme.example", PASSWORD)
        pending = expect_status(s.get("/api/v1/users?approval=pending", token=d.admin), 200).json["users"]
        expect([u["email"] for u in pending] == ["fay@acme.example"], pending)
        r = expect_status(s.patch("/api/v1/users/%d" % pending[0]["id"], {"approval": "approved"}, token=d.admin), 200)
        expect(r.json["approval"] == "approved" and r.json["active"] is True, r)
        expect_status(s.get("/api/v1/tickets", token=fay), 200)
        expect_error(s.patch("/api/v1/users/%d" % pending[0]["id"], {"approval": "maybe"}, token=d.admin), 422)
        # Switched off: the next member does not wait.
        set_org(s, d, d.acme, approval_required=False)
        expect(signup(s, "gil@acme.example", "Gil")["approval"] is None)


def test_pending_member_mails_in_nothing():
    with server() as s:
        d = world(s)
        set_org(s, d, d.acme, approval_required=True)
        signup(s, "dave@acme.example", "Dave")
        s.mails_settled()
        before = db_query(s, "SELECT count(*) FROM tickets")[0][0]
        replies = db_query(s, "SELECT count(*) FROM replies")[0][0]
        mailed = len(s.smtp.mails)
        unknown = s.metric('garant_mail_inbound_total{outcome="unknown_sender"}')
        # A new ticket, and a reply with a valid token of Alice's ticket.
        for rcpt in (SUPPORT, reply_address(d.a)):
            codes, answers = send(s, "dave@acme.example", [rcpt],
                                  mail("Dave <dave@acme.example>", rcpt, "Help", "Let me in.\n"))
            expect(codes == [250] and answers[0][0] == 250, answers)
        expect(s.metric('garant_mail_inbound_total{outcome="unknown_sender"}') == unknown + 2)
        expect(db_query(s, "SELECT count(*) FROM tickets")[0][0] == before, "a pending member's mail filed a ticket")
        expect(db_query(s, "SELECT count(*) FROM replies")[0][0] == replies, "a pending member's mail replied")
        s.mails_settled()
        expect(not [m for m in s.smtp.mails[mailed:] if "dave@acme.example" in m["to"]], "backscatter")
        # Approved, the same mail files a ticket.
        dave_id = expect_status(s.get("/api/v1/users?approval=pending", token=d.admin), 200).json["users"][0]["id"]
        expect_status(s.post("/api/v1/org/members/%d/approve" % dave_id, token=d.mia), 200)
        codes, answers = send(s, "dave@acme.example", [SUPPORT],
                              mail("Dave <dave@acme.example>", SUPPORT, "Help", "Let me in.\n"))
        expect(answers[0][0] == 250 and b"filed" in answers[0][1], answers)
        expect(db_query(s, "SELECT count(*) FROM tickets")[0][0] == before + 1)


def test_own_visibility_for_mailed_replies():
    with server() as s:
        d = world(s)
        set_org(s, d, d.acme, ticket_visibility="own")
        before = db_query(s, "SELECT count(*) FROM replies")[0][0]
        forbidden = s.metric('garant_mail_inbound_total{outcome="forbidden"}')
        # Bob answers by mail with the reply address of Alice's ticket.
        codes, answers = send(s, "bob@acme.example", [reply_address(d.a)],
                              mail("Bob <bob@acme.example>", reply_address(d.a), "RE: x", "Me too.\n"))
        expect(answers[0][0] == 250, answers)
        expect(s.metric('garant_mail_inbound_total{outcome="forbidden"}') == forbidden + 1)
        expect(db_query(s, "SELECT count(*) FROM replies")[0][0] == before)
        # Alice's own reply by mail lands.
        codes, answers = send(s, "alice@acme.example", [reply_address(d.a)],
                              mail("Alice <alice@acme.example>", reply_address(d.a), "RE: x", "More logs.\n"))
        expect(answers[0][0] == 250 and b"added" in answers[0][1], answers)


if __name__ == "__main__":
    run(globals(), "org_visibility")
