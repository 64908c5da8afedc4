#!/usr/bin/env python3
"""attachments.py - what a 25 MB upload costs the server (issue 14, "peak
memory during a 25 MB upload, and filing p99 while such uploads run"):

  - the server's peak resident memory (VmHWM) before and after 25 MB
    uploads: the body is streamed to a spool file and into the database in
    1 MiB chunks, so the peak should not grow by anything like 25 MB;
  - the latency of filing tickets (POST /api/v1/tickets, each acknowledged
    after its group commit's fsync) from 4 clients, alone and while two
    clients upload 25 MB files back to back: the upload is written by one
    short job a chunk, so filings should wait at most about one chunk's
    write, not a whole file's.

The tests check behaviour; this prints figures, which depend on the
machine. `make bench` runs it.

Usage: bench/attachments.py BINARY [FILINGS]   (default 400 filings a run)"""
import http.client
import json
import os
import re
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "http"))
import harness  # noqa: E402

PASSWORD = "correct horse battery"
FILE = 25 * 1000 * 1000


def customer(s, email):
    r = s.post("/api/v1/signup", {"email": email, "password": PASSWORD, "name": "Bench"})
    assert r.status == 201, r
    tok = re.search(r"token=([A-Za-z0-9_\-]+)", s.smtp.wait_for(email)["data"]).group(1)
    assert s.post("/api/v1/verify", {"token": tok}).status == 200
    return s.login(email, PASSWORD)


def hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def conn(s):
    host, port = re.match(r"http://([^:/]+):(\d+)", s.url).groups()
    return http.client.HTTPConnection(host, int(port), timeout=300)


def upload(c, token, data):
    c.request("POST", "/api/v1/attachments?name=big.bin", body=data,
              headers={"Authorization": "Bearer " + token, "Content-Type": "application/octet-stream"})
    r = c.getresponse()
    r.read()
    assert r.status == 201, r.status


def filings(s, tokens, n):
    """n filings from len(tokens) clients; the latencies in seconds."""
    lat, lock = [], threading.Lock()
    body = json.dumps({"subject": "Bench", "body": "A ticket filed while files upload."})

    def client(tok, k):
        c = conn(s)
        for _ in range(k):
            t0 = time.perf_counter()
            c.request("POST", "/api/v1/tickets", body=body,
                      headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            dt = time.perf_counter() - t0
            assert r.status == 201, r.status
            with lock:
                lat.append(dt)
        c.close()

    ts = [threading.Thread(target=client, args=(t, n // len(tokens))) for t in tokens]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return lat


def pct(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, int(p * len(s)))] * 1e3


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build", "garant")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    harness.GARANT = os.path.abspath(binary)
    with harness.Server(binary=os.path.abspath(binary), extra_args=["--quiet"]) as s:
        s.set_clock("2026-11-16T09:00:00Z")
        filers = [customer(s, "filer%d@acme.example" % i) for i in range(4)]
        uploader = customer(s, "up@globex.example")
        data = os.urandom(FILE)
        filings(s, filers, 40)  # warm up
        base = hwm_kib(s.proc.pid)
        store_base = s.metric("garant_store_memory_bytes")
        c = conn(s)
        for _ in range(2):
            t0 = time.perf_counter()
            upload(c, uploader, data)
            up_s = time.perf_counter() - t0
        c.close()
        peak = hwm_kib(s.proc.pid)
        print("peak RSS of the server: %.1f MiB before, %.1f MiB after two 25 MB uploads (+%.1f MiB); "
              "one upload took %.2f s" % (base / 1024, peak / 1024, (peak - base) / 1024, up_s))
        # SQLite's own heap, its page caches above all: the written pages
        # stay in the writer's cache (up to its cache_size), which is not
        # the upload path holding the file.
        store = s.metric("garant_store_memory_bytes")
        print("of which SQLite's heap (page caches): %.1f MiB before, %.1f MiB after (+%.1f MiB)" %
              (store_base / 2**20, store / 2**20, (store - store_base) / 2**20))

        alone = filings(s, filers, n)
        print("filing alone (4 clients):          p50 %.1f ms, p99 %.1f ms (n=%d)" %
              (pct(alone, 0.5), pct(alone, 0.99), len(alone)))
        stop = threading.Event()
        done = [0]

        def uploads():
            c = conn(s)
            while not stop.is_set():
                upload(c, uploader, data)
                done[0] += 1
            c.close()

        ups = [threading.Thread(target=uploads) for _ in range(2)]
        for t in ups:
            t.start()
        time.sleep(0.5)  # the uploads under way (a benchmark, not a test)
        busy = filings(s, filers, n)
        stop.set()
        for t in ups:
            t.join()
        print("filing during 25 MB uploads (4+2): p50 %.1f ms, p99 %.1f ms (n=%d, %d uploads done meanwhile)" %
              (pct(busy, 0.5), pct(busy, 0.99), len(busy), done[0]))
        print("peak RSS of the server after all: %.1f MiB, SQLite's heap %.1f MiB" %
              (hwm_kib(s.proc.pid) / 1024, s.metric("garant_store_memory_bytes") / 2**20))


if __name__ == "__main__":
    main()
