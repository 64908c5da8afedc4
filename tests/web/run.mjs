#!/usr/bin/env node
// run.mjs - runs the browser tests of garant's web pages:
//
//   node tests/web/run.mjs build/garant
//
// Installs playwright-core and axe-core from the committed lock file when
// node_modules lacks them (npm ci; nothing is fetched when they are there),
// runs the harness's self-tests (selftest.mjs: a stand-in server that does
// not end cleanly must fail a test), launches the system's Chromium
// (/usr/bin/chromium, Debian's package; never a downloaded browser) and
// runs every test of every tests/web/*.tests.mjs, each on a desk of its
// own (harness.mjs, runIsolated): a `garant serve --web-root web
// --test-clock 2026-11-27T10:00:00Z` of its own on a fresh copy of a
// database holding the fixtures below (made once, by makeSeed), a local
// SMTP receiver and browser contexts of its own. No test sees what another
// did, so any one runs alone (GARANT_TEST=substring runs only the tests
// whose name contains it) and in any order.
//
// A test fails on a thrown error, on a problem the pages caused (page
// error, CSP violation, missing asset, a JavaScript dialog), or when its
// server does not exit with status 0 after SIGTERM (a sanitizer's report,
// a signal); the server's database and log are then kept and its log's
// tail printed.
//
// Screenshots: GARANT_SCREENSHOTS=DIR writes them into DIR (`make
// screenshots` sets docs/screenshots, the README's); unset, they are taken
// into a temporary directory and thrown away, so that a test run never
// writes into the work tree; GARANT_SCREENSHOTS= (empty) takes none.
// Ends with "web: N passed, M failed"; the exit status is 1 on a failure.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SOURCE = process.env.GARANT_SOURCE_DIR || path.resolve(HERE, '..', '..');
const GARANT = path.resolve(process.argv[2] || process.env.GARANT_BINARY || path.join(SOURCE, 'build', 'garant'));
const CHROMIUM = process.env.GARANT_CHROMIUM || '/usr/bin/chromium';
const SHOTS_ENV = process.env.GARANT_SCREENSHOTS;
const ONLY = process.env.GARANT_TEST || '';

function fail(msg) {
  console.error('web: ' + msg);
  console.log('web: 0 passed, 1 failed');
  process.exit(1);
}

if (!existsSync(GARANT)) fail(`no garant binary at ${GARANT}`);
if (!existsSync(CHROMIUM)) fail(`no Chromium at ${CHROMIUM}: install Debian's chromium package (scripts/deps.sh does)`);
if (!['playwright-core', 'axe-core'].every((m) => existsSync(path.join(HERE, 'node_modules', m, 'package.json')))) {
  console.log('web: installing playwright-core and axe-core (npm ci)');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: HERE, stdio: 'inherit' });
  if (r.status !== 0) fail('npm ci failed');
}

const { chromium } = await import('playwright-core');
const h = await import('./harness.mjs');
const { selftests } = await import('./selftest.mjs');

/** The test clock's starting instant, and the instant the fixtures
 *  describe: Friday 27 Nov 2026, 11:00 CET. */
const NOW = '2026-11-27T10:00:00Z';

// A temporary directory unless told where: a plain run writes nothing into
// the work tree.
const shotsTmp = SHOTS_ENV === undefined ? mkdtempSync(path.join(os.tmpdir(), 'garant-web-shots-')) : null;
const SHOTS = shotsTmp || (SHOTS_ENV ? path.resolve(SHOTS_ENV) : '');

const started = Date.now();
let browser = null;
let seed = null;
let passed = 0;
let failed = 0;

function report(name, t0, errors) {
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (!errors.length) {
    passed++;
    console.log(`ok   ${name} (${secs}s)`);
    return;
  }
  failed++;
  console.log(`FAIL ${name} (${secs}s)`);
  for (const e of errors) console.log('  ' + String(e && e.stack ? e.stack : e).split('\n').join('\n  '));
}

try {
  // The harness first: if it cannot see a server's bad end, no result
  // below means anything.
  for (const [name, fn] of selftests) {
    if (ONLY && !name.includes(ONLY)) continue;
    const t0 = Date.now();
    let errors = [];
    try {
      await fn();
    } catch (e) {
      errors = [e];
    }
    report(name, t0, errors);
  }

  const files = readdirSync(HERE).filter((f) => f.endsWith('.tests.mjs')).sort();
  for (const f of files) {
    const mod = await import(pathToFileURL(path.join(HERE, f)).href);
    for (const [name, fn] of mod.tests) {
      if (ONLY && !name.includes(ONLY)) continue;
      if (!seed) {
        // The fixtures, made once on a server of their own; every test's
        // server starts on a copy of that database.
        seed = await h.makeSeed({ garant: GARANT, clock: NOW, webRoot: path.join(SOURCE, 'web'), setUp });
        browser = await chromium.launch({ executablePath: CHROMIUM, args: h.CHROMIUM_ARGS, headless: true });
      }
      const t0 = Date.now();
      const { errors } = await h.runIsolated({
        garant: GARANT, clock: NOW, webRoot: path.join(SOURCE, 'web'), seed, test: fn, browser, shots: SHOTS,
      });
      report(name, t0, errors);
    }
  }
} catch (e) {
  failed++;
  console.log('FAIL setup');
  console.log('  ' + String(e && e.stack ? e.stack : e).split('\n').join('\n  '));
} finally {
  if (browser) await browser.close().catch(() => {});
  if (seed) rmSync(seed.dir, { recursive: true, force: true });
}
if (shotsTmp) {
  if (failed) console.log(`web: the screenshots of this run are in ${shotsTmp}`);
  else rmSync(shotsTmp, { recursive: true, force: true });
} else if (SHOTS) console.log(`web: screenshots written to ${SHOTS}`);
console.log(`web: ${((Date.now() - started) / 1000).toFixed(1)}s in all`);
console.log(`web: ${passed} passed, ${failed} failed`);
process.exit(failed || !passed ? 1 : 0);

/** What every test can count on (ctx.fixtures; each test gets a copy of
 *  them, and of the database they were made in):
 *  now           the server's test clock, where it started: NOW, Friday
 *                27 Nov 2026, 11:00 CET; it moves only when a test sets it
 *  admin, agent  staff accounts {email, password, token}
 *  orgs          acme (professional, acme.example), globex (advanced,
 *                globex.example); other company domains sign up on basic
 *  products      "Garant Cloud" (ga), "Garant Labs" (beta) */
async function setUp(srv) {
  const now = NOW;
  const admin = { email: 'admin@garant.test', password: srv.addStaff('admin@garant.test', 'admin') };
  const agent = { email: 'agent@garant.test', password: srv.addStaff('agent@garant.test', 'agent') };
  admin.token = await srv.login(admin.email);
  agent.token = await srv.login(agent.email);
  const acme = await srv.expect(201, 'POST', '/api/v1/orgs', { name: 'Acme', domains: ['acme.example'], plan: 'professional' }, admin.token);
  const globex = await srv.expect(201, 'POST', '/api/v1/orgs', { name: 'Globex', domains: ['globex.example'], plan: 'advanced' }, admin.token);
  await srv.expect(201, 'POST', '/api/v1/products', { name: 'Garant Cloud', stage: 'ga' }, admin.token);
  await srv.expect(201, 'POST', '/api/v1/products', { name: 'Garant Labs', stage: 'beta' }, admin.token);
  return { now, admin, agent, orgs: { acme, globex }, products: { ga: 'Garant Cloud', beta: 'Garant Labs' } };
}
