// forms.js - validation messages on forms, from the page and from the
// server.
//
// The server names the field a message is about in quotes ("'password'
// must have at least 10 characters"; in Romanian "„password” trebuie...",
// the field's name the API's in every language); reportError() puts such
// a message next to that field (fieldError: aria-invalid,
// aria-describedby) and anything else in the form's message box. The forms use novalidate: the
// checks here speak the chosen language, the browser's bubbles would not.

import { fieldError, clearFieldErrors, say } from './dom.js';
import { t } from './i18n.js';
import { errorText } from './layout.js';

/** The form control a server message is about, or null. */
export function fieldFor(form, message) {
  const m = /['„](\w+)['”]/.exec(message || '');
  if (m && form.elements[m[1]] && form.elements[m[1]].id) return form.elements[m[1]];
  return null;
}

/** Show err (an ApiError) next to its field, else next to fallback (a
 *  control), else in box. Focuses the field. */
export function reportError(form, err, { fallback = null, box = null } = {}) {
  const text = errorText(err);
  const field = (err && err.status === 422 && fieldFor(form, err.message)) || (err && err.status === 422 ? fallback : null);
  if (field) {
    fieldError(field, text);
    field.focus();
    if (box) say(box, '');
  } else if (box) {
    say(box, text, 'error');
    box.focus();
  }
}

/** Check the form's required, minlength and type=email controls; mark
 *  each problem next to its field and focus the first. True if all pass. */
export function validate(form) {
  clearFieldErrors(form);
  let first = null;
  for (const el of form.elements) {
    if (!el.id || el.disabled || !('value' in el) || el.type === 'submit' || el.type === 'radio') continue;
    const v = el.value.trim();
    let msg = '';
    if (el.required && !v) msg = t('field.requiredEmpty');
    else if (v && el.type === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) msg = t('field.emailBad');
    else if (v && el.minLength > 0 && el.value.length < el.minLength)
      msg = el.type === 'password' ? t('field.passwordShort') : t('field.requiredEmpty');
    if (msg) {
      fieldError(el, msg);
      if (!first) first = el;
    }
  }
  if (first) first.focus();
  return !first;
}
