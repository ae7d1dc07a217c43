// The dashboard's frame: sign-in, the workspace picker and a hash router (#/calls, #/calls/<id>, ...).
// Pages live in their own modules and get a PageContext; they talk to the API like any client.
import { api, state, h, heading, notice, announce, PageContext, ApiError, SESSION_PATH } from './core.js';
import { callsPage, callPage } from './calls.js';
import { assistantsPage, assistantPage } from './assistants.js';
import { testCallPage } from './webcall.js';
import { workspacePage } from './workspace.js';

const WORKSPACE_KEY = 'parley.workspace';
const main = document.getElementById('main');
let current = null;
/** Said once at the top of the next page shown: why the frame switched workspace. */
let pendingNotice = null;

const routes = [
  [/^#\/calls$/, ctx => callsPage(ctx)],
  [/^#\/calls\/([A-Za-z0-9_]+)$/, (ctx, id) => callPage(ctx, id)],
  [/^#\/assistants$/, ctx => assistantsPage(ctx)],
  [/^#\/assistants\/(new|[A-Za-z0-9_]+)$/, (ctx, id) => assistantPage(ctx, id)],
  [/^#\/test-call$/, ctx => testCallPage(ctx, null)],
  [/^#\/test-call\/([A-Za-z0-9_]+)$/, (ctx, id) => testCallPage(ctx, id)],
  [/^#\/workspace$/, ctx => workspacePage(ctx)],
];

async function render(signInMessage) {
  if (current) current.leave();
  current = null;
  main.replaceChildren();
  if (!state.session) {
    signInPage(signInMessage);
    return;
  }
  let hash = location.hash.split('?')[0];
  if (!hash || hash === '#' || hash === '#/') {
    location.replace('#/calls');
    return;
  }
  const ctx = new PageContext(main);
  current = ctx;
  if (pendingNotice) {
    main.append(notice('info', pendingNotice));
    announce(pendingNotice);
    pendingNotice = null;
  }
  for (const a of document.querySelectorAll('[data-nav]')) {
    const on = hash.startsWith(`#/${a.dataset.nav}`);
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  for (const [re, page] of routes) {
    const m = hash.match(re);
    if (m) {
      try {
        await page(ctx, ...m.slice(1));
      } catch (e) {
        if (!ctx.left) main.append(notice('error', e instanceof ApiError ? e.message : `Something went wrong: ${e.message}`));
      }
      return;
    }
  }
  heading(ctx, 'Not found');
  main.append(h('p', {}, 'There is no such page. ', h('a', { href: '#/calls' }, 'See the calls.')));
}

/** The sign-in form; `message` says why an earlier session ended. */
function signInPage(message) {
  document.getElementById('top').hidden = true;
  document.title = 'Sign in · Parley';
  const input = h('input', { id: 'api-key', name: 'api_key', type: 'password', autocomplete: 'off', required: true,
    spellcheck: 'false', placeholder: 'prl_…', 'aria-describedby': 'api-key-help' });
  const error = h('div', { id: 'sign-in-error' }, message ? notice('error', message) : null);
  const form = h('form', { class: 'card sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title', tabindex: '-1' }, 'Sign in to Parley'),
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h('p', { id: 'api-key-help', class: 'help' },
      'Paste an API key: ', h('code', {}, 'parley serve'), ' prints one at first start; ',
      h('code', {}, 'parley keys create'), ' makes more. The key is not stored in the browser.'),
    error,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    error.replaceChildren();
    try {
      state.session = await api('POST', SESSION_PATH, { api_key: input.value }, { workspace: false });
      input.value = '';
      afterSignIn();
    } catch (e) {
      error.append(notice('error', e.message));
      input.focus();
    }
  });
  main.append(form);
  input.focus();
}

/** Shows the frame for the session just read; `note` says why the workspace changed, if it did. */
function afterSignIn(note) {
  chooseWorkspace();
  fillPicker();
  document.getElementById('top').hidden = false;
  pendingNotice = note || null;
  if (note && (location.hash.startsWith('#/calls/') || location.hash.startsWith('#/assistants/'))) {
    location.hash = location.hash.startsWith('#/calls/') ? '#/calls' : '#/assistants'; // an item of the workspace left
  } else {
    render();
  }
}

/** The workspace open now if the session still reaches it, else the one last picked here, else the first. */
function chooseWorkspace() {
  const workspaces = state.session.workspaces;
  const saved = localStorage.getItem(WORKSPACE_KEY);
  const stay = [state.workspaceId, saved].find(id => workspaces.some(w => w.workspace_id === id));
  state.workspaceId = stay || workspaces[0]?.workspace_id;
  return workspaces.find(w => w.workspace_id === state.workspaceId);
}

function fillPicker() {
  const select = document.getElementById('workspace-select');
  select.replaceChildren(...state.session.workspaces.map(w => h('option', { value: w.workspace_id }, w.name || w.workspace_id)));
  select.value = state.workspaceId || '';
}

function signedOut(message) {
  state.session = null;
  state.workspaceId = null;
  render(message);
}

/** Why reading the session failed, for the sign-in form: nothing when there was no session to begin with. */
function whyEnded(e) {
  if (e instanceof ApiError && e.code === 'not_signed_in') return null;
  if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return `Your session ended: ${e.message}`;
  return `Could not check the session: ${reason(e)}`;
}

/** The API's message, or what kept the request from reaching Parley at all. */
const reason = e => (e instanceof ApiError ? e.message : `Parley could not be reached (${e.message})`);

/**
 * A request got 401: the session has ended (its key revoked or expired, signed out in another tab),
 * or the workspace the request named is gone (deleted by someone else). The session, read again, tells
 * which: the sign-in form then says why, or the page moves to a workspace the key still reaches.
 */
async function recover({ workspaceId }) {
  const lost = state.session.workspaces.find(w => w.workspace_id === workspaceId);
  try {
    state.session = await api('GET', SESSION_PATH, undefined, { workspace: false });
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) signedOut(whyEnded(e));
    return;
  }
  const gone = workspaceId && !state.session.workspaces.some(w => w.workspace_id === workspaceId);
  if (!gone || workspaceId !== state.workspaceId) {
    // Still there (the page shows the API's message itself), or a late answer for a workspace already left.
    fillPicker();
    return;
  }
  const next = chooseWorkspace();
  afterSignIn(`The workspace ${lost ? `"${lost.name}"` : workspaceId} is no longer available: it was deleted, or this`
    + ` key no longer reaches it. Showing "${next.name || next.workspace_id}".`);
}

let recovering = null;
window.addEventListener('parley:unauthorized', ev => {
  if (state.session && !recovering) recovering = recover(ev.detail).finally(() => { recovering = null; });
});
window.addEventListener('parley:session-renewed', () => {
  if (state.session) fillPicker();
});

document.getElementById('workspace-select').addEventListener('change', ev => {
  state.workspaceId = ev.target.value;
  localStorage.setItem(WORKSPACE_KEY, state.workspaceId);
  if (location.hash.startsWith('#/calls/') || location.hash.startsWith('#/assistants/')) {
    location.hash = location.hash.startsWith('#/calls/') ? '#/calls' : '#/assistants';
  } else {
    render();
  }
});

// A sign-out that failed leaves the cookie working: say so, rather than show a form that only looks signed out.
document.getElementById('sign-out').addEventListener('click', async () => {
  try {
    await api('DELETE', SESSION_PATH, undefined, { workspace: false });
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) { // a 401: there was no session left to end
      main.querySelector('.sign-out-failed')?.remove();
      const failed = notice('error', `Signing out failed, so you are still signed in: ${reason(e)}. Try again.`);
      failed.classList.add('sign-out-failed');
      main.prepend(failed);
      return;
    }
  }
  signedOut(null);
});

// The skip link's "#main" would be taken for a route (a "Not found" page): it moves the focus to the page's heading instead.
document.querySelector('a.skip').addEventListener('click', ev => {
  ev.preventDefault();
  (main.querySelector('h1') || main).focus();
});

window.addEventListener('hashchange', () => render());

(async () => {
  try {
    state.session = await api('GET', SESSION_PATH, undefined, { workspace: false });
  } catch (e) {
    signedOut(whyEnded(e));
    return;
  }
  afterSignIn();
})();
