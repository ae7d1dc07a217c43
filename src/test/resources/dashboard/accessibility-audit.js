// An accessibility audit of the page as it is rendered now, run by AccessibilityBrowserTest through
// WebDriver: (function audit(options) {...})({phone, focus}). It returns its findings, one sentence
// each, naming the element; none means the page passed. Written for this dashboard's markup (plain
// HTML controls, one stylesheet, an SVG chart), not as a general checker:
// - names: every form control, button, link, image and SVG has an accessible name (or is hidden);
// - structure: one h1, heading levels that do not skip, unique ids, id references that resolve;
// - contrast: WCAG 2.1 AA (4.5:1, 3:1 for large text) of every visible text, placeholder and
//   generated text, from computed colours over the backgrounds beneath (composited up the tree;
//   SVG text over the shape under it); text of disabled controls is exempt, as WCAG exempts it;
// - phone (options.phone): no sideways scrolling of the page or of a region in it, buttons at least
//   24 x 24 CSS px (WCAG 2.2's target size);
// - focus (options.focus, after a real key press so the browser is in keyboard mode): every focusable
//   control matches :focus-visible when focused and draws an outline of 2 px or more, at 3:1 against
//   what is around it, not cut off by a scrolling ancestor.
(function audit(options) {
  const findings = [];
  const found = (el, what) => findings.push(`${what}: ${describe(el)}`);

  function describe(el) {
    if (!el || !el.tagName) return String(el);
    let s = el.tagName.toLowerCase();
    if (el.id) s += `#${el.id}`;
    const cls = typeof el.className === 'string' ? el.className.trim() : el.getAttribute('class');
    if (cls) s += `.${cls.split(/\s+/).join('.')}`;
    const text = (el.innerText || el.textContent || el.getAttribute('aria-label') || el.getAttribute('name') || '').trim().replace(/\s+/g, ' ');
    return text ? `${s} "${text.slice(0, 40)}"` : s;
  }

  const style = el => getComputedStyle(el);
  const rendered = el => el.getClientRects().length > 0 && style(el).visibility !== 'hidden';

  /** Visually hidden for screen readers only (the .sr-only pattern): clipped to nothing. */
  function screenReaderOnly(el) {
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const s = style(e);
      if (s.clip === 'rect(0px, 0px, 0px, 0px)' || (s.overflow === 'hidden' && e.offsetWidth <= 1 && e.offsetHeight <= 1)) return true;
    }
    return false;
  }

  // Accessible names: the parts of the W3C algorithm this dashboard's markup uses.
  /** The text an element's content gives its name: hidden descendants left out (a hidden button is still named). */
  function textOf(node, root = true) {
    if (node.nodeType === Node.TEXT_NODE) return node.data;
    if (node.nodeType !== Node.ELEMENT_NODE) return '';
    if (!root && (node.getAttribute('aria-hidden') === 'true' || node.hidden)) return '';
    if (node.getAttribute('aria-label')) return node.getAttribute('aria-label');
    if (node.tagName === 'IMG') return node.getAttribute('alt') || '';
    return [...node.childNodes].map(c => textOf(c, false)).join('');
  }

  function byIds(el, attribute) {
    return (el.getAttribute(attribute) || '').split(/\s+/).filter(Boolean).map(id => document.getElementById(id));
  }

  function nameOf(el) {
    if (el.hasAttribute('aria-labelledby')) {
      const text = byIds(el, 'aria-labelledby').filter(Boolean).map(textOf).join(' ').trim();
      if (text) return text;
    }
    const label = (el.getAttribute('aria-label') || '').trim();
    if (label) return label;
    if (el.labels && el.labels.length) {
      const text = [...el.labels].map(textOf).join(' ').trim();
      if (text) return text;
    }
    if (el.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type)) return (el.value || '').trim();
    if (el.tagName === 'IMG') return el.getAttribute('alt');
    if (el instanceof SVGElement) {
      const title = [...el.children].find(c => c.tagName.toLowerCase() === 'title');
      if (title) return title.textContent.trim();
    }
    if (['BUTTON', 'A', 'SUMMARY'].includes(el.tagName) || ['button', 'link'].includes(el.getAttribute('role'))) {
      const text = textOf(el).trim();
      if (text) return text;
    }
    return (el.getAttribute('title') || '').trim();
  }

  // Names.
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea, meter, progress')) {
    if (!nameOf(el)) found(el, 'a form control without a label (label[for], aria-label or aria-labelledby)');
  }
  for (const el of document.querySelectorAll('button, a[href], summary, [role=button], [role=link]')) {
    if (!nameOf(el)) found(el, 'a button or link without a name');
  }
  for (const el of document.querySelectorAll('img')) {
    if (!el.hasAttribute('alt')) found(el, 'an image without alt (alt="" when it is decoration)');
  }
  for (const el of document.querySelectorAll('svg, [role=img]')) {
    if (el.closest('[aria-hidden=true]')) continue;
    if (el.tagName.toLowerCase() === 'svg' && el.getAttribute('role') !== 'img') {
      found(el, 'an SVG neither aria-hidden nor role=img with a name');
    } else if (!nameOf(el)) {
      found(el, 'an image (role=img) without a name');
    }
  }
  for (const el of document.querySelectorAll('audio[controls], video[controls]')) {
    if (!nameOf(el)) found(el, 'a media player without a name');
  }

  // Structure.
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(rendered);
  const ones = headings.filter(x => x.tagName === 'H1');
  if (ones.length !== 1) findings.push(`${ones.length} h1 headings, not exactly one: ${ones.map(describe).join(', ')}`);
  let level = 0;
  for (const x of headings) {
    const l = Number(x.tagName[1]);
    if (l > level + 1) found(x, `heading level ${l} after level ${level} (a level skipped)`);
    level = l;
  }
  const ids = new Map();
  for (const el of document.querySelectorAll('[id]')) ids.set(el.id, (ids.get(el.id) || 0) + 1);
  for (const [id, n] of ids) if (n > 1) findings.push(`the id "${id}" is used ${n} times`);
  for (const attribute of ['aria-labelledby', 'aria-describedby', 'aria-controls']) {
    for (const el of document.querySelectorAll(`[${attribute}]`)) {
      if (byIds(el, attribute).some(x => x === null)) found(el, `${attribute}="${el.getAttribute(attribute)}" names a missing id`);
    }
  }
  for (const el of document.querySelectorAll('label[for]')) {
    if (!document.getElementById(el.htmlFor)) found(el, `a label for the missing id "${el.htmlFor}"`);
  }

  // Contrast.
  function parse(colour) {
    if (colour === 'transparent') return [0, 0, 0, 0];
    const m = colour.match(/^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/);
    if (!m) return null;
    const a = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return [Number(m[1]), Number(m[2]), Number(m[3]), a];
  }
  const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
  function luminance(c) {
    const [r, g, b] = c.slice(0, 3).map(v => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function ratio(a, b) {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }
  const hex = c => `#${c.slice(0, 3).map(v => Math.round(v).toString(16).padStart(2, '0')).join('')}`;

  /** The opaque colour behind el: the backgrounds of el and its ancestors, composited from the canvas (white) up. */
  function backgroundOf(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(style(e).backgroundColor);
      if (c === null) {
        found(e, `an unreadable background colour ${style(e).backgroundColor}`);
        break;
      }
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reverse().reduce((bg, layer) => over(layer, bg), [255, 255, 255, 1]);
  }

  /** The colour of the SVG shape drawn under an SVG text's middle (the text comes after it), else the SVG's background. */
  function svgBackgroundOf(text) {
    const svgRoot = text.ownerSVGElement;
    const box = text.getBoundingClientRect();
    const x = box.left + box.width / 2;
    const y = box.top + box.height / 2;
    let under = null;
    for (const shape of svgRoot.querySelectorAll('rect, circle, path, polygon')) {
      if (shape.compareDocumentPosition(text) & Node.DOCUMENT_POSITION_PRECEDING) continue;
      const r = shape.getBoundingClientRect();
      const fill = parse(style(shape).fill);
      if (fill && fill[3] > 0 && x >= r.left && x <= r.right && y >= r.top && y <= r.bottom) under = fill;
    }
    const behind = backgroundOf(svgRoot);
    return under ? over(under, behind) : behind;
  }

  function opacityOf(el) {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(style(e).opacity);
    return o;
  }

  function inactive(el) {
    if (el.closest('button:disabled, fieldset:disabled, [aria-disabled=true]')) return true;
    if (el.matches && el.matches(':disabled')) return true;
    const label = el.closest('label');
    return !!(label && label.control && label.control.disabled);
  }

  function checkText(el, s, what, background) {
    const fg = parse(what === 'svg' ? s.fill : s.color);
    if (fg === null) {
      found(el, `an unreadable text colour ${what === 'svg' ? s.fill : s.color}`);
      return;
    }
    const bg = background || backgroundOf(el);
    const seen = over([fg[0], fg[1], fg[2], fg[3] * opacityOf(el)], bg);
    const size = parseFloat(s.fontSize);
    const bold = Number(s.fontWeight) >= 700;
    const large = size >= 24 || (size >= 18.66 && bold);
    const needed = large ? 3 : 4.5;
    const r = ratio(seen, bg);
    if (r < needed) {
      found(el, `${what === 'text' || what === 'svg' ? 'text' : what} contrast ${r.toFixed(2)}:1 < ${needed}:1 (${hex(seen)} on ${hex(bg)}, ${size}px${bold ? ' bold' : ''})`);
    }
  }

  const checked = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.data.trim() || checked.has(el)) continue;
    checked.add(el);
    if (el.closest('script, style, noscript, option, optgroup, title, select') || !rendered(el) || screenReaderOnly(el) || inactive(el)) continue;
    if (el instanceof SVGElement) checkText(el, style(el), 'svg', svgBackgroundOf(el));
    else checkText(el, style(el), 'text');
  }
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (!rendered(el) || inactive(el) || ['checkbox', 'radio', 'hidden', 'range', 'color', 'file'].includes(el.type)) continue;
    if (el.tagName === 'SELECT' || el.value) checkText(el, style(el), 'control text');
    if (!el.value && el.placeholder) checkText(el, getComputedStyle(el, '::placeholder'), 'placeholder', backgroundOf(el));
  }
  // Text the stylesheet adds (td::before's column names on a phone, an empty list's hint).
  for (const el of document.body.querySelectorAll('*')) {
    if (el instanceof SVGElement || !rendered(el) || screenReaderOnly(el) || inactive(el)) continue;
    for (const pseudo of ['::before', '::after']) {
      const s = getComputedStyle(el, pseudo);
      const content = s.content;
      if (!content || content === 'none' || content === 'normal' || s.display === 'none') continue;
      const attr = content.match(/^attr\(([\w-]+)\)$/);
      const text = attr ? el.getAttribute(attr[1]) || '' : content.replace(/^"|"$/g, '');
      if (text.trim()) checkText(el, s, `generated text (${pseudo})`, backgroundOf(el));
    }
  }

  // A phone's width.
  if (options.phone) {
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) {
      const wide = [...document.body.querySelectorAll('*')].filter(el => rendered(el)
        && el.getBoundingClientRect().right > root.clientWidth + 0.5
        && !(el.parentElement && el.parentElement.getBoundingClientRect().right > root.clientWidth + 0.5));
      findings.push(`the page scrolls sideways (${root.scrollWidth} px wide in ${root.clientWidth}): ${wide.slice(0, 5).map(describe).join(', ')}`);
    }
    for (const el of document.body.querySelectorAll('*')) {
      if (el.tagName === 'TEXTAREA' || !rendered(el)) continue;
      const s = style(el);
      if (['auto', 'scroll'].includes(s.overflowX) && el.scrollWidth > el.clientWidth + 1) {
        found(el, `scrolls sideways at ${root.clientWidth} px (${el.scrollWidth} px of content in ${el.clientWidth})`);
      }
    }
    for (const el of document.querySelectorAll('button, a.button, [role=button], input[type=submit], input[type=button], summary')) {
      if (!rendered(el) || screenReaderOnly(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.width < 24 || r.height < 24) found(el, `a tap target of ${r.width.toFixed(0)} x ${r.height.toFixed(0)} px, under 24 x 24`);
    }
  }

  // Focus.
  if (options.focus) {
    const x = window.scrollX;
    const y = window.scrollY;
    const focusable = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
      .filter(el => el.tabIndex >= 0 && !el.disabled && rendered(el) && !screenReaderOnly(el));
    let tried = 0;
    for (const el of focusable) {
      el.focus({ preventScroll: true });
      if (document.activeElement !== el) continue;
      tried++;
      if (!el.matches(':focus-visible')) {
        found(el, 'focused, but :focus-visible does not apply');
        continue;
      }
      const s = style(el);
      const width = parseFloat(s.outlineWidth);
      if (s.outlineStyle === 'none' || !(width >= 2)) {
        found(el, `focused without a visible outline (${s.outlineStyle} ${s.outlineWidth})`);
        continue;
      }
      const offset = parseFloat(s.outlineOffset) || 0;
      const ring = parse(s.outlineColor);
      const around = backgroundOf(offset + width > 0 ? el.parentElement : el);
      if (ring === null || ratio(over(ring, around), around) < 3) {
        found(el, `a focus outline of ${s.outlineColor} at ${ring ? ratio(over(ring, around), around).toFixed(2) : '?'}:1 against ${hex(around)}, under 3:1`);
      }
      const box = el.getBoundingClientRect();
      const reach = offset + width;
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const as = style(a);
        if (as.overflowX === 'visible' && as.overflowY === 'visible') continue;
        const clip = a.getBoundingClientRect();
        const inner = { left: clip.left + a.clientLeft, top: clip.top + a.clientTop };
        inner.right = inner.left + a.clientWidth;
        inner.bottom = inner.top + a.clientHeight;
        if (box.left - reach < inner.left - 0.5 || box.right + reach > inner.right + 0.5) {
          found(el, `its focus outline is cut off at the sides by ${describe(a)}`);
          break;
        }
      }
    }
    if (tried === 0) findings.push('no control on the page could be focused');
    document.activeElement.blur();
    window.scrollTo(x, y);
  }

  return [...new Set(findings)];
})
