"""test_server.py - the server's start (src/http/server.c): links in mails
name the address the server bound, and no request, not even the first
one a client manages to send, sees the desk without its base URL: the
socket is bound before the desk learns the URL and the daemon takes a
connection only after that."""
import os
import re
import socket
import sys
import threading
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_status, run, wait_until  # noqa: E402

PASSWORD = "correct horse battery"


def verify_link(s, email):
    """The link of the verification mail to email, waiting for the mail."""
    mail = wait_until(lambda: next((m for m in s.smtp.mails if email in m["to"]), None), "a mail to %s" % email)
    m = re.search(r"(\S*)/verify\?token=[A-Za-z0-9_-]+", mail["data"])
    expect(m, "no verification link in %r" % mail["data"])
    return m.group(1)


def signup(s, email):
    return s.post("/api/v1/signup", {"email": email, "password": PASSWORD, "name": "Ana Pop"})


class ListenServer(Server):
    """A server listening on `listen` instead of the harness's 127.0.0.1:0.
    before_start runs just before the process starts."""

    def __init__(self, listen, before_start=None, **kw):
        self.listen = listen
        self.before_start = before_start
        super().__init__(**kw)

    def args(self):
        a = super().args()
        a[a.index("--listen") + 1] = self.listen
        return a

    def start(self):
        if self.before_start:
            self.before_start()
        super().start()


def free_port():
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        return sk.getsockname()[1]


def test_links_name_the_port_bound():
    """--listen 127.0.0.1:0: the kernel picks the port, and the links carry
    that port, not 0."""
    with Server() as s:
        expect(not s.url.endswith(":0"), s.url)
        expect_status(signup(s, "port@acme-corp.example"), 201)
        link = verify_link(s, "port@acme-corp.example")
        expect(link == s.url, "link base %r, server at %r" % (link, s.url))


def test_wildcard_listen_links_to_localhost():
    """A wildcard address is no place to send a browser: links say
    localhost, with the port bound."""
    with ListenServer("0.0.0.0:0") as s:
        port = int(s.url.rsplit(":", 1)[1])
        expect(port > 0, s.url)
        expect_status(signup(s, "wild@acme-corp.example"), 201)
        expect(verify_link(s, "wild@acme-corp.example") == "http://localhost:%d" % port)


def test_first_request_sees_the_base_url():
    """A client knocking from before the server starts gets through at the
    first moment the server takes connections, before the server says it
    listens; the mail that request causes already has the full link."""
    port = free_port()
    got = {}

    def knock():
        body = b'{"email": "early@acme-corp.example", "password": "%s", "name": "Ana Pop"}' % PASSWORD.encode()
        req = urllib.request.Request("http://127.0.0.1:%d/api/v1/signup" % port, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})

        def answered():
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    got["status"] = r.status
            except urllib.error.HTTPError as e:
                got["status"] = e.code
            except OSError:
                return None  # not listening yet
            return True
        got["done"] = wait_until(answered, "the server to take a connection", interval=0.001)

    t = threading.Thread(target=knock, daemon=True)
    with ListenServer("127.0.0.1:%d" % port, before_start=t.start) as s:
        t.join(60)
        expect(got.get("status") == 201, got)
        expect(verify_link(s, "early@acme-corp.example") == "http://127.0.0.1:%d" % port)


if __name__ == "__main__":
    run(globals(), "server")
