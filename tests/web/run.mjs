#!/usr/bin/env node
// run.mjs - runs the browser tests of garant's web pages:
//
//   node tests/web/run.mjs build/garant
//
// Installs playwright-core and axe-core from the committed lock file when
// node_modules lacks them (npm ci; nothing is fetched when they are there),
// starts one
// `garant serve --web-root web --test-clock` on a fresh database with a
// local SMTP receiver, adds the fixtures every test file shares (staff,
// organizations, products, the clock), launches the system's Chromium
// (/usr/bin/chromium, Debian's package; never a downloaded browser) and
// runs every test of every tests/web/*.tests.mjs in order, each in fresh
// browser contexts. A test fails on a thrown error or on a problem the
// pages caused (page error, CSP violation, missing asset, a JavaScript
// dialog). Screenshots go to docs/screenshots/ (GARANT_SCREENSHOTS=DIR to
// put them elsewhere, GARANT_SCREENSHOTS= to skip them).
// GARANT_TEST=substring runs only the tests whose name contains it.
// Ends with "web: N passed, M failed"; the exit status is 1 on a failure.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SOURCE = process.env.GARANT_SOURCE_DIR || path.resolve(HERE, '..', '..');
const GARANT = path.resolve(process.argv[2] || process.env.GARANT_BINARY || path.join(SOURCE, 'build', 'garant'));
const CHROMIUM = process.env.GARANT_CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.GARANT_SCREENSHOTS === undefined ? path.join(SOURCE, 'docs', 'screenshots') : process.env.GARANT_SCREENSHOTS;
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

const started = Date.now();
const smtp = await new h.SmtpReceiver().start();
const server = new h.GarantServer({ garant: GARANT, webRoot: path.join(SOURCE, 'web'), smtpPort: smtp.port });
let browser = null;
let passed = 0;
let failed = 0;

try {
  await server.start();
  const fixtures = await setUp(server);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: h.CHROMIUM_ARGS, headless: true });
  const b = new h.Browser(browser, server, { clockAt: fixtures.now });
  const ctx = { server, smtp, browser: b, shots: SHOTS, fixtures, h, state: {} };

  const files = readdirSync(HERE).filter((f) => f.endsWith('.tests.mjs')).sort();
  for (const f of files) {
    const mod = await import(pathToFileURL(path.join(HERE, f)).href);
    for (const [name, fn] of mod.tests) {
      if (ONLY && !name.includes(ONLY)) continue;
      const t0 = Date.now();
      let err = null;
      try {
        await fn(ctx);
      } catch (e) {
        err = e;
      }
      const problems = b.takeProblems();
      await b.closeContexts();
      if (!err && problems.length) err = new Error('the pages reported problems:\n  ' + problems.join('\n  '));
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      if (err) {
        failed++;
        console.log(`FAIL ${name} (${secs}s)`);
        console.log('  ' + String(err && err.stack ? err.stack : err).split('\n').join('\n  '));
      } else {
        passed++;
        console.log(`ok   ${name} (${secs}s)`);
      }
    }
  }
} catch (e) {
  failed++;
  console.log('FAIL setup');
  console.log('  ' + String(e && e.stack ? e.stack : e).split('\n').join('\n  '));
} finally {
  if (browser) await browser.close().catch(() => {});
  const code = await server.stop();
  if (code) {
    failed++;
    console.log(`FAIL the server exited with status ${code}`);
  }
  await smtp.close();
}
if (failed && server.log.length) console.log('--- server log (tail) ---\n' + server.log.join('').split('\n').slice(-40).join('\n'));
console.log(`web: ${((Date.now() - started) / 1000).toFixed(1)}s in all`);
console.log(`web: ${passed} passed, ${failed} failed`);
process.exit(failed || !passed ? 1 : 0);

/** What every test file can count on (ctx.fixtures):
 *  now           the server's (frozen) clock: Friday 27 Nov 2026, 11:00 CET
 *  admin, agent  staff accounts {email, password, token}
 *  orgs          acme (professional, acme.example), globex (advanced,
 *                globex.example); other company domains sign up on basic
 *  products      "Garant Cloud" (ga), "Garant Labs" (beta) */
async function setUp(srv) {
  const now = '2026-11-27T10:00:00Z';
  await srv.setClock(now);
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
