"""harness.py - end-to-end tests of `garant serve` over real HTTP.

Each test gets a fresh database and a real server on a free port, started
with --test-clock (so deadlines, warnings and breaches can be driven), a
local SMTP receiver (verification and reset mails), and, when asked, a local
webhook receiver that can be told to fail its first N deliveries.

Tests are plain functions named test_*; `run(globals())` runs them in order
and ends with the line "http: N passed, M failed" (non-zero exit on failure).
Only the standard library is used.
"""
import http.server
import json
import os
import re
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request

GARANT = os.environ.get("GARANT_BINARY") or (sys.argv[1] if len(sys.argv) > 1 else "build/garant")
SOURCE = os.environ.get("GARANT_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


# ---- SMTP receiver -------------------------------------------------------

class _SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self):
        box = self.server.box
        self.wfile.write(b"220 test SMTP\r\n")
        rcpt, data = [], None
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").strip()
            up = cmd.upper()
            if up.startswith("EHLO"):
                self.wfile.write(b"250-test\r\n250 OK\r\n")
            elif up.startswith("HELO"):
                self.wfile.write(b"250 test\r\n")
            elif up.startswith("MAIL FROM"):
                rcpt = []
                self.wfile.write(b"250 OK\r\n")
            elif up.startswith("RCPT TO"):
                rcpt.append(re.sub(r"^RCPT TO:\s*<?([^>]*)>?.*$", r"\1", cmd, flags=re.I))
                self.wfile.write(b"250 OK\r\n")
            elif up == "DATA":
                self.wfile.write(b"354 go\r\n")
                lines = []
                while True:
                    l = self.rfile.readline()
                    if not l or l in (b".\r\n", b".\n"):
                        break
                    if l.startswith(b".."):
                        l = l[1:]
                    lines.append(l)
                data = b"".join(lines).decode("utf-8", "replace")
                with box["lock"]:
                    box["mails"].append({"to": list(rcpt), "data": data})
                self.wfile.write(b"250 queued\r\n")
            elif up == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            elif up in ("RSET", "NOOP"):
                self.wfile.write(b"250 OK\r\n")
            else:
                self.wfile.write(b"502 unknown\r\n")


class _ThreadingTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SMTPReceiver:
    """Collects mails; .mails is a list of {"to": [...], "data": text}."""

    def __init__(self):
        self.box = {"lock": threading.Lock(), "mails": []}
        self.srv = _ThreadingTCP(("127.0.0.1", 0), _SMTPHandler)
        self.srv.box = self.box
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    @property
    def mails(self):
        with self.box["lock"]:
            return list(self.box["mails"])

    def wait_for(self, to, timeout=10.0):
        """The newest mail to `to`, waiting for it to arrive."""
        end = time.time() + timeout
        while time.time() < end:
            for m in reversed(self.mails):
                if to in m["to"]:
                    return m
            time.sleep(0.05)
        raise AssertionError("no mail to %s arrived" % to)

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


# ---- webhook receiver ----------------------------------------------------

class WebhookReceiver:
    """Records POSTs; answers 500 to the first `fail_first` of them."""

    def __init__(self, fail_first=0):
        rec = self
        self.lock = threading.Lock()
        self.calls = []  # {"path", "headers", "body", "status"}
        self.fail_first = fail_first

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with rec.lock:
                    status = 500 if len(rec.calls) < rec.fail_first else 200
                    rec.calls.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                      "status": status})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        self.url = "http://127.0.0.1:%d/hook" % self.port
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def delivered(self):
        with self.lock:
            return [c for c in self.calls if c["status"] == 200]

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


# ---- the server ----------------------------------------------------------

class Response:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "<%d %s>" % (self.status, self.raw[:300])


class Server:
    """A garant server on a fresh database. Use as a context manager."""

    def __init__(self, extra_args=(), smtp=True, db=None, config=None, preexec=None):
        self.dir = tempfile.mkdtemp(prefix="garant-e2e-")
        self.db = db or os.path.join(self.dir, "garant.db")
        self.smtp = SMTPReceiver() if smtp else None
        self.extra = list(extra_args)
        self.config = config
        self.preexec = preexec  # run in the child before exec (limits); None for none
        self.proc = None
        self.log = os.path.join(self.dir, "server.log")
        self.start()

    def start(self):
        args = [GARANT, "serve", "--db", self.db, "--listen", "127.0.0.1:0", "--test-clock",
                "--allow-private-webhooks", "--monitor-interval-ms", "50"]
        if self.smtp:
            args += ["--smtp-url", "smtp://127.0.0.1:%d" % self.smtp.port]
        if self.config:
            args += ["--config", self.config]
        args += self.extra
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.logf, preexec_fn=self.preexec)
        line = self.proc.stdout.readline().decode()
        m = re.search(r"listening on (http://\S+)/", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("server did not start: %r\n%s" % (line, self.read_log()))
        self.url = m.group(1)

    def read_log(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=None):
        if self.proc and self.proc.poll() is None:
            if sig is None:
                self.proc.terminate()
            else:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        self.logf.close()

    def close(self):
        self.stop()
        if self.smtp:
            self.smtp.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- HTTP --

    def request(self, method, path, body=None, token=None, headers=None, raw=None, cookie=None):
        """Send a request; body is JSON-encoded unless raw bytes are given."""
        h = dict(headers or {})
        data = None
        if raw is not None:
            data = raw
        elif body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        if token:
            h["Authorization"] = "Bearer " + token
        if cookie:
            h["Cookie"] = cookie
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return Response(resp.status, dict(resp.headers), resp.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as e:
            return Response(e.code, dict(e.headers), e.read().decode("utf-8", "replace"))

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # -- conveniences --

    def set_clock(self, rfc3339):
        r = self.post("/api/v1/test/clock", {"now": rfc3339})
        assert r.status == 200, r
        return r

    def add_staff(self, email, role="agent", password="correct horse battery"):
        p = subprocess.run([GARANT, "user", "add", "--db", self.db, "--email", email, "--role", role,
                            "--password-stdin"], input=(password + "\n").encode(), capture_output=True)
        assert p.returncode == 0, p.stderr.decode()
        return password

    def login(self, email, password="correct horse battery"):
        r = self.post("/api/v1/login", {"email": email, "password": password})
        assert r.status == 200, r
        return r.json["token"]


def expect(cond, msg=""):
    if not cond:
        raise AssertionError(msg)


def expect_status(resp, status, msg=""):
    if resp.status != status:
        raise AssertionError("expected %d, got %r %s" % (status, resp, msg))
    return resp


def expect_error(resp, status, fragment=None):
    """A 4xx/5xx JSON error whose message contains fragment."""
    expect_status(resp, status)
    expect(resp.json and "error" in resp.json and resp.json["error"].get("message"),
           "error body missing: %r" % resp)
    if fragment:
        expect(fragment in resp.json["error"]["message"],
               "message %r lacks %r" % (resp.json["error"]["message"], fragment))
    return resp


def run(namespace, name="http"):
    tests = [(k, v) for k, v in namespace.items() if k.startswith("test_") and callable(v)]
    only = os.environ.get("GARANT_TEST")
    passed = failed = 0
    for k, fn in tests:
        if only and only not in k:
            continue
        t0 = time.time()
        try:
            fn()
            passed += 1
            print("ok   %s (%.1fs)" % (k, time.time() - t0), flush=True)
        except Exception:
            failed += 1
            print("FAIL %s" % k, flush=True)
            traceback.print_exc()
    print("%s: %d passed, %d failed" % (name, passed, failed))
    sys.exit(1 if failed or not passed else 0)
