// attachments.tests.mjs - files on tickets in a real browser (issue 14):
// a customer files a ticket with a screenshot and a log from the form's
// file input, sees both listed under her ticket with the image previewed
// (under the pages' CSP) and downloads them byte for byte with the
// server's headers; on a phone she replies with a file; axe finds no
// WCAG 2.1 AA problem on the form or the ticket with its files at desktop
// size or 375 px, and nothing scrolls sideways.

// A real 1x1 PNG, so that the preview decodes.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const LOG = Buffer.from('2026-11-27 10:59:58 ERROR checkout: upstream 502\n'.repeat(200));

async function ana(ctx) {
  if (!ctx.state.ana) ctx.state.ana = await ctx.h.makeCustomer(ctx.server, ctx.smtp, 'ana@acme.example', 'Ana Popescu');
  return ctx.state.ana;
}

async function pageAs(ctx, who, opts = {}) {
  return ctx.browser.page({ ...opts, session: await ctx.h.sessionOf(ctx.server, who) });
}

/** GET a file from inside the page (its cookie): status, headers, bytes. */
async function fetchFile(page, url) {
  return page.evaluate(async (u) => {
    const r = await fetch(u, { credentials: 'same-origin' });
    const b = new Uint8Array(await r.arrayBuffer());
    return { status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'),
      nosniff: r.headers.get('x-content-type-options'), bytes: Array.from(b) };
  }, url);
}

export const tests = [
  ['attachments_upload_preview_download_desktop_and_phone', async (ctx) => {
    const { h } = ctx;
    const problems = [];
    const check = async (page, what) => {
      for (const p of await h.accessibilityProblems(page)) problems.push(`${what}: ${p}`);
    };
    // Desktop: file with two files.
    const page = await pageAs(ctx, await ana(ctx), { viewport: { width: 1100, height: 760 } });
    await h.enableAxe(page.context());
    await page.goto('/new');
    await page.waitForSelector('#ticket-form:not([hidden])');
    await page.waitForSelector('#promise[data-state="ready"], #promise[data-state="none"]');
    await page.fill('#subject', 'Checkout fails with error 502');
    await page.fill('#body', 'Screenshot and log attached.');
    await page.setInputFiles('#files', [
      { name: 'checkout.png', mimeType: 'image/png', buffer: PNG },
      { name: 'jurnal ședință.log', mimeType: 'text/plain', buffer: LOG },
    ]);
    await check(page, '1100px /new with files');
    await Promise.all([page.waitForURL(/\/tickets\?id=\d+/), page.click('#ticket-submit')]);
    await page.waitForSelector('#ticket:not([hidden])');
    await page.waitForSelector('#ticket-files .file');
    const names = await page.$$eval('#ticket-files .file a', (as) => as.map((a) => a.textContent));
    h.expectEqual(names.join(' | '), 'checkout.png | jurnal ședință.log', 'the files under the ticket');
    // The preview is decoded from the server's image, under the CSP.
    await h.until(() => page.$eval('#ticket-files img.file-preview', (img) => img.complete && img.naturalWidth === 1), 'the preview loads');
    const links = await page.$$eval('#ticket-files .file a', (as) => as.map((a) => a.getAttribute('href')));
    const img = await fetchFile(page, links[0]);
    h.expectEqual(img.type, 'image/png', 'an image is served as its sniffed type');
    h.expectEqual(Buffer.from(img.bytes).equals(PNG), true, 'the image comes back byte for byte');
    const log = await fetchFile(page, links[1]);
    h.expectEqual(log.type, 'application/octet-stream', 'anything else is served as bytes');
    h.expectEqual(log.nosniff, 'nosniff', 'nosniff');
    h.expect(/^attachment;/.test(log.disposition) && /filename\*=UTF-8''jurnal%20%C8%99edin%C8%9B%C4%83\.log/.test(log.disposition), 'disposition: ' + log.disposition);
    h.expectEqual(Buffer.from(log.bytes).equals(LOG), true, 'the log comes back byte for byte');
    await check(page, '1100px /tickets?id= with files');
    const ticketUrl = new URL(page.url()).pathname + new URL(page.url()).search;

    // Phone: reply with a file; the ticket fits 375 px.
    const phone = await pageAs(ctx, await ana(ctx), { viewport: { width: 375, height: 740 } });
    await h.enableAxe(phone.context());
    await phone.goto(ticketUrl);
    await phone.waitForSelector('#ticket:not([hidden])');
    await phone.fill('#reply', 'One more screenshot.');
    await phone.setInputFiles('#reply-files', [{ name: 'after-restart.png', mimeType: 'image/png', buffer: PNG }]);
    await phone.click('#reply-submit');
    await phone.waitForSelector('#conversation .message .file a');
    h.expectEqual(await h.text(phone, '#conversation .message .file a'), 'after-restart.png', 'the reply carries its file');
    h.expectEqual(await phone.$eval('#reply-files', (i) => i.files.length), 0, 'the form is cleared after sending');
    await h.until(() => phone.$eval('#conversation img.file-preview', (i) => i.complete && i.naturalWidth === 1), 'the reply preview loads');
    const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
    h.expect(wide <= 375, `the ticket with files fits a 375 px screen (scrollWidth ${wide})`);
    await check(phone, '375px /tickets?id= with files');
    await h.screenshot(phone, ctx.shots, 'phone-ticket-attachments', { fullPage: true });
    h.expect(!problems.length, 'accessibility problems:\n  ' + problems.join('\n  '));
  }],
];
