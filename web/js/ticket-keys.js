// ticket-keys.js - the agent ticket page's shortcuts (issue 15): r puts
// the focus in the reply box, j and k open the next and the previous
// ticket of the list the agent came from (page-agent.js keeps its ids in
// sessionStorage), u goes back to that list; "?" lists them
// (shortcuts.js). The queue's r and a open a ticket at #reply and #assign:
// the focus goes there.

import { $ } from './dom.js';
import { mountShortcuts } from './shortcuts.js';

const NAV_KEY = 'garant.queueNav';

/** Wire the shortcuts for the ticket id (a number). */
export function mountTicketKeys(id) {
  let nav = null;
  try {
    nav = JSON.parse(sessionStorage.getItem(NAV_KEY) || 'null');
  } catch {
    nav = null;
  }
  const ids = nav && Array.isArray(nav.ids) ? nav.ids.filter(Number.isInteger) : [];
  // Only a list of the workspace: the stored address came from our page,
  // but a tab's storage is no place to trust blindly.
  const from = nav && typeof nav.from === 'string' && /^\/agent(\?[\w\-.~%=&+]*)?$/.test(nav.from) ? nav.from : '/agent';

  function go(delta) {
    const i = ids.indexOf(id);
    const to = i < 0 ? null : ids[i + delta];
    if (!to) return false;
    location.assign('/agent-ticket?id=' + encodeURIComponent(to));
  }

  function reply() {
    const box = $('#reply');
    if (!box || box.closest('[hidden]')) return false;
    box.focus();
  }

  mountShortcuts({
    dialog: $('#keys-dialog'),
    rows: $('#keys-rows'),
    opener: $('#keys-open'),
    shortcuts: [
      { keys: ['r'], label: 'keys.replyHere', run: reply },
      { keys: ['j'], label: 'keys.nextInQueue', run: () => go(1) },
      { keys: ['k'], label: 'keys.prevInQueue', run: () => go(-1) },
      { keys: ['u'], label: 'keys.backToQueue', run: () => location.assign(from) },
    ],
  });
  const back = $('#back-link');
  if (back) back.setAttribute('href', from);
  if (location.hash === '#reply') reply();
  else if (location.hash === '#assign') {
    const group = $('#assign-group');
    if (group) group.focus();
  }
}
