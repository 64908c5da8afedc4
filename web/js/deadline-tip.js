// deadline-tip.js - "Why this deadline?" beside a ticket's due time: the
// target that applies (plan, priority, stage), where its clock started,
// and the core library's explanation of the open windows counted to the
// deadline (sla.explanation, in the server's words), in a toggletip.

import { h } from './dom.js';
import { t } from './i18n.js';
import { planName, stageName } from './labels.js';
import { CET_ZONE, formatInstant, formatTarget } from './time.js';
import { toggletip } from './toggletip.js';

/** The target of a ticket in words: "6 h of business hours". */
export function targetText(sla) {
  if (!sla || !sla.target_seconds || sla.target_kind === 'none') return t('sla.none');
  return t(sla.target_kind === 'business' ? 'target.business' : 'target.wall', { d: formatTarget(sla.target_seconds) });
}

/** The explanation's paragraphs. */
export function explanation(tk) {
  const sla = tk.sla || {};
  const out = [];
  if (tk.first_response_due) {
    out.push(
      h('span', {
        class: 'tip-line',
        text: t('explain.target', { target: targetText(sla), plan: planName(tk.plan), prio: 'P' + tk.priority }),
      }),
    );
    if (sla.clock_start)
      out.push(h('span', { class: 'tip-line', text: t('explain.from', { when: formatInstant(sla.clock_start, CET_ZONE, { weekday: 'short' }) }) }));
    if (sla.explanation) {
      out.push(h('span', { class: 'tip-line', text: t('explain.windows') }));
      // The server's words, in English.
      out.push(h('span', { class: 'tip-line tip-expl', lang: 'en', text: sla.explanation }));
    }
  } else {
    const stage = tk.stage && tk.stage !== 'ga' ? stageName(tk.stage) : null;
    out.push(h('span', { class: 'tip-line', text: stage ? t('explain.noneStage', { stage }) : t('explain.nonePlan', { plan: planName(tk.plan), prio: 'P' + tk.priority }) }));
    if (sla.explanation) out.push(h('span', { class: 'tip-line tip-expl', lang: 'en', text: sla.explanation }));
  }
  return out;
}

/** The toggletip for a ticket's deadline. */
export function deadlineTip(tk) {
  return toggletip([t('explain.why'), h('span', { class: 'visually-hidden', text: ' ' + t('explain.whyOf', { id: tk.id }) })], explanation(tk), {
    class: 'deadline-tip',
  });
}
