// assign-panel.js - the agent ticket page's assignment (issue 15): the
// ticket's group and agent, chosen from the desk's groups (GET /groups)
// and active staff (GET /users), saved with PATCH /tickets/{id}
// {group_id, assignee_id} (0: none); "Assign to me" sends the caller
// alone. With a group chosen, only its members are offered; the server
// refuses an agent outside the group anyway, and says so.

import { api } from './api.js';
import { fill, h, say } from './dom.js';
import { t } from './i18n.js';
import { errorText } from './layout.js';

export function mountAssign({ form, box, now, base, me, ticket, changed }) {
  let groups = [];
  let staff = [];
  const groupSel = form.elements.group_id;
  const agentSel = form.elements.assignee_id;

  function renderAgents(keep) {
    const gid = Number(groupSel.value);
    const group = groups.find((g) => g.id === gid);
    const pool = group ? group.members.filter((m) => m.role !== 'customer') : staff;
    fill(
      agentSel,
      h('option', { value: '', text: t('assign.nobody') }),
      pool.map((u) => h('option', { value: String(u.id), text: u.id === me ? t('assign.meName', { name: u.name || u.email }) : u.name || u.email, selected: u.id === keep })),
    );
  }

  function render() {
    const tk = ticket();
    const who = tk.assignee_id ? (tk.assignee_id === me ? t('views.you') : tk.assignee_name || '#' + tk.assignee_id) : null;
    const group = tk.group_id ? tk.group_name || '#' + tk.group_id : null;
    now.textContent = who || group ? t('assign.now', { who: who || t('assign.nobody'), group: group || t('assign.noGroup') }) : t('assign.none');
    fill(
      groupSel,
      h('option', { value: '', text: t('assign.noGroup') }),
      groups.map((g) => h('option', { value: String(g.id), text: g.name, selected: g.id === tk.group_id })),
    );
    renderAgents(tk.assignee_id);
  }

  async function load() {
    const [g, agents, admins] = await Promise.all([api('GET', '/groups'), api('GET', '/users?role=agent&limit=200'), api('GET', '/users?role=admin&limit=200')]);
    groups = g.groups;
    staff = [...agents.users, ...admins.users].filter((u) => u.active).sort((a, b) => (a.name || a.email).localeCompare(b.name || b.email));
    render();
  }

  async function save(body) {
    say(box, '');
    try {
      await api('PATCH', base, body);
      await changed();
      say(box, t('assign.done'), 'ok');
    } catch (err) {
      say(box, errorText(err), 'error');
    }
  }

  groupSel.addEventListener('change', () => renderAgents(Number(agentSel.value)));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save({ group_id: Number(groupSel.value) || 0, assignee_id: Number(agentSel.value) || 0 });
  });
  form.querySelector('#assign-me').addEventListener('click', () => save({ assignee_id: me }));
  return { load, render };
}
