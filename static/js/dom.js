// Building DOM nodes without ever parsing HTML.
//
// Everything a person typed (captions, names, bios, comments) reaches the page
// only as text nodes or attribute values, so markup in it stays text. The
// page's CSP also forbids inline styles: there is deliberately no `style` prop.

/**
 * Creates an element. `props` keys: `class` (string or list), `dataset`,
 * `on<event>` listeners, DOM properties that exist on the element (`value`,
 * `checked`, `disabled`, `hidden`…), and anything else as an attribute
 * (`true` sets an empty attribute; `null`, `undefined` and `false` skip it).
 * Children may be nodes, strings, numbers, arrays, or null/false (skipped).
 */
export function h(tag, props, ...children) {
  return build(document.createElement(tag), props, children);
}

const SVG = 'http://www.w3.org/2000/svg';

/** Like `h`, in the SVG namespace (attributes only). */
export function svg(tag, props, ...children) {
  return build(document.createElementNS(SVG, tag), props, children);
}

function build(el, props, children) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value == null || value === false) continue;
    if (key === 'style') throw new Error('inline styles are forbidden by the CSP; use a class');
    if (key === 'class') {
      const names = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
      el.setAttribute('class', names);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (!(el instanceof SVGElement) && key in el && typeof value !== 'string') {
      el[key] = value;
    } else if (key === 'value' && 'value' in el) {
      el.value = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  appendAll(el, children);
  return el;
}

function appendAll(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) appendAll(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Empties `el` and fills it with `children` (same rules as `h`). */
export function replace(el, ...children) {
  el.replaceChildren();
  appendAll(el, children);
  return el;
}

let idCounter = 0;
/** A document-unique id, for label/aria wiring. */
export function uid(prefix = 'id') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** Says `text` through the page's polite live region. */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A new text node after a tick is announced even when the text repeats.
  setTimeout(() => { region.textContent = text; }, 30);
}
