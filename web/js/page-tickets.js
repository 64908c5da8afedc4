// page-tickets.js - /tickets: the organization's tickets, and
// /tickets?id=N: one ticket with its deadline, conversation and history.
//
// Deadlines show in the reader's time zone and in CET with a live
// countdown of business time (the calendar's open windows, business.js); the data is fetched again every 30 s while the tab is
// visible, so an agent's answer or reclassification shows up without a
// reload. Every text from a ticket (subject, description, replies,
// reasons) goes in as text, never as HTML (dom.js). Another
// organization's ticket answers 404, like one that does not exist, and the
// page says "not found".

import { api } from './api.js';
import { fileList, uploadChosen } from './attachments.js';
import { $, fill, h, param, say, tNodes } from './dom.js';
import { onLanguage, t } from './i18n.js';
import { envName, priorityLabel, priorityNamer, statusName } from './labels.js';
import { initPage, run, errorText } from './layout.js';
import { reportError, validate } from './forms.js';
import { conversationItems, historyItems, slaBadge, timeLeft } from './ticket-parts.js';
import { bothZones, now, timeElement, userZone } from './time.js';
import { businessLeft, loadWindows } from './business.js';

const REFRESH_MS = 30000;

/** Re-run load every REFRESH_MS while the page is visible. */
function keepFresh(load) {
  setInterval(() => {
    if (document.visibilityState === 'visible') load().catch(() => {});
  }, REFRESH_MS);
}

/** The business-hour windows of the calendars and the instant the
 *  countdowns count from. loadWindows also sets the page's clock to the
 *  server's, so the instant is read after it. */
async function countdownClock(calendars) {
  const windows = await loadWindows(calendars);
  return { windows, at: now() };
}

// ---- the list -----------------------------------------------------------

async function listView(session) {
  const view = $('#list-view');
  view.hidden = false;
  const rowsEl = $('#ticket-rows');
  const table = $('#ticket-table');
  const empty = $('#list-empty');
  const more = $('#list-more');
  const msg = $('#list-msg');
  let tickets = [];
  let next = null;
  let clock = { windows: new Map(), at: now() };

  const lead = () => {
    // A member of an organization whose members see their own tickets
    // only (its managers see all) is told so.
    const own = session.org && session.org.ticket_visibility === 'own' && !session.user.org_manager;
    $('#list-lead').textContent = session.org ? t(own ? 'tickets.leadOwn' : 'tickets.lead', { org: session.org.name }) : t('tickets.leadNoOrg');
  };

  function row(tk) {
    const link = '/tickets?id=' + encodeURIComponent(tk.id);
    const cell = (labelKey, ...content) => h('td', { 'data-label': t(labelKey) }, content);
    return h(
      'tr',
      { dataset: { id: String(tk.id) } },
      cell('col.id', h('a', { href: link, text: '#' + tk.id })),
      cell('col.subject', h('a', { href: link, class: 'subject', text: tk.subject })),
      cell('col.status', statusName(tk.status)),
      cell('col.priority', priorityLabel(tk.priority, tk.priority_name)),
      cell('col.due', bothZones(tk.first_response_due, { weekday: 'short' })),
      cell('col.left', timeLeft(tk, { left: businessLeft(tk, clock.windows, clock.at) })),
      cell('col.sla', slaBadge(tk)),
    );
  }

  function render() {
    lead();
    fill(rowsEl, tickets.map(row));
    table.hidden = !tickets.length;
    empty.hidden = !!tickets.length;
    more.hidden = !next;
    view.setAttribute('aria-busy', 'false');
  }

  async function load() {
    // Refresh what is shown (up to the pages loaded so far).
    const r = await api('GET', '/tickets?limit=' + Math.max(50, Math.min(200, tickets.length)));
    clock = await countdownClock((r.tickets || []).map((tk) => tk.sla && tk.sla.calendar));
    tickets = r.tickets || [];
    next = r.next;
    render();
  }

  more.addEventListener('click', async () => {
    try {
      const r = await api('GET', '/tickets?limit=50&after=' + encodeURIComponent(next));
      tickets = tickets.concat(r.tickets || []);
      next = r.next;
      render();
    } catch (e) {
      say(msg, errorText(e), 'error');
    }
  });

  try {
    await load();
  } catch (e) {
    say(msg, errorText(e), 'error');
    return;
  }
  onLanguage(render);
  keepFresh(load);
}

// ---- one ticket ---------------------------------------------------------

async function ticketView(session, idText) {
  const view = $('#ticket-view');
  view.hidden = false;
  const msg = $('#ticket-msg');
  const article = $('#ticket');
  if (!/^[1-9][0-9]{0,17}$/.test(idText)) {
    say(msg, t('ticket.badId'), 'error');
    return;
  }
  let tk = null;
  let namer = (lv) => 'P' + lv;
  let clock = { windows: new Map(), at: now() };
  const calendarOf = (ticket) => [ticket.sla && ticket.sla.calendar];

  function facts() {
    const rows = [
      ['ticket.status', statusName(tk.status)],
      ['ticket.priority', priorityLabel(tk.priority, tk.priority_name)],
      ['ticket.product', tk.product || t('common.none')],
      ['ticket.environment', envName(tk.environment)],
      ['ticket.submitted', timeElement(tk.submitted_at, userZone())],
      ['ticket.requester', tk.requester_name || t('common.none')],
      ['ticket.due', bothZones(tk.first_response_due)],
      ['ticket.left', timeLeft(tk, { left: businessLeft(tk, clock.windows, clock.at) })],
      ['ticket.sla', slaBadge(tk)],
    ];
    if (tk.impact) rows.push(['ticket.impact', tk.impact]);
    if (tk.follow_up_of)
      rows.push(['ticket.followUpOf', h('a', { href: '/tickets?id=' + encodeURIComponent(tk.follow_up_of), text: '#' + tk.follow_up_of })]);
    const list = rows.map(([k, v]) => h('div', { class: 'fact', dataset: { fact: k.split('.')[1] } }, h('dt', { text: t(k) }), h('dd', null, v)));
    if (tk.sla && tk.sla.explanation)
      list.push(
        h(
          'div',
          { class: 'fact fact-wide', dataset: { fact: 'explanation' } },
          h('dt', { text: t('ticket.explanation') }),
          // The server's words, in English.
          h('dd', { lang: 'en', class: 'explanation', text: tk.sla.explanation }),
        ),
      );
    return list;
  }

  function render() {
    document.title = t('ticket.title', { id: tk.id });
    $('#ticket-number').textContent = '#' + tk.id;
    $('#ticket-subject').textContent = tk.subject;
    fill($('#ticket-facts'), facts());
    $('#ticket-body').textContent = tk.body || '';
    fill($('#ticket-files'), fileList(tk.attachments));
    fill($('#conversation'), conversationItems(tk.conversation));
    fill($('#history'), historyItems(tk.history, namer));
    // A closed ticket takes no reply: the customer continues in a new one.
    const closed = tk.status === 'closed';
    $('#reply-form').hidden = closed;
    const note = $('#closed-note');
    if (closed)
      fill(note, tNodes('ticket.closedNote', { link: h('a', { href: '/new?follow_up_of=' + encodeURIComponent(tk.id), id: 'follow-up-link', text: t('ticket.fileFollowUp') }) }));
    note.hidden = !closed;
    article.hidden = false;
  }

  async function load() {
    const fresh = await api('GET', '/tickets/' + idText);
    clock = await countdownClock(calendarOf(fresh));
    tk = fresh;
    render();
  }

  try {
    const ticket = await api('GET', '/tickets/' + idText);
    if (session.summary) namer = priorityNamer(session.summary);
    clock = await countdownClock(calendarOf(ticket));
    tk = ticket;
  } catch (e) {
    say(msg, e.status === 404 ? t('ticket.notFound') : errorText(e), 'error');
    document.title = t('ticket.notFound');
    return;
  }
  render();
  if (param('created')) {
    say(msg, t('ticket.created', { id: tk.id }), 'ok');
    history.replaceState(null, '', '/tickets?id=' + encodeURIComponent(tk.id));
  }
  onLanguage(() => {
    render();
    if (!msg.hidden && msg.classList.contains('msg-ok')) say(msg, t('ticket.created', { id: tk.id }), 'ok');
  });
  keepFresh(load);

  const form = $('#reply-form');
  const replyMsg = $('#reply-msg');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(replyMsg, '');
    if (!validate(form)) return;
    const button = $('#reply-submit');
    button.disabled = true;
    try {
      const body = { body: form.elements.body.value, public: true };
      const files = await uploadChosen(form.elements.files);
      if (files.length) body.attachments = files;
      await api('POST', '/tickets/' + idText + '/replies', body);
      form.reset();
      await load();
      say(replyMsg, t('ticket.sent'), 'ok');
    } catch (e) {
      reportError(form, e, { fallback: form.elements.body, box: replyMsg });
    } finally {
      button.disabled = false;
    }
  });
}

run(async () => {
  const session = await initPage({ auth: 'required', nav: 'tickets' });
  const id = param('id');
  if (id !== null) await ticketView(session, id);
  else await listView(session);
});
