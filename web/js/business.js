// business.js - remaining business time that runs on between two answers
// of the server.
//
// The API gives each ticket its remaining target time at the server's now
// (sla.remaining_business_seconds: open seconds of the target's calendar
// for a business target, wall seconds for a 24/7 one). The agent pages
// fetch it again every few seconds, and in between the countdowns tick
// every second: a business countdown must stand still while the support
// team is closed (nights, weekends, holidays) and run while it is open. So
// the pages also fetch the open windows of the calendars around now
// (GET /calendar, which also tells the server's clock: time.js's now() is
// synced to it) and count here only the open seconds that passed since
// the server answered.

import { api } from './api.js';
import { now, syncClock } from './time.js';

const DAY_MS = 86400000;

/** 'YYYY-MM-DD' of a UTC instant (ms). */
function isoDate(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The open windows ([startMs, endMs] pairs, sorted) of each named
 *  calendar from yesterday to six days ahead (UTC dates: a day of margin
 *  covers any zone), and the server's clock. Calendars that cannot be
 *  read are left out: their tickets fall back to the wall clock. */
export async function loadWindows(names) {
  const list = [...new Set(names.filter(Boolean))];
  if (!list.length) list.push('');
  const from = isoDate(now() - DAY_MS);
  const to = isoDate(now() + 6 * DAY_MS);
  const out = new Map();
  await Promise.all(
    list.map(async (name) => {
      try {
        const q = `/calendar?from=${from}&to=${to}` + (name ? '&calendar=' + encodeURIComponent(name) : '');
        const doc = await api('GET', q);
        syncClock(doc.now);
        const windows = [];
        for (const d of doc.days) for (const w of d.windows) windows.push([Date.parse(w.start), Date.parse(w.end)]);
        windows.sort((a, b) => a[0] - b[0]);
        out.set(doc.calendar, windows);
        if (!name) out.set('', windows);
      } catch {
        /* no windows: wall clock for this calendar */
      }
    }),
  );
  return out;
}

/** Open milliseconds within [a, b) (negative if b < a). */
export function openMs(windows, a, b) {
  if (b < a) return -openMs(windows, b, a);
  let sum = 0;
  for (const [s, e] of windows) {
    if (e <= a) continue;
    if (s >= b) break;
    sum += Math.min(e, b) - Math.max(s, a);
  }
  return sum;
}

/** A function nowMs -> business seconds left for a ticket as the server
 *  answered at answeredAt (ms, on the synced clock), or null when the
 *  ticket has no running target (no deadline, or already answered). A
 *  business target whose calendar could not be read holds the server's
 *  figure still rather than count wall time. */
export function businessLeft(ticket, windowsByCalendar, answeredAt) {
  const sla = ticket.sla || {};
  if (ticket.first_response_at || !ticket.first_response_due || typeof sla.remaining_business_seconds !== 'number') return null;
  const base = sla.remaining_business_seconds;
  const windows = sla.target_kind === 'business' ? windowsByCalendar.get(sla.calendar) : null;
  if (sla.target_kind === 'business') return windows ? (t) => base - openMs(windows, answeredAt, t) / 1000 : () => base;
  return (t) => base - (t - answeredAt) / 1000;
}
