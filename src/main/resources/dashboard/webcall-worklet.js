// The test call's audio, on the audio thread. The AudioContext runs at the device's own rate (48 or
// 44.1 kHz, or another): Firefox cannot connect a microphone to a context at any other rate (Mozilla
// bugs 1674892, 1725336), so the call's 8 kHz is reached here, not by the browser. Two processors:
//   parley-capture: the microphone brought down to 8 kHz (Downsampler) in 20 ms frames of 16-bit
//     PCM (160 samples), posted to the page with their level; silence while muted, so a frame still
//     goes out every 20 ms.
//   parley-player: what Parley sends (8 kHz) played from a small queue, brought up to the device's
//     rate (Upsampler). A mark in the queue is reported once the audio before it has played (Parley
//     learns what was heard); clear drops the queue (barge-in).
//
// Both converters are one band-limited interpolation: each output sample is a weighted sum of the
// input samples around its instant, the weights a low-pass kernel (a Kaiser-windowed sinc) centred
// on that instant. Cut at 3.7 kHz, it is the anti-alias filter when going down (what lies above 4 kHz
// would fold back into the call's band) and removes the images when going up. Any ratio works,
// 44.1 kHz's 5.5125 included, and the instant of the next output carries over from one render
// quantum to the next, so the frames join without a seam. The kernel is tabulated once and read with
// linear interpolation, so no sine or Bessel function runs on the audio thread.
//
// The file also exports the converters, so a page (and its test) can import them; the processors
// are registered only where the AudioWorklet's scope defines them.

export const CALL_RATE = 8000;
export const FRAME = 160;

// Half the kernel's span in call-rate samples: 24 is 3 ms, the delay each way. With the window's
// shape (60 dB down in the stop band) the band from 3.4 to 4.0 kHz is the transition: the telephone
// band (300-3400 Hz) passes whole, and nothing above 4 kHz folds back louder than -60 dB.
const HALF = 24;
const CUTOFF_HZ = 3700;
const BETA = 5.65; // Kaiser's beta for 60 dB: 0.1102 * (60 - 8.7)
const STEPS = 128; // table entries per call-rate sample; linear interpolation errs below -80 dB

const TABLE = kernelTable();

function kernelTable() {
  const n = 2 * HALF * STEPS;
  const t = new Float32Array(n + 2); // one past the end, so a lookup at the last entry may read its neighbour
  const c = CUTOFF_HZ / CALL_RATE;
  const norm = besselI0(BETA);
  for (let j = 0; j <= n; j++) {
    const tau = j / STEPS - HALF;
    const u = tau / HALF;
    const x = 2 * c * tau;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    t[j] = 2 * c * sinc * besselI0(BETA * Math.sqrt(Math.max(0, 1 - u * u))) / norm;
  }
  return t;
}

function besselI0(x) {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) * (x / (2 * k));
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/** From the device's rate down to 8 kHz: push() the input as it comes, sink(v) gets each 8 kHz sample. */
export class Downsampler {
  constructor(inRate) {
    this.step = inRate / CALL_RATE;    // input samples per output sample
    this.reach = HALF * this.step;     // input samples either side of an output's instant
    this.scale = STEPS / this.step;    // table entries per input sample
    const before = Math.ceil(this.reach);
    this.buf = new Float32Array(before + Math.ceil(2 * this.reach) + 1024);
    this.len = before;                 // silence before the first sample
    this.t = before;                   // the next output's instant, in input samples from buf[0]
  }

  push(input, sink) {
    if (this.len + input.length > this.buf.length) {
      const bigger = new Float32Array(2 * (this.len + input.length));
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    this.buf.set(input, this.len);
    this.len += input.length;
    const buf = this.buf;
    const table = TABLE;
    const centre = HALF * STEPS;
    for (;;) {
      const t = this.t;
      const hi = Math.floor(t + this.reach);
      if (hi >= this.len) break;
      const lo = Math.ceil(t - this.reach);
      let x = (lo - t) * this.scale + centre;
      let acc = 0;
      for (let k = lo; k <= hi; k++, x += this.scale) {
        const i = x | 0;
        const w = table[i] + (x - i) * (table[i + 1] - table[i]);
        acc += buf[k] * w;
      }
      sink(acc / this.step);
      this.t = t + this.step;
    }
    const done = Math.ceil(this.t - this.reach); // samples no later output reaches back to
    if (done > 0) {
      buf.copyWithin(0, done, this.len);
      this.len -= done;
      this.t -= done;
    }
  }
}

/**
 * From 8 kHz up to the device's rate: render(out, pull) fills out, calling pull() for each next
 * 8 kHz sample it needs (HALF of them ahead of what is heard). position() is the 8 kHz sample being
 * heard at the end of the last render, counted from the first one pulled.
 */
export class Upsampler {
  constructor(outRate) {
    this.step = CALL_RATE / outRate;   // input samples per output sample
    this.hist = new Float32Array(4 * HALF + 256);
    this.len = HALF;                   // silence before the first sample
    this.origin = -HALF;               // the count of hist[0] among the samples pulled
    this.t = HALF;                     // the next output's instant, in input samples from hist[0]
  }

  position() {
    return this.origin + this.t;
  }

  render(out, pull) {
    const done = Math.ceil(this.t) - HALF;
    if (done > 0) {
      this.hist.copyWithin(0, done, this.len);
      this.len -= done;
      this.t -= done;
      this.origin += done;
    }
    const needed = Math.floor(this.t + out.length * this.step) + HALF + 1;
    if (needed > this.hist.length) {
      const bigger = new Float32Array(2 * needed);
      bigger.set(this.hist.subarray(0, this.len));
      this.hist = bigger;
    }
    const hist = this.hist;
    const table = TABLE;
    let t = this.t;
    for (let n = 0; n < out.length; n++, t += this.step) {
      const hi = Math.floor(t) + HALF;
      while (this.len <= hi) hist[this.len++] = pull();
      const lo = Math.ceil(t) - HALF;
      // Input samples are one apart, so their table entries are STEPS apart: one fraction for all.
      const x = (lo - t + HALF) * STEPS;
      let i = x | 0;
      const f = x - i;
      let acc = 0;
      for (let k = lo; k <= hi; k++, i += STEPS) acc += hist[k] * (table[i] + f * (table[i + 1] - table[i]));
      out[n] = acc;
    }
    this.t = t;
  }
}

// Playback waits for 60 ms of audio before it starts (or 64 ms, for a shorter sound), so frames that
// arrive bunched over the network do not run the queue dry mid-word. Both in 8 kHz samples.
const PREBUFFER = 480;
const PREBUFFER_WAIT = 512;

function registerProcessors() {
  class Capture extends AudioWorkletProcessor {
    constructor() {
      super();
      this.down = new Downsampler(sampleRate);
      this.frame = new Int16Array(FRAME);
      this.filled = 0;
      this.sum = 0;
      this.muted = false;
      this.quiet = new Float32Array(128);
      this.take = v => this.add(v);
      this.port.onmessage = e => { if ('muted' in e.data) this.muted = !!e.data.muted; };
    }

    process(inputs, outputs) {
      const input = inputs[0] && inputs[0][0];
      let source = input;
      if (this.muted || !input) {
        const n = input ? input.length : outputs[0][0].length;
        if (this.quiet.length !== n) this.quiet = new Float32Array(n);
        source = this.quiet;
      }
      this.down.push(source, this.take);
      return true;
    }

    add(sample) {
      const v = Math.max(-1, Math.min(1, sample));
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
  }

  class Player extends AudioWorkletProcessor {
    constructor() {
      super();
      this.up = new Upsampler(sampleRate);
      this.queue = [];       // Float32Array frames and {mark} objects, in order
      this.head = 0;         // samples of queue[0] already taken
      this.buffered = 0;
      this.pulled = 0;       // 8 kHz samples handed to the upsampler, silence included
      this.marks = [];       // {name, at}: reported once the upsampler is heard at sample `at`
      this.playing = false;
      this.waited = 0;
      this.heardAudio = false;
      this.next = () => this.take();
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
          // What is already in the upsampler (3 ms) plays out; the marks not yet heard are dropped,
          // as Parley counts none after its clear.
          this.queue = [];
          this.head = 0;
          this.buffered = 0;
          this.marks = [];
          this.playing = false;
          this.waited = 0;
        }
      };
    }

    process(inputs, outputs) {
      const out = outputs[0][0];
      if (!this.playing && this.buffered > 0) {
        this.waited += out.length * this.up.step;
        if (this.buffered >= PREBUFFER || this.waited >= PREBUFFER_WAIT) this.playing = true;
      }
      this.up.render(out, this.next);
      const heard = this.up.position();
      while (this.marks.length > 0 && this.marks[0].at <= heard) this.port.postMessage({ mark: this.marks.shift().name });
      if (!this.heardAudio) {
        for (let i = 0; i < out.length; i++) {
          if (out[i] > 0.01 || out[i] < -0.01) {
            this.heardAudio = true;
            this.port.postMessage({ firstAudio: true });
            break;
          }
        }
      }
      return true;
    }

    /** The next 8 kHz sample for the upsampler: the queue's while playing, else silence. */
    take() {
      while (this.queue.length > 0 && this.queue[0].mark !== undefined) {
        this.marks.push({ name: this.queue.shift().mark, at: this.pulled });
      }
      this.pulled++;
      if (!this.playing) return 0;
      if (this.queue.length === 0) {
        this.playing = false;
        this.waited = 0;
        return 0;
      }
      const f = this.queue[0];
      const v = f[this.head++];
      this.buffered--;
      if (this.head === f.length) {
        this.queue.shift();
        this.head = 0;
      }
      return v;
    }
  }

  registerProcessor('parley-capture', Capture);
  registerProcessor('parley-player', Player);
}

if (typeof AudioWorkletProcessor === 'function') registerProcessors();
