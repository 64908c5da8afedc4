// page-new.js - /new: file a ticket.
//
// The priority is the business impact, one radio per level of the policy
// with its definition and what the customer's plan promises for it; the
// default priority (P3) is preselected. A level whose `environments`
// exclude the chosen environment (P1 and P2 outside production) is
// explained at once and the form cannot be sent. Before sending, the form
// shows the deadline this very ticket would get, from
// POST /deadline/preview, refreshed whenever priority, product or
// environment change: "We will answer by Monday 30 Nov, 14:30 CET", or why
// there is no guarantee (the plan, or a product stage such as beta).

import { api } from './api.js';
import { uploadChosen } from './attachments.js';
import { $, busy, fill, h, param, say, tNodes } from './dom.js';
import { joinList, onLanguage, t } from './i18n.js';
import { envName, planName, priorityDefinition, priorityLabel, priorityName, stageName } from './labels.js';
import { initPage, run, errorText } from './layout.js';
import { reportError, validate } from './forms.js';
import { CET_ZONE, formatTarget, sameAsCet, timeElement, userZone } from './time.js';

run(async () => {
  const session = await initPage({ auth: 'required', nav: 'new', roles: ['customer'] });
  const form = $('#ticket-form');
  const submit = $('#ticket-submit');
  const box = $('#form-msg');
  const promise = $('#promise');
  const promiseBody = $('#promise-body');
  const prioError = $('#priority-error');
  const productSel = form.elements.product;
  const envSel = form.elements.environment;

  const [summary, productList] = await Promise.all([session.summary || api('GET', '/policy/summary'), api('GET', '/products')]);
  const priorities = [...summary.priorities].sort((a, b) => a.level - b.level);
  const products = productList.products || [];
  const guaranteedStage = new Map((summary.stages || []).map((s) => [s.name, s.guaranteed]));
  const plan = (summary.plans || []).find((p) => p.name === summary.your_plan);

  const level = () => Number((form.querySelector('input[name="priority"]:checked') || {}).value || summary.default_priority);
  const prio = (lv) => priorities.find((p) => p.level === lv);

  function targetText(target) {
    if (!target || target.kind === 'none' || !target.seconds) return null;
    return t(target.kind === 'business' ? 'target.business' : 'target.wall', { d: formatTarget(target.seconds) });
  }

  // ---- the choices ----

  function renderProducts() {
    const value = productSel.value;
    fill(
      productSel,
      h('option', { value: '', i18n: 'field.productNone' }),
      products.map((p) =>
        h('option', {
          value: p.name,
          text: guaranteedStage.get(p.stage) === false ? t('field.productStage', { name: p.name, stage: stageName(p.stage) }) : p.name,
        }),
      ),
    );
    productSel.value = value;
  }

  function renderPriorities() {
    const checked = form.querySelector('input[name="priority"]:checked');
    const chosen = checked ? Number(checked.value) : summary.default_priority;
    fill(
      $('#priority-options'),
      priorities.map((p) => {
        const id = 'prio-' + p.level;
        const target = plan ? plan.targets.find((x) => x.priority === p.level) : null;
        const tt = targetText(target);
        return h(
          'div',
          { class: 'choice' },
          h('input', {
            type: 'radio',
            name: 'priority',
            id,
            value: String(p.level),
            checked: p.level === chosen,
            'aria-describedby': `${id}-def ${id}-target`,
          }),
          h('label', { for: id }, h('span', { class: 'choice-title', text: priorityLabel(p.level, p.name) })),
          h('p', { id: id + '-def', class: 'choice-def', text: priorityDefinition(p) }),
          h('p', { id: id + '-target', class: 'choice-target', text: tt ? t('new.yourTarget', { target: tt }) : t('new.yourNoTarget') }),
        );
      }),
    );
  }

  // ---- the environment rule ----

  /** Why the chosen priority is not allowed here, or ''. */
  function envProblem() {
    const p = prio(level());
    const env = envSel.value;
    if (!p || !p.environments || p.environments.includes(env)) return '';
    const fits = priorities.filter((q) => q.environments.includes(env)).map((q) => 'P' + q.level);
    return t('new.envNotAllowed', {
      level: p.level,
      name: priorityName(p.level, p.name),
      allowed: joinList(p.environments.map((e) => envName(e, true)), 'and'),
      env: envName(env, true),
      suggest: joinList(fits, 'or'),
    });
  }

  function applyRule() {
    const problem = envProblem();
    prioError.textContent = problem;
    prioError.hidden = !problem;
    submit.disabled = !!problem;
    const group = $('#priority-group');
    const described = ['priority-hint'];
    if (problem) described.push('priority-error');
    group.setAttribute('aria-describedby', described.join(' '));
    for (const r of form.querySelectorAll('input[name="priority"]')) {
      if (problem && r.checked) r.setAttribute('aria-invalid', 'true');
      else r.removeAttribute('aria-invalid');
    }
    if (problem) submit.setAttribute('aria-describedby', 'priority-error');
    else submit.removeAttribute('aria-describedby');
    return !problem;
  }

  // ---- the promise ----

  let seq = 0;
  let timer = null;
  let shown = { state: 'loading' };

  function key() {
    return `${level()}|${envSel.value}|${productSel.value}`;
  }

  function renderPromise() {
    promise.dataset.state = shown.state;
    promise.dataset.key = shown.key || '';
    if (shown.state === 'loading') return fill(promiseBody, h('p', { class: 'muted', text: t('promise.loading') }));
    if (shown.state === 'blocked') return fill(promiseBody, h('p', { class: 'muted', text: t('promise.blocked') }));
    if (shown.state === 'error') return fill(promiseBody, h('p', { class: 'msg msg-error', text: t('promise.error', { message: errorText(shown.error) }) }));
    const r = shown.preview;
    if (!r.first_response_due) {
      const stageFree = guaranteedStage.get(r.stage) === false;
      const text = stageFree
        ? t('promise.noneStage', { product: r.product || '', stage: stageName(r.stage) })
        : t('promise.nonePlan', { plan: planName(r.plan), level: r.priority });
      return fill(promiseBody, h('p', { class: 'promise-none', id: 'promise-text', text }));
    }
    const due = r.first_response_due;
    const parts = [h('p', { class: 'promise-when', id: 'promise-text' }, tNodes('promise.by', { when: timeElement(due, CET_ZONE) }))];
    if (!sameAsCet(due)) parts.push(h('p', { class: 'promise-local' }, tNodes('promise.yourTime', { when: timeElement(due, userZone()) })));
    const tt = targetText({ kind: r.sla ? r.sla.target_kind : 'none', seconds: r.sla ? r.sla.target_seconds : 0 });
    if (tt) parts.push(h('p', { class: 'muted', text: t('promise.target', { plan: planName(r.plan), target: tt }) }));
    return fill(promiseBody, parts);
  }

  async function preview() {
    const my = ++seq;
    const k = key();
    const body = { priority: level(), environment: envSel.value };
    if (productSel.value) body.product = productSel.value;
    if (followUpOf) body.follow_up_of = Number(followUpOf);
    try {
      const r = await api('POST', '/deadline/preview', body);
      if (my === seq) shown = { state: r.first_response_due ? 'ready' : 'none', preview: r, key: k };
    } catch (e) {
      if (my === seq) shown = { state: 'error', error: e, key: k };
    }
    if (my === seq) {
      promise.removeAttribute('aria-busy');
      renderPromise();
    }
  }

  function update() {
    clearTimeout(timer);
    seq++; // whatever is in flight describes an older choice
    if (!applyRule()) {
      shown = { state: 'blocked', key: key() };
      promise.removeAttribute('aria-busy');
      renderPromise();
      return;
    }
    promise.setAttribute('aria-busy', 'true');
    if (shown.state === 'blocked' || shown.state === 'error') {
      shown = { state: 'loading' };
      renderPromise();
    }
    timer = setTimeout(preview, 120);
  }

  renderProducts();
  renderPriorities();
  form.addEventListener('change', (ev) => {
    if (['priority', 'environment', 'product'].includes(ev.target.name)) update();
  });
  onLanguage(() => {
    renderProducts();
    renderPriorities();
    applyRule();
    renderPromise();
  });
  update();
  form.hidden = false;
  $('#form-loading').hidden = true;

  // ?follow_up_of=N: this ticket continues closed ticket N (a closed
  // ticket takes no reply; its page links here).
  const followUpOf = /^[1-9][0-9]{0,17}$/.test(param('follow_up_of') || '') ? param('follow_up_of') : null;
  const followNote = $('#follow-up-note');
  const showFollowUp = () => {
    if (!followUpOf) return;
    fill(followNote, tNodes('new.followUpOf', { ticket: h('a', { href: '/tickets?id=' + encodeURIComponent(followUpOf), text: '#' + followUpOf }) }));
    followNote.hidden = false;
  };
  showFollowUp();
  onLanguage(showFollowUp);

  // ---- sending ----

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(box, '');
    if (!applyRule()) {
      const r = form.querySelector('input[name="priority"]:checked');
      if (r) r.focus();
      return;
    }
    if (!validate(form)) return;
    const body = {
      subject: form.elements.subject.value.trim(),
      body: form.elements.body.value,
      priority: level(),
      environment: envSel.value,
    };
    if (productSel.value) body.product = productSel.value;
    if (followUpOf) body.follow_up_of = Number(followUpOf);
    if (form.elements.impact.value.trim()) body.impact = form.elements.impact.value.trim();
    await busy(submit, 'new.sending', async () => {
      try {
        const files = await uploadChosen(form.elements.files);
        if (files.length) body.attachments = files;
        const r = await api('POST', '/tickets', body);
        location.assign('/tickets?id=' + encodeURIComponent(r.id) + '&created=1');
      } catch (e) {
        reportError(form, e, { box });
      }
    });
    applyRule(); // busy() re-enabled the button: the rule decides
  });
});
