// page-signup.js - /signup: create an account with a company address.
// The server refuses free-mail domains with a message that is shown next
// to the e-mail field; on success it mails a confirmation link (/verify).

import { api } from './api.js';
import { $, busy, say } from './dom.js';
import { language, t } from './i18n.js';
import { initPage, run } from './layout.js';
import { reportError, validate } from './forms.js';

run(async () => {
  await initPage({ auth: 'optional', nav: 'signup' });
  const form = $('#signup-form');
  const box = $('#form-msg');
  const done = $('#signup-done');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(box, '');
    if (!validate(form)) return;
    const body = {
      name: form.elements.name.value.trim(),
      email: form.elements.email.value.trim(),
      password: form.elements.password.value,
      // The page's language becomes the account's mail language.
      language: language(),
    };
    await busy($('#signup-submit'), 'signup.sending', async () => {
      try {
        const r = await api('POST', '/signup', body);
        form.hidden = true;
        say(done, t('signup.sent', { email: r.email || body.email }), 'ok');
        done.focus();
      } catch (e) {
        reportError(form, e, { fallback: form.elements.email, box });
      }
    });
  });
});
