"""test_messages_ro.py - the server's messages in the reader's language
(issue 15: "Romanian pages fully Romanian: server messages"), and the
account mails in the recipient's (issue 14).

The language of an answer is Accept-Language's when it names one the
server speaks (en, ro), else the signed-in user's (PATCH /api/v1/me), else
English; the code stays the same in every language (docs/messages.md).
Mails follow the recipient: a sign-up the language chosen in the browser,
an account users.language."""
import email
import email.header
import email.policy
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import GARANT, SOURCE, Server, expect, expect_status, run  # noqa: E402
from test_tickets import file, world  # noqa: E402

PASSWORD = "correct horse battery"
RO = {"Accept-Language": "ro"}
EN = {"Accept-Language": "en"}


def error_of(r, status):
    expect(r.status == status, "want %d, got %d: %s" % (status, r.status, r.raw))
    return r.json["error"]


def signup(s, addr, language=None, headers=None, name="Ana Popescu"):
    body = {"email": addr, "password": PASSWORD, "name": name}
    if language:
        body["language"] = language
    return s.post("/api/v1/signup", body, headers=headers)


def customer(s, addr, language=None):
    expect_status(signup(s, addr, language), 201)
    mail = s.smtp.wait_for(addr)
    tok = re.search(r"/verify\?token=([A-Za-z0-9_-]+)", parse(mail)["text"]).group(1)
    expect_status(s.post("/api/v1/verify", {"token": tok}), 200)
    return s.login(addr, PASSWORD)


def parse(mail):
    """Subject (decoded from RFC 2047), the raw Subject header and the body
    as text (decoded from its charset)."""
    msg = email.message_from_bytes(mail["data"].encode("utf-8"), policy=email.policy.compat32)
    raw_subject = msg["Subject"]
    subject = str(email.header.make_header(email.header.decode_header(raw_subject)))
    body = msg.get_payload(decode=True).decode(msg.get_content_charset() or "utf-8").replace("\r\n", "\n")
    return {"subject": subject, "raw_subject": raw_subject, "text": body}


def test_accept_language_chooses_the_language_of_messages():
    with Server() as s:
        # A 404, no route: Romanian for ro, English otherwise, same code.
        ro = error_of(s.get("/api/v1/nonesuch", headers=RO), 404)
        en = error_of(s.get("/api/v1/nonesuch"), 404)
        expect(ro == {"code": "enotfound", "message": "această resursă nu există"}, ro)
        expect(en == {"code": "enotfound", "message": "no such resource"}, en)
        # Weights decide; a language we do not speak, or q=0, is passed over.
        for header, want in (("ro-RO,ro;q=0.9,en-US;q=0.8,en;q=0.7", "ro"), ("en-US,en;q=0.9,ro;q=0.8", "en"),
                             ("de-DE, fr;q=0.9, ro;q=0.4", "ro"), ("de, fr;q=0.5", "en"), ("ro;q=0, en", "en"),
                             ("*", "en"), ("RO", "ro"), ("ro;q=0.5,en;q=0.50", "ro")):
            got = error_of(s.get("/api/v1/nonesuch", headers={"Accept-Language": header}), 404)["message"]
            expect(got == (ro if want == "ro" else en)["message"], (header, got))
        # A bad field: the field table's messages, the free-mail rule.
        e = error_of(s.post("/api/v1/signup", {"email": "a@b.example", "password": PASSWORD, "name": "A", "x": 1},
                            headers=RO), 422)
        expect(e == {"code": "einval", "message": "câmp necunoscut „x”"}, e)
        e = error_of(s.post("/api/v1/signup", {"email": "a@b.example", "password": PASSWORD, "name": 7},
                            headers=RO), 422)
        expect(e["message"] == "„name” trebuie să fie un șir de caractere", e)
        e = error_of(s.post("/api/v1/signup", {"email": "a@b.example", "name": "A"}, headers=RO), 422)
        expect(e["message"] == "„password” este obligatoriu", e)
        e = error_of(signup(s, "ana@gmail.com", headers=RO), 422)
        expect(e["message"] == "înregistrați-vă cu adresa de e-mail a firmei; gmail.com este un furnizor de "
                               "e-mail gratuit", e)
        e = error_of(signup(s, "ana@gmail.com", headers=EN), 422)
        expect(e["message"] == "sign up with your company e-mail address; gmail.com is a free mail provider", e)
        # A framing-level refusal and an unknown query parameter, on the event loop.
        e = error_of(s.get("/api/v1/tickets?stauts=closed", headers=RO), 400)
        expect(e["message"].startswith("parametru de interogare necunoscut „stauts”; această resursă acceptă "), e)
        e = error_of(s.post("/api/v1/login", raw=b'{"email": ', headers=dict(RO, **{"Content-Type":
                                                                                      "application/json"})), 400)
        expect(e["code"] == "eparse" and e["message"].startswith("JSON deformat la linia 1"), e)
        # An answer that is no error speaks the language too.
        r = expect_status(signup(s, "ana@firma.example", headers=RO), 201)
        expect(r.json["message"] == "verificați-vă căsuța de e-mail: v-am trimis un link pentru confirmarea "
                                    "adresei (valabil 24 de ore)", r.json)
        # A refusal made in the writer's transaction comes back in the
        # request's language, not the writer thread's.
        e = error_of(s.post("/api/v1/verify", {"token": "x" * 43}, headers=RO), 422)
        expect(e["message"].startswith("acest link de confirmare nu este valid: a fost deja folosit"), e)
        e = error_of(s.post("/api/v1/verify", {"token": "x" * 43}), 422)
        expect(e["message"].startswith("this confirmation link is not valid"), e)


def test_without_the_header_the_users_language():
    with Server() as s:
        ana = customer(s, "ana@firma.example")
        e = error_of(s.get("/api/v1/tickets/999999", token=ana), 404)
        english = e["message"]
        expect("999999" in english and "not found" in english, e)
        r = expect_status(s.patch("/api/v1/me", {"language": "ro"}, token=ana), 200)
        expect(r.json["user"]["language"] == "ro", r.json)
        # The session is cached: the new language applies at once.
        e = error_of(s.get("/api/v1/tickets/999999", token=ana), 404)
        expect(e["code"] == "enotfound" and "999999" in e["message"] and "nu există" in e["message"], e)
        e = error_of(s.patch("/api/v1/me", {"language": "fr"}, token=ana), 422)
        expect(e["message"] == "„language”: trebuie să fie „en” sau „ro”", e)
        # A client that asks for English gets English all the same.
        e = error_of(s.get("/api/v1/tickets/999999", token=ana, headers=EN), 404)
        expect(e["message"] == english, e)
        # Staff routes refuse in her language too (the gate, before any handler).
        e = error_of(s.get("/api/v1/orgs", token=ana), 403)
        expect(e == {"code": "eperm", "message": "doar administratorii pot face asta"}, e)
        # Without a session there is no user: English.
        e = error_of(s.get("/api/v1/me"), 401)
        expect(e["message"] == "authentication required: log in and send the session", e)
        e = error_of(s.get("/api/v1/me", headers=RO), 401)
        expect(e["message"] == "este necesară autentificarea: autentificați-vă și trimiteți sesiunea", e)


def test_the_deadline_explained_in_the_readers_language():
    """A ticket's "why this deadline" (sla.explanation) follows the
    request's language like every message: the days and months of the
    windows counted, and the reason a ticket carries no guarantee; in one
    ticket and in a list of them. Times as in test_tickets.py (CET)."""
    with Server() as s:
        d = world(s)
        # Fri 16:30 CET, P2 (6 business hours): 30 min on Friday, 5 h 30 min on Monday.
        t = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)
        one = "/api/v1/tickets/%d" % t["id"]

        def explained(path, headers, token=d.pro):
            body = expect_status(s.get(path, token=token, headers=headers), 200).json
            rows = body["tickets"] if "tickets" in body else [body]
            return [r["sla"]["explanation"] for r in rows]

        en = "Fri 27 Nov 16:30-17:00 CET (30 min), Mon 30 Nov 09:00-14:30 CET (5 h 30 min)"
        ro = "vin 27 nov 16:30-17:00 CET (30 min), lun 30 nov 09:00-14:30 CET (5 h 30 min)"
        expect(explained(one, EN) == [en], explained(one, EN))
        expect(explained(one, RO) == [ro], explained(one, RO))
        expect(explained("/api/v1/tickets", RO) == [ro], explained("/api/v1/tickets", RO))
        expect(explained("/api/v1/tickets", EN) == [en], explained("/api/v1/tickets", EN))
        # No guarantee: the plan's reason, and a beta product's.
        basic = "/api/v1/tickets/%d" % file(d, "basic", "2026-11-25T13:00:00Z", priority=1)["id"]
        expect(explained(basic, EN, d.basic) == ["plan 'basic' guarantees no response time for priority 1"],
               explained(basic, EN, d.basic))
        expect(explained(basic, RO, d.basic) == ["planul „basic” nu garantează un timp de răspuns pentru prioritatea 1"],
               explained(basic, RO, d.basic))
        beta = "/api/v1/tickets/%d" % file(d, "adv", "2026-11-25T13:00:00Z", priority=1, product="Lab")["id"]
        expect(explained(beta, EN, d.adv) == ["products in stage 'beta' carry no guaranteed response time"],
               explained(beta, EN, d.adv))
        expect(explained(beta, RO, d.adv) == ["produsele în etapa „beta” nu au timp de răspuns garantat"],
               explained(beta, RO, d.adv))
        # Without the header, the user's language.
        expect_status(s.patch("/api/v1/me", {"language": "ro"}, token=d.pro), 200)
        expect(explained(one, {}) == [ro], explained(one, {}))


def test_the_target_and_time_left_in_the_readers_language():
    """A ticket's sla.target and sla.remaining follow the request's language
    as sla.explanation does, in the words of the staff mails' lateness
    (templates/mail/ro/phrases.txt); target_kind stays the API's word, and
    an English reader's texts are as before. Times as in test_tickets.py
    (CET): Friday's hours end at 17:00 CET."""
    with Server() as s:
        d = world(s)
        # Fri 16:30 CET: professional P2 (6 business hours), advanced P1
        # (1 h around the clock), basic P1 (no guarantee).
        pro = file(d, "pro", "2026-11-27T15:30:00Z", priority=2)["id"]
        adv = file(d, "adv", "2026-11-27T15:30:00Z", priority=1)["id"]
        basic = file(d, "basic", "2026-11-27T15:30:00Z", priority=1)["id"]

        def shown(tid, token, headers, path=None):
            body = expect_status(s.get(path or "/api/v1/tickets/%d" % tid, token=token, headers=headers), 200).json
            rows = [r for r in body.get("tickets", [body]) if r["id"] == tid]
            expect(len(rows) == 1, body)
            sla = rows[0]["sla"]
            return (sla["target"], sla["target_kind"], sla["remaining"])

        def both(tid, token, en, ro):
            expect(shown(tid, token, EN) == en, shown(tid, token, EN))
            expect(shown(tid, token, RO) == ro, shown(tid, token, RO))

        both(pro, d.pro, ("6 h business", "business", "6 h left (business hours)"),
             ("6 h (ore lucrătoare)", "business", "au mai rămas 6 h (ore lucrătoare)"))
        both(adv, d.adv, ("1 h 24/7", "24/7", "1 h left"), ("1 h non-stop", "24/7", "au mai rămas 1 h"))
        both(basic, d.basic, ("none", "none", None), ("niciuna", "none", None))
        # In a list the same.
        expect(shown(pro, d.pro, RO, "/api/v1/tickets") ==
               ("6 h (ore lucrătoare)", "business", "au mai rămas 6 h (ore lucrătoare)"),
               shown(pro, d.pro, RO, "/api/v1/tickets"))
        # Fri 17:29:30 CET: half a minute of the hour left.
        s.set_clock("2026-11-27T16:29:30Z")
        both(adv, d.adv, ("1 h 24/7", "24/7", "under 1 min left"),
             ("1 h non-stop", "24/7", "a mai rămas mai puțin de 1 min"))
        # Mon 15:00 CET: 30 business minutes late; 69 h 30 min around the clock.
        s.set_clock("2026-11-30T14:00:00Z")
        both(pro, d.pro, ("6 h business", "business", "30 min late (business hours)"),
             ("6 h (ore lucrătoare)", "business", "întârziere de 30 min (ore lucrătoare)"))
        both(adv, d.adv, ("1 h 24/7", "24/7", "69 h 30 min late"), ("1 h non-stop", "24/7", "întârziere de 69 h 30 min"))
        # Without the header, the user's language.
        expect_status(s.patch("/api/v1/me", {"language": "ro"}, token=d.pro), 200)
        expect(shown(pro, d.pro, {})[0::2] == ("6 h (ore lucrătoare)", "întârziere de 30 min (ore lucrătoare)"),
               shown(pro, d.pro, {}))
        # The policy's targets as the ticket form shows them, the same words.
        for headers, want in ((EN, ("6 h business", "1 h 24/7", "none")), (RO, ("6 h (ore lucrătoare)", "1 h non-stop",
                                                                               "niciuna"))):
            summary = expect_status(s.get("/api/v1/policy/summary", token=d.pro, headers=headers), 200).json
            texts = {(p["name"], t["priority"]): t["text"] for p in summary["plans"] for t in p["targets"]}
            got = (texts[("professional", 2)], texts[("advanced", 1)], texts[("basic", 1)])
            expect(got == want, got)


def test_quota_refusal_in_romanian():
    with Server(limits="file-user=30/min:2,file-org=600/min:100") as s:
        s.set_clock("2026-11-16T09:00:00Z")
        ana = customer(s, "ana@firma.example")
        for i in range(2):
            expect_status(s.post("/api/v1/tickets", {"subject": "T%d" % i, "body": "B"}, token=ana, headers=RO), 201)
        r = s.post("/api/v1/tickets", {"subject": "T", "body": "B"}, token=ana, headers=RO)
        e = error_of(r, 429)
        expect(e == {"code": "ethrottled", "message": "ați deschis prea multe tichete într-un timp scurt; "
                                                      "încercați din nou peste 2 s"}, e)
        expect(r.headers.get("Retry-After") == "2", r.headers)
        e = error_of(s.post("/api/v1/tickets", {"subject": "T", "body": "B"}, token=ana), 429)
        expect(e["message"] == "you have filed too many tickets in a short time; try again in 2 s", e)


def test_account_mails_in_the_recipients_language():
    with Server() as s:
        # A sign-up from a Romanian page: the verification mail is Romanian,
        # its subject an RFC 2047 encoded word.
        expect_status(signup(s, "ana@firma.example", language="ro", name="Ștefan Țîrcă"), 201)
        m = parse(s.smtp.wait_for("ana@firma.example"))
        expect(m["raw_subject"].startswith("=?utf-8?B?"), m["raw_subject"])
        expect(m["subject"] == "Confirmați adresa de e-mail pentru garant", m["subject"])
        expect(m["text"].startswith("Bună ziua, Ștefan Țîrcă,\n"), m["text"])
        expect("Vă rugăm să confirmați că ana@firma.example este adresa dumneavoastră" in m["text"], m["text"])
        expect(re.search(r"valabil până la 2026-12-01 09:00 CET\.", m["text"]), m["text"])
        # A second sign-up of the address says which link sets which password.
        n = len([x for x in s.smtp.mails if "ana@firma.example" in x["to"]])
        expect_status(signup(s, "ana@firma.example", language="ro"), 201)
        m2 = parse(wait_more(s, "ana@firma.example", n))
        expect("s-a înregistrat din nou cu o adresă care așteaptă confirmarea" in m2["text"], m2["text"])
        tok = re.search(r"/verify\?token=([A-Za-z0-9_-]+)", m2["text"]).group(1)
        expect_status(s.post("/api/v1/verify", {"token": tok}), 200)
        # An English sign-up (no language given) is English, with no encoding.
        expect_status(signup(s, "bob@firma.example", name="Bob"), 201)
        b = parse(s.smtp.wait_for("bob@firma.example"))
        expect(b["raw_subject"] == "Confirm your e-mail address for garant", b)
        expect(b["text"].startswith("Hello Bob,\n\nPlease confirm"), b["text"])
        tok = re.search(r"/verify\?token=([A-Za-z0-9_-]+)", b["text"]).group(1)
        expect_status(s.post("/api/v1/verify", {"token": tok}), 200)
        # A reset for the English user is English; for Ana, whose account
        # took the sign-up's language, Romanian.
        n_bob = len([x for x in s.smtp.mails if "bob@firma.example" in x["to"]])
        expect_status(s.post("/api/v1/password/forgot", {"email": "bob@firma.example"}, headers=RO), 202)
        r = parse(wait_more(s, "bob@firma.example", n_bob))
        expect(r["raw_subject"] == "Reset your garant password" and r["text"].startswith("Hello Bob,"), r)
        n_ana = len([x for x in s.smtp.mails if "ana@firma.example" in x["to"]])
        expect_status(s.post("/api/v1/password/forgot", {"email": "ana@firma.example"}), 202)
        r = parse(wait_more(s, "ana@firma.example", n_ana))
        expect(r["subject"] == "Resetați parola garant" and r["raw_subject"].startswith("=?utf-8?B?"), r)
        expect("/reset?token=" in r["text"] and "Parola nouă închide toate sesiunile contului" in r["text"], r)
        # Signing up an address that has an account: in the account's language.
        n_ana += 1
        expect_status(signup(s, "ana@firma.example", name="Mallory"), 201)
        r = parse(wait_more(s, "ana@firma.example", n_ana))
        expect(r["subject"] == "Contul dumneavoastră garant" and "are deja un cont" in r["text"], r)
        expect("Mallory" not in r["text"] and "token=" not in r["text"], r)
        # The account's language follows PATCH /me.
        bob = s.login("bob@firma.example", PASSWORD)
        expect_status(s.patch("/api/v1/me", {"language": "ro"}, token=bob), 200)
        n_bob += 1
        expect_status(s.post("/api/v1/password/forgot", {"email": "bob@firma.example"}), 202)
        r = parse(wait_more(s, "bob@firma.example", n_bob))
        expect(r["subject"] == "Resetați parola garant", r)


def wait_more(s, addr, n):
    """The newest mail to addr once there are more than n."""
    from harness import wait_until
    return wait_until(lambda: ([x for x in s.smtp.mails if addr in x["to"]][n:] or [None])[-1],
                      "mail %d to %s" % (n + 1, addr))


def test_a_broken_account_template_refuses_to_start():
    d = tempfile.mkdtemp()
    try:
        tpl = os.path.join(d, "tpl")
        shutil.copytree(os.path.join(SOURCE, "templates", "mail"), tpl)
        path = os.path.join(tpl, "ro", "verify_address.txt")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace("{{link}}", "{{token}}"))
        p = subprocess.run([GARANT, "serve", "--db", os.path.join(d, "g.db"), "--listen", "127.0.0.1:0",
                            "--mail-templates", tpl], capture_output=True, timeout=30)
        err = p.stderr.decode()
        expect(p.returncode == 2, (p.returncode, err))
        expect(path + ":9: unknown placeholder {{token}} (this one knows: name, email, link, expires, again)" in err,
               err)
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    run(globals())
