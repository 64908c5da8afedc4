#!/usr/bin/env python3
"""mail_notify.py - the ticket mails' producer under a burst of filing
(issue 14, docs/mail.md "Ticket mails"): filing does no mail work, so its
latency should not change, and the acknowledgements follow within rounds.
Files N tickets from 8 connections at once and prints the filing rate and
latency, then the rate at which the acknowledgements reached the test's
SMTP receiver (a Python one, tests/http/harness.py: at a few hundred mails
a second it, not the sender, is the limit) and how long after the last
201 the last acknowledgement arrived. The tests check the behaviour; this
prints figures, which depend on the machine.

Usage: bench/mail_notify.py BINARY [N]   (default 1000 tickets)"""
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
THREADS = 8


def customer(s, email):
    r = s.post("/api/v1/signup", {"email": email, "password": PASSWORD, "name": "Bench"})
    assert r.status == 201, r
    tok = re.search(r"token=([A-Za-z0-9_\-]+)", s.smtp.wait_for(email)["data"]).group(1)
    assert s.post("/api/v1/verify", {"token": tok}).status == 200
    return s.login(email, PASSWORD)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: bench/mail_notify.py BINARY [N]")
    harness.GARANT = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    with harness.Server(extra_args=["--quiet"]) as s:
        email = "bench@acme-bench.example"
        token = customer(s, email)
        s.mails_settled()
        host, port = re.match(r"http://([^:/]+):(\d+)", s.url).groups()
        lat, lock = [], threading.Lock()
        body = json.dumps({"subject": "Bench", "body": "A burst.", "priority": 3})

        def worker(k):
            c = http.client.HTTPConnection(host, int(port), timeout=120)
            mine = []
            for _ in range(k):
                t0 = time.perf_counter()
                c.request("POST", "/api/v1/tickets", body=body,
                          headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
                r = c.getresponse()
                r.read()
                assert r.status == 201, r.status
                mine.append(time.perf_counter() - t0)
            c.close()
            with lock:
                lat.extend(mine)

        start = time.perf_counter()
        ts = [threading.Thread(target=worker, args=(n // THREADS + (i < n % THREADS),)) for i in range(THREADS)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        filed = time.perf_counter()

        def acks():
            return sum(1 for m in s.smtp.mails if email in m["to"] and "We received" in m["data"])

        harness.wait_until(lambda: acks() >= n, "%d acknowledgements" % n, timeout=600, interval=0.05)
        done = time.perf_counter()
        lat.sort()
        print("filing: %d tickets in %.2f s (%.0f/s), median %.1f ms, p99 %.1f ms" % (
            n, filed - start, n / (filed - start), statistics.median(lat) * 1e3, lat[int(0.99 * (n - 1))] * 1e3))
        print("acknowledgements: %d at the SMTP receiver %.2f s after the first filing (%.0f/s), "
              "the last %.2f s after the last 201" % (n, done - start, n / (done - start), done - filed))


if __name__ == "__main__":
    main()
