"""test_harness.py - the harness's own checks can fail.

A stand-in for `garant serve` (a few lines of Python that print the
"listening on" line and wait for SIGTERM) ends badly at shutdown: it exits
with status 23 (as a sanitizer's report does under ASAN_OPTIONS=exitcode),
or dies by SIGABRT (abort_on_error=1) or SIGSEGV. Each must fail the test
that used it, with the stand-in's log printed; a stand-in that exits 0 must
pass. And a whole suite run with a failing stand-in must end non-zero, as
ctest sees it. These stay in `make check`: a harness that stops checking
would let a sanitizer's report at shutdown pass unseen again."""
import os
import subprocess
import sys
import tempfile
import textwrap

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, expect, run  # noqa: E402

STANDIN = textwrap.dedent('''\
    #!/usr/bin/env python3
    # A stand-in for `garant serve`: listens, announces itself like garant,
    # and on SIGTERM ends as MODE says.
    import os, signal, socket, sys
    MODE = %r
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    sys.stderr.write("standin: started in mode %%s\\n" %% MODE)
    sys.stderr.flush()
    print("garant: listening on http://127.0.0.1:%%d/" %% s.getsockname()[1], flush=True)
    signal.sigwait({signal.SIGTERM})
    sys.stderr.write("standin: stopping, mode %%s\\n" %% MODE)
    sys.stderr.flush()
    if MODE == "exit23":
        os._exit(23)
    if MODE in ("abort", "segv"):
        sig = signal.SIGABRT if MODE == "abort" else signal.SIGSEGV
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    os._exit(0)
    ''')


def standin(mode):
    """The path of a stand-in server that ends as mode says."""
    d = tempfile.mkdtemp(prefix="garant-standin-")
    path = os.path.join(d, "garant-" + mode)
    with open(path, "w") as f:
        f.write(STANDIN % mode)
    os.chmod(path, 0o755)
    return path


def use(mode):
    """Start and stop a Server on the stand-in; the AssertionError raised,
    or None."""
    import signal
    # The stand-in waits for SIGTERM with sigwait: block it in the child
    # before exec (the mask is inherited) so it is not delivered first.
    block = lambda: signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # noqa: E731
    try:
        with Server(binary=standin(mode), smtp=False, preexec=block):
            pass
    except AssertionError as e:
        return e
    return None


def test_clean_exit_passes():
    expect(use("clean") is None, "a stand-in that exits 0 after SIGTERM failed the test")


def test_exit_status_fails():
    e = use("exit23")
    expect(e is not None, "a server that exited 23 at shutdown passed")
    expect("exited with status 23" in str(e) and "standin: stopping, mode exit23" in str(e), str(e))


def test_death_by_signal_fails():
    for mode, sig in (("abort", 6), ("segv", 11)):
        e = use(mode)
        expect(e is not None, "a server that died by signal %d at shutdown passed" % sig)
        expect("died by signal %d" % sig in str(e), str(e))


def test_a_suite_with_a_bad_exit_fails():
    """What ctest sees: a suite whose server exits 23 ends with status 1 and
    says FAIL, and prints the server's log."""
    d = tempfile.mkdtemp(prefix="garant-suite-")
    suite = os.path.join(d, "test_standin_suite.py")
    with open(suite, "w") as f:
        f.write(textwrap.dedent('''\
            import os, signal, sys
            sys.path.insert(0, %r)
            from harness import Server, run
            def test_uses_a_server():
                block = lambda: signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
                with Server(binary=%r, smtp=False, preexec=block) as s:
                    assert s.url.startswith("http://127.0.0.1:")
            run(globals(), "standin")
            ''') % (os.path.dirname(os.path.abspath(__file__)), standin("exit23")))
    p = subprocess.run([sys.executable, suite], capture_output=True, timeout=120)
    out = p.stdout.decode() + p.stderr.decode()
    expect(p.returncode == 1, "the suite exited %d:\n%s" % (p.returncode, out))
    expect("FAIL test_uses_a_server" in out and "standin: 0 passed, 1 failed" in out, out)
    expect("standin: stopping, mode exit23" in out, "the server's log was not printed:\n" + out)


if __name__ == "__main__":
    run(globals(), "harness")
