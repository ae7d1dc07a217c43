// The workspace's do-not-call list: add numbers, page through it, take a number off.
import { api, h, notice, fmtTime, announce } from './core.js';
import { field, onSubmit, ok, showError, busy, items } from './forms.js';

const PAGE = 20;

export function dncSection(ctx) {
  const text = h('textarea', { name: 'numbers', rows: 3, class: 'short', spellcheck: 'false', autocomplete: 'off' });
  const form = h('form', { novalidate: true, class: 'inline-add' },
    field('Numbers to add', text, 'E.164, like +14155550123: one per line, or separated by commas.'),
    h('button', { type: 'submit', class: 'primary' }, 'Add to the list'));
  const rows = h('tbody');
  const listArea = h('div', { class: 'list-area' });
  const prev = h('button', { type: 'button' }, 'Previous page');
  const next = h('button', { type: 'button' }, 'Next page');
  const where = h('span', { class: 'help', 'aria-live': 'polite' });
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'responsive' },
    h('caption', { class: 'sr-only' }, 'Numbers on the do-not-call list, newest first'),
    h('thead', {}, h('tr', {}, ['Number', 'Added by', 'Added', ''].map(t => h('th', { scope: 'col' }, t)))), rows));
  // Cursors of the pages seen so far: the first page has none.
  const cursors = [null];
  let page = 0;

  async function load() {
    const c = cursors[page];
    const data = await api('GET', `/v1/admin/dnc?limit=${PAGE}${c ? `&cursor=${encodeURIComponent(c)}` : ''}`);
    if (ctx.left) return;
    cursors[page + 1] = data.next_cursor;
    rows.replaceChildren(...data.items.map(row));
    listArea.replaceChildren(data.items.length || page > 0 ? table : h('p', { class: 'empty' }, 'No numbers on the list.'));
    prev.hidden = page === 0;
    next.hidden = !data.has_more;
    where.textContent = page > 0 || data.has_more ? `Page ${page + 1}` : '';
  }

  function row(entry) {
    const remove = h('button', { type: 'button', class: 'link' }, 'Remove', h('span', { class: 'sr-only' }, ` ${entry.number}`));
    remove.addEventListener('click', () => busy(remove, async () => {
      if (!confirm(`Take ${entry.number} off the do-not-call list? It can be called again.`)) return;
      try {
        await api('DELETE', `/v1/admin/dnc/${encodeURIComponent(entry.number)}`);
        await load();
        ok(form, `${entry.number} removed from the do-not-call list.`);
        form.querySelector('textarea').focus();
      } catch (e) {
        showError(e, form);
      }
    }));
    const source = entry.call_id ? h('span', {}, entry.source, ' (', h('a', { href: `#/calls/${entry.call_id}` }, 'call'), ')') : entry.source;
    return h('tr', {},
      h('td', { 'data-label': 'Number', class: 'mono' }, entry.number),
      h('td', { 'data-label': 'Added by' }, source),
      h('td', { 'data-label': 'Added' }, fmtTime(entry.created_at)),
      h('td', { 'data-label': '' }, remove));
  }

  onSubmit(form, async () => {
    const added = await api('POST', '/v1/admin/dnc', { numbers: items(text.value) });
    text.value = '';
    ok(form, `${added.added} added to the do-not-call list${added.numbers > added.added
      ? `; ${added.numbers - added.added} were on it already or repeated` : ''}.`);
    page = 0;
    await load();
  }, fieldName => (fieldName.startsWith('numbers') ? text : null));

  prev.addEventListener('click', () => busy(prev, async () => { page -= 1; await load(); announce(`Page ${page + 1}`); }));
  next.addEventListener('click', () => busy(next, async () => { page += 1; await load(); announce(`Page ${page + 1}`); }));
  load().catch(e => listArea.replaceChildren(notice('error', e.message)));

  return h('section', { class: 'card', 'aria-labelledby': 'dnc-title' },
    h('h2', { id: 'dnc-title' }, 'Do-not-call list'),
    h('p', { class: 'help' }, 'Calls to these numbers are refused (403). Callees who opt out during a call are added here.'),
    form, listArea, h('div', { class: 'pager actions' }, prev, next, where));
}
