// toggletip.js - a small explanation next to something, shown on hover or
// on click: "Why this deadline?" beside a due time.
//
// The button says what it explains (aria-expanded tells whether the text
// is shown); the text follows it in the page, so a screen reader meets it
// right after the button, and a keyboard opens it with Enter or Space and
// closes it with Escape. Hovering shows it for as long as the pointer
// stays; a click pins it open until a second click, Escape or a click
// elsewhere. The text is set as text, never as HTML.

import { h } from './dom.js';

let seq = 0;
const open = new Set();

function show(tip, pinned) {
  tip.bubble.hidden = false;
  // Open towards the side with room: from the button's left edge, or
  // back from its right edge when that would run off the screen.
  tip.wrap.classList.remove('tip-end');
  const box = tip.bubble.getBoundingClientRect();
  if (box.right > document.documentElement.clientWidth - 4) tip.wrap.classList.add('tip-end');
  tip.button.setAttribute('aria-expanded', 'true');
  if (pinned) tip.pinned = true;
  open.add(tip);
}

function hide(tip) {
  tip.bubble.hidden = true;
  tip.button.setAttribute('aria-expanded', 'false');
  tip.pinned = false;
  open.delete(tip);
}

document.addEventListener('click', (e) => {
  for (const tip of [...open]) if (!tip.wrap.contains(e.target)) hide(tip);
});

/** A toggletip: a button labelled label (a string) explaining with
 *  content (strings and nodes). opts.class adds a class to the wrapper.
 *  Returns the wrapper element (a span, for use inside text). */
export function toggletip(label, content, opts = {}) {
  const id = 'tip-' + ++seq;
  const button = h('button', { type: 'button', class: 'tip-button', 'aria-expanded': 'false', 'aria-controls': id }, label);
  const bubble = h('span', { id, class: 'tip-bubble', hidden: true }, content);
  const wrap = h('span', { class: 'tip' + (opts.class ? ' ' + opts.class : '') }, button, bubble);
  const tip = { wrap, button, bubble, pinned: false };
  button.addEventListener('click', () => {
    if (tip.pinned) hide(tip);
    else show(tip, true);
  });
  wrap.addEventListener('mouseenter', () => {
    if (bubble.hidden) show(tip, false);
  });
  wrap.addEventListener('mouseleave', () => {
    if (!tip.pinned) hide(tip);
  });
  wrap.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !bubble.hidden) {
      e.stopPropagation();
      hide(tip);
      button.focus();
    }
  });
  return wrap;
}
