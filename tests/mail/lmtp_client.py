#!/usr/bin/env python3
"""lmtp_client.py - the LMTP server (src/mail/lmtp.c) against a real client.

Python's smtplib.LMTP speaks to tests/mail/lmtp_test_server.c, whose
callbacks accept some recipients and refuse others (see its header). Covers
RFC 2033's one reply per accepted recipient after DATA, in order, with some
valid, some refused at RCPT, one failing temporarily and one for good;
PIPELINING; dot-stuffing; the null sender; SIZE and oversized messages;
garbage commands; the idle timeout; the connection limit; and that the
accepted-at instant comes from the caller's clock.

Usage: lmtp_client.py PATH/TO/lmtp_test_server
"""
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
import unittest

SERVER = None
PORT = None
DIR = None
CLOCK_START = 1796637600  # the test server's clock: 2026-12-07T10:00:00Z


def lmtp():
    c = smtplib.LMTP("127.0.0.1", PORT, timeout=10)
    code, _ = c.ehlo_or_helo_if_needed() or (250, b"")
    return c


def delivered():
    """Messages the server wrote, by number: (header line, bytes)."""
    out = {}
    for name in os.listdir(DIR):
        with open(os.path.join(DIR, name), "rb") as f:
            head, _, body = f.read().partition(b"\n")
        out[int(name.split(".")[0])] = (head.decode(), body)
    return out


def raw():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    f = s.makefile("rb")
    greeting = f.readline()
    assert greeting.startswith(b"220 "), greeting
    return s, f


def replies(f, count):
    """count complete replies (multi-line ones joined) as (code, text)."""
    out = []
    while len(out) < count:
        lines = []
        while True:
            line = f.readline()
            if not line:
                raise EOFError("connection closed after %r" % out)
            lines.append(line.decode().rstrip("\r\n"))
            if line[3:4] == b" ":
                break
        out.append((int(lines[0][:3]), "\n".join(l[4:] for l in lines)))
    return out


MESSAGE = (b"From: Ana <ana@firma.ro>\r\nTo: support@garant.example\r\n"
           b"Subject: test\r\n\r\nBun\xc4\x83 ziua.\r\n")


class LmtpTest(unittest.TestCase):
    def test_lhlo_features(self):
        c = smtplib.LMTP("127.0.0.1", PORT, timeout=10)
        code, msg = c.ehlo("client.test")
        self.assertEqual(code, 250)
        for feature in ("pipelining", "enhancedstatuscodes", "8bitmime"):
            self.assertTrue(c.has_extn(feature), feature)
        self.assertEqual(c.esmtp_features["size"], str(64 * 1024))
        c.quit()

    def test_recipients_one_reply_each_in_order(self):
        c = lmtp()
        self.assertEqual(c.mail("ana@firma.ro")[0], 250)
        rcpts = ["ok1@garant.example", "unknown1@garant.example", "tempfail@garant.example",
                 "busy@garant.example", "ok2@garant.example", "reject@garant.example"]
        codes = [c.rcpt(r)[0] for r in rcpts]
        self.assertEqual(codes, [250, 550, 250, 452, 250, 250])
        # Accepted: ok1, tempfail, ok2, reject -> four replies after DATA.
        before = len(delivered())
        first = c.data(MESSAGE)
        rest = [c.getreply() for _ in range(3)]
        got = [first] + rest
        self.assertEqual([g[0] for g in got], [250, 451, 250, 554])
        self.assertIn(b"ok1@garant.example", got[0][1])
        self.assertIn(b"4.3.0 store unavailable", got[1][1])
        self.assertIn(b"ok2@garant.example", got[2][1])
        self.assertTrue(got[3][1].startswith(b"5.6.0"))
        after = delivered()
        self.assertEqual(len(after), before + 2)
        new = [after[k] for k in sorted(after) if k > before]
        heads = [h for h, _ in new]
        self.assertTrue(heads[0].startswith("rcpt=ok1@garant.example from=ana@firma.ro at="), heads)
        self.assertTrue(heads[1].startswith("rcpt=ok2@garant.example "), heads)
        # One instant for the whole message, from the caller's clock.
        at = {h.split("at=")[1] for h in heads}
        self.assertEqual(len(at), 1)
        self.assertGreaterEqual(int(at.pop()), CLOCK_START)
        self.assertEqual(new[0][1], MESSAGE)
        # The session goes on after the transaction.
        self.assertEqual(c.noop()[0], 250)
        c.quit()

    def test_pipelining(self):
        s, f = raw()
        s.sendall(b"LHLO pipe.test\r\nMAIL FROM:<p@firma.ro> BODY=8BITMIME SIZE=100\r\n"
                  b"RCPT TO:<a@garant.example>\r\nRCPT TO:<unknown@garant.example>\r\n"
                  b"RCPT TO:<b@garant.example>\r\nDATA\r\n")
        got = replies(f, 6)
        self.assertEqual([g[0] for g in got], [250, 250, 250, 550, 250, 354])
        s.sendall(b"Subject: piped\r\n\r\nline\r\n.\r\nNOOP\r\nQUIT\r\n")
        got = replies(f, 4)
        self.assertEqual([g[0] for g in got], [250, 250, 250, 221])
        s.close()

    def test_dot_stuffing(self):
        c = lmtp()
        body = (b"Subject: dots\r\n\r\n.hidden line\r\n..two dots\r\n.\r\n"
                b"end\r\n")
        before = len(delivered())
        # smtplib stuffs: ".hidden" goes as "..hidden", "." as "..".
        c.sendmail("d@firma.ro", ["ok@garant.example"], body)
        after = delivered()
        self.assertEqual(after[max(after)][1], body)
        self.assertEqual(len(after), before + 1)
        c.quit()

    def test_null_sender(self):
        c = lmtp()
        self.assertEqual(c.mail("")[0], 250)  # MAIL FROM:<>
        self.assertEqual(c.rcpt("ok@garant.example")[0], 250)
        self.assertEqual(c.data(b"Subject: bounce\r\n\r\nx\r\n")[0], 250)
        after = delivered()
        self.assertIn(" from= at=", after[max(after)][0])
        c.quit()

    def test_oversized(self):
        c = lmtp()
        # Declared too big: refused at MAIL.
        code, msg = c.mail("big@firma.ro", ["SIZE=%d" % (1024 * 1024)])
        self.assertEqual(code, 552)
        self.assertTrue(msg.startswith(b"5.3.4"))
        # Undeclared and too big: one 552 per recipient after DATA, session fine.
        self.assertEqual(c.mail("big@firma.ro")[0], 250)
        self.assertEqual(c.rcpt("ok1@garant.example")[0], 250)
        self.assertEqual(c.rcpt("ok2@garant.example")[0], 250)
        before = len(delivered())
        big = b"Subject: big\r\n\r\n" + (b"x" * 998 + b"\r\n") * 100
        got = [c.data(big)] + [c.getreply()]
        self.assertEqual([g[0] for g in got], [552, 552])
        self.assertEqual(len(delivered()), before)
        self.assertEqual(c.noop()[0], 250)
        c.quit()

    def test_line_too_long(self):
        # 1 MB without a line end: refused after DATA, the session goes on.
        s, f = raw()
        s.sendall(b"LHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<ok@garant.example>\r\nDATA\r\n")
        self.assertEqual([g[0] for g in replies(f, 4)], [250, 250, 250, 354])
        s.sendall(b"Subject: long\r\n\r\n" + b"y" * (1024 * 1024 + 10) + b"\r\n.\r\nNOOP\r\n")
        got = replies(f, 2)
        self.assertEqual(got[0][0], 554)
        self.assertTrue(got[0][1].startswith("5.6.0"), got)
        self.assertEqual(got[1][0], 250)
        s.close()

    def test_too_many_recipients(self):
        c = lmtp()
        c.mail("m@firma.ro")
        codes = [c.rcpt("r%d@garant.example" % i)[0] for i in range(7)]
        self.assertEqual(codes, [250] * 5 + [452, 452])
        c.rset()
        c.quit()

    def test_garbage(self):
        s, f = raw()
        s.sendall(b"HELO old.test\r\nEHLO old.test\r\nMAIL FROM:<x@y>\r\nFOO bar\r\n"
                  b"\xff\xfe\x00junk\r\n" + b"A" * 5000 + b"\r\nLHLO ok\r\n"
                  b"RCPT TO:<a@b>\r\nDATA\r\nVRFY root\r\nEXPN staff\r\nMAIL FROM:<a b>\r\n"
                  b"MAIL FROM:<x@y> SMUGGLE=1\r\nMAIL FROM:<x@y>\r\nMAIL FROM:<x@y>\r\n"
                  b"RCPT TO:<>\r\nDATA\r\nRSET\r\nNOOP\r\nQUIT\r\n")
        got = replies(f, 19)
        self.assertEqual([g[0] for g in got],
                         [500, 500, 503, 500, 500, 500, 250, 503, 503, 502, 502, 501,
                          555, 250, 503, 501, 503, 250, 250][:19])
        s.close()

    def test_too_many_errors_closes(self):
        s, f = raw()
        s.sendall(b"BAD\r\n" * 25)
        got = replies(f, 21)
        self.assertEqual(got[-1][0], 421)
        self.assertEqual(f.readline(), b"")
        s.close()

    def test_idle_timeout(self):
        s, f = raw()
        start = time.monotonic()
        got = replies(f, 1)
        self.assertEqual(got[0][0], 421)
        self.assertIn("4.4.2", got[0][1])
        self.assertLess(time.monotonic() - start, 8)
        s.close()

    def test_cut_off_in_data_delivers_nothing(self):
        s, f = raw()
        s.sendall(b"LHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<ok@garant.example>\r\nDATA\r\n")
        self.assertEqual([g[0] for g in replies(f, 4)], [250, 250, 250, 354])
        before = len(delivered())
        s.sendall(b"Subject: cut\r\n\r\nhalf a mess")
        s.shutdown(socket.SHUT_WR)
        self.assertEqual(f.read(), b"")
        self.assertEqual(len(delivered()), before)
        s.close()

    def test_connection_limit(self):
        held = [raw() for _ in range(3)]
        s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
        line = s.makefile("rb").readline()
        self.assertTrue(line.startswith(b"421 4.3.2"), line)
        s.close()
        for sock, _ in held:
            sock.sendall(b"QUIT\r\n")
            sock.close()
        # Slots free again once those clients are gone.
        for _ in range(50):
            c = socket.create_connection(("127.0.0.1", PORT), timeout=10)
            line = c.makefile("rb").readline()
            c.close()
            if line.startswith(b"220"):
                break
            time.sleep(0.1)
        self.assertTrue(line.startswith(b"220"), line)


def main():
    global SERVER, PORT, DIR
    if len(sys.argv) != 2:
        sys.exit("usage: lmtp_client.py PATH/TO/lmtp_test_server")
    with tempfile.TemporaryDirectory() as d:
        DIR = d
        SERVER = subprocess.Popen([sys.argv[1], d], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = SERVER.stdout.readline().decode()
        if not line.startswith("PORT "):
            sys.exit("lmtp_test_server did not start: %r" % line)
        PORT = int(line.split()[1])
        result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
        # Stopping must answer, join every connection and free everything
        # (under ASan a leak fails the server's exit status).
        SERVER.stdin.close()
        out = SERVER.stdout.read().decode()
        rc = SERVER.wait(timeout=30)
        if rc != 0 or "STOPPED" not in out:
            print("lmtp_test_server: exit %d, output %r" % (rc, out))
            sys.exit(1)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
