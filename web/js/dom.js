// dom.js - building page content safely.
//
// Every text, above all every ticket text a customer or an agent wrote,
// goes into the page as a text node (textContent), never as HTML: nothing
// here parses markup, and the pages must not use innerHTML,
// insertAdjacentHTML or document.write. Styling is by class only: the
// server's Content-Security-Policy forbids inline style attributes.

import { t } from './i18n.js';

/** An element: h('a', {href: '/x', class: 'btn', text: 'Go'}, child, ...).
 *  props: text (textContent), class, dataset {...}, on {event: fn},
 *  i18n (a string key, translated now and on language change via
 *  data-i18n), boolean DOM properties (checked, disabled, hidden, ...)
 *  given as true/false, anything else as an attribute. null, undefined
 *  and false props are skipped. Children are nodes, strings (text nodes),
 *  arrays of them, or null. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'text') el.textContent = String(v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'i18n') {
      el.dataset.i18n = v;
      el.textContent = t(v);
    } else if (typeof v === 'boolean') {
      if (k in el) el[k] = v;
      else if (v) el.setAttribute(k, '');
    } else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/** A translated sentence with nodes in it: tNodes('promise.by', {when:
 *  timeEl}) -> ['We will answer by ', timeEl, '.'], for append/fill.
 *  String vars fill in as text, as in t(). */
export function tNodes(key, vars) {
  const nodes = {};
  const strs = {};
  for (const [k, v] of Object.entries(vars || {})) {
    if (v instanceof Node) {
      nodes[k] = v;
      strs[k] = '\u0000' + k + '\u0000';
    } else strs[k] = v;
  }
  return t(key, strs)
    .split(/\u0000(\w+)\u0000/)
    .map((part, i) => (i % 2 ? nodes[part] : part))
    .filter((x) => x !== '');
}

/** Append nodes, strings (as text) and arrays of them. */
export function append(parent, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return parent;
}

/** Replace an element's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/** Show a message in a status/alert element (hidden when text is empty).
 *  kind: "error", "ok" or "info" (a class for its colours). */
export function say(el, text, kind = 'info') {
  el.textContent = text || '';
  el.hidden = !text;
  el.classList.remove('msg-error', 'msg-ok', 'msg-info');
  if (text) el.classList.add('msg-' + kind);
}

/** Mark a form field invalid with a message shown next to it, in the
 *  element "<id>-error", linked by aria-describedby (kept with the field's
 *  hint) and aria-invalid; an empty message clears it. */
export function fieldError(input, message) {
  const errId = input.id + '-error';
  let box = document.getElementById(errId);
  if (!box) {
    box = h('p', { id: errId, class: 'field-error', hidden: true });
    input.insertAdjacentElement('afterend', box);
  }
  box.textContent = message || '';
  box.hidden = !message;
  const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter((x) => x && x !== errId);
  if (message) {
    ids.unshift(errId);
    input.setAttribute('aria-invalid', 'true');
  } else input.removeAttribute('aria-invalid');
  if (ids.length) input.setAttribute('aria-describedby', ids.join(' '));
  else input.removeAttribute('aria-describedby');
}

/** Clear every field error in a form. */
export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) fieldError(el, '');
}

/** A query-string parameter of the page's address. */
export function param(name) {
  return new URLSearchParams(location.search).get(name);
}

/** Disable a submit button while work runs, with a busy label. */
export async function busy(button, labelKey, work) {
  const old = button.textContent;
  const oldKey = button.dataset.i18n;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  if (labelKey) {
    button.dataset.i18n = labelKey;
    button.textContent = t(labelKey);
  }
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    if (oldKey) {
      button.dataset.i18n = oldKey;
      button.textContent = t(oldKey);
    } else button.textContent = old;
  }
}
