// org_members.tests.mjs - who of an organization sees what, and the
// approval of its new members (issue 15; docs/api.md, "Organization
// members"), in a real browser: the admin sets Acme's members to see their
// own tickets only and to wait for approval, and makes Mia its manager;
// Dave, who joins afterwards, sees the waiting page whatever page he opens;
// Mia approves him on the Members page (and refuses Erin, in two presses);
// Dave then sees his tickets, not Alice's; Mia sees both. At 1280 and 375
// px, in English and Romanian, axe clean with no rule disabled.

async function pageAs(ctx, who, opts = {}) {
  return ctx.browser.page({ ...opts, session: await ctx.h.sessionOf(ctx.server, who) });
}

const WIDE = { viewport: { width: 1280, height: 900 } };
const PHONE = { viewport: { width: 375, height: 740 } };

async function axeClean(h, page, what) {
  const problems = await h.accessibilityProblems(page);
  h.expect(!problems.length, `accessibility problems (${what}):\n  ` + problems.join('\n  '));
}

async function fitsWidth(h, page, width, what) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  h.expect(wide <= width, `${what} is ${wide} px wide on a ${width} px screen`);
}

export const tests = [
  ['org_members_admin_settings_waiting_page_and_manager_approval', async (ctx) => {
    const { h, server, smtp } = ctx;
    const admin = ctx.fixtures.admin;
    const acmeId = ctx.fixtures.orgs.acme.id;
    const alice = await h.makeCustomer(server, smtp, 'alice@acme.example', 'Alice Ash');
    const mia = await h.makeCustomer(server, smtp, 'mia@acme.example', 'Mia Manager');
    const aliceTicket = await server.expect(201, 'POST', '/api/v1/tickets', { subject: 'Alice’s export fails', body: 'Since Monday.' }, await h.sessionOf(server, alice));

    // ---- the admin: Acme's members see their own, and wait for approval ----
    const page = await pageAs(ctx, admin, WIDE);
    await h.enableAxe(page.context());
    await page.goto('/admin');
    const acme = '#org-rows tr[data-name="Acme"]';
    await page.waitForSelector(`${acme} .members-form`);
    h.expectEqual(await page.inputValue(`${acme} select[name="ticket_visibility"]`), 'organization', 'every ticket by default');
    h.expect(!(await page.isChecked(`${acme} input[name="approval_required"]`)), 'no approval by default');
    await page.selectOption(`${acme} select[name="ticket_visibility"]`, 'own');
    await page.check(`${acme} input[name="approval_required"]`);
    await page.click(`${acme} .members-form button`);
    await page.waitForSelector('#org-table-msg.msg-ok');
    h.expectEqual(await h.text(page, '#org-table-msg'),
      'Acme: Members see their own; new members wait for a manager’s approval (members it has are not affected).', 'saved');
    const org = await server.expect(200, 'GET', `/api/v1/orgs/${acmeId}`, undefined, admin.token);
    h.expect(org.ticket_visibility === 'own' && org.approval_required === true, 'the server agrees: ' + JSON.stringify(org));
    await page.locator('#org-table').scrollIntoViewIfNeeded();
    await h.screenshot(page, ctx.shots, 'admin-org-members', { fullPage: false });
    // Mia becomes Acme's manager.
    await page.goto('/admin#users');
    const miaRow = '#user-rows tr[data-email="mia@acme.example"]';
    await page.waitForSelector(`${miaRow} .user-manager`);
    await page.check(`${miaRow} .user-manager`);
    await page.waitForSelector('#user-msg.msg-ok');
    h.expectEqual(await h.text(page, '#user-msg'), 'mia@acme.example now manages Acme: they see all its tickets and approve its new members.', 'manager');
    const users = await server.expect(200, 'GET', '/api/v1/users?org_id=' + acmeId, undefined, admin.token);
    h.expect(users.users.find((u) => u.email === mia.email).org_manager === true, 'the server agrees Mia manages Acme');
    await axeClean(h, page, 'admin, 1280 px');

    // ---- Dave joins: the waiting page, whatever page he opens ----
    const dave = await h.makeCustomer(server, smtp, 'dave@acme.example', 'Dave Doe');
    const davePage = await ctx.browser.page(WIDE);
    await h.enableAxe(davePage.context());
    await h.loginUI(davePage, dave);
    await davePage.waitForSelector('#waiting-title');
    h.expectEqual(await h.text(davePage, '#waiting-title'), 'Waiting for approval', 'the waiting page');
    h.expect((await h.text(davePage, '#waiting-msg')).includes('Acme'), 'it names his organization');
    h.expect(!(await davePage.isVisible('#ticket-table')), 'no tickets list');
    const navs = await davePage.$$eval('#site-header nav a', (as) => as.map((a) => a.getAttribute('href')));
    h.expectEqual(JSON.stringify(navs), JSON.stringify(['/']), 'only the front page in the navigation');
    await axeClean(h, davePage, 'waiting page, 1280 px');
    await davePage.goto('/new');
    await davePage.waitForSelector('#waiting-title');
    h.expect(!(await davePage.isVisible('#ticket-form')), 'no ticket form');
    await server.expect(403, 'GET', '/api/v1/tickets', undefined, await h.sessionOf(server, dave));
    await h.screenshot(davePage, ctx.shots, 'waiting-for-approval', { fullPage: false });
    // On a phone, in Romanian.
    const davePhone = await ctx.browser.page({ ...PHONE, session: await h.sessionOf(server, dave) });
    await h.enableAxe(davePhone.context());
    await davePhone.goto('/tickets');
    await davePhone.waitForSelector('#waiting-title');
    await davePhone.selectOption('#lang-switch', 'ro');
    await davePhone.waitForSelector('#waiting-title:text("În așteptarea aprobării")');
    await fitsWidth(h, davePhone, 375, 'the waiting page');
    await axeClean(h, davePhone, 'waiting page, 375 px, ro');

    // ---- Mia's Members page: approve Dave ----
    const erin = await h.makeCustomer(server, smtp, 'erin@acme.example', 'Erin Stranger');
    const miaPage = await pageAs(ctx, mia, WIDE);
    await h.enableAxe(miaPage.context());
    await miaPage.goto('/tickets');
    await miaPage.waitForSelector('#site-header a[href="/members"]');
    await miaPage.click('#site-header a[href="/members"]');
    await miaPage.waitForSelector('#member-rows tr[data-email="dave@acme.example"]');
    h.expectEqual(await h.text(miaPage, '#members-title'), 'Members of Acme', 'her organization');
    h.expectEqual(await h.text(miaPage, '#rule-visibility'), 'Each member sees only the tickets they filed; managers see all of them.', 'the visibility');
    const daveRow = '#member-rows tr[data-email="dave@acme.example"]';
    h.expectEqual(await h.text(miaPage, `${daveRow} .member-state`), 'Waiting for approval', 'Dave waits');
    h.expect(!(await miaPage.isVisible('#member-rows tr[data-email="alice@acme.example"]')), 'only those who wait, first');
    await axeClean(h, miaPage, 'members, 1280 px');
    await h.screenshot(miaPage, ctx.shots, 'members', { fullPage: false });
    const mailedBefore = smtp.mails.length;
    await miaPage.click(`${daveRow} .member-approve`);
    await miaPage.waitForSelector(`${daveRow}[data-state="active"]`);
    h.expectEqual(await h.text(miaPage, '#members-msg'), 'Dave Doe is approved and can now see and file tickets.', 'approved');
    // The approval's mail, not his verification's: one sent after the click.
    const approvalMail = await h.until(() => smtp.mails.slice(mailedBefore).find((m) => m.to.includes('dave@acme.example')),
      'the mail telling Dave he is approved');
    // In Romanian: he chose it on the waiting page, which is his mails' language.
    h.expect(approvalMail.data.includes('v-a aprobat contul') && approvalMail.data.includes('/tickets'), 'Dave is told by mail, in Romanian:\n' + approvalMail.data);

    // Dave, reloading, sees his organization's tickets page: his own only.
    await davePage.goto('/tickets');
    await davePage.waitForSelector('#list-view:not([hidden])');
    h.expect((await h.text(davePage, '#list-lead')).startsWith('The tickets you filed at Acme.'), 'he is told he sees his own');
    h.expect(!(await davePage.isVisible(`#ticket-rows tr[data-id="${aliceTicket.id}"]`)), 'not Alice’s ticket');
    await davePage.goto(`/tickets?id=${aliceTicket.id}`);
    await davePage.waitForSelector('#ticket-msg.msg-error');
    h.expect((await h.text(davePage, '#ticket-msg')).startsWith('Ticket not found'), 'Alice’s ticket does not exist for Dave');
    h.expect(!(await davePage.isVisible('text=Alice’s export fails')), 'nothing of it shows');
    // Mia sees every ticket of Acme.
    await miaPage.goto('/tickets');
    await miaPage.waitForSelector(`#ticket-rows tr[data-id="${aliceTicket.id}"]`);

    // ---- on a phone, in Romanian: Erin is refused in two presses ----
    const phone = await pageAs(ctx, mia, PHONE);
    await h.enableAxe(phone.context());
    await phone.goto('/members');
    const erinRow = '#member-rows tr[data-email="erin@acme.example"]';
    await phone.waitForSelector(erinRow);
    await phone.selectOption('#lang-switch', 'ro');
    await phone.waitForSelector('#members-title:text("Membrii organizației Acme")');
    await fitsWidth(h, phone, 375, 'the members page');
    await axeClean(h, phone, 'members, 375 px, ro');
    await phone.click(`${erinRow} .member-refuse`);
    h.expectEqual(await h.text(phone, `${erinRow} .member-refuse`), 'Confirmă refuzul', 'armed');
    const before = await server.expect(200, 'GET', '/api/v1/users?approval=pending', undefined, admin.token);
    h.expect(before.users.some((u) => u.email === erin.email), 'the first press refuses nobody');
    await phone.click(`${erinRow} .member-refuse`);
    await phone.waitForSelector(`${erinRow}[data-state="refused"]`);
    h.expectEqual(await h.text(phone, '#members-msg'), 'Erin Stranger este refuzat: contul său este dezactivat.', 'refused');
    await server.expect(403, 'POST', '/api/v1/login', { email: erin.email, password: erin.password });
    // Everyone: the filter shows every member with their state.
    await phone.selectOption('#members-filter', '');
    await phone.waitForSelector('#member-rows tr[data-email="alice@acme.example"]');
    await axeClean(h, phone, 'members (everyone), 375 px, ro');
  }],

  ['org_members_page_is_for_managers', async (ctx) => {
    const { h, server, smtp } = ctx;
    const bob = await h.makeCustomer(server, smtp, 'bob@acme.example', 'Bob Builder');
    const page = await pageAs(ctx, bob, WIDE);
    await h.enableAxe(page.context());
    await page.goto('/tickets');
    await page.waitForSelector('#list-view:not([hidden])');
    h.expect(!(await page.isVisible('#site-header a[href="/members"]')), 'no Members entry for a customer who is no manager');
    await page.goto('/members');
    await page.waitForSelector('#members-view .msg-info');
    h.expectEqual(await h.text(page, '#members-view .msg-info'), 'This page is for your organization’s managers.', 'not his');
    await server.expect(403, 'GET', '/api/v1/org/members', undefined, await h.sessionOf(server, bob));
    await axeClean(h, page, 'members refused, 1280 px');
    const agentPage = await pageAs(ctx, ctx.fixtures.agent, PHONE);
    await agentPage.goto('/members');
    await agentPage.waitForSelector('#main .msg-info');
    h.expectEqual(await h.text(agentPage, '#main .msg-info'),
      'This page is for an organization’s managers. Administrators approve members on the admin page.', 'staff are sent to the admin page');
  }],
];
