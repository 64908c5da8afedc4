// page-reset.js - /reset?token=T: the link of the password-reset mail.

import { api } from './api.js';
import { $, busy, param, say } from './dom.js';
import { t } from './i18n.js';
import { initPage, run } from './layout.js';
import { reportError, validate } from './forms.js';

run(async () => {
  await initPage({ auth: 'optional' });
  const form = $('#reset-form');
  const box = $('#form-msg');
  const token = param('token');
  if (!token) {
    form.hidden = true;
    say(box, t('verify.noToken'), 'error');
    return;
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(box, '');
    if (!validate(form)) return;
    await busy($('#reset-submit'), null, async () => {
      try {
        await api('POST', '/password/reset', { token, password: form.elements.password.value });
        form.hidden = true;
        history.replaceState(null, '', '/reset');
        say($('#reset-done'), t('reset.done'), 'ok');
        $('#reset-next').hidden = false;
      } catch (e) {
        reportError(form, e, { box });
      }
    });
  });
});
