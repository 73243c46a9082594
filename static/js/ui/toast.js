// Short messages at the bottom of the screen, read out by screen readers
// (the container is a polite live region).

import { h } from '../dom.js';

/** Shows `text` for a few seconds; `kind` is 'info' or 'error'. */
export function toast(text, kind = 'info') {
  const box = document.getElementById('toasts');
  if (!box) return;
  const item = h('div', { class: ['toast', `toast-${kind}`] }, text);
  box.append(item);
  setTimeout(() => item.classList.add('toast-leaving'), 3800);
  setTimeout(() => item.remove(), 4200);
}

/** Shows an API error (or any error) as a toast. */
export function toastError(err, fallback = 'Something went wrong.') {
  if (err?.name === 'AbortError') return;
  toast(err?.message || fallback, 'error');
}
