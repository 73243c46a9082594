// Work deferred until an element nears the viewport (one shared observer).

const pending = new Map(); // element -> callback
let observer = null;

/** Runs `fn` once `el` comes within a screen of view, unless `signal` aborts first. */
export function whenVisible(el, fn, signal) {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        const callback = pending.get(entry.target);
        pending.delete(entry.target);
        callback?.();
      }
    },
    { rootMargin: '800px 0px' },
  );
  pending.set(el, fn);
  observer.observe(el);
  signal?.addEventListener('abort', () => {
    observer.unobserve(el);
    pending.delete(el);
  }, { once: true });
}
