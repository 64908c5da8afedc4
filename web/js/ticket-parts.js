// ticket-parts.js - the pieces of a ticket that the customers' pages and
// the agent workspace both show: the time left, the SLA badge, the
// conversation and the history. Every text from the ticket goes in as
// text (dom.js).

import { h, tNodes } from './dom.js';
import { fileList } from './attachments.js';
import { t } from './i18n.js';
import { envName, slaLabel, statusName } from './labels.js';
import { bothZones, countdown, formatInstant, timeElement, userZone } from './time.js';

const INLINE = { inline: true, weekday: 'short' };

/** The "time left" of a ticket: a live countdown in the one lateness
 *  figure the API's sla.remaining also says, when it was answered, or that
 *  there is no deadline. opts go to countdown() (left: count business
 *  time, see business.js; onTick). */
export function timeLeft(tk, opts = {}) {
  if (tk.first_response_at)
    return h('span', { class: 'answered', text: t('countdown.answered', { when: formatInstant(tk.first_response_at, userZone(), { weekday: 'short' }) }) });
  if (!tk.first_response_due) return h('span', { class: 'muted', text: t('countdown.none') });
  const el = h('span', { class: 'countdown' });
  const sla = tk.sla || {};
  const business = sla.target_kind === 'business' && typeof sla.remaining_business_seconds === 'number';
  // A business target's time left is the server's figure, counted on by
  // the page's calendar windows when it has them (opts.left), else held
  // still: a wall-clock countdown would run through nights and weekends.
  const left = opts.left || (business ? () => sla.remaining_business_seconds : null);
  countdown(el, tk.first_response_due, { warnAt: tk.warn_at, ...opts, left, business });
  return el;
}

/** The SLA state as a badge (data-state: the API's state). */
export function slaBadge(tk) {
  const s = slaLabel(tk);
  return h('span', { class: 'badge badge-' + s.tone, dataset: { state: tk.sla ? tk.sla.state : 'none' }, text: s.text });
}

/** "New deadline: ..." and "Before: ..." of a deadline change. */
function dueChange(out, d) {
  out.push(h('p', { class: 'due-new' }, tNodes('ev.newDue', { due: bothZones(d.new_due, INLINE) })));
  out.push(h('p', { class: 'due-old muted' }, tNodes('ev.oldDue', { old: bothZones(d.old_due, INLINE) })));
}

/** The paragraphs that describe a history event. */
export function eventText(ev, namer) {
  const d = ev.data || {};
  const out = [];
  const p = (...c) => out.push(h('p', null, c));
  switch (ev.kind) {
    case 'created':
      p(t('ev.created', { prio: namer(d.priority), env: envName(d.environment, true) }));
      p(d.due ? tNodes('ev.createdDue', { due: bothZones(d.due, INLINE) }) : t('ev.createdNoDue'));
      if (d.filed_by_name) p(t('ev.createdBy', { name: d.filed_by_name }));
      else if (d.on_behalf) p(t('ev.createdOnBehalf'));
      break;
    case 'assigned': {
      const to = d.to || {};
      const who = to.assignee_id ? to.assignee_name || '#' + to.assignee_id : null;
      const group = to.group_id ? to.group_name || '#' + to.group_id : null;
      p(!who && !group ? t('ev.unassigned') : t('ev.assigned', { who: who || t('assign.nobody'), group: group || t('assign.noGroup') }));
      break;
    }
    case 'priority_changed':
      p(t('ev.priority_changed', { from: namer(d.from), to: namer(d.to) }));
      if (d.reason) out.push(h('p', { class: 'reason', text: t('ev.reason', { reason: d.reason }) }));
      if (d.new_due !== undefined && d.new_due !== d.old_due) dueChange(out, d);
      break;
    case 'status_changed':
      p(t('ev.status_changed', { from: statusName(d.from), to: statusName(d.to) }));
      if (d.reason) out.push(h('p', { class: 'reason', text: t('ev.reason', { reason: d.reason }) }));
      break;
    case 'replied':
      p(t('ev.replied'));
      break;
    case 'noted':
      p(t('ev.noted'));
      break;
    case 'first_response':
      p(t(d.met === true ? 'ev.first_response' : d.met === false ? 'ev.first_responseLate' : 'ev.first_responseNone'));
      break;
    case 'deadline_recomputed':
      p(t('ev.deadline_recomputed', { reason: d.reason || '' }));
      if (d.new_due !== d.old_due) dueChange(out, d);
      break;
    case 'deadline_corrected':
      p(d.reason ? t('ev.deadline_corrected', { version: d.new_version, reason: d.reason })
        : t('ev.deadline_correctedNoReason', { version: d.new_version }));
      if (d.new_due !== d.old_due) dueChange(out, d);
      break;
    case 'sla_warning':
    case 'sla_breach':
      p(t('ev.' + ev.kind));
      break;
    default:
      p(t('ev.other', { kind: ev.kind }));
  }
  return out;
}

/** The history as <li> elements (data-kind: the event's kind). */
export function historyItems(events, namer) {
  return (events || []).map((ev) =>
    h(
      'li',
      { class: 'event event-' + ev.kind, dataset: { kind: ev.kind } },
      h(
        'p',
        { class: 'meta' },
        timeElement(ev.at, userZone(), { weekday: 'short' }),
        ' ',
        h('span', { class: 'actor', text: t('ev.by', { name: ev.actor_id ? ev.actor_name || '?' : t('ev.system') }) }),
      ),
      eventText(ev, namer),
    ),
  );
}

/** The conversation as <li> elements; internal notes (staff only see
 *  them) are marked as such. */
export function conversationItems(conv) {
  if (!conv || !conv.length) return [h('li', { class: 'muted', text: t('ticket.noReplies') })];
  return conv.map((m) => {
    const staff = m.author_role && m.author_role !== 'customer';
    const note = m.public === false;
    return h(
      'li',
      { class: 'message ' + (note ? 'message-note' : staff ? 'message-staff' : 'message-customer'), dataset: m.id !== undefined ? { id: String(m.id) } : { seq: String(m.seq) } },
      h(
        'p',
        { class: 'meta' },
        h('strong', { text: m.author_name || '' }),
        note
          ? h('span', { class: 'badge badge-note', text: t('ticket.internalNote') })
          : staff
            ? h('span', { class: 'badge badge-info', text: t('ticket.support') })
            : null,
        ' ',
        timeElement(m.at, userZone(), { weekday: 'short' }),
      ),
      h('div', { class: 'ticket-text', text: m.body }),
      fileList(m.attachments),
    );
  });
}
