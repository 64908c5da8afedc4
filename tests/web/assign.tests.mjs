// assign.tests.mjs - assignment in a real browser (issue 15): an agent
// assigns a ticket from its page (group, agent, "Assign to me"), the
// queue's views Mine, My groups, Unassigned and All show what they should
// and keep the view in the address, at desktop size and 375 px with axe
// clean; an admin makes a group on the admin page; an agent files a
// ticket for a customer (a phone call) and the customer sees it as hers.
//
// Each test has a server of its own (run.mjs) whose test clock stands at
// Friday 27 Nov 2026, 11:00 CET (10:00Z).

import { umbrella } from './staff-fixtures.mjs';

async function carla(ctx) {
  await umbrella(ctx);
  if (!ctx.state.carla) ctx.state.carla = await ctx.h.makeCustomer(ctx.server, ctx.smtp, 'carla@umbrella.example', 'Carla Ionescu');
  return ctx.state.carla;
}

async function pageAs(ctx, who, opts = {}) {
  return ctx.browser.page({ ...opts, session: await ctx.h.sessionOf(ctx.server, who) });
}

async function userId(ctx, who) {
  const me = await ctx.server.expect(200, 'GET', '/api/v1/me', undefined, await ctx.h.sessionOf(ctx.server, who));
  return me.user.id;
}

/** A group "Billing" with the fixtures' agent, and two of Carla's tickets. */
async function world(ctx) {
  const who = await carla(ctx);
  const token = await ctx.h.sessionOf(ctx.server, who);
  const agentId = await userId(ctx, ctx.fixtures.agent);
  const billing = await ctx.server.expect(201, 'POST', '/api/v1/groups', { name: 'Billing', members: [String(agentId)] }, ctx.fixtures.admin.token);
  const a = await ctx.server.expect(201, 'POST', '/api/v1/tickets', { subject: 'Invoice shows the wrong VAT', body: 'Our VAT number is missing.' }, token);
  const b = await ctx.server.expect(201, 'POST', '/api/v1/tickets', { subject: 'Export to CSV fails', body: 'The export button does nothing.' }, token);
  return { who, agentId, billing, a, b };
}

const rowIds = (page) => page.$$eval('#queue-rows tr', (trs) => trs.map((tr) => Number(tr.dataset.id)));

export const tests = [
  ['agent_assigns_from_the_ticket_page_and_the_views_follow', async (ctx) => {
    const { h } = ctx;
    const { a, b, billing } = await world(ctx);
    const problems = [];
    for (const viewport of [{ width: 1100, height: 760 }, { width: 375, height: 740 }]) {
      const size = viewport.width + 'px ';
      const page = await pageAs(ctx, ctx.fixtures.agent, { viewport });
      await h.enableAxe(page.context());
      const wide = async () => page.evaluate(() => document.documentElement.scrollWidth);
      // Nothing is assigned yet (the desktop's round): Mine is empty,
      // Unassigned has both.
      if (viewport.width > 400) {
        await page.goto('/agent?view=mine');
        await page.waitForSelector('#queue-empty:not([hidden])');
        h.expectEqual(await page.getAttribute('#view-mine', 'aria-current'), 'true', size + 'the Mine tab is marked');
        h.expectEqual(await h.text(page, '#queue-empty'), 'No open ticket is assigned to you.', size + 'nothing is mine yet');
        await page.click('#view-unassigned');
        await page.waitForSelector(`#queue-rows tr[data-id="${a.id}"]`);
        h.expect(page.url().includes('view=unassigned'), size + 'the view is in the address');
        h.expectEqual((await rowIds(page)).sort().join(), [a.id, b.id].sort().join(), size + 'both are unassigned');
        h.expectEqual(await h.text(page, `#queue-rows tr[data-id="${a.id}"] td[data-label="Assigned to"]`), 'No one', size + 'assigned to no one');
        for (const p of await h.accessibilityProblems(page)) problems.push(size + '/agent?view=unassigned: ' + p);
      }
      if (viewport.width > 400) {
        // Assign ticket a to Billing and to the agent, from its page.
        await page.goto(`/agent-ticket?id=${a.id}`);
        await page.waitForSelector('#ticket:not([hidden])');
        await page.waitForSelector(`#assign-group option[value="${billing.id}"]`, { state: 'attached' });
        h.expectEqual(await h.text(page, '#assign-now'), 'Not assigned.', 'not assigned yet');
        await page.selectOption('#assign-group', String(billing.id));
        await page.selectOption('#assign-agent', String(await userId(ctx, ctx.fixtures.agent)));
        await page.click('#assign-submit');
        await page.waitForSelector('#assign-msg:not([hidden])');
        h.expectEqual(await h.text(page, '#assign-msg'), 'Assignment saved.', 'saved');
        h.expectEqual(await h.text(page, '#assign-now'), 'Assigned to You, group: Billing.', 'the panel says who has it');
        await page.waitForSelector('#history li[data-kind="assigned"]');
        h.expect((await h.text(page, '#history li[data-kind="assigned"]')).includes('Assigned to'), 'the history has it');
        // "Assign to me" on the other one.
        await page.goto(`/agent-ticket?id=${b.id}`);
        await page.waitForSelector('#ticket:not([hidden])');
        await page.waitForSelector(`#assign-group option[value="${billing.id}"]`, { state: 'attached' });
        await page.click('#assign-me');
        await page.waitForSelector('#assign-msg:not([hidden])');
        h.expectEqual(await h.text(page, '#assign-now'), 'Assigned to You, group: No group.', 'assigned to me alone');
      } else {
        await page.goto(`/agent-ticket?id=${a.id}`);
        await page.waitForSelector('#ticket:not([hidden])');
        await page.waitForSelector(`#assign-group option[value="${billing.id}"]`, { state: 'attached' });
        if ((await wide()) > 375) problems.push(`/agent-ticket does not fit a phone (${await wide()})`);
      }
      for (const p of await h.accessibilityProblems(page)) problems.push(size + '/agent-ticket: ' + p);
      // The views now.
      await page.goto('/agent?view=mine');
      await page.waitForSelector(`#queue-rows tr[data-id="${a.id}"]`);
      h.expectEqual((await rowIds(page)).sort().join(), [a.id, b.id].sort().join(), size + 'both are mine');
      for (const p of await h.accessibilityProblems(page)) problems.push(size + '/agent?view=mine: ' + p);
      if (viewport.width < 400) h.expect((await wide()) <= 375, `/agent?view=mine fits a phone (${await wide()})`);
      await page.click('#view-groups');
      await page.waitForFunction((id) => [...document.querySelectorAll('#queue-rows tr')].map((r) => r.dataset.id).join() === String(id), a.id);
      h.expect(page.url().includes('view=groups'), size + 'My groups in the address');
      await page.click('#view-unassigned');
      await page.waitForSelector('#queue-empty:not([hidden])');
      h.expectEqual(await h.text(page, '#queue-empty'), 'Every open ticket has an agent.', size + 'none unassigned');
      for (const p of await h.accessibilityProblems(page)) problems.push(size + '/agent?view=unassigned (empty): ' + p);
      await page.click('#view-all');
      await page.waitForSelector(`#queue-rows tr[data-id="${b.id}"]`);
      h.expect(!page.url().includes('view='), size + 'All is the plain queue');
      h.expect((await h.text(page, `#queue-rows tr[data-id="${a.id}"] td[data-label="Assigned to"]`)).includes('Billing'), size + 'the group shows in the row');
      if (viewport.width < 400) h.expect((await wide()) <= 375, `/agent fits a phone (${await wide()})`);
      // Romanian tabs.
      await page.selectOption('#lang-switch', 'ro');
      h.expectEqual(await h.text(page, '#view-unassigned'), 'Neatribuite', size + 'the tabs in Romanian');
      await page.selectOption('#lang-switch', 'en');
    }
    h.expect(!problems.length, 'accessibility problems:\n  ' + problems.join('\n  '));
  }],

  ['admin_makes_a_group_and_an_agent_files_for_a_customer', async (ctx) => {
    const { h } = ctx;
    const who = await carla(ctx);
    const admin = await pageAs(ctx, ctx.fixtures.admin);
    await h.enableAxe(admin.context());
    await admin.goto('/admin#groups');
    await admin.waitForSelector('#group-list .muted');
    await admin.fill('#group-name', 'First line');
    await admin.click('#group-create button[type="submit"]');
    await admin.waitForSelector('#group-list form.group-form');
    h.expectEqual(await h.text(admin, '#group-msg'), 'Group First line created.', 'created');
    const form = '#group-list form.group-form';
    await admin.check(`${form} input[name="default"]`);
    await admin.check(`${form} input[name="round_robin"]`);
    await admin.check(`${form} input[name="member"][value="${await userId(ctx, ctx.fixtures.agent)}"]`);
    await admin.click(`${form} button[type="submit"]`);
    await admin.waitForFunction(() => document.querySelector('#group-msg').textContent.includes('saved'));
    const groups = await ctx.server.expect(200, 'GET', '/api/v1/groups', undefined, ctx.fixtures.admin.token);
    h.expect(groups.groups[0].default && groups.groups[0].round_robin && groups.groups[0].members.length === 1, JSON.stringify(groups));
    const problems = (await h.accessibilityProblems(admin)).map((p) => '/admin#groups: ' + p);
    // An agent files for Carla, with the call an hour ago.
    const page = await pageAs(ctx, ctx.fixtures.agent);
    await h.enableAxe(page.context());
    await page.goto('/agent');
    await page.click('#new-for-customer');
    await page.waitForSelector('#priority option', { state: 'attached' });
    await page.fill('#requester', 'carla@umbrella.example');
    await page.fill('#subject', 'Phoned: cannot log in');
    await page.fill('#body', 'Carla called: the login page loops.');
    for (const p of await h.accessibilityProblems(page)) problems.push('/agent-new: ' + p);
    // A time in the future is refused next to its field.
    await page.evaluate(() => { document.querySelector('#received').value = '2030-01-01T10:00'; });
    await page.click('#behalf-submit');
    await page.waitForSelector('#received[aria-invalid="true"]');
    await page.evaluate(() => { document.querySelector('#received').value = ''; });
    await Promise.all([page.waitForURL(/\/agent-ticket\?id=\d+/), page.click('#behalf-submit')]);
    await page.waitForSelector('#ticket:not([hidden])');
    h.expect((await h.text(page, '#history li[data-kind="created"]')).includes('on the customer’s behalf'), 'the history names the agent');
    h.expectEqual(await h.text(page, '#assign-now'), 'Assigned to You, group: First line.', 'round-robin gave it to the only member');
    const id = new URL(page.url()).searchParams.get('id');
    // Carla sees it as hers.
    const cust = await pageAs(ctx, who);
    await cust.goto('/tickets');
    await cust.waitForSelector(`text=Phoned: cannot log in`);
    const mine = await ctx.server.expect(200, 'GET', `/api/v1/tickets/${id}`, undefined, await ctx.h.sessionOf(ctx.server, who));
    h.expect(!('assignee_id' in mine) && mine.history[0].data.on_behalf === true, 'the customer sees no assignment: ' + JSON.stringify(mine.history[0]));
    h.expect(!problems.length, 'accessibility problems:\n  ' + problems.join('\n  '));
  }],
];
