// The organization's API keys: list, create (shown once, with a copy button), revoke. Managing keys
// takes a key of the whole organization; signed in with a narrower one, the API's 403 says so here.
import { api, h, notice, fmtTime, state, badge, ApiError } from './core.js';
import { field, onSubmit, ok, showError, busy, shownOnce } from './forms.js';

function workspaceName(id) {
  if (!id) return 'All workspaces';
  return state.session.workspaces.find(w => w.workspace_id === id)?.name || id;
}

export function apiKeysSection(ctx) {
  const body = h('div', { class: 'keys-body' });
  const rows = h('tbody');
  const name = h('input', { id: 'key-name', name: 'name', type: 'text', autocomplete: 'off' });
  const scope = h('select', { id: 'key-scope', name: 'workspace_id' },
    h('option', { value: '' }, 'All workspaces of the organization'),
    state.session.workspaces.map(w => h('option', { value: w.workspace_id }, `Only ${w.name || w.workspace_id}`)));
  const expires = h('input', { id: 'key-expires', name: 'expires_at', type: 'date' });
  const created = h('div', { class: 'secret-area' });
  let createdId = null;
  const form = h('form', { novalidate: true, class: 'create-key' },
    h('h3', {}, 'Create a key'),
    h('div', { class: 'key-fields' },
      field('Name', name, 'Who or what uses it, like "billing service".'),
      field('Works in', scope),
      field('Expires (optional)', expires, 'At 00:00 UTC that day.')),
    h('button', { type: 'submit', class: 'primary' }, 'Create key'),
    created);

  async function load() {
    let data;
    try {
      data = await api('GET', '/v1/admin/api-keys');
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) {
        body.replaceChildren(notice('info', e.message));
        return;
      }
      throw e;
    }
    if (ctx.left) return;
    rows.replaceChildren(...data.items.map(row));
    body.replaceChildren(h('div', { class: 'table-wrap' }, h('table', { class: 'responsive' },
      h('caption', { class: 'sr-only' }, 'API keys of the organization'),
      h('thead', {}, h('tr', {}, ['Name', 'Starts with', 'Works in', 'Created', 'Last used', 'Expires', 'Status', '']
        .map(t => h('th', { scope: 'col' }, t)))), rows)), form);
  }

  function row(k) {
    const mine = k.api_key_id === state.session.api_key_id;
    const expired = k.expires_at && new Date(k.expires_at) <= new Date();
    let action = '';
    if (!k.revoked_at) {
      action = h('button', { type: 'button', class: 'link' }, 'Revoke', h('span', { class: 'sr-only' }, ` ${k.name}`));
      action.addEventListener('click', () => busy(action, async () => {
        const warning = mine ? ' This dashboard is signed in with it: you will be signed out.' : '';
        if (!confirm(`Revoke the key “${k.name}”? Every request with it is refused from now on.${warning}`)) return;
        try {
          await api('DELETE', `/v1/admin/api-keys/${k.api_key_id}`);
          if (k.api_key_id === createdId) created.replaceChildren(); // no use storing it now
          await load();
          ok(form, `Key “${k.name}” revoked.`);
        } catch (e) {
          showError(e, form);
        }
      }));
    }
    return h('tr', {},
      h('td', { 'data-label': 'Name' }, k.name, mine ? h('span', { class: 'help' }, ' (this session)') : null),
      h('td', { 'data-label': 'Starts with', class: 'mono' }, `${k.prefix}…`),
      h('td', { 'data-label': 'Works in' }, workspaceName(k.workspace_id)),
      h('td', { 'data-label': 'Created' }, fmtTime(k.created_at)),
      h('td', { 'data-label': 'Last used' }, k.last_used_at ? fmtTime(k.last_used_at) : 'never'),
      h('td', { 'data-label': 'Expires' }, k.expires_at ? fmtTime(k.expires_at) : 'never'),
      h('td', { 'data-label': 'Status' }, badge(k.revoked_at ? 'revoked' : expired ? 'expired' : 'active')),
      h('td', { 'data-label': '' }, action));
  }

  onSubmit(form, async () => {
    const req = { name: name.value };
    if (scope.value) req.workspace_id = scope.value;
    if (expires.value) req.expires_at = `${expires.value}T00:00:00Z`;
    const key = await api('POST', '/v1/admin/api-keys', req);
    createdId = key.api_key_id;
    form.reset();
    await load();
    created.replaceChildren(shownOnce('New API key', key.api_key,
      `Shown only this once: store it now (a secret manager, your application's settings). The list shows only its start, ${key.prefix}.`));
  });

  load().catch(e => body.replaceChildren(notice('error', e.message)));
  return h('section', { class: 'card', 'aria-labelledby': 'keys-title' },
    h('h2', { id: 'keys-title' }, 'API keys'),
    h('p', { class: 'help' }, 'Keys of the organization for the API and this dashboard. To rotate one: create the new key, move your application to it, revoke the old one once its last use stops moving.'),
    body);
}
