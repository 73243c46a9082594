// <time> elements that keep saying "5m" correctly while the page stays open.

import { h } from '../dom.js';
import { longAgo, shortAgo } from '../format.js';

/** A relative time; screen readers and the tooltip get the long form. */
export function ago(iso, { long = false } = {}) {
  const el = h('time', { datetime: iso, dataset: { ago: long ? 'long' : 'short' } });
  paint(el);
  return el;
}

function paint(el) {
  const iso = el.getAttribute('datetime');
  const text = el.dataset.ago === 'long' ? longAgo(iso) : shortAgo(iso);
  if (el.textContent !== text) el.textContent = text;
  const full = new Date(iso).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
  el.title = full;
  if (el.dataset.ago === 'short') el.setAttribute('aria-label', longAgo(iso));
}

/** Repaints every relative time on the page once a minute. */
export function startClock() {
  setInterval(() => {
    for (const el of document.querySelectorAll('time[data-ago]')) paint(el);
  }, 60_000);
}
