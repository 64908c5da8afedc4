// labels.js - the API's codes as people read them, in the chosen language:
// plans, priorities, statuses, environments, product stages and SLA states.
// Names the policy defines (priority names, unknown plans and stages) are
// shown as the policy spells them, in the page's language when the policy
// translates them (a priority's `translations`, learnt by learnPriorities
// from the policy every page loads: layout.js).

import { has, language, t } from './i18n.js';

// level -> {name: the policy's own name, tr: {lang: {name, definition}}}
const policyPriorities = new Map();

/** Remember the priorities of a policy document (GET /policy or
 *  /policy/summary) for their translated names and definitions. */
export function learnPriorities(policy) {
  for (const p of (policy && policy.priorities) || []) policyPriorities.set(p.level, { name: p.name, tr: p.translations || {} });
}

/** A priority's name or definition (field) in the page's language: the
 *  policy's translation when the name is the one the policy in force
 *  translates (a ticket of an older version may name its level
 *  otherwise), else fallback. */
function translated(level, name, field, fallback) {
  const k = policyPriorities.get(level);
  const tr = k && (!name || name === k.name) ? k.tr[language()] : null;
  return tr && tr[field] ? tr[field] : fallback;
}

/** A priority's name in the page's language (name: the policy's or the
 *  ticket's). */
export function priorityName(level, name) {
  return translated(level, name, 'name', name);
}

/** A policy priority's definition in the page's language. */
export function priorityDefinition(p) {
  return translated(p.level, p.name, 'definition', p.definition);
}

/** "Professional" for "professional"; an unknown plan as named. */
export function planName(plan) {
  return has('plan.' + plan) ? t('plan.' + plan) : String(plan);
}

/** "P2 · Degraded service" (name from the policy or the ticket). */
export function priorityLabel(level, name) {
  const shown = translated(level, name, 'name', name);
  return shown ? t('prio.label', { level, name: shown }) : 'P' + level;
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
