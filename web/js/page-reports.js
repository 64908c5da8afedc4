// page-reports.js - /reports (staff): first-response attainment per plan
// and priority for tickets filed in a period, from
// GET /reports/sla?from&to&group_by=plan,priority.
//
// The period is chosen as two dates, the second inclusive (the API's `to`
// is exclusive: the day after is sent), and kept in the address. The page
// draws the attainment as a grouped bar chart in SVG (chart.js), lists the
// same figures in a table, and links the CSV form of the same report
// (format=csv; the session cookie authenticates the download).

import { api } from './api.js';
import { barChart } from './chart.js';
import { $, busy, fill, h, param, say } from './dom.js';
import { validate } from './forms.js';
import { locale, onLanguage, t } from './i18n.js';
import { planName, priorityLabel } from './labels.js';
import { errorText, initPage, run } from './layout.js';
import { formatTarget, now } from './time.js';

const DAY_MS = 86400000;
const isoDate = (ms) => new Date(ms).toISOString().slice(0, 10);
const dateMs = (iso) => Date.parse(iso + 'T00:00:00Z');

run(async () => {
  const session = await initPage({ auth: 'required', roles: ['agent', 'admin'], nav: 'reports', deniedKey: 'common.staffPage' });
  const form = $('#period-form');
  const box = $('#period-msg');
  const summary = session.summary;
  const prioName = new Map(((summary && summary.priorities) || []).map((p) => [p.level, p.name]));
  const planOrder = ((summary && summary.plans) || []).map((p) => p.name);

  const today = isoDate(now());
  const from0 = /^\d{4}-\d{2}-\d{2}$/.test(param('from') || '') ? param('from') : isoDate(now() - 29 * DAY_MS);
  const to0 = /^\d{4}-\d{2}-\d{2}$/.test(param('to') || '') ? param('to') : today;
  form.elements.from.value = from0;
  form.elements.to.value = to0;

  let report = null;
  let period = null;

  const pct = (v, digits = 1) => new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: digits }).format(v / 100);
  const num = (v) => new Intl.NumberFormat(locale()).format(v);
  const dur = (sec) => (sec === null || sec === undefined ? t('common.none') : formatTarget(sec));

  function periodLabel() {
    const f = new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
    const a = new Date(dateMs(period.from));
    const b = new Date(dateMs(period.to));
    return f.formatRange ? f.formatRange(a, b) : f.format(a) + ' – ' + f.format(b);
  }

  function drawChart() {
    const holder = $('#chart');
    const groups = report.groups || [];
    if (!groups.length) {
      fill(holder);
      $('#chart-figure').hidden = true;
      return;
    }
    $('#chart-figure').hidden = false;
    const plans = [...new Set(groups.map((g) => g.plan))].sort((a, b) => planOrder.indexOf(a) - planOrder.indexOf(b));
    const levels = [...new Set(groups.map((g) => g.priority))].sort((a, b) => a - b);
    const series = levels.map((lv) => ({ key: String(lv), label: priorityLabel(lv, prioName.get(lv)) }));
    const chartGroups = plans.map((plan) => ({
      label: planName(plan),
      bars: groups
        .filter((g) => g.plan === plan)
        .map((g) => ({
          series: String(g.priority),
          value: g.attainment_percent,
          title: t('reports.barTitle', {
            plan: planName(plan),
            prio: priorityLabel(g.priority, prioName.get(g.priority)),
            value: g.attainment_percent === null ? t('reports.noData') : pct(g.attainment_percent),
            ok: num(g.responded_in_time),
            n: num(g.responded_in_time + g.breached),
          }),
        })),
    }));
    const svg = barChart({
      title: t('reports.chartTitle', { period: periodLabel() }),
      desc: t('reports.chartDesc'),
      width: holder.clientWidth || 640,
      groups: chartGroups,
      series,
      tick: (v) => pct(v, 0),
      value: (v) => pct(v, 0),
      none: t('reports.noDataShort'),
    });
    fill(
      holder,
      svg,
      h(
        'ul',
        { class: 'legend chart-legend', 'aria-label': t('admin.legend') },
        series.map((sr, i) => h('li', null, h('span', { class: 'swatch bar-s' + (i % 5) }), ' ', sr.label)),
      ),
    );
    $('#chart-caption').textContent = t('reports.chartCaption');
  }

  function render() {
    if (!report) return;
    $('#report-title').textContent = t('reports.titleFor', { period: periodLabel() });
    const tot = report.total;
    $('#report-total').textContent =
      tot.attainment_percent === null
        ? t('reports.totalNone', { n: num(tot.tickets), open: num(tot.still_open) })
        : t('reports.total', {
            pct: pct(tot.attainment_percent),
            ok: num(tot.responded_in_time),
            n: num(tot.responded_in_time + tot.breached),
            tickets: num(tot.tickets),
            open: num(tot.still_open),
          });
    const groups = report.groups || [];
    $('#report-empty').hidden = !!groups.length;
    $('#report-table').hidden = !groups.length;
    const cell = (key, ...c) => h('td', { 'data-label': t(key) }, c);
    fill(
      $('#report-rows'),
      groups.map((g) =>
        h(
          'tr',
          { dataset: { plan: g.plan, priority: String(g.priority) } },
          cell('reports.cPlan', planName(g.plan)),
          cell('reports.cPriority', priorityLabel(g.priority, prioName.get(g.priority))),
          cell('reports.cTickets', num(g.tickets)),
          cell('reports.cInTime', num(g.responded_in_time)),
          cell('reports.cBreached', num(g.breached)),
          cell('reports.cOpen', num(g.still_open)),
          cell('reports.cAttainment', g.attainment_percent === null ? t('reports.noData') : pct(g.attainment_percent)),
          cell('reports.cMedian', dur(g.business_median_s)),
          cell('reports.cP90', dur(g.business_p90_s)),
        ),
      ),
    );
    drawChart();
  }

  function query(fmt) {
    const q = new URLSearchParams({ from: period.from, to: isoDate(dateMs(period.to) + DAY_MS), group_by: 'plan,priority' });
    if (fmt) q.set('format', fmt);
    return '/reports/sla?' + q.toString();
  }

  async function load() {
    say(box, '');
    if (!validate(form)) return;
    const from = form.elements.from.value;
    const to = form.elements.to.value;
    if (to < from) {
      say(box, t('reports.toBeforeFrom'), 'error');
      return;
    }
    period = { from, to };
    try {
      report = await api('GET', query());
    } catch (e) {
      say(box, errorText(e), 'error');
      box.focus();
      return;
    }
    const link = $('#csv-link');
    link.href = '/api/v1' + query('csv');
    link.setAttribute('download', `garant-sla-${from}-${to}.csv`);
    history.replaceState(null, '', `/reports?from=${from}&to=${to}`);
    $('#report').hidden = false;
    render();
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy($('#period-submit'), null, load);
  });

  await load();
  let lastWidth = $('#chart').clientWidth;
  new ResizeObserver(() => {
    const w = $('#chart').clientWidth;
    if (report && Math.abs(w - lastWidth) > 24) {
      lastWidth = w;
      drawChart();
    }
  }).observe($('#chart'));
  onLanguage(render);
});
