// The transcript next to the call's stereo recording (caller left, assistant right). Each line is a
// button that plays the recording from where the line starts; the line being heard is highlighted.
// The recording is fetched with the session and played from a blob: an <audio src> pointing at the
// API could not send the workspace header.
import { api, h } from './core.js';

export class TranscriptPlayer {
  constructor(ctx) {
    this.ctx = ctx;
    this.turns = [];
    this.lines = [];
    this.playable = false;
    this.current = -1;
    this.audio = h('audio', { controls: true, preload: 'auto', class: 'recording', hidden: true,
      'aria-label': 'Call recording: the caller on the left channel, the assistant on the right' });
    this.state = h('p', { class: 'help recording-state' });
    this.list = h('ol', { class: 'transcript', 'aria-label': 'Transcript' });
    this.empty = h('p', { class: 'help', hidden: true }, 'Nothing was said on this call.');
    this.el = h('div', { class: 'conversation' },
      h('div', { class: 'player' }, this.audio, this.state),
      this.list, this.empty);
    this.audio.addEventListener('timeupdate', () => this.highlight());
    this.audio.addEventListener('seeked', () => this.highlight());
  }

  /** What the recording is: not yet (live call), none, or being fetched. */
  explain(text) {
    this.state.textContent = text;
  }

  /**
   * Shows the turns, rebuilding only the lines that changed (a live call's transcript grows).
   * @param answered whether anyone could have spoken: "nothing was said" only then
   */
  setTurns(turns, answered = true) {
    this.turns = turns;
    this.answered = answered;
    this.empty.hidden = turns.length > 0 || !answered;
    turns.forEach((t, i) => {
      const key = JSON.stringify([t, this.playable]);
      const line = this.lines[i];
      if (line && line.key === key) return;
      const li = this.line(t, i);
      if (line) {
        const refocus = line.li.contains(document.activeElement);
        line.li.replaceWith(li);
        if (refocus) li.querySelector('button')?.focus();
      } else {
        this.list.append(li);
      }
      this.lines[i] = { li, key };
    });
    while (this.lines.length > turns.length) this.lines.pop().li.remove();
    this.current = -1;
    this.highlight();
  }

  line(t, i) {
    const who = t.speaker === 'assistant' ? 'Assistant' : 'Caller';
    // The columns sit in a span of their own: Chrome lays a button's own grid out unlike a div's.
    const body = h('span', { class: 'cols' },
      h('span', { class: 'speaker' }, who),
      h('span', { class: 'at' }, h('span', { class: 'sr-only' }, 'at '), offset(t.start_ms)),
      h('span', { class: 'said' }, t.text || untold(t)),
      t.interrupted ? h('span', { class: 'tag interrupted', title: 'The caller cut this line short (speaking or pressing a key): the text is what was played' },
        'interrupted') : null);
    const li = h('li', { class: `turn ${t.speaker}`, dataset: { index: String(i) } });
    if (this.playable) {
      li.append(h('button', { type: 'button', class: 'line', onclick: () => this.playFrom(t.start_ms),
        'aria-label': `Play from ${offset(t.start_ms)}: ${who}: ${t.text || ''}${t.interrupted ? ' (interrupted)' : ''}` }, body));
    } else {
      li.append(h('div', { class: 'line' }, body));
    }
    return li;
  }

  /** Fetches the recording (once the call has ended) and makes the lines play it. */
  async load(url) {
    this.explain('Loading the recording…');
    let blobUrl;
    try {
      const res = await api('GET', url, undefined, { raw: true });
      blobUrl = URL.createObjectURL(await res.blob());
    } catch (e) {
      this.explain(e.status === 404 ? 'No recording was kept for this call.' : `The recording could not be loaded: ${e.message}`);
      return;
    }
    if (this.ctx.left) {
      URL.revokeObjectURL(blobUrl);
      return;
    }
    this.ctx.onLeave(() => {
      this.audio.pause();
      URL.revokeObjectURL(blobUrl);
    });
    this.audio.src = blobUrl;
    this.audio.hidden = false;
    this.explain('Caller on the left channel, assistant on the right. Choose a line to play from it.');
    this.playable = true;
    this.setTurns(this.turns, this.answered);
  }

  playFrom(ms) {
    this.audio.currentTime = ms / 1000;
    this.audio.play().catch(e => this.explain(`The recording cannot play here: ${e.message}`));
    this.highlight();
  }

  /** The line whose span holds the playing position, else the last one started before it. */
  highlight() {
    if (!this.playable) return;
    const t = this.audio.currentTime * 1000;
    let holding = -1;
    let started = -1;
    this.turns.forEach((turn, i) => {
      if (turn.start_ms > t) return;
      started = i;
      if (t < turn.end_ms) holding = i;
    });
    const at = holding >= 0 ? holding : started;
    if (at === this.current) return;
    const old = this.lines[this.current];
    if (old) {
      old.li.classList.remove('playing');
      old.li.removeAttribute('aria-current');
    }
    this.current = at;
    const now = this.lines[at];
    if (!now) return;
    now.li.classList.add('playing');
    now.li.setAttribute('aria-current', 'true');
    // Keeps the line in view inside the transcript's own scroll area (positioned: offsetTop counts from
    // it), never scrolling the page.
    const top = now.li.offsetTop;
    if (top < this.list.scrollTop || top + now.li.offsetHeight > this.list.scrollTop + this.list.clientHeight) {
      this.list.scrollTop = Math.max(0, top - 8);
    }
  }
}

/** What a line without text stands for: the caller's speech not understood, or the assistant's cut before a whole word. */
function untold(t) {
  if (t.speaker === 'assistant') {
    if (t.error) return `(not spoken: ${t.error})`;
    return t.interrupted ? '(cut off before its first word)' : '(nothing said)';
  }
  return t.error ? `(not understood: ${t.error})` : '(nothing recognized)';
}

/** m:ss.s from the answer, the recording's timeline. */
export function offset(ms) {
  const tenths = Math.round(Math.max(0, ms) / 100);
  return `${Math.floor(tenths / 600)}:${((tenths % 600) / 10).toFixed(1).padStart(4, '0')}`;
}

