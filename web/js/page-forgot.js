// page-forgot.js - /forgot: ask for a password-reset link (the server
// answers the same whether or not the address has an account).

import { api } from './api.js';
import { $, busy, say } from './dom.js';
import { t } from './i18n.js';
import { initPage, run } from './layout.js';
import { reportError, validate } from './forms.js';

run(async () => {
  await initPage({ auth: 'optional' });
  const form = $('#forgot-form');
  const box = $('#form-msg');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(box, '');
    if (!validate(form)) return;
    await busy($('#forgot-submit'), null, async () => {
      try {
        await api('POST', '/password/forgot', { email: form.elements.email.value.trim() });
        form.hidden = true;
        say($('#forgot-done'), t('forgot.sent'), 'ok');
        $('#forgot-done').focus();
      } catch (e) {
        reportError(form, e, { fallback: form.elements.email, box });
      }
    });
  });
});
