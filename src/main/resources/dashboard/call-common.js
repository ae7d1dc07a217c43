// What the calls list and the call page both say about a call: who was called, by which assistant,
// and whether it can still change.
import { api, state } from './core.js';

export const STATUSES = ['queued', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled'];
const FINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

export function isFinal(status) {
  return FINAL.has(status);
}

/** The far end: the number called, or "Browser" for a test call from the dashboard (no number). */
export function callee(call) {
  if (call.channel === 'web' || !call.to_number) return 'Browser';
  return call.to_number;
}

/** Talk time in seconds: the API's once ended, counted from the answer while the call is live. */
export function talkSeconds(call, now = Date.now()) {
  if (call.duration_seconds !== null && call.duration_seconds !== undefined) return call.duration_seconds;
  if (call.answered_at && !call.ended_at) return Math.max(0, (now - Date.parse(call.answered_at)) / 1000);
  return null;
}

const QUEUE_REASONS = {
  concurrency: 'waits for a free line (max concurrent calls)',
  rate: 'waits for the calls-per-second limit',
  calling_hours: "waits for the callee's calling hours",
  scheduled: 'scheduled',
  retry: 'waits to be retried',
  dialer: 'about to be dialed',
};

/** Why a queued call waits, in words, with its place in line when known. */
export function queueText(queue) {
  if (!queue) return null;
  const why = QUEUE_REASONS[queue.reason] || queue.reason;
  return queue.position ? `#${queue.position} in line, ${why}` : why;
}

// Assistant names by id, per workspace: the call views carry only the id. Fetched again when a
// call names an assistant not looked for yet (one created since the page opened); an id still
// missing after that (a deleted assistant) is remembered, so polls do not fetch for it again.
const names = new Map();

/** @param ids the assistants the caller is about to show */
export async function assistantNames(ids = []) {
  const ws = state.workspaceId;
  let cached = names.get(ws);
  if (!cached || ids.some(id => !cached.byId.has(id) && !cached.missing.has(id))) {
    cached = { byId: await fetchNames(), missing: new Set(cached?.missing) };
    for (const id of ids) if (!cached.byId.has(id)) cached.missing.add(id);
    names.set(ws, cached);
  }
  return cached.byId;
}

async function fetchNames() {
  const byId = new Map();
  let cursor = null;
  for (let page = 0; page < 10; page++) {
    const data = await api('GET', `/v1/admin/assistant?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const a of data.items) byId.set(a.assistant_id, a.name);
    if (!data.has_more) break;
    cursor = data.next_cursor;
  }
  return byId;
}
