// Per-turn latency: one stacked bar per assistant turn, from the caller's last word (or the answer,
// for a greeting) to the assistant's first audio, split into the stages the API measures. The same
// numbers follow as a table for screen readers and anyone who wants them exact.
import { h, svg } from './core.js';

/** The API's stages in the order they happen, with the words and colours the chart uses. */
export const STAGES = [
  { field: 'endpointing_ms', name: 'Endpointing', help: 'waiting to be sure the caller finished', colour: '#6b7280' },
  { field: 'stt_ms', name: 'Recognition', help: 'speech to text after the last word', colour: '#0e7490' },
  { field: 'responder_ms', name: 'Model', help: 'the reply\'s first words', colour: '#7c3aed' },
  { field: 'tts_ms', name: 'Voice', help: 'the first audio of the reply', colour: '#c2410c' },
  { field: 'platform_ms', name: 'Platform', help: 'Parley\'s own share', colour: '#1d4ed8' },
];

const RIGHT = 70;
const ROW = 30;
const BAR = 18;
const AXIS = 34;

/**
 * A figure: the chart, its legend, and the table; or a sentence when nothing was measured.
 *
 * @param width the space the chart gets, in CSS pixels: the SVG is drawn at that size so its text
 *              stays legible on a phone instead of being scaled down
 */
export function latencyChart(latency, transcript, width) {
  const WIDTH = Math.max(300, Math.round(width) || 720);
  const LABEL = WIDTH < 500 ? 78 : 120;
  if (!latency.length) return h('p', { class: 'help' }, 'No assistant turn was measured on this call.');
  const turns = latency.map((l, i) => ({ ...l, label: label(l, i, transcript) }));
  const max = Math.max(1, ...turns.map(t => t.total_ms ?? sum(t)));
  const step = tickStep(max);
  const top = Math.ceil(max / step) * step;
  const plot = WIDTH - LABEL - RIGHT;
  const x = ms => LABEL + (ms / top) * plot;
  const height = turns.length * ROW + AXIS;

  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${height}`, class: 'latency-chart', role: 'img',
    'aria-labelledby': 'latency-title', preserveAspectRatio: 'xMinYMin meet' },
    svg('title', { id: 'latency-title' }, `Latency of ${turns.length} assistant turns in milliseconds, by stage; the table below has the numbers`));

  for (let v = 0; v <= top; v += step) {
    chart.append(svg('line', { x1: x(v), x2: x(v), y1: 0, y2: turns.length * ROW, class: 'grid-line' }));
    chart.append(svg('text', { x: x(v), y: turns.length * ROW + 16, 'text-anchor': 'middle', class: 'tick' }, String(v)));
  }
  chart.append(svg('text', { x: LABEL + plot / 2, y: turns.length * ROW + 31, 'text-anchor': 'middle', class: 'axis-name' },
    'milliseconds'));

  turns.forEach((t, row) => {
    const y = row * ROW + (ROW - BAR) / 2;
    const g = svg('g', { class: 'bar', 'data-turn': t.turn });
    g.append(svg('text', { x: LABEL - 8, y: y + BAR - 4, 'text-anchor': 'end', class: 'turn-label' }, t.label));
    let at = 0;
    for (const stage of STAGES) {
      const ms = t[stage.field];
      if (ms === null || ms === undefined || ms <= 0) continue;
      const rect = svg('rect', { x: x(at), y, width: Math.max(1, x(at + ms) - x(at)), height: BAR, fill: stage.colour,
        class: 'segment', 'data-stage': stage.field },
      svg('title', {}, `${t.label}: ${stage.name} ${ms} ms`));
      g.append(rect);
      // Numbers inside the wide segments, so the colours are not the only way to read them.
      if (x(at + ms) - x(at) > 44) {
        g.append(svg('text', { x: (x(at) + x(at + ms)) / 2, y: y + BAR - 5, 'text-anchor': 'middle', class: 'in-bar' }, String(ms)));
      }
      at += ms;
    }
    g.append(svg('text', { x: x(Math.max(at, t.total_ms ?? 0)) + 6, y: y + BAR - 4, class: 'total' }, `${t.total_ms ?? at} ms`));
    chart.append(g);
  });

  const legend = h('ul', { class: 'legend', 'aria-label': 'Stages' },
    STAGES.map(s => h('li', {}, swatch(s.colour), h('strong', {}, s.name), ` ${s.help}`)));

  const table = h('table', { class: 'responsive latency-table' },
    h('caption', {}, 'Latency of each assistant turn, in milliseconds'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Turn'), STAGES.map(s => h('th', { scope: 'col' }, s.name)),
      h('th', { scope: 'col' }, 'Total'))),
    h('tbody', {}, turns.map(t => h('tr', {},
      h('th', { scope: 'row', 'data-label': 'Turn' }, t.label),
      STAGES.map(s => h('td', { 'data-label': s.name }, t[s.field] ?? '—')),
      h('td', { 'data-label': 'Total' }, t.total_ms ?? '—')))));

  return h('figure', { class: 'latency' },
    h('div', { class: 'chart-wrap' }, chart),
    h('figcaption', {}, legend),
    h('details', { class: 'latency-numbers' }, h('summary', {}, 'Latency as a table'), table));
}

function swatch(colour) {
  const box = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  box.style.background = colour;
  return box;
}

function sum(t) {
  return STAGES.reduce((n, s) => n + (t[s.field] || 0), 0);
}

/** "Greeting" for an opening line (nothing before it), then "Reply 1", "Reply 2"... */
function label(l, i, transcript) {
  const turn = transcript[l.turn];
  const opening = l.endpointing_ms == null && l.stt_ms == null && !transcript.slice(0, l.turn).some(t => t.speaker === 'caller');
  if (opening && i === 0) return 'Greeting';
  const replies = transcript.slice(0, l.turn + 1).filter((t, k) => t.speaker === 'assistant' && k > 0).length;
  return turn ? `Reply ${replies}` : `Turn ${l.turn + 1}`;
}

/** A round step giving at most six gridlines. */
function tickStep(max) {
  for (const step of [10, 20, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000]) if (max / step <= 6) return step;
  return Math.ceil(max / 6 / 10000) * 10000;
}
