// page-agent-ticket.js - /agent-ticket?id=N: one ticket as an agent works
// it.
//
// The facts (with the remaining business time, live, and "Why this
// deadline?" from the core's explanation), the description, the
// conversation with internal notes marked, a reply to the customer or an
// internal note, reclassification and the status, and the full history.
// Reclassifying needs a reason (the customer reads it in the history) and
// shows the deadline the new priority would give before it can be
// confirmed: POST /tickets/{id}/reclassify-preview on every choice, then
// PATCH /tickets/{id}. The assignment is assign-panel.js's. The ticket is fetched again every 20 s while the
// tab is visible, without touching what the agent is typing.

import { api } from './api.js';
import { fileList, uploadChosen } from './attachments.js';
import { mountAssign } from './assign-panel.js';
import { mountTicketKeys } from './ticket-keys.js';
import { businessLeft, loadWindows } from './business.js';
import { deadlineTip, targetText } from './deadline-tip.js';
import { $, fill, h, param, say, tNodes } from './dom.js';
import { reportError, validate } from './forms.js';
import { onLanguage, t } from './i18n.js';
import { envName, planName, priorityLabel, priorityNamer, stageName, statusName } from './labels.js';
import { errorText, initPage, run } from './layout.js';
import { conversationItems, historyItems, slaBadge, timeLeft } from './ticket-parts.js';
import { bothZones, formatInstant, now } from './time.js';

const POLL_MS = 20000;

run(async () => {
  const session = await initPage({ auth: 'required', roles: ['agent', 'admin'], nav: 'queue', deniedKey: 'common.staffPage' });
  const msg = $('#ticket-msg');
  const article = $('#ticket');
  const idText = param('id') || '';
  if (!/^[1-9][0-9]{0,15}$/.test(idText)) {
    say(msg, t('ticket.badId'), 'error');
    return;
  }
  const base = '/tickets/' + idText;

  let tk;
  let policy;
  try {
    [tk, policy] = await Promise.all([api('GET', base), api('GET', '/policy')]);
  } catch (e) {
    say(msg, e.status === 404 ? t('agentTicket.notFound') : errorText(e), 'error');
    document.title = t('agentTicket.notFound');
    return;
  }
  const namer = priorityNamer(policy);
  const priorities = [...policy.priorities].sort((a, b) => a.level - b.level);
  let windows = await loadWindows((policy.calendars || []).map((c) => c.name));
  let answeredAt = now();

  // ---- the ticket ----

  // Our mail to the requester bounces (a delivery report for one of our
  // mails): the agent should reach them another way (docs/mail.md).
  function bounceBadge(b) {
    if (!b) return null;
    const title = t('agentTicket.bouncingSince', { since: formatInstant(b.since), reason: b.reason });
    return h('span', { class: 'badge badge-breached bounce-badge', title, text: t('agentTicket.bouncing') });
  }

  function facts() {
    const sla = tk.sla || {};
    const rows = [
      ['status', statusName(tk.status)],
      ['priority', priorityLabel(tk.priority, tk.priority_name)],
      ['plan', planName(tk.plan)],
      ['org', tk.org_name || t('common.none')],
      ['requester', [tk.requester_name || '', ' ', h('span', { class: 'muted', text: tk.requester_email ? '<' + tk.requester_email + '>' : '' }), bounceBadge(tk.requester_bouncing)]],
      ['product', tk.product ? [tk.product, tk.stage && tk.stage !== 'ga' ? h('span', { class: 'muted', text: ' (' + stageName(tk.stage) + ')' }) : null] : t('common.none')],
      ['environment', envName(tk.environment)],
      ['submitted', bothZones(tk.submitted_at, { weekday: 'short' })],
      ['due', h('div', { class: 'due-cell' }, bothZones(tk.first_response_due), deadlineTip(tk))],
      ['left', timeLeft(tk, { left: businessLeft(tk, windows, answeredAt) })],
      ['sla', slaBadge(tk)],
      ['target', sla.target_kind && sla.target_kind !== 'none' ? targetText(sla) : t('sla.none')],
    ];
    if (tk.impact) rows.push(['impact', tk.impact]);
    if (tk.awaiting_reply_since) rows.push(['waiting', h('span', { class: 'waiting-since' }, bothZones(tk.awaiting_reply_since, { weekday: 'short' }))]);
    if (tk.follow_up_of) rows.push(['followUpOf', h('a', { href: '/agent-ticket?id=' + encodeURIComponent(tk.follow_up_of), text: '#' + tk.follow_up_of })]);
    return rows.map(([k, v]) => h('div', { class: 'fact', dataset: { fact: k } }, h('dt', { text: t('agentTicket.f.' + k) }), h('dd', null, v)));
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
    // A closed ticket takes no reply, from anyone.
    $('#reply-form').hidden = tk.status === 'closed';
    $('#closed-note').hidden = tk.status !== 'closed';
    article.hidden = false;
  }

  /** What the page shows that only a change of the ticket changes: a
   *  refresh that finds the same leaves the page (the focus, an open
   *  explanation, the running countdown) as it is. */
  const signature = (x) =>
    JSON.stringify([x.status, x.priority, x.first_response_due, x.first_response_at, x.warn_at, x.sla && x.sla.state, x.awaiting_reply_since, (x.history || []).length, (x.conversation || []).length, x.assignee_id, x.group_id]);

  async function reload(force = true) {
    const [fresh, w] = await Promise.all([api('GET', base), loadWindows((policy.calendars || []).map((c) => c.name))]);
    const priorityChanged = fresh.priority !== tk.priority;
    const same = signature(fresh) === signature(tk);
    tk = fresh;
    if (same && !force) return;
    windows = w;
    answeredAt = now();
    render();
    assign.render();
    if (priorityChanged) renderPriorities();
    $('#new-status').value = tk.status;
  }

  // ---- assignment ----

  const assign = mountAssign({
    form: $('#assign-form'),
    box: $('#assign-msg'),
    now: $('#assign-now'),
    base,
    me: session.user.id,
    ticket: () => tk,
    changed: () => reload(),
  });

  // ---- reply and note ----

  const replyForm = $('#reply-form');
  const replyMsg = $('#reply-msg');
  async function send(isPublic) {
    say(replyMsg, '');
    if (!validate(replyForm)) return;
    const buttons = [$('#reply-submit'), $('#note-submit')];
    for (const b of buttons) b.disabled = true;
    try {
      const body = { body: replyForm.elements.body.value, public: isPublic };
      const files = await uploadChosen(replyForm.elements.files);
      if (files.length) body.attachments = files;
      const r = await api('POST', base + '/replies', body);
      replyForm.reset();
      await reload();
      say(replyMsg, isPublic ? (r.first_response ? t('agentTicket.sentFirst') : t('agentTicket.sent')) : t('agentTicket.noted'), 'ok');
    } catch (e) {
      reportError(replyForm, e, { fallback: replyForm.elements.body, box: replyMsg });
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  }
  replyForm.addEventListener('submit', (e) => {
    e.preventDefault();
    send(true);
  });
  $('#note-submit').addEventListener('click', () => send(false));

  // ---- reclassification ----

  const reclass = $('#reclass-form');
  const prioSel = $('#new-priority');
  const preview = $('#preview');
  const confirmBtn = $('#reclass-submit');
  const reclassMsg = $('#reclass-msg');
  let previewGen = 0;
  let previewed = null; // the preview answer for the priority chosen now

  function renderPriorities() {
    fill(
      prioSel,
      h('option', { value: '', i18n: 'agentTicket.choosePriority' }),
      priorities.filter((p) => p.level !== tk.priority).map((p) => h('option', { value: String(p.level), text: priorityLabel(p.level, p.name) })),
    );
    showPreview(null, 'idle');
  }

  function showPreview(p, state, error) {
    previewed = state === 'ready' ? p : null;
    preview.dataset.state = state;
    preview.dataset.priority = p ? String(p.to) : '';
    confirmBtn.disabled = state !== 'ready';
    if (state === 'idle') fill(preview, h('p', { class: 'muted', i18n: 'agentTicket.previewIdle' }));
    else if (state === 'loading') fill(preview, h('p', { class: 'muted', i18n: 'agentTicket.previewLoading' }));
    else if (state === 'error') fill(preview, h('p', { class: 'field-error', text: error }));
    else
      fill(
        preview,
        h('p', { class: 'preview-head', text: t('agentTicket.previewHead', { from: namer(p.from), to: namer(p.to) }) }),
        h(
          'p',
          { class: 'preview-new' },
          p.new_due ? tNodes('agentTicket.previewNew', { due: bothZones(p.new_due, { inline: true, weekday: 'short' }) }) : t('agentTicket.previewNone'),
        ),
        h('p', { class: 'preview-old muted' }, tNodes('agentTicket.previewOld', { due: bothZones(p.old_due, { inline: true, weekday: 'short' }) })),
        p.new_due === p.old_due ? h('p', { class: 'muted', i18n: 'agentTicket.previewSame' }) : null,
        // The core's rule, in the server's words.
        p.rule ? h('p', { class: 'preview-rule muted', lang: 'en', text: p.rule }) : null,
      );
  }

  prioSel.addEventListener('change', async () => {
    const level = Number(prioSel.value);
    const gen = ++previewGen;
    say(reclassMsg, '');
    if (!level) return showPreview(null, 'idle');
    showPreview(null, 'loading');
    try {
      const p = await api('POST', base + '/reclassify-preview', { priority: level });
      if (gen === previewGen) showPreview(p, 'ready');
    } catch (e) {
      if (gen === previewGen) showPreview(null, 'error', errorText(e));
    }
  });

  reclass.addEventListener('submit', async (e) => {
    e.preventDefault();
    say(reclassMsg, '');
    if (!previewed || previewed.to !== Number(prioSel.value)) return;
    if (!validate(reclass)) return;
    confirmBtn.disabled = true;
    try {
      const level = previewed.to;
      const r = await api('PATCH', base, { priority: level, reason: reclass.elements.reason.value.trim() });
      reclass.reset();
      tk = r;
      await reload();
      renderPriorities();
      say(reclassMsg, t('agentTicket.reclassified', { to: namer(level) }), 'ok');
      reclassMsg.focus();
    } catch (err) {
      confirmBtn.disabled = false;
      reportError(reclass, err, { fallback: reclass.elements.reason, box: reclassMsg });
    }
  });

  // ---- status ----

  const statusForm = $('#status-form');
  const statusMsg = $('#status-msg');
  statusForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    say(statusMsg, '');
    const status = statusForm.elements.status.value;
    if (status === tk.status) {
      say(statusMsg, t('agentTicket.sameStatus', { status: statusName(status) }), 'error');
      return;
    }
    const body = { status };
    const reason = statusForm.elements.reason.value.trim();
    if (reason) body.reason = reason;
    const button = $('#status-submit');
    button.disabled = true;
    try {
      await api('PATCH', base, body);
      statusForm.elements.reason.value = '';
      await reload();
      say(statusMsg, t('agentTicket.statusSet', { status: statusName(status) }), 'ok');
    } catch (err) {
      reportError(statusForm, err, { box: statusMsg });
    } finally {
      button.disabled = false;
    }
  });

  render();
  renderPriorities();
  $('#new-status').value = tk.status;
  await assign.load().catch((err) => say($('#assign-msg'), errorText(err), 'error'));
  mountTicketKeys(Number(idText));
  setInterval(() => {
    if (document.visibilityState === 'visible') reload(false).catch(() => {});
  }, POLL_MS);
  onLanguage(() => {
    render();
    assign.render();
    const keep = prioSel.value;
    const p = previewed;
    renderPriorities();
    prioSel.value = keep;
    if (p && String(p.to) === keep) showPreview(p, 'ready');
  });
});
