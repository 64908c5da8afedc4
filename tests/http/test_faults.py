"""test_faults.py - I/O errors and short writes under load lose nothing
acknowledged and leave nothing half-written (issue 13, the campaign).

The server runs under libfiu's POSIX preload (`fiu-run -x`), with every
failure point off, while 8 clients file tickets as fast as they can. Once
ACKED_BEFORE acknowledged tickets are in, one kind of fault is switched on
at random through libfiu's remote control (`fiu-ctrl`):

  pwrite         pwrite/pwrite64 fail with an I/O error (the database and
                 its write-ahead log)
  pwrite-short   they write less than asked (libfiu's "reduce"; SQLite
                 writes the rest, so these rounds may refuse nothing)
  fdatasync      the log's fdatasync fails (the syncer)
  mixed          all three at once

After FAULTY_ANSWERS answers under faults the faults are switched off and
the clients stop. Then:
  - the server is still running (a fault is an error answer, not a crash);
  - every answer was 201 or a 5xx error: no 4xx, nothing the client could
    take for its own mistake;
  - it stops on SIGTERM with status 0;
  - the file passes integrity_check, every acknowledged ticket is in it
    whole, and every ticket in it is whole (a 500 may have come after the
    commit: such a ticket may be kept, but only entirely);
  - restarted without faults, it answers every acknowledged ticket and
    files a new one.

`make check` runs one round of each kind on the plain build (not under
AddressSanitizer: libfiu's preload runs before ASan's runtime is up, and
the sanitized server dies at start); `make torture` sets
GARANT_FAULT_ROUNDS (each round cycles to the next kind) and prints the
totals. Network faults (posix/io/net/*) are not injected: libfiu cannot
tell the client's socket from the mail server's, and the mail outbox has
its own tests with a failing SMTP sink.
"""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, expect_status, run, wait_until  # noqa: E402
from test_crash import PASSWORD, Submitter, check_api, check_file, make_customer  # noqa: E402

THREADS = 8
ACKED_BEFORE = 200
FAULTY_ANSWERS = 400
ROUNDS = int(os.environ.get("GARANT_FAULT_ROUNDS", "4"))
KINDS = {
    "pwrite": ["posix/io/rw/pwrite"],
    "pwrite-short": ["posix/io/rw/pwrite/reduce"],
    "fdatasync": ["posix/io/sync/fdatasync"],
    "mixed": ["posix/io/rw/pwrite", "posix/io/rw/pwrite/reduce", "posix/io/sync/fdatasync"],
}
PROBABILITY = {"posix/io/rw/pwrite": 0.02, "posix/io/rw/pwrite/reduce": 0.02, "posix/io/sync/fdatasync": 0.05}


def need_fiu():
    if shutil.which("fiu-run") and shutil.which("fiu-ctrl") and os.path.exists("/usr/lib/fiu/fiu_posix_preload.so"):
        return
    if os.environ.get("GARANT_NO_SKIP"):
        raise AssertionError("fiu-run, fiu-ctrl or the POSIX preload is missing (scripts/deps.sh installs fiu-utils)")
    print("skip: libfiu's fiu-utils are not installed")
    sys.exit(77)


def fiu(s, ctrl, command):
    """A libfiu remote-control command to the server."""
    p = subprocess.run(["fiu-ctrl", "-f", ctrl, "-c", command, str(s.proc.pid)], capture_output=True, timeout=30)
    expect(p.returncode == 0, "fiu-ctrl %r: %s" % (command, p.stderr.decode()))


def whole_tickets(path):
    """Tickets in the file that are not whole: a row without its creation
    columns (the row is its 'created' event) or a ticket whose events
    name a ticket that is not there."""
    db = sqlite3.connect(path)
    try:
        broken = [r[0] for r in db.execute(
            "SELECT id FROM tickets WHERE created_in_events = 0 AND (initial_priority IS NULL OR plan IS NULL"
            " OR submitted_at IS NULL OR initial_due IS NULL OR subject IS NULL OR body IS NULL)")]
        orphans = db.execute("SELECT count(*) FROM ticket_events e WHERE NOT EXISTS"
                             " (SELECT 1 FROM tickets t WHERE t.id = e.ticket_id)").fetchone()[0]
        total = db.execute("SELECT count(*) FROM tickets").fetchone()[0]
    finally:
        db.close()
    expect(not broken, "tickets not whole after the faults: %r" % broken[:10])
    expect(orphans == 0, "%d events of tickets that are not in the file" % orphans)
    return total


def one_round(rnd, kind, totals):
    ctrl = None
    with Server(extra_args=["--quiet"]) as s:
        ctrl = os.path.join(s.dir, "fiu-ctrl")
        s.stop()
        s.wrapper = ["fiu-run", "-x", "-f", ctrl]
        s.start()
        s.add_staff("admin@vendor.example", "admin")
        admin = s.login("admin@vendor.example")
        token = make_customer(s, admin, "ops@faults.example", "Faults s.r.o.", "faults.example", "professional")
        workers = [Submitter(s.url, token, "f%d-t%d" % (rnd, i)) for i in range(THREADS)]
        for w in workers:
            w.start()
        wait_until(lambda: sum(len(w.acked) for w in workers) >= ACKED_BEFORE
                   or any(not w.is_alive() for w in workers), "%d acknowledged tickets" % ACKED_BEFORE, timeout=120)
        before = sum(len(w.acked) + len(w.other) for w in workers)
        for name in KINDS[kind]:
            fiu(s, ctrl, "enable_random name=%s,probability=%s" % (name, PROBABILITY[name]))
        wait_until(lambda: sum(len(w.acked) + len(w.other) for w in workers) >= before + FAULTY_ANSWERS
                   or all(not w.is_alive() for w in workers), "%d answers under faults" % FAULTY_ANSWERS,
                   timeout=120)
        for name in KINDS[kind]:
            fiu(s, ctrl, "disable name=%s" % name)
        for w in workers:
            w.stop.set()
        for w in workers:
            w.join(60)
            expect(not w.is_alive(), "a client thread hung")
        expect(s.proc.poll() is None, "the server died under %s faults (status %r)" % (kind, s.proc.returncode))
        others = [o for w in workers for o in w.other]
        wrong = [o for o in others if not (500 <= o[0] < 600)]
        expect(not wrong, "answers under faults that were neither 201 nor 5xx: %r" % wrong[:5])
        broken = [w.broken for w in workers if w.broken is not None]
        expect(not broken, "connections cut under %s faults: %r" % (kind, broken[:3]))
        acked = [a for w in workers for a in w.acked]
        s.stop()  # SIGTERM: status 0, checked by the harness
        s.wrapper = []
        check_file(s.db, acked)
        total = whole_tickets(s.db)
        s.start()
        check_api(s, token, acked)
        r = expect_status(s.post("/api/v1/tickets", {"subject": "after the faults", "body": "still here",
                                                     "environment": "production"}, token=token), 201)
        expect(r.json["id"] > max(i for i, _ in acked), r)
        statuses = sorted({o[0] for o in others})
        print("  round %d (%s): %d acknowledged, %d refused (%s) under faults, %d in the file, 0 lost"
              % (rnd, kind, len(acked), len(others), "/".join(map(str, statuses)) or "none", total), flush=True)
        totals["acked"] += len(acked)
        totals["refused"] += len(others)


def test_faults_lose_nothing_acknowledged():
    need_fiu()
    totals = {"acked": 0, "refused": 0}
    kinds = list(KINDS)
    for rnd in range(1, ROUNDS + 1):
        one_round(rnd, kinds[(rnd - 1) % len(kinds)], totals)
    print("faults: %d rounds, %d acknowledged, 0 lost, %d requests refused with 5xx by an injected fault"
          % (ROUNDS, totals["acked"], totals["refused"]), flush=True)
    expect(totals["refused"] > 0, "no fault reached a request: the injection did not work")


if __name__ == "__main__":
    run(globals(), "faults")
