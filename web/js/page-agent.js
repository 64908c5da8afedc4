// page-agent.js - /agent: the agents' workspace list (issue 15).
//
// What it lists depends on the view, the search text and the filters, all
// kept in the address so that any list can be bookmarked:
//   - "All" with no search text and no status: the queue of tickets
//     awaiting a first response, as GET /queue orders it (earliest deadline
//     first, so the overdue ones lead; tickets without a deadline last),
//     with its filters plan, priority, organization and product;
//   - "Mine", "My groups", "Unassigned" (?view=mine|groups|unassigned): the
//     open tickets of GET /tickets?assignee=me, ?group=mine,
//     ?assignee=none, newest first (?status= picks another status; "any"
//     for every one);
//   - a search (?q=) or a status on "All": GET /tickets with them;
//   - a saved view (?view=ID&<its query>, saved-views.js): GET /tickets?<its
//     query>.
// Below it, the follow-ups (GET /queue/follow-ups): answered tickets whose
// customer wrote again, and reopened ones, longest waiting first.
//
// One line per ticket (queue-rows.js), so that a screen holds a day's
// queue; on a phone each ticket is a two-line card. The first-response
// countdowns count business time and stand still while the support team
// is closed (business.js); rows turn amber at the policy's warning instant
// and red at the deadline, on the server's clock. The lists are fetched
// again every 20 s while the tab is visible; a refresh that changes
// nothing leaves the rows (and the focus in them) alone.
//
// Rows are selected with their checkboxes (or x) for the bulk bar
// (bulk-bar.js): one change, all or nothing, for up to 100 tickets.
//
// The keyboard (shortcuts.js; "?" lists them): j/k or the arrows move the
// current row (aria-current, and the focus on its link), Enter or o opens
// it, r opens it at the reply box, a assigns the selected tickets (or the
// current one) in the bulk bar, x selects it, / goes to the search. The
// ids listed are kept for the ticket page (sessionStorage
// "garant.queueNav"), whose j/k walk them.

import { api } from './api.js';
import { loadWindows } from './business.js';
import { $, $$, fill, h, say } from './dom.js';
import { onLanguage, t } from './i18n.js';
import { planName, priorityLabel } from './labels.js';
import { errorText, initPage, run } from './layout.js';
import { mountBulkBar } from './bulk-bar.js';
import { rowsSignature, tickAges, ticketRow } from './queue-rows.js';
import { mountSavedViews } from './saved-views.js';
import { mountShortcuts } from './shortcuts.js';
import { formatInstant, now, userZone } from './time.js';

const POLL_MS = 20000;
const AGE_MS = 30000;
const PAGE = 100;
/** The filters of the form, as GET /tickets names them. */
const FILTERS = ['q', 'status', 'priority', 'plan', 'org', 'product'];
/** Those GET /queue takes too. */
const QUEUE_FILTERS = ['plan', 'priority', 'org', 'product'];
/** The built-in views' parameters of GET /tickets; "all" is GET /queue. */
const VIEWS = { mine: 'assignee=me', groups: 'group=mine', unassigned: 'assignee=none', all: null };
/** Where the ticket page finds the list the agent came from. */
const NAV_KEY = 'garant.queueNav';
/** The columns the queue and the follow-ups share, in order: a cell's
 *  class (queue-rows.js writes the same) and its header's i18n key. After
 *  them each list has its own last column: the queue's first-response
 *  countdown, the follow-ups' wait. */
const COLUMNS = [
  ['c-id', 'col.id'],
  ['c-subject', 'col.subject'],
  ['c-requester', 'col.requester'],
  ['c-org', 'col.org'],
  ['c-prio', 'col.priority'],
  ['c-status', 'col.status'],
  ['c-assignee', 'col.assignee'],
  ['c-age', 'col.age'],
  ['c-updated', 'col.updated'],
];

/** Write a list's header row: its select-all box (labelled by boxKey),
 *  COLUMNS, and its last column (lastKey). Every cell a column header
 *  (scope="col") in the table's sticky head; the texts follow the
 *  language (data-i18n, data-i18n-attr). */
function writeHeader(row, boxId, boxKey, lastKey) {
  const box = h('input', { id: boxId, type: 'checkbox', 'data-i18n-attr': 'aria-label:' + boxKey, 'aria-label': t(boxKey) });
  fill(
    row,
    h('th', { scope: 'col', class: 'c-sel' }, box),
    COLUMNS.map(([cls, key]) => h('th', { scope: 'col', class: cls, i18n: key })),
    h('th', { scope: 'col', class: 'c-sla', i18n: lastKey }),
  );
}

run(async () => {
  const session = await initPage({ auth: 'required', roles: ['agent', 'admin'], nav: 'queue', deniedKey: 'common.staffPage' });
  writeHeader($('#queue-head'), 'select-all', 'queue.selectAll', 'col.firstResponse');
  writeHeader($('#follow-ups-head'), 'select-all-follow', 'followUps.selectAll', 'followUps.since');
  const me = session.user.id;
  const form = $('#filters');
  const table = $('#queue-table');
  const rowsEl = $('#queue-rows');
  const followEl = $('#follow-up-rows');
  const msg = $('#queue-msg');
  const more = $('#queue-more');

  const [policy, productList, orgList] = await Promise.all([
    api('GET', '/policy'),
    api('GET', '/products'),
    session.user.role === 'admin' ? api('GET', '/orgs').catch(() => null) : Promise.resolve(null),
  ]);
  const priorities = [...policy.priorities].sort((a, b) => a.level - b.level);
  const calendars = (policy.calendars || []).map((c) => c.name);
  // Agents may not list organizations: they learn them from the lists.
  const orgs = new Map(orgList ? orgList.orgs.map((o) => [String(o.id), o.name]) : []);

  // ---- what is listed: the view, the filters, the address ----

  const filters = {};
  /** Parameters of a bookmarked list that the form does not show
   *  (breached, requester, an agent's id...): passed on as they are. */
  let extra = new URLSearchParams();
  /** "all", a built-in view's name, or "saved" (savedId: the view's id). */
  let view = 'all';
  let savedId = null;

  function fromAddress() {
    const params = new URLSearchParams(location.search);
    const v = params.get('view');
    savedId = v && /^[1-9][0-9]{0,15}$/.test(v) ? Number(v) : null;
    view = savedId ? 'saved' : v && Object.hasOwn(VIEWS, v) ? v : 'all';
    for (const k of FILTERS) filters[k] = params.get(k) || '';
    // A built-in view lists open tickets unless told otherwise.
    if (VIEWS[view]) filters.status = !params.has('status') ? 'open' : filters.status === 'any' ? '' : filters.status;
    extra = new URLSearchParams();
    for (const [k, val] of params) if (k !== 'view' && k !== 'limit' && k !== 'after' && !FILTERS.includes(k)) extra.append(k, val);
  }
  fromAddress();

  /** Whether the list is GET /tickets rather than the queue. */
  const listMode = () => view !== 'all' || !!filters.q || !!filters.status || [...extra.keys()].length > 0;

  /** GET /tickets's query for the list, without limit and after. */
  function ticketsQuery() {
    const q = new URLSearchParams(extra);
    if (VIEWS[view]) for (const [k, v] of new URLSearchParams(VIEWS[view])) q.set(k, v);
    for (const k of FILTERS) if (filters[k]) q.set(k, filters[k]);
    return q;
  }

  function query(after) {
    if (!listMode()) {
      const q = new URLSearchParams();
      for (const k of QUEUE_FILTERS) if (filters[k]) q.set(k, filters[k]);
      q.set('limit', String(PAGE));
      if (after) q.set('after', after);
      return '/queue?' + q;
    }
    const q = ticketsQuery();
    q.set('limit', String(PAGE));
    if (after) q.set('after', after);
    return '/tickets?' + q;
  }

  /** The query a saved view keeps of what is listed: GET /tickets's (the
   *  queue is saved as the open tickets with its filters). */
  function savedQuery() {
    const q = ticketsQuery();
    if (!listMode()) q.set('status', 'open');
    return q.toString();
  }

  function address() {
    const q = new URLSearchParams();
    if (view === 'saved') q.set('view', String(savedId));
    else if (view !== 'all') q.set('view', view);
    for (const k of FILTERS) {
      if (k === 'status' && VIEWS[view]) {
        if (filters.status !== 'open') q.set('status', filters.status || 'any');
      } else if (filters[k]) q.set(k, filters[k]);
    }
    for (const [k, v] of extra) q.append(k, v);
    const s = q.toString();
    history.replaceState(null, '', '/agent' + (s ? '?' + s : ''));
  }

  // ---- filters and views ----

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

  function renderTabs() {
    for (const a of $$('.view-tabs a[data-view]')) {
      if (a.dataset.view === view) a.setAttribute('aria-current', 'true');
      else a.removeAttribute('aria-current');
    }
    const lead = $('#view-lead');
    const list = listMode();
    const tabLead = VIEWS[view] && filters.status === 'open' && !filters.q && ![...extra.keys()].length;
    const sv = view === 'saved' && saved ? saved.find(savedId) : null;
    $('#queue-lead').hidden = list;
    lead.hidden = !list;
    lead.textContent = !list ? '' : sv ? t('savedViews.lead', { name: sv.name }) : t(tabLead ? 'views.lead.' + view : 'views.lead.list');
    $('#queue-caption').textContent = t(list ? 'views.caption' : 'queue.caption');
    if (saved) saved.render();
  }

  /** Show another view or other filters: from the first page, the
   *  address updated. */
  function apply() {
    address();
    renderTabs();
    pages = 1;
    shown = null;
    refresh();
  }

  for (const a of $$('.view-tabs a[data-view]'))
    a.addEventListener('click', (e) => {
      e.preventDefault();
      view = a.dataset.view;
      savedId = null;
      filters.status = VIEWS[view] ? 'open' : '';
      form.elements.status.value = filters.status;
      extra = new URLSearchParams();
      apply();
    });

  function readForm() {
    for (const k of FILTERS) filters[k] = k === 'q' ? form.elements.q.value.trim() : form.elements[k].value;
  }
  form.addEventListener('change', (e) => {
    // The search text applies on Enter or the button, not on each change
    // of focus in between.
    if (e.target === form.elements.q) return;
    readForm();
    apply();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    readForm();
    apply();
  });
  // The clearing cross of a search field.
  form.elements.q.addEventListener('search', () => {
    if (!form.elements.q.value && filters.q) form.requestSubmit();
  });
  form.addEventListener('reset', (e) => {
    e.preventDefault();
    for (const k of FILTERS) form.elements[k].value = '';
    if (VIEWS[view]) form.elements.status.value = 'open';
    extra = new URLSearchParams();
    readForm();
    apply();
  });

  // ---- rows, selection and the current row ----

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
  let shown = null;
  let followShown = null;
  /** The ids selected for the bulk bar. */
  const selected = new Set();
  let bulk = null;
  let saved = null;
  /** The current row's ticket (j/k), or null. */
  let currentId = null;

  const allRows = () => $$('#queue-rows tr[data-id], #follow-up-rows tr[data-id]').filter((tr) => !tr.closest('table').hidden);
  const rowCtx = (kind) => ({ kind, me, windows, answeredAt, selected });

  function summary() {
    const over = tickets.filter((tk) => tk.sla && tk.sla.state === 'breached' && !tk.first_response_at).length;
    const warning = tickets.filter((tk) => tk.sla && tk.sla.state === 'warning').length;
    return t(listMode() ? 'views.summary' : 'queue.summary', { n: tickets.length, over, warning });
  }

  /** Replace a table's rows, keeping the focus on the same control of the
   *  same ticket. */
  function replaceRows(body, list, kind) {
    const active = document.activeElement;
    const activeRow = active && body.contains(active) ? active.closest('tr') : null;
    const activeSel = !activeRow ? null : ['a.subject', '.tip-button', '.row-select'].find((s) => active.matches(s)) || 'a';
    fill(body, list.map((tk) => ticketRow(tk, rowCtx(kind))));
    if (activeRow) {
      const again = body.querySelector(`tr[data-id="${activeRow.dataset.id}"] ${activeSel}`);
      if (again) again.focus({ preventScroll: true });
    }
  }

  function render(force = true) {
    $('#queue-summary').textContent = summary();
    $('#queue-updated').textContent = updatedAt
      ? t('queue.updated', { when: formatInstant(new Date(updatedAt), userZone(), { weekday: false }), s: POLL_MS / 1000 })
      : '';
    const sig = rowsSignature(tickets) + listMode();
    if (force || sig !== shown) {
      shown = sig;
      replaceRows(rowsEl, tickets, 'queue');
    }
    table.hidden = !tickets.length;
    const empty = $('#queue-empty');
    empty.hidden = !!tickets.length;
    const tabEmpty = VIEWS[view] && filters.status === 'open' && !filters.q && ![...extra.keys()].length;
    empty.textContent = t(!listMode() ? 'queue.empty' : tabEmpty ? 'views.empty.' + view : 'views.empty.list');
    more.hidden = !next;
  }

  function renderFollowUps(force = true) {
    const sig = rowsSignature(followUps);
    if (force || sig !== followShown) {
      followShown = sig;
      replaceRows(followEl, followUps, 'follow');
    }
    $('#follow-ups-table').hidden = !followUps.length;
    $('#follow-ups-empty').hidden = !!followUps.length;
    $('#follow-ups-more').hidden = !followNext;
  }

  /** After the rows changed: the selection keeps only tickets still listed,
   *  the current row its mark, the ticket page the list. */
  function afterRows() {
    const listed = new Set([...tickets, ...followUps].map((tk) => tk.id));
    for (const id of [...selected]) if (!listed.has(id)) selected.delete(id);
    renderSelection();
    markCurrent();
    try {
      sessionStorage.setItem(NAV_KEY, JSON.stringify({ from: location.pathname + location.search, ids: allRows().map((tr) => Number(tr.dataset.id)) }));
    } catch {
      /* storage disabled: the ticket page's j/k do nothing */
    }
  }

  function renderSelection() {
    for (const tr of $$('#queue-rows tr[data-id], #follow-up-rows tr[data-id]')) {
      const on = selected.has(Number(tr.dataset.id));
      tr.classList.toggle('selected', on);
      const box = tr.querySelector('.row-select');
      if (box) box.checked = on;
    }
    for (const [boxId, list] of [['#select-all', tickets], ['#select-all-follow', followUps]]) {
      const box = $(boxId);
      const n = list.filter((tk) => selected.has(tk.id)).length;
      box.checked = n > 0 && n === list.length;
      box.indeterminate = n > 0 && n < list.length;
    }
    if (bulk) bulk.render();
  }

  function onSelect(e) {
    const box = e.target;
    if (box.id === 'select-all' || box.id === 'select-all-follow') {
      const list = box.id === 'select-all' ? tickets : followUps;
      for (const tk of list) {
        if (box.checked) selected.add(tk.id);
        else selected.delete(tk.id);
      }
    } else if (box.classList.contains('row-select')) {
      const id = Number(box.value);
      if (box.checked) selected.add(id);
      else selected.delete(id);
    } else return;
    renderSelection();
  }
  table.addEventListener('change', onSelect);
  $('#follow-ups-table').addEventListener('change', onSelect);

  function markCurrent() {
    for (const tr of allRows()) {
      if (Number(tr.dataset.id) === currentId) tr.setAttribute('aria-current', 'true');
      else tr.removeAttribute('aria-current');
    }
  }

  /** Make tr the current row and put the focus on its link. */
  function setCurrent(tr) {
    currentId = Number(tr.dataset.id);
    markCurrent();
    tr.querySelector('a.subject').focus({ preventScroll: true });
    tr.scrollIntoView({ block: 'nearest' });
  }

  const currentRow = () => allRows().find((tr) => Number(tr.dataset.id) === currentId) || null;

  function move(delta) {
    const rows = allRows();
    if (!rows.length) return;
    const i = rows.findIndex((tr) => Number(tr.dataset.id) === currentId);
    setCurrent(rows[i < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, i + delta))]);
  }

  // A row the focus enters (Tab, a click) becomes the current one.
  for (const body of [rowsEl, followEl])
    body.addEventListener('focusin', (e) => {
      const tr = e.target.closest('tr[data-id]');
      if (tr && Number(tr.dataset.id) !== currentId) {
        currentId = Number(tr.dataset.id);
        markCurrent();
      }
    });

  /** Open the current ticket, at a part of its page (hash). */
  function openCurrent(hash = '') {
    const tr = currentRow();
    if (!tr) return false;
    location.assign('/agent-ticket?id=' + encodeURIComponent(tr.dataset.id) + hash);
  }

  const inRows = (el) => !!el && (rowsEl.contains(el) || followEl.contains(el));

  mountShortcuts({
    dialog: $('#keys-dialog'),
    rows: $('#keys-rows'),
    opener: $('#keys-open'),
    shortcuts: [
      { keys: ['j', 'ArrowDown'], label: 'keys.next', run: (e) => (e.key === 'ArrowDown' && !inRows(e.target) ? false : move(1)) },
      { keys: ['k', 'ArrowUp'], label: 'keys.prev', run: (e) => (e.key === 'ArrowUp' && !inRows(e.target) ? false : move(-1)) },
      { keys: ['Enter', 'o'], label: 'keys.openTicket', run: (e) => (e.key === 'Enter' && (!inRows(e.target) || e.target.closest('a, button')) ? false : openCurrent()) },
      { keys: ['r'], label: 'keys.reply', run: () => openCurrent('#reply') },
      {
        keys: ['a'],
        label: 'keys.assign',
        run: () => {
          if (!selected.size) {
            const tr = currentRow();
            if (!tr) return false;
            selected.add(Number(tr.dataset.id));
            renderSelection();
          }
          bulk.focus();
        },
      },
      {
        keys: ['x'],
        label: 'keys.select',
        run: () => {
          const tr = currentRow();
          if (!tr) return false;
          const box = tr.querySelector('.row-select');
          box.checked = !box.checked;
          box.dispatchEvent(new Event('change', { bubbles: true }));
        },
      },
      {
        keys: ['/'],
        label: 'keys.search',
        run: () => {
          form.elements.q.focus();
          form.elements.q.select();
        },
      },
    ],
  });

  // ---- the bulk bar and the saved views ----

  bulk = mountBulkBar({
    selected,
    me,
    priorities,
    done: () => refresh(),
    cleared: () => renderSelection(),
  });

  /** Show a saved view: its query in the form and the address. */
  function selectView(v) {
    view = 'saved';
    savedId = v.id;
    const params = new URLSearchParams(v.query);
    for (const k of FILTERS) filters[k] = params.get(k) || '';
    extra = new URLSearchParams();
    for (const [k, val] of params) if (!FILTERS.includes(k)) extra.append(k, val);
    renderFilters();
    apply();
  }

  saved = mountSavedViews({
    me: session.user,
    query: savedQuery,
    active: () => (view === 'saved' ? savedId : null),
    select: selectView,
  });

  // ---- loading ----

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
      for (const tk of [...tickets, ...followUps])
        if (tk.org_id && !orgs.has(String(tk.org_id))) {
          orgs.set(String(tk.org_id), tk.org_name || '#' + tk.org_id);
          added = true;
        }
      if (added) renderFilters();
    }
    say(msg, '');
    render(false);
    renderFollowUps(false);
    afterRows();
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
  await Promise.all([refresh(), saved.load().then(renderTabs)]);
  setInterval(() => {
    if (document.visibilityState === 'visible') refresh();
  }, POLL_MS);
  setInterval(() => tickAges(), AGE_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') refresh();
  });
  onLanguage(() => {
    renderFilters();
    renderTabs();
    bulk.relabel();
    render();
    renderFollowUps();
    afterRows();
  });
});
