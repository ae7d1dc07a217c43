// Form plumbing of the assistants and workspace pages: labelled controls, the API's own message
// next to the control its error.field names, busy buttons, and a secret shown once with a copy button.
import { h, fieldError, notice, announce, ApiError } from './core.js';

let seq = 0;

/** A fresh element id, for label/aria pairs of controls built more than once. */
export function uid(prefix) {
  seq += 1;
  return `${prefix}-${seq}`;
}

/** A label, its control and an optional help line the control is described by. */
export function field(label, control, help) {
  if (!control.id) control.id = uid('f');
  let helpEl = null;
  if (help) {
    helpEl = h('p', { class: 'help', id: `${control.id}-help` }, help);
    control.dataset.help = helpEl.id;
    control.setAttribute('aria-describedby', helpEl.id);
  }
  const isBox = control.type === 'checkbox';
  return isBox
    ? h('div', { class: 'field check' }, control, h('label', { for: control.id }, label), helpEl)
    : h('div', { class: 'field' }, h('label', { for: control.id }, label), control, helpEl);
}

/** Shows (or with no message clears) an error under a control, keeping its help text described too. */
export function showFieldError(control, message) {
  fieldError(control, message || null);
  const help = control.dataset.help;
  if (message) {
    const err = `${control.id || control.name}-error`;
    control.setAttribute('aria-describedby', help ? `${err} ${help}` : err);
  } else if (help) {
    control.setAttribute('aria-describedby', help);
  } else {
    control.removeAttribute('aria-describedby');
  }
}

/** Clears every field error and notice a previous attempt left inside scope. */
export function clearErrors(scope) {
  for (const c of scope.querySelectorAll('[aria-invalid="true"]')) showFieldError(c, null);
  for (const n of scope.querySelectorAll('.form-notice')) n.replaceChildren();
}

/**
 * Puts an API error where the user looks for it: under the control its error.field names (found by
 * find(field), else by name inside scope), focused; otherwise in the scope's notice area. Returns
 * the control it used, if any.
 */
export function showError(e, scope, find) {
  const message = e instanceof ApiError ? e.message : `Something went wrong: ${e.message}`;
  const control = e instanceof ApiError && e.field
    ? (find && find(e.field)) || scope.querySelector(`[name="${CSS.escape(e.field)}"]`)
    : null;
  if (control) {
    showFieldError(control, message);
    control.focus();
  } else {
    formNotice(scope).replaceChildren(notice('error', message));
  }
  announce(message);
  return control;
}

/** A confirmation or an error of the whole form, in its own polite region. */
export function formNotice(scope) {
  let area = scope.querySelector(':scope > .form-notice') || scope.querySelector('.form-notice');
  if (!area) {
    area = h('div', { class: 'form-notice' });
    scope.append(area);
  }
  return area;
}

export function ok(scope, text) {
  formNotice(scope).replaceChildren(notice('ok', text));
  announce(text);
}

/** Runs fn with the button disabled (no double submits), then gives it back. */
export async function busy(button, fn) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** A submit handler that clears old errors and shows new ones, so no form forgets to. */
export function onSubmit(form, fn, find) {
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    clearErrors(form);
    const button = ev.submitter || form.querySelector('button[type=submit]');
    try {
      await busy(button, () => fn(form));
    } catch (e) {
      showError(e, form, find);
    }
  });
}

/**
 * A secret the API returns only once (a new API key, a new webhook signing secret): read-only,
 * selectable, with a copy button. It lives only in this element: nothing else keeps it.
 */
export function shownOnce(label, value, explanation) {
  const input = h('input', { type: 'text', readonly: true, value, spellcheck: 'false', autocomplete: 'off', class: 'mono secret' });
  const copy = h('button', { type: 'button', onclick: () => copyText(input, copy) }, 'Copy');
  const origin = document.activeElement; // the button that asked: focus goes back there once it is dismissed
  const dismiss = h('button', { type: 'button', class: 'link', onclick: () => {
    box.remove();
    if (origin && origin.isConnected) origin.focus();
  } }, 'I have stored it');
  const box = h('div', { class: 'shown-once', role: 'region', 'aria-label': label },
    field(label, input, explanation), h('div', { class: 'actions' }, copy, dismiss));
  setTimeout(() => { input.focus(); input.select(); }, 0);
  return box;
}

async function copyText(input, button) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch (e) {
    // No clipboard permission (a plain-http host name): copy the selection instead.
    input.select();
    document.execCommand('copy');
  }
  button.textContent = 'Copied';
  announce('Copied to the clipboard');
}

/** Items of a list typed as text: one per line, or separated by commas or semicolons. */
export function items(text) {
  return text.split(/[\n,;]+/).map(s => s.trim()).filter(Boolean);
}
