// One place that tells every card showing a post about changes to it (a like
// on the detail page shows on the feed card behind it).

const bus = new EventTarget();

/** Announces the latest state of a post, as the API returned it. */
export function postChanged(post) {
  bus.dispatchEvent(new CustomEvent('changed', { detail: post }));
}

/** Announces that a post is gone. */
export function postDeleted(id) {
  bus.dispatchEvent(new CustomEvent('deleted', { detail: id }));
}

/** Listens for changes to post `id` until `signal` aborts. */
export function watchPost(id, { changed, deleted }, signal) {
  if (changed) {
    bus.addEventListener('changed', (e) => { if (e.detail.id === id) changed(e.detail); }, { signal });
  }
  if (deleted) {
    bus.addEventListener('deleted', (e) => { if (e.detail === id) deleted(); }, { signal });
  }
}
