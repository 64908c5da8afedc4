// page-login.js - /login[?next=PATH]: log in, then go to next (a path on
// this site) or the user's landing page.

import { login } from './api.js';
import { $, busy, param, say } from './dom.js';
import { t } from './i18n.js';
import { initPage, landingFor, run, safeNext } from './layout.js';
import { reportError, validate } from './forms.js';

run(async () => {
  const session = await initPage({ auth: 'optional', nav: 'login' });
  const form = $('#login-form');
  const box = $('#form-msg');
  if (param('out')) say($('#login-note'), t('login.loggedOut'), 'info');
  else if (session) location.replace(safeNext(param('next'), landingFor(session.user)));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(box, '');
    if (!validate(form)) return;
    await busy($('#login-submit'), 'login.sending', async () => {
      try {
        const r = await login(form.elements.email.value.trim(), form.elements.password.value);
        location.assign(safeNext(param('next'), landingFor(r.user)));
      } catch (e) {
        // Wrong password, unverified address, throttled: not one field's fault.
        reportError(form, e, { box });
      }
    });
  });
});
