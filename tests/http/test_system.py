"""test_system.py - the server starts on a fresh database and answers
health, metrics, the test clock, unknown routes and oversized bodies."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_error, expect_status, run  # noqa: E402


def test_health_and_metrics():
    with Server() as s:
        r = expect_status(s.get("/healthz"), 200)
        expect(r.json["status"] == "ok" and r.json["schema_version"] >= 1, r)
        r = expect_status(s.metrics(), 200)
        expect("garant_http_requests_total" in r.raw and "garant_tickets_awaiting_first_response" in r.raw, r)
        expect(r.headers.get("Content-Type", "").startswith("text/plain"), r.headers)


def test_store_memory_gauge():
    """garant_store_memory_bytes is what SQLite holds, its page caches
    included: 4 MB uploaded go through the writer's cache and stay there,
    so the gauge rises by at least half of that (bench/attachments.py
    reads it beside the server's peak RSS)."""
    import http.client
    import re
    with Server() as s:
        before = s.metric("garant_store_memory_bytes")
        expect(before > 0, before)
        email = "mem@acme.example"
        r = expect_status(s.post("/api/v1/signup", {"email": email, "password": "correct horse battery",
                                                     "name": "Mem"}), 201)
        tok = re.search(r"token=([A-Za-z0-9_\-]+)", s.smtp.wait_for(email)["data"]).group(1)
        expect_status(s.post("/api/v1/verify", {"token": tok}), 200)
        token = s.login(email, "correct horse battery")
        host, port = re.match(r"http://([^:/]+):(\d+)", s.url).groups()
        c = http.client.HTTPConnection(host, int(port), timeout=60)
        c.request("POST", "/api/v1/attachments?name=big.bin", body=os.urandom(4 * 1000 * 1000),
                  headers={"Authorization": "Bearer " + token, "Content-Type": "application/octet-stream"})
        r = c.getresponse()
        r.read()
        c.close()
        expect(r.status == 201, r.status)
        after = s.metric("garant_store_memory_bytes")
        expect(after - before >= 2 * 1000 * 1000, (before, after))


def test_test_clock():
    with Server() as s:
        r = expect_status(s.post("/api/v1/test/clock", {"now": "2026-11-27T15:30:00+01:00"}), 200)
        expect(r.json["now"] == "2026-11-27T14:30:00Z", r)
        expect_error(s.post("/api/v1/test/clock", {"now": "2026-02-30T10:00:00Z"}), 422, "February")
        expect_error(s.post("/api/v1/test/clock", {"when": "x"}), 422, "unknown field 'when'")
        expect_error(s.post("/api/v1/test/clock", raw=b"{not json", headers={"Content-Type": "application/json"}),
                     400, "malformed JSON")
        # The clock cannot be handed back to real time.
        expect_error(s.post("/api/v1/test/clock", {"now": None}), 422, "'now'")
        expect_error(s.post("/api/v1/test/clock", {}), 422, "'now' is required")
        expect(s.post("/api/v1/test/clock", {"now": "2026-11-27T14:30:00Z"}).json["now"] == "2026-11-27T14:30:00Z")


def test_test_clock_needs_a_valid_instant():
    import subprocess
    from harness import GARANT
    with Server() as s:
        for bad, fragment in ((["--test-clock"], "--test-clock"),
                              (["--test-clock", "yesterday"], "--test-clock"),
                              (["--test-clock", "2026-02-30T10:00:00Z"], "February"),
                              (["--test-clock", "2026-11-30T10:00:00"], "--test-clock")):
            p = subprocess.run([GARANT, "serve", "--db", s.dir + "/other.db", "--listen", "127.0.0.1:0"] + bad,
                               capture_output=True, timeout=30)
            err = p.stderr.decode()
            expect(p.returncode == 2, "%r: exit %d, %s" % (bad, p.returncode, err))
            expect(fragment in err, "%r: %s" % (bad, err))


def test_unknown_routes_and_methods():
    with Server() as s:
        expect_error(s.get("/api/v1/nope"), 404)
        expect_error(s.delete("/healthz"), 405)


def test_body_too_large():
    with Server() as s:
        big = b'{"now":"' + b"x" * (2 * 1024 * 1024) + b'"}'
        expect_error(s.post("/api/v1/test/clock", raw=big, headers={"Content-Type": "application/json"}), 413)


def test_clock_disabled_without_flag():
    import subprocess
    import re
    import tempfile
    from harness import GARANT
    d = tempfile.mkdtemp()
    p = subprocess.Popen([GARANT, "serve", "--db", d + "/g.db", "--listen", "127.0.0.1:0", "--quiet"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        url = re.search(r"(http://\S+)/", p.stdout.readline().decode()).group(1)
        import urllib.request
        import urllib.error
        req = urllib.request.Request(url + "/api/v1/test/clock", data=b'{"now":"2026-01-01T00:00:00Z"}',
                                     method="POST", headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(req, timeout=10)
            expect(False, "test clock answered without --test-clock")
        except urllib.error.HTTPError as e:
            expect(e.code == 404, e.code)
    finally:
        p.terminate()
        code = p.wait()
        p.stdout.close()
    expect(code == 0, "the server exited with %r after SIGTERM" % code)



def test_a_client_that_hangs_up_does_not_hold_up_shutdown():
    """Requests whose clients hang up while they wait for a worker, or while
    a worker has them, are no longer in flight once the workers are done:
    SIGTERM then stops the server at once, instead of waiting 30 s for
    requests nobody will finish (and saying so in the log). The hashing pool
    has 8 workers: 56 sign-ins (fewer than the 64 connections one address
    may hold, with the probe of /metrics) keep them busy and queue the rest, and the
    clients hang up while their requests are away. (Before the fix the
    stop took 30 s.)"""
    import json
    import re
    import socket
    import time
    from harness import wait_until
    with Server() as s:
        host, port = re.match(r"http://([^:/]+):(\d+)", s.url).groups()
        socks = []
        for i in range(56):
            body = json.dumps({"email": "nobody%d@acme.example" % i, "password": "not the password"}).encode()
            c = socket.create_connection((host, int(port)), timeout=30)
            c.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            socks.append(c)

        def gauge(name):
            m = re.search(r'^%s\{pool="hashing"\} (\d+)$' % name, s.metrics().raw, re.M)
            return int(m.group(1)) if m else -1
        # The hashing workers are at it, the rest queued: hang up on all.
        wait_until(lambda: gauge("garant_pool_busy") == 8, "sign-ins with the hashing workers")
        for c in socks:
            c.close()
        wait_until(lambda: gauge("garant_pool_busy") == 0 and gauge("garant_pool_waiting") == 0,
                   "the hashing pool to be done", timeout=120)
        t0 = time.monotonic()
        s.stop()
        took = time.monotonic() - t0
        log = s.read_log()
        expect("still unanswered" not in log, log[-2000:])
        # Not a speed: the drain's limit is 30 s, and a leaked request waits it out.
        expect(took < 20, "stopping took %.1f s: the server waited for requests that had ended" % took)

if __name__ == "__main__":
    run(globals(), "system")
