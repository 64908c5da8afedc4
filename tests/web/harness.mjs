// harness.mjs - what the browser tests stand on: a real `garant serve` on a
// free port with a fresh database, --test-clock and the pages of web/, a
// local SMTP receiver for the verification mails, API helpers for the
// fixtures (staff via `garant user add`, organizations, products,
// customers), and browser contexts that fail the test on a page error, a
// Content-Security-Policy violation, a missing asset or a JavaScript
// dialog.
//
// Only node's standard library, playwright-core (driving the system's
// Chromium; no browser is ever downloaded) and axe-core (the accessibility
// rules, run inside the page).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

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
  async waitFor(to, timeoutMs = 10000) {
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

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- the server -------------------------------------------------------------

export class GarantServer {
  /** opts: {garant, webRoot, smtpPort, extraArgs} */
  constructor(opts) {
    this.opts = opts;
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'garant-web-'));
    this.db = path.join(this.dir, 'garant.db');
    this.log = [];
  }

  start() {
    // Never leave a server behind, whatever ends the run.
    process.once('exit', () => {
      if (this.proc && this.proc.exitCode === null) this.proc.kill('SIGKILL');
    });
    const args = ['serve', '--db', this.db, '--listen', '127.0.0.1:0', '--test-clock', '--web-root', this.opts.webRoot,
      '--monitor-interval-ms', '200'];
    if (this.opts.smtpPort) args.push('--smtp-url', `smtp://127.0.0.1:${this.opts.smtpPort}`);
    args.push(...(this.opts.extraArgs || []));
    this.proc = spawn(this.opts.garant, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (s) => {
      this.log.push(s);
      if (this.log.length > 2000) this.log.splice(0, 1000);
    });
    return new Promise((resolve, reject) => {
      const rl = readline.createInterface({ input: this.proc.stdout });
      const timer = setTimeout(() => reject(new Error('the server did not start within 15 s:\n' + this.log.join(''))), 15000);
      rl.once('line', (line) => {
        clearTimeout(timer);
        const m = /listening on (http:\/\/\S+?)\/?(\s|$)/.exec(line);
        if (!m) return reject(new Error(`the server did not start: ${line}\n${this.log.join('')}`));
        this.url = m[1];
        resolve(this);
      });
      this.proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited with ${code}:\n${this.log.join('')}`));
      });
    });
  }

  /** Stop the server; resolves to its exit code (null when a signal
   *  ended it: garant re-raises SIGTERM after shutting down). A non-zero
   *  code is a failure, such as a sanitizer's report. */
  async stop() {
    let code = this.proc ? this.proc.exitCode : null;
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', (c) => r(c)));
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
      code = await exited;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
    return code;
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
    page.setDefaultTimeout(15000); // generous: CI runs other suites beside this one
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
export async function until(fn, msg, timeoutMs = 10000) {
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
