// page-verify.js - /verify?token=T: the link of the confirmation mail.
// POSTs the token once and says whether the address is confirmed, and
// when the organization approves its members, that a manager must approve
// the account first (issue 15).

import { api } from './api.js';
import { $, param, say } from './dom.js';
import { t } from './i18n.js';
import { initPage, run, errorText } from './layout.js';

run(async () => {
  await initPage({ auth: 'optional' });
  const box = $('#verify-msg');
  const next = $('#verify-next');
  const token = param('token');
  if (!token) {
    say(box, t('verify.noToken'), 'error');
    return;
  }
  say(box, t('verify.working'), 'info');
  try {
    const r = await api('POST', '/verify', { token });
    say(box, t(r.approval === 'pending' ? 'verify.pending' : 'verify.done', { email: r.email }), 'ok');
    next.hidden = false;
    // The token is spent: keep it out of the history and the address bar.
    history.replaceState(null, '', '/verify');
  } catch (e) {
    say(box, errorText(e), 'error');
  }
});
