// The dashboard's frame: sign-in, the workspace picker and a hash router (#/calls, #/calls/<id>, ...).
// Pages live in their own modules and get a PageContext; they talk to the API like any client.
import { api, state, h, heading, notice, PageContext, ApiError } from './core.js';
import { callsPage, callPage } from './calls.js';
import { assistantsPage, assistantPage } from './assistants.js';
import { testCallPage } from './webcall.js';
import { workspacePage } from './workspace.js';

const WORKSPACE_KEY = 'parley.workspace';
const main = document.getElementById('main');
let current = null;

const routes = [
  [/^#\/calls$/, ctx => callsPage(ctx)],
  [/^#\/calls\/([A-Za-z0-9_]+)$/, (ctx, id) => callPage(ctx, id)],
  [/^#\/assistants$/, ctx => assistantsPage(ctx)],
  [/^#\/assistants\/(new|[A-Za-z0-9_]+)$/, (ctx, id) => assistantPage(ctx, id)],
  [/^#\/test-call$/, ctx => testCallPage(ctx, null)],
  [/^#\/test-call\/([A-Za-z0-9_]+)$/, (ctx, id) => testCallPage(ctx, id)],
  [/^#\/workspace$/, ctx => workspacePage(ctx)],
];

async function render() {
  if (current) current.leave();
  main.replaceChildren();
  if (!state.session) {
    signInPage();
    return;
  }
  let hash = location.hash.split('?')[0];
  if (!hash || hash === '#' || hash === '#/') {
    location.replace('#/calls');
    return;
  }
  const ctx = new PageContext(main);
  current = ctx;
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

function signInPage() {
  document.getElementById('top').hidden = true;
  document.title = 'Sign in · Parley';
  const input = h('input', { id: 'api-key', name: 'api_key', type: 'password', autocomplete: 'off', required: true,
    spellcheck: 'false', placeholder: 'prl_…', 'aria-describedby': 'api-key-help' });
  const error = h('div', { id: 'sign-in-error' });
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
      state.session = await api('POST', '/v1/dashboard/session', { api_key: input.value }, { workspace: false });
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

function afterSignIn() {
  const workspaces = state.session.workspaces;
  const saved = localStorage.getItem(WORKSPACE_KEY);
  state.workspaceId = workspaces.some(w => w.workspace_id === saved) ? saved : workspaces[0]?.workspace_id;
  const select = document.getElementById('workspace-select');
  select.replaceChildren(...workspaces.map(w => h('option', { value: w.workspace_id }, w.name || w.workspace_id)));
  select.value = state.workspaceId || '';
  document.getElementById('top').hidden = false;
  render();
}

document.getElementById('workspace-select').addEventListener('change', ev => {
  state.workspaceId = ev.target.value;
  localStorage.setItem(WORKSPACE_KEY, state.workspaceId);
  if (location.hash.startsWith('#/calls/') || location.hash.startsWith('#/assistants/')) {
    location.hash = location.hash.startsWith('#/calls/') ? '#/calls' : '#/assistants';
  } else {
    render();
  }
});

document.getElementById('sign-out').addEventListener('click', async () => {
  try { await api('DELETE', '/v1/dashboard/session', undefined, { workspace: false }); } catch (e) { /* signed out anyway */ }
  state.session = null;
  render();
});

// The skip link's "#main" would be taken for a route (a "Not found" page): it moves the focus to the page's heading instead.
document.querySelector('a.skip').addEventListener('click', ev => {
  ev.preventDefault();
  (main.querySelector('h1') || main).focus();
});

window.addEventListener('parley:signed-out', () => {
  state.session = null;
  render();
});
window.addEventListener('hashchange', render);

(async () => {
  try {
    state.session = await api('GET', '/v1/dashboard/session', undefined, { workspace: false });
    afterSignIn();
  } catch (e) {
    state.session = null;
    render();
  }
})();
