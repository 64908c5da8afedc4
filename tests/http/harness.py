"""harness.py - end-to-end tests of `garant serve` over real HTTP.

Each test gets a fresh database and a real server on a free port, started
with --test-clock at an instant the test chooses (so deadlines, warnings and
breaches can be driven, and the server never reads the real clock; a restart
starts where the clock last was), a
local SMTP receiver (verification and reset mails), and, when asked, a local
webhook receiver that can be told to fail its first N deliveries.

A server that exits other than cleanly (a non-zero status, or death by a
signal the test did not send, such as a sanitizer's abort at shutdown) fails
the test, and its log is printed. Tests wait on conditions (wait_until,
Server.wait_rounds), never on a fixed sleep that happens to be long enough.

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

# Where a server's test clock starts unless the test says otherwise: Monday
# 30 November 2026, 09:00 in Bratislava (CET), the opening of a business day.
CLOCK_START = "2026-11-30T08:00:00Z"

# How long a wait on a condition may take before the test fails: generous,
# because a loaded CI machine is slow, and no test waits this long when the
# condition holds.
WAIT_S = 30.0


def wait_until(cond, what, timeout=WAIT_S, interval=0.02):
    """Poll cond() until it returns a true value, which is returned; fail
    with `what` after `timeout` seconds."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)


# ---- SMTP receiver -------------------------------------------------------

class _SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self):
        box = self.server.box
        # Held: a slow server, silent until released (or closed).
        box["open"].wait()
        if box["down"]:
            # Down: a temporary refusal of the whole session (RFC 5321 421).
            self.wfile.write(b"421 test SMTP is down\r\n")
            return
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
        self.box = {"lock": threading.Lock(), "mails": [], "down": False, "open": threading.Event()}
        self.box["open"].set()
        self.srv = _ThreadingTCP(("127.0.0.1", 0), _SMTPHandler)
        self.srv.box = self.box
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    @property
    def mails(self):
        with self.box["lock"]:
            return list(self.box["mails"])

    def wait_for(self, to, timeout=WAIT_S):
        """The newest mail to `to`, waiting for it to arrive. Mail is sent
        by the outbox after the answer: when an earlier mail to `to` may be
        in the box, count the mails first and wait for one more."""
        def newest():
            for m in reversed(self.mails):
                if to in m["to"]:
                    return m
            return None
        return wait_until(newest, "a mail to %s" % to, timeout)

    def set_down(self, down):
        """Down: every session is refused with 421 (a temporary failure)."""
        self.box["down"] = down

    def hold(self):
        """Slow: new sessions wait, silent, until release()."""
        self.box["open"].clear()

    def release(self):
        self.box["open"].set()

    def close(self):
        self.release()
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


class HAProxy:
    """HAProxy (Debian's) in front of a garant port with docs/haproxy.cfg,
    the very file the deployment notes give, with its bind line and its
    backend's address replaced (TLS off: the tests speak plain HTTP to
    it). Use as a context manager; .port is where it listens. preexec runs
    in the child before exec (raising its open-files limit). The config is
    checked with `haproxy -c` first, so a broken file fails here."""

    def __init__(self, backend_port, preexec=None):
        with open(os.path.join(SOURCE, "docs", "haproxy.cfg")) as f:
            cfg = f.read()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        cfg = cfg.replace("127.0.0.1:8080", "127.0.0.1:%d" % backend_port)
        cfg = re.sub(r"(?m)^    bind .*$", "    bind 127.0.0.1:%d" % self.port, cfg)
        self.dir = tempfile.mkdtemp(prefix="garant-haproxy-")
        path = os.path.join(self.dir, "haproxy.cfg")
        with open(path, "w") as f:
            f.write(cfg)
        p = subprocess.run(["haproxy", "-c", "-f", path], capture_output=True)
        expect(p.returncode == 0, "haproxy -c: %s" % p.stderr.decode())
        self.proc = subprocess.Popen(["haproxy", "-db", "-f", path], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, preexec_fn=preexec)

        def listening():
            if self.proc.poll() is not None:
                raise AssertionError("haproxy exited with %d" % self.proc.returncode)
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                return False
        try:
            wait_until(listening, "haproxy listening on %d" % self.port)
        except BaseException:
            self.close()
            raise

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Server:
    """A garant server on a fresh database. Use as a context manager.

    clock: the test clock's first instant (RFC 3339); set_clock moves it,
    and start() after stop() starts the server where it last was."""

    def __init__(self, extra_args=(), smtp=True, db=None, config=None, preexec=None, clock=CLOCK_START,
                 binary=None, wrapper=(), limits="none"):
        self.dir = tempfile.mkdtemp(prefix="garant-e2e-")
        self.db = db or os.path.join(self.dir, "garant.db")
        self.smtp = SMTPReceiver() if smtp else None
        self.extra = list(extra_args)
        self.config = config
        self.preexec = preexec  # run in the child before exec (limits); None for none
        self.clock = clock
        self.binary = binary or GARANT
        # A command the server runs under (fiu-run for fault injection);
        # it must exec the server, so that proc.pid is the server's.
        self.wrapper = list(wrapper)
        # Quotas (serve --limits): lifted unless a test is about them; the
        # test clock stands still, so no bucket would ever refill.
        self.limits = limits
        self.proc = None
        self.logf = None
        self.log = os.path.join(self.dir, "server.log")
        # /metrics needs an admin or this token (--metrics-token-file), as a
        # Prometheus scraper would hold it.
        self.metrics_token = "test-metrics-token-" + os.urandom(12).hex()
        self.metrics_token_file = os.path.join(self.dir, "metrics.token")
        with open(self.metrics_token_file, "w") as f:
            f.write(self.metrics_token + "\n")
        self.start()

    def args(self):
        """The command line of the server, clock included."""
        args = [self.binary, "serve", "--db", self.db, "--listen", "127.0.0.1:0", "--test-clock", self.clock,
                "--allow-private-webhooks", "--monitor-interval-ms", "50",
                "--metrics-token-file", self.metrics_token_file]
        if self.smtp:
            args += ["--smtp-url", "smtp://127.0.0.1:%d" % self.smtp.port]
        if self.config:
            args += ["--config", self.config]
        if self.limits:
            args += ["--limits", self.limits]
        return args + self.extra

    def start(self):
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(self.wrapper + self.args(), stdout=subprocess.PIPE, stderr=self.logf, preexec_fn=self.preexec)
        line = self.proc.stdout.readline().decode()
        m = re.search(r"listening on (http://\S+)/", line)
        if not m:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("server did not start: %r\n%s" % (line, self.read_log()))
        self.url = m.group(1)

    def read_log(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=None, expect_code=None):
        """Stop the server with sig (SIGTERM by default) and check how it
        ended: 0 after SIGTERM or SIGINT, death by sig for any other signal.
        Anything else (an exit status, a sanitizer's abort, a crash) raises
        with the server's log. A server already gone must have ended as
        expect_code says (a Popen returncode; default 0): a test that killed
        it itself says how."""
        import signal as _signal
        want = 0 if expect_code is None else expect_code
        if self.proc and self.proc.poll() is None:
            sig = _signal.SIGTERM if sig is None else sig
            if expect_code is None:
                want = 0 if sig in (_signal.SIGTERM, _signal.SIGINT) else -sig
            self.proc.send_signal(sig)
            try:
                self.proc.wait(WAIT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._close_pipes()
                raise AssertionError("the server did not stop within %.0f s of signal %d; log:\n%s"
                                     % (WAIT_S, sig, self.tail()))
        self._close_pipes()
        code = self.proc.returncode if self.proc else 0
        if code != want:
            how = "died by signal %d" % -code if code < 0 else "exited with status %d" % code
            raise AssertionError("the server %s (expected %s); log:\n%s"
                                 % (how, "status 0" if want == 0 else "signal %d" % -want, self.tail()))

    def _close_pipes(self):
        if self.proc and self.proc.stdout and not self.proc.stdout.closed:
            self.proc.stdout.close()
        if self.logf and not self.logf.closed:
            self.logf.close()

    def tail(self, n=120):
        """The last n lines of the server's log."""
        try:
            return "\n".join(self.read_log().splitlines()[-n:])
        except OSError as e:
            return "(no log: %s)" % e

    def close(self, failing=False):
        """Stop the server and remove its files; on a failure (the test's or
        the server's) the log is printed and the files are kept."""
        try:
            self.stop()
        except AssertionError:
            failing = True
            raise
        finally:
            if self.smtp:
                self.smtp.close()
            if failing:
                sys.stderr.write("---- server log (%s) ----\n%s\n---- end of server log ----\n"
                                 % (self.log, self.tail()))
            else:
                shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
            return
        # The test failed already: report a bad exit too, but let the test's
        # own error be the one that propagates.
        try:
            self.close(failing=True)
        except AssertionError as e:
            sys.stderr.write("also: %s\n" % str(e).split("\n")[0])

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
        self.clock = rfc3339
        return r

    def metrics(self):
        """GET /metrics with the metrics token."""
        return self.get("/metrics", token=self.metrics_token)

    def metric(self, name):
        """The value of an unlabelled metric in /metrics."""
        r = self.metrics()
        assert r.status == 200, r
        m = re.search(r"^%s (\S+)$" % re.escape(name), r.raw, re.M)
        assert m, "no metric %s in /metrics" % name
        return float(m.group(1))

    def wait_rounds(self, n=2):
        """Wait until the SLA monitor and then the webhook deliverer have each
        completed n more rounds. With n >= 2, a whole monitor round ran on
        the clock as it is now (set before this call), and a whole delivery
        round after it, so whatever the clock made due has been raised and
        delivered (or attempted): "nothing more arrived" can be asserted."""
        for name in ("garant_monitor_rounds_total", "garant_webhook_rounds_total"):
            start = self.metric(name)
            wait_until(lambda: self.metric(name) >= start + n, "%d rounds of %s" % (n, name), interval=0.01)

    def wait_mail_rounds(self, n=2):
        """Wait until the mail sender has completed n more rounds. With n >= 2
        a whole round ran after this call on the clock as it is now: every
        mail queued and due before the call has been sent (or attempted),
        and the garant_mail_* gauges count it."""
        start = self.metric("garant_mail_rounds_total")
        wait_until(lambda: self.metric("garant_mail_rounds_total") >= start + n,
                   "%d rounds of the mail sender" % n, interval=0.01)

    def mails_settled(self):
        """Every mail queued so far and due has reached the SMTP receiver
        (or was attempted): the outbox sends after the answer, so "no mail
        was sent" is worth asserting only after this."""
        self.wait_mail_rounds(2)
        return self

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
