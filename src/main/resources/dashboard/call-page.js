// One call (#/calls/<id>): its facts, status history, transcript with the recording, per-turn
// latency, what the analysis found, and its webhook deliveries. A live call is polled until it is
// final (and a little after, for what its end writes) and can be hung up from here.
import { api, h, heading, notice, announce, fmtTime, fmtDuration, badge } from './core.js';
import { isFinal, callee, talkSeconds, queueText } from './call-common.js';
import { TranscriptPlayer } from './transcript-player.js';
import { latencyChart } from './latency-chart.js';
import { CallWebhooks } from './call-webhooks.js';

const POLL_MS = 1500;
const DELIVERIES_MS = 2000;
/** How long after the end the call is still read: the report's last writes land just after it. */
const SETTLE_MS = 5000;

export async function callPage(ctx, id) {
  let call = await api('GET', `/v1/admin/assistant/call/${encodeURIComponent(id)}`);
  // Deleted, the assistant is named by its id and its fields keep the order the call has them in.
  const assistant = await api('GET', `/v1/admin/assistant/${encodeURIComponent(call.assistant_id)}`).catch(() => null);
  const name = assistant?.name || call.assistant_id;
  const fields = (assistant?.config?.structured_data || []).map(f => f.name);
  const hangup = hangupControl(call, after => show(after));
  ctx.root.append(h('p', { class: 'back' }, h('a', { href: '#/calls' }, '← All calls')));
  heading(ctx, callee(call) === 'Browser' ? 'Browser call' : `Call to ${callee(call)}`, hangup.el);

  const section = (idName, title, ...content) => h('section', { class: 'card', 'aria-labelledby': idName },
    h('h2', { id: idName }, title), ...content);
  const facts = h('div');
  const timeline = h('div');
  const player = new TranscriptPlayer(ctx);
  const latency = h('div');
  const analysis = h('div');
  const analysisSection = section('call-analysis', 'Summary and data', analysis);
  const webhooks = new CallWebhooks(call.call_id);
  ctx.root.append(
    h('div', { class: 'call-top' },
      section('call-facts', 'Details', facts),
      section('call-history', 'Status history', timeline)),
    section('call-conversation', 'Transcript and recording', player.el),
    section('call-latency', 'Latency per turn', latency),
    analysisSection,
    section('call-webhooks', 'Webhook deliveries', webhooks.el));

  const keys = {};
  /** Rebuilds a part only when what it shows changed, so focus and the player survive a poll. */
  const part = (key, value, build) => {
    const k = JSON.stringify(value);
    if (keys[key] === k) return;
    keys[key] = k;
    build();
  };
  let recordingAsked = false;
  /** When to stop reading the call: never while it is live; shortly after an end seen here. */
  let readUntil = Infinity;

  function show(c) {
    call = c;
    // A live call's talk time grows each second; an ended one is rebuilt only when it changes.
    part('facts', isFinal(c.status) ? c : [c, Math.floor(Date.now() / 1000)], () => facts.replaceChildren(factList(c, name)));
    part('history', c.history, () => timeline.replaceChildren(history(c.history)));
    part('transcript', [c.transcript, !!c.answered_at], () => player.setTurns(c.transcript || [], !!c.answered_at));
    part('latency', [c.latency, c.transcript, chartWidth()],
      () => latency.replaceChildren(latencyChart(c.latency || [], c.transcript || [], chartWidth())));
    part('analysis', [c.summary, c.structured_data], () => {
      const found = findings(c, fields);
      analysisSection.hidden = found.length === 0; // an analysis with no summary and no fields has nothing to show
      analysis.replaceChildren(...found);
    });
    hangup.update(c);
    if (!isFinal(c.status)) {
      player.explain(c.answered_at ? 'The recording is ready when the call ends.' : 'No recording yet: the call has not been answered.');
    } else if (!c.recording_url) {
      player.explain('No recording: the call was not answered.');
    } else if (!recordingAsked) {
      recordingAsked = true;
      player.load(c.recording_url);
    }
    if (isFinal(c.status) && readUntil === Infinity) {
      // A call that ended just now still gets its report's writes and its last webhooks; an old one does not.
      const recent = !c.ended_at || Date.now() - Date.parse(c.ended_at) < 60000;
      readUntil = recent ? Date.now() + SETTLE_MS : 0;
      if (recent) webhooks.watch(30000);
    }
  }

  // The chart is drawn for its width (legible text on a phone): drawn again when that changes.
  const chartWidth = () => Math.round(latency.clientWidth / 40) * 40;
  const resized = () => show(call);
  window.addEventListener('resize', resized);
  ctx.onLeave(() => window.removeEventListener('resize', resized));

  show(call);
  ctx.every(POLL_MS, async () => {
    if (Date.now() > readUntil) return;
    const before = call.status;
    const c = await api('GET', `/v1/admin/assistant/call/${encodeURIComponent(id)}`);
    if (ctx.left) return;
    show(c);
    if (c.status !== before) announce(`Call ${c.status}${c.ended_reason ? `: ${c.ended_reason}` : ''}`);
  });
  ctx.every(DELIVERIES_MS, async () => {
    if (webhooks.key === null || webhooks.wanted(isFinal(call.status))) await webhooks.refresh();
  });
}

/** "Hang up", then a confirmation in the page rather than window.confirm: the focus moves to the choice, Escape keeps the call. */
function hangupControl(call, shown) {
  const start = h('button', { type: 'button', class: 'danger', 'aria-expanded': 'false', 'aria-controls': 'hangup-confirm' }, 'Hang up');
  const yes = h('button', { type: 'button', class: 'danger' }, 'Hang up now');
  const no = h('button', { type: 'button' }, 'Keep the call');
  const result = h('div', { class: 'hangup-result' });
  const confirm = h('div', { id: 'hangup-confirm', class: 'hangup-confirm', role: 'group', 'aria-label': 'Confirm hang-up', hidden: true },
    h('span', {}, 'End this call for the person on it?'), yes, no);
  const el = h('div', { class: 'hangup' }, start, confirm, result);
  const open = on => {
    confirm.hidden = !on;
    start.hidden = on;
    start.setAttribute('aria-expanded', String(on));
    (on ? yes : start).focus();
  };
  start.addEventListener('click', () => open(true));
  no.addEventListener('click', () => open(false));
  confirm.addEventListener('keydown', ev => { if (ev.key === 'Escape') open(false); });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      const after = await api('POST', `/v1/admin/assistant/call/${encodeURIComponent(call.call_id)}/hangup`);
      result.replaceChildren(notice('ok', after.hangup === 'canceled' ? 'Canceled before it was dialed.' : 'Hanging up…'));
      shown(after);
    } catch (e) {
      result.replaceChildren(notice('error', `Could not hang up: ${e.message}`));
      open(false);
    } finally {
      yes.disabled = false;
    }
  });
  return {
    el,
    update(c) {
      // A queued call has not been dialed: it is canceled, not hung up.
      const queued = c.status === 'queued';
      start.textContent = queued ? 'Cancel call' : 'Hang up';
      yes.textContent = queued ? 'Cancel it now' : 'Hang up now';
      no.textContent = queued ? 'Keep it' : 'Keep the call';
      confirm.firstElementChild.textContent = queued ? 'Cancel this call before it is dialed?' : 'End this call for the person on it?';
      if (!isFinal(c.status)) return;
      const hadFocus = el.contains(document.activeElement);
      start.hidden = true;
      confirm.hidden = true;
      if (!result.querySelector('.error')) result.replaceChildren();
      if (hadFocus) document.querySelector('main h1')?.focus();
    },
  };
}

function factList(c, assistant) {
  const rows = [];
  const fact = (term, ...value) => rows.push(h('dt', {}, term), h('dd', {}, ...value));
  const waits = c.status === 'queued' ? queueText(c.queue) : null;
  fact('Status', badge(c.status), waits ? ` ${waits}` : null);
  if (c.queue?.estimated_start_at) fact('Expected to start', time(c.queue.estimated_start_at));
  if (c.ended_reason) {
    fact('Ended reason', c.ended_reason, c.sip_code ? ` (SIP ${c.sip_code})` : null, c.carrier_code ? ` (carrier code ${c.carrier_code})` : null);
  }
  fact('To', callee(c));
  fact('From', c.from_number || '—');
  fact('Assistant', h('a', { href: `#/assistants/${c.assistant_id}` }, assistant));
  if (c.answered_by) fact('Answered by', answeredBy(c.answered_by));
  fact('Created', time(c.created_at));
  if (c.scheduled_at) fact('Scheduled for', time(c.scheduled_at));
  if (c.started_at) fact('Dialed', time(c.started_at));
  if (c.answered_at) fact('Answered', time(c.answered_at));
  if (c.ended_at) fact('Ended', time(c.ended_at));
  fact('Talk time', fmtDuration(talkSeconds(c)));
  if (c.dtmf) fact('Keys pressed', h('span', { class: 'mono dtmf' }, [...c.dtmf].join(' ')));
  fact('Attempt', String(c.attempt), c.parent_call_id ? [' of ', h('a', { href: `#/calls/${c.parent_call_id}` }, 'the first call')] : null);
  // Usage counts what network providers bill for; the offline recognizer and voice count nothing, so
  // only what was used is named (a "0 characters voiced" beside a spoken transcript reads as a fault).
  const u = c.usage || {};
  const used = [
    u.llm_prompt_tokens || u.llm_completion_tokens
      ? `${u.llm_prompt_tokens} prompt and ${u.llm_completion_tokens} completion tokens` : null,
    u.stt_seconds ? `${u.stt_seconds} s recognized` : null,
    u.tts_characters ? `${u.tts_characters} characters voiced` : null,
  ].filter(Boolean);
  if (used.length) fact('Billed usage', used.join(', '));
  if (c.webhook_url) fact('Webhook URL', h('span', { class: 'mono' }, c.webhook_url));
  fact('Call id', h('code', {}, c.call_id));
  for (const [label, value] of [['Variables', c.variables], ['Metadata', c.metadata]]) {
    if (value && Object.keys(value).length) fact(label, h('pre', { class: 'json' }, JSON.stringify(value, null, 2)));
  }
  return h('dl', { class: 'facts' }, rows);
}

/** "unknown" is the detector's lack of a verdict: a confidence in it would read as a verdict. */
function answeredBy(a) {
  if (a.who === 'unknown') return `unknown (could not tell, after ${a.decided_after_ms} ms)`;
  return `${a.who}${a.beep ? ', beep heard' : ''} (${Math.round(a.confidence * 100)}% sure, after ${a.decided_after_ms} ms)`;
}

function time(iso) {
  return h('time', { datetime: iso }, fmtTime(iso));
}

function history(events) {
  if (!events?.length) return h('p', { class: 'help' }, 'No status changes recorded.');
  const first = Date.parse(events[0].at);
  return h('ol', { class: 'timeline' }, events.map(e => h('li', {},
    badge(e.status),
    h('span', { class: 'reason' }, e.reason || ''),
    h('span', { class: 'when' }, time(e.at), Date.parse(e.at) > first ? ` (+${((Date.parse(e.at) - first) / 1000).toFixed(1)} s)` : null))));
}

/**
 * The summary, and the structured data in the order the assistant declares its fields (the API's
 * object comes in the database's key order: shortest name first); keys it no longer declares last.
 */
function findings(c, fields) {
  const out = [];
  if (c.summary) out.push(h('p', { class: 'summary' }, c.summary));
  const data = c.structured_data;
  if (data && typeof data === 'object' && Object.keys(data).length) {
    const rank = k => (fields.includes(k) ? fields.indexOf(k) : fields.length);
    const keys = Object.keys(data).sort((a, b) => rank(a) - rank(b));
    out.push(h('dl', { class: 'facts structured' }, keys.flatMap(k => [h('dt', {}, k), h('dd', {}, value(data[k]))])));
  } else if (data !== null && data !== undefined && typeof data !== 'object') {
    out.push(h('p', {}, value(data)));
  }
  return out;
}

function value(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'object') return h('pre', { class: 'json' }, JSON.stringify(v, null, 2));
  return String(v);
}
