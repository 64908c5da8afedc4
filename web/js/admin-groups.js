// admin-groups.js - the admin page's groups of agents (issue 15), beside
// page-admin.js which places them: create a group (POST /groups), and for
// each group its name, round-robin, whether new tickets join it (the
// desk's default group: one at most, the server moves the flag) and its
// members, saved together (PATCH /groups/{id}); delete (two presses; the
// server refuses a group with tickets and says so). Members are the
// desk's active agents and admins (GET /users?role=...).

import { api } from './api.js';
import { fill, h, say } from './dom.js';
import { t } from './i18n.js';
import { errorText } from './layout.js';

/** Active staff, by name: agents and admins. */
async function staff() {
  const [agents, admins] = await Promise.all([api('GET', '/users?role=agent&limit=200'), api('GET', '/users?role=admin&limit=200')]);
  return [...agents.users, ...admins.users].filter((u) => u.active).sort((a, b) => (a.name || a.email).localeCompare(b.name || b.email));
}

export function mountGroups({ list, form, box }) {
  let groups = [];
  let people = [];

  function groupForm(g) {
    const id = (k) => `group-${g.id}-${k}`;
    const members = new Set(g.members.map((m) => m.id));
    const f = h(
      'form',
      { class: 'panel group-form', novalidate: true, dataset: { id: String(g.id) }, 'aria-labelledby': id('title') },
      h('h3', { id: id('title'), text: g.name }),
      h('div', { class: 'field' }, h('label', { for: id('name'), text: t('groups.name') }), h('input', { id: id('name'), name: 'name', required: true, maxlength: 100, autocomplete: 'off', value: g.name })),
      h('div', { class: 'field check' }, h('input', { type: 'checkbox', id: id('rr'), name: 'round_robin', checked: g.round_robin }), h('label', { for: id('rr'), text: t('groups.roundRobin') })),
      h('div', { class: 'field check' }, h('input', { type: 'checkbox', id: id('def'), name: 'default', checked: g.default }), h('label', { for: id('def'), text: t('groups.default') })),
      h(
        'fieldset',
        { class: 'members' },
        h('legend', { text: t('groups.members') }),
        people.length
          ? people.map((u) =>
              h('div', { class: 'check' }, h('input', { type: 'checkbox', id: id('m' + u.id), name: 'member', value: String(u.id), checked: members.has(u.id) }), h('label', { for: id('m' + u.id), text: `${u.name || u.email} (${t('role.' + u.role)})` })),
            )
          : h('p', { class: 'muted', text: t('groups.noStaff') }),
      ),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', text: t('groups.save') }), h('button', { type: 'button', class: 'btn group-delete', text: t('groups.delete') })),
    );
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      const name = f.elements.name.value.trim();
      if (!name) return say(box, t('admin.nameEmpty'), 'error');
      const body = {
        name,
        round_robin: f.elements.round_robin.checked,
        default: f.elements.default.checked,
        members: [...f.querySelectorAll('input[name="member"]:checked')].map((c) => c.value),
      };
      try {
        await api('PATCH', '/groups/' + g.id, body);
        await load();
        say(box, t('groups.saved', { name }), 'ok');
      } catch (err) {
        say(box, errorText(err), 'error');
      }
    });
    const del = f.querySelector('.group-delete');
    del.addEventListener('click', async () => {
      if (del.dataset.armed !== 'true') {
        del.dataset.armed = 'true';
        del.textContent = t('groups.deleteConfirm', { name: g.name });
        return;
      }
      try {
        await api('DELETE', '/groups/' + g.id);
        await load();
        say(box, t('groups.deleted', { name: g.name }), 'ok');
      } catch (err) {
        del.dataset.armed = 'false';
        del.textContent = t('groups.delete');
        say(box, errorText(err), 'error');
      }
    });
    return f;
  }

  function render() {
    fill(list, groups.length ? groups.map(groupForm) : h('p', { class: 'muted', text: t('groups.none') }));
  }

  async function load() {
    const [r, p] = await Promise.all([api('GET', '/groups'), staff()]);
    groups = r.groups;
    people = p;
    render();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = form.elements.name.value.trim();
    if (!name) return say(box, t('admin.nameEmpty'), 'error');
    try {
      await api('POST', '/groups', { name });
      form.reset();
      await load();
      say(box, t('groups.created', { name }), 'ok');
    } catch (err) {
      say(box, errorText(err), 'error');
    }
  });

  return { load, render };
}
