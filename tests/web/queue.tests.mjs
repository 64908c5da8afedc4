// queue.tests.mjs - the agents' dense queue in a real browser (issue 15):
// one line per ticket with requester, organization, priority, status,
// assignee, age, last update and the countdown, at least 25 tickets in
// view at 1280 px, two-line cards and no sideways scrolling at 375 px;
// the keyboard (j/k and the arrows, Enter/o, r, x, /, the "?" dialog, and
// j/k/r/u on the ticket page), never while typing; axe clean throughout;
// and the README's screenshots of the queue.
//
// Each test has a server of its own (run.mjs) whose test clock stands at
// Friday 27 Nov 2026, 11:00 CET (10:00Z). The tickets are filed by the
// agent on the customers' behalf (a phone call, dated back with
// received_at), which gives them their ages without moving the clock.

import { umbrella } from './staff-fixtures.mjs';

const NOW = '2026-11-27T10:00:00Z';
const LONG_SUBJECT =
  'The invoice export to the accounting system drops every line item whose description holds a semicolon, and the totals no longer match';

async function pageAs(ctx, who, opts = {}) {
  return ctx.browser.page({ ...opts, session: await ctx.h.sessionOf(ctx.server, who) });
}

/** Three customers (two at Umbrella, one at Acme) and `n` tickets filed for
 *  them, the i-th received 47 * i minutes before now: the newest first in
 *  the list, one with a long subject, one answered and followed up, one
 *  with an internal note ten minutes ago. Made once a test. */
async function crowd(ctx, n = 32) {
  if (ctx.state.crowd) return ctx.state.crowd;
  const { h, server } = ctx;
  await umbrella(ctx);
  const people = [
    await h.makeCustomer(server, ctx.smtp, 'carla@umbrella.example', 'Carla Ionescu'),
    await h.makeCustomer(server, ctx.smtp, 'dan@umbrella.example', 'Dan Popa'),
    await h.makeCustomer(server, ctx.smtp, 'ana@acme.example', 'Ana Marin'),
  ];
  const agent = ctx.fixtures.agent.token;
  const tickets = [];
  for (let i = 0; i < n; i++) {
    const who = people[i % people.length];
    const at = new Date(Date.parse(NOW) - 47 * 60000 * (i + 1)).toISOString().replace('.000Z', 'Z');
    const subject = i === 3 ? LONG_SUBJECT : `Request ${i + 1}: ${['checkout fails', 'slow reports', 'missing invoice', 'login loops'][i % 4]}`;
    tickets.push(
      await server.expect(201, 'POST', '/api/v1/tickets', { requester: who.email, received_at: at, subject, body: 'Details on the phone.', priority: 1 + (i % 3) }, agent),
    );
  }
  // An internal note on the fifth ticket, ten minutes ago.
  try {
    await server.setClock('2026-11-27T09:50:00Z');
    await server.expect(201, 'POST', `/api/v1/tickets/${tickets[4].id}/replies`, { body: 'Asked the payments team.', public: false }, agent);
  } finally {
    await server.setClock(NOW);
  }
  ctx.state.crowd = { people, tickets };
  return ctx.state.crowd;
}

/** The agent's queue at 1280 px with axe on, once its `rows` rows are in. */
async function agentQueue(ctx, rows) {
  const page = await pageAs(ctx, ctx.fixtures.agent, { viewport: { width: 1280, height: 800 } });
  await ctx.h.enableAxe(page.context());
  await page.goto('/agent');
  await page.waitForFunction((n) => document.querySelectorAll('#queue-rows tr').length === n, rows);
  return page;
}

const rowSel = (id) => `#queue-rows tr[data-id="${id}"]`;
const pageWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth);

/** The header cells of the queue's and the follow-ups' tables: scope,
 *  class, text, and the select-all box's label. */
const heads = (page) =>
  page.evaluate(() =>
    ['#queue-table', '#follow-ups-table'].map((sel) =>
      [...document.querySelectorAll(sel + ' thead th')].map((th) => ({
        scope: th.getAttribute('scope'),
        cls: th.className,
        text: th.textContent.trim(),
        box: th.querySelector('input[type=checkbox]') ? th.querySelector('input[type=checkbox]').getAttribute('aria-label') : null,
      })),
    ),
  );

export const tests = [
  ['queue_and_follow_ups_headers_from_one_column_list', async (ctx) => {
    const { h } = ctx;
    const { tickets } = await crowd(ctx, 6);
    const problems = [];
    const page = await agentQueue(ctx, tickets.length);
    let [queue, follow] = await heads(page);
    h.expectEqual(queue.length, 11, 'the queue has eleven columns');
    h.expectEqual(follow.length, 11, 'the follow-ups have eleven columns');
    h.expect([...queue, ...follow].every((c) => c.scope === 'col'), 'every header cell is a column header');
    h.expectEqual(JSON.stringify(follow.slice(1, 10)), JSON.stringify(queue.slice(1, 10)), 'the same columns but the last');
    h.expectEqual(queue.map((c) => c.text).join('|'),
      '|Ticket|Subject|Requester|Organization|Priority|Status|Assigned to|Age|Updated|First response', 'the queue\'s columns');
    h.expectEqual(follow[10].text, 'Waiting since', 'the follow-ups\' last column');
    h.expectEqual(queue.map((c) => c.cls).join(' '), 'c-sel c-id c-subject c-requester c-org c-prio c-status c-assignee c-age c-updated c-sla',
      'the header cells carry the classes of the row cells under them');
    h.expectEqual(queue[0].box, 'Select every ticket listed', 'the queue\'s select-all box is labelled');
    h.expectEqual(follow[0].box, 'Select every ticket waiting for a reply', 'the follow-ups\' select-all box is labelled');
    h.expectEqual(await page.$eval('#queue-table thead th.c-id', (th) => getComputedStyle(th).position), 'sticky', 'the head sticks');
    // The box in the written head still selects every ticket listed.
    await page.check('#select-all');
    await h.until(async () => (await page.$$eval('#queue-rows .row-select:checked', (b) => b.length)) === tickets.length,
      'select-all selects every row');
    await page.uncheck('#select-all');
    for (const p of await h.accessibilityProblems(page)) problems.push('/agent: ' + p);
    // In Romanian, both heads, the boxes' labels too.
    await page.selectOption('#lang-switch', 'ro');
    await h.until(async () => (await heads(page))[0][10].text === 'Primul răspuns', 'the queue\'s head in Romanian');
    [queue, follow] = await heads(page);
    h.expectEqual(follow[10].text, 'Așteaptă din', 'the follow-ups\' last column in Romanian');
    h.expectEqual(queue[1].text, follow[1].text, 'one text for a shared column');
    h.expect(queue[1].text !== 'Ticket', 'the shared columns in Romanian: ' + queue[1].text);
    h.expectEqual(queue[0].box, 'Selectează toate tichetele afișate', 'the box\'s label in Romanian');
    h.expectEqual(follow[0].box, 'Selectează toate tichetele care așteaptă un răspuns', 'the other box\'s label in Romanian');
    for (const p of await h.accessibilityProblems(page)) problems.push('/agent (ro): ' + p);
    h.expect(!problems.length, 'accessibility problems:\n  ' + problems.join('\n  '));
  }],

  ['dense_queue_25_rows_at_1280_cards_at_375', async (ctx) => {
    const { h } = ctx;
    const { tickets } = await crowd(ctx);
    const problems = [];
    const page = await pageAs(ctx, ctx.fixtures.agent, { viewport: { width: 1280, height: 800 } });
    await h.enableAxe(page.context());
    await page.goto('/agent');
    await page.waitForFunction((n) => document.querySelectorAll('#queue-rows tr').length >= n, tickets.length);
    // One line per ticket: every row as tall as the others, and short.
    const heights = await page.$$eval('#queue-rows tr', (trs) => trs.map((tr) => tr.getBoundingClientRect().height));
    h.expect(Math.max(...heights) <= 34, 'every row is one line: ' + heights.join(','));
    // With the table's head at the top of the window, 25 tickets or more are in view.
    const inView = await page.evaluate(() => {
      const table = document.querySelector('#queue-table');
      window.scrollTo(0, table.getBoundingClientRect().top + window.scrollY);
      const head = table.querySelector('thead').getBoundingClientRect().bottom;
      return [...table.querySelectorAll('tbody tr')].filter((tr) => {
        const r = tr.getBoundingClientRect();
        return r.top >= head - 1 && r.bottom <= window.innerHeight + 0.5;
      }).length;
    });
    h.expect(inView >= 25, `25 tickets or more in view at 1280 x 800 below the table's head: ${inView}`);
    // The columns: what the row says of the ticket filed 47 * 5 min ago, with a note 10 min ago.
    const cells = await page.$eval(rowSel(tickets[4].id), (tr) =>
      Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.className, (td.querySelector('.prio-full') || td).textContent.trim()])),
    );
    h.expectEqual(cells['c-id'], '#' + tickets[4].id, 'the number');
    h.expectEqual(cells['c-subject'], 'Request 5: checkout fails', 'the subject');
    h.expectEqual(cells['c-requester'], 'Dan Popa', 'the requester');
    h.expectEqual(cells['c-org'], 'Umbrella', 'the organization');
    h.expectEqual(cells['c-prio'], 'P2 · Degraded service', 'the priority');
    h.expectEqual(cells['c-status'], 'Open', 'the status');
    h.expectEqual(cells['c-assignee'], 'No one', 'the assignee');
    h.expectEqual(cells['c-age'], '3 h 55 min', 'the age: filed 235 min ago');
    h.expectEqual(cells['c-updated'], '10 min ago', 'the last update: the note');
    h.expect(/ (left|late) \(business hours\)/.test(cells['c-sla']), 'the countdown: ' + cells['c-sla']);
    // No seconds anywhere in the lists.
    const texts = await page.$$eval('#queue-rows tr', (trs) => trs.map((tr) => tr.textContent));
    h.expect(texts.every((s) => !/\d\s?s\b/.test(s)), 'no seconds: ' + texts.find((s) => /\d\s?s\b/.test(s)));
    // The long subject is cut to its column, its full text still the link's (and its title).
    const cut = await page.$eval(`${rowSel(tickets[3].id)} a.subject`, (a) => ({ text: a.textContent, title: a.title, cut: a.scrollWidth > a.clientWidth }));
    h.expect(cut.cut && cut.text === LONG_SUBJECT && cut.title === LONG_SUBJECT, 'the long subject: ' + JSON.stringify(cut));
    // The deadline and why, from the row.
    await page.click(`${rowSel(tickets[0].id)} .tip-button`);
    h.expect((await h.text(page, `${rowSel(tickets[0].id)} .tip-bubble`)).startsWith('Answer due '), 'the due time in the explanation');
    h.expect(await page.isVisible(`${rowSel(tickets[0].id)} .tip-bubble`), 'the explanation opens');
    for (const p of await h.accessibilityProblems(page)) problems.push('1280px /agent: ' + p);
    await page.keyboard.press('Escape');
    // The views are as dense: Unassigned lists them too.
    await page.click('#view-unassigned');
    await page.waitForFunction(() => document.querySelector('#view-lead').textContent.includes('assigned to no agent'));
    await page.waitForFunction((n) => document.querySelectorAll('#queue-rows tr').length >= n, tickets.length);
    const vh = await page.$$eval('#queue-rows tr', (trs) => trs.map((tr) => tr.getBoundingClientRect().height));
    h.expect(Math.max(...vh) <= 34, 'the Unassigned view is one line per ticket too: ' + vh.join(','));
    for (const p of await h.accessibilityProblems(page)) problems.push('1280px /agent?view=unassigned: ' + p);
    h.expect((await pageWidth(page)) <= 1280, `no sideways scrolling at 1280 px (${await pageWidth(page)})`);

    // A phone: two-line cards, nothing wider than the screen.
    const phone = await pageAs(ctx, ctx.fixtures.agent, { viewport: { width: 375, height: 740 } });
    await h.enableAxe(phone.context());
    await phone.goto('/agent');
    await phone.waitForFunction((n) => document.querySelectorAll('#queue-rows tr').length >= n, tickets.length);
    h.expect((await pageWidth(phone)) <= 375, `/agent fits a phone (${await pageWidth(phone)})`);
    const cards = await phone.$$eval('#queue-rows tr', (trs) =>
      trs.map((tr) => {
        // Lines: the shown cells' vertical middles, a new line wherever
        // one lies below the previous line's bottom.
        const boxes = [...tr.querySelectorAll('td')].map((td) => td.getBoundingClientRect()).filter((r) => r.width > 1).sort((a, b) => a.top - b.top);
        let lines = 0;
        let bottom = -Infinity;
        for (const r of boxes)
          if ((r.top + r.bottom) / 2 > bottom) {
            lines++;
            bottom = r.bottom;
          } else bottom = Math.max(bottom, r.bottom);
        return { id: tr.dataset.id, lines, right: Math.max(...boxes.map((r) => r.right)) };
      }),
    );
    h.expect(cards.every((c) => c.lines <= 2 && c.right <= 375), 'two-line cards within the screen: ' + JSON.stringify(cards.filter((c) => c.lines > 2 || c.right > 375)));
    // The long subject is cut with an ellipsis inside its card.
    const phoneCut = await phone.$eval(`${rowSel(tickets[3].id)} a.subject`, (a) => {
      const td = a.closest('td').getBoundingClientRect();
      const r = a.getBoundingClientRect();
      return { cut: a.scrollWidth > a.clientWidth, inside: r.right <= td.right + 0.5, ellipsis: getComputedStyle(a).textOverflow, a: r.width, td: td.width };
    });
    h.expect(phoneCut.cut && phoneCut.inside && phoneCut.ellipsis === 'ellipsis', 'the long subject on a phone: ' + JSON.stringify(phoneCut));
    for (const p of await h.accessibilityProblems(phone)) problems.push('375px /agent: ' + p);
    h.expect(!problems.length, 'accessibility problems:\n  ' + problems.join('\n  '));
  }],

  ['keyboard_moves_opens_selects_and_lists_its_keys', async (ctx) => {
    const { h } = ctx;
    const { tickets } = await crowd(ctx, 6);
    const problems = [];
    const page = await agentQueue(ctx, tickets.length);
    const order = await page.$$eval('#queue-rows tr', (trs) => trs.map((tr) => Number(tr.dataset.id)));
    const state = () =>
      page.evaluate(() => {
        const cur = document.querySelector('#queue-rows tr[aria-current="true"]');
        const el = document.activeElement;
        return {
          current: cur ? Number(cur.dataset.id) : null,
          focusRow: el && el.closest('tr[data-id]') ? Number(el.closest('tr[data-id]').dataset.id) : null,
          focus: el ? el.tagName + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : '') : '',
          ring: el ? getComputedStyle(el).outlineStyle !== 'none' : false,
          selected: [...document.querySelectorAll('#queue-rows .row-select:checked')].map((b) => Number(b.value)),
          dialog: document.querySelector('#keys-dialog').open,
        };
      });
    // j, j, k: the second row, then the first; the focus and its ring follow.
    await page.keyboard.press('j');
    let s = await state();
    h.expect(s.current === order[0] && s.focusRow === order[0] && s.ring, 'j: the first row: ' + JSON.stringify(s));
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    s = await state();
    h.expect(s.current === order[2] && s.focusRow === order[2] && s.ring && s.focus.includes('subject'), 'j j: the third row: ' + JSON.stringify(s));
    await page.keyboard.press('k');
    s = await state();
    h.expect(s.current === order[1] && s.focusRow === order[1], 'k: back to the second: ' + JSON.stringify(s));
    await page.keyboard.press('ArrowDown');
    s = await state();
    h.expect(s.current === order[2], 'the down arrow: the third: ' + JSON.stringify(s));
    await page.keyboard.press('ArrowUp');
    s = await state();
    h.expect(s.current === order[1], 'the up arrow: the second: ' + JSON.stringify(s));
    // x selects the current row, and again unselects it.
    await page.keyboard.press('x');
    s = await state();
    h.expectEqual(s.selected.join(), String(order[1]), 'x selects the current ticket');
    h.expect(await page.$eval(`${rowSel(order[1])}`, (tr) => tr.classList.contains('selected')), 'the row shows it');
    await page.keyboard.press('x');
    h.expectEqual((await state()).selected.join(), '', 'x again unselects it');
    // ? opens the list of keys; Escape closes it and the focus comes back.
    await page.keyboard.press('Shift+?');
    await page.waitForSelector('#keys-dialog[open]');
    const listed = await page.$$eval('#keys-rows tr', (trs) => trs.map((tr) => tr.textContent));
    for (const want of ['Next ticket', 'Previous ticket', 'Open the ticket', 'Open the ticket at its reply box', 'Assign the selected tickets, or this one', 'Select the ticket, or unselect it', 'Go to the search', 'Show this list'])
      h.expect(listed.some((l) => l.includes(want)), `the dialog lists "${want}": ${listed.join(' | ')}`);
    h.expect(listed.some((l) => l.includes('j') && l.includes('Down arrow')), 'j or the down arrow: ' + listed.join(' | '));
    h.expect(await page.evaluate(() => document.querySelector('#keys-dialog').contains(document.activeElement)), 'the focus is in the dialog');
    for (const p of await h.accessibilityProblems(page)) problems.push('the keys dialog: ' + p);
    await page.keyboard.press('j'); // inside the dialog: no move behind it
    await page.keyboard.press('Escape');
    await page.waitForSelector('#keys-dialog:not([open])', { state: 'attached' });
    s = await state();
    h.expect(!s.dialog && s.focusRow === order[1] && s.current === order[1], 'closed, the focus back on the row: ' + JSON.stringify(s));
    // The button opens it too, and the focus returns to the button.
    await page.click('#keys-open');
    await page.waitForSelector('#keys-dialog[open]');
    await page.click('#keys-close');
    await page.waitForSelector('#keys-dialog:not([open])', { state: 'attached' });
    h.expectEqual(await page.evaluate(() => document.activeElement.id), 'keys-open', 'the focus back on the button');
    // / goes to the search, where every key is text.
    await page.keyboard.press('j');
    await page.keyboard.press('/');
    h.expectEqual(await page.evaluate(() => document.activeElement.id), 'f-q', '/ focuses the search');
    const before = await state();
    await page.keyboard.type('jk?xo/r');
    s = await state();
    h.expectEqual(await page.inputValue('#f-q'), 'jk?xo/r', 'typed as text');
    h.expect(!s.dialog && s.current === before.current && !s.selected.length && page.url().endsWith('/agent'), 'no shortcut fired while typing: ' + JSON.stringify(s));
    // Modifier keys are the browser's.
    await page.fill('#f-q', '');
    await page.focus(`${rowSel(order[0])} a.subject`);
    await page.keyboard.press('Control+j');
    h.expectEqual((await state()).current, order[0], 'Ctrl+j is not j');
    h.expect(!problems.length, 'accessibility problems:\n  ' + problems.join('\n  '));

    // o opens the current ticket; there j and k walk the queue, r goes to the reply box, u back.
    await page.keyboard.press('j');
    await Promise.all([page.waitForURL(`**/agent-ticket?id=${order[1]}`), page.keyboard.press('o')]);
    await page.waitForSelector('#ticket:not([hidden])');
    await page.waitForSelector('#assign-group option', { state: 'attached' });
    await Promise.all([page.waitForURL(`**/agent-ticket?id=${order[2]}`), page.keyboard.press('j')]);
    await page.waitForSelector('#ticket:not([hidden])');
    await page.waitForSelector('#assign-group option', { state: 'attached' });
    await Promise.all([page.waitForURL(`**/agent-ticket?id=${order[1]}`), page.keyboard.press('k')]);
    await page.waitForSelector('#ticket:not([hidden])');
    await page.waitForSelector('#assign-group option', { state: 'attached' });
    await page.keyboard.press('r');
    h.expectEqual(await page.evaluate(() => document.activeElement.id), 'reply', 'r: the reply box');
    await page.keyboard.type('jk');
    h.expectEqual(await page.inputValue('#reply'), 'jk', 'typing a reply is typing');
    await page.fill('#reply', '');
    await page.focus('#ticket-subject').catch(() => {});
    await page.evaluate(() => document.activeElement.blur());
    await page.keyboard.press('Shift+?');
    await page.waitForSelector('#keys-dialog[open]');
    h.expect((await h.text(page, '#keys-rows')).includes('Next ticket of the list you came from'), 'the ticket page lists its keys');
    for (const p of await h.accessibilityProblems(page)) problems.push('/agent-ticket keys: ' + p);
    await page.keyboard.press('Escape');
    await Promise.all([page.waitForURL('**/agent'), page.keyboard.press('u')]);
    // r in the queue opens the ticket at its reply box.
    await page.waitForFunction((n) => document.querySelectorAll('#queue-rows tr').length === n, tickets.length);
    await page.keyboard.press('j');
    await Promise.all([page.waitForURL(`**/agent-ticket?id=${order[0]}#reply`), page.keyboard.press('r')]);
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'reply');
    h.expect(!problems.length, 'accessibility problems:\n  ' + problems.join('\n  '));
  }],

  ['bulk_bar_assigns_three_and_shows_a_refusal', async (ctx) => {
    const { h, server } = ctx;
    const { tickets } = await crowd(ctx, 6);
    const admin = ctx.fixtures.admin.token;
    const agentId = (await server.expect(200, 'GET', '/api/v1/me', undefined, ctx.fixtures.agent.token)).user.id;
    const bobPassword = server.addStaff('bob@garant.test', 'agent');
    const bobId = (await server.expect(200, 'GET', '/api/v1/me', undefined, await server.login('bob@garant.test', bobPassword))).user.id;
    const billing = await server.expect(201, 'POST', '/api/v1/groups', { name: 'Billing', members: [String(agentId)] }, admin);
    await server.expect(200, 'PATCH', `/api/v1/tickets/${tickets[5].id}`, { group_id: billing.id }, admin);
    const problems = [];
    const page = await agentQueue(ctx, tickets.length);
    h.expect(await page.isHidden('#bulk-bar'), 'no bar without a selection');
    const three = [tickets[0].id, tickets[1].id, tickets[2].id];
    for (const id of three) await page.check(`${rowSel(id)} .row-select`);
    await page.waitForSelector('#bulk-bar:not([hidden])');
    h.expectEqual(await h.text(page, '#bulk-count'), 'Selected: 3', 'the bar counts them');
    await page.waitForSelector(`#bulk-agent option[value="${agentId}"]`, { state: 'attached' });
    for (const p of await h.accessibilityProblems(page)) problems.push('1280px the bulk bar: ' + p);
    // Nothing chosen: nothing sent.
    let posts = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/v1/tickets/bulk')) posts++;
    });
    await page.click('#bulk-apply');
    await page.waitForSelector('#bulk-msg:not([hidden])');
    h.expect((await h.text(page, '#bulk-msg')).startsWith('Choose a change first'), 'a change is asked for');
    // A priority needs its reason.
    await page.selectOption('#bulk-priority', '1');
    await page.click('#bulk-apply');
    await page.waitForSelector('#bulk-reason-error:not([hidden])');
    h.expectEqual(await h.text(page, '#bulk-reason-error'), 'Fill in this field.', 'the reason is asked for');
    h.expectEqual(await page.evaluate(() => document.activeElement.id), 'bulk-reason', 'and has the focus');
    h.expectEqual(posts, 0, 'nothing was sent');
    await page.selectOption('#bulk-priority', '');
    // Assign the three to me, in Billing.
    await page.selectOption('#bulk-agent', String(agentId));
    await page.selectOption('#bulk-group', String(billing.id));
    await page.click('#bulk-apply');
    await page.waitForSelector('#bulk-result:not([hidden])');
    h.expectEqual(await h.text(page, '#bulk-result'), 'Tickets changed: 3.', 'the result');
    h.expectEqual(posts, 1, 'one request');
    await page.waitForSelector('#bulk-bar', { state: 'hidden' });
    await page.waitForFunction((ids) => ids.every((id) => document.querySelector(`#queue-rows tr[data-id="${id}"] .c-assignee`).textContent === 'You · Billing'), three);
    h.expectEqual(await page.locator('#queue-rows .row-select:checked').count(), 0, 'the selection is cleared');
    for (const id of three) {
      const tk = await server.expect(200, 'GET', `/api/v1/tickets/${id}`, undefined, admin);
      h.expect(tk.assignee_id === agentId && tk.group_id === billing.id, 'assigned: ' + JSON.stringify([tk.assignee_id, tk.group_id]));
      h.expectEqual(tk.history.filter((e) => e.kind === 'assigned').length, 1, 'one assigned event on #' + id);
    }
    // A refusal: Bob is not in Billing, which has tickets[5]; nothing changes.
    await page.check(`${rowSel(tickets[3].id)} .row-select`);
    await page.check(`${rowSel(tickets[5].id)} .row-select`);
    await page.waitForSelector(`#bulk-agent option[value="${bobId}"]`, { state: 'attached' });
    await page.selectOption('#bulk-agent', String(bobId));
    await page.click('#bulk-apply');
    await page.waitForSelector('#bulk-msg.msg-error:not([hidden])');
    const refusal = await h.text(page, '#bulk-msg');
    h.expect(refusal.includes(String(tickets[5].id)) && !refusal.startsWith('Choose'), 'the server names the refused ticket: ' + refusal);
    h.expect((await server.expect(200, 'GET', `/api/v1/tickets/${tickets[3].id}`, undefined, admin)).assignee_id === null, 'all or nothing');
    h.expectEqual(await page.locator('#queue-rows .row-select:checked').count(), 2, 'the selection stays for another try');
    await page.click('#bulk-clear');
    await page.waitForSelector('#bulk-bar', { state: 'hidden' });
    // "a" with nothing selected: the current ticket, in the bar, at the agent.
    await page.focus(`${rowSel(tickets[4].id)} a.subject`);
    await page.keyboard.press('a');
    await page.waitForSelector('#bulk-bar:not([hidden])');
    h.expectEqual(await page.evaluate(() => document.activeElement.id), 'bulk-agent', 'a: the bar, at its agent');
    h.expectEqual((await page.$$eval('#queue-rows .row-select:checked', (b) => b.map((x) => Number(x.value)))).join(), String(tickets[4].id), 'the current ticket selected');
    // The history on the ticket page shows the bulk assignment.
    await page.goto(`/agent-ticket?id=${three[1]}`);
    await page.waitForSelector('#history li[data-kind="assigned"]');
    h.expect((await h.text(page, '#history li[data-kind="assigned"]')).includes('Assigned to agent@garant.test, group: Billing'), 'the history: ' + (await h.text(page, '#history li[data-kind="assigned"]')));
    // A phone: the bar in the page's flow, nothing sideways.
    const phone = await pageAs(ctx, ctx.fixtures.agent, { viewport: { width: 375, height: 740 } });
    await h.enableAxe(phone.context());
    await phone.goto('/agent');
    await phone.waitForFunction((n) => document.querySelectorAll('#queue-rows tr').length === n, tickets.length);
    await phone.check(`${rowSel(tickets[0].id)} .row-select`);
    await phone.waitForSelector('#bulk-bar:not([hidden])');
    h.expect((await pageWidth(phone)) <= 375, `the bar fits a phone (${await pageWidth(phone)})`);
    for (const p of await h.accessibilityProblems(phone)) problems.push('375px the bulk bar: ' + p);
    h.expect(!problems.length, 'accessibility problems:\n  ' + problems.join('\n  '));
  }],

  ['saved_view_saved_reloaded_picked_renamed_deleted', async (ctx) => {
    const { h, server } = ctx;
    const { tickets } = await crowd(ctx, 9);
    const admin = ctx.fixtures.admin.token;
    const agentId = (await server.expect(200, 'GET', '/api/v1/me', undefined, ctx.fixtures.agent.token)).user.id;
    const bobPassword = server.addStaff('bob@garant.test', 'agent');
    const bob = await server.login('bob@garant.test', bobPassword);
    const bobId = (await server.expect(200, 'GET', '/api/v1/me', undefined, bob)).user.id;
    const billing = await server.expect(201, 'POST', '/api/v1/groups', { name: 'Billing', members: [String(agentId), String(bobId)] }, admin);
    await server.expect(201, 'POST', '/api/v1/views', { name: 'Billing backlog', query: `status=open&group=${billing.id}`, group_id: billing.id }, bob);
    // "invoice" at P1: the long subject (i = 3) and "missing invoice" (i = 6).
    const want = [tickets[3].id, tickets[6].id].sort((a, b) => b - a).join();
    const ids = (page) => page.$$eval('#queue-rows tr', (trs) => trs.map((tr) => tr.dataset.id).join());
    const problems = [];
    const page = await agentQueue(ctx, tickets.length);
    await page.fill('#f-q', 'invoice');
    await page.press('#f-q', 'Enter');
    await page.selectOption('#f-priority', '1');
    await h.until(async () => (await ids(page)) === want, 'the search and the filter list two tickets');
    h.expect(page.url().includes('q=invoice') && page.url().includes('priority=1'), 'in the address: ' + page.url());
    // Save it.
    await page.click('#save-view');
    await page.waitForSelector('#view-dialog[open]');
    h.expectEqual(await h.text(page, '#view-query'), 'q=invoice&priority=1', 'the query it keeps');
    h.expectEqual(await page.evaluate(() => document.activeElement.id), 'view-name', 'the name has the focus');
    h.expect((await page.$$eval('#view-share option', (o) => o.map((x) => x.textContent))).includes('Billing'), 'it can be shared with my group');
    for (const p of await h.accessibilityProblems(page)) problems.push('the save dialog: ' + p);
    await page.click('#view-submit');
    await page.waitForSelector('#name-error, #view-name-error', { state: 'attached' }).catch(() => {});
    h.expectEqual(await h.text(page, '#view-name-error'), 'Fill in this field.', 'a name is asked for');
    await page.fill('#view-name', 'Invoices P1');
    await page.click('#view-submit');
    await page.waitForSelector('#view-dialog:not([open])', { state: 'attached' });
    await page.waitForFunction(() => /[?&]view=\d+/.test(location.search));
    const viewId = Number(new URL(page.url()).searchParams.get('view'));
    h.expectEqual(await h.text(page, '#views-msg'), 'View Invoices P1 saved.', 'saved');
    h.expectEqual(await page.evaluate(() => document.activeElement.id), 'save-view', 'the focus back on the button');
    const stored = await server.expect(200, 'GET', `/api/v1/views/${viewId}`, undefined, ctx.fixtures.agent.token);
    h.expectEqual(stored.query, 'q=invoice&priority=1', 'the view as stored');
    // Reload the page: plain queue; the menu has it, and Bob's shared view.
    await page.goto('/agent');
    await page.waitForFunction((n) => document.querySelectorAll('#queue-rows tr').length === n, tickets.length);
    await page.click('#views-menu summary');
    await page.waitForSelector('#my-views a.view-link');
    h.expectEqual(await h.text(page, '#my-views a.view-link'), 'Invoices P1', 'my view');
    h.expectEqual(await h.text(page, '#shared-views a.view-link'), 'Billing backlog', 'the view shared with my group');
    h.expect((await h.text(page, '#shared-views li')).includes('by bob@garant.test, Billing'), 'whose: ' + (await h.text(page, '#shared-views li')));
    for (const p of await h.accessibilityProblems(page)) problems.push('the views menu: ' + p);
    // Pick it: its query in the address and the form, its tickets listed.
    await page.click('#my-views a.view-link');
    await h.until(async () => (await ids(page)) === want, 'the saved view lists its two tickets');
    const url = new URL(page.url());
    h.expect(url.searchParams.get('view') === String(viewId) && url.searchParams.get('q') === 'invoice' && url.searchParams.get('priority') === '1', 'the address: ' + page.url());
    h.expectEqual(await page.inputValue('#f-q'), 'invoice', 'the search shows');
    h.expectEqual(await page.inputValue('#f-priority'), '1', 'the filter shows');
    h.expectEqual(await h.text(page, '#view-lead'), 'Saved view “Invoices P1”, newest first.', 'the lead names it');
    // Bookmarked.
    await page.goto(url.pathname + url.search);
    await h.until(async () => (await ids(page)) === want, 'the bookmark lists them too');
    // Bob's shared view lists what its query lists for me.
    await page.click('#views-menu summary');
    await page.click('#shared-views a.view-link');
    await page.waitForSelector('#queue-empty:not([hidden])');
    h.expect(page.url().includes(`group=${billing.id}`), 'the shared view\'s query: ' + page.url());
    // Rename it and share it.
    await page.click('#views-menu summary');
    await page.click('#my-views button:has-text("Rename")');
    await page.waitForSelector('#view-dialog[open]');
    h.expectEqual(await page.inputValue('#view-name'), 'Invoices P1', 'the dialog has its name');
    await page.fill('#view-name', 'P1 invoices');
    await page.selectOption('#view-share', String(billing.id));
    await page.click('#view-submit');
    await page.waitForSelector('#view-dialog:not([open])', { state: 'attached' });
    await page.waitForFunction(() => document.querySelector('#views-msg').textContent === 'View P1 invoices changed.');
    const renamed = await server.expect(200, 'GET', `/api/v1/views/${viewId}`, undefined, bob);
    h.expect(renamed.name === 'P1 invoices' && renamed.group_id === billing.id, 'renamed and shared: Bob sees it: ' + JSON.stringify(renamed));
    // Delete it, on a second press.
    await page.click('#views-menu summary');
    await page.click('#my-views .view-delete');
    h.expectEqual(await h.text(page, '#my-views .view-delete'), 'Press again to delete P1 invoices', 'asks again');
    await page.click('#my-views .view-delete');
    await page.waitForFunction(() => document.querySelector('#views-msg').textContent === 'View P1 invoices deleted.');
    await server.expect(404, 'GET', `/api/v1/views/${viewId}`, undefined, ctx.fixtures.agent.token);
    // A phone: the menu fits.
    const phone = await pageAs(ctx, ctx.fixtures.agent, { viewport: { width: 375, height: 740 } });
    await h.enableAxe(phone.context());
    await phone.goto('/agent');
    await phone.waitForFunction((n) => document.querySelectorAll('#queue-rows tr').length === n, tickets.length);
    await phone.click('#views-menu summary');
    await phone.waitForSelector('#shared-views a.view-link');
    h.expect((await pageWidth(phone)) <= 375, `the menu fits a phone (${await pageWidth(phone)})`);
    for (const p of await h.accessibilityProblems(phone)) problems.push('375px the views menu: ' + p);
    // In Romanian.
    await phone.selectOption('#lang-switch', 'ro');
    h.expectEqual(await h.text(phone, '#views-menu summary span'), 'Vederi salvate', 'the menu in Romanian');
    h.expect(!problems.length, 'accessibility problems:\n  ' + problems.join('\n  '));
  }],

  ['queue_screenshots', async (ctx) => {
    const { h } = ctx;
    await crowd(ctx, 30);
    await ctx.server.waitMonitorRounds(); // the warnings and breaches are in the pictures on every run
    const frozen = { fixedTime: NOW };
    const page = await pageAs(ctx, ctx.fixtures.agent, { ...frozen, viewport: { width: 1280, height: 1100 } });
    await page.goto('/agent');
    await page.waitForFunction(() => document.querySelectorAll('#queue-rows tr').length >= 30);
    await page.waitForSelector('#queue-rows tr[data-state="over"]');
    await h.screenshot(page, ctx.shots, 'agent-queue', { fullPage: false });
    // Three selected for the bulk bar, and the saved views' menu open.
    await ctx.server.expect(201, 'POST', '/api/v1/views', { name: 'Unassigned P1', query: 'status=open&priority=1&assignee=none' }, ctx.fixtures.agent.token);
    await ctx.server.expect(201, 'POST', '/api/v1/views', { name: 'Umbrella, breached', query: `org=${ctx.state.umbrella.id}&sla=breached` }, ctx.fixtures.agent.token);
    const busy = await pageAs(ctx, ctx.fixtures.agent, { ...frozen, viewport: { width: 1280, height: 800 } });
    await busy.goto('/agent');
    await busy.waitForSelector('#queue-rows tr[data-state="over"]');
    for (const tr of (await busy.$$('#queue-rows tr')).slice(0, 3)) await (await tr.$('.row-select')).check();
    await busy.waitForSelector('#bulk-bar:not([hidden])');
    await busy.click('#views-menu summary');
    await busy.waitForSelector('#my-views a.view-link');
    await h.screenshot(busy, ctx.shots, 'agent-queue-bulk', { fullPage: false });
    const phone = await pageAs(ctx, ctx.fixtures.agent, { ...frozen, viewport: { width: 375, height: 740 } });
    await phone.goto('/agent');
    await phone.waitForSelector('#queue-rows tr[data-state="over"]');
    await phone.$eval('#queue-table', (el) => el.scrollIntoView({ block: 'start' }));
    await h.screenshot(phone, ctx.shots, 'phone-agent-queue', { fullPage: false });
  }],
];
