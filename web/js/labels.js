// labels.js - the API's codes as people read them, in the chosen language:
// plans, priorities, statuses, environments, product stages and SLA states.
// Names the policy defines (priority names, unknown plans and stages) are
// shown as the policy spells them.

import { has, t } from './i18n.js';

/** "Professional" for "professional"; an unknown plan as named. */
export function planName(plan) {
  return has('plan.' + plan) ? t('plan.' + plan) : String(plan);
}

/** "P2 · Degraded service" (name from the policy or the ticket). */
export function priorityLabel(level, name) {
  return name ? t('prio.label', { level, name }) : 'P' + level;
}

/** A function level -> label from /policy/summary's priorities. */
export function priorityNamer(summary) {
  const names = new Map((summary && summary.priorities ? summary.priorities : []).map((p) => [p.level, p.name]));
  return (level) => priorityLabel(level, names.get(level));
}

export function statusName(status) {
  return has('status.' + status) ? t('status.' + status) : String(status);
}

/** "Production" (capitalized, for lists) or "production" (in a sentence). */
export function envName(env, inSentence = false) {
  const key = (inSentence ? 'envl.' : 'env.') + env;
  return has(key) ? t(key) : String(env);
}

export function stageName(stage) {
  return has('stage.' + stage) ? t('stage.' + stage) : String(stage);
}

/** The SLA state of a ticket for people, and its CSS modifier:
 *  {text, tone} with tone ok|warning|breached|met|none. */
export function slaLabel(ticket) {
  const state = ticket.sla ? ticket.sla.state : 'none';
  if (state === 'breached' && ticket.first_response_at) return { text: t('sla.breachedAnswered'), tone: 'breached' };
  const tone = ['active', 'warning', 'breached', 'met', 'none'].includes(state) ? state : 'none';
  return { text: has('sla.' + tone) ? t('sla.' + tone) : state, tone: tone === 'active' ? 'ok' : tone };
}
