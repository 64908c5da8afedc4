"""slow_attack.py - slowloris and slow read against a running server, with
a normal client timed meanwhile (issue 13, finding 1; part of `make
torture`, not of `make check`: an attack takes minutes).

slowhttptest (Debian) opens CONNECTIONS connections from 127.0.0.1 and
keeps them open: in slowloris mode (-H) each sends one more header line
every INTERVAL seconds and never ends its headers; in slow-read mode (-X)
each asks for a large answer and reads it a few bytes at a time. While it
runs, a signed-in client on another source address (127.0.0.2, so that a
per-address limit on the attacker does not also block the probe) sends
GET /api/v1/me every half second on a fresh connection, as a new visitor
would, and times the answer. The goal (issue 13): every probe answered,
in under 100 ms.

Two setups: the bare port (garant's own limits: connections per client
address, idle timeout), and HAProxy in front with docs/haproxy.cfg (a
deadline for a request's headers, which libmicrohttpd 0.9.75 lacks;
docs/deploy.md). Prints one verdict line per setup and attack:

  slow: <setup> <attack>: N probes, answered N, median X ms, max Y ms: PASS|FAIL

and exits 1 if any misses the goal. DURATION (seconds, default 60) and
CONNECTIONS (default 4200, the finding's number) can be set in the
environment.
"""
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import HAProxy, Server, expect  # noqa: E402
from test_bad_input import PASSWORD, customer  # noqa: E402

DURATION = int(os.environ.get("DURATION", "60"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "4200"))
GOAL_MS = 100.0
PROBE_FROM = "127.0.0.2"


def more_files():
    """Raise the soft limit on open files to the hard one (thousands of
    connections)."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def probe_once(host, port, token):
    """One GET /api/v1/me on a fresh connection from PROBE_FROM; the time
    to the whole answer in ms, or None if it failed or took over 10 s."""
    t0 = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=10, source_address=(PROBE_FROM, 0)) as s:
            s.sendall(("GET /api/v1/me HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
                       "Connection: close\r\n\r\n" % (host, port, token)).encode())
            data = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                data += b
    except OSError:
        return None
    if not data.startswith(b"HTTP/1.1 200"):
        return None
    return (time.monotonic() - t0) * 1000


def attack(kind, host, port, path):
    """Start slowhttptest; returns the process (it stops by itself after
    DURATION seconds)."""
    url = "http://%s:%d%s" % (host, port, path)
    common = ["slowhttptest", "-c", str(CONNECTIONS), "-r", "1000", "-l", str(DURATION), "-u", url, "-p", "5"]
    if kind == "slowloris":
        args = common + ["-H", "-i", "10", "-x", "24"]
    else:  # slow read: a big window announced, read 32 bytes every 5 s
        args = common + ["-X", "-w", "512", "-y", "1024", "-n", "5", "-z", "32", "-k", "3"]

    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=more_files)


def run_attack(setup, kind, host, port, token):
    proc = attack(kind, host, port, "/api/v1/policy/summary")
    start = time.monotonic()
    time.sleep(min(15, DURATION / 3))  # let the attack reach its connections
    # Probe until the attack's time is up, whether or not the attacker has
    # given up earlier (behind HAProxy it runs out of connections).
    times = []
    while time.monotonic() - start < DURATION - 2:
        times.append(probe_once(host, port, token))
        time.sleep(0.5)
    gave_up = proc.poll() is not None
    proc.kill()
    proc.wait()
    answered = [t for t in times if t is not None]
    ok = times and len(answered) == len(times) and max(answered) < GOAL_MS
    print("slow: %s %s: %d probes, answered %d, median %s ms, max %s ms%s: %s"
          % (setup, kind, len(times), len(answered),
             "%.1f" % statistics.median(answered) if answered else "-",
             "%.1f" % max(answered) if answered else "-", " (the attacker ran out of connections)" if gave_up else "",
             "PASS" if ok else "FAIL"), flush=True)
    return bool(ok)


def main():
    for tool in ("slowhttptest", "haproxy"):
        expect(shutil.which(tool), "%s is missing (scripts/deps.sh --torture installs it)" % tool)
    results = []
    with Server(extra_args=["--quiet"]) as s:
        token = customer(s, "it@acme.example")
        host, port = re.match(r"http://([^:]+):(\d+)", s.url).groups()
        for kind in ("slowloris", "slow-read"):
            results.append(run_attack("bare port", kind, host, int(port), token))
    # Behind the proxy every connection comes from 127.0.0.1: garant trusts
    # its X-Forwarded-For and leaves the per-address limits to it.
    with Server(extra_args=["--quiet", "--trusted-proxy", "127.0.0.1/32"]) as s:
        token = customer(s, "it@acme.example")
        port = int(re.match(r"http://[^:]+:(\d+)", s.url).group(1))
        with HAProxy(port, preexec=more_files) as proxy:
            for kind in ("slowloris", "slow-read"):
                results.append(run_attack("haproxy", kind, "127.0.0.1", proxy.port, token))
    if not all(results):
        print("slow: the goal (every probe answered in < %.0f ms) was missed" % GOAL_MS)
        sys.exit(1)
    print("slow: every probe answered in < %.0f ms in every setup" % GOAL_MS)


if __name__ == "__main__":
    main()
