// harness.mjs - what the browser tests stand on: for each test a real
// `garant serve` of its own on a free port, a fresh database, the test
// clock started at the test's instant (--test-clock INSTANT) and the pages
// of web/, which must exit with status 0 when stopped (anything else fails
// the test and keeps its log); a local SMTP receiver for the verification
// mails; API helpers for the fixtures (staff via `garant user add`,
// organizations, products, customers); and browser contexts that fail the
// test on a page error, a Content-Security-Policy violation, a missing
// asset or a JavaScript dialog. Tests wait on conditions (until, Playwright's
// waits), never for a fixed time.
//
// Only node's standard library, playwright-core (driving the system's
// Chromium; no browser is ever downloaded) and axe-core (the accessibility
// rules, run inside the page).

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import * as self from './harness.mjs';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// ---- SMTP receiver --------------------------------------------------------

/** Collects mails: .mails is a list of {to: [...], data: text}. */
export class SmtpReceiver {
  constructor() {
    this.mails = [];
    this.server = net.createServer((sock) => this.session(sock));
  }

  start() {
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        this.port = this.server.address().port;
        resolve(this);
      });
    });
  }

  session(sock) {
    sock.setEncoding('utf8');
    sock.on('error', () => {});
    let buf = '';
    let rcpt = [];
    let data = null; // lines of DATA while reading it
    sock.write('220 test SMTP\r\n');
    sock.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl + 1);
        buf = buf.slice(nl + 1);
        if (data) {
          if (line === '.\r\n' || line === '.\n') {
            this.mails.push({ to: rcpt.slice(), data: data.join('') });
            data = null;
            sock.write('250 queued\r\n');
          } else data.push(line.startsWith('..') ? line.slice(1) : line);
          continue;
        }
        const cmd = line.trim();
        const up = cmd.toUpperCase();
        if (up.startsWith('EHLO')) sock.write('250-test\r\n250 OK\r\n');
        else if (up.startsWith('HELO')) sock.write('250 test\r\n');
        else if (up.startsWith('MAIL FROM')) {
          rcpt = [];
          sock.write('250 OK\r\n');
        } else if (up.startsWith('RCPT TO')) {
          rcpt.push(cmd.replace(/^RCPT TO:\s*<?([^>]*)>?.*$/i, '$1'));
          sock.write('250 OK\r\n');
        } else if (up === 'DATA') {
          data = [];
          sock.write('354 go\r\n');
        } else if (up === 'QUIT') {
          sock.end('221 bye\r\n');
        } else if (up === 'RSET' || up === 'NOOP') sock.write('250 OK\r\n');
        else sock.write('502 unknown\r\n');
      }
    });
  }

  /** The newest mail to `to`, waiting for it to arrive. */
  async waitFor(to, timeoutMs = 30000) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      for (let i = this.mails.length - 1; i >= 0; i--) if (this.mails[i].to.includes(to)) return this.mails[i];
      await sleep(25);
    }
    throw new Error(`no mail to ${to} arrived`);
  }

  close() {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Only for the poll loops here: a test waits on a condition (until,
 *  waitForSelector), never for a fixed time. */
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- the server -------------------------------------------------------------

// Every server still running, killed if node exits before stopping it.
const running = new Set();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

/** How long a server may take to start, and to stop after SIGTERM (an
 *  ASan build on a loaded machine is slow at both). */
const START_MS = 30000;
const STOP_MS = 30000;

/** A server that did not end cleanly: a non-zero status, a signal, or no
 *  exit within STOP_MS of SIGTERM. .log is what it wrote, .dir where its
 *  database and server.log are kept. */
export class ServerExitError extends Error {}

export class GarantServer {
  /** opts: garant (the executable), garantArgs (put before `serve`; for a
   *  stand-in that is a script), env (added to the environment), clock
   *  (RFC 3339: the test clock's starting instant, required), seedDb (a
   *  database to start from, copied; else an empty one), webRoot,
   *  smtpPort, extraArgs, stopTimeoutMs. */
  constructor(opts) {
    if (!opts.clock) throw new Error('GarantServer: opts.clock (the test clock\'s starting instant) is required');
    this.opts = opts;
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'garant-web-'));
    this.db = path.join(this.dir, 'garant.db');
    // /metrics needs an admin or this token (--metrics-token-file).
    this.metricsToken = 'web-metrics-token-' + Math.random().toString(36).slice(2).padEnd(12, '0');
    this.metricsTokenFile = path.join(this.dir, 'metrics.token');
    writeFileSync(this.metricsTokenFile, this.metricsToken + '\n');
    this.log = [];
    this.logChars = 0;
    this.kept = false;
  }

  /** Keep what the server writes (stdout after the first line, stderr),
   *  the last 1 MiB of it. */
  record(s) {
    this.log.push(s);
    this.logChars += s.length;
    while (this.logChars > 1 << 20 && this.log.length > 1) this.logChars -= this.log.shift().length;
  }

  logText() {
    return this.log.join('');
  }

  /** The last n lines the server wrote. */
  logTail(n = 40) {
    return this.logText().split('\n').slice(-n).join('\n');
  }

  /** Start it on a fresh database (a copy of opts.seedDb, if given) with
   *  the test clock at opts.clock;
   *  resolves once it says where it listens. */
  start() {
    if (this.opts.seedDb)
      for (const suffix of ['', '-wal'])
        if (existsSync(this.opts.seedDb + suffix)) copyFileSync(this.opts.seedDb + suffix, this.db + suffix);
    const args = [...(this.opts.garantArgs || []), 'serve', '--db', this.db, '--listen', '127.0.0.1:0',
      '--test-clock', this.opts.clock, '--monitor-interval-ms', '200', '--metrics-token-file', this.metricsTokenFile];
    if (this.opts.webRoot) args.push('--web-root', this.opts.webRoot);
    if (this.opts.smtpPort) args.push('--smtp-url', `smtp://127.0.0.1:${this.opts.smtpPort}`);
    args.push(...(this.opts.extraArgs || []));
    // Its working directory is its own, so that anything it leaves (a core
    // file) lands beside its database, not in the work tree.
    const proc = spawn(this.opts.garant, args, {
      cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(this.opts.env || {}) },
    });
    this.proc = proc;
    running.add(proc);
    // 'close' comes after the exit and after both pipes are drained, so
    // a report written at exit (a sanitizer's) is in the log by then.
    this.closed = new Promise((resolve) => proc.once('close', (code, signal) => {
      running.delete(proc);
      resolve({ code, signal });
    }));
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (s) => this.record(s));
    proc.stdout.setEncoding('utf8');
    return new Promise((resolve, reject) => {
      const rl = readline.createInterface({ input: proc.stdout });
      const timer = setTimeout(() => reject(new Error(`the server did not start within ${START_MS / 1000} s:\n${this.logText()}`)), START_MS);
      let first = true;
      rl.on('line', (line) => {
        if (!first) return this.record(line + '\n');
        first = false;
        clearTimeout(timer);
        const m = /listening on (http:\/\/\S+?)\/?(\s|$)/.exec(line);
        if (!m) return reject(new Error(`the server did not start: ${line}\n${this.logText()}`));
        this.url = m[1];
        resolve(this);
      });
      proc.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${this.opts.garant}: ${e.message}`));
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the server exited with ${signal || code} before it listened:\n${this.logText()}`));
      });
    });
  }

  /** Stop the server with SIGTERM and wait for it to end. Resolves when
   *  it exits with status 0; throws a ServerExitError for anything else:
   *  a non-zero status (a sanitizer's report), death by a signal (also
   *  when it died on its own before stop), or no exit within the stop
   *  timeout (it is then killed). The error names the directory where its
   *  database and server.log are kept, and carries the log's tail. The
   *  directory is removed after a clean exit unless keep is set (a test
   *  failed: the log may say why). */
  async stop({ keep = false } = {}) {
    if (keep) this.kept = true;
    if (!this.proc) return this.settle();
    const timeoutMs = this.opts.stopTimeoutMs || STOP_MS;
    const before = this.proc.exitCode !== null || this.proc.signalCode !== null;
    let hung = false;
    if (!before) {
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => {
        hung = true;
        this.proc.kill('SIGKILL');
      }, timeoutMs);
      await this.closed;
      clearTimeout(t);
    }
    const { code, signal } = await this.closed;
    let why = null;
    if (hung) why = `the server did not exit within ${timeoutMs / 1000} s of SIGTERM and was killed`;
    else if (before) why = `the server ended before it was stopped (${signal ? 'killed by ' + signal : 'exit status ' + code})`;
    else if (signal) why = `the server was killed by ${signal} after SIGTERM (it must exit with status 0)`;
    else if (code !== 0) why = `the server exited with status ${code} after SIGTERM`;
    if (!why) return this.settle();
    this.kept = true;
    this.settle();
    const err = new ServerExitError(`${why}; its database and log are kept in ${this.dir}\n--- server log (tail) ---\n${this.logTail()}`);
    err.code = code;
    err.signal = signal;
    err.dir = this.dir;
    err.log = this.logText();
    throw err;
  }

  /** After the end: write server.log into the directory if it is kept,
   *  remove the directory if not. */
  settle() {
    if (this.kept) writeFileSync(path.join(this.dir, 'server.log'), this.logText());
    else rmSync(this.dir, { recursive: true, force: true });
  }

  /** An API call: resolves to {status, json, headers}. */
  async request(method, urlPath, body, token) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = 'Bearer ' + token;
    const r = await fetch(this.url + urlPath, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: r.status, json, text, headers: r.headers };
  }

  /** An API call that must answer `status`; resolves to the JSON. */
  async expect(status, method, urlPath, body, token) {
    const r = await this.request(method, urlPath, body, token);
    if (r.status !== status) throw new Error(`${method} ${urlPath}: expected ${status}, got ${r.status} ${r.text.slice(0, 300)}`);
    return r.json;
  }

  async setClock(iso) {
    return this.expect(200, 'POST', '/api/v1/test/clock', { now: iso });
  }

  /** A number from GET /metrics. */
  async metric(name) {
    const r = await this.request('GET', '/metrics', undefined, this.metricsToken);
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(r.text);
    if (r.status !== 200 || !m) throw new Error(`GET /metrics: no ${name} (${r.status})`);
    return Number(m[1]);
  }

  /** Wait until the SLA monitor has completed n more rounds. With n >= 2
   *  a whole round ran on the clock as it is now, so every warning and
   *  breach it makes due is in the tickets' histories: what a page shows
   *  no longer depends on when the monitor's thread got to run. */
  async waitMonitorRounds(n = 2) {
    const start = await this.metric('garant_monitor_rounds_total');
    await until(async () => (await this.metric('garant_monitor_rounds_total')) >= start + n, `${n} rounds of the SLA monitor`);
  }

  /** A staff account through the CLI, as an operator would add it. */
  addStaff(email, role = 'agent', password = 'correct horse battery') {
    const p = spawnSync(this.opts.garant, ['user', 'add', '--db', this.db, '--email', email, '--role', role, '--password-stdin'], {
      input: password + '\n',
    });
    if (p.status !== 0) throw new Error(`garant user add: ${p.stderr}`);
    return password;
  }

  /** A session token for the API (Bearer). */
  async login(email, password = 'correct horse battery') {
    const r = await this.expect(200, 'POST', '/api/v1/login', { email, password });
    return r.token;
  }
}

/** A customer who signed up and confirmed the address (through the API
 *  and the mailed link's token). Resolves to {email, password, name}. */
export async function makeCustomer(server, smtp, email, name, password = 'customer password 1') {
  await server.expect(201, 'POST', '/api/v1/signup', { email, password, name });
  const mail = await smtp.waitFor(email);
  const token = verifyToken(mail);
  await server.expect(200, 'POST', '/api/v1/verify', { token });
  return { email, password, name };
}

/** The link of a verification mail. */
export function verifyLink(mail) {
  const m = /(https?:\/\/\S+\/verify\?token=\S+)/.exec(mail.data);
  if (!m) throw new Error('no verification link in the mail:\n' + mail.data);
  return m[1];
}

export function verifyToken(mail) {
  return new URL(verifyLink(mail)).searchParams.get('token');
}

// ---- the browser ------------------------------------------------------------

/** Wraps a Playwright browser: new contexts with the server's test clock
 *  and problem tracking. */
export class Browser {
  constructor(browser, server, opts = {}) {
    this.browser = browser;
    this.server = server;
    this.clockAt = opts.clockAt; // ISO instant the pages' clocks start at
    this.contexts = [];
    this.problems = [];
  }

  /** A fresh context (cookies, storage) and a page in it.
   *  opts: viewport, locale, timezoneId, fixedTime (a frozen page clock
   *  for screenshots), session (a session token: the context starts
   *  logged in with it as its cookie, as after a login in another tab). */
  async page(opts = {}) {
    const context = await this.browser.newContext({
      baseURL: this.server.url,
      viewport: opts.viewport || { width: 1100, height: 760 },
      locale: opts.locale || 'en-GB',
      timezoneId: opts.timezoneId || 'America/New_York',
      deviceScaleFactor: 1,
      reducedMotion: 'reduce',
    });
    this.contexts.push(context);
    if (opts.session) {
      const u = new URL(this.server.url);
      await context.addCookies([{ name: 'garant_session', value: opts.session, domain: u.hostname, path: '/', httpOnly: true, sameSite: 'Strict' }]);
    }
    if (opts.fixedTime) await context.clock.setFixedTime(new Date(opts.fixedTime));
    else if (this.clockAt) await context.clock.install({ time: new Date(this.clockAt) });
    const page = await context.newPage();
    page.setDefaultTimeout(30000); // generous: CI runs other suites beside this one
    page.dialogs = [];
    page.on('dialog', async (d) => {
      page.dialogs.push(d.message());
      this.problems.push(`a JavaScript dialog opened: ${d.type()} "${d.message()}"`);
      await d.dismiss().catch(() => {});
    });
    page.on('pageerror', (e) => this.problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      const text = m.text();
      if (/Content Security Policy|Refused to (load|execute|apply|run)/i.test(text)) this.problems.push(`CSP violation: ${text}`);
    });
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (r.status() >= 400 && !u.pathname.startsWith('/api/')) this.problems.push(`${r.status()} for ${u.pathname}`);
    });
    return page;
  }

  /** Problems seen since the last call (and forget them). */
  takeProblems() {
    const p = this.problems;
    this.problems = [];
    return p;
  }

  async closeContexts() {
    const cs = this.contexts;
    this.contexts = [];
    await Promise.all(cs.map((c) => c.close().catch(() => {})));
  }
}

// ---- one test ---------------------------------------------------------------

/** Run one test on a desk of its own, so that no test sees what another
 *  did: a fresh SMTP receiver, a fresh server (fresh database, the test
 *  clock starting at opts.clock), the fixtures opts.setUp(server, smtp)
 *  resolves to, and browser contexts of its own in the shared Chromium.
 *  With opts.seed (makeSeed's), the database starts as a copy of the
 *  seed's and the fixtures are a copy of its fixtures: the same as a
 *  setUp of its own, without paying for it on every test.
 *  Afterwards the contexts are closed and the server is stopped, which must
 *  end cleanly (GarantServer.stop). Never throws: resolves to
 *  {errors, server}, errors empty when the test passed. When it failed,
 *  the server's directory (database, server.log) is kept and the last
 *  error says where and carries the log's tail.
 *  opts: garant, garantArgs, env, clock, webRoot, stopTimeoutMs (as for
 *  GarantServer), setUp, test (async (ctx) => ...), browser (a Playwright
 *  browser, or null for a test without pages), shots (a screenshot
 *  directory or ''). */
export async function runIsolated(opts) {
  const errors = [];
  const smtp = await new SmtpReceiver().start();
  let server = null;
  let b = null;
  try {
    server = new GarantServer({
      garant: opts.garant, garantArgs: opts.garantArgs, env: opts.env, clock: opts.clock, webRoot: opts.webRoot,
      smtpPort: smtp.port, stopTimeoutMs: opts.stopTimeoutMs, seedDb: opts.seed ? opts.seed.db : null,
    });
    await server.start();
    const fixtures = opts.seed ? structuredClone(opts.seed.fixtures) : await opts.setUp(server, smtp);
    if (opts.browser) b = new Browser(opts.browser, server, { clockAt: opts.clock });
    await opts.test({ server, smtp, browser: b, shots: opts.shots || '', fixtures, h: self, state: {} });
  } catch (e) {
    errors.push(e);
  }
  if (b) {
    const problems = b.takeProblems();
    await b.closeContexts();
    if (problems.length) errors.push(new Error('the pages reported problems:\n  ' + problems.join('\n  ')));
  }
  if (server) {
    try {
      await server.stop({ keep: errors.length > 0 });
    } catch (e) {
      errors.push(e);
    }
    if (errors.length && !(errors[errors.length - 1] instanceof ServerExitError))
      errors.push(new Error(`the server's database and log are kept in ${server.dir}\n--- server log (tail) ---\n${server.logTail()}`));
  }
  await smtp.close();
  return { errors, server };
}

/** The fixtures every test starts from, made once: a server on an empty
 *  database runs opts.setUp(server) (garant, clock, webRoot as for
 *  runIsolated) and is stopped, which must end cleanly. Resolves to
 *  {db, fixtures, dir} for runIsolated's opts.seed; remove dir when done.
 *  The tests' servers start on copies of db at the same test-clock
 *  instant, so the sessions in it are as valid as when they were made. */
export async function makeSeed(opts) {
  const server = new GarantServer({ garant: opts.garant, clock: opts.clock, webRoot: opts.webRoot, stopTimeoutMs: opts.stopTimeoutMs });
  let fixtures;
  try {
    await server.start();
    fixtures = await opts.setUp(server);
  } catch (e) {
    await server.stop({ keep: true }).catch(() => {});
    throw new Error(`${e.message}\n(the seed server's database and log are kept in ${server.dir})`);
  }
  await server.stop({ keep: true }); // throws on a bad exit; keep: the database is the seed
  return { db: server.db, fixtures, dir: server.dir };
}

/** who's API session token (logging in once). */
export async function sessionOf(server, who) {
  if (!who.token) who.token = await server.login(who.email, who.password);
  return who.token;
}

/** Log in through the login page. */
export async function loginUI(page, who, next = '') {
  await page.goto('/login' + (next ? '?next=' + encodeURIComponent(next) : ''));
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#login-submit')]);
}

// ---- checks -----------------------------------------------------------------

export function expect(cond, msg) {
  if (!cond) throw new Error(msg || 'expectation failed');
}

export function expectEqual(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** Wait until fn() is truthy (polling), or fail with msg. */
export async function until(fn, msg, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(50);
  }
  throw new Error(`${msg} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

/** Seconds the page's clock has run past the instant iso: time.js's
 *  now(), the clock its countdowns read. A countdown shown at a deadline's
 *  remaining time R (as of iso) reads between R minus this (and 1 s of
 *  rounding) and R, however slowly the machine ran the test. */
export async function pageSecondsSince(page, iso) {
  return page.evaluate(async (t) => {
    const { now } = await import('/js/time.js');
    return (now() - Date.parse(t)) / 1000;
  }, iso);
}

/** Expect a countdown's seconds (read before calling this) to be what is
 *  left of fullSeconds at iso, less what the page's clock has run since. */
export async function expectCountdown(page, seconds, fullSeconds, iso, what) {
  const ran = await pageSecondsSince(page, iso);
  expect(seconds <= fullSeconds && seconds >= fullSeconds - ran - 2,
    `${what}: ${seconds} s left, expected ${fullSeconds} s less the ${ran.toFixed(1)} s the page's clock ran`);
}

/** The text of the first element matching sel (trimmed), '' if none. */
export async function text(page, sel) {
  const loc = page.locator(sel).first();
  if (!(await loc.count())) return '';
  return (await loc.textContent()).trim();
}

/** Save a screenshot into dir (if set) as name.png. */
export async function screenshot(page, dir, name, opts = {}) {
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name + '.png'), fullPage: opts.fullPage !== false, animations: 'disabled', caret: 'hide' });
}

// ---- accessibility ----------------------------------------------------------

let axeSource = null;

function axe() {
  if (!axeSource) axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

/** Load axe-core into every page of a context as it opens (cheaper than
 *  sending it after each navigation). */
export async function enableAxe(context) {
  await context.addInitScript({ content: axe() });
}

/** The WCAG 2.1 A and AA violations axe-core finds in the page as it is
 *  now, one line each ("color-contrast (serious): ... at #x"). axe is put
 *  in through the DevTools protocol, which the page's CSP does not govern. */
export async function accessibilityProblems(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axe());
  const violations = await page.evaluate(() =>
    window.axe
      .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
      .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' ')) }))),
  );
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(', ')}`);
}
