// What every page shares: the API client (session cookie + CSRF header), a DOM builder that never
// parses strings as HTML, formatting, and timers that stop when the page changes.

export const state = { session: null, workspaceId: null };

/** An error envelope from the API, kept whole so a form can show the message next to its field. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code || `http_${status}`;
    this.field = body?.error?.field || null;
    this.details = body?.error || {};
  }
}

export const SESSION_PATH = '/v1/dashboard/session';

/**
 * Calls the API as the signed-in session; resolves to the envelope's data. A change refused for a
 * stale CSRF token (another tab signed in again and replaced the cookie) re-reads the session and is
 * sent once more with its token. A 401 is reported as 'parley:unauthorized' with the workspace the
 * request named, for the frame to find out what ended: the session, or that workspace.
 */
export async function api(method, path, body, { workspace = true, raw = false } = {}) {
  const workspaceId = workspace ? state.workspaceId : null;
  let res = await send(method, path, body, workspaceId);
  if (res.status === 403 && changes(method) && state.session && await csrfRefused(res) && await renewSession()) {
    res = await send(method, path, body, workspaceId);
  }
  if (raw) {
    if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
    return res;
  }
  const json = await res.json().catch(() => null);
  if (!res.ok || !json || json.success === false) {
    if (res.status === 401 && state.session && path !== SESSION_PATH) {
      window.dispatchEvent(new CustomEvent('parley:unauthorized', { detail: { message: json?.message, workspaceId } }));
    }
    throw new ApiError(res.status, json);
  }
  return json.data;
}

const changes = method => method !== 'GET' && method !== 'HEAD';

function send(method, path, body, workspaceId) {
  const headers = { Accept: 'application/json' };
  if (workspaceId) headers.workspace = workspaceId;
  if (changes(method) && state.session) headers['X-CSRF-Token'] = state.session.csrf_token;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  return fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
}

async function csrfRefused(res) {
  const json = await res.clone().json().catch(() => null);
  return json?.error?.code === 'csrf_token_invalid';
}

/** The cookie's session as the server knows it now; false (and reported as a 401) when it has ended. */
async function renewSession() {
  try {
    state.session = await api('GET', SESSION_PATH, undefined, { workspace: false });
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      window.dispatchEvent(new CustomEvent('parley:unauthorized', { detail: { message: e.message, workspaceId: state.workspaceId } }));
    }
    return false;
  }
  window.dispatchEvent(new CustomEvent('parley:session-renewed'));
  return true;
}

/**
 * h('button', {type: 'button', onclick: fn, class: 'x'}, 'text', child...): builds an element.
 * Text is always a text node, so nothing a caller said (transcripts, names) can become markup.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** An SVG element (charts): attributes set as given. */
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

/** Tells screen-reader users what changed (saved, call placed, error). */
export function announce(text) {
  const region = document.getElementById('announce');
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 50);
}

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

/** A status as a coloured badge with its word (colour is never the only signal). */
export function badge(status) {
  return h('span', { class: `badge status-${status}` }, status || '—');
}

/** A message shown next to a form or at the top of a page; role=alert for errors. */
export function notice(kind, text) {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

/**
 * What a page gets: its root element and timers cleared when the user leaves it, so a list that
 * refreshes every second stops refreshing once another page is open.
 */
export class PageContext {
  constructor(root) {
    this.root = root;
    this.timers = [];
    this.cleanups = [];
    this.left = false;
  }

  /** Runs fn now and then every ms while the page is open and the tab visible. */
  every(ms, fn) {
    const tick = async () => {
      if (this.left) return;
      if (document.visibilityState === 'visible') {
        try { await fn(); } catch (e) { console.warn(e); }
      }
      if (!this.left) this.timers.push(setTimeout(tick, ms));
    };
    tick();
  }

  onLeave(fn) { this.cleanups.push(fn); }

  leave() {
    this.left = true;
    this.timers.forEach(clearTimeout);
    this.cleanups.forEach(fn => { try { fn(); } catch (e) { console.warn(e); } });
  }
}

/** Sets the page's title and heading; focus moves to the heading so keyboard users start there. */
export function heading(ctx, text, ...actions) {
  document.title = `${text} · Parley`;
  const h1 = h('h1', { tabindex: '-1' }, text);
  ctx.root.append(h('div', { class: 'page-head' }, h1, actions.length ? h('div', { class: 'actions' }, actions) : null));
  h1.focus();
  return h1;
}

/** Shows a field's API message under it (aria-describedby) and marks it invalid. */
export function fieldError(input, message) {
  const id = `${input.id || input.name}-error`;
  let p = document.getElementById(id);
  if (!message) {
    if (p) p.remove();
    input.removeAttribute('aria-invalid');
    // A reference to the removed message would dangle.
    if (input.getAttribute('aria-describedby') === id) input.removeAttribute('aria-describedby');
    return;
  }
  if (!p) {
    p = h('p', { id, class: 'field-error', role: 'alert' });
    input.insertAdjacentElement('afterend', p);
  }
  p.textContent = message;
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', id);
}
