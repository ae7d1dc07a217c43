// The test call's audio, on the audio thread, in an AudioContext running at 8 kHz (the browser
// resamples the microphone and the speakers). Two processors:
//   parley-capture: the microphone in 20 ms frames of 16-bit PCM (160 samples), posted to the page
//     with their level; silence while muted, so a frame still goes out every 20 ms.
//   parley-player: what Parley sends, played from a small queue. A mark in the queue is reported once
//     the audio before it has played (Parley learns what was heard); clear drops the queue (barge-in).

const FRAME = 160;

class Capture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.frame = new Int16Array(FRAME);
    this.filled = 0;
    this.sum = 0;
    this.muted = false;
    this.port.onmessage = e => { if ('muted' in e.data) this.muted = !!e.data.muted; };
  }

  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    const n = input ? input.length : 128;
    for (let i = 0; i < n; i++) {
      const v = this.muted || !input ? 0 : Math.max(-1, Math.min(1, input[i]));
      this.frame[this.filled++] = v < 0 ? v * 0x8000 : v * 0x7fff;
      this.sum += v * v;
      if (this.filled === FRAME) {
        const level = Math.sqrt(this.sum / FRAME);
        this.port.postMessage({ frame: this.frame.buffer, level }, [this.frame.buffer]);
        this.frame = new Int16Array(FRAME);
        this.filled = 0;
        this.sum = 0;
      }
    }
    return true;
  }
}

// Playback waits for 60 ms of audio before it starts (or a little while, for a shorter sound), so
// frames that arrive bunched over the network do not run the queue dry mid-word.
const PREBUFFER = 480;
const PREBUFFER_WAIT_QUANTA = 4;

class Player extends AudioWorkletProcessor {
  constructor() {
    super();
    this.queue = [];       // Float32Array frames and {mark} objects, in order
    this.head = 0;         // samples of queue[0] already played
    this.buffered = 0;
    this.playing = false;
    this.waited = 0;
    this.heardAudio = false;
    this.port.onmessage = e => {
      const m = e.data;
      if (m.frame) {
        const pcm = new Int16Array(m.frame);
        const f = new Float32Array(pcm.length);
        for (let i = 0; i < pcm.length; i++) f[i] = pcm[i] / 0x8000;
        this.queue.push(f);
        this.buffered += f.length;
      } else if (m.mark !== undefined) {
        this.queue.push({ mark: m.mark });
      } else if (m.clear) {
        this.queue = [];
        this.head = 0;
        this.buffered = 0;
        this.playing = false;
      }
    };
  }

  process(inputs, outputs) {
    const out = outputs[0][0];
    if (!this.playing && this.buffered > 0) {
      this.waited++;
      if (this.buffered >= PREBUFFER || this.waited >= PREBUFFER_WAIT_QUANTA) this.playing = true;
    }
    let i = 0;
    let audible = false;
    while (i < out.length) {
      this.reportMarks();
      if (!this.playing || this.queue.length === 0) break;
      const f = this.queue[0];
      const n = Math.min(out.length - i, f.length - this.head);
      for (let k = 0; k < n; k++) {
        const v = f[this.head + k];
        out[i + k] = v;
        if (v > 0.01 || v < -0.01) audible = true;
      }
      i += n;
      this.head += n;
      this.buffered -= n;
      if (this.head === f.length) {
        this.queue.shift();
        this.head = 0;
      }
    }
    this.reportMarks();
    if (i < out.length) {
      out.fill(0, i);
      if (this.queue.length === 0) {
        this.playing = false;
        this.waited = 0;
      }
    }
    if (audible && !this.heardAudio) {
      this.heardAudio = true;
      this.port.postMessage({ firstAudio: true });
    }
    return true;
  }

  reportMarks() {
    while (this.queue.length > 0 && this.queue[0].mark !== undefined) {
      this.port.postMessage({ mark: this.queue.shift().mark });
    }
  }
}

registerProcessor('parley-capture', Capture);
registerProcessor('parley-player', Player);
