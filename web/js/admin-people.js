// admin-people.js - the admin page's controls for the day-one admin
// operations (issue 12), beside page-admin.js which places them:
//
//   - orgControls(o, ...): rename an organization, deactivate it with its
//     users or bring it back (PATCH /orgs/{id} {name} / {active}).
//   - stageForm(p, ...): change a product's stage (PATCH /products/{id}),
//     which saves a new policy version; open tickets move onto it only by
//     the correction below on the page, so the message says which version
//     to correct onto.
//   - orgMembersForm(o, ...): who of an organization sees which tickets
//     and whether new members wait for a manager's approval (PATCH
//     /orgs/{id} {ticket_visibility, approval_required}; issue 15).
//   - mountUsers(...): the users table: role (PATCH /users/{id} {role,
//     org_id}; a customer needs an organization), a customer's manager
//     flag ({org_manager}), a pending member approved or refused
//     ({approval}), deactivate / reactivate, delete (two presses: the
//     first arms the button and says what will happen; a user with
//     history is refused by the server, which says so).
//
// The server's refusals (the last admin, a taken name) are shown as it
// wrote them.

import { api } from './api.js';
import { fill, h, say } from './dom.js';
import { t } from './i18n.js';
import { stageName } from './labels.js';
import { errorText } from './layout.js';
import { timeElement, userZone } from './time.js';

const ROLES = ['customer', 'agent', 'admin'];
const cell = (key, ...c) => h('td', { 'data-label': t(key) }, c);

/** A member's approval, when she waits or was refused. */
function approvalBadge(u) {
  if (u.approval !== 'pending' && u.approval !== 'refused') return null;
  return h('span', { class: 'badge user-approval ' + (u.approval === 'pending' ? 'badge-warning' : 'badge-breached'), dataset: { approval: u.approval }, text: t('admin.approval.' + u.approval) });
}

function statusBadge(active) {
  return h('span', { class: 'badge ' + (active ? 'badge-ok' : 'badge-none'), dataset: { active: String(active) }, text: t(active ? 'admin.active' : 'admin.inactive') });
}

/** The rename form and the (de)activation button of organization o;
 *  changed(o) after a change, box for messages. */
export function orgControls(o, { changed, box }) {
  const nameId = 'org-rename-' + o.id;
  const input = h('input', { id: nameId, name: 'name', autocomplete: 'off', required: true, maxlength: 200, value: o.name });
  const rename = h(
    'form',
    { class: 'row-form org-rename', novalidate: true },
    h('label', { for: nameId, class: 'visually-hidden', text: t('admin.renameOrg', { name: o.name }) }),
    input,
    h('button', { type: 'submit', class: 'btn btn-small', text: t('admin.rename') }),
  );
  rename.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = input.value.trim();
    if (!name) return say(box, t('admin.nameEmpty'), 'error');
    if (name === o.name) return say(box, t('admin.nameSame', { name }), 'info');
    const old = o.name;
    try {
      Object.assign(o, await api('PATCH', '/orgs/' + o.id, { name }));
      say(box, t('admin.orgRenamed', { old, name: o.name }), 'ok');
      changed(o);
    } catch (err) {
      say(box, errorText(err), 'error');
    }
  });
  const toggle = h('button', {
    type: 'button',
    class: 'btn btn-small org-active',
    text: t(o.active === false ? 'admin.reactivate' : 'admin.deactivate'),
    'aria-label': t(o.active === false ? 'admin.reactivateNamed' : 'admin.deactivateNamed', { name: o.name }),
  });
  toggle.addEventListener('click', async () => {
    const active = o.active === false;
    try {
      Object.assign(o, await api('PATCH', '/orgs/' + o.id, { active }));
      say(box, t(active ? 'admin.orgReactivated' : 'admin.orgDeactivated', { name: o.name }), 'ok');
      changed(o);
    } catch (err) {
      say(box, errorText(err), 'error');
    }
  });
  return { rename, status: h('div', { class: 'status-cell' }, statusBadge(o.active !== false), toggle) };
}

/** The members' settings of organization o: which tickets they see, and
 *  whether new members wait for approval; changed(o) after a save. */
export function orgMembersForm(o, { changed, box }) {
  const visId = 'visibility-' + o.id;
  const apprId = 'approval-' + o.id;
  const sel = h(
    'select',
    { id: visId, name: 'ticket_visibility' },
    ['organization', 'own'].map((v) => h('option', { value: v, selected: v === (o.ticket_visibility || 'organization'), text: t('admin.visibility.' + v) })),
  );
  const box2 = h('input', { type: 'checkbox', id: apprId, name: 'approval_required', checked: !!o.approval_required, 'aria-label': t('admin.approvalOf', { name: o.name }) });
  const form = h(
    'form',
    { class: 'row-form members-form', novalidate: true },
    h('label', { for: visId, class: 'visually-hidden', text: t('admin.visibilityOf', { name: o.name }) }),
    sel,
    h('span', { class: 'check' }, box2, h('label', { for: apprId, text: t('admin.approvalRequired') })),
    h('button', { type: 'submit', class: 'btn btn-small', text: t('admin.saveMembers'), 'aria-label': t('admin.saveMembersOf', { name: o.name }) }),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    if (sel.value !== (o.ticket_visibility || 'organization')) body.ticket_visibility = sel.value;
    if (box2.checked !== !!o.approval_required) body.approval_required = box2.checked;
    if (!Object.keys(body).length) return say(box, t('admin.membersSame', { name: o.name }), 'info');
    try {
      Object.assign(o, await api('PATCH', '/orgs/' + o.id, body));
      say(
        box,
        t('admin.membersSaved', {
          name: o.name,
          visibility: t('admin.visibility.' + o.ticket_visibility),
          approval: t(o.approval_required ? 'admin.approvalOnSaved' : 'admin.approvalOffSaved'),
        }),
        'ok',
      );
      changed(o);
    } catch (err) {
      say(box, errorText(err), 'error');
    }
  });
  return form;
}

/** The stage form of product p: stages from the policy in force;
 *  changed(p, version) after a change that saved a version. */
export function stageForm(p, stages, { changed, box }) {
  const id = 'stage-' + p.id;
  const sel = h(
    'select',
    { id, name: 'stage' },
    stages.map((s) => h('option', { value: s.name, selected: s.name === p.stage, text: s.guaranteed ? stageName(s.name) : t('admin.stageNoGuarantee', { stage: stageName(s.name) }) })),
  );
  const form = h(
    'form',
    { class: 'row-form stage-form', novalidate: true },
    h('label', { for: id, class: 'visually-hidden', text: t('admin.stageOf', { name: p.name }) }),
    sel,
    h('button', { type: 'submit', class: 'btn btn-small', text: t('admin.changeStage') }),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (sel.value === p.stage) return say(box, t('admin.stageSame', { name: p.name, stage: stageName(p.stage) }), 'info');
    try {
      const r = await api('PATCH', '/products/' + p.id, { stage: sel.value });
      Object.assign(p, r.product);
      say(box, t('admin.stageChanged', { name: p.name, stage: stageName(p.stage), version: r.version }), 'ok');
      changed(p, r.version);
    } catch (err) {
      say(box, errorText(err), 'error');
    }
  });
  return form;
}

/** The users section: table body tbody, messages in box, orgs() the
 *  organizations known to the page (for a customer's organization). */
export function mountUsers({ tbody, box, more, orgs }) {
  let users = [];
  let next = null;

  function roleForm(u) {
    const id = 'role-' + u.id;
    const orgId = 'role-org-' + u.id;
    const sel = h('select', { id, name: 'role' }, ROLES.map((r) => h('option', { value: r, selected: r === u.role, text: t('role.' + r) })));
    const orgSel = h(
      'select',
      { id: orgId, name: 'org_id' },
      h('option', { value: '', text: t('admin.pickOrg') }),
      orgs()
        .filter((o) => o.active !== false)
        .map((o) => h('option', { value: String(o.id), selected: o.id === u.org_id, text: o.name })),
    );
    const orgField = h('span', { class: 'role-org', hidden: sel.value !== 'customer' }, h('label', { for: orgId, class: 'visually-hidden', text: t('admin.orgOfUser', { name: u.email }) }), orgSel);
    sel.addEventListener('change', () => {
      orgField.hidden = sel.value !== 'customer';
    });
    const form = h(
      'form',
      { class: 'row-form role-form', novalidate: true },
      h('label', { for: id, class: 'visually-hidden', text: t('admin.roleOf', { name: u.email }) }),
      sel,
      orgField,
      h('button', { type: 'submit', class: 'btn btn-small', text: t('admin.changeRole') }),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const role = sel.value;
      const org = role === 'customer' ? Number(orgSel.value) || 0 : 0;
      if (role === u.role && (role !== 'customer' || org === u.org_id))
        return say(box, t('admin.roleSame', { name: u.email, role: t('role.' + role) }), 'info');
      if (role === 'customer' && !org) {
        say(box, t('admin.pickOrgFirst', { name: u.email }), 'error');
        orgSel.focus();
        return;
      }
      const body = role === 'customer' ? { role, org_id: org } : { role };
      try {
        const r = await api('PATCH', '/users/' + u.id, body);
        Object.assign(u, r, { org_name: (orgs().find((o) => o.id === r.org_id) || {}).name || null });
        say(box, t('admin.roleChanged', { name: u.email, role: t('role.' + u.role) }), 'ok');
        render();
      } catch (err) {
        say(box, errorText(err), 'error');
      }
    });
    return form;
  }

  // A customer's manager flag, saved as soon as it changes.
  function managerToggle(u) {
    const id = 'manager-' + u.id;
    const box2 = h('input', { type: 'checkbox', id, class: 'user-manager', checked: !!u.org_manager, 'aria-label': t('admin.managerOf', { name: u.email }) });
    box2.addEventListener('change', async () => {
      try {
        Object.assign(u, await api('PATCH', '/users/' + u.id, { org_manager: box2.checked }));
        say(box, t(u.org_manager ? 'admin.managerOn' : 'admin.managerOff', { name: u.email, org: u.org_name || '' }), 'ok');
      } catch (err) {
        say(box, errorText(err), 'error');
      }
      render();
    });
    return h('span', { class: 'check manager-check' }, box2, h('label', { for: id, text: t('admin.manager') }));
  }

  function decide(u, approval) {
    return async () => {
      try {
        Object.assign(u, await api('PATCH', '/users/' + u.id, { approval }));
        say(box, t(approval === 'approved' ? 'admin.memberApproved' : 'admin.memberRefused', { name: u.email }), 'ok');
      } catch (err) {
        say(box, errorText(err), 'error');
      }
      render();
    };
  }

  function actions(u) {
    const decisions = u.approval === 'pending'
      ? [
          h('button', { type: 'button', class: 'btn btn-small btn-primary user-approve', text: t('admin.approve'), 'aria-label': t('admin.approveNamed', { name: u.email }), on: { click: decide(u, 'approved') } }),
          h('button', { type: 'button', class: 'btn btn-small user-refuse', text: t('admin.refuse'), 'aria-label': t('admin.refuseNamed', { name: u.email }), on: { click: decide(u, 'refused') } }),
        ]
      : [];
    const toggle = h('button', {
      type: 'button',
      class: 'btn btn-small user-active',
      text: t(u.active ? 'admin.deactivate' : 'admin.reactivate'),
      'aria-label': t(u.active ? 'admin.deactivateNamed' : 'admin.reactivateNamed', { name: u.email }),
    });
    toggle.addEventListener('click', async () => {
      try {
        Object.assign(u, await api('PATCH', '/users/' + u.id, { active: !u.active }));
        say(box, t(u.active ? 'admin.userReactivated' : 'admin.userDeactivated', { name: u.email }), 'ok');
        render();
      } catch (err) {
        say(box, errorText(err), 'error');
      }
    });
    const del = h('button', { type: 'button', class: 'btn btn-small user-delete', text: t('admin.delete'), 'aria-label': t('admin.deleteNamed', { name: u.email }) });
    del.addEventListener('click', async () => {
      if (del.dataset.armed !== 'true') {
        del.dataset.armed = 'true';
        del.textContent = t('admin.deleteConfirm');
        del.setAttribute('aria-label', t('admin.deleteConfirmNamed', { name: u.email }));
        say(box, t('admin.deleteArmed', { name: u.email }), 'info');
        return;
      }
      try {
        await api('DELETE', '/users/' + u.id);
        users = users.filter((x) => x !== u);
        say(box, t('admin.userDeleted', { name: u.email }), 'ok');
        render();
      } catch (err) {
        say(box, errorText(err), 'error');
        render();
      }
    });
    return h('div', { class: 'row-actions' }, decisions, toggle, del);
  }

  function render() {
    fill(
      tbody,
      users.length
        ? users.map((u) =>
            h(
              'tr',
              { dataset: { id: String(u.id), email: u.email, role: u.role } },
              cell('admin.userName', h('strong', { class: 'user-name', text: u.name }), h('span', { class: 'muted small block user-email', text: u.email })),
              cell('admin.role', h('div', null, h('span', { class: 'role-now', text: t('role.' + u.role) }), roleForm(u))),
              cell(
                'admin.userOrg',
                u.org_name ? h('span', { class: 'user-org', text: u.org_name }) : h('span', { class: 'muted', text: t('admin.noOrg') }),
                u.role === 'customer' ? h('div', null, managerToggle(u)) : null,
              ),
              cell('admin.status', h('div', { class: 'status-cell' }, statusBadge(u.active), approvalBadge(u))),
              cell('admin.actions', actions(u)),
              cell('admin.created', timeElement(u.created_at, userZone(), { weekday: false })),
            ),
          )
        : h('tr', null, h('td', { colspan: 6, class: 'muted', text: t('admin.noUsers') })),
    );
    more.hidden = !next;
  }

  async function load(after) {
    try {
      const r = await api('GET', '/users?limit=100' + (after ? '&after=' + encodeURIComponent(after) : ''));
      users = after ? users.concat(r.users) : r.users;
      next = r.next;
    } catch (err) {
      say(box, errorText(err), 'error');
    }
    render();
  }
  more.addEventListener('click', () => load(next));
  return { load, render };
}
