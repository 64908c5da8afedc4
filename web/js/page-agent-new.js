// page-agent-new.js - /agent-new: an agent files a ticket for a customer
// (issue 15), as after a phone call: POST /tickets with the customer's
// address as `requester` and, if given, the call's time as `received_at`
// (the SLA clock counts from it; the server refuses a time in the future
// or over 30 days ago). The new ticket opens in the agent workspace.

import { api } from './api.js';
import { $, fill, h } from './dom.js';
import { reportError, validate } from './forms.js';
import { onLanguage, t } from './i18n.js';
import { priorityLabel } from './labels.js';
import { initPage, run } from './layout.js';

run(async () => {
  await initPage({ auth: 'required', roles: ['agent', 'admin'], nav: 'queue', deniedKey: 'common.staffPage' });
  const form = $('#behalf-form');
  const box = $('#behalf-msg');
  const policy = await api('GET', '/policy');
  const priorities = [...policy.priorities].sort((a, b) => a.level - b.level);

  function renderPriorities() {
    const keep = Number(form.elements.priority.value) || policy.default_priority || priorities[priorities.length - 1].level;
    fill(form.elements.priority, priorities.map((p) => h('option', { value: String(p.level), text: priorityLabel(p.level, p.name), selected: p.level === keep })));
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!validate(form)) return;
    const body = {
      requester: form.elements.requester.value.trim(),
      subject: form.elements.subject.value.trim(),
      body: form.elements.body.value,
      priority: Number(form.elements.priority.value),
    };
    // datetime-local is the agent's wall time: the browser's zone makes it an instant.
    if (form.elements.received_at.value) body.received_at = new Date(form.elements.received_at.value).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const button = $('#behalf-submit');
    button.disabled = true;
    try {
      const r = await api('POST', '/tickets', body);
      location.assign('/agent-ticket?id=' + encodeURIComponent(r.id));
    } catch (err) {
      reportError(form, err, { box });
      button.disabled = false;
    }
  });

  renderPriorities();
  onLanguage(renderPriorities);
});
