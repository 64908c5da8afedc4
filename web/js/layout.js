// layout.js - what every page shares: the header (navigation, who is
// signed in, the language switch, log out), translation of the static
// markup, and the session check.
//
// A page calls initPage() first:
//   const session = await initPage({ auth: 'required', nav: 'tickets' });
// auth: "required" sends a visitor without a session to /login?next=<here>
// (and resolves never); "optional" resolves to the session or null.
// roles: with auth "required", the roles allowed ("customer", "agent",
// "admin"); others see a notice instead of the page (resolves never):
// opts.deniedKey, else the customers' pages' notice for staff.
// nav: the key of the current navigation entry (aria-current="page").
// The header's entries depend on the role: customers get the support
// center's pages (and their organization's managers its members,
// MANAGER_NAV); agents the queue and the reports (STAFF_NAV); admins also
// the admin page (ADMIN_NAV). A member whose organization's manager has
// not approved her yet (user.approval "pending") sees, on every page, only
// the page that says so (the server refuses her everything else).

import { api, logout, me, onUnauthorized } from './api.js';
import { learnPriorities } from './labels.js';
import { h, fill, $ } from './dom.js';
import { applyI18n, language, LANGUAGES, setLanguage, t } from './i18n.js';

/** Navigation entries by audience: [key, href, i18n key]. */
export const CUSTOMER_NAV = [
  ['home', '/', 'nav.home'],
  ['new', '/new', 'nav.new'],
  ['tickets', '/tickets', 'nav.tickets'],
];
export const GUEST_NAV = [
  ['home', '/', 'nav.home'],
  ['login', '/login', 'nav.login'],
  ['signup', '/signup', 'nav.signup'],
];
export const STAFF_NAV = [
  ['queue', '/agent', 'nav.queue'],
  ['reports', '/reports', 'nav.reports'],
];
export const ADMIN_NAV = [...STAFF_NAV, ['admin', '/admin', 'nav.admin']];
export const MANAGER_NAV = [...CUSTOMER_NAV, ['members', '/members', 'nav.members']];
export const PENDING_NAV = [['home', '/', 'nav.home']];

/** Is user a member her organization has not approved (yet)? */
export function waitsForApproval(user) {
  return !!user && user.role === 'customer' && user.approval === 'pending';
}

function navFor(user) {
  if (!user) return GUEST_NAV;
  if (user.role === 'admin') return ADMIN_NAV;
  if (user.role !== 'customer') return STAFF_NAV;
  if (waitsForApproval(user)) return PENDING_NAV;
  return user.org_manager ? MANAGER_NAV : CUSTOMER_NAV;
}

/** Where a signed-in user starts: customers at their tickets, staff in
 *  the agent workspace. */
export function landingFor(user) {
  return user && user.role !== 'customer' ? '/agent' : '/tickets';
}

/** The page's own address, for ?next= after logging in. */
export function here() {
  return location.pathname + location.search;
}

/** A safe ?next= target: a path on this site only. */
export function safeNext(next, fallback) {
  return next && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) && !next.startsWith('/api/') ? next : fallback;
}

export function goLogin() {
  location.assign('/login?next=' + encodeURIComponent(here()));
}

// Signed in, the choice is also the language of one's mails: saved with
// PATCH /api/v1/me (docs/mail.md). A failure to save leaves the page's
// language switched all the same.
function languageSwitch(user) {
  const id = 'lang-switch';
  const change = (e) => {
    setLanguage(e.target.value);
    if (user) api('PATCH', '/me', { language: e.target.value }).catch(() => {});
  };
  const select = h(
    'select',
    { id, class: 'lang-select', on: { change } },
    LANGUAGES.map((l) => h('option', { value: l.code, lang: l.code, text: l.name, selected: l.code === language() })),
  );
  return h('div', { class: 'lang' }, h('label', { for: id, i18n: 'nav.language' }), select);
}

/** Fill <header id="site-header"> for session (null: a visitor). */
export function mountHeader(session, current) {
  const header = $('#site-header');
  if (!header) return;
  const user = session ? session.user : null;
  const entries = navFor(user);
  const links = entries.map(([key, href, label]) =>
    h('li', null, h('a', { href, i18n: label, 'aria-current': key === current ? 'page' : null })),
  );
  const who = user
    ? h(
        'div',
        { class: 'who' },
        h('span', { class: 'who-name', text: t('nav.signedInAs', { name: user.name }), dataset: { name: user.name } }),
        h('button', { type: 'button', class: 'btn btn-quiet', id: 'logout', i18n: 'nav.logout', on: { click: doLogout } }),
      )
    : null;
  fill(
    header,
    h(
      'div',
      { class: 'bar' },
      h('a', { class: 'brand', href: '/', i18n: 'app.name' }),
      h('nav', { 'aria-label': t('nav.label'), 'data-i18n-attr': 'aria-label:nav.label' }, h('ul', { class: 'nav' }, links)),
      h('div', { class: 'tools' }, who, languageSwitch(user)),
    ),
  );
  // The "signed in as" line names the user: re-render it on a switch.
  window.addEventListener('garant:language', () => {
    const n = header.querySelector('.who-name');
    if (n) n.textContent = t('nav.signedInAs', { name: n.dataset.name });
  });
}

async function doLogout() {
  try {
    await logout();
  } catch {
    /* the session may have ended already: the login page follows anyway */
  }
  location.assign('/login?out=1');
}

/** Translate the page, check the session, draw the header. */
export async function initPage(opts = {}) {
  applyI18n(document);
  onUnauthorized(() => goLogin());
  let session = null;
  try {
    session = await me();
  } catch (e) {
    if (opts.auth === 'required') {
      showFatal(e);
      return new Promise(() => {});
    }
  }
  // The policy's summary, for the priorities' names in the page's language
  // (asked only with a session: a 401 would send the page to the login).
  // The page gets it as session.summary (null if it could not be read).
  const waiting = waitsForApproval(session && session.user);
  if (session && !waiting) {
    session.summary = await api('GET', '/policy/summary').catch(() => null);
    learnPriorities(session.summary);
  }
  mountHeader(session, opts.nav);
  if (waiting) {
    showWaiting(session);
    return new Promise(() => {});
  }
  if (opts.auth === 'required' && !session) {
    goLogin();
    return new Promise(() => {});
  }
  if (session && opts.roles && !opts.roles.includes(session.user.role)) {
    const main = $('#main');
    if (main)
      fill(
        main,
        h('h1', { i18n: opts.deniedKey ? 'common.notForYou' : 'nav.home' }),
        h('p', { class: 'msg msg-info', i18n: opts.deniedKey || 'common.staffOnly' }),
        session.user.role === 'customer' ? null : h('p', null, h('a', { href: landingFor(session.user), i18n: 'nav.queue' })),
      );
    return new Promise(() => {});
  }
  return session;
}

/** The page a member waiting for her organization's approval sees,
 *  whichever page she opened. */
function showWaiting(session) {
  const main = $('#main');
  if (!main) return;
  const render = () =>
    fill(
      main,
      h('h1', { id: 'waiting-title', text: t('pending.title') }),
      h('p', { class: 'msg msg-info', id: 'waiting-msg', role: 'status', text: t('pending.text', { org: session.org ? session.org.name : '' }) }),
      h('p', { class: 'muted', text: t('pending.mail', { email: session.user.email }) }),
      h('p', null, h('a', { class: 'btn', href: location.pathname + location.search, text: t('pending.again') })),
    );
  render();
  window.addEventListener('garant:language', render);
}

/** Replace the page's main content with an error message. */
export function showFatal(err) {
  const main = $('#main');
  if (!main) return;
  fill(main, h('p', { class: 'msg msg-error', role: 'alert', text: errorText(err) }));
}

/** What to tell the user about an ApiError (or any error). */
export function errorText(err) {
  if (!err) return '';
  if (err.status === 0) return t('common.network');
  return err.message ? err.message : t('common.error', { message: String(err) });
}

/** Run an async page body; an uncaught failure becomes a visible message. */
export function run(body) {
  body().catch((e) => {
    console.error(e);
    showFatal(e);
  });
}
