// support_center.tests.mjs - the customers' side in a real browser:
// sign-up (free mail refused, company address accepted, verified by the
// mailed link, logged in and out), the ticket form (the environment rule,
// the promised deadline equal to the one the API records, no guarantee for
// beta products and basic plans), ticket texts shown as text, another
// organization's ticket not found, the list and ticket pages (both zones,
// live countdown, reclassification with its reason, replies), Romanian,
// the phone layout and keyboard use, and the screenshots for the README
// (`make screenshots`).
//
// Each test has a server of its own (run.mjs), whose test clock stands at
// Friday 27 Nov 2026, 11:00 CET (10:00Z); the browser
// runs in New York (EST) unless a test says otherwise. Acme is on the
// professional plan: P3 is 9 business hours (Mon-Fri 09:00-17:00 CET), so a
// P3 filed now is due Monday 30 Nov, 12:00 CET (06:00 EST).

const NOW = '2026-11-27T10:00:00Z';
const P3_DUE = '2026-11-30T11:00:00Z';

/** Ana of Acme (professional), created once through the API. */
async function ana(ctx) {
  if (!ctx.state.ana) ctx.state.ana = await ctx.h.makeCustomer(ctx.server, ctx.smtp, 'ana@acme.example', 'Ana Popescu');
  return ctx.state.ana;
}

/** Gustav of Globex (advanced), another organization. */
async function gustav(ctx) {
  if (!ctx.state.gustav) ctx.state.gustav = await ctx.h.makeCustomer(ctx.server, ctx.smtp, 'gustav@globex.example', 'Gustav Berg');
  return ctx.state.gustav;
}

/** A page whose context is logged in as who (by its session cookie; the
 *  login form itself is tested in the sign-up test). */
async function pageAs(ctx, who, opts = {}) {
  return ctx.browser.page({ ...opts, session: await ctx.h.sessionOf(ctx.server, who) });
}

/** Open the ticket form and wait until it is ready. */
async function openForm(page) {
  await page.goto('/new');
  await page.waitForSelector('#ticket-form:not([hidden])');
  await page.waitForSelector('#promise[data-state="ready"], #promise[data-state="none"]');
}

/** Wait for the promise to describe the current choice. */
async function promiseFor(page, key) {
  await page.waitForSelector(`#promise[data-key="${key}"]:not([aria-busy="true"])`);
  return page.$eval('#promise', (el) => el.dataset.state);
}

/** A P3 ticket of Ana's, filed through the API (once a test). */
async function anasTicket(ctx) {
  if (!ctx.state.anaTicket) {
    const who = await ana(ctx);
    const token = await ctx.h.sessionOf(ctx.server, who);
    const t = await ctx.server.expect(201, 'POST', '/api/v1/tickets',
      { subject: 'Invoices export times out', body: 'The export of November invoices stops after 30 s.', priority: 3, product: 'Garant Cloud' }, token);
    ctx.state.anaTicket = t;
  }
  return ctx.state.anaTicket;
}

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

/** Every file under dir whose name ends with one of exts. */
function filesUnder(dir, exts) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, exts));
    else if (exts.some((x) => e.name.endsWith(x))) out.push(p);
  }
  return out;
}

export const tests = [
  ['sources_keep_the_csp_and_text_rules', async (ctx) => {
    const { h } = ctx;
    const bad = [];
    for (const f of filesUnder(WEB, ['.html'])) {
      const src = readFileSync(f, 'utf8');
      if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(src)) bad.push(`${f}: an inline <script>`);
      if (/\sstyle\s*=/i.test(src)) bad.push(`${f}: a style attribute`);
      if (/\son[a-z]+\s*=/i.test(src)) bad.push(`${f}: an inline event handler`);
      if (/(src|href)\s*=\s*"(https?:)?\/\//i.test(src)) bad.push(`${f}: a resource from another site`);
    }
    for (const f of filesUnder(WEB, ['.js'])) {
      const src = readFileSync(f, 'utf8').replace(/^\s*\/\/.*$/gm, '');
      for (const m of src.matchAll(/\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\s*\(|new Function)/g))
        bad.push(`${f}: ${m[1]}`);
    }
    h.expect(!bad.length, 'rule broken:\n  ' + bad.join('\n  '));
    // And the server does send the policy the pages are written for.
    const page = await ctx.browser.page();
    const resp = await page.goto('/signup');
    const csp = resp.headers()['content-security-policy'] || '';
    h.expect(/script-src 'self'/.test(csp) && /style-src 'self'/.test(csp), 'the CSP is sent: ' + csp);
    h.expectEqual(resp.headers()['content-type'], 'text/html; charset=utf-8', 'page content type');
  }],

  ['signup_free_mail_refused_next_to_the_field', async (ctx) => {
    const { h } = ctx;
    const page = await ctx.browser.page();
    await page.goto('/signup');
    await page.fill('#name', 'Ion Ionescu');
    await page.fill('#email', 'ion@gmail.com');
    await page.fill('#password', 'a long password');
    await page.click('#signup-submit');
    await page.waitForSelector('#email-error:not([hidden])');
    const msg = await h.text(page, '#email-error');
    h.expect(/company e-mail/.test(msg) && /gmail\.com is a free mail provider/.test(msg), 'the server message is shown: ' + msg);
    h.expectEqual(await page.getAttribute('#email', 'aria-invalid'), 'true', 'the field is marked invalid');
    const described = (await page.getAttribute('#email', 'aria-describedby')).split(' ');
    h.expect(described.includes('email-error') && described.includes('email-hint'), 'aria-describedby names the error and the hint: ' + described);
    h.expect(await page.evaluate(() => document.activeElement.id === 'email'), 'the e-mail field has the focus');
    h.expect(await page.isVisible('#signup-form'), 'the form stays for a correction');
    h.expect(!ctx.smtp.mails.some((m) => m.to.includes('ion@gmail.com')), 'no mail went to the free-mail address');
    await page.click('h1'); // the picture without a focus ring
    await h.screenshot(page, ctx.shots, 'signup-refused', { fullPage: false });
    // Checks in the page itself, before anything is sent.
    await page.fill('#password', 'short');
    await page.fill('#email', 'ion@');
    await page.click('#signup-submit');
    h.expect(/e-mail address such as/.test(await h.text(page, '#email-error')), 'a malformed address is caught by the page');
    h.expect(/at least 10/.test(await h.text(page, '#password-error')), 'a short password is caught by the page');
  }],

  ['signup_company_address_verify_by_mail_login_logout', async (ctx) => {
    const { h } = ctx;
    const page = await ctx.browser.page();
    await page.goto('/signup');
    await page.fill('#name', 'Bea Marin');
    await page.fill('#email', 'bea@acme.example');
    await page.fill('#password', 'bea password 1');
    await page.click('#signup-submit');
    await page.waitForSelector('#signup-done:not([hidden])');
    h.expect((await h.text(page, '#signup-done')).includes('bea@acme.example'), 'the page says where the link went');
    h.expect(await page.isHidden('#signup-form'), 'the form is gone');
    // Logging in before confirming is refused with the reason.
    await page.goto('/login');
    await page.fill('#email', 'bea@acme.example');
    await page.fill('#password', 'bea password 1');
    await page.click('#login-submit');
    await page.waitForSelector('#form-msg:not([hidden])');
    h.expect(/verify your e-mail address first/.test(await h.text(page, '#form-msg')), 'login before confirming says why');
    // The mailed link confirms the address.
    const link = h.verifyLink(await ctx.smtp.waitFor('bea@acme.example'));
    h.expect(link.startsWith(ctx.server.url + '/verify?token='), 'the link points at this server: ' + link);
    await page.goto(link);
    await page.waitForSelector('#verify-msg.msg-ok');
    h.expect(/bea@acme\.example is confirmed/.test(await h.text(page, '#verify-msg')), 'confirmed');
    h.expect(!page.url().includes('token='), 'the spent token leaves the address bar');
    await Promise.all([page.waitForURL('**/login'), page.click('#verify-next a')]);
    await page.fill('#email', 'bea@acme.example');
    await page.fill('#password', 'bea password 1');
    await Promise.all([page.waitForURL('**/tickets'), page.click('#login-submit')]);
    await page.waitForSelector('#list-empty:not([hidden])');
    h.expectEqual(await h.text(page, '.who-name'), 'Signed in as Bea Marin', 'the header names the user');
    h.expect((await h.text(page, '#list-lead')).includes('Acme'), 'the list is the organization’s');
    // Log out: the session ends, and the pages ask for a login again.
    await Promise.all([page.waitForURL('**/login?out=1'), page.click('#logout')]);
    // The login page writes its note after it loads: wait for it.
    await h.until(async () => (await h.text(page, '#login-note')) === 'You are logged out.',
      'logged out: the login page says "You are logged out."');
    await page.goto('/tickets');
    await page.waitForURL('**/login?next=%2Ftickets');
    // ?next= brings the user back after logging in.
    await page.fill('#email', 'bea@acme.example');
    await page.fill('#password', 'bea password 1');
    await Promise.all([page.waitForURL('**/tickets'), page.click('#login-submit')]);
  }],

  ['p1_on_staging_refused_in_the_form', async (ctx) => {
    const { h } = ctx;
    const page = await pageAs(ctx, await ana(ctx));
    await openForm(page);
    h.expect(await page.isChecked('#prio-3'), 'P3 is preselected');
    h.expect((await h.text(page, 'label[for="prio-1"]')).includes('Business critical'), 'levels carry the policy’s names');
    h.expect(/complete loss of service/.test(await h.text(page, '#prio-1-def')), 'P1 shows its definition');
    h.expect((await page.getAttribute('#prio-1', 'aria-describedby')).includes('prio-1-def'), 'the definition describes the radio');
    let posts = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/tickets') posts++;
    });
    // Counted in the page as they happen: a key press is handled (and a
    // form it submits has fired 'submit') before page.press returns, so
    // "nothing was sent" needs no wait for something that does not come.
    await page.evaluate(() => {
      window.__submits = 0;
      window.__fetches = 0;
      document.querySelector('#ticket-form').addEventListener('submit', () => window.__submits++, true);
      const fetch0 = window.fetch;
      window.fetch = (...a) => {
        const post = String((a[1] && a[1].method) || 'GET').toUpperCase() === 'POST';
        if (post && /\/api\/v1\/tickets$/.test(String(a[0]).split('?')[0])) window.__fetches++;
        return fetch0(...a);
      };
    });
    const nothingSent = async (what) => {
      const [submits, fetches] = await page.evaluate(() => [window.__submits, window.__fetches]);
      h.expectEqual(`${submits} ${fetches} ${posts}`, '0 0 0', what + ': submits, POSTs of a ticket by fetch, such POSTs seen');
    };
    await page.fill('#subject', 'Staging cluster down');
    await page.fill('#body', 'Nothing answers on staging.');
    await page.selectOption('#environment', 'staging');
    await page.check('#prio-1');
    await page.waitForSelector('#priority-error:not([hidden])');
    const msg = await h.text(page, '#priority-error');
    h.expect(/P1 \(Business critical\) is for production only/.test(msg) && /staging/.test(msg) && /Choose P3/.test(msg), 'the reason is shown: ' + msg);
    h.expect(await page.isDisabled('#ticket-submit'), 'the form cannot be sent');
    h.expectEqual(await promiseFor(page, '1|staging|'), 'blocked', 'no promise for a refused choice');
    await page.press('#subject', 'Enter'); // the keyboard cannot send it either
    await nothingSent('Enter on P1');
    await page.check('#prio-2');
    await h.until(async () => /P2 \(Degraded service\)/.test(await h.text(page, '#priority-error:not([hidden])')), 'P2 is refused too');
    await page.press('#subject', 'Enter');
    await nothingSent('Enter on P2');
    // P3 is fine on staging; P1 is fine in production.
    await page.check('#prio-3');
    await page.waitForSelector('#priority-error', { state: 'hidden' });
    h.expect(await page.isEnabled('#ticket-submit'), 'P3 on staging may be sent');
    h.expectEqual(await promiseFor(page, '3|staging|'), 'ready', 'the promise is back');
    await page.check('#prio-1');
    await page.selectOption('#environment', 'production');
    h.expectEqual(await promiseFor(page, '1|production|'), 'ready', 'P1 in production has a promise');
    h.expect(await page.isEnabled('#ticket-submit'), 'P1 in production may be sent');
    await nothingSent('still');
  }],

  ['promised_deadline_before_submit_equals_the_api', async (ctx) => {
    const { h } = ctx;
    const page = await pageAs(ctx, await ana(ctx));
    await openForm(page);
    await page.fill('#subject', 'Invoices export times out');
    await page.fill('#body', 'The export of November invoices stops after 30 s.\nSteps: Reports > Export > November.');
    await page.selectOption('#product', 'Garant Cloud');
    h.expectEqual(await promiseFor(page, '3|production|Garant Cloud'), 'ready', 'a promise for P3');
    const shown = await page.getAttribute('#promise time[data-zone="cet"]', 'datetime');
    h.expectEqual(shown, P3_DUE, 'the promised instant');
    h.expectEqual(await h.text(page, '#promise-text'), 'We will answer by Monday 30 Nov, 12:00 CET.', 'the promise in words');
    h.expect((await h.text(page, '.promise-local')).includes('Monday 30 Nov, 06:00 EST'), 'and in the reader’s zone: ' + (await h.text(page, '.promise-local')));
    h.expect((await h.text(page, '#promise')).includes('Professional plan guarantees a first response within 9 h of business hours'), 'and the plan’s target');
    // The promise follows the choices: P2 is 6 business hours, due today at 17:00 CET.
    await page.check('#prio-2');
    await promiseFor(page, '2|production|Garant Cloud');
    h.expectEqual(await page.getAttribute('#promise time[data-zone="cet"]', 'datetime'), '2026-11-27T16:00:00Z', 'P2 promise');
    // A beta product carries no guarantee.
    await page.selectOption('#product', 'Garant Labs');
    h.expectEqual(await promiseFor(page, '2|production|Garant Labs'), 'none', 'no deadline for beta');
    h.expect(/Garant Labs is a beta product: tickets about it carry no guaranteed response time/.test(await h.text(page, '#promise-text')), 'says why');
    h.expect((await page.$$('#promise time')).length === 0, 'and shows no time');
    // Back to P3 on the GA product, and send.
    await page.selectOption('#product', 'Garant Cloud');
    await page.check('#prio-3');
    await promiseFor(page, '3|production|Garant Cloud');
    const promised = await page.getAttribute('#promise time[data-zone="cet"]', 'datetime');
    // The API's answer, caught on its way to the page (which navigates on).
    let answer = null;
    await page.route('**/api/v1/tickets', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const resp = await route.fetch();
      answer = { status: resp.status(), json: await resp.json() };
      return route.fulfill({ response: resp });
    });
    await page.click('#ticket-submit');
    await h.until(() => answer, 'the ticket was sent');
    h.expectEqual(answer.status, 201, 'filed');
    const ticket = answer.json;
    h.expectEqual(ticket.first_response_due, promised, 'the API’s deadline is the promised one');
    await page.waitForURL(`**/tickets?id=${ticket.id}`);
    await page.waitForSelector('#ticket:not([hidden])');
    h.expectEqual(await h.text(page, '#ticket-msg'), `Thank you: ticket #${ticket.id} is filed.`, 'confirmation');
    h.expectEqual(await page.getAttribute('[data-fact="due"] time[data-zone="cet"]', 'datetime'), promised, 'the ticket page shows the same deadline');
    // A stored deadline read back through the API agrees as well.
    const token = await h.sessionOf(ctx.server, ctx.state.ana);
    const stored = await ctx.server.expect(200, 'GET', `/api/v1/tickets/${ticket.id}`, undefined, token);
    h.expectEqual(stored.first_response_due, promised, 'stored deadline');
  }],

  ['basic_plan_promises_no_deadline', async (ctx) => {
    const { h } = ctx;
    // An unknown company domain signs up into a new organization on basic.
    const cid = await h.makeCustomer(ctx.server, ctx.smtp, 'carl@initech.example', 'Carl Dobre');
    const page = await pageAs(ctx, cid);
    await openForm(page);
    h.expectEqual(await promiseFor(page, '3|production|'), 'none', 'no deadline on basic');
    h.expect(/Your Basic plan carries no guaranteed response time for P3/.test(await h.text(page, '#promise-text')), await h.text(page, '#promise-text'));
    h.expect(/no guaranteed response time/.test(await h.text(page, '#prio-1-target')), 'each level says what the plan promises');
  }],

  ['ticket_text_with_script_shows_as_text', async (ctx) => {
    const { h } = ctx;
    const page = await pageAs(ctx, await ana(ctx));
    const subject = '<img src=x onerror=alert(2)> & "quotes"';
    const body = '<script>alert(1)</script>\n<b>not bold</b> <a href="javascript:alert(3)">link</a>';
    await openForm(page);
    await page.fill('#subject', subject);
    await page.fill('#body', body);
    await Promise.all([page.waitForURL(/\/tickets\?id=\d+/), page.click('#ticket-submit')]);
    await page.waitForSelector('#ticket:not([hidden])');
    h.expectEqual(await page.textContent('#ticket-body'), body, 'the body is shown as typed');
    h.expectEqual(await page.textContent('#ticket-subject'), subject, 'the subject is shown as typed');
    h.expectEqual(await page.locator('#ticket-body script, #ticket-body b, #ticket-body a, #ticket img').count(), 0, 'no markup was made from it');
    // A reply with markup, through the reply form.
    await page.fill('#reply', '<script>alert(4)</script> still text');
    await page.click('#reply-submit');
    await page.waitForSelector('#reply-msg.msg-ok');
    h.expect((await page.textContent('#conversation')).includes('<script>alert(4)</script> still text'), 'the reply is text');
    await page.goto('/tickets');
    await page.waitForSelector('#ticket-table:not([hidden])');
    h.expect((await page.textContent('#ticket-rows')).includes(subject), 'the list shows the subject as text');
    h.expectEqual(await page.locator('#ticket-rows img').count(), 0, 'no image element in the list');
    // No element was made from the text, so nothing can open a dialog
    // later; one opened already blocks the page until it is dismissed, so
    // it has been seen by the time a script of ours runs there.
    await page.evaluate(() => 0);
    h.expectEqual(page.dialogs.length, 0, 'no dialog opened');
  }],

  ['another_organizations_ticket_is_not_found', async (ctx) => {
    const { h } = ctx;
    await anasTicket(ctx); // her list has a row: the other's is missing from a list, not an empty one
    const g = await gustav(ctx);
    const token = await h.sessionOf(ctx.server, g);
    const secret = await ctx.server.expect(201, 'POST', '/api/v1/tickets',
      { subject: 'Globex merger data room', body: 'Confidential.', priority: 2 }, token);
    const page = await pageAs(ctx, await ana(ctx));
    await page.goto(`/tickets?id=${secret.id}`);
    await page.waitForSelector('#ticket-msg:not([hidden])');
    h.expectEqual(await h.text(page, '#ticket-msg'), 'Ticket not found. It does not exist, or it belongs to another organization.', 'not found');
    h.expect(await page.isHidden('#ticket'), 'no ticket is shown');
    h.expect(!(await page.content()).includes('merger'), 'nothing of it reaches the page');
    // The same answer as for a ticket that does not exist.
    await page.goto('/tickets?id=999999');
    await page.waitForSelector('#ticket-msg:not([hidden])');
    h.expect((await h.text(page, '#ticket-msg')).startsWith('Ticket not found'), 'unknown ticket');
    await page.goto('/tickets?id=abc');
    await page.waitForSelector('#ticket-msg:not([hidden])');
    h.expectEqual(await h.text(page, '#ticket-msg'), 'This address names no ticket.', 'malformed id');
    await page.goto('/tickets');
    await page.waitForSelector('#ticket-table:not([hidden])');
    h.expect(!(await page.textContent('#ticket-rows')).includes('merger'), 'nor is it in the list');
  }],

  ['tickets_list_zones_countdown_and_reclassification_history', async (ctx) => {
    const { h } = ctx;
    const tk = await anasTicket(ctx);
    const agent = ctx.fixtures.agent;
    await ctx.server.expect(200, 'PATCH', `/api/v1/tickets/${tk.id}`, { priority: 2, reason: 'Checkout is down for every EU customer' }, agent.token);
    const page = await pageAs(ctx, await ana(ctx));
    await page.goto('/tickets');
    const row = `#ticket-rows tr[data-id="${tk.id}"]`;
    await page.waitForSelector(row);
    h.expect((await h.text(page, `${row} td[data-label="Priority"]`)).includes('P2 · Degraded service'), 'the new priority');
    h.expectEqual(await h.text(page, `${row} td[data-label="Status"]`), 'Open', 'status');
    const times = await page.$$eval(`${row} td[data-label="Answer due"] time`, (els) => els.map((e) => [e.dataset.zone, e.getAttribute('datetime'), e.textContent]));
    h.expectEqual(times.length, 2, 'the due time in two zones');
    h.expectEqual(times[0][0] + ' ' + times[0][2], 'user Fri 27 Nov, 11:00 EST', 'in the customer’s zone');
    h.expectEqual(times[1][0] + ' ' + times[1][2], 'cet Fri 27 Nov, 17:00 CET', 'in CET');
    h.expectEqual(await h.text(page, `${row} .badge`), 'On track', 'SLA state');
    // The countdown runs without a reload.
    const cd = `${row} .countdown`;
    const first = Number(await page.getAttribute(cd, 'data-seconds'));
    await h.expectCountdown(page, first, 6 * 3600, NOW, '6 h left');
    h.expect(/^(6 h|5 h \d\d? min) left \(business hours\)$/.test(await h.text(page, cd)), 'countdown text: ' + (await h.text(page, cd)));
    await h.until(async () => Number(await page.getAttribute(cd, 'data-seconds')) < first, 'the countdown ticks');
    // The ticket page: the reclassification and its reason in the history.
    await page.click(`${row} a.subject`);
    await page.waitForSelector('#ticket:not([hidden])');
    const ev = '#history li[data-kind="priority_changed"]';
    h.expect((await h.text(page, ev)).includes('Priority changed from P3 · General issue to P2 · Degraded service.'), 'the change');
    h.expectEqual(await h.text(page, `${ev} .reason`), 'Reason: Checkout is down for every EU customer', 'its reason');
    h.expect((await h.text(page, ev)).includes('by agent@garant.test'), 'who changed it');
    h.expectEqual(await page.getAttribute(`${ev} time[data-zone="cet"]`, 'datetime'), '2026-11-27T16:00:00Z', 'the new deadline');
    h.expectEqual(await page.getAttribute('[data-fact="due"] time[data-zone="cet"]', 'datetime'), '2026-11-27T16:00:00Z', 'the ticket’s deadline');
    h.expect((await h.text(page, '[data-fact="explanation"]')).length > 0, 'the deadline is explained');
    // The agent answers; the page picks it up.
    await ctx.server.expect(201, 'POST', `/api/v1/tickets/${tk.id}/replies`, { body: 'We are on it: a fix ships within the hour.', public: true }, agent.token);
    await page.reload();
    await page.waitForSelector('#conversation .message-staff');
    h.expect((await h.text(page, '#conversation .message-staff')).includes('We are on it'), 'the staff reply');
    h.expectEqual(await h.text(page, '[data-fact="sla"] .badge'), 'Answered in time', 'the deadline was met');
    h.expect(await page.isVisible('#history li[data-kind="first_response"]'), 'the first response is in the history');
  }],

  ['romanian_from_the_browser_and_by_the_switch', async (ctx) => {
    const { h } = ctx;
    await anasTicket(ctx);
    // A browser that prefers Romanian gets Romanian.
    const page = await ctx.browser.page({ locale: 'ro-RO', timezoneId: 'Europe/Bucharest' });
    await page.goto('/login');
    h.expectEqual(await h.text(page, 'h1'), 'Autentificare', 'Romanian from navigator.languages');
    h.expectEqual(await page.getAttribute('html', 'lang'), 'ro', 'the document says so');
    const missing = await page.evaluate(async () => {
      const { _strings: s } = await import('/js/i18n.js');
      const en = Object.keys(s.en);
      const ro = Object.keys(s.ro);
      return en.filter((k) => !ro.includes(k)).concat(ro.filter((k) => !en.includes(k)));
    });
    h.expectEqual(missing.join(', '), '', 'both languages have the same strings');
    await page.fill('#email', (await ana(ctx)).email);
    await page.fill('#password', ctx.state.ana.password);
    await Promise.all([page.waitForURL('**/tickets'), page.click('#login-submit')]);
    await page.waitForSelector('#ticket-table:not([hidden])');
    h.expectEqual(await h.text(page, '#list-title'), 'Tichetele mele', 'list title');
    const cet = await h.text(page, '#ticket-rows time[data-zone="cet"]');
    h.expect(/^(lun|vin)\.?, \d+ nov\.?, \d\d:\d\d CET$/.test(cet), 'a Romanian date: ' + cet);
    h.expect(/^au mai rămas /.test(await h.text(page, '#ticket-rows .countdown')), 'a Romanian countdown');
    // Switch to English: everything follows at once, and stays after a reload.
    await page.selectOption('#lang-switch', 'en');
    h.expectEqual(await h.text(page, '#list-title'), 'My tickets', 'switched');
    h.expect(/ left \(business hours\)$/.test(await h.text(page, '#ticket-rows .countdown')), 'the countdown too');
    // Signed in, the switch is also the language of Ana's mails (PATCH /api/v1/me).
    const anaToken = await h.sessionOf(ctx.server, await ana(ctx));
    const mailLanguage = async () => (await ctx.server.expect(200, 'GET', '/api/v1/me', undefined, anaToken)).user.language;
    await page.reload();
    await page.waitForSelector('#ticket-table:not([hidden])');
    h.expectEqual(await h.text(page, '#list-title'), 'My tickets', 'remembered');
    await page.selectOption('#lang-switch', 'ro');
    await h.until(async () => (await mailLanguage()) === 'ro', 'the mail language saved as ro by the switch');
    await page.goto('/new');
    await page.waitForSelector('#promise[data-state="ready"]');
    h.expectEqual(await h.text(page, 'h1'), 'Tichet nou', 'new ticket in Romanian');
    h.expect(/^Vă vom răspunde până luni, 30 nov\.?, 12:00 CET\.$/.test(await h.text(page, '#promise-text')), 'the promise in Romanian: ' + (await h.text(page, '#promise-text')));
    await page.selectOption('#environment', 'staging');
    await page.check('#prio-1');
    h.expect(/este doar pentru producție/.test(await h.text(page, '#priority-error')), 'the environment rule in Romanian: ' + (await h.text(page, '#priority-error')));
    // The policy's priorities in Romanian too (its `translations`).
    h.expectEqual(await h.text(page, 'label[for="prio-1"]'), 'P1 · Critic pentru afacere', 'a priority name from the policy, in Romanian');
    h.expect((await h.text(page, '#prio-1-def')).startsWith('Doar producție: o pierdere completă a serviciului'), 'its definition in Romanian: ' + (await h.text(page, '#prio-1-def')));
    h.expect((await h.text(page, '#priority-error')).includes('Critic pentru afacere'), 'the environment rule names it in Romanian');
    await page.goto('/tickets');
    await page.waitForSelector('#ticket-table:not([hidden])');
    h.expect((await h.text(page, '#ticket-rows td:nth-child(4)')).startsWith('P'), 'a priority in the list');
    h.expect(!(await page.textContent('#ticket-rows')).match(/General issue|Degraded service|Business critical/), 'no English priority name in the Romanian list');
    await page.selectOption('#lang-switch', 'en');
    h.expect(/Business critical|Degraded service|General issue/.test(await page.textContent('#ticket-rows')), 'English names in English');
  }],

  ['phone_layout_and_keyboard', async (ctx) => {
    const { h } = ctx;
    await anasTicket(ctx);
    const page = await pageAs(ctx, await ana(ctx), { viewport: { width: 375, height: 740 } });
    const pages = [
      ['/', '#hello:not([hidden])'],
      ['/new', '#promise[data-state="ready"]'],
      ['/tickets', '#ticket-table:not([hidden])'],
      [`/tickets?id=${ctx.state.anaTicket.id}`, '#ticket:not([hidden])'],
    ];
    for (const [url, ready] of pages) {
      await page.goto(url);
      await page.waitForSelector(ready);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      h.expect(wide <= 375, `${url} fits a 375 px screen (scrollWidth ${wide})`);
    }
    // The form by keyboard alone: Tab reaches every control, focus is visible.
    await page.goto('/new');
    await page.waitForSelector('#promise[data-state="ready"]');
    await page.focus('#subject');
    await page.keyboard.type('Keyboard only');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Typed without a mouse.');
    const seen = [];
    for (let i = 0; i < 12 && !seen.includes('ticket-submit'); i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const el = document.activeElement;
        const cs = getComputedStyle(el);
        return { id: el.id, outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 };
      });
      h.expect(f.outline, `focus is visible on #${f.id}`);
      seen.push(f.id);
    }
    h.expect(seen.includes('product') && seen.includes('environment') && seen.includes('prio-3') && seen.includes('ticket-submit'), 'tab order: ' + seen.join(', '));
    await Promise.all([page.waitForURL(/\/tickets\?id=\d+/), page.keyboard.press('Enter')]);
    await page.waitForSelector('#ticket:not([hidden])');
    h.expectEqual(await h.text(page, '#ticket-subject'), 'Keyboard only', 'filed by keyboard');
  }],

  ['accessibility_wcag_aa_on_every_page', async (ctx) => {
    const { h } = ctx;
    await anasTicket(ctx);
    const problems = [];
    const check = async (page, what) => {
      for (const p of await h.accessibilityProblems(page)) problems.push(`${what}: ${p}`);
    };
    const guest = await ctx.browser.page();
    await h.enableAxe(guest.context());
    for (const [url, ready] of [['/', '#site-header nav'], ['/login', '#site-header nav']]) {
      await guest.goto(url);
      await guest.waitForSelector(ready);
      await check(guest, url);
    }
    await guest.goto('/signup');
    await guest.fill('#email', 'ion@gmail.com');
    await guest.fill('#name', 'Ion');
    await guest.fill('#password', 'a long password');
    await guest.click('#signup-submit');
    await guest.waitForSelector('#email-error:not([hidden])');
    await check(guest, '/signup with an error');
    // Desktop: every page of a customer; phone: the ones that change shape.
    for (const viewport of [{ width: 1100, height: 760 }, { width: 375, height: 740 }]) {
      const phone = viewport.width < 400;
      const page = await pageAs(ctx, await ana(ctx), { viewport });
      await h.enableAxe(page.context());
      const size = viewport.width + 'px ';
      if (!phone) {
        await page.goto('/');
        await page.waitForSelector('#hello:not([hidden])');
        await check(page, size + '/');
      }
      await openForm(page);
      if (!phone) await check(page, size + '/new');
      await page.selectOption('#environment', 'staging');
      await page.check('#prio-1');
      await page.waitForSelector('#priority-error:not([hidden])');
      await check(page, size + '/new refused');
      await page.goto('/tickets');
      await page.waitForSelector('#ticket-table:not([hidden])');
      await check(page, size + '/tickets');
      if (phone) continue;
      await page.goto(`/tickets?id=${ctx.state.anaTicket.id}`);
      await page.waitForSelector('#ticket:not([hidden])');
      await check(page, size + '/tickets?id=');
    }
    h.expect(!problems.length, 'accessibility problems:\n  ' + problems.join('\n  '));
  }],

  ['screenshots_of_the_main_pages', async (ctx) => {
    const { h } = ctx;
    // The scene: Ana's ticket raised to P2 with a reason and answered in
    // time, and a second one still open.
    const tk = await anasTicket(ctx);
    const agent = ctx.fixtures.agent.token;
    await ctx.server.expect(200, 'PATCH', `/api/v1/tickets/${tk.id}`, { priority: 2, reason: 'Checkout is down for every EU customer' }, agent);
    await ctx.server.expect(201, 'POST', `/api/v1/tickets/${tk.id}/replies`, { body: 'We are on it: a fix ships within the hour.', public: true }, agent);
    await ctx.server.expect(201, 'POST', '/api/v1/tickets',
      { subject: 'Dashboard shows yesterday’s figures', body: 'The sales dashboard stopped updating at midnight.', priority: 3, product: 'Garant Cloud' },
      await h.sessionOf(ctx.server, ctx.state.ana));
    await ctx.server.waitMonitorRounds(); // its warnings are in the pictures on every run
    // A frozen page clock: the countdowns read the same on every run.
    const frozen = { fixedTime: NOW };
    const page = await pageAs(ctx, await ana(ctx), frozen);
    await page.goto('/');
    await page.waitForSelector('#hello:not([hidden])');
    await h.screenshot(page, ctx.shots, 'support-center');
    await page.goto('/new');
    await page.waitForSelector('#promise[data-state="ready"]');
    await page.fill('#subject', 'Checkout fails with error 502');
    await page.fill('#body', 'Since 10:40 CET every payment in the EU shop ends with a 502 page.');
    await page.selectOption('#product', 'Garant Cloud');
    await page.check('#prio-2');
    await promiseFor(page, '2|production|Garant Cloud');
    await page.click('h1'); // no focus ring in the picture
    await h.screenshot(page, ctx.shots, 'new-ticket');
    await page.goto('/tickets');
    await page.waitForSelector('#ticket-table:not([hidden])');
    await h.screenshot(page, ctx.shots, 'my-tickets');
    await page.goto(`/tickets?id=${ctx.state.anaTicket.id}`);
    await page.waitForSelector('#ticket:not([hidden])');
    await h.screenshot(page, ctx.shots, 'ticket');
    // On a phone.
    const phone = await pageAs(ctx, await ana(ctx), { ...frozen, viewport: { width: 375, height: 740 } });
    await phone.goto('/new');
    await phone.waitForSelector('#promise[data-state="ready"]');
    await phone.selectOption('#environment', 'staging');
    await phone.check('#prio-1');
    await phone.waitForSelector('#priority-error:not([hidden])');
    await phone.$eval('label[for="environment"]', (el) => el.scrollIntoView({ block: 'start' }));
    await h.screenshot(phone, ctx.shots, 'phone-new-ticket-refused', { fullPage: false });
    await phone.goto('/tickets');
    await phone.waitForSelector('#ticket-table:not([hidden])');
    await h.screenshot(phone, ctx.shots, 'phone-my-tickets', { fullPage: false });
  }],
];
