// api.js - the JSON API of garant (/api/v1) for the pages.
//
// The pages authenticate with the session cookie (garant_session, HttpOnly,
// set by POST /login); every write a cookie authenticates must echo the
// session's CSRF token in X-CSRF-Token. The token comes with the login
// answer and with GET /me, and is kept in sessionStorage for the tab, so a
// page opened in a new tab recovers it from /me on its first write. A 403
// about the CSRF token (a token from an older session) is retried once with
// a fresh token.
//
// Every failure is an ApiError: status (0 when the server cannot be
// reached), code ("einval", "enotfound", ...) and message, the server's own
// message where it sent one. Every call says the page's language in
// Accept-Language, so the server writes its messages in it (English or
// Romanian; docs/messages.md), whatever language the browser prefers.

import { language } from './i18n.js';

const BASE = '/api/v1';
const CSRF_KEY = 'garant.csrf';

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // HTTP status, 0 for a network failure
    this.code = code; // the server's error code, or "network"/"bad_response"
    this.body = body; // the parsed error body, if any
  }
}

let unauthorizedHandler = null;

/** Called (once per page) when an API call answers 401 on a route that
 *  needs a session: layout.js sends the user to the login page. */
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

export function csrfToken() {
  try {
    return sessionStorage.getItem(CSRF_KEY) || '';
  } catch {
    return '';
  }
}

export function setCsrfToken(token) {
  try {
    if (token) sessionStorage.setItem(CSRF_KEY, token);
    else sessionStorage.removeItem(CSRF_KEY);
  } catch {
    /* storage disabled: /me supplies it again when needed */
  }
}

function url(path) {
  return path.startsWith('/api/') || path.startsWith('/healthz') ? path : BASE + path;
}

async function send(method, path, body) {
  const headers = { Accept: 'application/json', 'Accept-Language': language() };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body instanceof Blob) {
    // A file goes as its bytes (POST /attachments), its type declared.
    headers['Content-Type'] = body.type || 'application/octet-stream';
    init.body = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const tok = csrfToken();
    if (tok) headers['X-CSRF-Token'] = tok;
  }
  let resp;
  try {
    resp = await fetch(url(path), init);
  } catch (e) {
    throw new ApiError(0, 'network', e && e.message ? e.message : 'network error');
  }
  const text = await resp.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      if (resp.ok) throw new ApiError(resp.status, 'bad_response', 'the server answered something that is not JSON');
    }
  }
  if (!resp.ok) {
    const err = data && data.error ? data.error : {};
    throw new ApiError(resp.status, err.code || 'http_' + resp.status, err.message || resp.statusText || 'HTTP ' + resp.status, data);
  }
  return data;
}

const PUBLIC = new Set(['/login', '/signup', '/verify', '/password/forgot', '/password/reset', '/password/unlock']);

/** Call the API: api('GET', '/tickets'), api('POST', '/tickets', {...}).
 *  Resolves to the parsed JSON (null for an empty answer), rejects with an
 *  ApiError. */
export async function api(method, path, body) {
  const write = method !== 'GET' && method !== 'HEAD';
  if (write && !csrfToken() && !PUBLIC.has(path)) await refreshCsrf();
  try {
    return await send(method, path, body);
  } catch (e) {
    // The CSRF refusal is told by its code and the header it names, which
    // every language's message keeps.
    if (write && e.status === 403 && e.code === 'eperm' && /X-CSRF-Token/.test(e.message) && !PUBLIC.has(path)) {
      if (await refreshCsrf()) return send(method, path, body);
    }
    if (e.status === 401 && !PUBLIC.has(path) && path !== '/me' && unauthorizedHandler) unauthorizedHandler(e);
    throw e;
  }
}

/** Fetch the session's CSRF token from /me; true if there is a session. */
async function refreshCsrf() {
  try {
    const me = await send('GET', '/me');
    setCsrfToken(me && me.session ? me.session.csrf_token : '');
    return !!csrfToken();
  } catch {
    return false;
  }
}

/** The signed-in user ({user, org, session}) or null without a session. */
export async function me() {
  try {
    const m = await send('GET', '/me');
    if (m && m.session) setCsrfToken(m.session.csrf_token);
    return m;
  } catch (e) {
    if (e.status === 401) {
      setCsrfToken('');
      return null;
    }
    throw e;
  }
}

/** Log in; the server sets the session cookie. Resolves to the login
 *  answer {token, csrf_token, user, expires_at}. */
export async function login(email, password) {
  const r = await api('POST', '/login', { email, password });
  setCsrfToken(r.csrf_token);
  return r;
}

/** End the session (the server clears the cookie). */
export async function logout() {
  try {
    await api('POST', '/logout');
  } finally {
    setCsrfToken('');
  }
}

/** Upload one file (a File from an <input type=file>): resolves to the
 *  staged upload {id, filename, size, type, sha256}, whose id a filing or
 *  reply then names in "attachments". */
export function uploadFile(file) {
  return api('POST', '/attachments?name=' + encodeURIComponent(file.name || 'attachment'), file);
}
