// saved-views.js - the queue's saved views (issue 15): a menu of my views
// and of those shared with my groups (GET /views), each a link to
// /agent?view=ID&<its query> (so a view can be bookmarked, and the page
// lists GET /tickets?<its query>); "Save view" keeps the current search
// and filters under a name, private or shared with one of my groups
// (POST /views); my own views (and, for an admin, the shared ones) can be
// renamed, re-shared, given the current filters (PATCH) or deleted, the
// delete asking for a second press (DELETE).
//
// The server checks a view's query by the list's own rules and keeps it
// in a normal form; its refusals are shown as it words them.

import { api } from './api.js';
import { $, fieldError, fill, h, say } from './dom.js';
import { t } from './i18n.js';
import { errorText } from './layout.js';

/** The page address of a view: its id and its query. */
export function viewHref(v) {
  const a = new URLSearchParams();
  a.set('view', String(v.id));
  for (const [k, val] of new URLSearchParams(v.query)) a.append(k, val);
  return '/agent?' + a;
}

/** Mount the menu and the dialog. opts: me (my user), query() (the
 *  current list's query string, to save), active() (the id of the view
 *  shown, or null), select(view) (show a view). Returns {load, find,
 *  render}. */
export function mountSavedViews({ me, query, active, select }) {
  const menu = $('#views-menu');
  const msg = $('#views-msg');
  const dialog = $('#view-dialog');
  const form = $('#view-form');
  const dmsg = $('#view-msg');
  const name = form.elements.name;
  let views = [];
  let shareable = null;
  let editing = null; // the view being renamed, or null for a new one
  let back = null;
  const mayChange = (v) => v.mine || (me.role === 'admin' && v.group_id);

  function item(v) {
    const link = h('a', {
      href: viewHref(v),
      class: 'view-link',
      text: v.name,
      'aria-current': v.id === active() ? 'true' : null,
      on: {
        click: (e) => {
          if (e.ctrlKey || e.metaKey || e.shiftKey || e.button) return; // a new tab or window
          e.preventDefault();
          menu.open = false;
          select(v);
        },
      },
    });
    const who = v.mine ? (v.group_id ? t('savedViews.sharedWith', { group: v.group_name }) : null) : t('savedViews.by', { owner: v.owner_name, group: v.group_name || '' });
    const tools = !mayChange(v)
      ? null
      : h(
          'span',
          { class: 'view-tools' },
          h('button', { type: 'button', class: 'btn-link small', text: t('savedViews.rename'), 'aria-label': t('savedViews.renameOf', { name: v.name }), on: { click: (e) => open(v, e.currentTarget) } }),
          h('button', {
            type: 'button',
            class: 'btn-link small view-delete',
            text: t('savedViews.delete'),
            'aria-label': t('savedViews.deleteOf', { name: v.name }),
            on: { click: (e) => remove(v, e.currentTarget) },
          }),
        );
    return h('li', { dataset: { id: String(v.id) } }, link, who ? h('span', { class: 'muted small', text: ' ' + who }) : null, tools);
  }

  function render() {
    const mine = views.filter((v) => v.mine);
    const shared = views.filter((v) => !v.mine);
    fill($('#my-views'), mine.length ? mine.map(item) : h('li', { class: 'muted', text: t('savedViews.noneMine') }));
    fill($('#shared-views'), shared.length ? shared.map(item) : h('li', { class: 'muted', text: t('savedViews.noneShared') }));
    $('#views-menu-count').textContent = views.length ? '(' + views.length + ')' : '';
  }

  async function load() {
    try {
      views = (await api('GET', '/views')).views || [];
      say(msg, '');
    } catch (err) {
      say(msg, errorText(err), 'error');
    }
    render();
  }

  const find = (id) => views.find((v) => v.id === id) || null;

  async function remove(v, button) {
    if (button.dataset.armed !== 'true') {
      button.dataset.armed = 'true';
      button.textContent = t('savedViews.deleteConfirm', { name: v.name });
      button.removeAttribute('aria-label');
      return;
    }
    try {
      await api('DELETE', '/views/' + v.id);
      await load();
      say(msg, t('savedViews.deleted', { name: v.name }), 'ok');
      menu.querySelector('summary').focus();
    } catch (err) {
      say(msg, errorText(err), 'error');
    }
  }

  /** My groups, to share with (an admin's: every group). */
  async function groups() {
    if (!shareable) {
      const g = (await api('GET', '/groups')).groups || [];
      shareable = me.role === 'admin' ? g : g.filter((x) => (x.members || []).some((m) => m.id === me.id));
    }
    return shareable;
  }

  /** The dialog, for a new view (v null) or to change v. */
  async function open(v, opener) {
    editing = v;
    back = opener;
    say(dmsg, '');
    fieldError(name, '');
    let list = [];
    try {
      list = await groups();
    } catch (err) {
      say(dmsg, errorText(err), 'error');
    }
    fill(
      form.elements.group_id,
      h('option', { value: '', text: t('savedViews.private') }),
      list.map((g) => h('option', { value: String(g.id), text: g.name })),
    );
    if (v && v.group_id && !list.some((g) => g.id === v.group_id))
      form.elements.group_id.append(h('option', { value: String(v.group_id), text: v.group_name }));
    name.value = v ? v.name : '';
    form.elements.group_id.value = v && v.group_id ? String(v.group_id) : '';
    form.elements.requery.checked = false;
    $('#view-requery-row').hidden = !v;
    $('#view-query').textContent = v ? v.query || '—' : query() || '—';
    $('#view-dialog-title').textContent = t(v ? 'savedViews.editTitle' : 'savedViews.saveTitle');
    if (!dialog.open) dialog.showModal();
    name.focus();
  }

  form.elements.requery.addEventListener('change', () => {
    $('#view-query').textContent = (form.elements.requery.checked ? query() : editing.query) || '—';
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    say(dmsg, '');
    fieldError(name, '');
    const n = name.value.trim();
    if (!n) {
      fieldError(name, t('field.requiredEmpty'));
      name.focus();
      return;
    }
    const group = Number(form.elements.group_id.value) || null;
    const body = editing ? { name: n, group_id: group } : { name: n, query: query(), group_id: group };
    if (editing && form.elements.requery.checked) body.query = query();
    const button = $('#view-submit');
    button.disabled = true;
    try {
      const v = editing ? await api('PATCH', '/views/' + editing.id, body) : await api('POST', '/views', body);
      dialog.close();
      await load();
      say(msg, t(editing ? 'savedViews.changed' : 'savedViews.saved', { name: v.name }), 'ok');
      if (!editing || body.query || active() === v.id) select(v);
    } catch (err) {
      if (err.status === 409) fieldError(name, errorText(err));
      else say(dmsg, errorText(err), 'error');
      (err.status === 409 ? name : dmsg).focus();
    } finally {
      button.disabled = false;
    }
  });
  $('#view-cancel').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    const to = back && back.isConnected ? back : $('#save-view');
    back = null;
    to.focus();
  });
  $('#save-view').addEventListener('click', (e) => open(null, e.currentTarget));

  // The menu closes on Escape and on a click elsewhere, like a menu.
  menu.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && menu.open) {
      e.preventDefault();
      menu.open = false;
      menu.querySelector('summary').focus();
    }
  });
  document.addEventListener('click', (e) => {
    if (menu.open && !menu.contains(e.target)) menu.open = false;
  });

  return { load, find, render };
}
