// bulk-bar.js - the queue's bulk bar (issue 15): with tickets selected,
// one change for all of them through POST /tickets/bulk: an agent and/or
// a group (0: none), a status, a priority (its reason required, as for one
// ticket; the customer reads it in the history). All or nothing: a refusal
// is the server's message, naming the ticket, and nothing changed.
//
// The agents and groups to choose from are GET /users (active agents and
// admins) and GET /groups, read the first time the bar shows.

import { api } from './api.js';
import { $, fieldError, fill, h, say } from './dom.js';
import { t } from './i18n.js';
import { priorityLabel } from './labels.js';
import { errorText } from './layout.js';

/** Mount the bar. opts: selected (the page's Set of ids), me (my id),
 *  priorities (the policy's, sorted), done(updatedIds) after a change (the
 *  page refreshes its rows), cleared() when the selection is dropped.
 *  Returns {render, focus}. */
export function mountBulkBar({ selected, me, priorities, done, cleared }) {
  const bar = $('#bulk-bar');
  const form = $('#bulk-form');
  const msg = $('#bulk-msg');
  const result = $('#bulk-result');
  const apply = $('#bulk-apply');
  const reason = form.elements.reason;
  let staff = [];
  let groups = [];
  let loaded = null;

  function options() {
    const keep = { a: form.elements.assignee_id.value, g: form.elements.group_id.value, p: form.elements.priority.value };
    fill(
      form.elements.assignee_id,
      h('option', { value: '', text: t('bulk.noChange') }),
      h('option', { value: '0', text: t('assign.nobody') }),
      staff.map((u) => h('option', { value: String(u.id), text: u.id === me ? t('assign.meName', { name: u.name || u.email }) : u.name || u.email })),
    );
    fill(
      form.elements.group_id,
      h('option', { value: '', text: t('bulk.noChange') }),
      h('option', { value: '0', text: t('assign.noGroup') }),
      groups.map((g) => h('option', { value: String(g.id), text: g.name })),
    );
    fill(
      form.elements.priority,
      h('option', { value: '', text: t('bulk.noChange') }),
      priorities.map((p) => h('option', { value: String(p.level), text: priorityLabel(p.level, p.name) })),
    );
    form.elements.assignee_id.value = keep.a;
    form.elements.group_id.value = keep.g;
    form.elements.priority.value = keep.p;
  }

  function load() {
    if (!loaded)
      loaded = Promise.all([api('GET', '/groups'), api('GET', '/users?role=agent&limit=200'), api('GET', '/users?role=admin&limit=200')])
        .then(([g, agents, admins]) => {
          groups = g.groups;
          staff = [...agents.users, ...admins.users].filter((u) => u.active).sort((a, b) => (a.name || a.email).localeCompare(b.name || b.email));
          options();
        })
        .catch((err) => {
          loaded = null;
          say(msg, errorText(err), 'error');
        });
    return loaded;
  }

  function render() {
    const n = selected.size;
    bar.hidden = !n;
    document.body.classList.toggle('has-bulk', n > 0);
    $('#bulk-count').textContent = t('bulk.count', { n });
    apply.textContent = t('bulk.apply', { n });
    if (n) load();
    else {
      say(msg, '');
      fieldError(reason, '');
    }
  }

  /** The keyboard's "a": the bar, at its agent. */
  async function focus() {
    render();
    await load();
    form.elements.assignee_id.focus();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    say(msg, '');
    fieldError(reason, '');
    const body = { ids: [...selected] };
    const f = form.elements;
    if (f.assignee_id.value !== '') body.assignee_id = Number(f.assignee_id.value);
    if (f.group_id.value !== '') body.group_id = Number(f.group_id.value);
    if (f.status.value) body.status = f.status.value;
    if (f.priority.value) body.priority = Number(f.priority.value);
    const why = reason.value.trim();
    if (why) body.reason = why;
    if (Object.keys(body).length === 1 || (why && Object.keys(body).length === 2)) {
      say(msg, t('bulk.nothing'), 'error');
      msg.focus();
      return;
    }
    if (body.priority && !why) {
      fieldError(reason, t('field.requiredEmpty'));
      reason.focus();
      return;
    }
    apply.disabled = true;
    try {
      const r = await api('POST', '/tickets/bulk', body);
      form.reset();
      selected.clear();
      render();
      const n = body.ids.length;
      say(result, r.updated.length === n ? t('bulk.done', { n }) : t('bulk.doneSome', { n: r.updated.length, of: n }), 'ok');
      result.focus();
      await done(r.updated);
    } catch (err) {
      say(msg, errorText(err), 'error');
      msg.focus();
    } finally {
      apply.disabled = false;
    }
  });
  $('#bulk-clear').addEventListener('click', () => {
    selected.clear();
    render();
    cleared();
  });
  // The bar's result stays until the next change of selection.
  const hideResult = () => say(result, '');
  return {
    render: () => {
      if (selected.size) hideResult();
      render();
    },
    focus,
    relabel: () => {
      render();
      options();
    },
  };
}
