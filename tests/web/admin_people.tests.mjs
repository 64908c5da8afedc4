// admin_people.tests.mjs - the admin page's day-one admin operations
// (issue 12; web/js/admin-people.js) in a real browser: a user's role
// (the last admin stays one, a customer needs an organization), deactivate
// and reactivate, delete in two presses; an organization renamed,
// deactivated with its users and brought back; a product's stage changed,
// which saves a policy version that the correction form then offers; in
// English and Romanian, at 1100 and 375 px, axe clean.

async function pageAs(ctx, who, opts = {}) {
  return ctx.browser.page({ ...opts, session: await ctx.h.sessionOf(ctx.server, who) });
}

async function openAdmin(page, url = '/admin') {
  await page.goto(url);
  await page.waitForSelector('#org-rows tr[data-id]');
  await page.waitForSelector('#user-rows tr[data-id]');
}

const userRow = (email) => `#user-rows tr[data-email="${email}"]`;

async function userVia(ctx, email) {
  const r = await ctx.server.expect(200, 'GET', '/api/v1/users?limit=200', undefined, ctx.fixtures.admin.token);
  return r.users.find((u) => u.email === email);
}

export const tests = [
  ['admin_changes_roles_and_deactivates_users', async (ctx) => {
    const { h } = ctx;
    const carl = await h.makeCustomer(ctx.server, ctx.smtp, 'carl@acme.example', 'Carl Berg');
    await h.makeCustomer(ctx.server, ctx.smtp, 'dan@acme.example', 'Dan Mistake');
    const page = await pageAs(ctx, ctx.fixtures.admin, { viewport: { width: 1100, height: 800 } });
    await openAdmin(page, '/admin#users');
    const admin = userRow('admin@garant.test');
    h.expectEqual(await h.text(page, `${admin} .role-now`), 'Admin', 'the admin is one');
    h.expectEqual(await h.text(page, `${userRow('carl@acme.example')} .user-org`), 'Acme', 'Carl is Acme’s');

    // The only admin cannot step down: the server says why.
    await page.selectOption(`${admin} select[name="role"]`, 'agent');
    await page.click(`${admin} .role-form button`);
    await page.waitForSelector('#user-msg.msg-error');
    h.expect((await h.text(page, '#user-msg')).includes('admin@garant.test is the last active admin'), 'the last admin stays: ' + await h.text(page, '#user-msg'));

    // The agent becomes an admin.
    const agent = userRow('agent@garant.test');
    await page.selectOption(`${agent} select[name="role"]`, 'admin');
    await page.click(`${agent} .role-form button`);
    await page.waitForSelector(`${agent}[data-role="admin"]`);
    h.expectEqual(await h.text(page, '#user-msg'), 'agent@garant.test is now Admin; their open sessions follow at once.', 'promoted');
    h.expectEqual((await userVia(ctx, 'agent@garant.test')).role, 'admin', 'the server agrees');
    // The agent's session is an admin's at once.
    await ctx.server.expect(200, 'GET', '/api/v1/orgs', undefined, ctx.fixtures.agent.token);

    // Carl becomes an agent (leaves Acme), then a customer again: the
    // organization select appears and is needed.
    const c = userRow('carl@acme.example');
    await page.selectOption(`${c} select[name="role"]`, 'agent');
    h.expect(await page.isHidden(`${c} .role-org`), 'no organization for staff');
    await page.click(`${c} .role-form button`);
    await page.waitForSelector(`${c}[data-role="agent"]`);
    h.expectEqual(await h.text(page, `${c} td[data-label="Organization"]`), 'none (staff)', 'staff belong to none');
    await page.selectOption(`${c} select[name="role"]`, 'customer');
    h.expect(await page.isVisible(`${c} .role-org select`), 'the organization select shows for a customer');
    await page.click(`${c} .role-form button`);
    await page.waitForSelector('#user-msg.msg-error');
    h.expectEqual(await h.text(page, '#user-msg'), 'Choose the organization carl@acme.example belongs to as a customer.', 'an organization is needed');
    await page.selectOption(`${c} .role-org select`, { label: 'Globex' });
    await page.click(`${c} .role-form button`);
    await page.waitForSelector(`${c}[data-role="customer"] .user-org`);
    h.expectEqual(await h.text(page, `${c} .user-org`), 'Globex', 'Carl is Globex’s now');

    // Deactivate and reactivate.
    await page.click(`${c} .user-active`);
    await page.waitForSelector(`${c} .badge[data-active="false"]`);
    h.expectEqual(await h.text(page, '#user-msg'), 'carl@acme.example is deactivated: they cannot sign in, and their sessions have ended.', 'deactivated');
    await ctx.server.expect(403, 'POST', '/api/v1/login', { email: carl.email, password: carl.password });
    await page.click(`${c} .user-active`);
    await page.waitForSelector(`${c} .badge[data-active="true"]`);
    await ctx.server.expect(200, 'POST', '/api/v1/login', { email: carl.email, password: carl.password });

    // Delete takes two presses.
    const d = userRow('dan@acme.example');
    await page.click(`${d} .user-delete`);
    h.expectEqual(await h.text(page, `${d} .user-delete`), 'Confirm deletion', 'armed');
    h.expect((await userVia(ctx, 'dan@acme.example')) !== undefined, 'the first press deletes nothing');
    await page.click(`${d} .user-delete`);
    await page.waitForSelector(d, { state: 'detached' });
    h.expectEqual(await h.text(page, '#user-msg'), 'dan@acme.example is deleted.', 'deleted');
    h.expect((await userVia(ctx, 'dan@acme.example')) === undefined, 'gone on the server');

    // Romanian, and a phone: the table is cards that fit.
    const phone = await pageAs(ctx, ctx.fixtures.admin, { viewport: { width: 375, height: 740 } });
    await h.enableAxe(phone.context());
    await openAdmin(phone, '/admin#users');
    await phone.selectOption('#lang-switch', 'ro');
    await phone.waitForSelector('#users-title:text("Utilizatori")');
    h.expectEqual(await h.text(phone, `${c} .role-now`), 'Client', 'roles in Romanian');
    const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
    h.expect(wide <= 375, 'the users fit a phone: ' + wide);
    h.expect(await phone.isVisible(`${c} .user-active`), 'the actions show on a phone');
    const problems = await h.accessibilityProblems(phone);
    h.expect(!problems.length, 'accessibility problems (375 px, ro):\n  ' + problems.join('\n  '));
  }],

  ['admin_renames_and_deactivates_organizations_and_changes_a_stage', async (ctx) => {
    const { h } = ctx;
    const amy = await h.makeCustomer(ctx.server, ctx.smtp, 'amy@acme.example', 'Amy Adler');
    const page = await pageAs(ctx, ctx.fixtures.admin, { viewport: { width: 1100, height: 800 } });
    await h.enableAxe(page.context());
    await openAdmin(page);
    const globex = '#org-rows tr[data-name="Globex"]';
    await page.fill(`${globex} .org-rename input`, 'Globex Corporation');
    await page.click(`${globex} .org-rename button`);
    await page.waitForSelector('#org-rows tr[data-name="Globex Corporation"]');
    h.expectEqual(await h.text(page, '#org-table-msg'), 'Globex is now called Globex Corporation.', 'renamed');
    // A taken name: the server's refusal, nothing changed.
    const acme = '#org-rows tr[data-name="Acme"]';
    await page.fill(`${acme} .org-rename input`, 'Globex Corporation');
    await page.click(`${acme} .org-rename button`);
    await page.waitForSelector('#org-table-msg.msg-error');
    h.expect((await h.text(page, '#org-table-msg')).includes('exists already'), 'a taken name is refused');
    // Acme goes, with Amy; and comes back with her.
    await page.click(`${acme} .org-active`);
    await page.waitForSelector(`${acme}[data-active="false"]`);
    h.expectEqual(await h.text(page, '#org-table-msg'), 'Acme is deactivated, with its users: they cannot sign in.', 'deactivated');
    await ctx.server.expect(403, 'POST', '/api/v1/login', { email: amy.email, password: amy.password });
    h.expectEqual(await h.text(page, `${acme} .org-active`), 'Reactivate', 'it offers to come back');
    await page.click(`${acme} .org-active`);
    await page.waitForSelector(`${acme}[data-active="true"]`);
    await ctx.server.expect(200, 'POST', '/api/v1/login', { email: amy.email, password: amy.password });

    // Garant Labs leaves beta: a new policy version, offered for the correction.
    const labs = '#product-rows tr[data-name="Garant Labs"]';
    h.expectEqual(await page.getAttribute(`${labs} .stage-now`, 'data-stage'), 'beta', 'Labs is beta');
    await page.selectOption(`${labs} select[name="stage"]`, 'ga');
    await page.click(`${labs} .stage-form button`);
    await page.waitForSelector(`${labs} .stage-now[data-stage="ga"]`);
    h.expectEqual(await h.text(page, '#product-table-msg'),
      'Garant Labs is now generally available, as policy version 2. Open tickets keep their terms until you correct them onto version 2 under “Correct open tickets”.', 'the stage changed');
    await page.waitForSelector('#version-rows tr[data-version="2"][data-in-force="true"]');
    h.expectEqual(await h.text(page, '#version-rows tr[data-version="2"] .version-stage'), 'Garant Labs: from beta to generally available', 'the version says what it changed');
    h.expectEqual(await page.inputValue('#correct-version'), '2', 'the correction offers the new version');
    const products = await ctx.server.expect(200, 'GET', '/api/v1/products', undefined, ctx.fixtures.admin.token);
    h.expectEqual(products.products.find((p) => p.name === 'Garant Labs').stage, 'ga', 'the server agrees');
    const problems = await h.accessibilityProblems(page);
    h.expect(!problems.length, 'accessibility problems (1100 px):\n  ' + problems.join('\n  '));
  }],
];
