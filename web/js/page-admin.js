// page-admin.js - /admin (admins only): organizations with their plans
// and domains, products with their stages, the SLA policy and the business
// calendar.
//
// Organizations: create (name, plan, domains), change the plan, add a
// domain (POST/PATCH /orgs), rename, deactivate, which tickets members see
// and whether new ones wait for approval (admin-people.js).
// Products: create (POST /products), change the stage (admin-people.js).
// Users: role, an organization's managers, approval of members waiting
// for it, deactivate, delete (admin-people.js). Groups of agents
// (admin-groups.js). The
// policy: the plans x priorities table of first-response targets, the
// priorities' definitions and the stages (GET /policy), and its YAML in an
// editor that PUT /policy saves; a policy that does not validate comes
// back with every problem and its line, each a button that puts the
// cursor on that line. The policy's versions (GET /policy/versions): when
// and by whom each was saved, how many tickets run on it, which is in
// force. Correcting open tickets onto a version: a preview (POST
// /policy/corrections/preview) lists the deadlines it would move; Apply
// (POST /policy/corrections) is offered only for the version previewed,
// and needs a reason when a deadline moves later for the customer. The
// calendar: a month of open hours and holidays by name, in the calendar's
// own zone (GET /calendar).
// The server's messages (errors, diagnostics, holiday names) are shown as
// the server wrote them, as text.

import { api } from './api.js';
import { $, busy, fieldError, fill, h, param, say } from './dom.js';
import { reportError, validate } from './forms.js';
import { locale, onLanguage, t } from './i18n.js';
import { planName, priorityLabel, stageName } from './labels.js';
import { errorText, initPage, run } from './layout.js';
import { targetText } from './deadline-tip.js';
import { mountUsers, orgControls, orgMembersForm, stageForm } from './admin-people.js';
import { mountGroups } from './admin-groups.js';
import { bothZones, formatTarget, now, timeElement, userZone } from './time.js';

run(async () => {
  await initPage({ auth: 'required', roles: ['admin'], nav: 'admin', deniedKey: 'common.adminPage' });
  let policy = await api('GET', '/policy');
  let orgs = [];
  let products = [];

  const policyPlans = () => policy.plans.map((p) => p.name);
  const planOptions = (current) => policyPlans().map((p) => h('option', { value: p, text: planName(p), selected: p === current }));
  const guaranteed = (stage) => {
    const s = (policy.stages || []).find((x) => x.name === stage);
    return !s || s.guaranteed;
  };

  // ---- organizations ----

  const orgForm = $('#org-form');
  const orgTableMsg = $('#org-table-msg');

  function orgRow(o) {
    const planId = 'plan-' + o.id;
    const domId = 'domain-' + o.id;
    const planSel = h('select', { id: planId, name: 'plan' }, planOptions(o.plan));
    const planForm = h(
      'form',
      { class: 'row-form', novalidate: true, dataset: { org: String(o.id) } },
      h('label', { for: planId, class: 'visually-hidden', text: t('admin.planOf', { name: o.name }) }),
      planSel,
      h('button', { type: 'submit', class: 'btn btn-small', text: t('admin.changePlan') }),
    );
    planForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (planSel.value === o.plan) return say(orgTableMsg, t('admin.planSame', { name: o.name, plan: planName(o.plan) }), 'info');
      try {
        const r = await api('PATCH', '/orgs/' + o.id, { plan: planSel.value });
        Object.assign(o, r);
        say(orgTableMsg, t('admin.planChanged', { name: o.name, plan: planName(r.plan) }), 'ok');
        renderOrgs();
      } catch (err) {
        say(orgTableMsg, errorText(err), 'error');
      }
    });
    const domInput = h('input', { id: domId, name: 'domain', autocomplete: 'off', required: true, maxlength: 253, placeholder: t('admin.newDomain') });
    const domForm = h(
      'form',
      { class: 'row-form', novalidate: true },
      h('label', { for: domId, class: 'visually-hidden', text: t('admin.addDomainTo', { name: o.name }) }),
      domInput,
      h('button', { type: 'submit', class: 'btn btn-small', text: t('admin.addDomain') }),
    );
    domForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      say(orgTableMsg, '');
      if (!validate(domForm)) return;
      const domain = domInput.value.trim().toLowerCase();
      try {
        const r = await api('PATCH', '/orgs/' + o.id, { domains_add: [domain] });
        Object.assign(o, r);
        renderOrgs();
        say(orgTableMsg, t('admin.domainAdded', { name: o.name, domain }), 'ok');
      } catch (err) {
        reportError(domForm, err, { fallback: domInput, box: orgTableMsg });
      }
    });
    const cell = (key, ...c) => h('td', { 'data-label': t(key) }, c);
    const more = orgControls(o, { changed: () => { renderOrgs(); people.render(); }, box: orgTableMsg });
    return h(
      'tr',
      { dataset: { id: String(o.id), name: o.name, active: String(o.active !== false) } },
      cell('admin.orgName', h('div', null, h('strong', { class: 'org-name', text: o.name }), more.rename)),
      cell('admin.plan', h('div', null, h('span', { class: 'plan-now', dataset: { plan: o.plan }, text: planName(o.plan) }), planForm)),
      cell('admin.domains', h('div', null, h('ul', { class: 'domains' }, (o.domains || []).map((d) => h('li', { text: d }))), domForm)),
      cell('admin.members', orgMembersForm(o, { changed: () => renderOrgs(), box: orgTableMsg })),
      cell('admin.status', more.status),
      cell('admin.created', timeElement(o.created_at, userZone(), { weekday: false })),
    );
  }

  function renderOrgs() {
    fill($('#org-rows'), orgs.length ? orgs.map(orgRow) : h('tr', null, h('td', { colspan: 6, class: 'muted', text: t('admin.noOrgs') })));
  }

  orgForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const box = $('#org-msg');
    say(box, '');
    if (!validate(orgForm)) return;
    const domains = orgForm.elements.domains.value
      .split(/[\s,;]+/)
      .map((d) => d.trim().toLowerCase())
      .filter(Boolean);
    const body = { name: orgForm.elements.name.value.trim(), plan: orgForm.elements.plan.value, domains };
    await busy($('#org-submit'), 'admin.creating', async () => {
      try {
        const o = await api('POST', '/orgs', body);
        orgs.push(o);
        orgs.sort((a, b) => a.name.localeCompare(b.name));
        renderOrgs();
        orgForm.reset();
        say(box, t('admin.orgCreated', { name: o.name, plan: planName(o.plan) }), 'ok');
      } catch (err) {
        // A taken name or domain (409) goes next to its field like a 422.
        const field = /domain|domeni/i.test(err.message) ? orgForm.elements.domains : orgForm.elements.name;
        reportError(orgForm, err.status === 409 ? { status: 422, message: err.message } : err, { fallback: field, box });
      }
    });
  });

  // ---- products ----

  const productForm = $('#product-form');

  function renderProducts() {
    const cell = (key, ...c) => h('td', { 'data-label': t(key) }, c);
    fill(
      $('#product-rows'),
      products.length
        ? products.map((p) =>
            h(
              'tr',
              { dataset: { id: String(p.id), name: p.name } },
              cell('admin.productName', h('strong', { text: p.name })),
              cell('admin.stage', h('div', null, h('span', { class: 'stage-now', dataset: { stage: p.stage }, text: stageName(p.stage) }), stageForm(p, policy.stages || [], { changed: stageChanged, box: $('#product-table-msg') }))),
              cell('admin.guarantee', guaranteed(p.stage) ? t('admin.guaranteed') : h('span', { class: 'badge badge-none', text: t('sla.none') })),
              cell('admin.created', timeElement(p.created_at, userZone(), { weekday: false })),
            ),
          )
        : h('tr', null, h('td', { colspan: 4, class: 'muted', text: t('admin.noProducts') })),
    );
  }

  // A stage change saved a version: the correction form offers it.
  async function stageChanged(p, version) {
    renderProducts();
    if (!version) return;
    chosenVersion = version;
    await loadVersions();
  }

  productForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const box = $('#product-msg');
    say(box, '');
    if (!validate(productForm)) return;
    await busy($('#product-submit'), 'admin.creating', async () => {
      try {
        const p = await api('POST', '/products', { name: productForm.elements.name.value.trim(), stage: productForm.elements.stage.value });
        products.push(p);
        products.sort((a, b) => a.name.localeCompare(b.name));
        renderProducts();
        productForm.reset();
        say(box, t('admin.productCreated', { name: p.name, stage: stageName(p.stage) }), 'ok');
      } catch (err) {
        reportError(productForm, err.status === 409 ? { status: 422, message: err.message } : err, { fallback: productForm.elements.name, box });
      }
    });
  });

  function renderSelects() {
    const orgPlan = orgForm.elements.plan.value;
    fill(orgForm.elements.plan, planOptions(orgPlan || policyPlans()[0]));
    const stage = productForm.elements.stage.value || 'ga';
    fill(
      productForm.elements.stage,
      (policy.stages || []).map((s) =>
        h('option', { value: s.name, selected: s.name === stage, text: s.guaranteed ? stageName(s.name) : t('admin.stageNoGuarantee', { stage: stageName(s.name) }) }),
      ),
    );
  }

  // ---- the policy ----

  const yamlForm = $('#yaml-form');
  const yamlArea = $('#yaml');
  const diags = $('#yaml-diags');

  function renderPolicy() {
    const prios = [...policy.priorities].sort((a, b) => a.level - b.level);
    fill(
      $('#policy-facts'),
      t('admin.policyFacts', {
        warn: new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(policy.warning_percent / 100),
        prio: 'P' + policy.default_priority,
        calendars: (policy.calendars || []).map((c) => `${c.name} (${c.timezone})`).join(', ') || t('common.none'),
      }),
    );
    fill(
      $('#policy-head'),
      h('th', { scope: 'col', text: t('admin.plan') }),
      prios.map((p) => h('th', { scope: 'col', text: priorityLabel(p.level, p.name) })),
    );
    fill(
      $('#policy-rows'),
      policy.plans.map((plan) =>
        h(
          'tr',
          { dataset: { plan: plan.name } },
          h('th', { scope: 'row', text: planName(plan.name) }),
          prios.map((p) => {
            const target = plan.targets.find((x) => x.priority === p.level);
            const none = !target || target.kind === 'none';
            return h(
              'td',
              { class: none ? 'target-none' : 'target', dataset: { priority: String(p.level), kind: target ? target.kind : 'none' } },
              none ? t('sla.none') : targetText({ target_kind: target.kind, target_seconds: target.seconds }),
              !none && target.calendar ? h('span', { class: 'muted small block', text: t('admin.onCalendar', { name: target.calendar }) }) : null,
            );
          }),
        ),
      ),
    );
    fill(
      $('#policy-prios'),
      prios.map((p) =>
        h(
          'div',
          { class: 'def' },
          h('dt', { text: priorityLabel(p.level, p.name) }),
          // Definitions are the policy's words.
          h('dd', { lang: 'en', text: p.definition }),
          h('dd', { class: 'muted', text: t('admin.environments', { envs: p.environments.map((e) => t('env.' + e)).join(', ') }) }),
        ),
      ),
    );
    fill(
      $('#policy-stages'),
      (policy.stages || []).map((s) => h('li', { text: s.guaranteed ? stageName(s.name) : t('admin.stageNoGuarantee', { stage: stageName(s.name) }) })),
    );
  }

  /** The offset in the text where 1-based line starts. */
  function lineOffset(text, line) {
    let at = 0;
    for (let i = 1; i < line && at >= 0; i++) at = text.indexOf('\n', at) + 1 || -1;
    return at < 0 ? text.length : at;
  }

  function goToLine(line, column) {
    const text = yamlArea.value;
    const start = lineOffset(text, line);
    const endNl = text.indexOf('\n', start);
    const end = endNl < 0 ? text.length : endNl;
    yamlArea.focus();
    yamlArea.setSelectionRange(Math.min(start + Math.max(0, (column || 1) - 1), end), end);
    // Scroll the line into view: rows of the textarea's line height.
    const lh = parseFloat(getComputedStyle(yamlArea).lineHeight) || 20;
    yamlArea.scrollTop = Math.max(0, (line - 3) * lh);
    showPos();
  }

  function showPos() {
    const before = yamlArea.value.slice(0, yamlArea.selectionStart);
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    $('#yaml-pos').textContent = t('admin.cursorAt', { line, column });
  }
  for (const ev of ['keyup', 'click', 'focus']) yamlArea.addEventListener(ev, showPos);

  function showDiagnostics(err) {
    const list = (err.body && err.body.error && err.body.error.diagnostics) || [];
    fill(
      diags,
      h('p', { class: 'diags-head', text: list.length ? t('admin.diagsHead', { n: list.length }) : errorText(err) }),
      list.length
        ? h(
            'ol',
            { class: 'diag-list' },
            list.map((d) =>
              h(
                'li',
                { class: 'diag', dataset: { line: String(d.line), column: String(d.column) } },
                h('button', {
                  type: 'button',
                  class: 'btn-link diag-at',
                  text: t('admin.diagAt', { line: d.line, column: d.column }),
                  on: { click: () => goToLine(d.line, d.column) },
                }),
                ' ',
                h('span', { class: 'diag-text', lang: 'en', text: d.message }),
              ),
            ),
          )
        : null,
    );
    diags.hidden = false;
    yamlArea.setAttribute('aria-invalid', 'true');
    yamlArea.setAttribute('aria-describedby', 'yaml-diags yaml-hint yaml-pos');
  }

  function clearDiagnostics() {
    diags.hidden = true;
    fill(diags);
    yamlArea.removeAttribute('aria-invalid');
    yamlArea.setAttribute('aria-describedby', 'yaml-hint yaml-pos');
  }

  yamlForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const box = $('#yaml-msg');
    say(box, '');
    clearDiagnostics();
    if (!yamlArea.value.trim()) {
      say(box, t('field.requiredEmpty'), 'error');
      return;
    }
    await busy($('#yaml-submit'), 'admin.saving', async () => {
      try {
        const r = await api('PUT', '/policy', { yaml: yamlArea.value });
        policy = await api('GET', '/policy');
        yamlArea.value = policy.yaml;
        renderPolicy();
        renderSelects();
        renderCalendarNames();
        say(box, t('admin.policySaved', { version: r.version }), 'ok');
        loadMonth();
        await loadVersions();
      } catch (err) {
        if (err.status === 422 || err.status === 413) {
          showDiagnostics(err);
          const first = err.body && err.body.error && err.body.error.diagnostics && err.body.error.diagnostics[0];
          if (first) diags.querySelector('.diag-at').focus();
        } else say(box, errorText(err), 'error');
      }
    });
  });
  $('#yaml-revert').addEventListener('click', () => {
    yamlArea.value = policy.yaml;
    clearDiagnostics();
    say($('#yaml-msg'), t('admin.reverted'), 'info');
  });

  // ---- the policy's versions ----

  let versions = null; // GET /policy/versions
  let chosenVersion = null; // the version the admin chose to correct onto

  function renderVersions() {
    if (!versions) return;
    const cell = (key, ...c) => h('td', { 'data-label': t(key) }, c);
    fill(
      $('#version-rows'),
      versions.versions.length
        ? versions.versions.map((v) =>
            h(
              'tr',
              { dataset: { version: String(v.version), inForce: String(!!v.in_force) } },
              cell('admin.version', h('strong', { text: String(v.version) })),
              cell('admin.savedAt', timeElement(v.created_at, userZone(), { weekday: false })),
              cell(
                'admin.savedBy',
                h('span', { class: 'saved-by', text: v.created_by_email || t('admin.configuration') }),
                v.product_stage
                  ? h('span', { class: 'muted small block version-stage', text: t('admin.versionStage', { product: v.product_stage.product, from: stageName(v.product_stage.from), to: stageName(v.product_stage.to) }) })
                  : null,
              ),
              cell('admin.versionTickets', h('span', { class: 'version-tickets', text: String(v.tickets) })),
              cell('admin.versionState', v.in_force ? h('span', { class: 'badge badge-ok', text: t('admin.inForce') }) : null),
            ),
          )
        : h('tr', null, h('td', { colspan: 5, class: 'muted', text: t('admin.noVersions') })),
    );
    // The correction's version: the admin's choice, else the one in force
    // (after a save, the new one).
    const pick = versions.versions.some((v) => v.version === chosenVersion) ? chosenVersion : versions.in_force;
    fill(
      correctSel,
      versions.versions.map((v) =>
        h('option', {
          value: String(v.version),
          selected: v.version === pick,
          text: t(v.in_force ? 'admin.versionOptionInForce' : 'admin.versionOption', { version: v.version }),
        }),
      ),
    );
  }

  async function loadVersions() {
    try {
      versions = await api('GET', '/policy/versions');
      say($('#versions-msg'), '');
    } catch (err) {
      say($('#versions-msg'), errorText(err), 'error');
    }
    renderVersions();
  }

  // ---- the corrections applied: who moved the open tickets, and why ----

  let corrections = null; // GET /policy/corrections

  function renderCorrections() {
    if (!corrections) return;
    const cell = (key, ...c) => h('td', { 'data-label': t(key) }, c);
    fill(
      $('#correction-rows'),
      corrections.length
        ? corrections.map((k) =>
            h(
              'tr',
              { dataset: { correction: String(k.id) } },
              cell('admin.correctedAt', timeElement(k.at, userZone(), { weekday: false })),
              cell('admin.correctedBy', h('span', { class: 'corrected-by', text: k.by.email })),
              cell('admin.correctedOnto', h('strong', { text: String(k.to_version) })),
              cell('admin.correctedMoved', h('span', { class: 'corrected-moved', text: t('admin.correctedCounts', { moved: k.moved, earlier: k.earlier, later: k.later, examined: k.tickets_examined }) })),
              cell('admin.correctReason', k.reason ? h('span', { class: 'corrected-reason', text: k.reason }) : h('span', { class: 'muted', text: t('admin.correctedNoReason') })),
            ),
          )
        : h('tr', null, h('td', { colspan: 5, class: 'muted', text: t('admin.noCorrections') })),
    );
  }

  async function loadCorrections() {
    try {
      corrections = (await api('GET', '/policy/corrections')).corrections;
      say($('#corrections-msg'), '');
    } catch (err) {
      say($('#corrections-msg'), errorText(err), 'error');
    }
    renderCorrections();
  }

  // ---- correcting open tickets ----

  const correctForm = $('#correct-form');
  const correctSel = $('#correct-version');
  const correctBox = $('#correct-result');
  const correctApply = $('#correct-apply');
  const correctReason = $('#correct-reason');
  const correctMsg = $('#correct-msg');
  let corrected = null; // the preview of the version chosen now
  let correctGen = 0;

  /** Whether the reason is required: the preview moves a deadline later. */
  function markReason(needed) {
    correctReason.required = needed;
    const need = $('#correct-reason-need');
    need.dataset.i18n = needed ? 'common.required' : 'common.optional';
    need.textContent = t(need.dataset.i18n);
    fieldError(correctReason, '');
  }

  function changeText(delta) {
    return t(delta < 0 ? 'admin.correctEarlier' : 'admin.correctLater', { d: formatTarget(Math.abs(delta)) });
  }

  function moveRow(m) {
    const cell = (key, ...c) => h('td', { 'data-label': t(key) }, c);
    const inline = { inline: true, weekday: 'short' };
    return h(
      'tr',
      { dataset: { id: String(m.id), delta: String(m.delta_seconds), breached: String(!!m.breached) } },
      cell('admin.correctTicket', h('a', { href: '/agent-ticket?id=' + encodeURIComponent(m.id), text: t('admin.ticketNo', { id: m.id }) })),
      cell('admin.correctFrom', String(m.old_version)),
      cell('admin.correctOldDue', bothZones(m.old_due, inline)),
      cell('admin.correctNewDue', bothZones(m.new_due, inline)),
      cell(
        'admin.correctChange',
        h(
          'div',
          null,
          h('span', { class: 'move-delta', dataset: { way: m.delta_seconds < 0 ? 'earlier' : 'later' }, text: changeText(m.delta_seconds) }),
          m.breached ? h('span', { class: 'badge badge-breached move-breached', text: t('admin.correctBreached') }) : null,
        ),
      ),
    );
  }

  /** state: idle, loading, ready, error, stale. */
  function showCorrection(p, state, error) {
    corrected = state === 'ready' ? p : null;
    correctBox.dataset.state = state;
    correctBox.dataset.version = p ? String(p.to_version) : '';
    correctApply.disabled = !(corrected && corrected.moved > 0);
    markReason(!!(corrected && corrected.needs_reason));
    if (state === 'idle') return fill(correctBox, h('p', { class: 'muted', i18n: 'admin.correctIdle' }));
    if (state === 'stale') return fill(correctBox, h('p', { class: 'muted', i18n: 'admin.correctStale' }));
    if (state === 'loading') return fill(correctBox, h('p', { class: 'muted', i18n: 'common.loading' }));
    if (state === 'error') return fill(correctBox, h('p', { class: 'field-error', text: error }));
    const moves = p.moves || [];
    fill(
      correctBox,
      h(
        'p',
        { class: 'correct-counts' },
        t('admin.correctCounts', { version: p.to_version, examined: p.tickets_examined, moved: p.moved, earlier: p.earlier, later: p.later, unchanged: p.unchanged }),
      ),
      p.moved === 0
        ? h('p', { class: 'muted', i18n: 'admin.correctNothing' })
        : h('p', { class: p.needs_reason ? 'correct-need preview-new' : 'correct-need', text: t(p.needs_reason ? 'admin.correctNeedsReason' : 'admin.correctFavourable') }),
      moves.length < p.moved ? h('p', { class: 'muted', text: t('admin.correctListed', { n: moves.length, moved: p.moved }) }) : null,
      moves.length
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { id: 'move-table', class: 'tickets admin-table moves' },
              h('caption', { class: 'visually-hidden', text: t('admin.correctCaption') }),
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  ['admin.correctTicket', 'admin.correctFrom', 'admin.correctOldDue', 'admin.correctNewDue', 'admin.correctChange'].map((k) => h('th', { scope: 'col', text: t(k) })),
                ),
              ),
              h('tbody', { id: 'move-rows' }, moves.map(moveRow)),
            ),
          )
        : null,
    );
  }

  $('#correct-preview').addEventListener('click', async () => {
    const to = Number(correctSel.value);
    if (!to) return;
    const gen = ++correctGen;
    say(correctMsg, '');
    showCorrection(null, 'loading');
    await busy($('#correct-preview'), 'admin.correctPreviewing', async () => {
      try {
        const p = await api('POST', '/policy/corrections/preview', { to_version: to });
        if (gen === correctGen) showCorrection(p, 'ready');
      } catch (err) {
        if (gen === correctGen) showCorrection(null, 'error', errorText(err));
      }
    });
  });

  // Another version: what was previewed no longer applies.
  correctSel.addEventListener('change', () => {
    chosenVersion = Number(correctSel.value);
    correctGen++;
    if (corrected || correctBox.dataset.state !== 'idle') showCorrection(null, 'stale');
  });

  correctForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    say(correctMsg, '');
    const p = corrected;
    if (!p || p.to_version !== Number(correctSel.value)) return showCorrection(null, 'stale');
    const reason = correctReason.value.trim();
    if (p.needs_reason && !reason) {
      fieldError(correctReason, t('admin.correctReasonNeeded', { n: p.later }));
      correctReason.focus();
      return;
    }
    fieldError(correctReason, '');
    const body = { to_version: p.to_version };
    if (reason) body.reason = reason;
    await busy(correctApply, 'admin.correctApplying', async () => {
      try {
        const r = await api('POST', '/policy/corrections', body);
        const vars = { moved: r.moved, version: r.to_version, earlier: r.earlier, later: r.later, unchanged: r.unchanged, examined: r.tickets_examined, reason: r.reason || '' };
        correctReason.value = '';
        showCorrection(null, 'idle');
        say(correctMsg, t(r.reason ? 'admin.correctAppliedReason' : 'admin.correctApplied', vars), 'ok');
        correctMsg.focus();
        await Promise.all([loadVersions(), loadCorrections()]);
      } catch (err) {
        // A reason the server asks for goes next to the field.
        reportError(correctForm, err, { box: correctMsg });
      }
    });
    // busy() enables the button again: only a preview of this version may.
    correctApply.disabled = !(corrected && corrected.moved > 0);
  });

  // ---- the calendar ----

  const calSel = $('#cal-name');
  let month = null; // {y, m} (m 1-12)

  function calZone() {
    const c = (policy.calendars || []).find((x) => x.name === calSel.value) || (policy.calendars || [])[0];
    return c ? c.timezone : 'UTC';
  }

  function thisMonth() {
    const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: calZone(), year: 'numeric', month: '2-digit' }).format(new Date(now())).split('-');
    return { y: Number(y), m: Number(m) };
  }

  function todayIso() {
    return new Intl.DateTimeFormat('en-CA', { timeZone: calZone(), year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(now()));
  }

  function renderCalendarNames() {
    const keep = calSel.value || policy.display_calendar;
    fill(calSel, (policy.calendars || []).map((c) => h('option', { value: c.name, text: c.name, selected: c.name === keep })));
    $('#cal-name-field').hidden = (policy.calendars || []).length < 2;
  }

  /** Monday first, unless the language's week starts elsewhere. */
  function firstWeekday() {
    try {
      const loc = new Intl.Locale(locale());
      const info = loc.getWeekInfo ? loc.getWeekInfo() : loc.weekInfo;
      if (info && info.firstDay) return info.firstDay % 7; // 7 = Sunday -> 0
    } catch {
      /* older browsers: Monday */
    }
    return 1;
  }

  const pad = (n) => String(n).padStart(2, '0');
  let calDoc = null;

  /** "09:00–17:00" in the reader's language (a 12-hour clock where the
   *  language variant has one), in the calendar's zone. */
  function hoursText(w, zone) {
    const f = new Intl.DateTimeFormat(locale(), { timeZone: zone, hour: '2-digit', minute: '2-digit' });
    const a = new Date(w.start);
    const b = new Date(w.end);
    // A window to midnight ends at "24:00", not at the next day's 00:00.
    if (w.local_end === '24:00' && !f.resolvedOptions().hour12) return f.format(a) + '–24:00';
    return f.formatRange ? f.formatRange(a, b) : f.format(a) + '–' + f.format(b);
  }

  function renderMonth() {
    if (!month) return;
    const { y, m } = month;
    const first = new Date(Date.UTC(y, m - 1, 1));
    const label = new Intl.DateTimeFormat(locale(), { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(first);
    $('#cal-month').textContent = label;
    $('#cal-caption').textContent = t('admin.calCaption', { month: label, zone: calZone() });
    $('#cal-zone').textContent = t('admin.calZone', { zone: calZone() });
    const fw = firstWeekday();
    const long = new Intl.DateTimeFormat(locale(), { weekday: 'long', timeZone: 'UTC' });
    const short = new Intl.DateTimeFormat(locale(), { weekday: 'short', timeZone: 'UTC' });
    // 1 Nov 2026 is a Sunday: day i of the week is 1 Nov + i.
    const wd = (i) => new Date(Date.UTC(2026, 10, 1 + ((i + fw) % 7)));
    fill(
      $('#cal-head'),
      [0, 1, 2, 3, 4, 5, 6].map((i) => h('th', { scope: 'col', abbr: long.format(wd(i)) }, h('span', { 'aria-hidden': 'true', text: short.format(wd(i)) }), h('span', { class: 'visually-hidden', text: long.format(wd(i)) }))),
    );
    if (!calDoc) return;
    const zone = calDoc.timezone;
    const byDate = new Map(calDoc.days.map((d) => [d.date, d]));
    const lead = (first.getUTCDay() - fw + 7) % 7;
    const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const cells = [];
    for (let i = 0; i < lead; i++) cells.push(h('td', { class: 'day day-pad', 'aria-hidden': 'true' }));
    const today = todayIso();
    const dayLong = new Intl.DateTimeFormat(locale(), { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });
    for (let d = 1; d <= days; d++) {
      const iso = `${y}-${pad(m)}-${pad(d)}`;
      const info = byDate.get(iso) || { windows: [], holidays: [], open_seconds: 0 };
      const kind = info.holidays.length ? 'holiday' : info.open_seconds > 0 ? 'open' : 'closed';
      const parts = [];
      for (const hol of info.holidays)
        parts.push(
          h('span', { class: 'day-holiday-name', text: hol.name }),
          hol.all_day ? null : h('span', { class: 'day-closure', text: t('admin.calClosedPart', { from: hol.closed_from, to: hol.closed_to }) }),
        );
      if (info.windows.length) for (const w of info.windows) parts.push(h('span', { class: 'day-hours', text: hoursText(w, zone) }));
      else parts.push(h('span', { class: 'day-hours day-shut', text: t('admin.calClosed') }));
      cells.push(
        h(
          'td',
          {
            class: 'day day-' + kind,
            dataset: { date: iso, kind },
            'data-label': dayLong.format(new Date(Date.UTC(y, m - 1, d))),
            'aria-current': iso === today ? 'date' : null,
          },
          h('time', { class: 'day-num', datetime: iso, text: String(d) }),
          parts,
        ),
      );
    }
    while (cells.length % 7) cells.push(h('td', { class: 'day day-pad', 'aria-hidden': 'true' }));
    const rows = [];
    for (let i = 0; i < cells.length; i += 7) rows.push(h('tr', null, cells.slice(i, i + 7)));
    fill($('#cal-rows'), rows);
    $('#cal-table').hidden = false;
  }

  let monthGen = 0;
  async function loadMonth() {
    if (!month) return;
    const gen = ++monthGen;
    const { y, m } = month;
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const q = `/calendar?from=${y}-${pad(m)}-01&to=${y}-${pad(m)}-${pad(last)}` + (calSel.value ? '&calendar=' + encodeURIComponent(calSel.value) : '');
    const msg = $('#cal-msg');
    try {
      const doc = await api('GET', q);
      if (gen !== monthGen) return;
      calDoc = doc;
      say(msg, '');
    } catch (err) {
      if (gen !== monthGen) return;
      calDoc = null;
      $('#cal-table').hidden = true;
      say(msg, errorText(err), 'error');
    }
    renderMonth();
    const url = new URL(location.href);
    url.searchParams.set('month', `${y}-${pad(m)}`);
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }

  function shift(delta) {
    let { y, m } = month;
    m += delta;
    if (m < 1) {
      m = 12;
      y--;
    } else if (m > 12) {
      m = 1;
      y++;
    }
    month = { y, m };
    calDoc = null;
    loadMonth();
  }
  $('#cal-prev').addEventListener('click', () => shift(-1));
  $('#cal-next').addEventListener('click', () => shift(1));
  $('#cal-today').addEventListener('click', () => {
    month = thisMonth();
    loadMonth();
  });
  calSel.addEventListener('change', () => loadMonth());

  // ---- start ----

  renderSelects();
  renderPolicy();
  yamlArea.value = policy.yaml;
  renderCalendarNames();
  const asked = /^(\d{4})-(\d{2})$/.exec(param('month') || '');
  month = asked && Number(asked[2]) >= 1 && Number(asked[2]) <= 12 ? { y: Number(asked[1]), m: Number(asked[2]) } : thisMonth();
  try {
    const [o, p] = await Promise.all([api('GET', '/orgs'), api('GET', '/products')]);
    orgs = (o.orgs || []).sort((a, b) => a.name.localeCompare(b.name));
    products = p.products || [];
  } catch (err) {
    say($('#admin-msg'), errorText(err), 'error');
  }
  renderOrgs();
  renderProducts();
  const people = mountUsers({ tbody: $('#user-rows'), box: $('#user-msg'), more: $('#user-more'), orgs: () => orgs });
  const teams = mountGroups({ list: $('#group-list'), form: $('#group-create'), box: $('#group-msg') });
  await Promise.all([loadVersions(), loadCorrections(), loadMonth(), people.load(), teams.load().catch((err) => say($('#group-msg'), errorText(err), 'error'))]);
  if (location.hash) {
    const target = document.getElementById(location.hash.slice(1));
    if (target) target.scrollIntoView();
  }
  onLanguage(() => {
    renderSelects();
    renderOrgs();
    renderProducts();
    people.render();
    teams.render();
    renderPolicy();
    renderVersions();
    renderCorrections();
    if (corrected) showCorrection(corrected, 'ready');
    renderMonth();
  });
});
