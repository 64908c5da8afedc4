#!/usr/bin/env python3
"""smtp_sink.py - a local SMTP server for the mail tests (aiosmtpd).

    smtp_sink.py DIR [--auth USER:PASSWORD] [--port PORT] [--tls CERT KEY [--smtps]]

Listens on 127.0.0.1 (PORT, or one the system picks) and writes the port
to DIR/port once it accepts connections. Each message it takes is written
as DIR/msg-NNNN.eml (the bytes as received) and DIR/msg-NNNN.json (the
envelope: mail_from, rcpt_tos, the client's port, which tells connections
apart, the connection's sequence number and the authenticated user).

How it answers is read from DIR/mode at every command, so a test can
change it while the sink runs:
    ok        (or no file) take everything
    tempfail  451 to every RCPT TO
    permfail  550 to every RCPT TO
Recipients whose local part starts with "temp" get 451 and those starting
with "perm" get 550 whatever the mode. "Down" is the sink not running: the
test stops it (SIGTERM) or never starts it.

With --tls the sink offers STARTTLS with that certificate; with --smtps as
well it speaks TLS from the first byte (SMTPS) instead. The envelope's
"tls" says how the message came: "none", "starttls" or "implicit".

With --auth the sink offers AUTH PLAIN and LOGIN (without TLS: it is a test
on the loopback) and refuses mail from clients that did not authenticate.

The sink exits when its parent does, so a crashed test leaves none behind.
Without aiosmtpd (Debian: python3-aiosmtpd, from scripts/deps.sh) it prints
why and exits with status 3.
"""
import asyncio
import json
import os
import sys
import logging
import ssl

# aiosmtpd 1.4 logs a warning about its own use of a deprecated attribute
# whenever AUTH succeeds; it says nothing about the test.
logging.getLogger("mail.log").setLevel(logging.ERROR)

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError:
    print("smtp_sink: aiosmtpd is missing (Debian package python3-aiosmtpd)", file=sys.stderr)
    sys.exit(3)


class Sink:
    def __init__(self, folder, auth, smtps):
        self.folder = folder
        self.auth = auth
        self.smtps = smtps
        # Numbering goes on from messages already there: a sink restarted
        # on the same folder (the "down for an hour" tests) overwrites none.
        self.seq = len([n for n in os.listdir(folder) if n.endswith(".json")])

    def mode(self):
        try:
            with open(os.path.join(self.folder, "mode")) as f:
                return f.read().strip() or "ok"
        except FileNotFoundError:
            return "ok"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        mode = self.mode()
        if local.startswith("temp") or mode == "tempfail":
            return "451 4.3.0 Try again later"
        if local.startswith("perm") or mode == "permfail":
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.seq += 1
        base = os.path.join(self.folder, "msg-%04d" % self.seq)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "peer_port": session.peer[1],
            "auth_user": self.auth and session.authenticated and self.auth[0],
            "tls": "implicit" if self.smtps else ("starttls" if session.ssl is not None else "none"),
        }
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 Accepted"


def authenticator(expected):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == expected[0]
            and auth_data.password.decode() == expected[1]
        )
        return AuthResult(success=ok)

    return check


async def watch_parent(parent):
    while os.getppid() == parent:
        await asyncio.sleep(0.5)
    os._exit(0)


async def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    folder, auth, port, tls, smtps = args[0], None, 0, None, False
    i = 1
    while i < len(args):
        if args[i] == "--tls":
            tls = (args[i + 1], args[i + 2])
            i += 3
        elif args[i] == "--smtps":
            smtps = True
            i += 1
        elif args[i] == "--auth":
            auth = tuple(args[i + 1].split(":", 1))
            i += 2
        elif args[i] == "--port":
            port = int(args[i + 1])
            i += 2
        else:
            print("smtp_sink: unknown argument " + args[i], file=sys.stderr)
            sys.exit(2)
    sink = Sink(folder, auth, smtps)
    kwargs = {"hostname": "sink.test", "data_size_limit": 64 * 1024 * 1024}
    if auth:
        kwargs.update(auth_require_tls=False, authenticator=authenticator(auth), auth_required=False)
    context = None
    if tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls[0], tls[1])
        if not smtps:
            kwargs.update(tls_context=context)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, **kwargs), host="127.0.0.1", port=port, ssl=context if smtps else None
    )
    real_port = server.sockets[0].getsockname()[1]
    tmp = os.path.join(folder, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % real_port)
    os.rename(tmp, os.path.join(folder, "port"))
    asyncio.ensure_future(watch_parent(os.getppid()))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
