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
        r = expect_status(s.get("/metrics"), 200)
        expect("garant_http_requests_total" in r.raw and "garant_tickets_awaiting_first_response" in r.raw, r)
        expect(r.headers.get("Content-Type", "").startswith("text/plain"), r.headers)


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


if __name__ == "__main__":
    run(globals(), "system")
