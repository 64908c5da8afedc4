// page-index.js - /: the support center's front page. Visitors are offered
// sign-up and login; customers their ticket pages and their plan.

import { $, fill, h } from './dom.js';
import { onLanguage, t } from './i18n.js';
import { planName } from './labels.js';
import { initPage, landingFor, run } from './layout.js';

run(async () => {
  const session = await initPage({ auth: 'optional', nav: 'home' });
  const user = session ? session.user : null;
  if (user && user.role !== 'customer') {
    location.replace(landingFor(user));
    return;
  }
  $('#guest-cards').hidden = !!user;
  $('#customer-cards').hidden = !user;
  const hello = $('#hello');
  const render = () => {
    if (!user) return;
    fill(
      hello,
      h('span', { text: t('index.hello', { name: user.name }) }),
      ' ',
      session.org ? h('span', { text: t('index.plan', { org: session.org.name, plan: planName(session.org.plan) }) }) : null,
    );
    hello.hidden = false;
  };
  render();
  onLanguage(render);
});
