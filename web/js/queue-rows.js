// queue-rows.js - one line per ticket in the agents' lists (issue 15):
// the queue, the views and the follow-ups of /agent.
//
// A row: a checkbox (the bulk bar's selection), the number, the subject
// (cut to the column's width: the link holds the full text, and its title
// shows it on hover), requester, organization, priority, status, who has
// it, its age (since filed), its last update (updated_at: the latest
// change by a person) and, in the queue, the live first-response
// countdown in the one lateness figure (ticket-parts.js) with "Why?"
// explaining the deadline; in the follow-ups, since when the customer
// waits. Lists show no seconds: ages are whole minutes, hours and days of
// wall time ("3 d 4 h", "12 min ago"), refreshed by tickAges(); the
// countdown's figure is whole minutes too. Every text from a ticket goes
// in as text (dom.js).

import { businessLeft } from './business.js';
import { explanation } from './deadline-tip.js';
import { h, tNodes } from './dom.js';
import { t } from './i18n.js';
import { planName, priorityLabel, statusName } from './labels.js';
import { slaBadge, timeLeft } from './ticket-parts.js';
import { bothZones, CET_ZONE, formatInstant, now, sameAsCet, toDate, userZone } from './time.js';
import { toggletip } from './toggletip.js';

/** The row's look for a countdown state (time.js: ok, warning, over). */
const BADGE_FOR = { warning: ['warning', 'sla.warning'], over: ['breached', 'sla.breached'] };

/** A wall-clock span in whole minutes, hours or days, never seconds, as
 *  precise as a list needs: "under 1 min", "12 min", "5 h 20 min" (under
 *  10 h), "14 h", "3 d 4 h". */
export function formatSpan(seconds) {
  const min = Math.max(0, Math.floor(seconds / 60));
  if (min < 1) return t('ago.under');
  const d = Math.floor(min / 1440);
  const hh = Math.floor((min % 1440) / 60);
  const mm = min % 60;
  const parts = [];
  if (d) parts.push(t('dur.d', { n: d }));
  if (hh) parts.push(t('dur.h', { n: hh }));
  if (mm && !d && hh < 10) parts.push(t('dur.min', { n: mm }));
  return parts.join(' ');
}

/** An instant for a title: in the reader's zone, and in CET beside it
 *  when that reads otherwise. */
function instantText(iso) {
  const mine = formatInstant(iso, userZone(), { weekday: 'short' });
  return sameAsCet(iso) ? mine : mine + ' (' + formatInstant(iso, CET_ZONE, { weekday: false }) + ')';
}

/** The text of a <time data-ago> at the page's now. */
function agoText(el) {
  const at = toDate(el.getAttribute('datetime'));
  if (!at) return t('common.none');
  const span = formatSpan((now() - at.getTime()) / 1000);
  return el.dataset.ago === 'ago' ? t('ago.ago', { d: span }) : span;
}

/** A <time> saying how long ago iso was: "3 d 4 h" (kind "span") or "12
 *  min ago" (kind "ago"); its title (titleKey, {when}) gives the instant. */
function ago(iso, kind, titleKey) {
  if (!iso) return h('span', { class: 'muted', text: t('common.none') });
  const el = h('time', { datetime: iso, dataset: { ago: kind, titleKey }, title: t(titleKey, { when: instantText(iso) }) });
  el.textContent = agoText(el);
  return el;
}

/** Bring every age on the page up to now (a minute passed, the language
 *  changed). */
export function tickAges(root = document) {
  for (const el of root.querySelectorAll('time[data-ago]')) {
    const text = agoText(el);
    if (el.textContent !== text) el.textContent = text;
    el.title = t(el.dataset.titleKey, { when: instantText(el.getAttribute('datetime')) });
  }
}

/** Who has the ticket: the agent ("You" for me), the group, both or no one,
 *  on one line. */
function assignedTo(tk, me) {
  const who = tk.assignee_id ? (tk.assignee_id === me ? t('views.you') : tk.assignee_name || '#' + tk.assignee_id) : null;
  const group = tk.group_id ? tk.group_name || '#' + tk.group_id : null;
  if (!who && !group) return h('span', { class: 'muted', text: t('assign.nobody') });
  const text = [who, group].filter(Boolean).join(' · ');
  return h('span', { class: 'cut', title: text }, who ? h('span', { class: 'assignee', text: who }) : null, who && group ? ' · ' : null, group ? h('span', { class: 'muted group', text: group }) : null);
}

/** "Why?" beside a countdown, as a "?": the deadline in both zones, then
 *  the core's explanation of it. */
function dueTip(tk) {
  const due = tk.first_response_due
    ? h('span', { class: 'tip-line' }, tNodes('queue.dueAt', { due: bothZones(tk.first_response_due, { inline: true, weekday: 'short' }) }))
    : null;
  // A "?" in the row: its name, "Why? the deadline of ticket #N", is read out.
  const label = [h('span', { 'aria-hidden': 'true', text: '?' }), h('span', { class: 'visually-hidden', text: t('explain.why') + ' ' + t('explain.whyOf', { id: tk.id }) })];
  return toggletip(label, [due, explanation(tk)], { class: 'deadline-tip tip-end' });
}

/** The first-response cell of the queue and the views: the badge when due
 *  soon or answered (an overdue countdown says "late" itself, and its row
 *  is red), the live countdown, "Why?". */
function slaCell(tk, tr, ctx) {
  const badge = slaBadge(tk);
  const quiet = (tone) => tone === 'ok' || (tone === 'breached' && !tk.first_response_at);
  badge.hidden = quiet(badge.className.replace(/^.*badge-/, ''));
  const left = timeLeft(tk, {
    left: businessLeft(tk, ctx.windows, ctx.answeredAt),
    onTick: (secs, state) => {
      tr.dataset.state = state;
      const look = BADGE_FOR[state];
      if (look && badge.dataset.tone !== look[0]) {
        badge.className = 'badge badge-' + look[0];
        badge.dataset.tone = look[0];
        badge.textContent = t(look[1]);
        badge.hidden = quiet(look[0]);
      }
    },
  });
  return h('div', { class: 'sla-cell' }, badge, left, dueTip(tk));
}

/** One ticket's row. ctx: kind ("queue" or "follow"), me (the user's id),
 *  windows and answeredAt (business.js), selected (a Set of ids). */
export function ticketRow(tk, ctx) {
  const link = '/agent-ticket?id=' + encodeURIComponent(tk.id);
  const tr = h('tr', { dataset: { id: String(tk.id), state: 'ok' } });
  const cell = (cls, labelKey, ...content) => h('td', { class: cls, 'data-label': t(labelKey) }, content);
  const plain = (cls, labelKey, text, title) => cell(cls, labelKey, h('span', { class: 'cut', title: title || text, text }));
  const prio = priorityLabel(tk.priority, tk.priority_name);
  const checkbox = h('input', {
    type: 'checkbox',
    class: 'row-select',
    value: String(tk.id),
    checked: ctx.selected.has(tk.id),
    'aria-label': t('queue.select', { id: tk.id }),
  });
  tr.append(
    h('td', { class: 'c-sel' }, checkbox),
    cell('c-id', 'col.id', '#' + tk.id),
    cell('c-subject', 'col.subject', h('a', { href: link, class: 'subject', title: tk.subject, text: tk.subject })),
    plain('c-requester', 'col.requester', tk.requester_name || tk.requester_email || '', tk.requester_email || ''),
    plain('c-org', 'col.org', tk.org_name || '', (tk.org_name || '') + ' · ' + planName(tk.plan)),
    // The level shows ("P2"), the full label is the title and is read out.
    cell('c-prio', 'col.priority', h('span', { class: 'cut', title: prio }, h('span', { class: 'prio-short', 'aria-hidden': 'true', text: 'P' + tk.priority }), h('span', { class: 'prio-full', text: prio }))),
    plain('c-status', 'col.status', statusName(tk.status)),
    cell('c-assignee', 'col.assignee', assignedTo(tk, ctx.me)),
    cell('c-age', 'col.age', ago(tk.submitted_at, 'span', 'queue.filedAt')),
    cell('c-updated', 'col.updated', ago(tk.updated_at, 'ago', 'queue.updatedAt')),
    ctx.kind === 'follow'
      ? cell('c-sla', 'followUps.since', h('span', { class: 'since-cell' }, ago(tk.awaiting_reply_since, 'span', 'queue.waitingSince')))
      : cell('c-sla', 'col.firstResponse', slaCell(tk, tr, ctx)),
  );
  if (ctx.selected.has(tk.id)) tr.classList.add('selected');
  // The whole row opens the ticket for a pointer; the keyboard uses the
  // link (or the shortcuts).
  tr.addEventListener('click', (e) => {
    if (e.target.closest('a, button, input, label, .tip')) return;
    location.assign(link);
  });
  return tr;
}

/** What a row shows that only a new answer changes: when it is the same,
 *  the rows (and the countdowns running in them) stay as they are, so a
 *  refresh never takes the keyboard focus or an open explanation. */
export function rowsSignature(list) {
  return JSON.stringify(
    list.map((tk) => [
      tk.id, tk.subject, tk.priority, tk.status, tk.plan, tk.org_name, tk.requester_name, tk.first_response_due, tk.warn_at,
      tk.first_response_at, tk.sla && tk.sla.state, tk.assignee_id, tk.assignee_name, tk.group_id, tk.group_name, tk.updated_at,
      tk.awaiting_reply_since,
    ]),
  );
}
