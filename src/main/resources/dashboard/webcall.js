// Test call (issue 16): talk to an assistant with the microphone. The page creates a web call
// (POST /v1/admin/assistant/web-call), opens its WebSocket with the token, and streams 20 ms frames
// of 8 kHz PCM both ways through an AudioWorklet (webcall-worklet.js, which converts between the
// device's rate and the call's). The call is an ordinary call:
// when it ends, its page has the transcript and the recording.
import { api, h, heading, notice, fieldError, announce, badge, ApiError } from './core.js';

/** #/test-call: pick an assistant. #/test-call/<id>: talk to it. */
export async function testCallPage(ctx, assistantId) {
  if (!assistantId) return pickAssistant(ctx);
  const assistant = await api('GET', `/v1/admin/assistant/${encodeURIComponent(assistantId)}`);
  if (ctx.left) return;
  heading(ctx, `Test call: ${assistant.name}`);
  ctx.root.append(new TestCall(ctx, assistant).render());
}

async function pickAssistant(ctx) {
  heading(ctx, 'Test call');
  const page = await api('GET', '/v1/admin/assistant?limit=100');
  if (ctx.left) return;
  const usable = page.items.filter(a => a.enabled);
  if (usable.length === 0) {
    ctx.root.append(notice('info', 'This workspace has no enabled assistant to talk to yet.'),
      h('p', {}, h('a', { href: '#/assistants/new' }, 'Create an assistant')));
    return;
  }
  const select = h('select', { id: 'test-call-assistant', name: 'assistant' },
    usable.map(a => h('option', { value: a.assistant_id }, a.name || a.assistant_id)));
  const form = h('form', { class: 'card webcall-pick' },
    h('label', { for: 'test-call-assistant' }, 'Assistant'),
    select,
    h('p', { class: 'help' }, 'Talk to the assistant with your microphone, as a caller would on the phone. ',
      'The call is an ordinary call: it counts against the workspace\'s limits and has a transcript and a recording.'),
    h('button', { type: 'submit', class: 'primary' }, 'Continue'));
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    location.hash = `#/test-call/${encodeURIComponent(select.value)}`;
  });
  ctx.root.append(form);
}

const STATES = {
  ready: 'Ready',
  microphone: 'Placing the call…',
  connecting: 'Connecting…',
  connected: 'Connected: talk to the assistant',
  ending: 'Hanging up…',
  ended: 'Call ended',
  failed: 'Not connected',
};

/** One test call on the page: its controls, its audio and its socket. */
class TestCall {
  constructor(ctx, assistant) {
    this.ctx = ctx;
    this.assistant = assistant;
    this.callId = null;
    this.ws = null;
    this.audio = null;
    this.stream = null;
    this.joined = false;
    this.muted = false;
    ctx.onLeave(() => this.leave());
  }

  render() {
    this.status = h('p', { id: 'test-call-status', class: 'webcall-status', role: 'status', 'aria-live': 'polite' });
    this.badge = h('span', { class: 'webcall-badge' });
    this.start = h('button', { type: 'button', id: 'test-call-start', class: 'primary', onclick: () => this.begin() }, 'Start call');
    this.mute = h('button', { type: 'button', id: 'test-call-mute', 'aria-pressed': 'false', disabled: true,
      onclick: () => this.toggleMute() }, 'Mute');
    this.hangup = h('button', { type: 'button', id: 'test-call-hangup', class: 'danger', disabled: true,
      onclick: () => this.hangUp() }, 'Hang up');
    this.level = h('meter', { id: 'test-call-level', min: '0', max: '1', low: '0.02', high: '0.5', optimum: '0.2', value: '0' });
    this.variables = h('textarea', { id: 'test-call-variables', name: 'variables', rows: '3', spellcheck: 'false',
      placeholder: '{"name": "Ada"}', 'aria-describedby': 'test-call-variables-help' });
    this.messages = h('div', { id: 'test-call-messages' });
    this.facts = h('dl', { class: 'facts', id: 'test-call-facts' });
    this.transcript = h('ol', { id: 'test-call-transcript', class: 'webcall-transcript', 'aria-live': 'polite' });
    this.setState('ready', 'Press Start call and allow the microphone when the browser asks.');
    return h('div', { class: 'grid webcall' },
      h('section', { class: 'card', 'aria-labelledby': 'test-call-controls-title' },
        h('h2', { id: 'test-call-controls-title' }, 'Call'),
        h('div', { class: 'webcall-state' }, this.badge, this.status),
        h('div', { class: 'actions' }, this.start, this.mute, this.hangup),
        h('label', { for: 'test-call-level' }, 'Microphone level'),
        this.level,
        h('details', { class: 'webcall-variables' },
          h('summary', {}, 'Variables'),
          h('label', { for: 'test-call-variables' }, 'Variables (JSON object)'),
          this.variables,
          h('p', { id: 'test-call-variables-help', class: 'help' },
            'Values for the {{templates}} the assistant\'s flow uses, e.g. {"name": "Ada"}. Leave empty when it uses none.')),
        this.messages,
        this.facts,
        h('p', {}, h('a', { href: '#/test-call' }, 'Talk to another assistant'))),
      h('section', { class: 'card', 'aria-labelledby': 'test-call-transcript-title' },
        h('h2', { id: 'test-call-transcript-title' }, 'Live transcript'),
        this.transcript));
  }

  /** The badge says the state in words (the call's own final status once it ended); colour only repeats it. */
  setState(state, detail, finalStatus) {
    this.state = state;
    this.badge.replaceChildren(badge(finalStatus || (state === 'connected' ? 'in-progress' : state === 'ended' ? 'ended'
      : state === 'failed' ? 'failed' : state === 'ready' ? 'queued' : 'ringing')));
    if (!finalStatus) this.badge.firstChild.textContent = STATES[state];
    this.status.textContent = detail || '';
    this.status.dataset.state = state;
  }

  fact(term, ...value) {
    this.facts.append(h('dt', {}, term), h('dd', {}, ...value));
  }

  async begin() {
    this.messages.replaceChildren();
    fieldError(this.variables, null);
    let variables;
    if (this.variables.value.trim()) {
      try {
        variables = JSON.parse(this.variables.value);
      } catch (e) {
        fieldError(this.variables, 'This is not JSON: write an object such as {"name": "Ada"}.');
        this.variables.closest('details').open = true;
        this.variables.focus();
        return;
      }
    }
    this.start.disabled = true;
    this.transcript.replaceChildren();
    this.facts.replaceChildren();
    this.startedAt = performance.now();
    const body = { assistant_id: this.assistant.assistant_id };
    if (variables !== undefined) body.variables = variables;
    this.setState('microphone', 'Allow the microphone if the browser asks.');
    // The audio is set up before the call is placed: a browser that cannot do it costs no call.
    try {
      await this.prepareAudio();
    } catch (e) {
      return this.ctx.left ? this.leave() : this.fail(e);
    }
    if (this.ctx.left) return this.leave();
    // The call is placed while the browser asks for the microphone: the assistant's greeting is
    // being prepared meanwhile, so it plays sooner once the socket joins.
    const [created, opened] = await Promise.allSettled([api('POST', '/v1/admin/assistant/web-call', body), this.openMicrophone()]);
    if (created.status === 'fulfilled') {
      this.callId = created.value.call_id;
      this.fact('Call', h('span', { class: 'mono' }, this.callId));
    }
    if (this.ctx.left) return this.leave();
    let failure = opened.status === 'rejected' ? opened.reason : created.status === 'rejected' ? created.reason : null;
    if (!failure) {
      try {
        this.audio.createMediaStreamSource(this.stream).connect(this.capture);
      } catch (e) {
        failure = new Error(`The browser could not connect the microphone to the call (${e.name || 'Error'}: ${e.message}). `
          + 'Try again, or use another browser.');
      }
    }
    if (failure) {
      if (this.callId) {
        api('POST', `/v1/admin/assistant/call/${this.callId}/hangup`).catch(() => {});
        this.callId = null;
      }
      return this.fail(failure);
    }
    this.hangup.disabled = false;
    this.connect(created.value);
  }

  /**
   * The AudioContext at the device's own rate (Firefox connects a microphone to no other) and the
   * two worklets, which convert to and from the call's 8 kHz. Created first thing after the click,
   * so the browser lets it play.
   */
  async prepareAudio() {
    if (!window.isSecureContext) {
      throw new Error('The browser allows the microphone only on a secure page: open the dashboard over https, '
        + 'or at http://localhost or http://127.0.0.1 on the machine that runs Parley.');
    }
    if (!navigator.mediaDevices || !window.AudioWorkletNode) {
      throw new Error('This browser cannot stream audio (it needs getUserMedia and AudioWorklet): use a current '
        + 'Chrome, Edge, Firefox or Safari.');
    }
    try {
      const audio = new AudioContext({ latencyHint: 'interactive' });
      this.audio = audio;
      this.status.dataset.sampleRate = String(audio.sampleRate);
      if (audio.state === 'suspended') await audio.resume();
      await audio.audioWorklet.addModule('/ui/webcall-worklet.js');
      this.capture = new AudioWorkletNode(audio, 'parley-capture', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
      this.player = new AudioWorkletNode(audio, 'parley-player', { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
      const silent = audio.createGain();
      silent.gain.value = 0; // the capture must be pulled by the graph, but never heard
      this.capture.connect(silent).connect(audio.destination);
      this.player.connect(audio.destination);
      this.capture.port.onmessage = e => this.captured(e.data);
      this.player.port.onmessage = e => this.played(e.data);
    } catch (e) {
      throw new Error(`The browser could not set up the call's audio (${e.name || 'Error'}: ${e.message}). `
        + 'Reload the page and try again, or use another browser.');
    }
  }

  /** The microphone, echo cancellation on. */
  async openMicrophone() {
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
      });
    } catch (e) {
      throw new Error(`The microphone is not available (${e.name || e.message}). Allow it for this site and try again.`);
    }
  }

  connect(call) {
    this.setState('connecting');
    // Same origin as the page (the content policy allows only 'self'); the path is the call's.
    const path = new URL(call.websocket_url).pathname;
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ event: 'start', start: {
      custom_parameters: { token: call.token }, media_format: { encoding: 'pcm16', sample_rate: 8000 } } }));
    ws.onmessage = ev => this.received(ev.data);
    ws.onclose = ev => this.closed(ev);
  }

  received(data) {
    if (typeof data !== 'string') {
      this.player.port.postMessage({ frame: data }, [data]);
      return;
    }
    let m;
    try { m = JSON.parse(data); } catch (e) { return; }
    switch (m.event) {
      case 'started':
        this.joined = true;
        this.mute.disabled = false;
        this.setState('connected', 'The assistant speaks first; answer when it asks.');
        announce('Connected to the assistant');
        break;
      case 'mark':
        this.player.port.postMessage({ mark: m.mark?.name });
        break;
      case 'clear':
        this.player.port.postMessage({ clear: true });
        break;
      case 'transcript':
        this.transcript.append(h('li', { class: `said-${m.speaker === 'assistant' ? 'assistant' : 'caller'}` },
          h('span', { class: 'speaker' }, m.speaker === 'assistant' ? 'Assistant: ' : 'You: '), m.text));
        break;
      default:
        break;
    }
  }

  captured({ frame, level }) {
    this.level.value = Math.min(1, level * 4);
    if (this.joined && this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  played(m) {
    if (m.mark !== undefined && this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ event: 'mark', mark: { name: m.mark } }));
    }
    if (m.firstAudio && this.firstAudioMs === undefined) {
      this.firstAudioMs = Math.round(performance.now() - this.startedAt);
      this.status.dataset.firstAudioMs = String(this.firstAudioMs);
      this.fact('First audio', `${this.firstAudioMs} ms after Start`);
    }
  }

  toggleMute() {
    this.muted = !this.muted;
    this.capture.port.postMessage({ muted: this.muted });
    this.mute.setAttribute('aria-pressed', String(this.muted));
    this.mute.textContent = this.muted ? 'Unmute' : 'Mute';
    announce(this.muted ? 'Microphone muted' : 'Microphone on');
  }

  /** The caller hangs up: stop on the socket once joined, else the API cancels the call. */
  async hangUp() {
    this.hangup.disabled = true;
    this.hangingUp = true;
    this.setState('ending');
    if (this.joined && this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ event: 'stop' }));
      return;
    }
    try {
      if (this.callId) await api('POST', `/v1/admin/assistant/call/${this.callId}/hangup`);
    } catch (e) {
      this.messages.append(notice('error', e.message));
    }
    if (this.ws) this.ws.close(1000, 'hung up');
    else this.finish();
  }

  closed(ev) {
    this.ws = null;
    // 1000 is the call's end; anything else is a refusal, whose reason says why.
    if (ev.code !== 1000 && !this.joined && !this.hangingUp) {
      this.messages.append(notice('error', `The call's audio connection was refused: ${ev.reason || `code ${ev.code}`}.`));
    }
    this.finish();
  }

  /** Lets go of the microphone and the audio, then shows how the call ended once it is recorded. */
  async finish() {
    this.stopAudio();
    this.joined = false;
    this.mute.disabled = true;
    this.hangup.disabled = true;
    if (!this.callId) {
      this.start.disabled = false;
      return;
    }
    const id = this.callId;
    this.setState('ending', 'Waiting for the call\'s end to be recorded…');
    let call = null;
    for (let i = 0; i < 60 && !this.ctx.left; i++) {
      try {
        call = await api('GET', `/v1/admin/assistant/call/${id}`);
        if (call.ended_at) break;
      } catch (e) { /* retried */ }
      await new Promise(r => setTimeout(r, 500));
    }
    if (this.ctx.left) return;
    const how = call && call.ended_at ? `${call.status}, ${call.ended_reason}` : 'its end is not recorded yet';
    this.setState('ended', `Call ended: ${how}.`, call && call.ended_at ? call.status : undefined);
    this.fact('Ended', call && call.ended_reason ? call.ended_reason : '—');
    this.fact('Transcript and recording', h('a', { href: `#/calls/${id}`, id: 'test-call-page' }, 'Open the call\'s page'));
    announce(`Call ended: ${how}`);
    this.callId = null;
    this.hangingUp = false;
    this.start.disabled = false;
  }

  fail(e) {
    this.stopAudio();
    const field = e instanceof ApiError ? e.field : null;
    if (field && field.startsWith('variables')) {
      this.variables.closest('details').open = true;
      fieldError(this.variables, e.message);
    } else {
      this.messages.append(notice('error', e.message));
    }
    this.setState('failed', 'The call did not start.');
    this.start.disabled = false;
    this.hangup.disabled = true;
  }

  stopAudio() {
    if (this.stream) this.stream.getTracks().forEach(t => t.stop());
    this.stream = null;
    if (this.audio) this.audio.close().catch(() => {});
    this.audio = null;
    if (this.level) this.level.value = 0;
  }

  /** Leaving the page hangs up: a call nobody listens to should not go on. */
  leave() {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN && this.joined) {
      ws.send(JSON.stringify({ event: 'stop' }));
    } else if (this.callId && !this.joined) {
      api('POST', `/v1/admin/assistant/call/${this.callId}/hangup`).catch(() => {});
    }
    if (ws) {
      ws.onclose = null;
      try { ws.close(1000, 'left the page'); } catch (e) { /* already closed */ }
    }
    this.stopAudio();
  }
}
