// page-members.js - /members: an organization's managers (issue 15;
// docs/api.md, "Organization members"). The organization's rules (which
// tickets its members see, whether new members wait for approval), its
// members with their state, newest first (GET /org/members), those waiting
// first by default; Approve lets one in (POST /org/members/{id}/approve),
// Refuse takes two presses, as it deactivates the account
// (.../refuse). A customer who is no manager is told the page is not hers;
// the server refuses her anyway. Names and addresses go in as text.

import { api } from './api.js';
import { $, fill, h, say } from './dom.js';
import { onLanguage, t } from './i18n.js';
import { errorText, initPage, run } from './layout.js';
import { timeElement, userZone } from './time.js';

const STATE_BADGE = { pending: 'badge-warning', active: 'badge-ok', refused: 'badge-breached', deactivated: 'badge-none' };

run(async () => {
  const session = await initPage({ auth: 'required', roles: ['customer'], nav: 'members', deniedKey: 'members.notForStaff' });
  const view = $('#members-view');
  if (!session.user.org_manager) {
    fill(view, h('h1', { text: t('members.pageTitle') }), h('p', { class: 'msg msg-info', text: t('members.notManager') }));
    view.setAttribute('aria-busy', 'false');
    return;
  }
  const box = $('#members-msg');
  const filter = $('#members-filter');
  const table = $('#members-table');
  const rowsEl = $('#member-rows');
  const empty = $('#members-empty');
  const more = $('#members-more');
  let org = null;
  let members = [];
  let next = null;

  const cell = (key, ...c) => h('td', { 'data-label': t(key) }, c);

  function stateBadge(m) {
    return h('span', { class: 'badge member-state ' + (STATE_BADGE[m.state] || 'badge-none'), dataset: { state: m.state }, text: t('members.state.' + m.state) });
  }

  function decide(m, approve) {
    return async () => {
      try {
        const r = await api('POST', `/org/members/${m.id}/${approve ? 'approve' : 'refuse'}`);
        Object.assign(m, r.member);
        say(box, t(approve ? 'members.approved' : 'members.refused', { name: m.name }), 'ok');
      } catch (err) {
        say(box, errorText(err), 'error');
      }
      render();
    };
  }

  function actions(m) {
    if (m.state !== 'pending') return h('span', { class: 'muted', text: t('common.none') });
    const approve = h('button', {
      type: 'button',
      class: 'btn btn-small btn-primary member-approve',
      text: t('members.approve'),
      'aria-label': t('members.approveNamed', { name: m.name }),
      on: { click: decide(m, true) },
    });
    const refuse = h('button', { type: 'button', class: 'btn btn-small member-refuse', text: t('members.refuse'), 'aria-label': t('members.refuseNamed', { name: m.name }) });
    const go = decide(m, false);
    refuse.addEventListener('click', () => {
      if (refuse.dataset.armed !== 'true') {
        refuse.dataset.armed = 'true';
        refuse.textContent = t('members.refuseConfirm');
        refuse.setAttribute('aria-label', t('members.refuseConfirmNamed', { name: m.name }));
        say(box, t('members.refuseArmed', { name: m.name }), 'info');
        return;
      }
      go();
    });
    return h('div', { class: 'row-actions' }, approve, refuse);
  }

  function rules() {
    if (!org) return;
    fill(
      $('#members-rules'),
      h('li', { id: 'rule-visibility', text: t(org.ticket_visibility === 'own' ? 'members.visibilityOwn' : 'members.visibilityOrg') }),
      h('li', { id: 'rule-approval', text: t(org.approval_required ? 'members.approvalOn' : 'members.approvalOff') }),
    );
    $('#members-title').textContent = t('members.title', { org: org.name });
  }

  function render() {
    rules();
    fill(
      rowsEl,
      members.map((m) =>
        h(
          'tr',
          { dataset: { id: String(m.id), email: m.email, state: m.state } },
          cell(
            'members.name',
            h('strong', { class: 'member-name', text: m.name }),
            m.org_manager ? h('span', { class: 'badge badge-info', text: t('members.manager') }) : null,
            h('span', { class: 'muted small block member-email', text: m.email }),
          ),
          cell('members.state', stateBadge(m)),
          cell('members.actions', actions(m)),
          cell('members.joined', timeElement(m.created_at, userZone(), { weekday: false })),
        ),
      ),
    );
    table.hidden = !members.length;
    empty.hidden = !!members.length;
    empty.textContent = t(filter.value === 'pending' ? 'members.nonePending' : 'members.none');
    more.hidden = !next;
    view.setAttribute('aria-busy', 'false');
  }

  async function load(after) {
    const q = new URLSearchParams({ limit: '100' });
    if (filter.value) q.set('approval', filter.value);
    if (after) q.set('after', after);
    try {
      const r = await api('GET', '/org/members?' + q.toString());
      org = r.org;
      members = after ? members.concat(r.members) : r.members;
      next = r.next;
    } catch (err) {
      say(box, errorText(err), 'error');
    }
    render();
  }

  filter.addEventListener('change', () => {
    say(box, '');
    load();
  });
  more.addEventListener('click', () => load(next));
  onLanguage(render);
  await load();
});
