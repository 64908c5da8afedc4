#!/usr/bin/env python3
"""correct.py - issue 11's recompute benchmark: previewing and applying a
correction that moves every open ticket onto a new policy version, store
reads and writes included, timed over HTTP (POST
/api/v1/policy/corrections/preview, then POST /api/v1/policy/corrections)
on a database of N open tickets. Goal: under 2 s each on one core.

Usage: bench/correct.py BINARY [TICKETS]   (default 1,000,000; make bench)
Environment: KEEP=1 keeps the work folder; PERF=FILE records a perf profile
of the server during preview and apply; SEED_CACHE=DIR keeps the seeded
database in DIR and starts later runs from a copy of it (A/B runs of two
builds on the same tickets, without seeding twice).

What it does: seeds TICKETS open tickets with bench/seed_tickets (through
the store; spread over 30 days, so most are breached), adds an admin with
`garant user add`, starts `garant serve` (its first start saves the
configured policy as version 1 and files the seeded tickets under it),
saves version 2 with every business target one hour shorter (so every
ticket with a business target moves earlier, and no reason is needed),
then times the preview and the apply. Prints the figures and each goal as
MET or MISSED; asserts nothing."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

GOAL_S = 2.0
PASSWORD = "bench-password-1"


def call(url, method, path, body=None, token=None, timeout=600):
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url + path, method=method, headers=h,
                                 data=None if body is None else json.dumps(body).encode())
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=timeout) as r:
        out = json.load(r)
    return out, time.perf_counter() - t0


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: bench/correct.py BINARY [TICKETS]")
    binary = os.path.abspath(sys.argv[1])
    tickets = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
    seeder = os.path.join(os.path.dirname(binary), "seed_tickets")
    work = tempfile.mkdtemp(prefix="garant-correct-")
    db = os.path.join(work, "desk.db")
    try:
        cache = os.environ.get("SEED_CACHE")
        cached = os.path.join(cache, "correct-%d.db" % tickets) if cache else None
        if cached and os.path.exists(cached):
            shutil.copyfile(cached, db)
        else:
            seed(binary, seeder, db, tickets)
            if cached:
                os.makedirs(cache, exist_ok=True)
                shutil.copyfile(db, cached)
        run(binary, db, work, tickets)
    finally:
        if os.environ.get("KEEP") == "1":
            print("correct: kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def seed(binary, seeder, db, tickets):
    subprocess.run([binary, "user", "add", "--db", db, "--email", "admin@correct.example", "--role", "admin",
                    "--password-stdin"], input=(PASSWORD + "\n").encode(), check=True, capture_output=True)
    print("correct: seeding %d open tickets" % tickets, flush=True)
    subprocess.run([seeder, "--db", db, "--tickets", str(tickets)], input=(PASSWORD + "\n").encode(),
                   check=True, stdout=subprocess.DEVNULL)


def run(binary, db, work, tickets):
    server = None
    try:
        log = open(os.path.join(work, "server.log"), "wb")
        t0 = time.perf_counter()
        server = subprocess.Popen([binary, "serve", "--db", db, "--listen", "127.0.0.1:0", "--quiet",
                                   "--limits", "none"],
                                  stdout=subprocess.PIPE, stderr=log)
        m = re.search(r"listening on (http://\S+)/", server.stdout.readline().decode())
        if not m:
            sys.exit("correct: the server did not start; log in %s" % work)
        url = m.group(1)
        print("correct: server started in %.1f s (first start: version 1 saved, %d tickets filed under it)"
              % (time.perf_counter() - t0, tickets), flush=True)
        token, _ = call(url, "POST", "/api/v1/login", {"email": "admin@correct.example", "password": PASSWORD})
        token = token["token"]
        pol, _ = call(url, "GET", "/api/v1/policy", token=token)
        yaml = re.sub(r"within: (\d+)h, calendar: business",
                      lambda m: "within: %dh, calendar: business" % (int(m.group(1)) - 1), pol["yaml"])
        saved, _ = call(url, "PUT", "/api/v1/policy", {"yaml": yaml}, token=token)
        v = saved["version"]
        perf = None
        if os.environ.get("PERF"):
            perf = subprocess.Popen(["perf", "record", "-g", "-o", os.environ["PERF"], "-p", str(server.pid)],
                                    stderr=subprocess.DEVNULL)
            time.sleep(1)
        prev, t_prev = call(url, "POST", "/api/v1/policy/corrections/preview", {"to_version": v}, token=token)
        done, t_apply = call(url, "POST", "/api/v1/policy/corrections", {"to_version": v}, token=token)
        if perf:
            perf.send_signal(2)
            perf.wait()
        print("correct: preview: %d open tickets examined, %d would move (%d earlier, %d later) in %.2f s"
              % (prev["tickets_examined"], prev["moved"], prev["earlier"], prev["later"], t_prev))
        print("correct: apply:   %d moved, each with its history event, in one transaction, in %.2f s"
              % (done["moved"], t_apply))
        with open("/proc/%d/status" % server.pid) as f:
            hwm = [l.split()[1] for l in f if l.startswith("VmHWM:")]
        print("correct: the server's peak resident memory: %.0f MB" % (int(hwm[0]) / 1024 if hwm else -1))
        for what, t in (("preview", t_prev), ("apply", t_apply)):
            print("correct: goal %s < %.0f s: %s" % (what, GOAL_S, "MET" if t < GOAL_S else "MISSED"))
    finally:
        if server:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
