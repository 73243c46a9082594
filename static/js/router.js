// History-API routing with a small page cache.
//
// Every page is built by a view function into a fresh element. Going back
// re-attaches the page that was left (its DOM, loaded items, listeners and
// scroll position), so returning to a long feed lands where you were. Pages
// that fall out of the cache are disposed through their AbortSignal.

import { announce } from './dom.js';

const CACHE_SIZE = 6;
const routes = [];
const cache = new Map(); // history key -> { node, scrollY, controller, title }
let current = null; // { key, node, controller, title }
let renderInto = null;
let counter = 0;
let pushed = false;

/** True once the app has moved between its own pages, so "back" stays in it. */
export function canGoBack() {
  return pushed;
}

/** Registers `view(params, ctx)` for a path pattern such as `/u/:username`. */
export function route(pattern, view) {
  const names = [];
  const source = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/:(\w+)/g, (_, name) => {
      names.push(name);
      return '([^/]+)';
    });
  routes.push({ regex: new RegExp(`^${source}/?$`), names, view });
}

function match(pathname) {
  for (const { regex, names, view } of routes) {
    const found = regex.exec(pathname);
    if (found) {
      const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
      return { view, params };
    }
  }
  return null;
}

function newKey() {
  counter += 1;
  return `${Date.now().toString(36)}-${counter}`;
}

/** Goes to `url` inside the app. */
export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, location.href);
  if (target.origin !== location.origin) {
    location.assign(target.href);
    return;
  }
  const key = newKey();
  if (replace) {
    // The replaced entry can never be gone back to: no need to keep it.
    dispose(current);
    current = null;
    history.replaceState({ key }, '', target.pathname + target.search + target.hash);
  } else {
    remember();
    pushed = true;
    history.pushState({ key }, '', target.pathname + target.search + target.hash);
  }
  show(key, { restore: false });
}

/** Builds the current page again from scratch (after signing in or out). */
export function reload() {
  for (const entry of cache.values()) dispose(entry);
  cache.clear();
  dispose(current);
  current = null;
  show(history.state?.key ?? newKey(), { restore: false });
}

/** Forgets a cached page so that going back builds it afresh. */
export function forgetPath(pathname) {
  for (const [key, entry] of cache) {
    if (entry.path === pathname) {
      dispose(entry);
      cache.delete(key);
    }
  }
}

function titled(text) {
  return text ? `${text} • Shutterbug` : 'Shutterbug';
}

function remember() {
  if (!current) return;
  current.scrollY = window.scrollY;
  cache.set(current.key, current);
  current.node.remove();
  while (cache.size > CACHE_SIZE) {
    const [oldest, entry] = cache.entries().next().value;
    dispose(entry);
    cache.delete(oldest);
  }
  current = null;
}

function dispose(entry) {
  entry?.controller.abort();
  entry?.node.remove();
}

function show(key, { restore }) {
  const cached = restore ? cache.get(key) : null;
  if (cached) {
    cache.delete(key);
    current = cached;
    renderInto(cached.node);
    document.title = cached.title;
    requestAnimationFrame(() => window.scrollTo(0, cached.scrollY));
    return;
  }
  const controller = new AbortController();
  const found = match(location.pathname) ?? match('/404');
  const entry = { key, node: null, controller, title: titled(''), path: location.pathname };
  const ctx = {
    signal: controller.signal,
    query: new URLSearchParams(location.search),
    path: location.pathname,
    // A page may learn its title only once its data arrives.
    setTitle(text) {
      entry.title = titled(text);
      if (current === entry) document.title = entry.title;
    },
  };
  current = entry;
  document.title = entry.title;
  entry.node = found.view(found.params, ctx);
  renderInto(entry.node);
  window.scrollTo(0, 0);
}

/**
 * Starts routing: `mount(node)` puts a page on screen. Same-origin links are
 * handled in the app unless they open elsewhere or carry modifier keys.
 */
export function start(mount) {
  renderInto = (node) => {
    mount(node);
    // Move focus to the page so screen readers and keyboards start there.
    const heading = node.querySelector('h1');
    announce(document.title.replace(' • Shutterbug', ''));
    if (started) (heading ?? document.getElementById('main'))?.focus({ preventScroll: true });
  };
  let started = false;
  history.scrollRestoration = 'manual';
  window.addEventListener('popstate', (event) => {
    remember();
    show(event.state?.key ?? newKey(), { restore: true });
  });
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest('a[href]');
    if (!link || link.target || link.hasAttribute('download')) return;
    if (link.getAttribute('href').startsWith('#')) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || /^\/(api|uploads)\//.test(url.pathname)) return;
    event.preventDefault();
    if (url.pathname === location.pathname && url.search === location.search) {
      window.scrollTo({ top: 0, behavior: 'smooth' });
      return;
    }
    navigate(url.href);
  });
  const key = history.state?.key ?? newKey();
  history.replaceState({ key }, '', location.href);
  show(key, { restore: false });
  started = true;
}
