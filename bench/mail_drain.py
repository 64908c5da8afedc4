#!/usr/bin/env python3
"""mail_drain.py - outbound mail (issue 14): mails/s the desk's sender
drains from the outbox to a local SMTP server, and that server's own rate
with a plain client, to show which of the two is the limit.

The sink is bench_smtp_sink (bench/bench_smtp_sink.c): a minimal C SMTP
responder that takes every mail and keeps nothing. First Python's smtplib
blasts it (CLIENTS processes, each one connection sending its share of
MESSAGES, as the sender reuses one connection for a claimed batch): the
sink-only rate. Then MESSAGES mails of about 3 KB are queued in the outbox
of a fresh database (rows inserted while the server is down, due at once)
and the server is started with --smtp-url at the sink: the time from its
start to the last mail marked sent is the drain.

Usage: bench/mail_drain.py BINARY [MESSAGES] [CLIENTS]   (defaults 5000, 2)
Goal: >= 500 mails/s drained."""
import multiprocessing
import os
import smtplib
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "http"))
import harness  # noqa: E402

BODY = ("Your ticket #%d was answered. " + "The payment gateway was restarted at 10:02 CET. " * 60)[:3000]


def message(i):
    return ("From: Garant <noreply@desk.example>\r\nTo: customer%d@acme.example\r\n"
            "Subject: [#%d] We replied to your ticket\r\nMessage-ID: <drain%d@desk.example>\r\n"
            "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nAuto-Submitted: auto-generated\r\n\r\n%s\r\n"
            % (i, i, i, BODY % i))


def blast(args):
    port, first, count = args
    c = smtplib.SMTP("127.0.0.1", port, timeout=60)
    c.ehlo("bench.test")
    for i in range(first, first + count):
        c.sendmail("noreply@desk.example", ["customer%d@acme.example" % i], message(i))
    c.quit()
    return count


class Sink:
    def __init__(self, binary):
        self.p = subprocess.Popen([binary, "0"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = int(self.p.stdout.readline().split()[1])

    def count(self):
        self.p.stdin.write("?\n")
        self.p.stdin.flush()
        return int(self.p.stdout.readline().split()[1])

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def sink_only(sink, total, clients):
    per = total // clients
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        pool.map(abs, range(clients))
        before = sink.count()
        t0 = time.perf_counter()
        pool.map(blast, [(sink.port, k * per, per) for k in range(clients)])
        wall = time.perf_counter() - t0
    got = sink.count() - before
    print("sink alone: %d mails from %d smtplib clients, one connection each: %.0f mails/s"
          % (got, clients, got / wall), flush=True)


def drain(garant, sink, total):
    s = harness.Server(smtp=False, extra_args=["--quiet", "--mail-from", "Garant <noreply@desk.example>"])
    try:
        s.stop()  # the schema is made; queue while no sender runs
        con = sqlite3.connect(s.db)
        con.executemany("INSERT INTO mail_outbox (created_at, due_at, message_id, recipient, raw)"
                        " VALUES (0, 0, ?, ?, ?)",
                        (("drain%d@desk.example" % i, "customer%d@acme.example" % i, message(i).encode())
                         for i in range(total)))
        con.commit()
        con.close()
        before = sink.count()
        s.extra += ["--smtp-url", "smtp://127.0.0.1:%d" % sink.port]
        t0 = time.perf_counter()
        s.start()
        # Poll the sink (a benchmark may; a test waits on conditions).
        while sink.count() - before < total:
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        # The sink has them all; the outbox marks them sent in groups.
        harness.wait_until(lambda: sent(s.db) == total, "every mail marked sent", timeout=120)
        wall_marked = time.perf_counter() - t0
        print("drain: %d mails queued, to the sink in %.2f s from the server's start: %.0f mails/s "
              "(all marked sent after %.2f s: %.0f/s)"
              % (total, wall, total / wall, wall_marked, total / wall_marked), flush=True)
    finally:
        s.close()


def sent(db):
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM mail_outbox WHERE state = 'sent'").fetchone()[0]
    finally:
        con.close()


def main():
    garant = sys.argv[1]
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    sink = Sink(os.path.join(os.path.dirname(os.path.abspath(garant)), "bench_smtp_sink"))
    try:
        sink_only(sink, total, clients)
        drain(garant, sink, total)
    finally:
        sink.close()


if __name__ == "__main__":
    main()
