// time.js - instants as people read them, and live countdowns.
//
// The API speaks RFC 3339 UTC ("2026-11-30T13:30:00Z"). A deadline is shown
// in the reader's own time zone and in CET, the zone of the support team's
// business calendar (Europe/Bratislava: "CET" in winter, "CEST" in summer),
// formatted by Intl.DateTimeFormat in the chosen language. Every <time> the
// page shows carries the instant in its datetime attribute.
//
// Countdowns count wall-clock time to an instant (what "we will answer by
// 14:30" leaves), re-rendered every second by one shared timer, without
// reloading anything; an element removed from the page drops out. The time
// of day is read through now(), the one place to correct for a browser
// whose clock is off.

import { locale, t } from './i18n.js';

export const CET_ZONE = 'Europe/Bratislava';

/** The reader's IANA time zone (UTC if the browser cannot tell). */
export function userZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

let clockOffsetMs = 0;

/** Milliseconds since the epoch, now: the browser's clock, corrected by
 *  setClockOffset(). */
export function now() {
  return Date.now() + clockOffsetMs;
}

/** Correct now() to the server's clock: serverIso is the server's "now" as
 *  it answered just now (the agent pages take it from GET /calendar), so
 *  deadlines turn amber and red when the server says, whatever the
 *  browser's clock reads. */
export function syncClock(serverIso) {
  const d = toDate(serverIso);
  if (d) clockOffsetMs = d.getTime() - Date.now();
}

/** A Date from an RFC 3339 string (or null for null/empty/invalid). */
export function toDate(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The UTC offset of zone at date, in minutes east of UTC. */
export function zoneOffsetMinutes(date, zone) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(date);
  const name = (parts.find((p) => p.type === 'timeZoneName') || {}).value || 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] || 0));
}

/** The zone's abbreviation at date: CET/CEST for the support team's zone
 *  (Intl spells it "GMT+1" in some locales), else what Intl says in the
 *  chosen locale ("EST", "GMT+2"). */
export function zoneLabel(date, zone) {
  if (zone === CET_ZONE) return zoneOffsetMinutes(date, zone) === 120 ? 'CEST' : 'CET';
  const short = (loc) => {
    const parts = new Intl.DateTimeFormat(loc, { timeZone: zone, timeZoneName: 'short' }).formatToParts(date);
    return (parts.find((p) => p.type === 'timeZoneName') || {}).value || '';
  };
  // Where the chosen locale knows only an offset ("GMT-5"), the American
  // English data may know a name people use ("EST").
  let label = short(locale());
  if (!label || /^(GMT|UTC)([+-]|$)/.test(label)) {
    const us = short('en-US');
    if (us && !/^(GMT|UTC)([+-]|$)/.test(us)) label = us;
  }
  return label || zone;
}

/** Whether the chosen locale writes a 24-hour clock. */
function clock24() {
  const f = new Intl.DateTimeFormat(locale(), { hour: 'numeric' }).resolvedOptions();
  return f.hourCycle ? f.hourCycle === 'h23' || f.hourCycle === 'h24' : !f.hour12;
}

/** "Monday 30 Nov, 14:30 CET" in the chosen language: weekday, day, month,
 *  the year only when it is not this year's, time and zone.
 *  opts.weekday: "long" (default), "short" or false. */
export function formatInstant(iso, zone = userZone(), opts = {}) {
  const d = iso instanceof Date ? iso : toDate(iso);
  if (!d) return t('common.none');
  const f = {
    timeZone: zone,
    day: 'numeric',
    month: 'short',
    hour: clock24() ? '2-digit' : 'numeric', // 06:00, but 6:00 AM
    minute: '2-digit',
  };
  if (opts.weekday !== false) f.weekday = opts.weekday || 'long';
  const yearNow = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric' }).format(new Date(now()));
  const yearThen = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric' }).format(d);
  if (yearNow !== yearThen) f.year = 'numeric';
  return new Intl.DateTimeFormat(locale(), f).format(d) + ' ' + zoneLabel(d, zone);
}

/** A <time> element for an instant in a zone. */
export function timeElement(iso, zone = userZone(), opts = {}) {
  const el = document.createElement('time');
  el.setAttribute('datetime', iso);
  el.dataset.zone = zone === CET_ZONE ? 'cet' : 'user';
  el.textContent = formatInstant(iso, zone, opts);
  return el;
}

/** Whether the reader's zone shows the same wall time as CET at iso. */
export function sameAsCet(iso) {
  const d = toDate(iso);
  return !!d && zoneOffsetMinutes(d, userZone()) === zoneOffsetMinutes(d, CET_ZONE);
}

/** An instant in the reader's zone and in CET, as a <span class="when">
 *  holding one or two <time> elements (one when both read the same):
 *  stacked, or with opts.inline "Mon 30 Nov, 06:00 EST (12:00 CET)" in a
 *  sentence. opts.weekday as for formatInstant. */
export function bothZones(iso, opts = {}) {
  const span = document.createElement('span');
  span.className = opts.inline ? 'when when-inline' : 'when';
  if (!iso) {
    span.textContent = t('common.none');
    return span;
  }
  if (sameAsCet(iso)) {
    span.append(timeElement(iso, CET_ZONE, opts));
    return span;
  }
  const mine = timeElement(iso, userZone(), opts);
  mine.title = t('zone.yours');
  const cet = timeElement(iso, CET_ZONE, opts);
  if (opts.inline) span.append(mine, ' (', cet, ')');
  else span.append(mine, cet);
  return span;
}

/** The one lateness figure (the API's sla.remaining says the same:
 *  garant_lateness_format in src/core/clock.c): seconds left, negative
 *  when late, as "2 h 59 min left" or "29 h late", with "(business
 *  hours)" after it for a business target. Whole hours and minutes, never
 *  days and no seconds: what is left rounds down, lateness rounds up. */
export function formatLateness(seconds, business) {
  const secs = Math.trunc(seconds);
  let text;
  if (secs >= 0 && secs < 60) {
    text = t('late.under');
  } else {
    const a = Math.abs(secs);
    const min = secs < 0 ? Math.ceil(a / 60) : Math.floor(a / 60);
    const hh = Math.floor(min / 60);
    const mm = min % 60;
    const parts = [];
    if (hh) parts.push(t('dur.h', { n: hh }));
    if (mm || !hh) parts.push(t('dur.min', { n: mm }));
    text = t(secs < 0 ? 'late.over' : 'late.left', { d: parts.join(' ') });
  }
  return business ? t('late.business', { x: text }) : text;
}

/** A target's length for people: 3 h 30 min, 2 d, 45 s. */
export function formatTarget(seconds) {
  const parts = [];
  let s = seconds;
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const hh = Math.floor(s / 3600);
  s -= hh * 3600;
  const mm = Math.floor(s / 60);
  s -= mm * 60;
  if (d) parts.push(t('dur.d', { n: d }));
  if (hh) parts.push(t('dur.h', { n: hh }));
  if (mm) parts.push(t('dur.min', { n: mm }));
  if (s || !parts.length) parts.push(t('dur.s', { n: s }));
  return parts.join(' ');
}

// ---- countdowns ---------------------------------------------------------

const live = new Set();
let timer = null;

function render(entry) {
  const at = now();
  const left = entry.left ? Math.trunc(entry.left(at)) : Math.floor((entry.due - at) / 1000);
  const state = left < 0 || (entry.left && at > entry.due) ? 'over' : entry.warn !== null && at >= entry.warn ? 'warning' : 'ok';
  entry.el.textContent = formatLateness(left, entry.business);
  entry.el.dataset.state = state;
  entry.el.dataset.seconds = String(left);
  if (entry.onTick) entry.onTick(left, state);
}

function tick() {
  for (const entry of live) {
    if (!entry.el.isConnected) {
      if (++entry.misses > 2) live.delete(entry);
      continue;
    }
    entry.misses = 0;
    render(entry);
  }
  if (!live.size) {
    clearInterval(timer);
    timer = null;
  }
}

/** Make el a live countdown to dueIso: "3 h 5 min left", then "2 h
 *  late" (formatLateness; opts.business adds "(business hours)"). el.dataset.state is "ok", "warning" (from
 *  opts.warnAt on) or "over", for colours; el.dataset.seconds the signed
 *  seconds left. opts.left(nowMs), if given, counts instead of the wall
 *  clock (the business seconds left at that instant: see business.js);
 *  the state still follows the instants warnAt and dueIso.
 *  opts.onTick(secondsLeft, state) runs on every update.
 *  Returns a function that stops it. */
export function countdown(el, dueIso, opts = {}) {
  const due = toDate(dueIso);
  if (!due) {
    el.textContent = t('countdown.none');
    return () => {};
  }
  const warn = toDate(opts.warnAt);
  const entry = { el, due: due.getTime(), warn: warn ? warn.getTime() : null, left: opts.left || null, business: !!opts.business, onTick: opts.onTick, misses: 0 };
  el.classList.add('countdown');
  el.setAttribute('role', 'timer');
  // A screen reader would hear every second: the timer is read on demand.
  el.setAttribute('aria-live', 'off');
  live.add(entry);
  render(entry);
  if (!timer) timer = setInterval(tick, 1000);
  return () => live.delete(entry);
}

/** Re-render every countdown now (after a language change). */
export function refreshCountdowns() {
  for (const entry of live) if (entry.el.isConnected) render(entry);
}

window.addEventListener('garant:language', refreshCountdowns);
