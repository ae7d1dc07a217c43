// The workspace page: its name, what uses each limit now (refreshed live), the limits, calling hours,
// destinations and opt-out, webhooks and the signing secret; then its lists, each in its own module.
import { api, h, heading, state, fmtTime } from './core.js';
import { field, onSubmit, ok, shownOnce, showError, busy, items } from './forms.js';
import { enumOf } from './schema.js';
import { dncSection } from './dnc.js';
import { numbersSection } from './numbers.js';
import { credentialsSection } from './credentials.js';
import { apiKeysSection } from './api-keys.js';

const REFRESH_MS = 2000;

export async function workspacePage(ctx) {
  const [ws, numberTypes] = await Promise.all([api('GET', '/v1/admin/workspace'),
    enumOf('PatchWorkspace', 'blocked_number_types')]);
  if (ctx.left) return;
  const h1 = heading(ctx, ws.name);
  const usage = h('dl', { class: 'usage' });
  showUsage(usage, ws.capacity);
  ctx.root.append(
    h('div', { class: 'grid' },
      section('Now in use', h('p', { class: 'help' }, `Refreshed every ${REFRESH_MS / 1000} s while this page is open.`), usage),
      nameSection(ws, h1),
      webhookSection(ws)),
    h('div', { class: 'grid' },
      limitsSection(ws, usage),
      callingHoursSection(ws),
      destinationsSection(ws, numberTypes)),
    dncSection(ctx),
    numbersSection(ctx),
    credentialsSection(ctx),
    apiKeysSection(ctx));
  ctx.every(REFRESH_MS, async () => {
    const now = await api('GET', '/v1/admin/workspace');
    if (!ctx.left) showUsage(usage, now.capacity);
  });
}

function section(title, ...children) {
  return h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title), children);
}

const count = n => (n === null || n === undefined ? '—' : Number(n).toLocaleString());

/** One limit: its words ("3 of 10") and a meter; no cap reads "no cap", never a bar. */
function used(label, inUse, limit, extra) {
  const words = limit === null || limit === undefined ? `${count(inUse)} (no cap)` : `${count(inUse)} of ${count(limit)}`;
  const dd = h('dd', {}, h('span', { class: 'amount' }, words), extra ? h('span', { class: 'help' }, ` ${extra}`) : null);
  if (limit) {
    dd.append(h('meter', { min: 0, max: limit, value: Math.min(inUse, limit), high: limit * 0.8, optimum: 0, 'aria-label': `${label}: ${words}` }));
  }
  return [h('dt', {}, label), dd];
}

function showUsage(dl, c) {
  const m = c.call_minutes_today;
  dl.replaceChildren(
    ...used('Concurrent calls', c.concurrent_calls.in_use, c.concurrent_calls.limit),
    ...used('Calls in the last second', c.calls_last_second.in_use, c.calls_last_second.limit),
    ...used('Calls today', c.calls_today.in_use, c.calls_today.limit),
    ...used('Call minutes today', m.in_use, m.limit, `(${count(m.used)} used, ${count(m.reserved)} held by calls not ended)`),
    h('dt', {}, 'Queued calls'), h('dd', {}, count(c.queued_calls)),
    h('dt', {}, 'Day resets'), h('dd', {}, fmtTime(c.day_resets_at)));
}

/** Renaming takes a key of the whole organization; a scoped key gets the API's 403 message. */
function nameSection(ws, h1) {
  const name = h('input', { name: 'name', type: 'text', value: ws.name, autocomplete: 'off' });
  const form = h('form', { novalidate: true },
    h('dl', { class: 'facts' }, h('dt', {}, 'Workspace id'), h('dd', { class: 'mono' }, ws.workspace_id),
      h('dt', {}, 'Organization id'), h('dd', { class: 'mono' }, ws.organization_id)),
    field('Name', name),
    h('button', { type: 'submit' }, 'Rename'));
  onSubmit(form, async () => {
    const renamed = await api('PATCH', `/v1/admin/workspaces/${ws.workspace_id}`, { name: name.value });
    h1.textContent = renamed.name;
    document.title = `${renamed.name} · Parley`;
    const listed = state.session.workspaces.find(w => w.workspace_id === ws.workspace_id);
    if (listed) listed.name = renamed.name;
    const option = [...document.getElementById('workspace-select').options].find(o => o.value === ws.workspace_id);
    if (option) option.textContent = renamed.name;
    ok(form, 'Renamed.');
  });
  return section('Workspace', form);
}

/** A whole number, else the text as typed so the API says what is wrong with it. */
function integer(text) {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : t;
}

function limitsSection(ws, usage) {
  const l = ws.limits;
  const input = (key, value) => h('input', { name: `limits.${key}`, type: 'text', inputmode: 'numeric', value: value ?? '', autocomplete: 'off' });
  const concurrent = input('max_concurrent_calls', l.max_concurrent_calls);
  const perSecond = input('calls_per_second', l.calls_per_second);
  const perDay = input('max_calls_per_day', l.max_calls_per_day);
  const minutes = input('max_call_minutes_per_day', l.max_call_minutes_per_day);
  const form = h('form', { novalidate: true },
    field('Calls at once', concurrent, 'More wait queued.'),
    field('Calls started per second', perSecond),
    field('Calls per day', perDay, 'A UTC day; empty for no cap. Over it a call is refused (429).'),
    field('Call minutes per day', minutes, 'Each call holds its maximum duration plus a minute until it ends; empty for no cap.'),
    h('button', { type: 'submit', class: 'primary' }, 'Save limits'));
  onSubmit(form, async () => {
    const cap = el => (el.value.trim() === '' ? null : integer(el.value));
    const saved = await api('PATCH', '/v1/admin/workspace', { limits: {
      max_concurrent_calls: integer(concurrent.value), calls_per_second: integer(perSecond.value),
      max_calls_per_day: cap(perDay), max_call_minutes_per_day: cap(minutes) } });
    showUsage(usage, saved.capacity);
    ok(form, 'Limits saved.');
  });
  return section('Limits', form);
}

function callingHoursSection(ws) {
  const w = ws.calling_window;
  const on = h('input', { type: 'radio', name: 'calling_window_on', id: 'calling-window-on', value: 'on', checked: w !== null });
  const off = h('input', { type: 'radio', name: 'calling_window_on', id: 'calling-window-off', value: 'off', checked: w === null });
  const start = h('input', { name: 'calling_window.start', type: 'text', inputmode: 'numeric', value: w?.start || '08:00', autocomplete: 'off', class: 'time' });
  const end = h('input', { name: 'calling_window.end', type: 'text', inputmode: 'numeric', value: w?.end || '21:00', autocomplete: 'off', class: 'time' });
  const sandbox = h('input', { type: 'checkbox', name: 'calling_window_applies_to_sandbox', checked: ws.calling_window_applies_to_sandbox });
  const times = h('div', { class: 'times' }, field('From', start), field('Until', end));
  const sync = () => { start.disabled = end.disabled = off.checked; };
  on.addEventListener('change', sync);
  off.addEventListener('change', sync);
  sync();
  const form = h('form', { novalidate: true },
    h('fieldset', { class: 'choices' }, h('legend', {}, 'When calls may ring'),
      h('div', { class: 'choice' }, on, h('label', { for: on.id }, 'Only within calling hours, in the callee\'s local time (HH:MM)')),
      times,
      h('div', { class: 'choice' }, off, h('label', { for: off.id }, 'At any hour'))),
    field('Calling hours apply to sandbox softphones too', sandbox),
    h('button', { type: 'submit', class: 'primary' }, 'Save calling hours'));
  onSubmit(form, async () => {
    const saved = await api('PATCH', '/v1/admin/workspace', {
      calling_window: on.checked ? { start: start.value.trim(), end: end.value.trim() } : null,
      calling_window_applies_to_sandbox: sandbox.checked });
    ok(form, saved.calling_window
      ? `Calls ring from ${saved.calling_window.start} until ${saved.calling_window.end}, the callee's time; others wait for the next opening.`
      : 'Calls ring at any hour.');
  });
  return section('Calling hours', form);
}

function destinationsSection(ws, numberTypes) {
  const countries = h('input', { name: 'allowed_countries', type: 'text', value: ws.allowed_countries.join(', '), autocomplete: 'off', spellcheck: 'false' });
  const types = numberTypes.map(t => h('input', { type: 'checkbox', name: 'blocked_number_types', value: t,
    id: `blocked-${t}`, checked: ws.blocked_number_types.includes(t) }));
  const key = h('input', { name: 'opt_out.dtmf', type: 'text', value: ws.opt_out?.dtmf ?? '', maxlength: 1, autocomplete: 'off', class: 'key' });
  const phrases = h('textarea', { name: 'opt_out.phrases', rows: 3, class: 'short' });
  phrases.value = (ws.opt_out?.phrases || []).join('\n');
  const form = h('form', { novalidate: true },
    field('Allowed countries', countries, 'ISO codes like US, GB, DE, separated by commas; empty allows every country.'),
    h('fieldset', { class: 'choices types' }, h('legend', {}, 'Blocked kinds of number'),
      types.map(t => h('div', { class: 'choice' }, t, h('label', { for: t.id }, t.value)))),
    field('Opt-out key', key, 'The key a callee presses to be put on the do-not-call list; empty for none.'),
    field('Opt-out phrases', phrases, 'One per line: saying one puts the callee on the do-not-call list.'),
    h('button', { type: 'submit', class: 'primary' }, 'Save destinations and opt-out'));
  onSubmit(form, async () => {
    await api('PATCH', '/v1/admin/workspace', {
      allowed_countries: items(countries.value),
      blocked_number_types: types.filter(t => t.checked).map(t => t.value),
      opt_out: { dtmf: key.value.trim() || null, phrases: phrases.value.split('\n').map(s => s.trim()).filter(Boolean) } });
    ok(form, 'Saved.');
  });
  return section('Destinations and opt-out', form);
}

/**
 * The default webhook URL, and the signing secret's rotation. The secret is shown only right after
 * rotating (the rotation's answer carries it), never otherwise on this page.
 */
function webhookSection(ws) {
  const url = h('input', { name: 'webhook_url', type: 'url', value: ws.webhook_url || '', autocomplete: 'off', spellcheck: 'false', placeholder: 'https://example.com/parley-events' });
  const form = h('form', { novalidate: true },
    field('Webhook URL', url, 'Where call events go when neither the call nor its assistant names a URL; empty for none.'),
    h('button', { type: 'submit', class: 'primary' }, 'Save webhook URL'));
  onSubmit(form, async () => {
    await api('PATCH', '/v1/admin/workspace', { webhook_url: url.value.trim() || null });
    ok(form, 'Webhook URL saved.');
  });
  const overlap = h('p', { class: 'help' });
  const showOverlap = until => {
    overlap.textContent = until ? `The previous secret is still accepted until ${fmtTime(until)}.` : '';
  };
  showOverlap(ws.previous_signing_secret_valid_until);
  // The API never shows the secret again after a rotation; its last characters tell receivers' copies apart.
  const current = h('p', {});
  const showHint = hint => {
    current.textContent = `The current secret ends in ${hint.replace(/^whsec_/, '')}. It was shown once, when it was made; rotate to get a new one.`;
  };
  showHint(ws.webhook_signing_secret_hint);
  const rotate = h('button', { type: 'button' }, 'Rotate signing secret');
  const secretArea = h('div', { class: 'secret-area' });
  rotate.addEventListener('click', () => busy(rotate, async () => {
    if (!confirm('Rotate the webhook signing secret? Receivers must switch to the new one within 24 hours.')) return;
    try {
      const rotated = await api('POST', '/v1/admin/workspace/webhook-secret/rotate');
      showOverlap(rotated.previous_signing_secret_valid_until);
      showHint(rotated.webhook_signing_secret_hint);
      secretArea.replaceChildren(shownOnce('New signing secret', rotated.webhook_signing_secret,
        'Shown only now: put it in your webhook receiver. The previous secret stays valid for 24 hours'
        + (rotated.previous_signing_secret_valid_until ? ` (until ${fmtTime(rotated.previous_signing_secret_valid_until)})` : '')
        + ', and deliveries carry both signatures meanwhile, so receivers switch without dropping an event.'));
    } catch (e) {
      showError(e, secretArea);
    }
  }));
  return section('Webhooks', form,
    h('h3', {}, 'Signing secret'),
    h('p', { class: 'help' }, 'Every delivery is signed with it (the Parley-Signature header), so receivers know it came from here.'),
    current, overlap, rotate, secretArea);
}
