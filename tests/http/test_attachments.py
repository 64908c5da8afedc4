"""test_attachments.py - files on tickets (issue 14, "Attachments, web and
mail alike"; docs/attachments.md): uploaded as raw bodies, linked to a
ticket's first message or a reply, downloaded only by those who may see
the ticket and never an internal note's by a customer, served as the type
sniffed from the bytes with nosniff and Content-Disposition, refused with
413 over the per-file limit while the body is still streaming, over the
per-ticket limit when linked, and counted by the upload quota (429)."""
import hashlib
import os
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run  # noqa: E402
from test_bad_input import PASSWORD, customer  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + os.urandom(200)
HTML = b"<html><script>alert(1)</script></html>"


def upload(s, tok, data, name="log.txt", ctype="text/plain"):
    return s.request("POST", "/api/v1/attachments?name=" + urllib.parse.quote(name), raw=data, token=tok,
                     headers={"Content-Type": ctype})


def download(s, tok, aid, query=""):
    """(status, headers, bytes): the body as bytes, not text."""
    req = urllib.request.Request(s.url + "/api/v1/attachments/%s%s" % (aid, query),
                                 headers={"Authorization": "Bearer " + tok} if tok else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def people(s):
    s.set_clock("2026-11-16T09:00:00Z")
    ana = customer(s, "ana@acme.example")
    ben = customer(s, "ben@acme.example")
    eve = customer(s, "eve@globex.example")
    s.add_staff("agent@vendor.example", "agent", PASSWORD)
    agent = s.login("agent@vendor.example", PASSWORD)
    return ana, ben, eve, agent


def test_upload_link_and_download():
    with Server() as s:
        ana, ben, eve, agent = people(s)
        data = os.urandom(3 * 1024 * 1024 + 17)  # more than one chunk
        up = expect_status(upload(s, ana, data, name="C:\\Users\\ana\\trace \"dump\".bin"), 201).json
        expect(up["size"] == len(data) and up["sha256"] == hashlib.sha256(data).hexdigest(), up)
        expect(up["filename"] == "trace dump.bin", up)
        expect(up["type"] == "application/octet-stream", up)
        # Staged: not downloadable by anyone until it is on a message.
        expect(download(s, ana, up["id"])[0] == 404)
        img = expect_status(upload(s, ana, PNG, name="shot.png", ctype="image/png"), 201).json
        expect(img["type"] == "image/png", img)
        r = expect_status(s.post("/api/v1/tickets", {"subject": "Crash", "body": "See the dump.",
                                                      "attachments": [up["id"], img["id"]]}, token=ana), 201)
        tid = r.json["id"]
        t = expect_status(s.get("/api/v1/tickets/%d" % tid, token=ana), 200).json
        names = [a["filename"] for a in t["attachments"]]
        expect(names == ["trace dump.bin", "shot.png"], t["attachments"])
        expect(t["attachments"][0]["url"] == "/api/v1/attachments/%d" % up["id"], t["attachments"])
        # Every customer of the organization and the agent get the bytes.
        for who in (ana, ben, agent):
            status, h, body = download(s, who, up["id"])
            expect(status == 200 and body == data, (status, len(body)))
        # Used once: it cannot be put on a second message.
        expect_error(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "again", "attachments": [up["id"]]},
                            token=ana), 422, "not an upload of yours")
        # Another organization: 404, as for an attachment that does not exist.
        expect(download(s, eve, up["id"])[0] == 404)
        expect(download(s, eve, 999999)[0] == 404)
        expect(download(s, None, up["id"])[0] == 401)


def test_headers_never_trust_the_declared_type():
    with Server() as s:
        ana, _, _, agent = people(s)
        html = expect_status(upload(s, ana, HTML, name="page.html", ctype="text/html"), 201).json
        img = expect_status(upload(s, ana, PNG, name="café ș.png", ctype="text/html"), 201).json
        tid = expect_status(s.post("/api/v1/tickets", {"subject": "S", "body": "B",
                                                        "attachments": [html["id"], img["id"]]}, token=ana), 201).json["id"]
        status, h, body = download(s, agent, html["id"], "?inline=1")
        expect(status == 200 and body == HTML)
        expect(h["Content-Type"] == "application/octet-stream", h)
        expect(h["X-Content-Type-Options"] == "nosniff", h)
        expect(h["Content-Disposition"].startswith("attachment;"), h)  # inline only for images
        expect("sandbox" in h.get("Content-Security-Policy", ""), h)
        status, h, body = download(s, agent, img["id"])
        expect(h["Content-Type"] == "image/png", h)
        expect(h["Content-Disposition"] == "attachment; filename=\"caf_ _.png\"; filename*=UTF-8''caf%C3%A9%20%C8%99.png",
               h["Content-Disposition"])
        status, h, body = download(s, agent, img["id"], "?inline=1")
        expect(h["Content-Disposition"].startswith("inline;"), h)
        expect(download(s, agent, img["id"], "?inline=2")[0] == 422)
        expect(download(s, agent, img["id"], "?x=1")[0] == 400)
        expect(tid)


def test_internal_note_files_never_reach_customers():
    with Server() as s:
        ana, _, _, agent = people(s)
        tid = expect_status(s.post("/api/v1/tickets", {"subject": "S", "body": "B"}, token=ana), 201).json["id"]
        note = expect_status(upload(s, agent, b"internal findings", name="notes.txt"), 201).json
        pub = expect_status(upload(s, agent, b"the fix", name="fix.txt"), 201).json
        expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "note", "public": False,
                                                                  "attachments": [note["id"]]}, token=agent), 201)
        expect_status(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "answer",
                                                                  "attachments": [pub["id"]]}, token=agent), 201)
        expect(download(s, ana, note["id"])[0] == 404)
        expect(download(s, ana, pub["id"])[0] == 200)
        expect(download(s, agent, note["id"])[0] == 200)
        t = expect_status(s.get("/api/v1/tickets/%d" % tid, token=ana), 200).json
        expect("notes.txt" not in str(t), t)
        expect([a["filename"] for a in t["conversation"][0]["attachments"]] == ["fix.txt"], t["conversation"])
        t = expect_status(s.get("/api/v1/tickets/%d" % tid, token=agent), 200).json
        expect([m["attachments"][0]["internal"] for m in t["conversation"]] == [True, False], t["conversation"])


def test_only_the_uploaders_own_uploads_are_linked():
    with Server() as s:
        ana, ben, _, _ = people(s)
        mine = expect_status(upload(s, ana, b"x" * 10), 201).json["id"]
        expect_error(s.post("/api/v1/tickets", {"subject": "S", "body": "B", "attachments": [mine]}, token=ben), 422,
                     "not an upload of yours")
        # The refused filing filed nothing and left the upload to Ana.
        expect_status(s.post("/api/v1/tickets", {"subject": "S", "body": "B", "attachments": [mine]}, token=ana), 201)
        expect_error(s.post("/api/v1/tickets", {"subject": "S", "body": "B", "attachments": [0]}, token=ana), 422)
        expect_error(s.post("/api/v1/tickets", {"subject": "S", "body": "B", "attachments": ["1"]}, token=ana), 422)
        expect_error(s.post("/api/v1/tickets", {"subject": "S", "body": "B", "attachments": 1}, token=ana), 422)
        expect_error(s.post("/api/v1/tickets", {"subject": "S", "body": "B", "attachments": list(range(1, 30))},
                            token=ana), 422)


def test_bad_uploads():
    with Server() as s:
        ana, _, _, _ = people(s)
        expect_error(s.request("POST", "/api/v1/attachments", raw=b"abc", token=ana), 400, "name")
        expect_error(upload(s, ana, b""), 422, "empty")
        expect_error(s.request("POST", "/api/v1/attachments?name=%ff.txt", raw=b"abc", token=ana), 422, "UTF-8")
        expect_error(upload(s, None, b"abc"), 401)
        expect_status(s.get("/api/v1/attachments/abc", token=ana), 404)


def raw_upload(s, tok, head_len, send):
    """Announce head_len bytes, send only `send` of them, and read the answer."""
    host, port = s.url.replace("http://", "").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as c:
        c.sendall(("POST /api/v1/attachments?name=big.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % (tok, head_len)).encode())
        try:
            c.sendall(b"\0" * send)
        except OSError:
            pass
        answer = b""
        while b"\r\n\r\n" not in answer:
            piece = c.recv(4096)
            if not piece:
                break
            answer += piece
        return answer.decode("latin-1")


def chunked_upload(s, tok, pieces, piece_len):
    """Send `pieces` chunks of piece_len bytes with no Content-Length, stop
    at the first answer; (answer head, pieces sent)."""
    host, port = s.url.replace("http://", "").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as c:
        c.sendall(("POST /api/v1/attachments?name=big.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n" % tok).encode())
        sent = 0
        try:
            for _ in range(pieces):
                c.sendall(b"%x\r\n" % piece_len + b"\0" * piece_len + b"\r\n")
                sent += 1
            c.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        answer = b""
        while b"\r\n\r\n" not in answer:
            piece = c.recv(4096)
            if not piece:
                break
            answer += piece
        return answer.decode("latin-1"), sent


def test_over_the_file_limit_is_refused_while_streaming():
    with Server(extra_args=["--attachment-max-bytes", "100000"]) as s:
        ana, _, _, _ = people(s)
        # Announced too large: refused before a byte of the body is read.
        head = raw_upload(s, ana, 100001, 0)
        expect(head.startswith("HTTP/1.1 413"), head)
        # Chunked, no length announced: not spooled past the limit, and
        # answered 413 at its end...
        head, sent = chunked_upload(s, ana, 10, 16384)
        expect(head.startswith("HTTP/1.1 413") and sent == 10, head)
        # ...or cut off at twice the limit, long before the 64 MB the
        # client meant to send (libmicrohttpd 0.9.75 sends no answer while
        # a body arrives).
        head, sent = chunked_upload(s, ana, 4096, 16384)
        expect(head == "" and sent < 4096, (head, sent))
        expect_status(upload(s, ana, b"y" * 100000), 201)
        # The server is still fine.
        expect_status(s.get("/api/v1/tickets", token=ana), 200)


def test_over_the_ticket_limit_is_refused_when_linked():
    with Server(extra_args=["--ticket-attachments-max-bytes", "250"]) as s:
        ana, _, _, _ = people(s)
        a = expect_status(upload(s, ana, b"a" * 200), 201).json["id"]
        b = expect_status(upload(s, ana, b"b" * 100), 201).json["id"]
        tid = expect_status(s.post("/api/v1/tickets", {"subject": "S", "body": "B", "attachments": [a]}, token=ana),
                            201).json["id"]
        expect_error(s.post("/api/v1/tickets/%d/replies" % tid, {"body": "more", "attachments": [b]}, token=ana), 413,
                     "over the limit")
        # Nothing of the refused reply stayed: no reply, the file still staged.
        t = expect_status(s.get("/api/v1/tickets/%d" % tid, token=ana), 200).json
        expect(t["conversation"] == [], t["conversation"])
        tid2 = expect_status(s.post("/api/v1/tickets", {"subject": "S", "body": "B", "attachments": [b]}, token=ana),
                             201).json["id"]
        expect(tid2 > tid)


def test_upload_quota():
    with Server(limits="upload-user=60/min:3,upload-org=600/min:1000") as s:
        ana, ben, _, agent = people(s)
        mib = b"z" * (1024 * 1024)
        for _ in range(3):
            expect_status(upload(s, ana, mib), 201)
        r = expect_error(upload(s, ana, mib), 429, "megabytes of files")
        expect(r.headers.get("Retry-After") == "1", r.headers)
        expect_status(upload(s, ben, mib), 201)  # her colleague has his own
        s.set_clock("2026-11-16T09:00:01Z")
        expect_status(upload(s, ana, mib), 201)
        expect(agent)


if __name__ == "__main__":
    sys.exit(run(globals()))
