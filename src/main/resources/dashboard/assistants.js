// Assistants: the workspace's list, and one assistant's page: edit (form + JSON editor), enable or
// disable, delete, place a call to a number, talk to it in the browser.
import { api, h, heading, notice, announce, badge, fmtTime, ApiError } from './core.js';
import { assistantEditor, mergePatch } from './assistant-form.js';
import { field, showFieldError, showError, clearErrors, ok, busy, onSubmit } from './forms.js';

/** A confirmation carried to the next page (after a create or a delete the page changes). */
let flash = null;

function takeFlash(ctx) {
  if (flash) ctx.root.append(notice('ok', flash));
  flash = null;
}

function enabledBadge(enabled) {
  return badge(enabled ? 'enabled' : 'disabled');
}

function part(p, key) {
  if (!p) return '—';
  return p[key] ? `${p.provider} · ${p[key]}` : p.provider;
}

export async function assistantsPage(ctx) {
  heading(ctx, 'Assistants', h('a', { class: 'button primary', href: '#/assistants/new' }, 'New assistant'));
  takeFlash(ctx);
  const rows = h('tbody');
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'responsive assistants' },
    h('caption', { class: 'sr-only' }, 'Assistants of this workspace, newest first'),
    h('thead', {}, h('tr', {}, ['Name', 'Status', 'Model', 'Voice', 'Transcriber', 'Updated'].map(t => h('th', { scope: 'col' }, t)))),
    rows));
  const more = h('button', { type: 'button', hidden: true }, 'Show more');
  ctx.root.append(table, more);
  let cursor = null;
  async function load() {
    const page = await api('GET', `/v1/admin/assistant?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (ctx.left) return;
    for (const a of page.items) {
      const c = a.config || {};
      rows.append(h('tr', {},
        h('td', { 'data-label': 'Name' }, h('a', { href: `#/assistants/${a.assistant_id}` }, a.name)),
        h('td', { 'data-label': 'Status' }, enabledBadge(a.enabled)),
        h('td', { 'data-label': 'Model' }, part(c.model, 'model')),
        h('td', { 'data-label': 'Voice' }, part(c.voice, 'voiceId')),
        h('td', { 'data-label': 'Transcriber' }, part(c.transcriber, 'model')),
        h('td', { 'data-label': 'Updated' }, fmtTime(a.updated_at))));
    }
    cursor = page.next_cursor;
    more.hidden = !page.has_more;
    if (!rows.children.length) {
      table.replaceWith(h('p', { class: 'empty' }, 'No assistants in this workspace yet. ',
        h('a', { href: '#/assistants/new' }, 'Create one.')));
    }
  }
  more.addEventListener('click', () => busy(more, load));
  await load();
}

export async function assistantPage(ctx, id) {
  const isNew = id === 'new';
  let current = isNew ? { name: '', config: {} } : await api('GET', `/v1/admin/assistant/${id}`);
  if (ctx.left) return;
  const editor = await assistantEditor(current);
  if (ctx.left) return;

  const pageNotice = h('div', { class: 'page-notice' });
  let h1;
  if (isNew) {
    h1 = heading(ctx, 'New assistant');
  } else {
    const status = h('span', { class: 'status' }, enabledBadge(current.enabled));
    const toggle = h('button', { type: 'button' }, current.enabled ? 'Disable' : 'Enable');
    toggle.addEventListener('click', () => busy(toggle, async () => {
      try {
        current = await api('PATCH', `/v1/admin/assistant/${id}`, { enabled: !current.enabled });
        status.replaceChildren(enabledBadge(current.enabled));
        toggle.textContent = current.enabled ? 'Disable' : 'Enable';
        ok(pageNotice, current.enabled ? 'Enabled: it places calls again.'
          : 'Disabled: calls to it are refused (409) until it is enabled again.');
      } catch (e) {
        showError(e, pageNotice);
      }
    }));
    const remove = h('button', { type: 'button', class: 'danger' }, 'Delete');
    remove.addEventListener('click', () => busy(remove, async () => {
      if (!confirm(`Delete the assistant “${current.name}”? Calls it already placed keep their records; new calls to it are refused.`)) return;
      try {
        await api('DELETE', `/v1/admin/assistant/${id}`);
        flash = `Assistant “${current.name}” deleted.`;
        location.hash = '#/assistants';
      } catch (e) {
        showError(e, pageNotice);
      }
    }));
    h1 = heading(ctx, current.name, status, toggle,
      h('a', { class: 'button', href: `#/test-call/${id}` }, 'Talk to it in the browser'), remove);
  }
  takeFlash(ctx);
  ctx.root.append(pageNotice);
  if (!isNew) ctx.root.append(callCard(current));

  const save = h('button', { type: 'submit', class: 'primary' }, isNew ? 'Create assistant' : 'Save changes');
  const form = h('form', { class: 'card assistant-form', novalidate: true, 'aria-label': 'Assistant settings' },
    h('h2', {}, 'Settings'),
    editor.element,
    h('div', { class: 'form-notice' }),
    h('div', { class: 'actions' }, save, h('a', { class: 'button', href: '#/assistants' }, 'Back to the list')));
  ctx.root.append(form);
  if (isNew) editor.nameInput.focus();

  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    clearErrors(form);
    const value = editor.value();
    if (!value) return; // the JSON's syntax error is shown next to it
    try {
      await busy(save, async () => {
        if (isNew) {
          const created = await api('POST', '/v1/admin/assistant', value);
          flash = `Assistant “${value.name}” created.`;
          location.hash = `#/assistants/${created.assistant_id}`;
          return;
        }
        const body = { config: mergePatch(current.config, value.config) };
        if (value.name !== current.name) body.name = value.name;
        current = await api('PATCH', `/v1/admin/assistant/${id}`, body);
        editor.reset(current);
        h1.textContent = current.name;
        document.title = `${current.name} · Parley`;
        ok(form, 'Saved.');
      });
    } catch (e) {
      placeError(e);
    }
  });

  /** The API's message next to the field it names; a config path not on the form goes to the JSON editor. */
  function placeError(e) {
    if (!(e instanceof ApiError) || !e.field || !(e.field === 'name' || e.field.startsWith('config'))) {
      showError(e, form);
      return;
    }
    const control = editor.controlFor(e.field);
    const onJson = control === editor.json && e.field !== 'config' && !e.message.includes(e.field);
    showFieldError(control, onJson ? `${e.field}: ${e.message}` : e.message);
    control.focus();
    announce(e.message);
  }
}

/** "Call a number": the number, the variables its flow needs (and any others), then the call's page. */
function callCard(assistant) {
  const to = h('input', { name: 'to_number', type: 'tel', autocomplete: 'off', spellcheck: 'false', placeholder: '+14155550123' });
  const required = (assistant.required_variables || []).map(name => {
    const input = h('input', { name: `variables.${name}`, type: 'text', autocomplete: 'off' });
    return { name, input, el: field(`{{${name}}}`, input) };
  });
  const extra = h('div', { class: 'extra-variables' });
  const addVariable = h('button', { type: 'button', class: 'link' }, 'Add a variable');
  addVariable.addEventListener('click', () => {
    const key = h('input', { type: 'text', autocomplete: 'off', class: 'var-name' });
    const value = h('input', { type: 'text', autocomplete: 'off', class: 'var-value' });
    key.addEventListener('input', () => { value.name = `variables.${key.value.trim()}`; });
    const row = h('div', { class: 'variable-row' }, field('Variable name', key), field('Value', value),
      h('button', { type: 'button', class: 'link', onclick: () => { row.remove(); addVariable.focus(); } }, 'Remove'));
    extra.append(row);
    key.focus();
  });
  const form = h('form', { class: 'card call-form', novalidate: true, 'aria-labelledby': 'call-a-number' },
    h('h2', { id: 'call-a-number' }, 'Call a number'),
    h('div', { class: 'call-fields' },
      field('Phone number (E.164)', to, 'With the country code, like +14155550123.'),
      required.length ? h('div', { class: 'required-variables' },
        h('p', { class: 'help' }, 'Its flow uses these variables:'), required.map(r => r.el)) : null),
    extra,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Place call'), addVariable),
    h('div', { class: 'form-notice' }));
  onSubmit(form, async () => {
    const variables = {};
    for (const r of required) if (r.input.value !== '') variables[r.name] = r.input.value;
    for (const row of extra.querySelectorAll('.variable-row')) {
      const k = row.querySelector('.var-name').value.trim();
      if (k) variables[k] = row.querySelector('.var-value').value;
    }
    const body = { assistant_id: assistant.assistant_id, to_number: to.value.trim() };
    if (Object.keys(variables).length) body.variables = variables;
    const call = await api('POST', '/v1/admin/assistant/call', body);
    announce(`Call ${call.call_id} ${call.status}`);
    location.hash = `#/calls/${call.call_id}`;
  });
  return form;
}
