// admin.tests.mjs - the admin page and the SLA report in a real browser:
// organizations (create, refused duplicates and free-mail domains, change
// of plan, a new domain), products with their stages, the policy table and
// its YAML editor (every problem with its line, a save), the policy's
// versions and the correction of open tickets (preview, then apply; a
// deadline moved later needs a reason; a breach stays), the business
// calendar's month view with the Christmas holidays, the report's SVG
// chart, table and CSV, who may see these pages, the phone layout,
// accessibility and the screenshots.
//
// Each test has a server of its own (run.mjs), whose test clock starts at
// Friday 27 Nov 2026, 11:00 CET (10:00Z); a test that moves it puts it
// back.

import { umbrella } from './staff-fixtures.mjs';

const NOW = '2026-11-27T10:00:00Z';

async function pageAs(ctx, who, opts = {}) {
  return ctx.browser.page({ ...opts, session: await ctx.h.sessionOf(ctx.server, who) });
}

async function openAdmin(page, url = '/admin') {
  await page.goto(url);
  await page.waitForSelector('#org-rows tr[data-id]');
  await page.waitForSelector('#cal-table:not([hidden])');
}

/** Tickets for the report, answered so that they leave the queue: at
 *  Globex (advanced) a P2 answered in time and a P3 answered late, at
 *  Umbrella (professional) a P1 answered in time. Made once a test. */
async function reportTickets(ctx) {
  if (ctx.state.reportTickets) return ctx.state.reportTickets;
  const { h, server } = ctx;
  const dora = await h.makeCustomer(server, ctx.smtp, 'dora@globex.example', 'Dora Lind');
  await umbrella(ctx);
  const emil = await h.makeCustomer(server, ctx.smtp, 'emil@umbrella.example', 'Emil Radu');
  const tDora = await h.sessionOf(server, dora);
  const tEmil = await h.sessionOf(server, emil);
  const agent = ctx.fixtures.agent.token;
  const reply = (id) => server.expect(201, 'POST', `/api/v1/tickets/${id}/replies`, { body: 'Looking into it.', public: true }, agent);
  const out = {};
  try {
    await server.setClock('2026-11-26T09:00:00Z'); // Thursday 10:00 CET
    out.met = await server.expect(201, 'POST', '/api/v1/tickets', { subject: 'Sync stalls', body: 'Since this morning.', priority: 2 }, tDora);
    out.late = await server.expect(201, 'POST', '/api/v1/tickets', { subject: 'API question', body: 'How do I page?', priority: 3 }, tDora);
    out.umbrella = await server.expect(201, 'POST', '/api/v1/tickets', { subject: 'Login loop', body: 'SSO redirects forever.', priority: 1 }, tEmil);
    await server.setClock('2026-11-26T10:00:00Z');
    await reply(out.met.id);
    await reply(out.umbrella.id);
    await server.setClock(NOW); // P3 was due Thursday 17:00 CET
    await reply(out.late.id);
  } finally {
    await server.setClock(NOW);
  }
  ctx.state.reportTickets = out;
  return out;
}

export const tests = [
  ['admin_creates_organizations_and_products', async (ctx) => {
    const { h } = ctx;
    const admin = ctx.fixtures.admin;
    const page = await pageAs(ctx, admin);
    await openAdmin(page);
    h.expectEqual(await h.text(page, 'h1'), 'Administration', 'the admin page');
    h.expect(await page.isVisible('nav a[href="/admin"][aria-current="page"]'), 'the header marks it');
    h.expect((await h.text(page, '#org-rows tr[data-name="Acme"]')).includes('acme.example'), 'Acme with its domain');
    h.expectEqual(await page.getAttribute('#org-rows tr[data-name="Acme"] .plan-now', 'data-plan'), 'professional', 'Acme’s plan');
    // Create one.
    await page.fill('#org-name', 'Initech');
    await page.selectOption('#org-plan', 'advanced');
    await page.fill('#org-domains', 'initech.example, Initech-Corp.example');
    await page.click('#org-submit');
    await page.waitForSelector('#org-msg.msg-ok');
    h.expectEqual(await h.text(page, '#org-msg'), 'Initech is created, on the Advanced plan.', 'created');
    const row = '#org-rows tr[data-name="Initech"]';
    h.expectEqual(await page.$$eval(`${row} .domains li`, (l) => l.map((x) => x.textContent).join(' ')), 'initech.example initech-corp.example', 'its domains');
    h.expectEqual(await page.inputValue('#org-name'), '', 'the form is emptied');
    const listed = await ctx.server.expect(200, 'GET', '/api/v1/orgs', undefined, admin.token);
    const initech = listed.orgs.find((o) => o.name === 'Initech');
    h.expect(initech && initech.plan === 'advanced', 'the API has it: ' + JSON.stringify(initech));
    // Refused: a taken name, a free-mail domain (next to their fields).
    await page.fill('#org-name', 'Initech');
    await page.click('#org-submit');
    await page.waitForSelector('#org-name-error:not([hidden])');
    h.expect(/exists already/.test(await h.text(page, '#org-name-error')), 'a taken name: ' + (await h.text(page, '#org-name-error')));
    await page.fill('#org-name', 'Hooli');
    await page.fill('#org-domains', 'gmail.com');
    await page.click('#org-submit');
    await page.waitForSelector('#org-domains-error:not([hidden])');
    h.expect(/free mail provider/.test(await h.text(page, '#org-domains-error')), 'a free-mail domain: ' + (await h.text(page, '#org-domains-error')));
    h.expect(await page.evaluate(() => document.activeElement.id === 'org-domains'), 'the field has the focus');
    // Change Initech's plan, add a domain.
    await page.selectOption(`#plan-${initech.id}`, 'basic');
    await page.click(`${row} form[data-org] button`);
    await page.waitForSelector('#org-table-msg.msg-ok');
    h.expect((await h.text(page, '#org-table-msg')).startsWith('Initech is now on the Basic plan.'), 'plan changed');
    h.expectEqual(await page.getAttribute(`${row} .plan-now`, 'data-plan'), 'basic', 'the row shows it');
    await page.fill(`#domain-${initech.id}`, 'initech.dev');
    await page.press(`#domain-${initech.id}`, 'Enter');
    await page.waitForFunction((sel) => document.querySelector(sel).textContent.includes('initech.dev'), `${row} .domains`);
    const one = await ctx.server.expect(200, 'GET', `/api/v1/orgs/${initech.id}`, undefined, admin.token);
    h.expectEqual(one.plan, 'basic', 'the API has the plan');
    h.expect(one.domains.includes('initech.dev'), 'and the domain: ' + one.domains);
    await page.fill(`#domain-${initech.id}`, 'acme.example');
    await page.press(`#domain-${initech.id}`, 'Enter');
    await page.waitForSelector('#org-table-msg.msg-error');
    h.expect(/belongs to organization/.test(await h.text(page, '#org-table-msg')), 'a domain of another: ' + (await h.text(page, '#org-table-msg')));
    // A product with its stage.
    await page.fill('#product-name', 'Garant Edge');
    await page.selectOption('#product-stage', 'preview');
    await page.click('#product-submit');
    await page.waitForSelector('#product-msg.msg-ok');
    const prow = '#product-rows tr[data-name="Garant Edge"]';
    h.expect((await h.text(page, prow)).includes('preview'), 'the product and its stage');
    h.expect((await h.text(page, `${prow} .badge`)) === 'No guarantee', 'a preview product carries no guarantee');
    const products = await ctx.server.expect(200, 'GET', '/api/v1/products', undefined, admin.token);
    h.expect(products.products.some((p) => p.name === 'Garant Edge' && p.stage === 'preview'), 'the API has it');
    await page.fill('#product-name', 'Garant Edge');
    await page.click('#product-submit');
    await page.waitForSelector('#product-name-error:not([hidden])');
    h.expect(/exists already/.test(await h.text(page, '#product-name-error')), 'a taken product name');
  }],

  ['admin_policy_table_and_yaml_diagnostics_by_line', async (ctx) => {
    const { h } = ctx;
    const page = await pageAs(ctx, ctx.fixtures.admin);
    await openAdmin(page, '/admin#policy');
    const cell = (plan, prio) => h.text(page, `#policy-rows tr[data-plan="${plan}"] td[data-priority="${prio}"]`);
    h.expect((await cell('professional', 1)).startsWith('3 h of business hours'), 'professional P1: ' + (await cell('professional', 1)));
    h.expect((await cell('professional', 3)).startsWith('9 h of business hours'), 'professional P3');
    h.expectEqual(await cell('advanced', 1), '1 h, around the clock', 'advanced P1 is 24/7');
    h.expectEqual(await cell('basic', 2), 'No guarantee', 'basic has none');
    h.expect((await h.text(page, '#policy-facts')).includes('Warning at 75% of the target'), 'the warning share: ' + (await h.text(page, '#policy-facts')));
    h.expect((await h.text(page, '#policy-prios')).includes('complete loss of service'), 'the definitions');
    // Two mistakes: each listed with its line, each a way to that line.
    const yaml = await page.inputValue('#yaml');
    const lines = yaml.split('\n');
    const lineOf = (start) => lines.findIndex((l) => l.startsWith(start)) + 1;
    const prioLine = lineOf('default_priority:');
    const warnLine = lineOf('warning_at:');
    h.expect(prioLine > 0 && warnLine > 0, 'the YAML has both keys');
    await page.fill('#yaml', yaml.replace('default_priority: 3', 'default_priority: 7').replace('warning_at: 75%', 'warning_at: 175%'));
    let puts = 0;
    page.on('request', (r) => {
      if (r.method() === 'PUT') puts++;
    });
    await page.click('#yaml-submit');
    await page.waitForSelector('#yaml-diags:not([hidden]) .diag');
    h.expectEqual(puts, 1, 'sent once');
    const diags = await page.$$eval('#yaml-diags .diag', (l) => l.map((d) => ({ line: Number(d.dataset.line), text: d.textContent })));
    h.expectEqual(diags.length, 2, 'every problem is listed: ' + JSON.stringify(diags));
    h.expect(diags.some((d) => d.line === prioLine && /Line \d+, column \d+: default_priority: priority 7 is not declared/.test(d.text)), 'the priority, at its line: ' + JSON.stringify(diags));
    h.expect(diags.some((d) => d.line === warnLine && /175% is out of range/.test(d.text)), 'the share, at its line');
    h.expect((await h.text(page, '#yaml-diags .diags-head')).includes('Nothing was saved'), 'nothing saved');
    h.expectEqual(await page.getAttribute('#yaml', 'aria-invalid'), 'true', 'the editor is marked');
    h.expect((await page.getAttribute('#yaml', 'aria-describedby')).includes('yaml-diags'), 'and described by the problems');
    // Choosing a problem puts the cursor on its line.
    await page.click(`#yaml-diags .diag[data-line="${warnLine}"] button`);
    const at = await page.evaluate(() => {
      const ta = document.getElementById('yaml');
      return { focused: document.activeElement === ta, line: ta.value.slice(0, ta.selectionStart).split('\n').length, sel: ta.value.slice(ta.selectionStart, ta.selectionEnd) };
    });
    h.expect(at.focused && at.line === warnLine, 'the cursor is on the line: ' + JSON.stringify(at));
    h.expect(at.sel.includes('175%'), 'the mistake is selected: ' + JSON.stringify(at));
    h.expectEqual(await h.text(page, '#yaml-pos'), `Line ${warnLine}, column 13`, 'and the position is shown');
    const still = await ctx.server.expect(200, 'GET', '/api/v1/policy', undefined, ctx.fixtures.admin.token);
    h.expectEqual(still.warning_percent, 75, 'the policy in force is unchanged');
    // Undo, then save the policy as it is: it is stored as a new version.
    await page.click('#yaml-revert');
    h.expect(await page.isHidden('#yaml-diags'), 'the problems are gone');
    h.expectEqual(await page.inputValue('#yaml'), yaml, 'the text is back');
    await page.click('#yaml-submit');
    await page.waitForSelector('#yaml-msg.msg-ok');
    const saved = await ctx.server.expect(200, 'GET', '/api/v1/policy', undefined, ctx.fixtures.admin.token);
    h.expectEqual(await h.text(page, '#yaml-msg'),
      `Saved as version ${saved.version}. It applies to tickets filed from now on; open tickets keep the version they were filed under.`,
      'the saved message names the new version');
    h.expect(saved.version >= 2 && saved.in_force, 'the saved version is in force: ' + JSON.stringify(saved.version));
  }],

  ['admin_policy_versions_and_correction_preview_then_apply', async (ctx) => {
    const { h, server } = ctx;
    const admin = ctx.fixtures.admin;
    const ana = await h.makeCustomer(server, ctx.smtp, 'ana@acme.example', 'Ana Pop');
    const tAna = await h.sessionOf(server, ana);
    // Acme is on professional (P1 3 h, P3 9 h of business hours, 09-17 CET).
    // A P1 filed Thursday 10:00 CET was due 13:00 CET: its breach is recorded.
    let late;
    try {
      await server.setClock('2026-11-26T09:00:00Z');
      late = await server.expect(201, 'POST', '/api/v1/tickets', { subject: 'Checkout down', body: 'Every payment fails.', priority: 1 }, tAna);
    } finally {
      await server.setClock(NOW);
    }
    await server.waitMonitorRounds();
    // A P3 filed now, Friday 11:00 CET: due Monday 12:00 CET under version 1.
    const open = await server.expect(201, 'POST', '/api/v1/tickets', { subject: 'Export is slow', body: 'CSV export takes minutes.', priority: 3 }, tAna);
    h.expectEqual(open.first_response_due, '2026-11-30T11:00:00Z', 'the P3 under version 1');
    const page = await pageAs(ctx, admin);
    await openAdmin(page, '/admin#policy');
    await page.waitForSelector('#version-rows tr[data-version="1"]');
    h.expectEqual(await page.getAttribute('#version-rows tr[data-version="1"]', 'data-in-force'), 'true', 'version 1 is in force');
    h.expectEqual(await h.text(page, '#version-rows tr[data-version="1"] .saved-by'), 'the configuration', 'saved by the configuration');
    h.expectEqual(await h.text(page, '#version-rows tr[data-version="1"] .version-tickets'), '2', 'both tickets run on it');
    h.expect(await page.isDisabled('#correct-apply'), 'nothing to apply before a preview');
    await page.waitForSelector('#correction-rows td.muted');
    h.expectEqual(await h.text(page, '#correction-rows'), 'No correction has been applied.', 'no correction yet');
    // A tighter version 2 (P3 within 6 h), saved through the page.
    const yaml = await page.inputValue('#yaml');
    h.expect(yaml.includes('3: { within: 9h, calendar: business }'), 'the YAML has professional P3');
    await page.fill('#yaml', yaml.replace('3: { within: 9h, calendar: business }', '3: { within: 6h, calendar: business }'));
    await page.click('#yaml-submit');
    await page.waitForSelector('#yaml-msg.msg-ok');
    await page.waitForSelector('#version-rows tr[data-version="2"][data-in-force="true"]');
    h.expectEqual(await h.text(page, '#version-rows tr[data-version="2"] .saved-by'), admin.email, 'saved by the admin');
    h.expectEqual(await h.text(page, '#version-rows tr[data-version="2"] .version-tickets'), '0', 'no ticket on it yet');
    h.expectEqual(await page.inputValue('#correct-version'), '2', 'the version in force is chosen');
    const kept = await server.expect(200, 'GET', `/api/v1/tickets/${open.id}`, undefined, admin.token);
    h.expectEqual(kept.first_response_due, '2026-11-30T11:00:00Z', 'saving moved no deadline');
    // Preview: the P3 moves earlier, to Friday 17:00 CET; no reason needed.
    await page.click('#correct-preview');
    await page.waitForSelector('#correct-result[data-state="ready"]');
    h.expectEqual(await h.text(page, '#correct-result .correct-counts'),
      'Onto version 2: 2 open ticket(s) examined, 1 would move (1 earlier, 0 later), 1 unchanged.', 'the counts');
    const row = `#move-rows tr[data-id="${open.id}"]`;
    h.expectEqual(await page.getAttribute(row, 'data-delta'), String(-67 * 3600), 'the move');
    h.expectEqual(await h.text(page, `${row} .move-delta`), '2 d 19 h earlier', 'in a human form');
    h.expectEqual(await page.getAttribute(`${row} a`, 'href'), `/agent-ticket?id=${open.id}`, 'the ticket is a link');
    h.expect((await page.$$eval(`${row} time`, (l) => l.map((x) => x.getAttribute('datetime')))).includes('2026-11-27T16:00:00Z'), 'the new deadline');
    h.expect(!(await page.getAttribute('#correct-reason', 'required')) && (await h.text(page, '#correct-form label[for="correct-reason"]')).includes('(optional)'), 'no reason needed');
    h.expect(!(await page.isDisabled('#correct-apply')), 'Apply is offered');
    // Another version un-offers Apply until it is previewed.
    await page.selectOption('#correct-version', '1');
    h.expect(await page.isDisabled('#correct-apply'), 'a preview of another version applies nothing');
    await page.selectOption('#correct-version', '2');
    await page.click('#correct-preview');
    await page.waitForSelector('#correct-result[data-state="ready"][data-version="2"]');
    await page.click('#correct-apply');
    await page.waitForSelector('#correct-msg.msg-ok');
    h.expectEqual(await h.text(page, '#correct-msg'),
      'Applied: 1 ticket(s) moved onto version 2 (1 earlier, 0 later); 1 of 2 examined kept their deadlines.', 'what was applied');
    h.expect(await page.isDisabled('#correct-apply'), 'nothing more to apply');
    // Who applied what: the record of the correction.
    await page.waitForSelector('#correction-rows tr[data-correction]');
    h.expectEqual(await h.text(page, '#correction-rows tr[data-correction] .corrected-by'), admin.email, 'applied by the admin');
    h.expectEqual(await h.text(page, '#correction-rows tr[data-correction] .corrected-moved'), '1 of 2 (1 earlier, 0 later)', 'what it moved');
    h.expectEqual(await h.text(page, '#correction-rows tr[data-correction] .muted'), 'none needed: every deadline moved earlier', 'no reason needed');
    const moved = await server.expect(200, 'GET', `/api/v1/tickets/${open.id}`, undefined, admin.token);
    h.expectEqual(moved.first_response_due, '2026-11-27T16:00:00Z', 'the deadline moved');
    h.expectEqual(moved.policy_version, 2, 'onto version 2');
    const ev = moved.history.find((e) => e.kind === 'deadline_corrected');
    h.expect(ev && ev.data.old_version === 1 && ev.data.new_version === 2 && ev.data.new_due === '2026-11-27T16:00:00Z' && ev.actor_id,
      'a deadline_corrected event by the admin: ' + JSON.stringify(moved.history));
    await page.waitForFunction(() => document.querySelector('#version-rows tr[data-version="2"] .version-tickets').textContent !== '0');
    // A looser version 3 (P1 4 h, P3 12 h): the deadlines move later, and
    // the breached P1 stays breached.
    await page.fill('#yaml', (await page.inputValue('#yaml'))
      .replace('3: { within: 6h, calendar: business }', '3: { within: 12h, calendar: business }')
      .replace('1: { within: 3h, calendar: business }', '1: { within: 4h, calendar: business }'));
    await page.click('#yaml-submit');
    await page.waitForSelector('#version-rows tr[data-version="3"][data-in-force="true"]');
    h.expectEqual(await page.inputValue('#correct-version'), '2', 'the chosen version is kept');
    await page.selectOption('#correct-version', '3');
    await page.click('#correct-preview');
    await page.waitForSelector('#correct-result[data-state="ready"][data-version="3"]');
    h.expectEqual(await h.text(page, '#correct-result .correct-counts'),
      'Onto version 3: 2 open ticket(s) examined, 2 would move (0 earlier, 2 later), 0 unchanged.', 'the looser counts');
    h.expectEqual(await h.text(page, '#correct-result .correct-need'), 'Some deadlines move later for the customer: give a reason.', 'a reason is needed');
    h.expectEqual(await h.text(page, `#move-rows tr[data-id="${open.id}"] .move-delta`), '2 d 22 h later', 'the P3 later');
    h.expectEqual(await page.getAttribute(`#move-rows tr[data-id="${late.id}"]`, 'data-breached'), 'true', 'the P1 was breached');
    h.expectEqual(await h.text(page, `#move-rows tr[data-id="${late.id}"] .move-breached`), 'breached — stays breached', 'and stays so');
    h.expect((await h.text(page, '#correct-form label[for="correct-reason"]')).includes('(required)'), 'the reason is marked required');
    await page.$eval('#correct-title', (e) => e.scrollIntoView());
    await h.screenshot(page, ctx.shots, 'admin-correction', { fullPage: false });
    // Without a reason the page refuses, sending nothing.
    let posts = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/v1/policy/corrections')) posts++;
    });
    await page.click('#correct-apply');
    await page.waitForSelector('#correct-reason-error:not([hidden])');
    h.expectEqual(await h.text(page, '#correct-reason-error'),
      '2 deadline(s) would move later for the customer: say why. The reason is recorded in each ticket’s history.', 'why it refuses');
    h.expect(await page.evaluate(() => document.activeElement.id === 'correct-reason'), 'the reason has the focus');
    h.expectEqual(posts, 0, 'nothing sent');
    const problems = await h.accessibilityProblems(page);
    h.expect(!problems.length, 'accessibility problems of the preview:\n  ' + problems.join('\n  '));
    // The server refuses the same (its message, were the page to send it).
    const refused = await server.request('POST', '/api/v1/policy/corrections', { to_version: 3 }, admin.token);
    h.expectEqual(refused.status, 422, 'the server refuses without a reason');
    await page.fill('#correct-reason', 'Targets were loosened with the customer\'s contract renewal.');
    await page.click('#correct-apply');
    await page.waitForSelector('#correct-msg.msg-ok');
    h.expectEqual(posts, 1, 'sent once');
    h.expect((await h.text(page, '#correct-msg')).startsWith('Applied: 2 ticket(s) moved onto version 3 (0 earlier, 2 later)'), 'applied: ' + (await h.text(page, '#correct-msg')));
    h.expect((await h.text(page, '#correct-msg')).endsWith('Reason recorded: Targets were loosened with the customer\'s contract renewal.'), 'with its reason');
    const later = await server.expect(200, 'GET', `/api/v1/tickets/${open.id}`, undefined, admin.token);
    h.expectEqual(later.first_response_due, '2026-11-30T14:00:00Z', 'the P3 is due Monday 15:00 CET');
    const last = later.history.filter((e) => e.kind === 'deadline_corrected').pop();
    h.expect(last && last.data.new_version === 3 && /contract renewal/.test(last.data.reason), 'the reason is in the history: ' + JSON.stringify(last));
    await page.waitForFunction(() => document.querySelectorAll('#correction-rows tr[data-correction]').length === 2);
    const newest = `#correction-rows tr[data-correction="${last.data.correction}"]`;
    h.expectEqual(await page.$eval('#correction-rows tr[data-correction]', (r) => r.dataset.correction), String(last.data.correction), 'the newest first');
    h.expectEqual(await h.text(page, `${newest} .corrected-reason`), 'Targets were loosened with the customer\'s contract renewal.', 'with its reason');
    h.expectEqual(await h.text(page, `${newest} .corrected-moved`), '2 of 2 (0 earlier, 2 later)', 'what it moved');
    const breached = await server.expect(200, 'GET', `/api/v1/tickets/${late.id}`, undefined, admin.token);
    h.expectEqual(breached.sla.state, 'breached', 'a breach stays a breach');
    await page.waitForSelector('#version-rows tr[data-version="3"] .version-tickets');
    h.expectEqual(await h.text(page, '#version-rows tr[data-version="3"] .version-tickets'), '2', 'both tickets run on version 3');
    // In Romanian.
    await page.selectOption('#lang-switch', 'ro');
    h.expectEqual(await h.text(page, '#versions-title'), 'Versiuni', 'the table in Romanian');
    h.expectEqual(await h.text(page, '#version-rows tr[data-version="3"] .badge'), 'În vigoare', 'in force in Romanian');
    h.expectEqual(await h.text(page, '#corrections-title'), 'Corecții aplicate', 'the corrections in Romanian');
    h.expectEqual(await h.text(page, `${newest} .corrected-moved`), '2 din 2 (0 mai devreme, 2 mai târziu)', 'the counts in Romanian');
    // On a phone the versions and the moves are cards that fit the screen.
    const phone = await pageAs(ctx, admin, { viewport: { width: 375, height: 740 } });
    await openAdmin(phone, '/admin#policy');
    await phone.waitForSelector('#version-rows tr[data-version="3"]');
    await phone.selectOption('#correct-version', '2');
    await phone.click('#correct-preview');
    await phone.waitForSelector(`#move-rows tr[data-id="${open.id}"]`);
    const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
    h.expect(wide <= 375, 'the correction fits a phone: ' + wide);
    h.expect(await phone.isVisible(`#move-rows tr[data-id="${open.id}"] .move-delta`), 'the difference shows on a phone');
    h.expect(await phone.isVisible(`${newest} .corrected-reason`), 'the record of corrections shows on a phone');
  }],

  ['admin_calendar_month_with_christmas_holidays', async (ctx) => {
    const { h } = ctx;
    const page = await pageAs(ctx, ctx.fixtures.admin);
    await openAdmin(page, '/admin#calendar');
    h.expectEqual(await h.text(page, '#cal-month'), 'November 2026', 'this month first');
    h.expectEqual(await page.getAttribute('#cal-rows td[aria-current="date"]', 'data-date'), '2026-11-27', 'today is marked');
    h.expectEqual(await h.text(page, '#cal-head th:first-child .visually-hidden'), 'Monday', 'weeks start on Monday');
    h.expect((await h.text(page, '#cal-zone')).includes('Europe/Bratislava'), 'in the calendar’s zone');
    const day = (d) => `#cal-rows td[data-date="${d}"]`;
    h.expectEqual(await page.getAttribute(day('2026-11-27'), 'data-kind'), 'open', 'a Friday is open');
    h.expectEqual(await h.text(page, `${day('2026-11-27')} .day-hours`), '09:00–17:00', 'its hours');
    h.expectEqual(await page.getAttribute(day('2026-11-28'), 'data-kind'), 'closed', 'a Saturday is closed');
    await page.click('#cal-next');
    await page.waitForSelector(day('2026-12-24'));
    h.expectEqual(await h.text(page, '#cal-month'), 'December 2026', 'next month');
    h.expect(page.url().includes('month=2026-12'), 'the month is in the address');
    for (const [d, name] of [['2026-12-24', 'Christmas Eve'], ['2026-12-25', 'Christmas Day'], ['2026-12-26', 'St. Stephen’s Day']]) {
      h.expectEqual(await page.getAttribute(day(d), 'data-kind'), 'holiday', d + ' is a holiday');
      const shown = (await h.text(page, `${day(d)} .day-holiday-name`)).replace("'", '’');
      h.expectEqual(shown, name, d + ' by name');
      h.expectEqual(await h.text(page, `${day(d)} .day-hours`), 'Closed', d + ' is closed');
    }
    h.expectEqual(await h.text(page, `${day('2026-12-23')} .day-hours`), '09:00–17:00', 'the day before is open');
    // Each holiday sits in its own weekday's column, in one week's row:
    // Thursday 24, Friday 25, Saturday 26 (a rule for the holiday's label
    // once made its cells blocks, stacked under Thursday).
    const box = async (sel) => page.$eval(sel, (e) => {
      const r = e.getBoundingClientRect();
      return { x: Math.round(r.x), y: Math.round(r.y), display: getComputedStyle(e).display };
    });
    const heads = await page.$$eval('#cal-head th', (l) => l.map((e) => Math.round(e.getBoundingClientRect().x)));
    const week = [await box(day('2026-12-24')), await box(day('2026-12-25')), await box(day('2026-12-26'))];
    h.expectEqual(week.map((b) => b.display).join(' '), 'table-cell table-cell table-cell', 'holidays are table cells');
    h.expectEqual(week.map((b) => b.x).join(' '), [heads[3], heads[4], heads[5]].join(' '), 'in the Thu, Fri and Sat columns');
    h.expect(week[0].y === week[1].y && week[1].y === week[2].y, 'in one row: ' + JSON.stringify(week));
    // Every day of the month, not only the holidays: each cell is in its
    // weekday's column (weeks start on Monday) and each week in one row.
    const cells = await page.$$eval('#cal-rows td[data-date]', (l) => l.map((e) => {
      const r = e.getBoundingClientRect();
      return { date: e.dataset.date, x: Math.round(r.x), y: Math.round(r.y), display: getComputedStyle(e).display };
    }));
    h.expectEqual(cells.length, 31, 'every day of December');
    const rowOf = new Map();
    for (const c of cells) {
      const [yy, mm, dd] = c.date.split('-').map(Number);
      const col = (new Date(Date.UTC(yy, mm - 1, dd)).getUTCDay() + 6) % 7;
      h.expectEqual(c.display, 'table-cell', c.date + ' is a table cell');
      h.expectEqual(c.x, heads[col], c.date + ' sits in its weekday\'s column');
      const week = Math.floor(dd / 7); // 1 Dec 2026 is a Tuesday (column 1), 7 Dec a Monday
      if (!rowOf.has(week)) rowOf.set(week, c.y);
      h.expectEqual(c.y, rowOf.get(week), c.date + ' is in its week\'s row');
    }
    h.expectEqual(new Set(rowOf.values()).size, 5, 'five weeks, five rows');
    h.expect((await h.text(page, '#cal-caption')).includes('December 2026'), 'the table says which month');
    // Romanian: the month and days in Romanian.
    await page.selectOption('#lang-switch', 'ro');
    h.expectEqual(await h.text(page, '#cal-month'), 'decembrie 2026', 'the month in Romanian');
    h.expectEqual(await h.text(page, `${day('2026-12-24')} .day-hours`), 'Închis', 'closed in Romanian');
    await page.selectOption('#lang-switch', 'en');
    // On a phone the month is a list of days.
    const phone = await pageAs(ctx, ctx.fixtures.admin, { viewport: { width: 375, height: 740 } });
    await openAdmin(phone, '/admin?month=2026-12#calendar');
    await phone.waitForSelector(day('2026-12-24'));
    const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
    h.expect(wide <= 375, '/admin fits a phone: ' + wide);
    h.expect(await phone.isVisible(`${day('2026-12-24')} .day-holiday-name`), 'the holiday shows on a phone');
  }],

  ['report_draws_svg_bars_and_offers_csv', async (ctx) => {
    const { h } = ctx;
    await reportTickets(ctx);
    const page = await pageAs(ctx, ctx.fixtures.agent);
    await page.goto('/reports');
    await page.waitForSelector('#report:not([hidden]) #chart svg');
    h.expectEqual(await page.inputValue('#from'), '2026-10-29', 'the last 30 days by default');
    h.expectEqual(await page.inputValue('#to'), '2026-11-27', 'up to today');
    const svg = '#chart svg.chart-svg';
    h.expectEqual(await page.getAttribute(svg, 'role'), 'img', 'an image');
    h.expectEqual(await page.evaluate((s) => document.querySelector(s).namespaceURI, svg), 'http://www.w3.org/2000/svg', 'drawn as SVG');
    const label = await page.evaluate((s) => {
      const el = document.querySelector(s);
      return el.getAttribute('aria-labelledby').split(' ').map((id) => document.getElementById(id).textContent).join(' | ');
    }, svg);
    h.expect(label.startsWith('Attainment by plan and priority'), 'named: ' + label);
    const bars = await page.$$eval(`${svg} rect.bar`, (l) => l.map((r) => ({ s: r.dataset.series, v: Number(r.dataset.value), h: Number(r.getAttribute('height')), t: r.querySelector('title').textContent })));
    h.expect(bars.length >= 3, 'bars: ' + JSON.stringify(bars));
    const full = bars.filter((b) => b.v === 100);
    const none = bars.filter((b) => b.v === 0);
    h.expect(full.length >= 2 && none.length >= 1, 'in time and late: ' + JSON.stringify(bars));
    h.expect(full[0].h > 100, 'a full bar is tall: ' + full[0].h);
    h.expect(bars.some((b) => b.t === 'Advanced, P3 · General issue: 0% (0 of 1 in time)'), 'each bar says what it is: ' + bars.map((b) => b.t).join('; '));
    h.expect((await h.text(page, '.chart-legend')).includes('P1 · Business critical'), 'a legend');
    // The same figures in a table.
    const adv3 = '#report-rows tr[data-plan="advanced"][data-priority="3"]';
    h.expectEqual(await h.text(page, `${adv3} td[data-label="Breached"]`), '1', 'the late answer');
    h.expectEqual(await h.text(page, `${adv3} td[data-label="Attainment"]`), '0%', 'its attainment');
    h.expect(/^Attainment \d+(\.\d)?%/.test(await h.text(page, '#report-total')), 'the total: ' + (await h.text(page, '#report-total')));
    // The CSV of the same report, authenticated by the cookie.
    const href = await page.getAttribute('#csv-link', 'href');
    h.expectEqual(href, '/api/v1/reports/sla?from=2026-10-29&to=2026-11-28&group_by=plan%2Cpriority&format=csv', 'the CSV link');
    h.expectEqual(await page.getAttribute('#csv-link', 'download'), 'garant-sla-2026-10-29-2026-11-27.csv', 'a download');
    const csv = await page.evaluate(async (u) => {
      const r = await fetch(u, { credentials: 'same-origin' });
      return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
    }, href);
    h.expectEqual(csv.status, 200, 'the CSV answers');
    h.expectEqual(csv.type, 'text/csv; charset=utf-8', 'as CSV');
    h.expect(csv.text.startsWith('plan,priority,tickets,with_target,responded,responded_in_time,breached'), 'with its header: ' + csv.text.slice(0, 80));
    h.expect(csv.text.includes('\r\nadvanced,3,1,1,1,0,1,0,0.00,'), 'and the rows: ' + csv.text);
    // Another period: before any ticket.
    await page.fill('#from', '2026-01-01');
    await page.fill('#to', '2026-01-31');
    await page.click('#period-submit');
    await page.waitForSelector('#report-empty:not([hidden])');
    h.expect(page.url().endsWith('/reports?from=2026-01-01&to=2026-01-31'), 'the period is in the address');
    h.expectEqual(await page.locator('#chart rect.bar').count(), 0, 'no bars');
    await page.fill('#to', '2025-12-01');
    await page.click('#period-submit');
    await page.waitForSelector('#period-msg:not([hidden])');
    h.expect(/must not be before/.test(await h.text(page, '#period-msg')), 'a backwards period is refused');
  }],

  ['admin_and_report_access_phone_and_axe', async (ctx) => {
    const { h } = ctx;
    await reportTickets(ctx);
    // An agent gets no admin page; the header offers none.
    const agentPage = await pageAs(ctx, ctx.fixtures.agent);
    await agentPage.goto('/admin');
    await agentPage.waitForSelector('main .msg-info');
    h.expectEqual(await h.text(agentPage, 'main .msg-info'), 'This page is for administrators.', 'agents are told');
    h.expectEqual(await agentPage.locator('nav a[href="/admin"]').count(), 0, 'no admin entry for agents');
    h.expectEqual(await agentPage.locator('#org-rows tr').count(), 0, 'no organizations shown');
    const problems = [];
    for (const viewport of [{ width: 1100, height: 760 }, { width: 375, height: 740 }]) {
      const page = await pageAs(ctx, ctx.fixtures.admin, { viewport });
      await h.enableAxe(page.context());
      const size = viewport.width + 'px ';
      await openAdmin(page);
      for (const p of await h.accessibilityProblems(page)) problems.push(size + '/admin: ' + p);
      const wide = async () => page.evaluate(() => document.documentElement.scrollWidth);
      if (viewport.width < 400) h.expect((await wide()) <= 375, `/admin fits a phone (${await wide()})`);
      await page.goto('/reports');
      await page.waitForSelector('#chart svg');
      for (const p of await h.accessibilityProblems(page)) problems.push(size + '/reports: ' + p);
      if (viewport.width < 400) h.expect((await wide()) <= 375, `/reports fits a phone (${await wide()})`);
    }
    h.expect(!problems.length, 'accessibility problems:\n  ' + problems.join('\n  '));
  }],

  ['admin_screenshots', async (ctx) => {
    const { h } = ctx;
    await reportTickets(ctx);
    await ctx.server.waitMonitorRounds(); // what it records is in the pictures on every run
    const frozen = { fixedTime: NOW };
    const page = await pageAs(ctx, ctx.fixtures.admin, frozen);
    await openAdmin(page);
    await h.screenshot(page, ctx.shots, 'admin', { fullPage: false });
    await page.goto('/admin?month=2026-12#calendar');
    await page.waitForSelector('#cal-rows td[data-date="2026-12-24"]');
    await page.$eval('#calendar', (el) => el.scrollIntoView({ block: 'start' }));
    await h.screenshot(page, ctx.shots, 'admin-calendar', { fullPage: false });
    await page.goto('/admin#policy');
    await page.waitForSelector('#policy-rows tr');
    await page.$eval('#policy', (el) => el.scrollIntoView({ block: 'start' }));
    await h.screenshot(page, ctx.shots, 'admin-policy', { fullPage: false });
    await page.goto('/reports');
    await page.waitForSelector('#chart svg');
    await h.screenshot(page, ctx.shots, 'reports');
    const phone = await pageAs(ctx, ctx.fixtures.admin, { ...frozen, viewport: { width: 375, height: 740 } });
    await phone.goto('/reports');
    await phone.waitForSelector('#chart svg');
    await phone.$eval('#report', (el) => el.scrollIntoView({ block: 'start' }));
    await h.screenshot(phone, ctx.shots, 'phone-reports', { fullPage: false });
  }],
];
