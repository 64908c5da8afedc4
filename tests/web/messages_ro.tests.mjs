// messages_ro.tests.mjs - a Romanian page is Romanian through and through
// (issue 15): every string of the pages has its Romanian text, and the
// server's own messages come back in the page's language, because api.js
// sends it as Accept-Language with every call. At desktop size (1280 px)
// and on a phone (375 px), axe clean.
//
// Each test has a server of its own (run.mjs) whose test clock stands at
// Friday 27 Nov 2026, 11:00 CET (10:00Z).

const VIEWPORTS = [{ width: 1280, height: 800 }, { width: 375, height: 740 }];

export const tests = [
  ['ro_every_page_string_has_a_romanian_text', async (ctx) => {
    const { h } = ctx;
    const page = await ctx.browser.page();
    await page.goto('/login');
    const problems = await page.evaluate(async () => {
      const { _strings: s } = await import('/js/i18n.js');
      const out = [];
      const vars = (v) => [...String(v).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');
      for (const k of Object.keys(s.en)) {
        const ro = s.ro[k];
        if (typeof ro !== 'string' || !ro.trim()) out.push(`${k}: no Romanian text`);
        else if (vars(ro) !== vars(s.en[k])) out.push(`${k}: placeholders {${vars(ro)}} differ from English {${vars(s.en[k])}}`);
        else if (/[şţŞŢ]/.test(ro)) out.push(`${k}: a cedilla ş/ţ where Romanian writes ș/ț`);
      }
      for (const k of Object.keys(s.ro)) if (!(k in s.en)) out.push(`${k}: in Romanian only`);
      return out;
    });
    h.expect(!problems.length, 'page strings:\n  ' + problems.join('\n  '));
  }],

  ['ro_server_error_on_a_romanian_page_at_1280_and_375', async (ctx) => {
    const { h } = ctx;
    const problems = [];
    for (const viewport of VIEWPORTS) {
      const size = viewport.width + 'px ';
      // A browser that prefers Romanian: the page is Romanian, and so is
      // what the server answers it.
      const page = await ctx.browser.page({ locale: 'ro-RO', timezoneId: 'Europe/Bucharest', viewport });
      await h.enableAxe(page.context());
      await page.goto('/signup');
      await page.waitForSelector('#signup-form');
      h.expectEqual(await page.getAttribute('html', 'lang'), 'ro', size + 'the page is Romanian');
      await page.fill('#name', 'Ion Ionescu');
      await page.fill('#email', 'ion@gmail.com');
      await page.fill('#password', 'o parolă destul de lungă');
      const [req] = await Promise.all([page.waitForRequest('**/api/v1/signup'), page.click('#signup-submit')]);
      h.expectEqual(req.headers()['accept-language'], 'ro', size + 'the page sends its language');
      await page.waitForSelector('#email-error:not([hidden])');
      h.expectEqual(await h.text(page, '#email-error'),
        'înregistrați-vă cu adresa de e-mail a firmei; gmail.com este un furnizor de e-mail gratuit',
        size + 'the server refusal next to its field, in Romanian');
      h.expectEqual(await page.getAttribute('#email', 'aria-invalid'), 'true', size + 'the field is marked invalid');
      for (const p of await h.accessibilityProblems(page)) problems.push(size + '/signup (ro, refused): ' + p);
      // A field the server names in Romanian quotes („password”) still
      // finds its field: a password the page lets through, the server not.
      await page.fill('#email', 'ion@firma.example');
      await page.evaluate(() => { document.querySelector('#password').removeAttribute('minlength'); });
      await page.fill('#password', 'scurtă');
      await page.click('#signup-submit');
      await page.waitForSelector('#password-error:not([hidden])');
      h.expectEqual(await h.text(page, '#password-error'), '„password” trebuie să aibă cel puțin 10 caractere',
        size + 'the server message next to the password field');
      // The page's language decides, not the browser's: switched to
      // English, the same browser hears English.
      await page.selectOption('#lang-switch', 'en');
      await page.fill('#email', 'ion@gmail.com');
      await page.fill('#password', 'a long enough password');
      await page.click('#signup-submit');
      await h.until(async () => /is a free mail provider$/.test(await h.text(page, '#email-error')),
        size + 'the refusal in English after the switch');
      // On a phone the message fits: no sideways scrolling.
      if (viewport.width < 400) {
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        h.expect(wide <= 375, size + 'the page fits the phone: ' + wide);
      }
    }
    h.expect(!problems.length, 'accessibility problems:\n  ' + problems.join('\n  '));
  }],
];
