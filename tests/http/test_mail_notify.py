"""test_mail_notify.py - the mails tickets cause (issue 14, docs/mail.md
"Ticket mails"): the requester's acknowledgement with the deadline in their
zone and in CET, public replies (never internal notes), priority changes
and solved, in the requester's language; the staff lists (new P1, breach)
once per ticket and event across restarts; every mail exactly once by
Message-ID through an SMTP outage and a kill -9. Waits on the mail
sender's rounds, never on sleeps.

Times: the default policy's business calendar is Mon-Fri 09:00-17:00 in
Europe/Bratislava (CET = UTC+1 in November)."""
import email
import email.policy
import os
import re
import signal
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run, wait_until  # noqa: E402
from test_tickets import PASSWORD, SETUP_AT, file, world  # noqa: E402

CARLA = "carla@acme.example"


def parse(mail):
    """The mail as an email.message.EmailMessage (headers decoded)."""
    return email.message_from_string(mail["data"], policy=email.policy.default)


def text_of(msg):
    return msg.get_body(preferencelist=("plain",)).get_content()


def mails_to(s, addr):
    return [m for m in s.smtp.mails if addr in m["to"]]


def wait_mail(s, addr, subject_part):
    """The one mail to addr whose subject holds subject_part, waiting for it."""
    def find():
        got = [parse(m) for m in mails_to(s, addr)]
        got = [m for m in got if subject_part in str(m["Subject"])]
        return got[-1] if got else None
    return wait_until(find, "a mail to %s about %r" % (addr, subject_part))


def subjects_to(s, addr):
    return [str(parse(m)["Subject"]) for m in mails_to(s, addr)]


def message_ids(s):
    return [parse(m)["Message-ID"] for m in s.smtp.mails]


def test_acknowledgement_has_the_deadline_in_both_zones():
    with Server() as s:
        d = world(s)
        # Carla reads her deadlines in New York time.
        r = expect_status(s.patch("/api/v1/me", {"zone": "America/New_York"}, token=d.pro), 200)
        expect(r.json["user"]["zone"] == "America/New_York" and r.json["user"]["language"] == "en", r.json)
        # Fri 16:30 CET, professional P2: due Mon 14:30 CET = 08:30 EST.
        t = file(d, "pro", "2026-11-27T15:30:00Z", priority=2, product="Payments", subject="Checkout is down")
        m = wait_mail(s, CARLA, "We received your request")
        expect(str(m["Subject"]) == "[#%d] We received your request: Checkout is down" % t["id"], m["Subject"])
        body = text_of(m)
        expect("#%d" % t["id"] in body and "priority P2" in body, body)
        expect("2026-11-30 08:30 EST (America/New_York)" in body, body)
        expect("2026-11-30 14:30 CET Central European Time" in body, body)
        expect("/tickets?id=%d" % t["id"] in body, body)
        # Its own thread's root: event 0, with the ticket's reply address.
        expect(re.fullmatch(r"<t%d\.0\.[a-z2-7]+@[^>]+>" % t["id"], m["Message-ID"]), m["Message-ID"])
        expect(re.fullmatch(r"support\+%d-[a-z2-7]+@.+" % t["id"], str(m["Reply-To"]).strip("<>")), m["Reply-To"])
        expect(m["Auto-Submitted"] == "auto-generated", m["Auto-Submitted"])
        expect(m["In-Reply-To"] is None, m["In-Reply-To"])
        # No guarantee: the reason instead of a deadline (a beta product).
        t2 = file(d, "pro", "2026-11-27T15:40:00Z", priority=3, product="Lab", subject="Lab question")
        m2 = wait_mail(s, CARLA, "Lab question")
        body2 = text_of(m2)
        expect("guarantees no response time" in body2 and "beta" in body2, body2)
        expect("#%d" % t2["id"] in body2, body2)


def test_a_ticket_opened_by_mail_says_p3_and_where_to_raise_it():
    import test_mail_inbound as inbound
    with inbound.server() as s:
        d = inbound.world(s)
        d.set_clock("2026-11-30T10:15:00Z")
        codes, replies = inbound.send(s, CARLA, [inbound.SUPPORT],
                                      inbound.mail("Carla <carla@acme.example>", inbound.SUPPORT, "Invoices are slow",
                                                   "The invoices page takes 20 s."))
        expect(codes == [250] and replies[0][0] == 250, replies)
        tid = int(re.search(rb"#(\d+)", replies[0][1]).group(1))
        m = wait_mail(s, CARLA, "We received your request: Invoices are slow")
        body = " ".join(text_of(m).split())
        expect("Tickets sent by e-mail are filed at priority P3." in body, body)
        expect("you can raise the priority on the ticket's page: %s/tickets?id=%d" % (s.url, tid) in body, body)
        # It answers their mail (RFC 3834), in their thread of the ticket.
        expect(m["Auto-Submitted"] == "auto-replied", m["Auto-Submitted"])
        expect(str(m["Reply-To"]).strip("<>") == inbound.reply_address(tid), m["Reply-To"])
        # A ticket filed on the web is not "sent by e-mail".
        t = file(d, "carla", "2026-11-30T10:20:00Z", subject="Web ticket")
        web = wait_mail(s, CARLA, "Web ticket")
        expect("sent by e-mail" not in text_of(web) and web["Auto-Submitted"] == "auto-generated", text_of(web))
        expect(t["priority"] == 3, t)


def test_public_reply_is_mailed_and_internal_note_never():
    with Server() as s:
        d = world(s)
        t = file(d, "pro", "2026-11-30T09:00:00Z", priority=2, subject="Refunds fail")
        tid = t["id"]
        ack = wait_mail(s, CARLA, "We received your request")
        root = ack["Message-ID"]
        # An internal note, then a public reply of several paragraphs.
        expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "SECRET-NOTE: blame the PSP",
                                                                   "public": False}, token=d.agent), 201)
        reply = "We found the cause.\n\nThe refund job stopped at 09:12; it runs again now.\nLine three."
        expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": reply, "public": True}, token=d.agent), 201)
        m = wait_mail(s, CARLA, "Re: [#%d]" % tid)
        body = text_of(m)
        expect(reply in body.replace("\r\n", "\n"), body)
        expect(m["In-Reply-To"] == root and root in str(m["References"]), (m["In-Reply-To"], m["References"]))
        expect(re.fullmatch(r"<t%d\.\d+\.[a-z2-7]+@[^>]+>" % tid, m["Message-ID"]) and m["Message-ID"] != root,
               m["Message-ID"])
        expect(re.fullmatch(r"support\+%d-[a-z2-7]+@.+" % tid, str(m["Reply-To"]).strip("<>")), m["Reply-To"])
        # A person wrote it: no Auto-Submitted.
        expect(m["Auto-Submitted"] is None, m["Auto-Submitted"])
        # Carla's own reply mails no one, her either.
        expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "Thanks!"}, token=d.pro), 201)
        s.mails_settled()
        s.mails_settled()
        expect(not any("SECRET-NOTE" in m["data"] for m in s.smtp.mails), "an internal note was mailed")
        expect(not any("Thanks!" in m["data"] for m in s.smtp.mails), "the customer's own reply was mailed")
        expect(len([x for x in subjects_to(s, CARLA) if "#%d" % tid in x]) == 2, subjects_to(s, CARLA))


def test_a_reply_mails_its_files_and_never_a_notes():
    """Issue 14: the agent replies with an attachment and the customer's
    mail carries text and file; a file on an internal note is never mailed."""
    with Server() as s:
        d = world(s)
        tid = file(d, "pro", "2026-11-30T09:00:00Z", priority=2, subject="Export fails")["id"]
        wait_mail(s, CARLA, "We received your request")
        log = b"2026-11-30 09:12 export: timeout after 30 s\n" * 40
        up = expect_status(s.request("POST", "/api/v1/attachments?name=export.log", raw=log, token=d.agent), 201)
        secret = expect_status(s.request("POST", "/api/v1/attachments?name=internal.txt", raw=b"SECRET-FILE",
                                         token=d.agent), 201)
        expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "For us only.", "public": False,
                                                                   "attachments": [secret.json["id"]]},
                             token=d.agent), 201)
        expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "The log of the failed run is attached.",
                                                                   "public": True, "attachments": [up.json["id"]]},
                             token=d.agent), 201)
        m = wait_mail(s, CARLA, "Re: [#%d]" % tid)
        expect("The log of the failed run is attached." in text_of(m), text_of(m))
        files = [(p.get_filename(), p.get_content()) for p in m.iter_attachments()]
        expect(len(files) == 1 and files[0][0] == "export.log", [f[0] for f in files])
        got = files[0][1]
        expect((got if isinstance(got, bytes) else got.encode()) == log, "the file's bytes differ")
        s.mails_settled()
        expect(not any("SECRET-FILE" in x["data"] or "internal.txt" in x["data"] for x in s.smtp.mails),
               "an internal note's file was mailed")


def test_priority_change_and_solved_are_mailed():
    with Server() as s:
        d = world(s)
        # Mon 10:00 CET, professional P2 (6 h): due 16:00 CET.
        t = file(d, "pro", "2026-11-30T09:00:00Z", priority=2, subject="Slow API")
        tid = t["id"]
        wait_mail(s, CARLA, "We received your request")
        # Mon 11:00 CET to P1: the desk's reclassification says 14:00 CET
        # (tests/http/test_tickets.py works such deadlines out).
        d.set_clock("2026-11-30T10:00:00Z")
        expect_status(s.patch("/api/v1/tickets/%d" % tid, {"priority": 1, "reason": "all shops affected"},
                              token=d.agent), 200)
        m = wait_mail(s, CARLA, "Priority changed")
        expect(str(m["Subject"]) == "[#%d] Priority changed from P2 to P1: Slow API" % tid, m["Subject"])
        body = text_of(m)
        expect("Reason: all shops affected" in body, body)
        due = expect_status(s.get("/api/v1/tickets/%d" % tid, token=d.agent), 200).json["first_response_due"]
        expect(due == "2026-11-30T13:00:00Z", due)
        expect("2026-11-30 14:00 CET" in body, body)
        expect_status(s.patch("/api/v1/tickets/%d" % tid, {"status": "solved"}, token=d.agent), 200)
        m = wait_mail(s, CARLA, "Solved")
        expect(str(m["Subject"]) == "[#%d] Solved: Slow API" % tid, m["Subject"])
        expect("reopens the ticket" in text_of(m), text_of(m))
        expect(m["Auto-Submitted"] == "auto-generated", m["Auto-Submitted"])


def test_a_romanian_user_gets_romanian_mail():
    with Server() as s:
        d = world(s)
        expect_status(s.patch("/api/v1/me", {"language": "ro", "zone": "Europe/Bucharest"}, token=d.pro), 200)
        me = expect_status(s.get("/api/v1/me", token=d.pro), 200).json["user"]
        expect(me["language"] == "ro" and me["zone"] == "Europe/Bucharest", me)
        t = file(d, "pro", "2026-11-27T15:30:00Z", priority=2, subject="Plăți eșuate")
        m = wait_mail(s, CARLA, "Am primit")
        expect(str(m["Subject"]) == "[#%d] Am primit solicitarea dumneavoastră: Plăți eșuate" % t["id"], m["Subject"])
        # The header is RFC 2047-encoded on the wire, and decodes intact.
        raw = [x for x in mails_to(s, CARLA) if "Am primit" in str(parse(x)["Subject"])][-1]["data"]
        raw_subject = re.search(r"^Subject: (.*(?:\r?\n[ \t].*)*)", raw, re.M).group(1)
        expect("=?" in raw_subject and "ă" not in raw_subject, raw_subject)
        body = text_of(m)
        expect("Bună ziua, Carla" in body and "înregistrat-o" in body, body)
        # 14:30 CET is 15:30 in Bucharest (EET).
        expect("2026-11-30 15:30 EET (Europe/Bucharest)" in body and "2026-11-30 14:30 CET" in body, body)
        expect("ora Europei Centrale" in body, body)


def test_signup_language_is_kept():
    with Server() as s:
        s.set_clock(SETUP_AT)
        addr = "ioana@firma.example"
        expect_status(s.post("/api/v1/signup", {"email": addr, "password": PASSWORD, "name": "Ioana",
                                                "language": "ro"}), 201)
        mail = s.smtp.wait_for(addr)
        tok = re.search(r"token=([A-Za-z0-9_\-]+)", mail["data"]).group(1)
        expect_status(s.post("/api/v1/verify", {"token": tok}), 200)
        token = s.login(addr, PASSWORD)
        expect(expect_status(s.get("/api/v1/me", token=token), 200).json["user"]["language"] == "ro")
        expect_error(s.post("/api/v1/signup", {"email": "x@firma.example", "password": PASSWORD, "name": "X",
                                               "language": "fr"}), 422, "language")


def test_me_patch_is_validated():
    with Server() as s:
        d = world(s)
        before = expect_status(s.get("/api/v1/me", token=d.pro), 200).json["user"]
        expect(before["language"] == "en" and before["zone"] == "Europe/Bratislava", before)
        for body, part in (({"language": "fr"}, "language"), ({"zone": "Mars/Olympus"}, "zone"),
                           ({"zone": "../../etc/passwd"}, "zone"), ({"zone": "/etc/localtime"}, "zone"),
                           ({"language": 3}, "language"), ({"colour": "blue"}, "colour"), ({}, "language")):
            r = s.patch("/api/v1/me", body, token=d.pro)
            expect(r.status in (400, 422), (body, r))
            expect(part in r.json["error"]["message"], (body, r.json))
        expect(expect_status(s.get("/api/v1/me", token=d.pro), 200).json["user"] == before)
        # "" goes back to the policy's zone.
        expect_status(s.patch("/api/v1/me", {"zone": "Asia/Tokyo"}, token=d.pro), 200)
        r = expect_status(s.patch("/api/v1/me", {"zone": ""}, token=d.pro), 200)
        expect(r.json["user"]["zone"] == "Europe/Bratislava", r.json)
        expect_status(s.patch("/api/v1/me", {"language": "ro"}, token=d.agent), 200)
        expect_error(s.patch("/api/v1/me", {"language": "ro"}), 401)


def test_staff_lists_get_new_p1_and_breach_once():
    notify = ["--notify", "new-p1=agent,oncall@vendor.example", "--notify", "breach=admin,oncall@vendor.example"]
    with Server(extra_args=notify) as s:
        d = world(s)
        # Professional P1 Mon 10:00 CET: due 13:00 CET (12:00Z).
        t = file(d, "pro", "2026-11-30T09:00:00Z", priority=1, subject="Everything is down")
        tid = t["id"]
        for addr in ("agent@vendor.example", "oncall@vendor.example"):
            m = wait_mail(s, addr, "[P1] New ticket #%d" % tid)
            expect("Acme" in str(m["Subject"]) and "Carla" in text_of(m), (m["Subject"], text_of(m)))
            expect("2026-11-30 13:00 CET" in text_of(m), text_of(m))
        # A P2 is no P1: no notice.
        t2 = file(d, "pro", "2026-11-30T09:05:00Z", priority=2, subject="Minor")
        wait_mail(s, CARLA, "Minor")
        s.mails_settled()
        expect(not any("#%d" % t2["id"] in x for x in subjects_to(s, "agent@vendor.example")))
        expect(mails_to(s, "admin@vendor.example") == [], "the admin is on the breach list only")
        # Past the deadline: the breach, to the admin and on-call.
        s.set_clock("2026-11-30T12:30:00Z")
        s.wait_rounds(2)
        for addr in ("admin@vendor.example", "oncall@vendor.example"):
            m = wait_mail(s, addr, "[SLA breach] #%d" % tid)
            expect("2026-11-30 13:00 CET" in text_of(m) and "30 min late (business hours)" in text_of(m), text_of(m))
        # Once, also across a restart and later rounds.
        s.stop()
        s.start()
        s.set_clock("2026-11-30T15:00:00Z")
        s.wait_rounds(2)
        s.mails_settled()
        for addr in ("admin@vendor.example", "oncall@vendor.example"):
            n = [x for x in subjects_to(s, addr) if "[SLA breach] #%d" % tid in x]
            expect(len(n) == 1, (addr, subjects_to(s, addr)))
        expect(len([x for x in subjects_to(s, "agent@vendor.example") if "#%d" % tid in x]) == 1)
        # Every Message-ID once (copies of one notice share theirs).
        ids = [(m["to"][0], parse(m)["Message-ID"]) for m in s.smtp.mails]
        expect(len(ids) == len(set(ids)), ids)


def test_bad_notify_lists_refuse_to_start():
    for spec, part in (("panic=agent", "no event"), ("new-p1=", "empty"), ("new-p1=root", "neither a role"),
                       ("breach=agent,,admin", "empty"), ("warning=a@b.example,", "comma")):
        try:
            Server(extra_args=["--notify", spec])
        except RuntimeError as e:
            expect(part in str(e), (spec, str(e)[-300:]))
            continue
        raise AssertionError("the server started with --notify %s" % spec)


def test_smtp_down_for_an_hour_then_every_ticket_mail_once():
    with Server() as s:
        d = world(s)
        s.mails_settled()
        s.smtp.set_down(True)
        d.set_clock("2026-11-30T09:00:00Z")
        ids = [file(d, "pro", "2026-11-30T09:00:00Z", priority=3, subject="Outage %d" % i)["id"] for i in range(3)]
        for tid in ids:
            expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "On it %d." % tid}, token=d.agent), 201)
        s.mails_settled()
        for minute in range(10, 61, 10):
            d.set_clock("2026-11-30T%02d:%02d:00Z" % (9 + minute // 60, minute % 60))
            s.mails_settled()
        expect(not any("Outage" in m["data"] for m in s.smtp.mails), "sent while down")
        s.smtp.set_down(False)
        d.set_clock("2026-11-30T11:05:00Z")
        s.mails_settled()
        wait_until(lambda: len([m for m in mails_to(s, CARLA) if "Outage" in str(parse(m)["Subject"])]) == 6,
                   "the six ticket mails")
        s.mails_settled()
        got = [parse(m)["Message-ID"] for m in mails_to(s, CARLA) if "Outage" in str(parse(m)["Subject"])]
        expect(len(got) == 6 and len(set(got)) == 6, got)


def test_kill_between_producing_and_sending_loses_and_repeats_nothing():
    with Server() as s:
        d = world(s)
        s.mails_settled()
        before = len(s.smtp.mails)
        # The SMTP server takes the connection and says nothing: the mails
        # are built and queued (committed), claimed, and stuck in sending.
        s.smtp.hold()
        ids = [file(d, "pro", "2026-11-30T09:00:00Z", priority=3, subject="Crash %d" % i)["id"] for i in range(4)]
        def queued():
            con = sqlite3.connect(s.db, timeout=10)
            try:
                return con.execute("SELECT count(*) FROM mail_outbox WHERE ticket_id IN (%s)"
                                   % ",".join(str(i) for i in ids)).fetchone()[0] == 4
            finally:
                con.close()
        wait_until(queued, "the four acknowledgements queued")
        s.stop(signal.SIGKILL)
        s.smtp.release()
        s.start()
        # The claims' lease (10 minutes) runs out; then they go, once.
        s.set_clock("2026-11-30T09:11:00Z")
        wait_until(lambda: len([m for m in s.smtp.mails[before:] if "Crash" in m["data"]]) >= 4, "the four mails")
        s.mails_settled()
        s.mails_settled()
        got = [parse(m)["Message-ID"] for m in s.smtp.mails[before:] if "Crash" in str(parse(m)["Subject"])]
        expect(len(got) == 4 and len(set(got)) == 4, got)
        con = sqlite3.connect(s.db, timeout=10)
        try:
            rows = con.execute("SELECT message_id, count(*) FROM mail_outbox WHERE ticket_id IS NOT NULL"
                               " GROUP BY message_id HAVING count(*) > 1").fetchall()
        finally:
            con.close()
        expect(rows == [], rows)


if __name__ == "__main__":
    run(globals(), "mail_notify")
