#!/usr/bin/env python3
"""accounts.py - the timings the account tests do not assert: how long a
failed sign-in takes for a known and for an unknown address (they should
be alike: both verify an argon2id hash), and how long a GET /api/v1/me takes
while a flood of sign-ins fills the hashing pool (it should not wait for
them: hashing has a pool of its own). The tests check the structure behind
both deterministically (a count of password checks; a held hashing pool);
this prints the times, which depend on the machine. `make bench` runs it.

Usage: bench/accounts.py BINARY [ROUNDS]   (default 15 rounds)
Prints medians and 90th percentiles in milliseconds."""
import http.client
import json
import os
import re
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "http"))
import harness  # noqa: E402

PASSWORD = "correct horse battery"


def ms(samples):
    s = sorted(samples)
    return "median %.1f ms, p90 %.1f ms (n=%d)" % (statistics.median(s) * 1e3, s[int(0.9 * (len(s) - 1))] * 1e3,
                                                   len(s))


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def customer(s, email):
    r = s.post("/api/v1/signup", {"email": email, "password": PASSWORD, "name": "Bench"})
    assert r.status == 201, r
    tok = re.search(r"token=([A-Za-z0-9_\-]+)", s.smtp.wait_for(email)["data"]).group(1)
    assert s.post("/api/v1/verify", {"token": tok}).status == 200
    return s.login(email, PASSWORD)


def flood(s, email, n):
    """n sign-ins at once on their own connections; returns when all are
    answered."""
    host, port = re.match(r"http://([^:/]+):(\d+)", s.url).groups()
    body = json.dumps({"email": email, "password": PASSWORD})

    def one():
        c = http.client.HTTPConnection(host, int(port), timeout=120)
        c.request("POST", "/api/v1/login", body=body, headers={"Content-Type": "application/json"})
        c.getresponse().read()
        c.close()

    ts = [threading.Thread(target=one) for _ in range(n)]
    for t in ts:
        t.start()
    return ts


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: bench/accounts.py BINARY [ROUNDS]")
    harness.GARANT = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    with harness.Server(extra_args=["--quiet", "--workers", "4"]) as s:
        token = customer(s, "known@bench.example")
        known, unknown = [], []
        for i in range(rounds):
            # At most 4 failures of an address per throttle window (the
            # lockout is at 5): the test clock moves past the window.
            if i and i % 4 == 0:
                s.set_clock("2026-11-30T%02d:00:00Z" % (8 + i // 4))
            known.append(timed(lambda: s.post("/api/v1/login", {"email": "known@bench.example",
                                                                "password": "wrong one!!"})))
            unknown.append(timed(lambda: s.post("/api/v1/login", {"email": "nobody%d@bench.example" % i,
                                                                  "password": "wrong one!!"})))
        print("accounts: failed sign-in, known address:   " + ms(known))
        print("accounts: failed sign-in, unknown address: " + ms(unknown))
        ratio = statistics.median(unknown) / statistics.median(known)
        print("accounts: unknown/known median ratio %.2f (alike when near 1)" % ratio)

        quiet, during = [], []
        for _ in range(rounds):
            quiet.append(timed(lambda: s.get("/api/v1/me", token=token)))
        for _ in range(rounds):
            ts = flood(s, "known@bench.example", 48)
            time.sleep(0.02)  # the sign-ins are in (a benchmark, not a test)
            during.append(timed(lambda: s.get("/api/v1/me", token=token)))
            for t in ts:
                t.join()
        print("accounts: GET /me, idle:                    " + ms(quiet))
        print("accounts: GET /me during 48 sign-ins:       " + ms(during))


if __name__ == "__main__":
    main()
