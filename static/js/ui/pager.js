// Endless lists over the API's keyset pages ({items, next_cursor}): the next
// page loads as a sentinel below the list nears the viewport.

import { h, replace } from '../dom.js';

/**
 * Builds a paged list. `load(cursor, signal)` fetches a page; `render(item)`
 * makes its node (items are de-duplicated by `id`). `list` is the element the
 * nodes go into; `empty()` builds what shows when there is nothing at all.
 * Returns `{ element, prepend(items), remove(id), size() }`.
 */
export function pager({ list, load, render, empty, signal, label = 'items', root = null }) {
  const seen = new Map(); // id -> node
  const status = h('div', { class: 'pager-status' });
  const sentinel = h('div', { class: 'pager-sentinel', 'aria-hidden': 'true' });
  const element = h('div', { class: 'pager' }, list, status, sentinel);
  let cursor = null;
  let done = false;
  let loading = false;

  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadMore();
    },
    { root, rootMargin: '1200px 0px' },
  );

  async function loadMore() {
    if (loading || done || signal.aborted) return;
    loading = true;
    replace(status, h('span', { class: 'spinner', role: 'status', 'aria-label': `Loading ${label}` }));
    try {
      const page = await load(cursor, signal);
      for (const item of page.items) append(item);
      cursor = page.next_cursor;
      done = !cursor;
      replace(status);
      if (done && seen.size === 0 && empty) replace(status, empty());
    } catch (err) {
      if (err.name === 'AbortError') return;
      replace(
        status,
        h(
          'div',
          { class: 'pager-error', role: 'alert' },
          h('p', {}, err.message || `Could not load ${label}.`),
          h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => loadMore() }, 'Try again'),
        ),
      );
      loading = false;
      return;
    }
    loading = false;
    if (!done) {
      // Observing afresh reports the sentinel's state again, so a page that
      // did not fill the screen is followed by the next one straight away.
      observer.unobserve(sentinel);
      observer.observe(sentinel);
    } else {
      observer.disconnect();
    }
  }

  function nodeOf(item) {
    if (seen.has(item.id)) return null;
    const node = render(item);
    if (node) seen.set(item.id, node);
    return node;
  }

  function append(item) {
    const node = nodeOf(item);
    if (node) list.append(node);
  }

  signal.addEventListener('abort', () => observer.disconnect(), { once: true });
  observer.observe(sentinel);

  return {
    element,
    /** Puts items (newest first) above everything already shown. */
    prepend(items) {
      const nodes = items.map(nodeOf).filter(Boolean);
      list.prepend(...nodes);
      if (nodes.length) replace(status);
      return nodes;
    },
    remove(id) {
      seen.get(id)?.remove();
      seen.delete(id);
    },
    has(id) {
      return seen.has(id);
    },
    size() {
      return seen.size;
    },
  };
}
