#!/usr/bin/env python3
"""lmtp.py - inbound mail through the LMTP door (issue 14): messages/s a
server takes, and the p99 from LMTP acceptance to the message being on its
ticket.

The door answers a recipient only after desk_ticket_reply has returned,
that is after the reply is durably committed (group commit and fsync), so
the time from the final "." of DATA to the 250 is the time from acceptance
to the message on the ticket (an upper bound: it also holds the client's
sending of the last bytes and reading of the answer). Each message is a
customer's reply to one ticket by its signed plus-address.

Two loads: 5 KB text replies (goal >= 1,000/s, p99 <= 1 s) and 100 KB
messages with a 72 KB base64 attachment (goal >= 200/s), each kept on its
reply with the original message (message.eml). "writes a mail" is the
write path's jobs per message: 1 when a mail and its files are one write
(docs/performance.md, "Session lmtp").

Usage: bench/lmtp.py BINARY [MESSAGES] [CONNECTIONS] [REPLIES_A_TICKET]
(defaults 3000, 32, 20)
Each load runs twice: from Python (smtplib.LMTP, one process a
connection) and from bench_lmtp_client (C, one thread a connection),
whose figures are the server's with less of the 2 cores taken by clients
(GARANT_LMTP_CLIENTS=c runs only the latter)."""
import base64
import multiprocessing
import os
import smtplib
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "http"))
import harness  # noqa: E402
import test_mail_inbound as tmi  # noqa: E402


def text_reply(rcpt, i):
    body = ("Still failing on attempt %d. " % i + "The checkout answers 502 after the payment step. " * 110)[:5000]
    return tmi.mail("Carla <carla@acme.example>", rcpt, "RE: Checkout is down", body + "\n").encode()


def attachment_reply(rcpt, i):
    data = base64.encodebytes(os.urandom(72 * 1024)).decode().replace("\n", "\r\n")
    return ("From: Carla <carla@acme.example>\r\nTo: %s\r\nSubject: RE: Checkout is down\r\n"
            "Message-ID: <bench%d.%s@client.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe log of attempt %d is attached.\r\n"
            "--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"log.bin\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b1--\r\n"
            % (rcpt, i, os.urandom(4).hex(), i, data)).encode()


def worker(args):
    port, rcpts, count, kind, seed = args
    make = text_reply if kind.startswith("text") else attachment_reply
    msgs = [(r, make(r, seed * 100000 + i)) for i, r in enumerate(rcpts)]
    c = smtplib.LMTP("127.0.0.1", port, timeout=60)
    c.docmd("LHLO", "bench.test")
    lat, bad = [], 0
    for i in range(count):
        c.mail("carla@acme.example")
        rcpt, msg = msgs[i % len(msgs)]
        c.rcpt(rcpt)
        t0 = time.perf_counter()
        code, _ = c.data(msg)
        lat.append(time.perf_counter() - t0)
        bad += code != 250
    c.quit()
    return lat, bad


def run_load(s, tids, kind, total, conns):
    per = total // conns
    # Each connection replies on tickets of its own, about 20 replies a
    # ticket: every reply re-indexes its whole ticket for search (FTS5, one
    # document a ticket), so thousands of replies on one ticket measure that.
    mine = [[tmi.reply_address(t) for t in tids[k::conns]] for k in range(conns)]
    before = replies(s)
    w0 = writer_stats(s)
    # spawn, not fork: the test harness runs threads (its SMTP sink) that a
    # fork would copy with their locks held.
    with multiprocessing.get_context("spawn").Pool(conns) as pool:
        pool.map(abs, range(conns))  # the workers are up before the clock starts
        t0 = time.perf_counter()
        res = pool.map(worker, [(s.lmtp_port, mine[k], per, kind, k) for k in range(conns)])
        wall = time.perf_counter() - t0
    lat = sorted(x for r in res for x in r[0])
    bad = sum(r[1] for r in res)
    landed = replies(s) - before
    w1 = writer_stats(s)
    dw = {k: w1[k] - w0[k] for k in w0}
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1e3  # noqa: E731
    print("lmtp %-10s %d messages over %d connections: %.0f messages/s; acceptance -> on the ticket "
          "p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d not 250, %d on the ticket"
          % (kind, len(lat), conns, len(lat) / wall, p(0.5), p(0.99), lat[-1] * 1e3, bad, landed), flush=True)
    writer_line(dw, wall, len(lat))


def writer_line(dw, wall, mails):
    """Where the time goes: the writer (the one serial stage) and the fsyncs."""
    jobs = max(1, dw["garant_write_jobs_total"])
    syncs = max(1, dw["garant_write_syncs_total"])
    print("  writer: %d writes (%.2f a mail) in %d transactions (%.1f a transaction), %.0f us writer CPU a write; "
          "%d fsyncs, %.1f ms each; writer busy %.0f %% of the wall time"
          % (jobs, jobs / max(1, mails), dw["garant_write_batches_total"],
             jobs / max(1, dw["garant_write_batches_total"]),
             dw["garant_writer_cpu_seconds_total"] * 1e6 / jobs, syncs,
             dw["garant_write_sync_seconds_total"] * 1e3 / syncs,
             dw["garant_writer_cpu_seconds_total"] * 100 / wall), flush=True)


WRITER = ("garant_write_jobs_total", "garant_write_batches_total", "garant_writer_cpu_seconds_total",
          "garant_write_syncs_total", "garant_write_sync_seconds_total")


def writer_stats(s):
    return {k: s.metric(k) for k in WRITER}


def run_load_c(s, tids, kind, total, conns):
    """The same load sent by bench_lmtp_client (C, one thread a session):
    the server's rate without Python's clients taking the cores."""
    client = os.path.join(os.path.dirname(os.path.abspath(harness.GARANT)), "bench_lmtp_client")
    make = text_reply if kind.startswith("text") else attachment_reply
    rcpts = [tmi.reply_address(t) for t in tids]
    d = tempfile.mkdtemp(prefix="garant-lmtp-bench-")
    with open(os.path.join(d, "rcpts"), "w") as f:
        f.write("\n".join(rcpts) + "\n")
    with open(os.path.join(d, "msg"), "wb") as f:
        f.write(make("x@y", 1).replace(b"\r\n.", b"\r\n..") + b"\r\n")
    before = replies(s)
    w0 = writer_stats(s)
    c0 = server_cpu(s)
    out = subprocess.run([client, str(s.lmtp_port), str(conns), str(total), os.path.join(d, "msg"),
                          os.path.join(d, "rcpts")], capture_output=True, text=True, check=True).stdout.split()
    r = dict(zip(out[::2], out[1::2]))
    cpu = server_cpu(s) - c0
    landed = replies(s) - before
    w1 = writer_stats(s)
    wall = float(r["wall_s"])
    print("lmtp %-10s %s messages over %d connections (C client): %.0f messages/s; acceptance -> on the ticket "
          "p50 %s ms, p99 %s ms, max %s ms; %s not 250, %d on the ticket"
          % (kind, r["sent"], conns, int(r["sent"]) / wall, r["p50_ms"], r["p99_ms"], r["max_ms"], r["bad"], landed),
          flush=True)
    writer_line({k: w1[k] - w0[k] for k in w0}, wall, int(r["sent"]))
    print("  server: %.2f cores of CPU on average (%.0f us a message, all threads)"
          % (cpu / wall, cpu * 1e6 / max(1, int(r["sent"]))), flush=True)


def server_cpu(s):
    """The server process's CPU seconds so far (user + system, all threads)."""
    with open("/proc/%d/stat" % s.proc.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def replies(s):
    con = sqlite3.connect(s.db, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM replies").fetchone()[0]
    finally:
        con.close()


def main():
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    conns = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    per_ticket = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    s = tmi.server()
    s.extra.append("--quiet")
    try:
        d = tmi.world(s)
        n = max(conns, (total + total // 3) // per_ticket)
        tids = [tmi.file(d, "carla", "2026-11-30T09:00:00Z")["id"] for _ in range(n)]
        s.stop()
        s.start()  # now --quiet: no log line per request
        import re
        m = re.findall(r"lmtp listening on 127\.0\.0\.1:(\d+)", s.read_log())
        s.lmtp_port = int(m[-1])
        if os.environ.get("GARANT_LMTP_CLIENTS", "both") != "c":
            run_load(s, tids, "text-5KB", total, conns)
            run_load(s, tids, "attach-100KB", max(conns, total // 3), conns)
        run_load_c(s, tids, "text-5KB", total, conns)
        run_load_c(s, tids, "attach-100KB", max(conns, total // 3), conns)
    finally:
        s.close()


if __name__ == "__main__":
    main()
