// agent.tests.mjs - the agent workspace in a real browser: the queue
// (overdue first and red, amber at the warning instant, business-time
// countdowns that tick and stand still when the team is closed, filters,
// refreshed without a reload), one ticket (the deadline explained on hover
// and click, reclassification with a required reason after a preview of
// the new deadline, internal notes, replies, status) and the customer
// seeing the new deadline and the reason in the history; keyboard, phone,
// accessibility and the screenshots.
//
// Each test has a server of its own (run.mjs), whose test clock starts at
// Friday 27 Nov 2026, 11:00 CET (10:00Z); tickets filed "yesterday" are
// filed with the clock moved back and then restored, so the rest of the
// test finds it at 10:00Z. Carla works at
// Umbrella (professional: P1 3 h, P2 6 h, P3 9 h of business hours, Mon-Fri
// 09:00-17:00 CET; warning at 75 %).

import { spawnSync } from 'node:child_process';
import { umbrella } from './staff-fixtures.mjs';

const NOW = '2026-11-27T10:00:00Z';

/** Carla of Umbrella, a verified customer (created once a test). */
async function carla(ctx) {
  await umbrella(ctx);
  if (!ctx.state.carla) ctx.state.carla = await ctx.h.makeCustomer(ctx.server, ctx.smtp, 'carla@umbrella.example', 'Carla Ionescu');
  return ctx.state.carla;
}

/** A page logged in as who (by its session cookie). */
async function pageAs(ctx, who, opts = {}) {
  return ctx.browser.page({ ...opts, session: await ctx.h.sessionOf(ctx.server, who) });
}

/** File a ticket as who, with the server's clock at `at` (then back to
 *  NOW). Resolves to the ticket. */
async function fileAt(ctx, who, at, ticket) {
  const token = await ctx.h.sessionOf(ctx.server, who);
  try {
    await ctx.server.setClock(at);
    return await ctx.server.expect(201, 'POST', '/api/v1/tickets', ticket, token);
  } finally {
    await ctx.server.setClock(NOW);
  }
}

/** The queue's three tickets of Carla: one overdue (P1 filed Thursday
 *  09:30 CET, due 12:30 CET), one in its warning time (P2 filed Thursday
 *  14:00 CET: due Friday 12:00 CET, warning from 10:30 CET) and one on
 *  track (P3 filed now, due Monday 12:00 CET). Made once a test. */
async function queueTickets(ctx) {
  if (ctx.state.queueTickets) return ctx.state.queueTickets;
  const who = await carla(ctx);
  const over = await fileAt(ctx, who, '2026-11-26T08:30:00Z', {
    subject: 'Payments fail for every customer', body: 'HTTP 502 on every checkout since 09:20.', priority: 1, product: 'Garant Cloud',
  });
  const warn = await fileAt(ctx, who, '2026-11-26T13:00:00Z', {
    subject: 'Reports are slow', body: 'The monthly report takes 4 minutes.', priority: 2, product: 'Garant Cloud',
  });
  const ok = await fileAt(ctx, who, NOW, { subject: 'Question about invoices', body: 'Can invoices show our VAT number?', priority: 3 });
  ctx.state.queueTickets = { over, warn, ok };
  return ctx.state.queueTickets;
}

const RED = 'rgb(155, 12, 30)'; // --bad-ink
const AMBER = 'rgb(107, 67, 0)'; // --warn-ink

export const tests = [
  ['one_lateness_everywhere', async (ctx) => {
    const { h } = ctx;
    const { over } = await queueTickets(ctx);
    const who = await carla(ctx);
    // Friday 17:30 CET: the team has closed and business time stands
    // still, so every door must say the same figure to the minute: the
    // API, the queue, the agent's and the customer's pages.
    await ctx.server.setClock('2026-11-27T16:30:00Z');
    try {
      const want = '12 h 30 min late (business hours)';
      const tk = await ctx.server.expect(200, 'GET', `/api/v1/tickets/${over.id}`, undefined, ctx.fixtures.agent.token);
      h.expectEqual(tk.sla.remaining, want, 'the API: Thursday 12:30-17:00 and Friday 09:00-17:00 CET');
      const agent = await pageAs(ctx, ctx.fixtures.agent);
      await agent.goto('/agent');
      const row = `#queue-rows tr[data-id="${over.id}"] .countdown`;
      await agent.waitForSelector(row);
      h.expectEqual(await h.text(agent, row), want, 'the queue');
      await agent.goto(`/agent-ticket?id=${over.id}`);
      const fact = '[data-fact="left"] .countdown';
      await agent.waitForSelector(fact);
      h.expectEqual(await h.text(agent, fact), want, 'the agent’s ticket page');
      const customer = await pageAs(ctx, who);
      await customer.goto('/tickets');
      const mine = `#ticket-rows tr[data-id="${over.id}"] .countdown`;
      await customer.waitForSelector(mine);
      h.expectEqual(await h.text(customer, mine), want, 'the customer’s list');
      await customer.goto(`/tickets?id=${over.id}`);
      await customer.waitForSelector(fact);
      h.expectEqual(await h.text(customer, fact), want, 'the customer’s ticket page');
    } finally {
      await ctx.server.setClock(NOW);
    }
  }],

  ['agent_queue_overdue_first_red_amber_and_live', async (ctx) => {
    const { h } = ctx;
    const { over, warn, ok } = await queueTickets(ctx);
    h.expectEqual(over.first_response_due, '2026-11-26T11:30:00Z', 'the P1 deadline (Thursday 12:30 CET)');
    h.expectEqual(warn.first_response_due, '2026-11-27T11:00:00Z', 'the P2 deadline (Friday 12:00 CET)');
    const page = await pageAs(ctx, ctx.fixtures.agent);
    await page.goto('/agent');
    await page.waitForSelector(`#queue-rows tr[data-id="${ok.id}"]`);
    h.expectEqual(await h.text(page, 'h1'), 'Queue', 'the queue');
    h.expect(await page.isVisible('nav a[href="/agent"][aria-current="page"]'), 'the header marks the queue');
    // Overdue tickets lead, then by deadline.
    const rows = await page.$$eval('#queue-rows tr', (trs) => trs.map((tr) => ({ id: Number(tr.dataset.id), state: tr.dataset.state })));
    const firstNotOver = rows.findIndex((r) => r.state !== 'over');
    h.expect(rows[0].state === 'over', 'an overdue ticket is first: ' + JSON.stringify(rows));
    h.expect(rows.slice(firstNotOver).every((r) => r.state !== 'over'), 'every overdue ticket comes before the others');
    const pos = (id) => rows.findIndex((r) => r.id === id);
    h.expect(pos(over.id) < pos(warn.id) && pos(warn.id) < pos(ok.id), 'then by deadline: ' + JSON.stringify(rows));
    // Red at the breach, amber at the warning threshold, plain before.
    const look = async (id) =>
      page.$eval(`#queue-rows tr[data-id="${id}"]`, (tr) => {
        const cd = tr.querySelector('.countdown');
        return { row: tr.dataset.state, cd: cd.dataset.state, color: getComputedStyle(cd).color, badge: tr.querySelector('.badge').textContent, text: cd.textContent, secs: Number(cd.dataset.seconds) };
      });
    const o = await look(over.id);
    h.expect(o.row === 'over' && o.cd === 'over' && o.color === RED, 'overdue is red: ' + JSON.stringify(o));
    h.expectEqual(o.badge, 'Overdue', 'overdue badge');
    // Thursday 12:30-17:00 and Friday 09:00-11:00 CET: 6 h 30 min of business time.
    h.expect(/^6 h 3\d min late \(business hours\)$/.test(o.text), 'late by the business time since 12:30 CET yesterday: ' + o.text);
    const w = await look(warn.id);
    h.expect(w.row === 'warning' && w.cd === 'warning' && w.color === AMBER, 'due soon is amber: ' + JSON.stringify(w));
    h.expectEqual(w.badge, 'Due soon', 'warning badge');
    h.expect(/^(1 h|\d\d? min) left \(business hours\)$/.test(w.text), 'within one business hour: ' + w.text);
    await h.expectCountdown(page, w.secs, 3600, NOW, 'one business hour left');
    const k = await look(ok.id);
    h.expect(k.row === 'ok' && k.cd === 'ok' && k.color !== RED && k.color !== AMBER, 'on track is neither: ' + JSON.stringify(k));
    // The countdown counts business time, every second.
    const cd = `#queue-rows tr[data-id="${ok.id}"] .countdown`;
    const first = Number(await page.getAttribute(cd, 'data-seconds'));
    await h.expectCountdown(page, first, 9 * 3600, NOW, 'nine business hours left');
    await h.until(async () => Number(await page.getAttribute(cd, 'data-seconds')) < first, 'the countdown ticks');
    // The deadline in both zones, and why.
    const cet = await page.getAttribute(`#queue-rows tr[data-id="${ok.id}"] time[data-zone="cet"]`, 'datetime');
    h.expectEqual(cet, '2026-11-30T11:00:00Z', 'the due instant');
    // ... and business time stands still while the team is closed.
    const still = await page.evaluate(async () => {
      const b = await import('/js/business.js');
      const fri16 = Date.parse('2026-11-27T15:00:00Z');
      const wins = new Map([['business', [[Date.parse('2026-11-27T08:00:00Z'), Date.parse('2026-11-27T16:00:00Z')], [Date.parse('2026-11-30T08:00:00Z'), Date.parse('2026-11-30T16:00:00Z')]]]]);
      const tk = { first_response_due: '2026-11-30T10:00:00Z', sla: { remaining_business_seconds: 3 * 3600, target_kind: 'business', calendar: 'business' } };
      const left = b.businessLeft(tk, wins, fri16);
      return [left(fri16 + 1800e3), left(Date.parse('2026-11-28T12:00:00Z')), left(Date.parse('2026-11-30T09:00:00Z'))];
    });
    h.expectEqual(still.join(','), [3 * 3600 - 1800, 2 * 3600, 3600].join(','), 'business seconds left on Friday, Saturday and Monday');
    // In Romanian.
    await page.selectOption('#lang-switch', 'ro');
    h.expectEqual(await h.text(page, 'h1'), 'Coadă', 'the queue in Romanian');
    h.expectEqual(await h.text(page, `#queue-rows tr[data-id="${over.id}"] .badge`), 'Termen depășit', 'overdue in Romanian');
    h.expect(/^au mai rămas /.test(await h.text(page, cd)), 'the countdown in Romanian: ' + (await h.text(page, cd)));
    await page.selectOption('#lang-switch', 'en');
    // Refreshed without a reload: a new ticket shows up at the next poll.
    await page.evaluate(() => (window.__noReload = true));
    const fresh = await fileAt(ctx, await carla(ctx), NOW, { subject: 'Arrived while watching', body: 'Hello.', priority: 3 });
    await page.clock.fastForward(21000);
    await page.waitForSelector(`#queue-rows tr[data-id="${fresh.id}"]`);
    h.expect(await page.evaluate(() => window.__noReload === true), 'the page was not reloaded');
  }],

  ['agent_queue_filters_by_plan_priority_org_product', async (ctx) => {
    const { h } = ctx;
    const { over, warn, ok } = await queueTickets(ctx);
    const page = await pageAs(ctx, ctx.fixtures.admin);
    await page.goto('/agent');
    await page.waitForSelector(`#queue-rows tr[data-id="${ok.id}"]`);
    const ids = async () => page.$$eval('#queue-rows tr', (trs) => trs.map((tr) => Number(tr.dataset.id)));
    const wait = async (fn, what) => h.until(async () => fn(await ids()), what);
    await page.selectOption('#f-priority', '1');
    await wait((l) => l.includes(over.id) && !l.includes(warn.id) && !l.includes(ok.id), 'P1 only');
    h.expect(page.url().endsWith('/agent?priority=1'), 'the filter is in the address: ' + page.url());
    await page.selectOption('#f-priority', '');
    await page.selectOption('#f-product', 'Garant Cloud');
    await wait((l) => l.includes(over.id) && l.includes(warn.id) && !l.includes(ok.id), 'the product');
    await page.selectOption('#f-product', '');
    await page.selectOption('#f-org', String(ctx.fixtures.orgs.globex.id));
    await wait((l) => !l.includes(over.id) && !l.includes(ok.id), 'another organization');
    await page.selectOption('#f-org', '');
    await page.selectOption('#f-plan', 'basic');
    await wait((l) => !l.includes(ok.id), 'another plan');
    await page.click('#f-reset');
    await wait((l) => l.includes(over.id) && l.includes(ok.id), 'filters cleared');
    h.expect(page.url().endsWith('/agent'), 'and gone from the address');
    // A bookmarked filter applies on opening.
    await page.goto('/agent?plan=professional&priority=2');
    await wait((l) => l.includes(warn.id) && !l.includes(over.id), 'from the address');
    h.expectEqual(await page.inputValue('#f-priority'), '2', 'the filter shows');
    h.expectEqual(await page.inputValue('#f-plan'), 'professional', 'the plan filter shows');
  }],

  ['agent_sees_that_mail_to_the_requester_bounces', async (ctx) => {
    const { h } = ctx;
    const who = await carla(ctx);
    const tk = await fileAt(ctx, who, NOW, { subject: 'Invoices missing', body: 'Where are they?', priority: 3 });
    const page = await pageAs(ctx, ctx.fixtures.agent);
    await page.goto(`/agent-ticket?id=${tk.id}`);
    await page.waitForSelector('#ticket:not([hidden])');
    h.expect(!(await page.$('[data-fact="requester"] .bounce-badge')), 'no badge while her mail is delivered');
    // A delivery report marked her address (tests/http/test_mail_inbound.py
    // sends real-shaped ones through LMTP); here the row is set directly.
    const sql = "UPDATE users SET bounced_at = 1764237600, bounce_reason = '5.1.1 failed' WHERE email = 'carla@umbrella.example'";
    const r = spawnSync('python3', ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1], timeout=30); c.execute(sys.argv[2]); c.commit()', ctx.server.db, sql]);
    h.expectEqual(r.status, 0, 'the address marked: ' + r.stderr);
    await page.reload();
    await page.waitForSelector('[data-fact="requester"] .bounce-badge');
    h.expectEqual(await h.text(page, '[data-fact="requester"] .bounce-badge'), 'Mail bounces', 'the badge');
    h.expect((await page.getAttribute('[data-fact="requester"] .bounce-badge', 'title')).includes('5.1.1 failed'), 'why, on hover');
    await page.selectOption('#lang-switch', 'ro');
    await page.waitForSelector('text=Mailul revine');
    await page.selectOption('#lang-switch', 'en');
  }],

  ['agent_reclassifies_after_preview_customer_sees_deadline_and_reason', async (ctx) => {
    const { h } = ctx;
    const who = await carla(ctx);
    const tk = await fileAt(ctx, who, NOW, { subject: 'Checkout button missing', body: 'The <b>checkout</b> button is gone.', priority: 3, product: 'Garant Cloud' });
    h.expectEqual(tk.first_response_due, '2026-11-30T11:00:00Z', 'P3: Monday 12:00 CET');
    const page = await pageAs(ctx, ctx.fixtures.agent);
    await page.goto('/agent');
    const link = `#queue-rows tr[data-id="${tk.id}"] a.subject`;
    await page.waitForSelector(link);
    // Rows are links: the keyboard opens the ticket.
    await page.focus(link);
    await Promise.all([page.waitForURL(`**/agent-ticket?id=${tk.id}`), page.keyboard.press('Enter')]);
    await page.waitForSelector('#ticket:not([hidden])');
    h.expectEqual(await h.text(page, '#ticket-subject'), 'Checkout button missing', 'the subject');
    h.expectEqual(await page.textContent('#ticket-body'), 'The <b>checkout</b> button is gone.', 'the body as text');
    h.expect((await h.text(page, '[data-fact="org"]')).includes('Umbrella'), 'the organization');
    h.expect((await h.text(page, '[data-fact="requester"]')).includes('carla@umbrella.example'), 'the requester');
    h.expect((await h.text(page, '[data-fact="target"]')).includes('9 h of business hours'), 'the target');
    h.expect(/left \(business hours\)$/.test(await h.text(page, '[data-fact="left"] .countdown')), 'a live countdown');
    // The deadline's explanation: on click (and Escape), on hover.
    const tip = '[data-fact="due"] .tip';
    h.expect(await page.isHidden(`${tip} .tip-bubble`), 'the explanation starts folded');
    await page.click(`${tip} .tip-button`);
    h.expectEqual(await page.getAttribute(`${tip} .tip-button`, 'aria-expanded'), 'true', 'expanded');
    const expl = await h.text(page, `${tip} .tip-bubble`);
    const api = await ctx.server.expect(200, 'GET', `/api/v1/tickets/${tk.id}`, undefined, ctx.fixtures.agent.token);
    h.expect(expl.includes(api.sla.explanation) && api.sla.explanation.length > 0, 'the core’s explanation: ' + expl);
    h.expect(expl.includes('Target: 9 h of business hours (Professional plan, P3).'), 'and the target: ' + expl);
    await page.keyboard.press('Escape');
    h.expect(await page.isHidden(`${tip} .tip-bubble`), 'Escape folds it');
    h.expect(await page.evaluate(() => document.activeElement.classList.contains('tip-button')), 'and keeps the focus on its button');
    await page.mouse.move(1, 1);
    await page.hover(`${tip} .tip-button`);
    h.expect(await page.isVisible(`${tip} .tip-bubble`), 'hovering shows it');
    await page.mouse.move(1, 1);
    h.expect(await page.isHidden(`${tip} .tip-bubble`), 'and leaving hides it');
    // Reclassify: nothing can be confirmed before a preview.
    h.expect(await page.isDisabled('#reclass-submit'), 'no confirming without a preview');
    let patches = 0;
    page.on('request', (r) => {
      if (r.method() === 'PATCH') patches++;
    });
    await page.selectOption('#new-priority', '2');
    await page.waitForSelector('#preview[data-state="ready"][data-priority="2"]');
    h.expectEqual(await page.getAttribute('#preview .preview-new time[data-zone="cet"]', 'datetime'), '2026-11-27T16:00:00Z', 'the new deadline, before saving');
    h.expectEqual(await page.getAttribute('#preview .preview-old time[data-zone="cet"]', 'datetime'), '2026-11-30T11:00:00Z', 'beside the current one');
    h.expect((await h.text(page, '#preview')).includes('From P3 · General issue to P2 · Degraded service'), 'the change in words');
    h.expect((await h.text(page, '#preview .preview-rule')).length > 0, 'the rule that applies');
    const unchanged = await ctx.server.expect(200, 'GET', `/api/v1/tickets/${tk.id}`, undefined, ctx.fixtures.agent.token);
    h.expectEqual(unchanged.priority, 3, 'a preview changes nothing');
    // The reason is required.
    await page.click('#reclass-submit');
    await page.waitForSelector('#reason-error:not([hidden])');
    h.expectEqual(await h.text(page, '#reason-error'), 'Fill in this field.', 'a reason is asked for');
    h.expect(await page.evaluate(() => document.activeElement.id === 'reason'), 'the reason field has the focus');
    h.expectEqual(patches, 0, 'nothing was sent');
    const reason = 'Checkout is down for every EU customer <script>alert(1)</script>';
    await page.fill('#reason', reason);
    await page.click('#reclass-submit');
    await page.waitForSelector('#reclass-msg.msg-ok');
    h.expectEqual(patches, 1, 'one change');
    h.expect((await h.text(page, '[data-fact="priority"]')).includes('P2 · Degraded service'), 'the new priority');
    h.expectEqual(await page.getAttribute('[data-fact="due"] time[data-zone="cet"]', 'datetime'), '2026-11-27T16:00:00Z', 'the new deadline');
    const ev = '#history li[data-kind="priority_changed"]';
    h.expectEqual(await h.text(page, `${ev} .reason`), 'Reason: ' + reason, 'the reason in the history, as text');
    h.expectEqual(await page.locator('#new-priority option[value="2"]').count(), 0, 'the current priority is no choice');
    // An internal note, then a public reply (the first response).
    await page.fill('#reply', 'Escalated to the payments team.');
    await page.click('#note-submit');
    await page.waitForSelector('#conversation .message-note');
    h.expectEqual(await h.text(page, '#conversation .message-note .badge'), 'Internal note', 'marked as internal');
    h.expect(await page.isVisible('#history li[data-kind="noted"]'), 'the note is in the history');
    // The customer sees the new deadline and the reason, but not the note.
    const cust = await pageAs(ctx, who);
    await cust.goto(`/tickets?id=${tk.id}`);
    await cust.waitForSelector('#ticket:not([hidden])');
    h.expectEqual(await cust.getAttribute('[data-fact="due"] time[data-zone="cet"]', 'datetime'), '2026-11-27T16:00:00Z', 'the customer’s deadline');
    const cev = '#history li[data-kind="priority_changed"]';
    h.expectEqual(await h.text(cust, `${cev} .reason`), 'Reason: ' + reason, 'the customer reads the reason');
    h.expectEqual(await cust.getAttribute(`${cev} .due-new time[data-zone="cet"]`, 'datetime'), '2026-11-27T16:00:00Z', 'and the new deadline in the history');
    h.expect(!(await cust.textContent('#ticket')).includes('payments team'), 'the internal note stays internal');
    h.expectEqual(await cust.locator('#history script, #ticket script').count(), 0, 'no markup from the reason');
    // The public reply stops the clock; the status changes.
    await page.fill('#reply', 'We are on it.');
    await page.click('#reply-submit');
    await page.waitForSelector('#reply-msg.msg-ok');
    h.expect((await h.text(page, '#reply-msg')).includes('first response'), 'the first response: ' + (await h.text(page, '#reply-msg')));
    h.expectEqual(await h.text(page, '[data-fact="sla"] .badge'), 'Answered in time', 'met');
    await page.selectOption('#new-status', 'pending');
    await page.fill('#status-reason', 'Waiting for the customer’s logs');
    await page.click('#status-submit');
    await page.waitForSelector('#status-msg.msg-ok');
    h.expect((await h.text(page, '[data-fact="status"]')).includes('Pending'), 'pending');
    h.expect((await h.text(page, '#history li[data-kind="status_changed"]')).includes('Waiting for the customer’s logs'), 'with its note');
    // Answered, it leaves the queue.
    await page.goto('/agent');
    await page.waitForSelector('#queue-summary:not(:empty)');
    h.expectEqual(await page.locator(`#queue-rows tr[data-id="${tk.id}"]`).count(), 0, 'answered tickets leave the queue');
  }],

  ['follow_ups_wait_for_a_reply_and_a_closed_ticket_is_followed_up', async (ctx) => {
    const { h, server } = ctx;
    const who = await carla(ctx);
    const tCarla = await h.sessionOf(server, who);
    const agentToken = ctx.fixtures.agent.token;
    const tk = await fileAt(ctx, who, '2026-11-26T08:00:00Z', { subject: 'Invoices lack the VAT number', body: 'Since the last release.', priority: 3 });
    // Answered yesterday; this morning Carla writes again.
    try {
      await server.setClock('2026-11-26T09:00:00Z');
      await server.expect(201, 'POST', `/api/v1/tickets/${tk.id}/replies`, { body: 'We are looking into it.' }, agentToken);
      await server.setClock('2026-11-27T08:30:00Z');
      await server.expect(201, 'POST', `/api/v1/tickets/${tk.id}/replies`, { body: 'Thanks, any update?' }, tCarla);
    } finally {
      await server.setClock(NOW);
    }
    const problems = [];
    for (const viewport of [{ width: 1100, height: 760 }, { width: 375, height: 740 }]) {
      const page = await pageAs(ctx, ctx.fixtures.agent, { viewport });
      await h.enableAxe(page.context());
      await page.goto('/agent');
      const row = `#follow-up-rows tr[data-id="${tk.id}"]`;
      await page.waitForSelector(row);
      h.expect(await page.isVisible('#queue-empty'), 'no first response is waiting');
      // How long, in the list; since when (both zones) in its title.
      h.expectEqual(await h.text(page, `${row} .since-cell`), '1 h 30 min', 'waiting for 1 h 30 min');
      h.expectEqual(await page.getAttribute(`${row} .since-cell time`, 'datetime'), '2026-11-27T08:30:00Z', 'since 09:30 CET');
      h.expect((await page.getAttribute(`${row} .since-cell time`, 'title')).includes('09:30 CET'), 'the title says when: ' + (await page.getAttribute(`${row} .since-cell time`, 'title')));
      h.expectEqual(await h.text(page, `${row} a.subject`), 'Invoices lack the VAT number', 'the subject');
      for (const p of await h.accessibilityProblems(page)) problems.push(viewport.width + 'px /agent: ' + p);
      if (viewport.width < 400) h.expect((await page.evaluate(() => document.documentElement.scrollWidth)) <= 375, '/agent with follow-ups fits a phone');
    }
    h.expect(!problems.length, 'accessibility problems:\n  ' + problems.join('\n  '));
    // The agent opens it from the list and answers: it leaves the list.
    const page = await pageAs(ctx, ctx.fixtures.agent);
    await page.goto('/agent');
    await page.waitForSelector(`#follow-up-rows tr[data-id="${tk.id}"]`);
    await Promise.all([page.waitForURL(`**/agent-ticket?id=${tk.id}`), page.click(`#follow-up-rows tr[data-id="${tk.id}"] a.subject`)]);
    await page.waitForSelector('[data-fact="waiting"]');
    h.expect((await h.text(page, '[data-fact="waiting"]')).includes('09:30 CET'), 'the ticket says since when it waits');
    await page.fill('#reply', 'The VAT number is back on every invoice.');
    await page.click('#reply-submit');
    await page.waitForSelector('#reply-msg.msg-ok');
    await page.waitForFunction(() => !document.querySelector('[data-fact="waiting"]'));
    await page.goto('/agent');
    await page.waitForSelector('#follow-ups-empty:not([hidden])');
    h.expectEqual(await h.text(page, '#follow-ups-empty'), 'No customer is waiting for a reply.', 'nobody waits');
    // Closed: no reply form for the agent, nor for Carla, who is offered a follow-up ticket.
    await server.expect(200, 'PATCH', `/api/v1/tickets/${tk.id}`, { status: 'closed' }, agentToken);
    await page.goto(`/agent-ticket?id=${tk.id}`);
    await page.waitForSelector('#closed-note:not([hidden])');
    h.expect(await page.isHidden('#reply-form'), 'the agent cannot reply to a closed ticket');
    const cust = await pageAs(ctx, who);
    await cust.goto(`/tickets?id=${tk.id}`);
    await cust.waitForSelector('#closed-note:not([hidden])');
    h.expect(await cust.isHidden('#reply-form'), 'the customer cannot reply to a closed ticket');
    h.expectEqual(await h.text(cust, '#closed-note'), 'This ticket is closed and takes no more replies. File a follow-up ticket to continue.', 'what Carla reads');
    await Promise.all([cust.waitForURL(`**/new?follow_up_of=${tk.id}`), cust.click('#follow-up-link')]);
    await cust.waitForSelector('#follow-up-note:not([hidden])');
    h.expectEqual(await h.text(cust, '#follow-up-note'), `This ticket follows up the closed ticket #${tk.id}.`, 'the new ticket names it');
    await cust.waitForSelector('#ticket-form:not([hidden])');
    await cust.fill('#subject', 'VAT number missing again');
    await cust.fill('#body', 'It is gone from the December invoices.');
    await cust.check('#prio-3');
    await Promise.all([cust.waitForURL('**/tickets?id=*'), cust.click('#ticket-submit')]);
    const newId = Number(new URL(cust.url()).searchParams.get('id'));
    const made = await server.expect(200, 'GET', `/api/v1/tickets/${newId}`, undefined, tCarla);
    h.expectEqual(made.follow_up_of, tk.id, 'filed as a follow-up');
    await cust.waitForSelector('[data-fact="followUpOf"] a');
    h.expectEqual(await cust.getAttribute('[data-fact="followUpOf"] a', 'href'), `/tickets?id=${tk.id}`, 'and links to it');
  }],

  ['agent_pages_refuse_customers_fit_a_phone_and_pass_axe', async (ctx) => {
    const { h } = ctx;
    const { ok } = await queueTickets(ctx);
    // A customer gets no queue.
    const cust = await pageAs(ctx, await carla(ctx));
    await cust.goto('/agent');
    await cust.waitForSelector('main .msg-info');
    h.expectEqual(await h.text(cust, 'main .msg-info'), 'This page is for the support team.', 'customers are told');
    h.expectEqual(await cust.locator('#queue-rows tr').count(), 0, 'and see no tickets');
    const problems = [];
    for (const viewport of [{ width: 1100, height: 760 }, { width: 375, height: 740 }]) {
      const page = await pageAs(ctx, ctx.fixtures.agent, { viewport });
      await h.enableAxe(page.context());
      const size = viewport.width + 'px ';
      await page.goto('/agent');
      await page.waitForSelector(`#queue-rows tr[data-id="${ok.id}"]`);
      for (const p of await h.accessibilityProblems(page)) problems.push(size + '/agent: ' + p);
      const wide = async () => page.evaluate(() => document.documentElement.scrollWidth);
      if (viewport.width < 400) h.expect((await wide()) <= 375, `/agent fits a phone (${await wide()})`);
      await page.goto(`/agent-ticket?id=${ok.id}`);
      await page.waitForSelector('#ticket:not([hidden])');
      await page.click('[data-fact="due"] .tip-button');
      await page.selectOption('#new-priority', '1');
      await page.waitForSelector('#preview[data-state="ready"]');
      for (const p of await h.accessibilityProblems(page)) problems.push(size + '/agent-ticket: ' + p);
      if (viewport.width < 400) h.expect((await wide()) <= 375, `/agent-ticket fits a phone (${await wide()})`);
    }
    h.expect(!problems.length, 'accessibility problems:\n  ' + problems.join('\n  '));
    // Keyboard: from the skip link through the filters to the first ticket.
    const page = await pageAs(ctx, ctx.fixtures.agent);
    await page.goto('/agent');
    await page.waitForSelector(`#queue-rows tr[data-id="${ok.id}"]`);
    await page.focus('#f-reset');
    const seen = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      seen.push(await page.evaluate(() => {
        const el = document.activeElement;
        const cs = getComputedStyle(el);
        return (el.getAttribute('href') || el.className || el.id) + (cs.outlineStyle !== 'none' ? '' : ' (no focus ring)');
      }));
    }
    // The select-all box, the first row's box, then its link.
    h.expect(seen[0].includes('select-all') && seen[1].includes('row-select') && seen[2].startsWith('/agent-ticket?id='), 'Tab goes from the filters to the first ticket: ' + seen.join(', '));
    h.expect(seen.every((s) => !s.includes('no focus ring')), 'focus is visible: ' + seen.join(', '));
    // A refresh keeps the focus where it was, and an open explanation open.
    const subject = `#queue-rows tr[data-id="${ok.id}"] a.subject`;
    await page.focus(subject);
    await page.click(`#queue-rows tr[data-id="${ok.id}"] .tip-button`);
    await page.focus(subject);
    const polls = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/queue') polls.push(r.url());
    });
    // A refresh ends by rewriting the summary line (render(), after any
    // change to the rows and the focus); count those rewrites.
    await page.evaluate(() => {
      window.__renders = 0;
      new MutationObserver(() => window.__renders++).observe(document.querySelector('#queue-summary'), { childList: true, characterData: true, subtree: true });
    });
    await page.clock.fastForward(21000);
    await h.until(() => polls.length > 0, 'the queue was fetched again');
    await page.waitForFunction(() => window.__renders > 0);
    h.expect(await page.evaluate((sel) => document.activeElement === document.querySelector(sel), subject), 'the focus stayed on the ticket’s link');
    h.expect(await page.isVisible(`#queue-rows tr[data-id="${ok.id}"] .tip-bubble`), 'the explanation stayed open');
  }],

  ['agent_screenshots', async (ctx) => {
    const { h } = ctx;
    await queueTickets(ctx);
    await ctx.server.waitMonitorRounds(); // its warning and breach are in the pictures on every run
    // The queue's pictures are queue.tests.mjs's (30 tickets).
    const frozen = { fixedTime: NOW };
    const page = await pageAs(ctx, ctx.fixtures.agent, frozen);
    const warn = ctx.state.queueTickets.warn;
    await page.goto(`/agent-ticket?id=${warn.id}`);
    await page.waitForSelector('#ticket:not([hidden])');
    await page.selectOption('#new-priority', '1');
    await page.waitForSelector('#preview[data-state="ready"]');
    await page.fill('#reason', 'Reports block the month-end close');
    await page.click('[data-fact="due"] .tip-button');
    await h.screenshot(page, ctx.shots, 'agent-ticket');
  }],
];
