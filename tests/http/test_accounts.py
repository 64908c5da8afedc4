"""test_accounts.py - sign-up with company addresses only, address
verification over real SMTP, login (cookie, bearer, CSRF), throttling,
logout, password reset; and that no answer tells whether an e-mail has an
account."""
import base64
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import GARANT, SOURCE, WAIT_S, Server, expect, expect_error, expect_status, run, wait_until  # noqa: E402

PASSWORD = "correct horse battery"
T0 = "2026-11-30T09:00:00Z"


def mails_to(s, addr):
    return [m for m in s.smtp.mails if addr in m["to"]]


def wait_mail(s, addr, n=1, timeout=WAIT_S):
    """The n-th mail (1-based) to addr, waiting for it."""
    got = wait_until(lambda: (lambda m: m if len(m) >= n else None)(mails_to(s, addr)),
                     "mail %d to %s" % (n, addr), timeout)
    return got[n - 1]


def mails_settled(s):
    """Every mail the answers so far caused has reached the SMTP receiver:
    mails go through the outbox (src/desk/mail.c), sent by the mail
    sender after the answer, so wait for two of its rounds to pass."""
    return s.mails_settled()


def token_of(mail, kind="verify"):
    m = re.search(r"/%s\?token=([A-Za-z0-9_-]+)" % kind, mail["data"])
    expect(m, "no %s link in mail: %r" % (kind, mail["data"]))
    return m.group(1)


def signup(s, email, password=PASSWORD, name="Alice Example"):
    return s.post("/api/v1/signup", {"email": email, "password": password, "name": name})


def signup_verified(s, email, password=PASSWORD, name="Alice Example"):
    """Sign up, verify through the mailed link, log in; the bearer token."""
    n = len(mails_to(s, email.lower()))
    expect_status(signup(s, email, password, name), 201)
    tok = token_of(wait_mail(s, email.lower(), n + 1))
    expect_status(s.post("/api/v1/verify", {"token": tok}), 200)
    return s.login(email, password)


def cookie_of(resp):
    c = resp.headers.get("Set-Cookie") or ""
    m = re.match(r"garant_session=([^;]*)", c)
    expect(m, "no session cookie: %r" % c)
    return m.group(1), c


# ---- sign-up -------------------------------------------------------------

def test_signup_refuses_free_mail():
    with Server() as s:
        for email, provider in [("a@gmail.com", "gmail.com"), ("a@yahoo.co.uk", "yahoo.co.uk"),
                                ("a@mail.ru", "mail.ru"), ("a@gmx.de", "gmx.de"),
                                ("a@subdomain.gmail.com", "gmail.com"), ("A@GMAIL.COM", "gmail.com"),
                                ("a@googlemail.com", "googlemail.com"), ("a@proton.me", "proton.me"),
                                ("a@mailinator.com", "mailinator.com"), ("a@seznam.cz", "seznam.cz"),
                                ("a@azet.sk", "azet.sk"), ("a@yandex.com.tr", "yandex.com.tr"),
                                ("a@gmx.li", "gmx.li"), ("a@hotmail.com.ar", "hotmail.com.ar")]:
            r = expect_error(signup(s, email), 422, "sign up with your company e-mail address")
            expect(provider + " is a free mail provider" in r.json["error"]["message"], (email, r))
        # Nothing was created, and no mail went out.
        mails_settled(s)
        expect(s.smtp.mails == [], s.smtp.mails)


def test_signup_validation():
    with Server() as s:
        for email in ["no-at-sign", "a@b", "a@@acme.example", "a@acme.example@x.example", "a b@acme.example",
                      ".a@acme.example", "a.@acme.example", "a..b@acme.example", "@acme.example",
                      "a@-acme.example", "a@acme-.example", "a@acme..example", "a@1.2.3.4", "a@acme.example.",
                      "a@ac_me.example", "x" * 65 + "@acme.example", "a@" + "b" * 64 + ".example",
                      "\u00e9@acme.example", "a@\u00e9.example"]:
            expect_error(signup(s, email), 422)
        expect_error(signup(s, "a@" + "b." * 130 + "example"), 422)
        expect_error(signup(s, "a@acme.example", password="short"), 422, "at least 10 characters")
        # Ten characters, fewer bytes: counted as characters.
        expect_error(signup(s, "a@acme.example", password="\u00e9" * 9), 422, "at least 10 characters")
        expect_error(signup(s, "a@acme.example", password="x" * 1025), 422, "password")
        expect_error(signup(s, "a@acme.example", name=""), 422, "'name'")
        expect_error(signup(s, "a@acme.example", name="   "), 422, "'name'")
        expect_error(signup(s, "a@acme.example", name="a\nb"), 422, "control character")
        expect_error(signup(s, "a@acme.example", name="x" * 201), 422, "'name'")
        expect_error(s.post("/api/v1/signup", {"email": "a@acme.example", "password": PASSWORD}), 422,
                     "'name' is required")
        expect_error(s.post("/api/v1/signup", {"email": "a@acme.example", "password": PASSWORD, "name": "A",
                                               "role": "admin"}), 422, "unknown field 'role'")
        expect_error(s.post("/api/v1/signup", {"email": 5, "password": PASSWORD, "name": "A"}), 422,
                     "'email' must be a string")
        expect_error(s.post("/api/v1/signup", raw=b'{"email":', headers={"Content-Type": "application/json"}),
                     400, "malformed JSON")
        mails_settled(s)
        expect(s.smtp.mails == [], s.smtp.mails)
        # Accepted edge cases: plus addressing, upper case (stored lower-case).
        r = expect_status(signup(s, "Bob.Smith+Desk@Acme-Corp.Example", password="\u00e9" * 10), 201)
        expect(r.json["email"] == "bob.smith+desk@acme-corp.example", r)


def test_signup_verify_login_me():
    with Server() as s:
        s.set_clock(T0)
        email = "alice@acme-corp.example"
        r = expect_status(signup(s, email, name="Alice Ácme"), 201)
        expect(r.json["status"] == "verification_sent" and r.json["email"] == email, r)
        expect("id" not in r.json, "the answer must not reveal an account id: %r" % r)
        mail = wait_mail(s, email)
        data = mail["data"]
        for h in ["Date: ", "Message-ID: <", "Subject: ", "From: ", "To: " + email,
                  "Content-Type: text/plain; charset=utf-8"]:
            expect(h in data, "header %r missing in %r" % (h, data))
        expect(re.search(r"^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r?$", data, re.M), data)
        tok = token_of(mail)
        expect(re.search(r"http://127\.0\.0\.1:\d+/verify\?token=", data) and ":0/" not in data, data)
        # At least 128 bits: base64url of 32 random bytes.
        expect(len(base64.urlsafe_b64decode(tok + "=")) == 32, tok)

        # Not verified yet: the right password hears "verify first", a
        # wrong one the usual 401.
        expect_error(s.post("/api/v1/login", {"email": email, "password": PASSWORD}), 403,
                     "verify your e-mail address first")
        expect_error(s.post("/api/v1/login", {"email": email, "password": "wrong password!"}), 401,
                     "wrong e-mail or password")

        r = expect_status(s.post("/api/v1/verify", {"token": tok}), 200)
        expect(r.json["email"] == email, r)
        # Single use.
        expect_error(s.post("/api/v1/verify", {"token": tok}), 422, "not valid")
        expect_error(s.post("/api/v1/verify", {"token": "x" * 43}), 422, "not valid")
        expect_error(s.post("/api/v1/verify", {}), 422, "'token' is required")

        r = expect_status(s.post("/api/v1/login", {"email": "Alice@ACME-corp.example", "password": PASSWORD}), 200)
        j = r.json
        expect(set(j) == {"token", "csrf_token", "user", "expires_at"}, j)
        expect(j["user"]["email"] == email and j["user"]["role"] == "customer" and j["user"]["name"] == "Alice Ácme",
               j)
        expect(isinstance(j["user"]["id"], int) and isinstance(j["user"]["org_id"], int), j)
        expect(j["expires_at"] == "2026-11-30T21:00:00Z", j)  # 12 hours
        expect(len(base64.urlsafe_b64decode(j["token"] + "=")) == 32, j)
        value, raw = cookie_of(r)
        expect(value == j["token"], raw)
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"]:
            expect(flag in raw, "cookie lacks %s: %r" % (flag, raw))
        expect("Secure" not in raw, raw)  # http base URL

        me = expect_status(s.get("/api/v1/me", token=j["token"]), 200).json
        expect(me["user"]["email"] == email and me["user"]["verified"] is True, me)
        expect(me["org"]["name"] == "acme-corp.example" and me["org"]["plan"] == "basic", me)
        expect(me["session"]["csrf_token"] == j["csrf_token"], me)
        me2 = expect_status(s.get("/api/v1/me", cookie="garant_session=" + value), 200).json
        expect(me2["user"]["id"] == me["user"]["id"], me2)
        expect_error(s.get("/api/v1/me"), 401)
        expect_error(s.get("/api/v1/me", token="nonsense"), 401)

        # The session lasts 12 hours.
        s.set_clock("2026-11-30T20:59:59Z")
        expect_status(s.get("/api/v1/me", token=j["token"]), 200)
        s.set_clock("2026-11-30T21:00:00Z")
        expect_error(s.get("/api/v1/me", token=j["token"]), 401)


def test_secure_cookie_with_https_base_url():
    with Server(extra_args=["--base-url", "https://desk.example.com/"]) as s:
        email = "sec@acme-corp.example"
        expect_status(signup(s, email), 201)
        mail = wait_mail(s, email)
        expect("https://desk.example.com/verify?token=" in mail["data"], mail["data"])
        expect_status(s.post("/api/v1/verify", {"token": token_of(mail)}), 200)
        r = expect_status(s.post("/api/v1/login", {"email": email, "password": PASSWORD}), 200)
        expect("; Secure" in r.headers.get("Set-Cookie", ""), r.headers)


def test_expired_verification_token():
    with Server() as s:
        s.set_clock(T0)
        email = "late@acme-corp.example"
        expect_status(signup(s, email), 201)
        tok = token_of(wait_mail(s, email))
        s.set_clock("2026-12-01T10:00:00Z")  # 25 hours later
        expect_error(s.post("/api/v1/verify", {"token": tok}), 422, "expired")
        # An expired sign-up is nothing: no account to be told to verify.
        expect_error(s.post("/api/v1/login", {"email": email, "password": PASSWORD}), 401)
        # Signing up again mails a fresh link, which sets the password of
        # the sign-up that sent it.
        expect_status(signup(s, email, password="another password"), 201)
        mail = wait_mail(s, email, 2)
        expect_status(s.post("/api/v1/verify", {"token": token_of(mail)}), 200)
        expect_error(s.post("/api/v1/login", {"email": email, "password": PASSWORD}), 401)
        expect_status(s.post("/api/v1/login", {"email": email, "password": "another password"}), 200)


def test_pre_hijack_the_mailbox_owner_sets_the_password():
    """Issue 13, finding 3: someone signs up carol@acme.example with their
    password; the real Carol signs up with hers, receives the mail and
    confirms. Only Carol's password works afterwards, the first sign-up's
    link is dead, and no session of the first sign-up ever sees Acme's
    tickets. Before, the account kept the first password: the stranger
    logged in and saw every Acme ticket."""
    with Server() as s:
        s.set_clock(T0)
        # Acme has a confirmed customer with a ticket already.
        colleague = signup_verified(s, "dave@acme.example")
        t = expect_status(s.post("/api/v1/tickets", {"subject": "Acme's secret", "body": "internal",
                                                     "priority": 2}, token=colleague), 201).json
        carol, mallory_pw, carol_pw = "carol@acme.example", "mallory's own pass", "carol's real password"
        expect_status(signup(s, carol, password=mallory_pw, name="Mallory"), 201)
        first_link = token_of(wait_mail(s, carol, 1))  # in Carol's mailbox, not Mallory's
        # Unconfirmed: the stranger's password opens nothing.
        expect_error(s.post("/api/v1/login", {"email": carol, "password": mallory_pw}), 403, "verify")
        expect_status(signup(s, carol, password=carol_pw, name="Carol"), 201)
        second = wait_mail(s, carol, 2)
        expect("Each link sets the password chosen in the" in second["data"], second["data"])
        carols_link = token_of(second)
        r = expect_status(s.post("/api/v1/verify", {"token": carols_link}), 200)
        expect(r.json["email"] == carol, r)
        expect_error(s.post("/api/v1/login", {"email": carol, "password": mallory_pw}), 401, "wrong e-mail or password")
        token = s.login(carol, carol_pw)
        me = expect_status(s.get("/api/v1/me", token=token), 200).json
        expect(me["user"]["name"] == "Carol" and me["org"]["name"] == "acme.example", me)
        # The other link of the address died with the confirmation.
        expect_error(s.post("/api/v1/verify", {"token": first_link}), 422, "not valid")
        expect_error(s.post("/api/v1/login", {"email": carol, "password": mallory_pw}), 401)
        expect_status(s.get("/api/v1/tickets/%d" % t["id"], token=token), 200)


def test_unconfirmed_sign_up_is_no_account():
    """An unconfirmed sign-up creates no user and no organization (the
    domain stays free for an admin), and its password is checked once, like
    any other, for the "verify first" answer."""
    with Server() as s:
        expect_status(signup(s, "ceo@bigbank.example"), 201)
        wait_mail(s, "ceo@bigbank.example")
        import sqlite3
        db = sqlite3.connect(s.db)
        try:
            expect(db.execute("SELECT count(*) FROM users").fetchone()[0] == 0, "a user was created")
            expect(db.execute("SELECT count(*) FROM orgs").fetchone()[0] == 0, "an organization was created")
        finally:
            db.close()
        before = s.metric("garant_password_checks_total")
        expect_error(s.post("/api/v1/login", {"email": "ceo@bigbank.example", "password": PASSWORD}), 403, "verify")
        expect(s.metric("garant_password_checks_total") == before + 1)


def test_existing_email_same_answer():
    with Server() as s:
        email = "dup@acme-corp.example"
        first = expect_status(signup(s, email), 201)
        expect_status(s.post("/api/v1/verify", {"token": token_of(wait_mail(s, email))}), 200)
        again = expect_status(signup(s, email, password="a different one", name="Mallory"), 201)
        expect(first.json == again.json, (first, again))
        expect(set(first.headers) - {"Date"} == set(again.headers) - {"Date"}, (first.headers, again.headers))
        mail = wait_mail(s, email, 2)
        expect("has an account already" in mail["data"], mail["data"])
        expect("token=" not in mail["data"] and "Mallory" not in mail["data"], mail["data"])
        # Nothing changed: the first password still works, the new one not.
        expect_status(s.post("/api/v1/login", {"email": email, "password": PASSWORD}), 200)
        expect_error(s.post("/api/v1/login", {"email": email, "password": "a different one"}), 401)
        # Staff addresses too answer 201 and get the mail.
        s.add_staff("agent@vendor.example", "agent")
        r = expect_status(signup(s, "agent@vendor.example"), 201)
        expect(r.json["status"] == first.json["status"], r)
        expect("has an account already" in wait_mail(s, "agent@vendor.example")["data"])


def test_same_domain_joins_org():
    with Server() as s:
        t1 = signup_verified(s, "one@initech.example")
        t2 = signup_verified(s, "two@INITECH.example")
        t3 = signup_verified(s, "three@other-co.example")
        m1 = s.get("/api/v1/me", token=t1).json
        m2 = s.get("/api/v1/me", token=t2).json
        m3 = s.get("/api/v1/me", token=t3).json
        expect(m1["user"]["org_id"] == m2["user"]["org_id"], (m1, m2))
        expect(m3["user"]["org_id"] != m1["user"]["org_id"], (m1, m3))
        # An organization set up by an admin is joined with its plan; an
        # admin's organization name does not stop sign-up for a new domain.
        s.add_staff("root@vendor.example", "admin")
        admin = s.login("root@vendor.example")
        org = expect_status(s.post("/api/v1/orgs", {"name": "Globex", "domains": ["globex.example"],
                                                    "plan": "advanced"}, token=admin), 201).json
        expect_status(s.post("/api/v1/orgs", {"name": "newco.example", "plan": "professional"}, token=admin), 201)
        t4 = signup_verified(s, "hank@globex.example")
        m4 = s.get("/api/v1/me", token=t4).json
        expect(m4["user"]["org_id"] == org["id"] and m4["org"]["plan"] == "advanced"
               and m4["user"]["role"] == "customer", m4)
        t5 = signup_verified(s, "first@newco.example")
        m5 = s.get("/api/v1/me", token=t5).json
        expect(m5["org"]["name"] == "newco.example (2)" and m5["org"]["plan"] == "basic", m5)
        orgs = s.get("/api/v1/orgs", token=admin).json["orgs"]
        expect(len(orgs) == 5, orgs)
        expect(sorted(o["domains"] for o in orgs if o["name"].startswith("initech"))
               == [["initech.example"]], orgs)


def test_wrong_email_and_wrong_password_look_alike():
    """Both answers are the same, and both check an argon2id hash (an unknown
    address against a dummy one), so neither is faster: the count of checks
    in /metrics says so without timing anything. (bench/accounts.py measures
    the two times.)"""
    with Server() as s:
        signup_verified(s, "known@acme-corp.example")
        answers = {}
        for who, email in [("unknown", "nobody@acme-corp.example"), ("known", "known@acme-corp.example"),
                           ("empty", "")]:
            before = s.metric("garant_password_checks_total")
            r = expect_error(s.post("/api/v1/login", {"email": email, "password": "wrong password!"}), 401)
            answers[who] = r.json
            expect(s.metric("garant_password_checks_total") == before + 1, "%s: no hash was checked" % who)
        expect(answers["unknown"] == answers["known"] == answers["empty"], answers)


def hold_hashing(s, hold):
    expect_status(s.post("/api/v1/test/hold", {"pool": "hashing", "hold": hold}), 200)


def pool_gauge(s, name, pool):
    r = expect_status(s.metrics(), 200)
    m = re.search(r'^%s\{pool="%s"\} (\d+)$' % (name, pool), r.raw, re.M)
    expect(m, "no %s for %s in /metrics" % (name, pool))
    return int(m.group(1))


class SignInFlood:
    """n sign-ins sent at once, each on its own connection and thread;
    .answers collects [(status, Retry-After, body)] as they finish. Use as a
    context manager: leaving it waits for every answer."""

    def __init__(self, s, email, n):
        import http.client
        import threading
        self.n = n
        host, port = re.match(r"http://([^:/]+):(\d+)", s.url).groups()
        self.conns = [http.client.HTTPConnection(host, int(port), timeout=120) for _ in range(n)]
        for c in self.conns:
            c.connect()
        self.answers = []
        self.lock = threading.Lock()
        body = json.dumps({"email": email, "password": PASSWORD})

        def sign_in(c):
            c.request("POST", "/api/v1/login", body=body, headers={"Content-Type": "application/json"})
            r = c.getresponse()
            raw = r.read()
            with self.lock:
                self.answers.append((r.status, r.getheader("Retry-After"), raw))

        self.threads = [threading.Thread(target=sign_in, args=(c,), daemon=True) for c in self.conns]
        for t in self.threads:
            t.start()

    def answered(self):
        with self.lock:
            return list(self.answers)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for t in self.threads:
            t.join(120)
        for c in self.conns:
            c.close()
        if exc[0] is None:
            expect(len(self.answers) == self.n, "%d of %d sign-ins answered" % (len(self.answers), self.n))


def test_sign_ins_do_not_hold_up_other_requests():
    """Routes that hash passwords run on a small pool of their own (8
    workers), so a flood of sign-ins leaves the general workers to everyone
    else. The hashing pool is held (a test-only switch), 48 sign-ins fill
    its 8 workers and queue the other 40; with all of them still unanswered,
    a GET /api/v1/me on 4 general workers is answered. In one shared pool it
    would wait behind them. Asserts an order of events, not a speed."""
    with Server(extra_args=["--workers", "4"]) as s:
        email = "flood@acme-corp.example"
        signup_verified(s, email)
        token = s.login(email)
        hold_hashing(s, True)
        try:
            with SignInFlood(s, email, 48) as flood:
                wait_until(lambda: pool_gauge(s, "garant_pool_busy", "hashing") == 8
                           and pool_gauge(s, "garant_pool_waiting", "hashing") == 40, "48 sign-ins in the pool")
                expect_status(s.get("/api/v1/me", token=token), 200)
                expect(flood.answered() == [], "a sign-in was answered while held: %r" % flood.answered()[:1])
                hold_hashing(s, False)
        finally:
            hold_hashing(s, False)
        statuses = [a[0] for a in flood.answers]
        expect(statuses == [200] * 48, statuses)


def test_waiting_sign_ins_are_capped():
    """Sign-ins wait for one of 8 hashing workers, and at most
    --max-waiting-sign-ins of them (here 4) may wait: of 40 at once while
    the hashing pool is held, 8 are taken by its workers, 4 wait, and the
    other 28 are answered 503 at once with Retry-After, not held with their
    connections while the flood lasts. Released, the 12 are served, and
    signing in works."""
    with Server(extra_args=["--max-waiting-sign-ins", "4"]) as s:
        email = "queue@acme-corp.example"
        signup_verified(s, email)
        hold_hashing(s, True)
        try:
            with SignInFlood(s, email, 40) as flood:
                wait_until(lambda: len(flood.answered()) == 28, "28 sign-ins refused")
                expect(pool_gauge(s, "garant_pool_busy", "hashing") == 8
                       and pool_gauge(s, "garant_pool_waiting", "hashing") == 4, "8 busy and 4 waiting")
                for status, retry, raw in flood.answered():
                    expect(status == 503 and retry == "1" and b"too many sign-ins" in raw, (status, retry, raw))
                hold_hashing(s, False)
        finally:
            hold_hashing(s, False)
        statuses = [a[0] for a in flood.answers]
        expect(statuses == [503] * 28 + [200] * 12, statuses)
        expect_status(s.post("/api/v1/login", {"email": email, "password": PASSWORD}), 200)
        # The cap is checked on the command line.
        p = subprocess.run([GARANT, "serve", "--db", s.db, "--max-waiting-sign-ins", "0"], capture_output=True)
        expect(p.returncode == 2 and b"max-waiting-sign-ins" in p.stderr, p)


def test_hold_is_for_tests_and_the_hashing_pool_only():
    with Server() as s:
        expect_error(s.post("/api/v1/test/hold", {"pool": "general", "hold": True}), 422, "hashing")
        expect_error(s.post("/api/v1/test/hold", {"pool": "hashing"}), 422, "'hold' is required")
        expect_error(s.post("/api/v1/test/hold", {"pool": "hashing", "hold": 1}), 422, "'hold'")


def test_login_throttling():
    with Server() as s:
        s.set_clock(T0)
        signup_verified(s, "victim@acme-corp.example")
        signup_verified(s, "other@acme-corp.example")
        for i in range(5):
            expect_error(s.post("/api/v1/login", {"email": "victim@acme-corp.example", "password": "bad%d pass!" % i}),
                         401, "wrong e-mail or password")
        r = expect_error(s.post("/api/v1/login", {"email": "victim@acme-corp.example", "password": PASSWORD}), 429,
                         "too many failed logins")
        expect(int(r.headers.get("Retry-After", "0")) > 0, r.headers)
        # The account key counts the address case-insensitively.
        expect_error(s.post("/api/v1/login", {"email": "VICTIM@acme-corp.example", "password": PASSWORD}), 429)
        # Another account from the same address is not blocked (5 < 20)...
        expect_status(s.post("/api/v1/login", {"email": "other@acme-corp.example", "password": PASSWORD}), 200)
        # ...until the address has 20 failures (unknown accounts count too).
        for i in range(15):
            expect_error(s.post("/api/v1/login", {"email": "ghost%d@acme-corp.example" % i, "password": "x" * 12}),
                         401)
        expect_error(s.post("/api/v1/login", {"email": "other@acme-corp.example", "password": PASSWORD}), 429)
        # The window is 15 minutes.
        s.set_clock("2026-11-30T09:16:00Z")
        expect_status(s.post("/api/v1/login", {"email": "victim@acme-corp.example", "password": PASSWORD}), 200)


def login_from(s, ip, email, password):
    """A login through the trusted proxy at 127.0.0.1 for client ip."""
    return s.post("/api/v1/login", {"email": email, "password": password}, headers={"X-Forwarded-For": ip})


def test_lockout_slows_the_attacker_not_the_owner():
    """Issue 13, finding 7: 5 wrong passwords from anywhere locked the login
    (the admin's too) for everyone for 15 minutes, and one more every 3
    minutes kept it locked. Now failures count per account and client
    address: the attacker waits, doubling with each failure; the owner,
    from another address, logs in at once. The harness plays a TLS proxy at
    127.0.0.1 (--trusted-proxy), whose X-Forwarded-For names the client."""
    with Server(extra_args=["--trusted-proxy", "127.0.0.1/32"]) as s:
        s.set_clock(T0)
        admin = "root@vendor.example"
        s.add_staff(admin, "admin", PASSWORD)
        attacker, owner = "203.0.113.7", "198.51.100.20"
        for i in range(4):
            expect_error(login_from(s, attacker, admin, "guess %d!!!!!" % i), 401)
        # Four failures cost nothing: the attacker may still try.
        expect_error(login_from(s, attacker, admin, "guess 4!!!!!"), 401)
        r = expect_error(login_from(s, attacker, admin, PASSWORD), 429, "too many failed logins")
        expect(r.headers.get("Retry-After") == "30", r.headers)
        expect_status(login_from(s, owner, admin, PASSWORD), 200)
        # After the wait, one more try; failing, it waits twice as long.
        s.set_clock("2026-11-30T09:00:30Z")
        expect_error(login_from(s, attacker, admin, "guess 5!!!!!"), 401)
        r = expect_error(login_from(s, attacker, admin, PASSWORD), 429)
        expect(r.headers.get("Retry-After") == "60", r.headers)
        # One wrong try every 3 minutes: the attacker is held off for ever
        # longer, the owner never.
        for minute, status in ((3, 401), (6, 401), (9, 429), (12, 401)):
            s.set_clock("2026-11-30T09:%02d:00Z" % minute)
            expect_error(login_from(s, attacker, admin, "guess!!!!!!!"), status)
            expect_status(login_from(s, owner, admin, PASSWORD), 200)
        r = expect_error(login_from(s, attacker, admin, PASSWORD), 429)
        expect(r.headers["Retry-After"] == "480", r.headers)  # 30 s doubled four times
        # The back-off is capped at 15 minutes.
        s.set_clock("2026-11-30T09:59:00Z")
        expect_error(login_from(s, attacker, admin, "guess!!!!!!!"), 401)
        r = expect_error(login_from(s, attacker, admin, PASSWORD), 429)
        expect(r.headers["Retry-After"] == "900", r.headers)
        # What a client writes left of the proxy's own entry is ignored: the
        # attacker cannot pose as the owner.
        expect_error(login_from(s, owner + ", " + attacker, admin, PASSWORD), 429)
        expect_status(login_from(s, attacker + ", " + owner, admin, PASSWORD), 200)
        # The owner's successful logins forgot nothing of the attacker's.
        expect_error(login_from(s, attacker, admin, PASSWORD), 429)


def test_forwarded_for_only_from_trusted_proxies():
    """X-Forwarded-For from a peer that is not a trusted proxy is anyone's
    word: ignored, every request is the peer's. Without --trusted-proxy, or
    with one that does not include the peer, the 'owner' at another
    forwarded address shares the attacker's lockout."""
    for extra in ([], ["--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "::1/128"]):
        with Server(extra_args=extra) as s:
            s.set_clock(T0)
            signup_verified(s, "victim@acme-corp.example")
            for i in range(5):
                expect_error(login_from(s, "203.0.113.%d" % i, "victim@acme-corp.example", "bad%d pass!" % i), 401)
            expect_error(login_from(s, "198.51.100.20", "victim@acme-corp.example", PASSWORD), 429)
    # A malformed block keeps the server from starting.
    d = tempfile.mkdtemp()
    for bad in ("10.0.0.0/33", "10.0.0.1/8", "not-an-address", "::1/129"):
        p = subprocess.run([GARANT, "serve", "--db", os.path.join(d, "g.db"), "--listen", "127.0.0.1:0",
                            "--trusted-proxy", bad], capture_output=True, timeout=20)
        expect(p.returncode == 2 and b"--trusted-proxy" in p.stderr, (bad, p))


def test_signup_limit_counts_the_real_client():
    """Behind the proxy, the sign-up limit is per client, not global."""
    with Server(extra_args=["--trusted-proxy", "127.0.0.1/32"]) as s:
        s.set_clock(T0)
        busy = {"X-Forwarded-For": "203.0.113.7"}
        for i in range(20):
            expect_status(s.post("/api/v1/signup", {"email": "p%d@acme-corp.example" % i, "password": PASSWORD,
                                                    "name": "P"}, headers=busy), 201)
        expect_error(s.post("/api/v1/signup", {"email": "p20@acme-corp.example", "password": PASSWORD, "name": "P"},
                            headers=busy), 429)
        expect_status(s.post("/api/v1/signup", {"email": "q@acme-corp.example", "password": PASSWORD, "name": "Q"},
                             headers={"X-Forwarded-For": "198.51.100.20"}), 201)


def test_success_clears_account_failures():
    with Server() as s:
        signup_verified(s, "fumble@acme-corp.example")
        for _ in range(2):
            for i in range(4):
                expect_error(s.post("/api/v1/login", {"email": "fumble@acme-corp.example", "password": "nope%d!!!!!!" % i}),
                             401)
            expect_status(s.post("/api/v1/login", {"email": "fumble@acme-corp.example", "password": PASSWORD}), 200)


def test_cookie_csrf_and_bearer():
    with Server() as s:
        signup_verified(s, "csrf@acme-corp.example")
        r = expect_status(s.post("/api/v1/login", {"email": "csrf@acme-corp.example", "password": PASSWORD}), 200)
        cookie = "garant_session=" + cookie_of(r)[0]
        csrf = r.json["csrf_token"]
        # Reads need no CSRF token.
        expect_status(s.get("/api/v1/me", cookie=cookie), 200)
        # A cookie-authenticated write without (or with a wrong) token is refused.
        expect_error(s.post("/api/v1/logout", cookie=cookie), 403, "X-CSRF-Token")
        expect_error(s.post("/api/v1/logout", cookie=cookie, headers={"X-CSRF-Token": "0" * 64}), 403)
        expect_status(s.get("/api/v1/me", cookie=cookie), 200)
        # With it, it works; and the cookie is cleared.
        r = expect_status(s.post("/api/v1/logout", cookie=cookie, headers={"X-CSRF-Token": csrf}), 204)
        expect("Max-Age=0" in r.headers.get("Set-Cookie", ""), r.headers)
        expect_error(s.get("/api/v1/me", cookie=cookie), 401)
        # A stale cookie does not stop the browser from logging in again.
        expect_status(s.post("/api/v1/login", {"email": "csrf@acme-corp.example", "password": PASSWORD},
                             cookie=cookie), 200)
        # Bearer: no CSRF token needed; logout revokes; the next call is 401.
        tok = s.login("csrf@acme-corp.example")
        expect_status(s.get("/api/v1/me", token=tok), 200)  # now in the server's session cache
        expect_status(s.post("/api/v1/logout", token=tok), 204)
        expect_error(s.get("/api/v1/me", token=tok), 401)
        expect_error(s.post("/api/v1/logout", token=tok), 401)


def test_password_reset_ends_every_session():
    with Server() as s:
        email = "reset@acme-corp.example"
        t1 = signup_verified(s, email)
        t2 = s.login(email)
        # Both sessions in use, so in the server's session cache too.
        expect_status(s.get("/api/v1/me", token=t1), 200)
        expect_status(s.get("/api/v1/me", token=t2), 200)
        n = len(mails_to(s, email))
        r = expect_status(s.post("/api/v1/password/forgot", {"email": "Reset@acme-corp.example"}), 202)
        mail = wait_mail(s, email, n + 1)
        expect(mail["data"].count("Subject: Reset your garant password") == 1, mail["data"])
        tok = token_of(mail, "reset")
        expect(len(base64.urlsafe_b64decode(tok + "=")) == 32, tok)
        # Unknown and unverified addresses: the same 202, no mail.
        r2 = expect_status(s.post("/api/v1/password/forgot", {"email": "nobody@acme-corp.example"}), 202)
        expect(r.json == r2.json, (r, r2))
        expect_status(signup(s, "unverified@acme-corp.example"), 201)
        wait_mail(s, "unverified@acme-corp.example")
        expect_status(s.post("/api/v1/password/forgot", {"email": "unverified@acme-corp.example"}), 202)
        # A short password is refused before the token is used.
        expect_error(s.post("/api/v1/password/reset", {"token": tok, "password": "short"}), 422, "at least 10")
        expect_status(s.post("/api/v1/password/reset", {"token": tok, "password": "a brand new secret"}), 204)
        expect_error(s.get("/api/v1/me", token=t1), 401)
        expect_error(s.get("/api/v1/me", token=t2), 401)
        expect_error(s.post("/api/v1/password/reset", {"token": tok, "password": "yet another secret"}), 422,
                     "not valid")
        expect_error(s.post("/api/v1/login", {"email": email, "password": PASSWORD}), 401)
        expect_status(s.post("/api/v1/login", {"email": email, "password": "a brand new secret"}), 200)
        mails_settled(s)
        expect(mails_to(s, "nobody@acme-corp.example") == [], "mail to an unknown address")
        expect(len(mails_to(s, "unverified@acme-corp.example")) == 1, "reset mail to an unverified address")


def test_reset_token_expires_and_reset_lifts_lockout():
    with Server() as s:
        s.set_clock(T0)
        email = "locked@acme-corp.example"
        signup_verified(s, email)
        expect_status(s.post("/api/v1/password/forgot", {"email": email}), 202)
        old = token_of(wait_mail(s, email, 2), "reset")
        s.set_clock("2026-11-30T10:01:00Z")  # 61 minutes later
        expect_error(s.post("/api/v1/password/reset", {"token": old, "password": "a brand new secret"}), 422, "expired")
        for i in range(5):
            expect_error(s.post("/api/v1/login", {"email": email, "password": "guess %d!!!!!" % i}), 401)
        expect_error(s.post("/api/v1/login", {"email": email, "password": PASSWORD}), 429)
        token_of(wait_mail(s, email, 3), "unlock")  # the lock's own mail
        expect_status(s.post("/api/v1/password/forgot", {"email": email}), 202)
        tok = token_of(wait_mail(s, email, 4), "reset")
        expect_status(s.post("/api/v1/password/reset", {"token": tok, "password": "a brand new secret"}), 204)
        expect_status(s.post("/api/v1/login", {"email": email, "password": "a brand new secret"}), 200)


def test_unlock_link_lifts_the_lock_from_anywhere():
    """Issue 13, finding 7: the owner of a locked login is mailed a link,
    once a lock, that lifts it for the account from every address; the link
    works once and for an hour, and an unknown token gets the same answer as
    a used or expired one."""
    with Server(extra_args=["--trusted-proxy", "127.0.0.1/32"]) as s:
        s.set_clock(T0)
        email, attacker = "owner@acme-corp.example", "203.0.113.7"
        signup_verified(s, email, name="Olga Owner")
        for i in range(4):
            expect_error(login_from(s, attacker, email, "guess %d!!!!!" % i), 401)
        mails_settled(s)
        expect(len(mails_to(s, email)) == 1, "an unlock mail before the lock")
        expect_error(login_from(s, attacker, email, "guess 4!!!!!"), 401)
        mail = wait_mail(s, email, 2)
        expect("Subject: Your garant login was locked" in mail["data"] and "Hello Olga Owner" in mail["data"],
               mail["data"])
        tok = token_of(mail, "unlock")
        expect(len(base64.urlsafe_b64decode(tok + "=")) == 32, tok)
        expect_error(login_from(s, attacker, email, PASSWORD), 429)
        # Later failures of the same lock mail nothing more.
        s.set_clock("2026-11-30T09:00:30Z")
        expect_error(login_from(s, attacker, email, "guess 5!!!!!"), 401)
        r = expect_error(login_from(s, attacker, email, PASSWORD), 429)
        expect(r.headers.get("Retry-After") == "60", r.headers)
        mails_settled(s)
        expect(len(mails_to(s, email)) == 2, "a second unlock mail for one lock")
        # An unknown token: the answer a used or expired one gets.
        unknown = expect_error(s.post("/api/v1/password/unlock", {"token": "A" * 43}), 422, "not valid")
        expect_error(s.post("/api/v1/password/unlock", {"token": ""}), 422, "not valid")
        expect_error(s.post("/api/v1/password/unlock", {}), 422)
        # A reset token is no unlock token.
        expect_status(s.post("/api/v1/password/forgot", {"email": email}), 202)
        reset_tok = token_of(wait_mail(s, email, 3), "reset")
        expect_error(s.post("/api/v1/password/unlock", {"token": reset_tok}), 422, "not valid")
        # The owner uses the link and logs in at once, from the locked address too.
        expect_status(s.post("/api/v1/password/unlock", {"token": tok}), 204)
        expect_status(login_from(s, attacker, email, PASSWORD), 200)
        used = expect_error(s.post("/api/v1/password/unlock", {"token": tok}), 422, "not valid")
        expect(used.json == unknown.json, (used, unknown))
        # A new lock mails a new link, which expires after an hour.
        for i in range(5):
            expect_error(login_from(s, attacker, email, "again %d!!!!!" % i), 401)
        tok2 = token_of(wait_mail(s, email, 4), "unlock")
        expect(tok2 != tok, tok2)
        s.set_clock("2026-11-30T10:00:31Z")
        expired = expect_error(s.post("/api/v1/password/unlock", {"token": tok2}), 422, "not valid")
        expect(expired.json == unknown.json, (expired, unknown))


def test_unlock_mails_only_existing_verified_accounts():
    """A lock of an unknown or unconfirmed address mails nothing, and
    answers as one of a known address does; locks from many addresses mail
    an account at most 3 times an hour."""
    with Server(extra_args=["--trusted-proxy", "127.0.0.1/32"]) as s:
        s.set_clock(T0)
        expect_status(signup(s, "pending@acme-corp.example"), 201)
        wait_mail(s, "pending@acme-corp.example")
        for who in ("nobody@acme-corp.example", "pending@acme-corp.example"):
            for i in range(5):
                expect_error(login_from(s, "203.0.113.9", who, "guess %d!!!!!" % i), 401)
            expect_error(login_from(s, "203.0.113.9", who, PASSWORD), 429)
        email = "popular@acme-corp.example"
        signup_verified(s, email)
        for n in range(5):
            ip = "198.51.100.%d" % (n + 1)
            for i in range(5):
                expect_error(login_from(s, ip, email, "guess %d!!!!!" % i), 401)
        mails_settled(s)
        expect(mails_to(s, "nobody@acme-corp.example") == [], "mail to an unknown address")
        expect(len(mails_to(s, "pending@acme-corp.example")) == 1, "unlock mail to an unconfirmed address")
        expect(len(mails_to(s, email)) == 1 + 3, len(mails_to(s, email)))


def test_reset_mails_are_limited_per_address():
    with Server() as s:
        email = "flood@acme-corp.example"
        signup_verified(s, email)
        for _ in range(6):
            expect_status(s.post("/api/v1/password/forgot", {"email": email}), 202)
        mails_settled(s)
        expect(len(mails_to(s, email)) == 1 + 3, len(mails_to(s, email)))


def test_mail_goes_to_the_log_without_smtp():
    with Server(smtp=False) as s:
        expect_status(signup(s, "logged@acme-corp.example"), 201)
        # The sender writes it after the answer (the outbox).
        log = wait_until(lambda: (lambda t: t if "-- end of mail --" in t else None)(s.read_log()),
                         "the mail in the log")
        m = re.search(r"/verify\?token=([A-Za-z0-9_-]{43})", log)
        expect(m and "To: logged@acme-corp.example" in log, log)
        expect_status(s.post("/api/v1/verify", {"token": m.group(1)}), 200)
        expect_status(s.post("/api/v1/login", {"email": "logged@acme-corp.example", "password": PASSWORD}), 200)


def test_smtp_failure_does_not_hold_up_signup():
    # An SMTP port nobody listens on: the mail is queued in the outbox and
    # retried; sign-up answers at once (it used to wait for SMTP and fail).
    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with Server(smtp=False, extra_args=["--smtp-url", "smtp://127.0.0.1:%d" % port]) as s:
        expect_status(signup(s, "nomail@acme-corp.example"), 201)
        s.wait_mail_rounds(2)
        expect(s.metric("garant_mail_queued") == 1, s.metrics().raw)
        expect(s.metric("garant_mail_retries_total") >= 1, s.metrics().raw)
        expect("Couldn't connect" in s.read_log() or "connect" in s.read_log(), s.read_log())
        # Forgot never tells.
        expect_status(s.post("/api/v1/password/forgot", {"email": "nomail@acme-corp.example"}), 202)


def test_extra_freemail_file():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "extra.txt")
    with open(path, "w") as f:
        f.write("# local additions\nfreebie.example   # a comment\n\n  Webmail.Test  \nmyfree.*\n")
    with Server(extra_args=["--freemail", path]) as s:
        expect_error(signup(s, "a@freebie.example"), 422, "freebie.example is a free mail provider")
        expect_error(signup(s, "a@x.webmail.test"), 422, "webmail.test is a free mail provider")
        expect_error(signup(s, "a@myfree.co.uk"), 422, "myfree.co.uk is a free mail provider")
        expect_error(signup(s, "a@gmail.com"), 422, "gmail.com")
        expect_status(signup(s, "a@myfree.acme.example"), 201)
    with open(path, "w") as f:
        f.write("good.example\nnot a domain\n")
    import subprocess
    from harness import GARANT
    p = subprocess.run([GARANT, "serve", "--db", os.path.join(d, "g.db"), "--listen", "127.0.0.1:0",
                        "--freemail", path], capture_output=True, timeout=20)
    expect(p.returncode != 0 and b"extra.txt:2" in p.stderr, p)


def policy_text(extra=""):
    """The default policy's YAML with extra lines appended."""
    with open(os.path.join(SOURCE, "config", "garant.yaml"), encoding="utf-8") as f:
        return f.read().rstrip("\n") + "\n" + extra


def test_freemail_domains_in_the_config():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "policy.yaml")
    with open(path, "w") as f:
        f.write(policy_text("signup:\n  freemail_domains: [FreeBie.Example, \"webmail.*\"]\n"))
    with Server(config=path) as s:
        r = expect_error(signup(s, "a@freebie.example"), 422,
                         "sign up with your company e-mail address; freebie.example is a free mail provider")
        expect(r.json["error"]["code"] == "einval", r)
        expect_error(signup(s, "a@mx.FreeBie.example"), 422, "freebie.example is a free mail provider")
        expect_error(signup(s, "a@webmail.co.uk"), 422, "webmail.co.uk is a free mail provider")
        expect_error(signup(s, "a@webmail.de"), 422, "webmail.de is a free mail provider")
        # The built-in list still counts; neighbours of listed names do not.
        expect_error(signup(s, "a@gmail.com"), 422, "gmail.com is a free mail provider")
        expect_status(signup(s, "a@notfreebie.example"), 201)
        expect_status(signup(s, "a@webmail.acme.example"), 201)
        wait_mail(s, "a@notfreebie.example")
        wait_mail(s, "a@webmail.acme.example")
        mails_settled(s)
        expect(len(s.smtp.mails) == 2, s.smtp.mails)
        # An organization may not be given such a domain either.
        s.add_staff("root@vendor.example", "admin")
        admin = s.login("root@vendor.example")
        expect_error(s.post("/api/v1/orgs", {"name": "Freebie", "domains": ["freebie.example"], "plan": "basic"},
                            token=admin), 422, "freebie.example is a free mail provider")
    # A malformed entry keeps the server from starting and `config check`
    # names its line.
    with open(path, "w") as f:
        f.write(policy_text("signup:\n  freemail_domains:\n    - ok.example\n    - free_mail.example\n"))
    line = policy_text("signup:\n  freemail_domains:\n    - ok.example\n").count("\n") + 1
    import subprocess
    from harness import GARANT
    p = subprocess.run([GARANT, "config", "check", path], capture_output=True, timeout=20)
    expect(p.returncode == 2, p)
    expect(("policy.yaml:%d:7: signup: freemail_domains: 'free_mail.example' contains '_', which is not allowed "
            "in a domain name" % line).encode() in p.stderr, p.stderr)
    p = subprocess.run([GARANT, "serve", "--db", os.path.join(d, "g.db"), "--listen", "127.0.0.1:0",
                        "--config", path], capture_output=True, timeout=20)
    expect(p.returncode != 0 and b"free_mail.example" in p.stderr, p)


def test_freemail_domains_saved_through_the_api():
    with Server() as s:
        s.add_staff("root@vendor.example", "admin")
        admin = s.login("root@vendor.example")
        expect_status(signup(s, "first@newmail.example"), 201)
        wait_mail(s, "first@newmail.example")
        yaml = s.get("/api/v1/policy", token=admin).json["yaml"]
        listed = yaml.rstrip("\n") + "\nsignup:\n  freemail_domains: [newmail.example]\n"
        expect_status(s.put("/api/v1/policy", {"yaml": listed}, token=admin), 200)
        # At once, for the next sign-up: no restart.
        expect_error(signup(s, "second@newmail.example"), 422,
                     "sign up with your company e-mail address; newmail.example is a free mail provider")
        expect_error(signup(s, "x@mx.newmail.example"), 422, "newmail.example is a free mail provider")
        # A bad entry is refused with its line; the list in force stays.
        bad = yaml.rstrip("\n") + "\nsignup:\n  freemail_domains: [newmail.example, \"new mail.example\"]\n"
        r = expect_error(s.put("/api/v1/policy", {"yaml": bad}, token=admin), 422,
                         "'new mail.example' contains a space, which is not allowed in a domain name")
        diag = r.json["error"]["diagnostics"]
        expect(len(diag) == 1 and diag[0]["line"] == bad.rstrip("\n").count("\n") + 1, diag)
        expect_error(signup(s, "third@newmail.example"), 422, "newmail.example is a free mail provider")
        # The saved policy is the one a restarted server uses.
        s.stop()
        s.start()
        expect_error(signup(s, "third@newmail.example"), 422, "newmail.example is a free mail provider")
        # Saving the policy without the list lifts it.
        expect_status(s.put("/api/v1/policy", {"yaml": yaml}, token=admin), 200)
        expect_status(signup(s, "third@newmail.example"), 201)
        wait_mail(s, "third@newmail.example")
        mails_settled(s)
        expect(mails_to(s, "second@newmail.example") == [], "a mail to a refused address")


# ---- sign-up limits ------------------------------------------------------

def test_signup_mails_are_limited_per_address():
    with Server() as s:
        s.set_clock(T0)
        email = "target@acme-corp.example"
        answers = [expect_status(signup(s, email), 201) for _ in range(5)]
        expect(all(a.json == answers[0].json for a in answers), answers)
        expect(all(set(a.headers) - {"Date"} == set(answers[0].headers) - {"Date"} for a in answers), answers)
        wait_mail(s, email, 3)
        mails_settled(s)
        expect(len(mails_to(s, email)) == 3, [m["data"][:80] for m in mails_to(s, email)])
        # Any spelling of the address is the same address.
        expect_status(signup(s, "TARGET@Acme-Corp.example"), 201)
        # Another address from the same client is not held back.
        expect_status(signup(s, "other@acme-corp.example"), 201)
        wait_mail(s, "other@acme-corp.example")
        mails_settled(s)
        expect(len(mails_to(s, email)) == 3, len(mails_to(s, email)))
        # The mailed links work as ever.
        expect_status(s.post("/api/v1/verify", {"token": token_of(mails_to(s, email)[0])}), 200)
        # Within the hour still nothing; after it, mail flows again.
        s.set_clock("2026-11-30T09:59:59Z")
        expect_status(signup(s, email), 201)
        mails_settled(s)
        expect(len(mails_to(s, email)) == 3, len(mails_to(s, email)))
        s.set_clock("2026-11-30T11:00:00Z")
        expect_status(signup(s, email), 201)
        mail = wait_mail(s, email, 4)
        expect("has an account already" in mail["data"], mail["data"])


def test_signup_is_limited_per_client_address():
    with Server() as s:
        s.set_clock(T0)
        for i in range(20):
            expect_status(signup(s, "person%d@acme-corp.example" % i), 201)
        r = expect_error(signup(s, "person20@acme-corp.example"), 429,
                         "too many sign-ups from your IP address (at most 20 an hour)")
        expect(r.json["error"]["code"] == "ethrottled", r)
        expect(int(r.headers.get("Retry-After", "0")) == 3600, r.headers)
        # Refused requests are not counted, and still refused; bad input is
        # still told what is wrong.
        expect_error(signup(s, "person21@acme-corp.example"), 429)
        expect_error(signup(s, "person21@gmail.com"), 422, "free mail provider")
        wait_mail(s, "person19@acme-corp.example")
        mails_settled(s)
        expect(mails_to(s, "person20@acme-corp.example") == [] and mails_to(s, "person21@acme-corp.example") == [],
               "a mail despite the 429")
        expect(len(s.smtp.mails) == 20, len(s.smtp.mails))
        # The window is an hour: then sign-ups go through again.
        s.set_clock("2026-11-30T10:00:01Z")
        expect_status(signup(s, "person20@acme-corp.example"), 201)
        wait_mail(s, "person20@acme-corp.example")


if __name__ == "__main__":
    run(globals(), "accounts")
