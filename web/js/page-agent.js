// page-agent.js - /agent: the queue of tickets awaiting a first response,
// as GET /queue orders it (earliest deadline first, so the overdue ones
// lead; tickets without a deadline last), and below it the follow-ups
// (GET /queue/follow-ups): answered tickets whose customer wrote again,
// and reopened ones, longest waiting first.
//
// Each row counts down the remaining business time: it stands still while
// the support team is closed (business.js) and turns amber at the
// policy's warning instant (warn_at) and red at the deadline, on the
// server's clock. The queue is fetched again every 20 s while the tab is
// visible; the countdowns tick every second in between. Filters (plan,
// priority, organization, product) are the queue API's parameters and
// stay in the address, so a filtered queue can be bookmarked. Every text
// from a ticket goes in as text.
//
// Views (issue 15), as tabs, in the address as ?view=: "All" is the queue
// above; "Mine", "My groups" and "Unassigned" are the open tickets of
// GET /tickets?assignee=me, ?group=mine and ?assignee=none (newest first,
// with the same filters and countdowns).

import { api } from './api.js';
import { businessLeft, loadWindows } from './business.js';
import { $, fill, h, say } from './dom.js';
import { onLanguage, t } from './i18n.js';
import { planName, priorityLabel } from './labels.js';
import { errorText, initPage, run } from './layout.js';
import { slaBadge, timeLeft } from './ticket-parts.js';
import { deadlineTip } from './deadline-tip.js';
import { bothZones, formatInstant, now, userZone } from './time.js';

const POLL_MS = 20000;
const PAGE = 100;
const FILTERS = ['plan', 'priority', 'org', 'product'];
/** The views' parameters of GET /tickets; "all" is GET /queue. */
const VIEWS = { mine: 'assignee=me', groups: 'group=mine', unassigned: 'assignee=none', all: null };

/** The row's look for a countdown state (time.js: ok, warning, over). */
const BADGE_FOR = { warning: ['warning', 'sla.warning'], over: ['breached', 'sla.breached'] };

run(async () => {
  const session = await initPage({ auth: 'required', roles: ['agent', 'admin'], nav: 'queue', deniedKey: 'common.staffPage' });
  const form = $('#filters');
  const table = $('#queue-table');
  const rowsEl = $('#queue-rows');
  const msg = $('#queue-msg');
  const more = $('#queue-more');

  const [policy, productList, orgList] = await Promise.all([
    api('GET', '/policy'),
    api('GET', '/products'),
    session.user.role === 'admin' ? api('GET', '/orgs').catch(() => null) : Promise.resolve(null),
  ]);
  const priorities = [...policy.priorities].sort((a, b) => a.level - b.level);
  const calendars = (policy.calendars || []).map((c) => c.name);
  // Agents may not list organizations: they learn them from the queue.
  const orgs = new Map(orgList ? orgList.orgs.map((o) => [String(o.id), o.name]) : []);

  const filters = {};
  const params = new URLSearchParams(location.search);
  for (const k of FILTERS) filters[k] = params.get(k) || '';
  let view = Object.hasOwn(VIEWS, params.get('view')) ? params.get('view') : 'all';

  let tickets = [];
  let next = null;
  let pages = 1;
  let followUps = [];
  let followNext = null;
  let followPages = 1;
  let windows = new Map();
  let answeredAt = now();
  let generation = 0;
  let updatedAt = null;

  // ---- filters ----

  function option(value, text, current) {
    return h('option', { value, text, selected: value === current });
  }

  function renderFilters() {
    fill(
      form.elements.plan,
      h('option', { value: '', i18n: 'queue.allPlans' }),
      policy.plans.map((p) => option(p.name, planName(p.name), filters.plan)),
    );
    fill(
      form.elements.priority,
      h('option', { value: '', i18n: 'queue.allPriorities' }),
      priorities.map((p) => option(String(p.level), priorityLabel(p.level, p.name), filters.priority)),
    );
    if (filters.org && !orgs.has(filters.org)) orgs.set(filters.org, '#' + filters.org);
    const byName = [...orgs].sort((a, b) => a[1].localeCompare(b[1]));
    fill(
      form.elements.org,
      h('option', { value: '', i18n: 'queue.allOrgs' }),
      byName.map(([id, name]) => option(id, name, filters.org)),
    );
    fill(
      form.elements.product,
      h('option', { value: '', i18n: 'queue.allProducts' }),
      (productList.products || []).map((p) => option(p.name, p.name, filters.product)),
    );
    for (const k of FILTERS) form.elements[k].value = filters[k];
  }

  function query(after) {
    const q = new URLSearchParams(VIEWS[view] || '');
    if (VIEWS[view]) q.set('status', 'open');
    for (const k of FILTERS) if (filters[k]) q.set(k, filters[k]);
    q.set('limit', String(PAGE));
    if (after) q.set('after', after);
    return (VIEWS[view] ? '/tickets?' : '/queue?') + q.toString();
  }

  function address() {
    const q = new URLSearchParams();
    if (view !== 'all') q.set('view', view);
    for (const k of FILTERS) if (filters[k]) q.set(k, filters[k]);
    history.replaceState(null, '', '/agent' + (q.toString() ? '?' + q : ''));
  }

  function renderTabs() {
    for (const a of document.querySelectorAll('.view-tabs a')) {
      if (a.dataset.view === view) a.setAttribute('aria-current', 'true');
      else a.removeAttribute('aria-current');
    }
    const lead = $('#view-lead');
    lead.hidden = view === 'all';
    lead.textContent = view === 'all' ? '' : t('views.lead.' + view);
  }

  for (const a of document.querySelectorAll('.view-tabs a'))
    a.addEventListener('click', (e) => {
      e.preventDefault();
      view = a.dataset.view;
      address();
      renderTabs();
      pages = 1;
      shown = null;
      refresh();
    });

  form.addEventListener('change', () => {
    for (const k of FILTERS) filters[k] = form.elements[k].value;
    address();
    pages = 1;
    refresh();
  });
  form.addEventListener('reset', (e) => {
    e.preventDefault();
    for (const k of FILTERS) form.elements[k].value = '';
    form.dispatchEvent(new Event('change'));
  });
  form.addEventListener('submit', (e) => e.preventDefault());

  // ---- rows ----

  function row(tk) {
    const link = '/agent-ticket?id=' + encodeURIComponent(tk.id);
    const cell = (labelKey, ...content) => h('td', { 'data-label': t(labelKey) }, content);
    const badge = slaBadge(tk);
    const tr = h('tr', { dataset: { id: String(tk.id), state: 'ok' } });
    const left = timeLeft(tk, {
      left: businessLeft(tk, windows, answeredAt),
      onTick: (secs, state) => {
        tr.dataset.state = state;
        const look = BADGE_FOR[state];
        if (look && badge.dataset.tone !== look[0]) {
          badge.className = 'badge badge-' + look[0];
          badge.dataset.tone = look[0];
          badge.textContent = t(look[1]);
        }
      },
    });
    const due = tk.first_response_due
      ? h('div', { class: 'due-cell' }, bothZones(tk.first_response_due, { weekday: 'short' }), deadlineTip(tk))
      : h('div', { class: 'due-cell' }, h('span', { class: 'muted', text: t('countdown.none') }), deadlineTip(tk));
    tr.append(
      cell('col.id', h('a', { href: link, text: '#' + tk.id, 'aria-label': t('queue.open', { id: tk.id }) })),
      cell('col.subject', h('a', { href: link, class: 'subject', text: tk.subject })),
      cell('col.org', h('div', null, h('span', { class: 'org', text: tk.org_name || '' }), ' ', h('span', { class: 'muted plan', text: planName(tk.plan) }))),
      cell('col.priority', priorityLabel(tk.priority, tk.priority_name)),
      cell('col.assignee', assignedTo(tk)),
      cell('col.due', due),
      cell('col.businessLeft', left),
      cell('col.sla', badge),
    );
    // The whole row opens the ticket for a pointer; the keyboard uses the links.
    tr.addEventListener('click', (e) => {
      if (e.target.closest('a, button, .tip')) return;
      location.assign(link);
    });
    return tr;
  }

  /** Who has the ticket: the agent, the group, both or no one. */
  function assignedTo(tk) {
    const who = tk.assignee_id ? (tk.assignee_id === session.user.id ? t('views.you') : tk.assignee_name || '#' + tk.assignee_id) : null;
    const group = tk.group_id ? tk.group_name || '#' + tk.group_id : null;
    if (!who && !group) return h('span', { class: 'muted', text: t('assign.nobody') });
    return h('div', null, who ? h('span', { class: 'assignee', text: who }) : null, who && group ? ' ' : null, group ? h('span', { class: 'muted group', text: group }) : null);
  }

  function followRow(tk) {
    const link = '/agent-ticket?id=' + encodeURIComponent(tk.id);
    const cell = (labelKey, ...content) => h('td', { 'data-label': t(labelKey) }, content);
    const tr = h('tr', { dataset: { id: String(tk.id) } });
    tr.append(
      cell('col.id', h('a', { href: link, text: '#' + tk.id, 'aria-label': t('queue.open', { id: tk.id }) })),
      cell('col.subject', h('a', { href: link, class: 'subject', text: tk.subject })),
      cell('col.org', h('div', null, h('span', { class: 'org', text: tk.org_name || '' }), ' ', h('span', { class: 'muted plan', text: planName(tk.plan) }))),
      cell('col.priority', priorityLabel(tk.priority, tk.priority_name)),
      cell('followUps.since', h('div', { class: 'since-cell' }, bothZones(tk.awaiting_reply_since, { weekday: 'short' }))),
    );
    tr.addEventListener('click', (e) => {
      if (e.target.closest('a, button, .tip')) return;
      location.assign(link);
    });
    return tr;
  }

  let followShown = null;

  function renderFollowUps(force = true) {
    const sig = JSON.stringify(followUps.map((tk) => [tk.id, tk.subject, tk.priority, tk.org_name, tk.awaiting_reply_since]));
    if (!force && sig === followShown) return;
    followShown = sig;
    fill($('#follow-up-rows'), followUps.map(followRow));
    $('#follow-ups-table').hidden = !followUps.length;
    $('#follow-ups-empty').hidden = !!followUps.length;
    $('#follow-ups-more').hidden = !followNext;
  }

  function summary() {
    const over = tickets.filter((tk) => tk.sla && tk.sla.state === 'breached').length;
    const warning = tickets.filter((tk) => tk.sla && tk.sla.state === 'warning').length;
    return t('queue.summary', { n: tickets.length, over, warning });
  }

  /** What a row shows that only a new answer changes: when it is the
   *  same, the rows (and the countdowns running in them) stay as they are,
   *  so a refresh never takes the keyboard focus or an open explanation. */
  const signature = (list) =>
    JSON.stringify(list.map((tk) => [tk.id, tk.subject, tk.priority, tk.status, tk.plan, tk.org_name, tk.first_response_due, tk.warn_at, tk.sla && tk.sla.state, tk.assignee_id, tk.group_id]));
  let shown = null;

  function render(force = true) {
    $('#queue-summary').textContent = summary();
    $('#queue-updated').textContent = updatedAt
      ? t('queue.updated', { when: formatInstant(new Date(updatedAt), userZone(), { weekday: false }), s: POLL_MS / 1000 })
      : '';
    const sig = signature(tickets);
    if (!force && sig === shown) return;
    shown = sig;
    // Keep the focus on the same control of the same ticket.
    const active = document.activeElement;
    const activeRow = active && rowsEl.contains(active) ? active.closest('tr') : null;
    const activeKind = activeRow ? (active.classList.contains('subject') ? 'a.subject' : active.classList.contains('tip-button') ? '.tip-button' : 'a') : null;
    fill(rowsEl, tickets.map(row));
    if (activeRow) {
      const again = rowsEl.querySelector(`tr[data-id="${activeRow.dataset.id}"] ${activeKind}`);
      if (again) again.focus({ preventScroll: true });
    }
    table.hidden = !tickets.length;
    $('#queue-empty').hidden = !!tickets.length;
    $('#queue-empty').textContent = t(view === 'all' ? 'queue.empty' : 'views.empty.' + view);
    more.hidden = !next;
  }

  async function load() {
    const gen = ++generation;
    /** The first n pages of a paged listing; pathOf(cursor) is a page's path. */
    const fetchPages = async (pathOf, n) => {
      let list = [];
      let cursor = null;
      for (let i = 0; i < n; i++) {
        const r = await api('GET', pathOf(cursor));
        list = list.concat(r.tickets || []);
        cursor = r.next;
        if (!cursor) break;
      }
      return { list, cursor };
    };
    const followPath = (cursor) => '/queue/follow-ups?limit=' + PAGE + (cursor ? '&after=' + encodeURIComponent(cursor) : '');
    const [q, w, f] = await Promise.all([fetchPages(query, pages), loadWindows(calendars), fetchPages(followPath, followPages)]);
    if (gen !== generation) return; // a newer load (other filters) won
    tickets = q.list;
    next = q.cursor;
    followUps = f.list;
    followNext = f.cursor;
    windows = w;
    answeredAt = now();
    updatedAt = answeredAt;
    if (!filters.org) {
      let added = false;
      for (const tk of tickets)
        if (tk.org_id && !orgs.has(String(tk.org_id))) {
          orgs.set(String(tk.org_id), tk.org_name || '#' + tk.org_id);
          added = true;
        }
      if (added) renderFilters();
    }
    say(msg, '');
    render(false);
    renderFollowUps(false);
  }

  async function refresh() {
    try {
      await load();
    } catch (e) {
      say(msg, errorText(e), 'error');
    }
  }

  more.addEventListener('click', () => {
    pages++;
    refresh();
  });
  $('#follow-ups-more').addEventListener('click', () => {
    followPages++;
    refresh();
  });

  renderFilters();
  renderTabs();
  await refresh();
  setInterval(() => {
    if (document.visibilityState === 'visible') refresh();
  }, POLL_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') refresh();
  });
  onLanguage(() => {
    renderFilters();
    renderTabs();
    render();
    renderFollowUps();
  });
});
