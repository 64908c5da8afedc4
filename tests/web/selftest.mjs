#!/usr/bin/env node
// selftest.mjs - the web harness tested against a stand-in server
// (stand-in-server.mjs), so that a server which does not end cleanly can
// never pass for a passing test: exiting non-zero after SIGTERM, dying by
// a signal after SIGTERM or on its own during a test, or not exiting at
// all must each fail the test, and keep the server's log and say where.
// A clean exit must pass, and the server must be started with the test
// clock's starting instant.
//
// run.mjs runs these before the browser tests (they need no browser);
// `node tests/web/selftest.mjs` runs them alone. Each exports as
// [name, async () => ...], throwing when the harness got it wrong.

import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as h from './harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const STAND_IN = path.join(HERE, 'stand-in-server.mjs');
const CLOCK = '2031-02-03T04:05:06Z';

/** One test of the harness's (runIsolated, as run.mjs runs every browser
 *  test) on the stand-in in `mode`; `test` is the test's body. */
async function onStandIn(mode, test = async (ctx) => {
  await ctx.server.expect(200, 'GET', '/');
}) {
  return h.runIsolated({
    garant: process.execPath, garantArgs: [STAND_IN], env: { STANDIN_MODE: mode }, clock: CLOCK,
    stopTimeoutMs: 2000, setUp: async () => ({}), test, browser: null,
  });
}

/** The run must have failed with an error matching re, kept the server's
 *  directory with a server.log holding what the stand-in wrote (then
 *  removed here); resolves to the errors' text. */
function expectFailed(r, re, what) {
  const text = r.errors.map((e) => String(e && e.message)).join('\n');
  h.expect(r.errors.length > 0, `${what}: the harness passed the test`);
  h.expect(re.test(text), `${what}: the harness's message does not say so: ${text}`);
  const log = path.join(r.server.dir, 'server.log');
  h.expect(existsSync(log), `${what}: the server's log is not kept (${log})`);
  h.expect(readFileSync(log, 'utf8').includes('stand-in: mode'), `${what}: the kept log lacks what the server wrote`);
  h.expect(text.includes(r.server.dir), `${what}: the message does not say where the log is: ${text}`);
  h.expect(text.includes('stand-in: mode'), `${what}: the message does not carry the log's tail: ${text}`);
  rmSync(r.server.dir, { recursive: true, force: true });
  return text;
}

export const selftests = [
  ['harness_selftest_clean_exit_passes_on_the_test_clock', async () => {
    const r = await onStandIn('clean');
    h.expect(!r.errors.length, 'a clean exit failed: ' + r.errors.map((e) => e.message).join('\n'));
    h.expect(r.server.logText().includes(`"--test-clock","${CLOCK}"`), 'the server was not started on the test clock: ' + r.server.logText());
    h.expect(!existsSync(r.server.dir), 'a passing test’s server directory is left behind: ' + r.server.dir);
  }],

  ['harness_selftest_nonzero_exit_fails', async () => {
    const text = expectFailed(await onStandIn('exit23'), /exited with status 23 after SIGTERM/, 'exit status 23');
    h.expect(text.includes('AddressSanitizer'), 'the report written at exit is not in the message: ' + text);
  }],

  ['harness_selftest_death_by_signal_fails', async () => {
    expectFailed(await onStandIn('reraise'), /killed by SIGTERM after SIGTERM/, 'death by SIGTERM');
  }],

  ['harness_selftest_death_during_the_test_fails', async () => {
    const r = await onStandIn('die', async (ctx) => {
      await ctx.server.request('GET', '/').catch(() => {}); // the stand-in dies answering it
      await h.until(() => ctx.server.proc.signalCode, 'the stand-in died');
    });
    expectFailed(r, /ended before it was stopped \(killed by SIGKILL\)/, 'death during the test');
  }],

  ['harness_selftest_no_exit_after_sigterm_fails', async () => {
    expectFailed(await onStandIn('ignore'), /did not exit within 2 s of SIGTERM/, 'no exit');
  }],

  ['harness_selftest_failed_test_keeps_the_log', async () => {
    const r = await onStandIn('clean', async () => {
      throw new Error('the test itself failed');
    });
    const text = expectFailed(r, /the test itself failed/, 'a failed test on a clean server');
    h.expect(/database and log are kept in/.test(text), 'the log’s place is not named: ' + text);
  }],
];

// Alone: node tests/web/selftest.mjs
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  let failed = 0;
  for (const [name, fn] of selftests) {
    try {
      await fn();
      console.log(`ok   ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}\n  ${String(e.stack || e).split('\n').join('\n  ')}`);
    }
  }
  console.log(`web selftest: ${selftests.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
