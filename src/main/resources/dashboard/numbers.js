// The workspace's phone numbers and the carriers behind them. Secrets (trunk password, Twilio auth
// token and key secret, Telnyx API key) go in through password inputs and never come back: the API
// answers has_* flags, and the form is cleared once a number is added.
import { api, h, notice } from './core.js';
import { field, onSubmit, ok, showError, busy } from './forms.js';

/** What each carrier takes, as the API names it (a SIP trunk's fields sit under "trunk."). */
const CARRIERS = {
  sip: { label: 'SIP trunk', fields: [
    ['trunk.host', 'Trunk host', 'text', 'A host name or IP address.'],
    ['trunk.port', 'Port', 'text', 'Empty: 5060.'],
    ['trunk.transport', 'Transport', 'select:udp,tcp'],
    ['trunk.username', 'Username', 'text', 'For digest authentication; empty if the trunk trusts this address.'],
    ['trunk.password', 'Password', 'password'],
  ] },
  twilio: { label: 'Twilio', fields: [
    ['account_sid', 'Account SID', 'text', 'AC followed by 32 characters (Console, Account Info).'],
    ['auth_token', 'Auth token', 'password', 'Twilio signs its callbacks with it.'],
    ['api_key_sid', 'API key SID', 'text', 'Optional: SK…, to place calls with an API key.'],
    ['api_key_secret', 'API key secret', 'password', 'With the API key SID.'],
  ] },
  telnyx: { label: 'Telnyx', fields: [
    ['api_key', 'API key', 'password', 'A Telnyx API v2 key: KEY…'],
    ['connection_id', 'Call Control application id', 'text'],
    ['public_key', 'Webhook public key', 'text', 'Base64, from Keys & Credentials: it verifies Telnyx\'s webhooks.'],
  ] },
};

function control(provider, [name, , kind]) {
  const id = `number-${provider}-${name.replace('.', '-')}`;
  if (kind.startsWith('select:')) return h('select', { id, name }, kind.slice(7).split(',').map(v => h('option', { value: v }, v)));
  return h('input', { id, name, type: kind, autocomplete: kind === 'password' ? 'new-password' : 'off', spellcheck: 'false' });
}

function details(n) {
  switch (n.provider) {
    case 'sip': {
      const t = n.trunk || {};
      return `${t.host}:${t.port} (${t.transport})${t.username ? `, user ${t.username}` : ''}${t.has_password ? ', password set' : ''}`;
    }
    case 'twilio':
      return `account ${n.account_sid}${n.has_auth_token ? ', auth token set' : ''}${n.api_key_sid ? `, key ${n.api_key_sid}` : ''}`;
    case 'telnyx':
      return `application ${n.connection_id}${n.has_api_key ? ', API key set' : ''}`;
    default:
      return '';
  }
}

export function numbersSection(ctx) {
  const rows = h('tbody');
  const listArea = h('div', { class: 'list-area' });
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'responsive' },
    h('caption', { class: 'sr-only' }, 'Phone numbers of this workspace'),
    h('thead', {}, h('tr', {}, ['Number', 'Carrier', 'Default', 'Details', ''].map(t => h('th', { scope: 'col' }, t)))), rows));

  async function load() {
    const data = await api('GET', '/v1/admin/phone-number');
    if (ctx.left) return;
    rows.replaceChildren(...data.items.map(row));
    listArea.replaceChildren(data.items.length ? table
      : h('p', { class: 'empty' }, 'No numbers yet: calls go out through the sandbox or the node\'s SIP trunk.'));
  }

  function row(n) {
    const remove = h('button', { type: 'button', class: 'link' }, 'Delete', h('span', { class: 'sr-only' }, ` ${n.number}`));
    remove.addEventListener('click', () => busy(remove, async () => {
      if (!confirm(`Delete the number ${n.number}? Calls from it can no longer be placed.`)) return;
      try {
        await api('DELETE', `/v1/admin/phone-number/${n.phone_number_id}`);
        await load();
        ok(form, `${n.number} deleted.`);
      } catch (e) {
        showError(e, form);
      }
    }));
    return h('tr', {},
      h('td', { 'data-label': 'Number', class: 'mono' }, n.number),
      h('td', { 'data-label': 'Carrier' }, CARRIERS[n.provider]?.label || n.provider),
      h('td', { 'data-label': 'Default' }, n.is_default ? 'yes' : 'no'),
      h('td', { 'data-label': 'Details' }, details(n)),
      h('td', { 'data-label': '' }, remove));
  }

  const provider = h('select', { id: 'number-provider', name: 'provider' },
    Object.entries(CARRIERS).map(([v, c]) => h('option', { value: v }, c.label)));
  const number = h('input', { id: 'number-number', name: 'number', type: 'tel', autocomplete: 'off', placeholder: '+14155550123' });
  const isDefault = h('input', { id: 'number-default', name: 'default', type: 'checkbox' });
  const groups = Object.fromEntries(Object.entries(CARRIERS).map(([p, c]) => {
    const controls = c.fields.map(f => [f[0], control(p, f), f]);
    const group = h('fieldset', { class: 'carrier' }, h('legend', {}, `${c.label} settings`),
      controls.map(([, el, f]) => field(f[1], el, f[3])));
    return [p, { group, controls }];
  }));
  const showCarrier = () => {
    for (const [p, g] of Object.entries(groups)) {
      g.group.hidden = p !== provider.value;
      g.group.disabled = p !== provider.value;
    }
  };
  provider.addEventListener('change', showCarrier);
  showCarrier();
  const form = h('form', { novalidate: true, class: 'add-number' },
    h('h3', {}, 'Add a number'),
    h('div', { class: 'number-common' }, field('Carrier', provider), field('Number (E.164)', number),
      field('Default caller id for calls that name none', isDefault)),
    Object.values(groups).map(g => g.group),
    h('button', { type: 'submit', class: 'primary' }, 'Add number'));

  onSubmit(form, async () => {
    const p = provider.value;
    const body = { number: number.value.trim() };
    if (p !== 'sip') body.provider = p;
    if (isDefault.checked) body.default = true;
    for (const [name, el] of groups[p].controls) {
      const v = el.type === 'password' ? el.value : el.value.trim(); // a secret is taken as pasted
      if (v === '') continue;
      if (name.startsWith('trunk.')) {
        body.trunk = body.trunk || {};
        body.trunk[name.slice(6)] = name === 'trunk.port' && /^\d+$/.test(v) ? Number(v) : v;
      } else {
        body[name] = v;
      }
    }
    if (p === 'sip' && !body.trunk) body.trunk = {};
    const added = await api('POST', '/v1/admin/phone-number', body);
    form.reset();
    showCarrier();
    await load();
    ok(form, `${added.number} added.`);
  }, name => {
    if (name === 'number' || name === 'default') return form.querySelector(`[name="${name}"]`);
    const match = groups[provider.value].controls.find(([n]) => n === name);
    return match ? match[1] : null;
  });

  load().catch(e => listArea.replaceChildren(notice('error', e.message)));
  return h('section', { class: 'card', 'aria-labelledby': 'numbers-title' },
    h('h2', { id: 'numbers-title' }, 'Phone numbers'),
    h('p', { class: 'help' }, 'Numbers calls are placed from, and the carrier behind each. Secrets are stored encrypted and never shown again.'),
    listArea, form);
}
