"""test_mail.py - the desk's outbound mail through the outbox (issue 14,
issue 13 finding 4): no answer waits on SMTP, a down or slow SMTP server
delays mail without losing or repeating it, and /metrics shows the
retries. Waits on the mail sender's rounds, never on sleeps."""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import GARANT, SOURCE, Server, expect, expect_status, run, wait_until  # noqa: E402

PASSWORD = "correct horse battery"


def mails_to(s, addr):
    return [m for m in s.smtp.mails if addr in m["to"]]


def signup_verified(s, email):
    expect_status(s.post("/api/v1/signup", {"email": email, "password": PASSWORD, "name": "Ana Pop"}), 201)
    mail = wait_until(lambda: (mails_to(s, email) or [None])[-1], "the verification mail to %s" % email)
    tok = re.search(r"/verify\?token=([A-Za-z0-9_-]+)", mail["data"]).group(1)
    expect_status(s.post("/api/v1/verify", {"token": tok}), 200)


def test_forgot_does_not_wait_for_a_slow_smtp_server():
    with Server() as s:
        known = "known@acme-corp.example"
        signup_verified(s, known)
        s.mails_settled()
        # A server that accepts the connection and then says nothing: the
        # synchronous send waited up to its 30 s timeout here.
        s.smtp.hold()
        for addr in (known, "unknown@acme-corp.example"):
            t0 = time.monotonic()
            r = expect_status(s.post("/api/v1/password/forgot", {"email": addr}), 202)
            took = time.monotonic() - t0
            expect(took < 5, "forgot for %s took %.1f s with SMTP hanging" % (addr, took))
        expect(r.json["status"] == "accepted", r)
        s.smtp.release()
        mail = wait_until(lambda: [m for m in mails_to(s, known) if "/reset?token=" in m["data"]] or None,
                          "the reset mail")
        s.mails_settled()
        expect(len(mail) == 1 and len([m for m in mails_to(s, known) if "/reset?" in m["data"]]) == 1, mail)
        expect(mails_to(s, "unknown@acme-corp.example") == [], "mail to an unknown address")
        expect(s.metric("garant_mail_queued") == 0 and s.metric("garant_mail_sent") == 2, s.metrics().raw)


def test_smtp_down_for_an_hour_then_every_mail_once():
    with Server() as s:
        s.set_clock("2026-11-30T09:00:00Z")
        known = "known@acme-corp.example"
        signup_verified(s, known)
        s.mails_settled()
        s.smtp.set_down(True)
        # Both answer at once; the known address's mail waits in the outbox.
        expect_status(s.post("/api/v1/password/forgot", {"email": known}), 202)
        expect_status(s.post("/api/v1/password/forgot", {"email": "nobody@acme-corp.example"}), 202)
        # Three sign-ups while SMTP is down: their mails wait too.
        others = ["p%d@acme-corp.example" % i for i in range(3)]
        for a in others:
            expect_status(s.post("/api/v1/signup", {"email": a, "password": PASSWORD, "name": "P"}), 201)
        s.mails_settled()
        expect(s.metric("garant_mail_queued") == 4, s.metrics().raw)
        expect(s.metric("garant_mail_retries_total") >= 4, s.metrics().raw)
        # An hour of the test clock, ten minutes at a time: every retry fails.
        for minute in range(10, 61, 10):
            s.set_clock("2026-11-30T%02d:%02d:00Z" % (9 + minute // 60, minute % 60))
            s.mails_settled()
        retries = s.metric("garant_mail_retries_total")
        expect(retries >= 4 * 3, s.metrics().raw)
        expect(s.metric("garant_mail_oldest_queued_seconds") >= 3600, s.metrics().raw)
        expect(len(s.smtp.mails) == 1, s.smtp.mails)  # the verification mail only
        # Up again: once the back-off ends (at most an hour), all arrive.
        s.smtp.set_down(False)
        s.set_clock("2026-11-30T11:00:01Z")
        s.mails_settled()
        expect(s.metric("garant_mail_queued") == 0 and s.metric("garant_mail_sent") == 5, s.metrics().raw)
        # And nothing more, ever.
        s.set_clock("2026-12-01T11:00:01Z")
        s.mails_settled()
        resets = [m for m in mails_to(s, known) if "/reset?token=" in m["data"]]
        expect(len(resets) == 1, resets)
        for a in others:
            expect(len(mails_to(s, a)) == 1, (a, mails_to(s, a)))
        expect(mails_to(s, "nobody@acme-corp.example") == [], "mail to an unknown address")
        ids = [re.search(r"^Message-ID: (\S+)", m["data"], re.M).group(1) for m in s.smtp.mails]
        expect(len(ids) == len(set(ids)) == 5, ids)


def test_broken_templates_refuse_to_start():
    d = tempfile.mkdtemp()
    tpl = os.path.join(d, "tpl")
    shutil.copytree(os.path.join(SOURCE, "templates", "mail"), tpl)
    with open(os.path.join(tpl, "ro", "solved.txt"), "w") as f:
        f.write("Subject: {{ticket_number}}\nno blank line\n")
    p = subprocess.run([GARANT, "serve", "--db", os.path.join(d, "g.db"), "--listen", "127.0.0.1:0",
                        "--mail-templates", tpl], capture_output=True, timeout=30)
    err = p.stderr.decode()
    expect(p.returncode == 2 and os.path.join(tpl, "ro", "solved.txt") + ":2:" in err, (p.returncode, err))
    p = subprocess.run([GARANT, "serve", "--db", os.path.join(d, "g.db"), "--listen", "127.0.0.1:0",
                        "--mail-key-file", os.path.join(d, "missing.key")], capture_output=True, timeout=30)
    expect(p.returncode == 2 and "--mail-key-file" in p.stderr.decode(), p)


def test_mail_key_is_made_once_and_kept():
    with Server() as s:
        db = sqlite3.connect(s.db)
        key = db.execute("SELECT key FROM mail_key").fetchone()[0]
        db.close()
        expect(len(key) == 32, key)
        s.stop()
        s.start()
        db = sqlite3.connect(s.db)
        rows = db.execute("SELECT key FROM mail_key").fetchall()
        db.close()
        expect(rows == [(key,)], rows)


def test_sent_mails_bytes_are_dropped_after_the_retention_time():
    """--mail-keep-days 30: a sent mail's bytes go once it is 30 days old;
    a younger one and a queued one keep theirs, and every row stays (its
    Message-ID still attributes a late bounce)."""
    with Server(extra_args=["--mail-keep-days", "30"]) as s:
        s.set_clock("2026-11-02T09:00:00Z")
        signup_verified(s, "old@acme-corp.example")
        s.mails_settled()
        s.set_clock("2026-11-22T09:00:00Z")
        signup_verified(s, "young@acme-corp.example")
        s.mails_settled()
        # Two minutes short of 30 days: nothing is old enough yet.
        s.set_clock("2026-12-02T08:59:00Z")
        s.smtp.set_down(True)
        expect_status(s.post("/api/v1/password/forgot", {"email": "old@acme-corp.example"}), 202)
        s.mails_settled()
        expect(s.metric("garant_mail_queued") == 1 and s.metric("garant_mail_pruned_total") == 0, s.metrics().raw)
        # The next pass, an hour later (passes run hourly): the first mail
        # is now 30 days and an hour old.
        s.set_clock("2026-12-02T10:00:00Z")
        s.mails_settled()
        wait_until(lambda: s.metric("garant_mail_pruned_total") == 1 or None, "the retention pass")
        db = sqlite3.connect(s.db)
        try:
            rows = db.execute("SELECT recipient, state, length(raw), pruned_at IS NOT NULL FROM mail_outbox"
                              " ORDER BY id").fetchall()
        finally:
            db.close()
        expect([(r[0], r[1], r[2] > 0, r[3]) for r in rows] == [
            ("old@acme-corp.example", "sent", False, 1),
            ("young@acme-corp.example", "sent", True, 0),
            ("old@acme-corp.example", "queued", True, 0),
        ], rows)
        # The queued mail still goes out whole.
        s.smtp.set_down(False)
        s.set_clock("2026-12-02T11:00:00Z")
        s.mails_settled()
        expect(s.metric("garant_mail_queued") == 0, s.metrics().raw)
        expect(any("/reset?token=" in m["data"] for m in mails_to(s, "old@acme-corp.example")), s.smtp.mails)


def test_mail_keep_days_is_checked():
    for bad in ("-1", "x", "36501"):
        p = subprocess.run([GARANT, "serve", "--db", "/nonexistent/x.db", "--mail-keep-days", bad],
                           capture_output=True, text=True)
        expect(p.returncode == 2 and "--mail-keep-days must be 0-36500" in p.stderr, (bad, p.returncode, p.stderr))


if __name__ == "__main__":
    run(globals(), "mail")
