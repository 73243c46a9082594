// Notifications: the unread badge (kept live over the WebSocket), the panel
// that lists them, and marking them read.

import * as api from './api.js';
import { h, replace } from './dom.js';
import { icon } from './icons.js';
import { Live } from './live.js';
import { avatar } from './ui/avatar.js';
import { openModal } from './ui/dialog.js';
import { pager } from './ui/pager.js';
import { userLink } from './ui/post.js';
import { ago } from './ui/time.js';

const badges = new Set();
const posts = new EventTarget();
let unread = 0;
// The newest notification `seq` seen: the socket resumes after it, and
// anything at or below it is already counted.
let newestSeq = null;
let live = null;
let openPanel = null; // { prepend(items), markRead() } while the panel is open
let session = null; // AbortController for the signed-in period

/** Calls `fn(post)` for each new post from people the user follows. */
export function onLivePost(fn, signal) {
  posts.addEventListener('post', (e) => fn(e.detail), { signal });
}

/** Starts counting for the signed-in user: REST first, then live events. */
export async function startNotifications() {
  stopNotifications();
  session = new AbortController();
  const { signal } = session;
  await syncFromServer(signal);
  if (signal.aborted) return;
  live = new Live(() => newestSeq ?? 0);
  live.addEventListener('notification', (e) => received(e.detail));
  live.addEventListener('post', (e) => posts.dispatchEvent(new CustomEvent('post', { detail: e.detail })));
  live.addEventListener('resync', (e) => {
    // Too many were missed for a replay: live ones continue after latest_seq.
    advanceTo(e.detail.latest_seq);
    syncFromServer(signal).then(() => openPanel?.reload());
  });
  live.addEventListener('status', (e) => {
    document.documentElement.dataset.live = e.detail;
  });
  live.start();
}

/** Stops everything at sign-out. */
export function stopNotifications() {
  session?.abort();
  session = null;
  live?.stop();
  live = null;
  newestSeq = null;
  setUnread(0);
}

async function syncFromServer(signal) {
  try {
    const [count, page] = await Promise.all([
      api.get('/api/notifications/unread_count', { signal }),
      api.get('/api/notifications', { query: { limit: 1 }, signal }),
    ]);
    advanceTo(page.items[0]?.seq);
    setUnread(count.count);
  } catch {
    // The badge simply stays as it was; the socket's replay catches up.
  }
}

function advanceTo(seq) {
  if (Number.isInteger(seq) && (newestSeq == null || seq > newestSeq)) newestSeq = seq;
}

function received(notification) {
  // The server sends each notification once and in seq order; this only
  // guards against seeing one again across a REST sync.
  if (newestSeq != null && notification.seq <= newestSeq) return;
  newestSeq = notification.seq;
  if (openPanel) {
    openPanel.prepend([notification]);
    openPanel.markRead(notification.id);
  } else if (!notification.read) {
    setUnread(unread + 1);
  }
}

function setUnread(count) {
  unread = Math.max(0, count);
  for (const badge of badges) {
    if (!badge.isConnected) {
      badges.delete(badge);
      continue;
    }
    badge.paint(unread);
  }
}

/** The bell button with its badge; opens the panel. */
export function notificationsButton({ withLabel = false } = {}) {
  const count = h('span', { class: 'badge', 'aria-hidden': 'true' });
  const text = withLabel ? h('span', { class: 'nav-label' }, 'Notifications') : null;
  const button = h(
    'button',
    { class: ['nav-item', 'bell'], type: 'button', 'aria-haspopup': 'dialog', onclick: () => showPanel() },
    h('span', { class: 'nav-icon' }, icon('bell'), count),
    text,
  );
  button.paint = (n) => {
    count.textContent = n > 99 ? '99+' : String(n);
    count.hidden = n === 0;
    button.setAttribute('aria-label', n === 0 ? 'Notifications' : `Notifications, ${n} unread`);
    button.classList.toggle('has-unread', n > 0);
  };
  button.paint(unread);
  badges.add(button);
  return button;
}

function describe(n) {
  switch (n.kind) {
    case 'like':
      return 'liked your post.';
    case 'comment':
      return 'commented on your post.';
    case 'follow':
      return 'started following you.';
    case 'mention':
      return n.comment_id ? 'mentioned you in a comment.' : 'mentioned you in a post.';
    default:
      return 'did something.';
  }
}

function notificationItem(n, wasUnread) {
  const excerpt = n.comment_body ?? n.comment_excerpt ?? null;
  const target = n.post_id ? `/p/${n.post_id}` : `/u/${encodeURIComponent(n.actor.username)}`;
  return h(
    'li',
    { class: ['notif', wasUnread && 'is-unread'], dataset: { kind: n.kind } },
    h('a', { class: 'notif-avatar', href: `/u/${encodeURIComponent(n.actor.username)}`, tabindex: '-1', 'aria-hidden': 'true' }, avatar(n.actor, 'm')),
    h(
      'p',
      { class: 'notif-text' },
      userLink(n.actor),
      ' ',
      h('a', { class: 'notif-what', href: target }, describe(n)),
      excerpt ? h('span', { class: 'notif-excerpt' }, ` “${excerpt}”`) : null,
      ' ',
      ago(n.created_at),
      wasUnread ? h('span', { class: 'visually-hidden' }, ' (new)') : null,
    ),
    n.post_id
      ? h(
          'a',
          { class: 'notif-thumb', href: `/p/${n.post_id}`, 'aria-label': 'View the post' },
          n.post_thumbnail_url
            ? h('img', { src: n.post_thumbnail_url, alt: '', width: 320, height: 320, loading: 'lazy' })
            : h('span', { class: 'notif-thumb-empty' }, icon('image')),
        )
      : null,
  );
}

/** Opens the notifications panel and marks everything in it read. */
export async function showPanel() {
  if (openPanel || !api.currentUser()) return;
  const controller = new AbortController();
  let readUpTo = null;

  const list = h('ul', { class: 'notif-list' });
  const scroller = h('div', { class: 'panel-scroll' });
  let paged = null;
  const build = () => {
    list.replaceChildren();
    paged = pager({
      list,
      signal: controller.signal,
      root: scroller,
      label: 'notifications',
      load: (cursor, signal) => api.get('/api/notifications', { query: { cursor, limit: 20 }, signal }).then((page) => {
        markRead(page.items[0]?.id);
        return page;
      }),
      render: (n) => notificationItem(n, !n.read),
      empty: () =>
        h('div', { class: 'empty' }, icon('bell'), h('p', { class: 'empty-title' }, 'No notifications yet'), h('p', {}, 'Likes, comments, follows and mentions will show up here.')),
    });
    replace(scroller, paged.element);
  };

  async function markRead(upTo) {
    if (upTo == null || (readUpTo != null && upTo <= readUpTo)) return;
    readUpTo = upTo;
    setUnread(0);
    try {
      await api.post('/api/notifications/read', { up_to_id: upTo });
    } catch {
      // Nothing lost: they stay unread on the server and count again later.
    }
  }

  build();
  const { dialog, closed } = openModal({
    title: 'Notifications',
    className: 'panel',
    body: h('div', { class: 'panel-inner' }, scroller),
  });
  const close = h('button', { class: 'icon-btn panel-close', type: 'button', 'aria-label': 'Close notifications', onclick: () => dialog.close() }, icon('close'));
  dialog.prepend(close);
  // Following a link inside leaves the panel.
  dialog.addEventListener('click', (event) => {
    if (event.target.closest('a[href]')) dialog.close();
  });
  openPanel = {
    prepend: (items) => paged.prepend(items),
    markRead: (id) => markRead(id),
    reload: build,
  };
  await closed;
  controller.abort();
  openPanel = null;
}
