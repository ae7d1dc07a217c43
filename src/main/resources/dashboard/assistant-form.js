// The assistant editor: a form for the common fields and a JSON editor for the whole config, kept in
// sync. There is one model, `config`: a form edit writes its path into it and re-prints the JSON; a
// JSON edit that parses replaces it and refills the form. While the JSON does not parse, the form is
// read-only (the JSON is then the only truth) and the error names its line.
import { h } from './core.js';
import { field, showFieldError, uid } from './forms.js';
import { enumOf } from './schema.js';

/** The common fields, by config path; kinds: text, textarea, number, lines, checkbox, select. */
const GROUPS = [
  ['Conversation', [
    { path: 'first_message', label: 'First message', kind: 'textarea', rows: 2, help: 'What the assistant says first; {{variables}} come from the call.' },
    { path: 'first_speaker', label: 'Who speaks first', kind: 'select' },
    { path: 'end_message', label: 'End message', kind: 'textarea', rows: 2, help: 'Spoken when the assistant ends the call.' },
    { path: 'end_call_phrases', label: 'End-call phrases', kind: 'lines', rows: 3, help: 'One per line: the callee saying one ends the call.' },
    { path: 'language', label: 'Language', kind: 'text', help: 'A BCP 47 tag, like en-US.' },
    { path: 'max_duration_seconds', label: 'Maximum duration (seconds)', kind: 'number' },
  ]],
  ['Model', [
    { path: 'model.provider', label: 'Model provider', kind: 'select', help: 'flow runs the conversation flow (config.flow in the JSON) offline; openai is any OpenAI-compatible server.' },
    { path: 'model.model', label: 'Model', kind: 'text' },
    { path: 'system_prompt', label: 'System prompt', kind: 'textarea', rows: 5, help: 'Persona and instructions for a language model.' },
  ]],
  ['Voice', [
    { path: 'voice.provider', label: 'Voice provider', kind: 'select' },
    { path: 'voice.voiceId', label: 'Voice', kind: 'text' },
    { path: 'voice.model', label: 'Voice model', kind: 'text' },
  ]],
  ['Transcriber', [
    { path: 'transcriber.provider', label: 'Transcriber provider', kind: 'select' },
    { path: 'transcriber.model', label: 'Transcriber model', kind: 'text' },
  ]],
  ['Voicemail', [
    { path: 'voicemail.detect', label: 'Detect answering machines', kind: 'checkbox' },
    { path: 'voicemail.action', label: 'On a machine', kind: 'select' },
    { path: 'voicemail.message', label: 'Voicemail message', kind: 'textarea', rows: 2, help: 'Needed to leave a message; {{variables}} allowed.' },
  ]],
  ['Events', [
    { path: 'webhook_url', label: 'Webhook URL', kind: 'text', help: "Where this assistant's call events go; empty: the workspace's." },
  ]],
];

const DEFAULT_LABEL = '(default)';

export function getPath(obj, path) {
  return path.split('.').reduce((o, k) => (o !== null && typeof o === 'object' ? o[k] : undefined), obj);
}

function setPath(obj, path, value) {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (o[k] === null || typeof o[k] !== 'object' || Array.isArray(o[k])) o[k] = {};
    o = o[k];
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete o[last]; else o[last] = value;
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The JSON merge patch (RFC 7386, what PATCH takes) from before to after: changed values, null for
 * removed keys, nested objects as their own patches. Three of the API's rules shape it: a model,
 * transcriber or voice whose provider changed goes whole (the API resets the rest of such a part),
 * metadata is replaced whole, and a calling_window taken out goes back to the workspace's.
 */
export function mergePatch(before, after, top = true) {
  const patch = {};
  for (const k of Object.keys(before)) {
    if (!(k in after)) patch[k] = top && k === 'calling_window' ? 'workspace' : null;
  }
  for (const [k, v] of Object.entries(after)) {
    const old = before[k];
    if (same(old, v)) continue;
    const whole = (top && k === 'metadata')
      || (top && ['model', 'transcriber', 'voice'].includes(k) && isObject(old) && isObject(v) && old.provider !== v.provider);
    if (!whole && isObject(old) && isObject(v)) patch[k] = mergePatch(old, v, false);
    else patch[k] = v;
  }
  return patch;
}

/** Where JSON.parse stopped, as "line 3, column 7" (V8 names a position, newer ones also the line). */
function syntaxWhere(text, message) {
  const lc = message.match(/line (\d+) column (\d+)/);
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) };
  const pos = message.match(/position (\d+)/);
  const at = pos ? Number(pos[1]) : text.length;
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

function control(f, options) {
  const name = `config.${f.path}`;
  const id = uid(`a-${f.path.replace(/\./g, '-')}`);
  switch (f.kind) {
    case 'textarea':
    case 'lines':
      return h('textarea', { id, name, rows: f.rows || 3, class: 'short' });
    case 'number':
      return h('input', { id, name, type: 'text', inputmode: 'numeric' });
    case 'checkbox':
      return h('input', { id, name, type: 'checkbox' });
    case 'select':
      return options.length
        ? h('select', { id, name }, h('option', { value: '' }, DEFAULT_LABEL), options.map(o => h('option', { value: o }, o)))
        : h('input', { id, name, type: 'text' });
    default:
      return h('input', { id, name, type: 'text', spellcheck: 'false' });
  }
}

function read(el, f) {
  if (f.kind === 'checkbox') return el.checked;
  const v = el.value;
  if (f.kind === 'lines') return v.split('\n').map(s => s.trim()).filter(Boolean);
  if (v.trim() === '') return undefined; // empty: the API's default
  if (f.kind === 'number') return /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v; // the API says what is wrong
  return v;
}

function write(el, f, value) {
  if (f.kind === 'checkbox') {
    el.checked = value === true;
    return;
  }
  if (f.kind === 'lines') {
    el.value = Array.isArray(value) ? value.join('\n') : '';
    return;
  }
  const text = value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (el.tagName === 'SELECT' && text && ![...el.options].some(o => o.value === text)) {
    // A value the API does not offer (typed in the JSON): shown as it is, so the API can say why.
    el.append(h('option', { value: text }, text));
  }
  el.value = text;
}

/**
 * Builds the editor for {name, config}. Returns the element, its name input and JSON textarea, and:
 * value() ({name, config}, or null after pointing at a JSON syntax error), controlFor(errorField)
 * (where the API's message goes: the form's control, else the JSON editor), reset(assistant) to
 * show a saved version.
 */
export async function assistantEditor(assistant) {
  const optionsFor = await Promise.all(GROUPS.flatMap(([, fs]) => fs).filter(f => f.kind === 'select')
    .map(async f => [f.path, await enumOf('AssistantConfig', f.path)]));
  const options = Object.fromEntries(optionsFor);
  let config = structuredClone(assistant.config || {});
  let parsed = true;

  const nameInput = h('input', { id: uid('a-name'), name: 'name', type: 'text', required: true, autocomplete: 'off' });
  nameInput.value = assistant.name || '';
  const controls = new Map();
  const fieldsets = GROUPS.map(([legend, fs]) => h('fieldset', { class: 'group' }, h('legend', {}, legend),
    fs.map(f => {
      const el = control(f, options[f.path] || []);
      controls.set(f.path, { el, f });
      return field(f.label, el, f.help);
    })));
  const formPart = h('fieldset', { class: 'form-fields' }, h('legend', { class: 'sr-only' }, 'Common fields'), fieldsets);

  const json = h('textarea', { id: uid('a-config'), name: 'config', class: 'json', spellcheck: 'false', rows: 24,
    autocomplete: 'off', autocapitalize: 'off' });
  const jsonField = field('Config as JSON', json,
    'The whole config, as the API takes it (README: Assistants). The form and this editor follow each other.');

  /** Shows config in the form; a control whose value changed loses its old error (it was edited). */
  function fillForm() {
    for (const { el, f } of controls.values()) {
      const before = f.kind === 'checkbox' ? el.checked : el.value;
      write(el, f, getPath(config, f.path));
      if (before !== (f.kind === 'checkbox' ? el.checked : el.value)) showFieldError(el, null);
    }
  }
  function printJson() {
    json.value = JSON.stringify(config, null, 2);
  }

  for (const { el, f } of controls.values()) {
    el.addEventListener(el.tagName === 'SELECT' || f.kind === 'checkbox' ? 'change' : 'input', () => {
      const v = read(el, f);
      showFieldError(el, null);
      if (f.path.endsWith('.provider')) {
        // Another provider starts that part from its own defaults, as the API does.
        const part = f.path.slice(0, -'.provider'.length);
        setPath(config, part, v === undefined ? undefined : { provider: v });
        fillForm();
      } else {
        setPath(config, f.path, v);
      }
      printJson();
      showFieldError(json, null);
    });
  }

  json.addEventListener('input', () => {
    let value;
    try {
      value = JSON.parse(json.value);
    } catch (e) {
      const where = syntaxWhere(json.value, e.message);
      const reason = e.message.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+.*$/, '');
      parsed = false;
      formPart.disabled = true;
      showFieldError(json, `JSON syntax error at line ${where.line}, column ${where.column}: ${reason}. `
        + 'The form above waits until the JSON parses.');
      return;
    }
    if (!isObject(value)) {
      parsed = false;
      formPart.disabled = true;
      showFieldError(json, 'The config must be a JSON object: { ... }.');
      return;
    }
    parsed = true;
    formPart.disabled = false;
    showFieldError(json, null);
    config = value;
    fillForm();
  });

  fillForm();
  printJson();

  const element = h('div', { class: 'assistant-editor' },
    h('div', { class: 'editor-form' }, field('Name', nameInput), formPart),
    h('div', { class: 'editor-json' }, jsonField));

  return {
    element,
    nameInput,
    json,
    value() {
      if (!parsed) {
        json.focus();
        return null;
      }
      return { name: nameInput.value, config: structuredClone(config) };
    },
    controlFor(errorField) {
      if (errorField === 'name') return nameInput;
      const path = errorField.replace(/^config\.?/, '');
      const c = controls.get(path);
      return c && !c.el.matches(':disabled') ? c.el : json;
    },
    reset(saved) {
      nameInput.value = saved.name;
      config = structuredClone(saved.config);
      parsed = true;
      formPart.disabled = false;
      fillForm();
      printJson();
    },
  };
}
