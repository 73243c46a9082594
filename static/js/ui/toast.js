// Short messages at the bottom of the screen, read out by screen readers
// (the container is a polite live region). Each can be dismissed; at most a
// few show at once and a repeated message replaces its twin, so they never
// pile up over the page.

import { h } from '../dom.js';

const MAX_SHOWN = 2;
const SHOWN_MS = 3800;
const FADE_MS = 400;

function dismiss(item) {
  if (item.classList.contains('toast-leaving')) return;
  clearTimeout(item.timer);
  item.classList.add('toast-leaving');
  setTimeout(() => item.remove(), FADE_MS);
}

/** Shows `text` for a few seconds; `kind` is 'info' or 'error'. */
export function toast(text, kind = 'info') {
  const box = document.getElementById('toasts');
  if (!box) return;
  for (const old of box.querySelectorAll('.toast')) {
    if (old.dataset.text === text) old.remove();
  }
  const item = h(
    'div',
    { class: ['toast', `toast-${kind}`], dataset: { text } },
    h('span', { class: 'toast-text' }, text),
    h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss', onclick: () => dismiss(item) }, '×'),
  );
  box.append(item);
  const shown = [...box.querySelectorAll('.toast:not(.toast-leaving)')];
  for (const old of shown.slice(0, Math.max(0, shown.length - MAX_SHOWN))) dismiss(old);
  item.timer = setTimeout(() => dismiss(item), SHOWN_MS);
}

/** Shows an API error (or any error) as a toast. */
export function toastError(err, fallback = 'Something went wrong.') {
  if (err?.name === 'AbortError') return;
  toast(err?.message || fallback, 'error');
}
