"""test_attachments_mail.py - a mail's files on the message it makes (issue
14: "Attachments, web and mail alike"; "the original kept as an .eml
attachment for audit"). A mail to the support address with a PNG and a
PDF files a ticket whose first message carries both, served as their
sniffed types; a reply by mail carries its file on the reply; the
original message is kept on each as message.eml, internal: staff download
it byte for byte, the customer never sees it."""
import email.mime.application
import email.mime.image
import email.mime.multipart
import email.mime.text
import os
import re
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import expect, run  # noqa: E402
from test_mail_inbound import SUPPORT, reply_address, send, server, world  # noqa: E402
from test_tickets import file, ticket  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PDF = b"%PDF-1.4\n" + os.urandom(3000)


def mime(frm, to, subject, text, files):
    m = email.mime.multipart.MIMEMultipart()
    m["From"], m["To"], m["Subject"] = frm, to, subject
    m["Message-ID"] = "<%s@client.test>" % os.urandom(6).hex()
    m["Date"] = "Mon, 30 Nov 2026 10:00:00 +0000"
    m.attach(email.mime.text.MIMEText(text, "plain", "utf-8"))
    for name, data, maintype, sub in files:
        part = email.mime.application.MIMEApplication(data, sub) if maintype == "application" else \
            email.mime.image.MIMEImage(data, sub)
        part.add_header("Content-Disposition", "attachment", filename=name)
        m.attach(part)
    return m.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def fetch(s, token, url):
    req = urllib.request.Request(s.url + url, headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_files_of_a_mail_land_on_its_message():
    with server() as s:
        d = world(s)
        d.set_clock("2026-11-30T10:15:00Z")
        raw = mime("Carla <carla@acme.example>", SUPPORT, "Broken chart", "See the screenshot and the report.",
                   [("chart.png", PNG, "image", "png"), ("report ș.pdf", PDF, "application", "pdf")])
        codes, replies = send(s, "carla@acme.example", [SUPPORT], raw)
        expect(codes == [250] and replies[0][0] == 250, replies)
        tid = int(re.search(rb"#(\d+)", replies[0][1]).group(1))
        t = ticket(s, d.carla, tid)
        files = {a["filename"]: a for a in t["attachments"]}
        expect(set(files) == {"chart.png", "report ș.pdf"}, t["attachments"])
        expect(files["chart.png"]["type"] == "image/png", files)
        expect(files["report ș.pdf"]["type"] == "application/octet-stream", files)
        status, h, body = fetch(s, d.carla, files["chart.png"]["url"])
        expect(status == 200 and body == PNG and h["Content-Type"] == "image/png", (status, h))
        # The original, for audit: staff only, byte for byte.
        staff = {a["filename"]: a for a in ticket(s, d.agent, tid)["attachments"]}
        eml = staff["message.eml"]
        expect(eml["internal"] is True, eml)
        status, _, body = fetch(s, d.agent, eml["url"])
        expect(status == 200 and body == raw, (status, len(body), len(raw)))
        expect(fetch(s, d.carla, eml["url"])[0] == 404)

        # A reply by mail: its file on the reply.
        t2 = file(d, "carla", "2026-11-30T10:20:00Z")
        raw = mime("Carla <carla@acme.example>", reply_address(t2["id"]), "RE: it", "Here is the log.",
                   [("app.log.gz", b"\x1f\x8b" + os.urandom(500), "application", "gzip")])
        codes, replies = send(s, "carla@acme.example", [reply_address(t2["id"])], raw)
        expect(codes == [250] and replies[0][0] == 250, replies)
        conv = ticket(s, d.carla, t2["id"])["conversation"]
        expect([a["filename"] for a in conv[-1]["attachments"]] == ["app.log.gz"], conv)
        conv = ticket(s, d.agent, t2["id"])["conversation"]
        expect(sorted(a["filename"] for a in conv[-1]["attachments"]) == ["app.log.gz", "message.eml"], conv)


if __name__ == "__main__":
    sys.exit(run(globals()))
