// Provider API keys of the workspace (OpenAI, Deepgram, ElevenLabs): which are set and which key calls
// use; set one through a password input (cleared once saved), delete one. A key is never shown.
import { api, h, notice, fmtTime } from './core.js';
import { field, onSubmit, ok, showError, busy } from './forms.js';

const SOURCE = {
  workspace: 'this workspace\'s key',
  node: 'the node\'s key',
  none: 'none: calls that need one are refused',
};

export function credentialsSection(ctx) {
  const rows = h('tbody');
  const listArea = h('div', { class: 'list-area' });
  const provider = h('select', { id: 'credential-provider', name: 'provider' });
  const key = h('input', { id: 'credential-key', name: 'api_key', type: 'password', autocomplete: 'new-password', spellcheck: 'false' });
  const baseUrl = h('input', { id: 'credential-base-url', name: 'base_url', type: 'url', autocomplete: 'off', spellcheck: 'false' });
  const form = h('form', { novalidate: true, class: 'set-credential' },
    h('h3', {}, 'Set a key'),
    h('div', { class: 'credential-fields' },
      field('Provider', provider),
      field('API key', key, 'Stored encrypted; never shown again, here or in the API.'),
      field('Only for this server (optional)', baseUrl, 'A base URL (a self-hosted or compatible server): the key is then sent there only.')),
    h('button', { type: 'submit', class: 'primary' }, 'Save key'));

  async function load() {
    const data = await api('GET', '/v1/admin/credentials');
    if (ctx.left) return;
    rows.replaceChildren(...data.items.map(row));
    listArea.replaceChildren(h('div', { class: 'table-wrap' }, h('table', { class: 'responsive' },
      h('caption', { class: 'sr-only' }, 'Provider keys of this workspace'),
      h('thead', {}, h('tr', {}, ['Provider', 'Workspace key', 'Calls use', ''].map(t => h('th', { scope: 'col' }, t)))), rows)));
    if (!provider.options.length) provider.append(...data.items.map(c => h('option', { value: c.provider }, c.provider)));
  }

  function row(c) {
    let action = '';
    if (c.workspace_key) {
      action = h('button', { type: 'button', class: 'link' }, 'Delete', h('span', { class: 'sr-only' }, ` the ${c.provider} key`));
      action.addEventListener('click', () => busy(action, async () => {
        if (!confirm(`Delete this workspace's ${c.provider} key?`)) return;
        try {
          const after = await api('DELETE', `/v1/admin/credentials/${c.provider}`);
          await load();
          ok(form, `The ${c.provider} key is deleted; calls use ${SOURCE[after.source]}.`);
        } catch (e) {
          showError(e, form);
        }
      }));
    }
    const set = c.workspace_key
      ? `set ${fmtTime(c.set_at)}${c.base_url ? `, for ${c.base_url} only` : ''}`
      : 'not set';
    return h('tr', {},
      h('td', { 'data-label': 'Provider' }, c.provider),
      h('td', { 'data-label': 'Workspace key' }, set),
      h('td', { 'data-label': 'Calls use' }, SOURCE[c.source] || c.source),
      h('td', { 'data-label': '' }, action));
  }

  onSubmit(form, async () => {
    const body = { api_key: key.value };
    if (baseUrl.value.trim()) body.base_url = baseUrl.value.trim();
    const saved = await api('PUT', `/v1/admin/credentials/${provider.value}`, body);
    key.value = '';
    baseUrl.value = '';
    await load();
    ok(form, `The ${saved.provider} key is saved; calls use ${SOURCE[saved.source]}.`);
  });

  load().catch(e => listArea.replaceChildren(notice('error', e.message)));
  return h('section', { class: 'card', 'aria-labelledby': 'credentials-title' },
    h('h2', { id: 'credentials-title' }, 'Provider keys'),
    h('p', { class: 'help' }, 'Keys for the network providers an assistant may use. Without one, calls use the node\'s key if it has one.'),
    listArea, form);
}
