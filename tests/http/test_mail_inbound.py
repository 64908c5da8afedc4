"""test_mail_inbound.py - mail into the desk, end to end (issue 14):
`garant serve --lmtp-listen` spoken to by Python's smtplib.LMTP, and
`garant mail deliver` on stdin.

A customer's reply by mail (Outlook-, Gmail- and Apple-Mail-style quoting)
becomes one public message without the quoted text; a mail without a token
from a verified customer files a P3 ticket whose clock starts at the LMTP
acceptance instant (test clock); a spoofed sender with a valid token, a
vacation auto-reply and a DKIM failure change nothing and mail nothing back;
several recipients in one transaction get one answer each; a store that
cannot write answers 451 and the redelivery later lands once.

The reply address is built here from the key file passed with
--mail-key-file, the way src/mail/token.c signs it (HMAC-SHA-512-256 of
"garant-reply\\0<ticket>", 80 bits, lowercase base32)."""
import base64
import hashlib
import hmac
import os
import re
import smtplib
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import GARANT, Server, expect, expect_status, run, wait_until  # noqa: E402
from test_tickets import Desk, epoch, file, ticket  # noqa: E402

SUPPORT = "support@desk.example"
KEY = bytes(range(32))


def key_file():
    d = tempfile.mkdtemp(prefix="garant-mailkey-")
    path = os.path.join(d, "mail.key")
    with open(path, "w") as f:
        f.write(KEY.hex() + "\n")
    return path


def mac(text):
    full = hmac.new(KEY, text.encode(), hashlib.sha512).digest()[:32]
    return base64.b32encode(full[:10]).decode().lower()


def reply_address(tid):
    return "support+%d-%s@desk.example" % (tid, mac("garant-reply\0%d" % tid))


def message_id(tid, event):
    return "t%d.%d.%s@desk.example" % (tid, event, mac("garant-msgid\0%d.%d" % (tid, event)))


def server(extra=(), **kw):
    s = Server(extra_args=["--lmtp-listen", "127.0.0.1:0", "--support-address", SUPPORT,
                           "--mail-key-file", key_file()] + list(extra), **kw)
    m = wait_until(lambda: re.search(r"lmtp listening on 127\.0\.0\.1:(\d+)", s.read_log()), "the LMTP line")
    s.lmtp_port = int(m.group(1))
    return s


def lmtp(s):
    c = smtplib.LMTP("127.0.0.1", s.lmtp_port, timeout=30)
    code, _ = c.ehlo() if False else c.docmd("LHLO", "mta.test")
    expect(code == 250, code)
    return c


def send(s, sender, rcpts, msg):
    """One LMTP transaction: the RCPT codes, and one reply per accepted
    recipient after DATA."""
    c = lmtp(s)
    expect(c.mail(sender)[0] == 250)
    codes = [c.rcpt(r)[0] for r in rcpts]
    n = sum(1 for x in codes if x == 250)
    replies = []
    if n:
        replies = [c.data(msg.encode() if isinstance(msg, str) else msg)] + [c.getreply() for _ in range(n - 1)]
    c.quit()
    return codes, replies


def mail(frm, to, subject, body, headers=()):
    h = ["From: %s" % frm, "To: %s" % to, "Subject: %s" % subject, "Message-ID: <%s@client.test>" % os.urandom(6).hex(),
         "Date: Mon, 30 Nov 2026 10:00:00 +0000", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    h += list(headers)
    return "\r\n".join(h) + "\r\n\r\n" + body.replace("\n", "\r\n")


def world(s):
    d = Desk(s)
    d.org("Acme", "acme.example", "professional")
    d.org("Globex", "globex.example", "advanced")
    d.customer("carla", "carla@acme.example", "Carla")
    d.customer("gina", "gina@globex.example", "Gina")
    return d


def public_messages(s, d, tid):
    return [m for m in ticket(s, d.agent, tid)["conversation"] if m["public"]]


def db_query(s, sql, args=()):
    con = sqlite3.connect(s.db, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


QUOTES = {
    "outlook": ("Still failing after the restart.\n\n"
                "-----Original Message-----\n"
                "From: garant <support@desk.example>\n"
                "Sent: Monday, November 30, 2026 10:00 AM\n"
                "Subject: RE: Checkout is down\n\n"
                "We restarted the payment gateway.\n"),
    "gmail": ("Still failing after the restart.\n\n"
              "On Mon, Nov 30, 2026 at 10:00 AM garant <support@desk.example> wrote:\n"
              "> We restarted the payment gateway.\n"
              "> Kind regards\n"),
    "apple": ("Still failing after the restart.\n\n"
              "Sent from my iPhone\n\n"
              "> On 30 Nov 2026, at 10:00, garant <support@desk.example> wrote:\n"
              ">\n"
              "> We restarted the payment gateway.\n"),
}


def test_replies_by_mail_with_quoting():
    with server() as s:
        d = world(s)
        t = file(d, "carla", "2026-11-30T09:00:00Z")
        tid = t["id"]
        before = len(public_messages(s, d, tid))
        # The ticket's acknowledgement (docs/mail.md, "Ticket mails") first.
        s.mails_settled()
        mailed = len(s.smtp.mails)
        for i, (style, body) in enumerate(sorted(QUOTES.items())):
            # By the plus-address, and (Gmail) by In-Reply-To on a plain address.
            if style == "gmail":
                rcpt, extra = SUPPORT, ["In-Reply-To: <%s>" % message_id(tid, 3),
                                        "References: <other@elsewhere.example> <%s>" % message_id(tid, 3)]
            else:
                rcpt, extra = reply_address(tid), []
            codes, replies = send(s, "carla@acme.example", [rcpt],
                                  mail("Carla <carla@acme.example>", rcpt, "RE: Checkout is down", body, extra))
            expect(codes == [250] and replies[0][0] == 250, (style, codes, replies))
            msgs = public_messages(s, d, tid)
            expect(len(msgs) == before + i + 1, (style, msgs))
            text = msgs[-1]["body"]
            expect(text.strip() == "Still failing after the restart.", (style, text))
            expect("payment gateway" not in text, (style, text))
        expect(s.metric('garant_mail_inbound_total{outcome="replied"}') == 3)
        # Nothing about the replies went to the customer by mail here.
        s.mails_settled()
        expect(not [m for m in s.smtp.mails[mailed:] if "carla@acme.example" in str(m.get("to", ""))])


def test_new_ticket_by_mail_starts_at_acceptance():
    with server() as s:
        d = world(s)
        d.set_clock("2026-11-30T10:15:00Z")
        codes, replies = send(s, "carla@acme.example", [SUPPORT],
                              mail("Carla <carla@acme.example>", SUPPORT, "Invoices page is slow",
                                   "The invoices page takes 20 s.\n\n-- \nCarla, Acme\n"))
        expect(codes == [250] and replies[0][0] == 250, replies)
        m = re.search(rb"#(\d+)", replies[0][1])
        expect(m, replies)
        # Processing later does not move the clock's start.
        d.set_clock("2026-11-30T12:00:00Z")
        t = ticket(s, d.carla, int(m.group(1)))
        expect(t["priority"] == 3 and t["subject"] == "Invoices page is slow", t)
        expect(t["submitted_at"] == "2026-11-30T10:15:00Z", t)
        expect(t["body"].strip() == "The invoices page takes 20 s.", t)
        expect(s.metric('garant_mail_inbound_total{outcome="filed"}') == 1)


def test_spoofed_auto_and_failed_auth_change_nothing():
    with server() as s:
        d = world(s)
        t = file(d, "carla", "2026-11-30T09:00:00Z")
        tid = t["id"]
        before = len(public_messages(s, d, tid))
        tickets = db_query(s, "SELECT count(*) FROM tickets")[0][0]
        # The ticket's acknowledgement (docs/mail.md, "Ticket mails") first.
        s.mails_settled()
        mailed = len(s.smtp.mails)
        rcpt = reply_address(tid)
        cases = [
            # Gina (another organization) and a stranger, with Carla's valid token.
            ("gina@globex.example", rcpt, mail("Gina <gina@globex.example>", rcpt, "RE: x", "Let me in.")),
            ("mallory@evil.example", rcpt, mail("mallory@evil.example", rcpt, "RE: x", "Let me in.")),
            # A vacation auto-reply from Carla herself, to the ticket and to support.
            ("carla@acme.example", rcpt, mail("carla@acme.example", rcpt, "Out of office", "Back on Monday.",
                                              ["Auto-Submitted: auto-replied"])),
            ("carla@acme.example", SUPPORT, mail("carla@acme.example", SUPPORT, "Out of office", "Back on Monday.",
                                                 ["Precedence: bulk"])),
            # Carla's address forged: the MTA's DKIM verdict says fail.
            ("carla@acme.example", rcpt, mail("carla@acme.example", rcpt, "RE: x", "Forged.",
                                              ["Authentication-Results: mx.desk.example; dkim=fail; spf=pass"])),
            # A forged Message-ID on a real ticket number.
            ("carla@acme.example", SUPPORT, mail("carla@acme.example", SUPPORT, "RE: x", "Threaded.",
                                                 ["In-Reply-To: <t%d.1.aaaaaaaaaaaaaaaa@desk.example>" % tid])),
        ]
        for sender, to, msg in cases:
            codes, replies = send(s, sender, [to], msg)
            # Accepted and dropped: a refusal would make the MTA bounce (backscatter).
            expect(codes == [250] and replies[0][0] == 250, (sender, replies))
        expect(len(public_messages(s, d, tid)) == before)
        expect(db_query(s, "SELECT count(*) FROM tickets")[0][0] == tickets)
        s.mails_settled()
        expect(len(s.smtp.mails) == mailed, s.smtp.mails[mailed:])
        for outcome, n in (("forbidden", 1), ("unknown_sender", 1), ("auto", 2), ("auth_fail", 1), ("forged", 1)):
            got = s.metric('garant_mail_inbound_total{outcome="%s"}' % outcome)
            expect(got == n, (outcome, got))


def test_several_recipients_one_answer_each():
    with server() as s:
        d = world(s)
        tid = file(d, "carla", "2026-11-30T09:00:00Z")["id"]
        forged = "support+%d-aaaaaaaaaaaaaaaa@desk.example" % tid
        rcpts = [reply_address(tid), "nobody@desk.example", forged, "support@other.example", SUPPORT]
        codes, replies = send(s, "carla@acme.example", rcpts,
                              mail("carla@acme.example", SUPPORT, "Two things", "Both at once."))
        expect(codes == [250, 550, 550, 550, 250], codes)
        expect([r[0] for r in replies] == [250, 250], replies)
        expect(b"ticket #%d" % tid in replies[0][1] and b"filed" in replies[1][1], replies)
        msgs = public_messages(s, d, tid)
        expect([m["body"].strip() for m in msgs] == ["Both at once."], msgs)


def test_store_unavailable_answers_451_then_redelivery_lands():
    with server() as s:
        d = world(s)
        tid = file(d, "carla", "2026-11-30T09:00:00Z")["id"]
        before = len(public_messages(s, d, tid))
        msg = mail("carla@acme.example", reply_address(tid), "RE: x", "Kept for later.")
        # Another process holds the write lock past the store's busy timeout.
        con = sqlite3.connect(s.db, timeout=10, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        try:
            codes, replies = send(s, "carla@acme.example", [reply_address(tid)], msg)
        finally:
            con.execute("ROLLBACK")
            con.close()
        expect(codes == [250] and replies[0][0] == 451, replies)
        expect(len(public_messages(s, d, tid)) == before)
        # The MTA retries: it lands, once.
        codes, replies = send(s, "carla@acme.example", [reply_address(tid)], msg)
        expect(replies[0][0] == 250, replies)
        msgs = public_messages(s, d, tid)
        expect(len(msgs) == before + 1 and msgs[-1]["body"].strip() == "Kept for later.", msgs)


def test_mail_deliver_exit_codes():
    with server() as s:
        d = world(s)
        tid = file(d, "carla", "2026-11-30T09:00:00Z")["id"]
        kf = key_file()
        s.stop()

        def deliver(msg, *args):
            return subprocess.run([GARANT, "mail", "deliver", "--db", s.db, "--support-address", SUPPORT,
                                   "--mail-key-file", kf, "--test-clock", "2026-11-30T11:00:00Z", "--quiet"]
                                  + list(args), input=msg.encode(), capture_output=True)

        msg = mail("carla@acme.example", reply_address(tid), "RE: x", "By pipe.")
        p = deliver(msg, "--recipient", reply_address(tid), "--sender", "carla@acme.example")
        expect(p.returncode == 0, p.stderr)
        # Dropped on purpose is delivered too, for the MTA.
        p = deliver(mail("x@evil.example", SUPPORT, "hi", "spam"), "--sender", "x@evil.example")
        expect(p.returncode == 0, p.stderr)
        # Bad usage.
        p = subprocess.run([GARANT, "mail", "deliver"], input=b"", capture_output=True)
        expect(p.returncode == 2, (p.returncode, p.stderr))
        # The store cannot write: 75, the MTA keeps the mail.
        con = sqlite3.connect(s.db, timeout=10, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        try:
            p = deliver(msg, "--recipient", reply_address(tid), "--sender", "carla@acme.example")
        finally:
            con.execute("ROLLBACK")
            con.close()
        expect(p.returncode == 75, (p.returncode, p.stderr))
        s.start()
        msgs = public_messages(s, d, tid)
        expect(len([m for m in msgs if m["body"].strip() == "By pipe."]) == 1, msgs)


CORPUS = os.path.join(os.path.dirname(__file__), "..", "mail", "corpus")


def corpus_dsn(name, recipient, message_id):
    """A real-shaped DSN of tests/mail/corpus (Postfix, Exchange, Gmail)
    about our mail message_id to recipient: the corpus's recipient and
    returned Message-ID replaced by these."""
    olds = {"27-dsn-bounce.eml": ("fost.angajat@firma.ro", "ticket-42-1@garant.example"),
            "38-dsn-exchange.eml": ("jan.novak@contoso.example", "t42.7.mfrggzdfmztwq2lk@garant.example"),
            "39-dsn-gmail.eml": ("maria.ionescu.old@gmail.com", "v1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6@garant.example")}
    with open(os.path.join(CORPUS, name), "rb") as f:
        raw = f.read().decode()
    old_rcpt, old_id = olds[name]
    return raw.replace(old_rcpt, recipient).replace(old_id, message_id)


def bouncing(s, d, tid):
    return ticket(s, d.agent, tid)["requester_bouncing"]


def test_dsns_mark_the_address_bouncing_and_never_make_a_ticket():
    with server() as s:
        d = world(s)
        tid = file(d, "carla", "2026-11-30T09:00:00Z")["id"]
        # The verification mail the sign-up sent her, from the outbox.
        ours = db_query(s, "SELECT message_id FROM mail_outbox WHERE recipient = 'carla@acme.example'")[0][0]
        tickets = db_query(s, "SELECT count(*) FROM tickets")[0][0]
        before = len(public_messages(s, d, tid))
        s.mails_settled()  # the ticket's acknowledgement first
        mailed = len(s.smtp.mails)
        expect(bouncing(s, d, tid) is None)
        expect("requester_bouncing" not in ticket(s, d.carla, tid), "customers do not see it")
        # Gmail's DSN about a mail that is not ours: noted, nothing marked.
        dsn = corpus_dsn("39-dsn-gmail.eml", "carla@acme.example", "not-ours.1@elsewhere.example")
        codes, replies = send(s, "", [SUPPORT], dsn)
        expect(codes == [250] and replies[0][0] == 250, replies)
        expect(bouncing(s, d, tid) is None)
        # Postfix's DSN about the verification mail: Carla's address bounces.
        d.set_clock("2026-11-30T10:00:00Z")
        codes, replies = send(s, "", [SUPPORT], corpus_dsn("27-dsn-bounce.eml", "carla@acme.example", ours))
        expect(replies[0][0] == 250 and b"bouncing" in replies[0][1], replies)
        b = bouncing(s, d, tid)
        expect(b == {"since": "2026-11-30T10:00:00Z", "reason": "5.1.1 failed"}, b)
        # A mail from her that is accepted says the mailbox works again.
        rcpt = reply_address(tid)
        codes, replies = send(s, "carla@acme.example", [rcpt],
                              mail("Carla <carla@acme.example>", rcpt, "RE: x", "I am back."))
        expect(replies[0][0] == 250, replies)
        expect(bouncing(s, d, tid) is None)
        before += 1
        # Exchange's DSN about a ticket mail (a Message-ID signed with the
        # mail key), with In-Reply-To naming the ticket: a bounce, not a reply.
        codes, replies = send(s, "", [SUPPORT],
                              corpus_dsn("38-dsn-exchange.eml", "carla@acme.example", message_id(tid, 3)))
        expect(replies[0][0] == 250, replies)
        expect(bouncing(s, d, tid)["reason"] == "5.1.10 failed")
        expect(db_query(s, "SELECT count(*) FROM tickets")[0][0] == tickets)
        expect(len(public_messages(s, d, tid)) == before)
        expect(len(s.smtp.mails) == mailed, s.smtp.mails[mailed:])
        expect(s.metric('garant_mail_inbound_total{outcome="bounce"}') == 3)


def test_machine_mail_and_our_own_address_are_never_answered():
    """Each loop guard alone, on a mail that would otherwise file a ticket."""
    with server(["--mail-from", "Garant <noreply@desk.example>"]) as s:
        d = world(s)
        tickets = db_query(s, "SELECT count(*) FROM tickets")[0][0]
        mailed = len(s.smtp.mails)
        cases = [
            ("", mail("carla@acme.example", SUPPORT, "null sender", "Hello.")),
            ("carla@acme.example", mail("carla@acme.example", SUPPORT, "gen", "Hello.",
                                        ["Auto-Submitted: auto-generated"])),
            ("carla@acme.example", mail("carla@acme.example", SUPPORT, "list", "Hello.", ["Precedence: list"])),
            ("carla@acme.example", mail("carla@acme.example", SUPPORT, "junk", "Hello.", ["Precedence: junk"])),
            ("carla@acme.example", mail("carla@acme.example", SUPPORT, "bulk", "Hello.", ["Precedence: bulk"])),
            ("support@desk.example", mail("Support <SUPPORT@desk.example>", SUPPORT, "ours", "Hello.")),
            ("noreply@desk.example", mail("Garant <noreply@desk.example>", SUPPORT, "ours", "Hello.")),
        ]
        for sender, msg in cases:
            codes, replies = send(s, sender, [SUPPORT], msg)
            expect(codes == [250] and replies[0][0] == 250 and b"automatic" in replies[0][1], (sender, replies))
        expect(db_query(s, "SELECT count(*) FROM tickets")[0][0] == tickets)
        expect(len(s.smtp.mails) == mailed, s.smtp.mails[mailed:])
        expect(s.metric('garant_mail_inbound_total{outcome="auto"}') == len(cases))
        # Auto-Submitted: no is a person's mail.
        codes, replies = send(s, "carla@acme.example", [SUPPORT],
                              mail("carla@acme.example", SUPPORT, "person", "Hello.", ["Auto-Submitted: no"]))
        expect(b"filed" in replies[0][1], replies)


def test_unknown_and_unverified_senders_are_counted():
    with server() as s:
        world(s)
        # Signed up, never verified: not a user we answer.
        expect_status(s.post("/api/v1/signup", {"email": "una@acme.example", "password": "a long password 1",
                                                "name": "Una"}), 201)
        tickets = db_query(s, "SELECT count(*) FROM tickets")[0][0]
        for sender in ("una@acme.example", "stranger@nowhere.example", "agent@vendor.example"):
            codes, replies = send(s, sender, [SUPPORT], mail(sender, SUPPORT, "hi", "Please help."))
            expect(replies[0][0] == 250, replies)
        expect(db_query(s, "SELECT count(*) FROM tickets")[0][0] == tickets)
        expect(s.metric('garant_mail_inbound_total{outcome="unknown_sender"}') == 3)


def test_mailed_tickets_take_the_autoreply_allowance():
    with server() as s:
        d = world(s)
        d.set_clock("2026-11-30T10:00:00Z")
        for i in range(7):
            codes, replies = send(s, "carla@acme.example", [SUPPORT],
                                  mail("Carla <Carla@Acme.example>", SUPPORT, "Problem %d" % i, "Details %d." % i))
            expect(b"filed" in replies[0][1], replies)
        # Seven tickets, five automatic answers allowed within the hour.
        rows = db_query(s, "SELECT address, sent_at FROM mail_autoreplies")
        expect(len(rows) == 5 and all(r[0] == "carla@acme.example" for r in rows), rows)
        # The mail producer acknowledges those five only.
        s.mails_settled()
        acks = [m for m in s.smtp.mails if "carla@acme.example" in m["to"] and "We received your request" in m["data"]]
        expect(len(acks) == 5, [m["data"][:200] for m in acks])
        # An hour later the allowance is back.
        d.set_clock("2026-11-30T11:00:00Z")
        send(s, "carla@acme.example", [SUPPORT], mail("carla@acme.example", SUPPORT, "Later", "Again."))
        rows = db_query(s, "SELECT count(*) FROM mail_autoreplies WHERE sent_at >= ?", (epoch("2026-11-30T10:00:01Z"),))
        expect(rows[0][0] == 1, rows)


def test_autoreply_limit_is_configurable():
    with server(["--autoreply-limit", "1"]) as s:
        world(s)
        for i in range(2):
            codes, replies = send(s, "carla@acme.example", [SUPPORT],
                                  mail("carla@acme.example", SUPPORT, "Problem %d" % i, "Details."))
            expect(b"filed" in replies[0][1], replies)
        expect(db_query(s, "SELECT count(*) FROM mail_autoreplies")[0][0] == 1)
    for bad in ("-1", "1001", "x", ""):
        p = subprocess.run([GARANT, "serve", "--db", os.path.join(tempfile.mkdtemp(), "x.db"),
                            "--autoreply-limit", bad], capture_output=True, timeout=30)
        expect(p.returncode == 2 and b"--autoreply-limit" in p.stderr, (bad, p.returncode, p.stderr))


if __name__ == "__main__":
    run(globals(), "mail_inbound")
