// page-unlock.js - /unlock?token=T: the link of the locked-login mail.
// The link is used on a click, not on load, so that a mail scanner that
// opens links does not spend it.

import { api } from './api.js';
import { $, busy, param, say } from './dom.js';
import { t } from './i18n.js';
import { initPage, run } from './layout.js';
import { reportError } from './forms.js';

run(async () => {
  await initPage({ auth: 'optional' });
  const form = $('#unlock-form');
  const box = $('#form-msg');
  const token = param('token');
  if (!token) {
    form.hidden = true;
    say(box, t('unlock.noToken'), 'error');
    return;
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(box, '');
    await busy($('#unlock-submit'), null, async () => {
      try {
        await api('POST', '/password/unlock', { token });
        form.hidden = true;
        history.replaceState(null, '', '/unlock');
        say($('#unlock-done'), t('unlock.done'), 'ok');
        $('#unlock-next').hidden = false;
      } catch (e) {
        reportError(form, e, { box });
      }
    });
  });
});
