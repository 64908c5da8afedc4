// chart.js - a grouped bar chart drawn as SVG by the page itself
// (createElementNS; no library, no external service, nothing inline that
// the Content-Security-Policy would refuse: colours come from app.css by
// class).
//
// Values are percentages 0-100 or null ("no data": drawn as a dash on the
// baseline). The SVG is an image with a title and a description for
// screen readers; each bar carries a <title> (shown on hover) and its
// value above it. The page keeps a table of the same figures beside it.

const NS = 'http://www.w3.org/2000/svg';
let seq = 0;

/** An SVG element with attributes and text or element children. */
function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

/** Draw the chart.
 *  spec: {title, desc, width, height, groups: [{label, bars: [{series,
 *  value, title}]}], series: [{key, label}], tick(v) -> "50 %",
 *  value(v) -> "66.7 %", none -> text for null}.
 *  Returns the <svg> (class "chart-svg"; each bar a rect.bar with
 *  data-series and data-value). */
export function barChart(spec) {
  const id = 'chart-' + ++seq;
  const width = Math.max(280, Math.round(spec.width || 640));
  const height = spec.height || 300;
  const narrow = width < 480;
  const m = { top: 24, right: 8, bottom: narrow ? 40 : 36, left: narrow ? 40 : 48 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const y = (v) => m.top + ph * (1 - Math.max(0, Math.min(100, v)) / 100);
  const svg = s(
    'svg',
    { class: 'chart-svg', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-labelledby': `${id}-t ${id}-d` },
    s('title', { id: `${id}-t` }, spec.title || ''),
    s('desc', { id: `${id}-d` }, spec.desc || ''),
  );
  // Grid and the y axis.
  for (const v of [0, 25, 50, 75, 100]) {
    svg.append(s('line', { class: v === 0 ? 'axis' : 'grid', x1: m.left, x2: width - m.right, y1: y(v), y2: y(v) }));
    svg.append(s('text', { class: 'tick', x: m.left - 6, y: y(v), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, spec.tick(v)));
  }
  const groups = spec.groups || [];
  const nseries = Math.max(1, spec.series.length);
  const gw = pw / Math.max(1, groups.length);
  const bw = Math.max(6, Math.min(44, (gw * 0.8) / nseries));
  groups.forEach((g, gi) => {
    const gx = m.left + gi * gw + (gw - bw * nseries) / 2;
    g.bars.forEach((b) => {
      const si = spec.series.findIndex((x) => x.key === b.series);
      const x = gx + si * bw;
      const cls = 'bar bar-s' + (si % 5);
      if (b.value === null || b.value === undefined) {
        svg.append(
          s('text', { class: 'bar-none', x: x + bw / 2, y: y(0) - 4, 'text-anchor': 'middle' }, spec.none || '–'),
        );
        return;
      }
      const top = y(b.value);
      const rect = s('rect', {
        class: cls,
        x: x + 1,
        y: top,
        width: bw - 2,
        height: Math.max(1, y(0) - top),
        'data-series': b.series,
        'data-value': b.value,
      });
      rect.append(s('title', null, b.title || ''));
      svg.append(rect);
      if (bw >= 18 || !narrow)
        svg.append(s('text', { class: 'bar-value', x: x + bw / 2, y: top - 4, 'text-anchor': 'middle' }, spec.value(b.value)));
    });
    svg.append(s('text', { class: 'group-label', x: m.left + gi * gw + gw / 2, y: height - m.bottom + 18, 'text-anchor': 'middle' }, g.label));
  });
  return svg;
}
