// The calls list (#/calls): the workspace's calls, newest first, kept live by polling the first page.
// Filters live in the hash (#/calls?status=completed&number=%2B14155550123) so a filtered list can be
// reloaded and linked. A poll changes only the cells whose content changed, so focus, scroll and a
// screen reader's place survive it; new calls appear at the top.
import { api, h, heading, notice, announce, fmtTime, fmtDuration, badge, fieldError, ApiError } from './core.js';
import { STATUSES, callee, talkSeconds, queueText, assistantNames } from './call-common.js';

export { callPage } from './call-page.js';

const PAGE = 25;
const POLL_MS = 1500;
/** A date typed into a field applies after this pause (or on Enter, or on leaving the field). */
const DATE_TYPING_MS = 700;
const FILTERS = ['status', 'assistant', 'from', 'to', 'number'];
const DAYS = new Set(['from', 'to']);
/** Which control an API error's field belongs to. */
const FIELD_CONTROL = { status: 'status', assistant_id: 'assistant', created_after: 'from', created_before: 'to', to_number: 'number' };

export async function callsPage(ctx) {
  heading(ctx, 'Calls');
  let filters = readFilters();
  let names = await assistantNames().catch(() => new Map());
  const rows = new CallRows(names);
  let cursor = null;
  let generation = 0;
  let refused = false;

  const problem = h('div', { class: 'calls-problem' });
  const empty = h('p', { class: 'empty', hidden: true });
  const more = h('button', { type: 'button', class: 'load-more', hidden: true }, 'Load more');
  const form = filterForm(filters, names, next => {
    if (ctx.left) return; // a typed day applied after a pause, once another page is open: not that page's address
    filters = next;
    writeFilters(filters);
    rows.clear();
    cursor = null;
    generation++;
    refused = false;
    refresh({ announceCount: true });
  });

  async function fetchPage(limit, after) {
    const q = apiQuery(filters);
    q.set('limit', String(limit));
    if (after) q.set('cursor', after);
    return api('GET', `/v1/admin/assistant/calls?${q}`);
  }

  function showRefusal(e) {
    for (const control of Object.values(FIELD_CONTROL)) fieldError(form.elements[control], null);
    const control = e instanceof ApiError && e.status === 400 ? form.elements[FIELD_CONTROL[e.field]] : null;
    if (control) fieldError(control, e.message);
    problem.replaceChildren(notice('error', control ? 'A filter was refused: see the message under it.' : `Could not load the calls: ${e.message}`));
  }

  /** The first rows again (as many as are shown, up to 100), merged into the table. */
  async function refresh({ announceCount = false } = {}) {
    if (refused) return;
    const mine = generation;
    const shown = rows.size();
    let data;
    try {
      data = await fetchPage(Math.min(100, Math.max(PAGE, shown)), null);
    } catch (e) {
      if (mine !== generation) return;
      if (e instanceof ApiError && e.status === 400) refused = true;
      showRefusal(e);
      return;
    }
    if (mine !== generation) return;
    if (problem.firstChild) {
      problem.replaceChildren();
      for (const control of Object.values(FIELD_CONTROL)) fieldError(form.elements[control], null);
    }
    names = await assistantNames(data.items.map(c => c.assistant_id)).catch(() => names);
    if (mine !== generation) return;
    rows.names = names;
    rows.merge(data.items, data.has_more);
    if (shown <= data.items.length || cursor === null) {
      cursor = data.next_cursor;
      more.hidden = !data.has_more;
    }
    empty.hidden = rows.size() > 0;
    empty.textContent = Object.keys(filters).length ? 'No calls match these filters.'
      : 'No calls yet. Place one from an assistant\'s page, or with POST /v1/admin/assistant/call.';
    if (announceCount) announce(`${rows.size()}${data.has_more ? ' or more' : ''} calls shown`);
  }

  more.addEventListener('click', async () => {
    const mine = generation;
    more.disabled = true;
    try {
      const data = await fetchPage(PAGE, cursor);
      if (mine !== generation) return;
      const added = rows.append(data.items);
      cursor = data.next_cursor;
      more.hidden = !data.has_more;
      // The keyboard goes on from the first call loaded (the button may be gone).
      added[0]?.querySelector('a')?.focus();
      announce(`${added.length} more calls shown`);
    } catch (e) {
      showRefusal(e);
    } finally {
      more.disabled = false;
    }
  });

  ctx.root.append(
    form,
    problem,
    h('div', { class: 'table-wrap' }, rows.table),
    empty,
    h('div', { class: 'list-foot' }, more));
  ctx.every(POLL_MS, () => refresh());
}

function readFilters() {
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  const f = {};
  for (const k of FILTERS) {
    const v = q.get(k);
    // A day the date field could not hold (an edited link) is dropped, not sent as an invalid time.
    if (v && (!DAYS.has(k) || /^\d{4,6}-\d{2}-\d{2}$/.test(v))) f[k] = v;
  }
  return f;
}

/** Keeps the filters in the address without a hashchange (which would rebuild the page and lose focus). */
function writeFilters(f) {
  const q = new URLSearchParams();
  for (const k of FILTERS) if (f[k]) q.set(k, f[k]);
  const s = q.toString();
  history.replaceState(null, '', `#/calls${s ? `?${s}` : ''}`);
}

/** The dates are the user's own days: from its first moment to the end of the "to" day. */
function apiQuery(f) {
  const q = new URLSearchParams();
  if (f.status) q.set('status', f.status);
  if (f.assistant) q.set('assistant_id', f.assistant);
  if (f.number) q.set('to_number', f.number);
  if (f.from) q.set('created_after', localDay(f.from, 0).toISOString());
  if (f.to) q.set('created_before', localDay(f.to, 1).toISOString());
  return q;
}

function localDay(isoDate, plusDays) {
  const [y, m, d] = isoDate.split('-').map(Number);
  const day = new Date(2000, 0, 1);
  day.setFullYear(y, m - 1, d + plusDays); // new Date(y, ...) would read the years 0 to 99 as 1900 to 1999
  return day;
}

function filterForm(filters, names, apply) {
  const field = (id, text, control) => h('div', { class: 'filter' }, h('label', { for: id }, text), control);
  const status = h('select', { id: 'filter-status', name: 'status' },
    h('option', { value: '' }, 'Any status'),
    STATUSES.map(s => h('option', { value: s }, s)));
  const assistant = h('select', { id: 'filter-assistant', name: 'assistant' },
    h('option', { value: '' }, 'Any assistant'),
    [...names].sort((a, b) => a[1].localeCompare(b[1])).map(([id, name]) => h('option', { value: id }, name)));
  if (filters.assistant && !names.has(filters.assistant)) assistant.append(h('option', { value: filters.assistant }, filters.assistant));
  const from = h('input', { id: 'filter-from', name: 'from', type: 'date' });
  const to = h('input', { id: 'filter-to', name: 'to', type: 'date' });
  const number = h('input', { id: 'filter-number', name: 'number', type: 'tel', inputmode: 'tel', autocomplete: 'off',
    placeholder: '+14155550123' });
  for (const [k, el] of Object.entries({ status, assistant, from, to, number })) el.value = filters[k] || '';

  const form = h('form', { class: 'card filters', role: 'search', 'aria-label': 'Filter calls' },
    field('filter-status', 'Status', status),
    field('filter-assistant', 'Assistant', assistant),
    field('filter-from', 'From date', from),
    field('filter-to', 'To date', to),
    field('filter-number', 'Number called', number),
    h('div', { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h('button', { type: 'button', class: 'link', onclick: () => { form.reset(); submit(); } }, 'Clear filters')));

  let applied = JSON.stringify(filters);
  let typing;
  function submit() {
    clearTimeout(typing);
    // Spaces, dashes and brackets people type into numbers; the API wants E.164 and says so.
    number.value = number.value.replace(/[\s().-]/g, '');
    const next = {};
    for (const k of FILTERS) if (form.elements[k].value) next[k] = form.elements[k].value;
    if (JSON.stringify(next) === applied) return;
    applied = JSON.stringify(next);
    apply(next);
  }
  form.addEventListener('submit', ev => { ev.preventDefault(); submit(); });
  for (const el of [status, assistant, number]) el.addEventListener('change', submit);
  // Chrome fires "change" at every key typed into a date field: each digit of the year (0002, 0020,
  // 0202, 2026) would load the list again. A pause applies the day, as do Enter and leaving the field.
  for (const el of [from, to]) {
    el.addEventListener('change', () => {
      clearTimeout(typing);
      typing = setTimeout(submit, DATE_TYPING_MS);
    });
    el.addEventListener('blur', submit);
  }
  return form;
}

const COLUMNS = ['Status', 'To', 'Assistant', 'Started', 'Duration', 'Ended reason', 'Answered by'];

/**
 * The table's rows by call id. Each cell keeps the text it was built from; a merge rebuilds only the
 * cells whose text changed and inserts new calls above the ones already shown.
 */
class CallRows {
  constructor(names) {
    this.names = names;
    this.byId = new Map();
    this.tbody = h('tbody');
    this.table = h('table', { class: 'responsive calls-table' },
      h('caption', { class: 'sr-only' }, 'Calls, newest first'),
      h('thead', {}, h('tr', {}, COLUMNS.map(c => h('th', { scope: 'col' }, c)))),
      this.tbody);
  }

  size() {
    return this.byId.size;
  }

  clear() {
    this.byId.clear();
    this.tbody.replaceChildren();
  }

  /**
   * A fresh first page: updates the rows it holds, adds new ones in its order, and drops rows the
   * page now skips (a call that left the filtered status) up to its last row, or all of them when
   * it was the whole list.
   */
  merge(items, hasMore) {
    const seen = new Set(items.map(c => c.call_id));
    const last = items.length ? this.byId.get(items[items.length - 1].call_id)?.tr : null;
    for (const tr of [...this.tbody.rows]) {
      if (seen.has(tr.dataset.callId)) {
        if (tr === last) break;
        continue;
      }
      if (!hasMore || last) {
        tr.remove();
        this.byId.delete(tr.dataset.callId);
      }
    }
    let anchor = this.tbody.firstElementChild;
    for (const c of items) {
      const row = this.byId.get(c.call_id);
      if (row) {
        this.update(row, c);
        anchor = row.tr.nextElementSibling;
      } else {
        const tr = this.build(c);
        this.tbody.insertBefore(tr, anchor);
      }
    }
  }

  /** The next page, below what is shown (calls shown already, moved down by new ones, are skipped). */
  append(items) {
    const added = items.filter(c => !this.byId.has(c.call_id)).map(c => this.build(c));
    this.tbody.append(...added);
    return added;
  }

  build(c) {
    const tr = h('tr', { dataset: { callId: c.call_id } });
    const row = { tr, keys: [] };
    this.byId.set(c.call_id, row);
    // The whole row opens the call for a pointer; the link in "To" is the keyboard's way.
    tr.addEventListener('click', ev => {
      if (!ev.target.closest('a') && !window.getSelection().toString()) location.hash = `#/calls/${c.call_id}`;
    });
    for (const label of COLUMNS) tr.append(h('td', { 'data-label': label }));
    this.update(row, c);
    return tr;
  }

  update(row, c) {
    const cells = this.cells(c);
    cells.forEach(([key, render], i) => {
      if (row.keys[i] === key) return;
      row.keys[i] = key;
      row.tr.cells[i].replaceChildren(...[render()].flat().filter(n => n !== null && n !== undefined));
    });
  }

  /** Each cell as [the text it shows, how to build it]. */
  cells(c) {
    const waits = c.status === 'queued' ? queueText(c.queue) : null;
    const name = this.names.get(c.assistant_id) || c.assistant_id;
    const started = c.started_at ? fmtTime(c.started_at) : `created ${fmtTime(c.created_at)}`;
    const duration = fmtDuration(talkSeconds(c));
    const who = c.answered_by ? c.answered_by.who : '—';
    return [
      [`${c.status}|${waits}`, () => [badge(c.status), waits ? h('span', { class: 'waits' }, waits) : null]],
      [callee(c), () => h('a', { href: `#/calls/${c.call_id}`, class: 'call-link' }, callee(c))],
      [name, () => name],
      [started, () => c.started_at ? h('time', { datetime: c.started_at }, started) : h('span', { class: 'muted' }, started)],
      [duration, () => duration],
      [c.ended_reason || '—', () => c.ended_reason || '—'],
      [who, () => who],
    ];
  }
}
