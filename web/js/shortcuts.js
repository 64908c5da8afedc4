// shortcuts.js - single-key shortcuts of the agent pages (issue 15) and
// the dialog that lists them.
//
// A page gives its shortcuts as data, {keys: ['j', 'ArrowDown'], label:
// i18n key, run(event)}: one list drives both the key handling and the
// "?" dialog, so the dialog cannot forget one. A key never fires while the
// user types (in a text input, a textarea, a select or anything
// editable), with Ctrl, Alt or Meta held (the browser's and the screen
// reader's own shortcuts), or while a dialog is open. run() returning
// false lets the key through (Enter on a link opens it natively).
//
// The dialog is a native <dialog> opened with showModal(): the browser
// keeps the focus inside it and closes it on Escape; on closing, the focus
// goes back where it was.

import { fill, h } from './dom.js';
import { t } from './i18n.js';

/** Keys as the dialog shows them: arrows as arrows, with their name for
 *  screen readers. */
const GLYPH = { ArrowDown: '↓', ArrowUp: '↑', Enter: '⏎', Escape: 'Esc' };

/** Whether el takes typed text (keys go to it, not to the shortcuts). */
export function typingIn(el) {
  if (!el || el === document.body) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName === 'INPUT') return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(el.type);
  return false;
}

function keyCell(key) {
  const glyph = GLYPH[key];
  if (!glyph || glyph === key) return h('kbd', { text: key });
  return h('kbd', null, h('span', { 'aria-hidden': 'true', text: glyph }), h('span', { class: 'visually-hidden', text: t('keys.name.' + key) }));
}

/** Wire shortcuts on the page. opts: shortcuts (the list; a '?' entry for
 *  the dialog is added), dialog (the <dialog>), rows (its table body),
 *  opener (a button that opens it too). Returns {open, render}. */
export function mountShortcuts({ shortcuts, dialog, rows, opener }) {
  let back = null;
  const all = [...shortcuts, { keys: ['?'], label: 'keys.help', run: () => open() }, { keys: ['Escape'], label: 'keys.esc', run: () => false }];

  function render() {
    fill(
      rows,
      all.map((s) =>
        h(
          'tr',
          null,
          h('th', { scope: 'row' }, s.keys.map((k, i) => [i ? h('span', { class: 'muted', text: ' ' + t('keys.or') + ' ' }) : null, keyCell(k)])),
          h('td', { text: t(s.label) }),
        ),
      ),
    );
  }

  function open() {
    if (dialog.open) return;
    back = document.activeElement;
    render();
    dialog.showModal();
  }

  dialog.addEventListener('close', () => {
    const to = back && back.isConnected && back !== document.body ? back : opener;
    back = null;
    if (to) to.focus();
  });
  if (opener) opener.addEventListener('click', open);

  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (document.querySelector('dialog[open]') || typingIn(e.target)) return;
    const s = all.find((x) => x.keys.includes(e.key));
    if (!s || s.keys.includes('Escape')) return;
    if (s.run(e) !== false) e.preventDefault();
  });
  return { open, render };
}
