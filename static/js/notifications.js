// Notifications: the unread badge (kept live over the WebSocket), the panel
// that lists them, and marking them read.

import * as api from './api.js';
import { h, replace } from './dom.js';
import { icon } from './icons.js';
import { Live } from './live.js';
import { avatar } from './ui/avatar.js';
import { reportNetwork } from './ui/connection.js';
import { openModal } from './ui/dialog.js';
import { pager } from './ui/pager.js';
import { followButton } from './ui/follow.js';
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
    if (e.detail === 'live') reportNetwork('up');
    else if (e.detail === 'offline') reportNetwork('down');
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
  // The count is drawn by CSS (`data-count`): the button's name says it in
  // words, and no text of its own contradicts that name.
  const count = h('span', { class: 'badge', 'aria-hidden': 'true' });
  const text = withLabel ? h('span', { class: 'nav-label' }, 'Notifications') : null;
  const button = h(
    'button',
    { class: ['nav-item', 'bell'], type: 'button', 'aria-haspopup': 'dialog', onclick: () => showPanel() },
    h('span', { class: 'nav-icon' }, icon('bell'), count),
    text,
  );
  button.paint = (n) => {
    count.dataset.count = n > 99 ? '99+' : String(n);
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
    case 'follow_request':
      return 'requested to follow you.';
    case 'follow_accepted':
      return 'accepted your follow request.';
    case 'report':
      return n.comment_id ? 'reported a comment.' : n.post_id ? 'reported a post.' : 'reported an account.';
    default:
      return 'did something.';
  }
}

// The server quotes at most this many characters of a comment.
const EXCERPT_CHARS = 100;

// The panel's sections, newest first: calendar today, the last seven days, before.
const GROUPS = ['Today', 'This week', 'Earlier'];

function groupOf(createdAt, now = new Date()) {
  const at = new Date(createdAt);
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  if (at >= midnight) return GROUPS[0];
  if (now - at < 7 * 24 * 3600 * 1000) return GROUPS[1];
  return GROUPS[2];
}

/** Puts a heading before the first notification of each group. */
function regroup(list) {
  for (const old of list.querySelectorAll(':scope > .notif-group')) old.remove();
  let current = null;
  for (const item of [...list.children]) {
    const group = item.dataset.group;
    if (group !== current) {
      current = group;
      item.before(h('li', { class: 'notif-group' }, h('h3', {}, group)));
    }
  }
}

function notificationItem(n, wasUnread) {
  const excerpt = n.comment_excerpt ?? null;
  const followBack = n.kind === 'follow' && n.actor.id !== api.currentUser()?.id
    ? followButton(n.actor, { following: Boolean(n.actor.followed_by_me), followLabel: 'Follow back', small: true })
    : null;
  const target = n.kind === 'report'
    ? '/moderation'
    : n.post_id
      ? `/p/${n.post_id}`
      : n.kind === 'follow_request' ? '/follow-requests' : `/u/${encodeURIComponent(n.actor.username)}`;
  return h(
    'li',
    { class: ['notif', wasUnread && 'is-unread'], dataset: { kind: n.kind, group: groupOf(n.created_at) } },
    h('a', { class: 'notif-avatar', href: `/u/${encodeURIComponent(n.actor.username)}`, tabindex: '-1', 'aria-hidden': 'true' }, avatar(n.actor, 'm')),
    h(
      'p',
      { class: 'notif-text' },
      userLink(n.actor),
      ' ',
      h('a', { class: 'notif-what', href: target }, describe(n)),
      excerpt ? h('span', { class: 'notif-excerpt' }, ` “${excerpt}${[...excerpt].length >= EXCERPT_CHARS ? '…' : ''}”`) : null,
      ' ',
      ago(n.created_at),
      wasUnread ? h('span', { class: 'visually-hidden' }, ' (new)') : null,
    ),
    followBack,
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
  // Headings follow the items, however they arrive (pages, live prepends).
  const grouping = new MutationObserver(() => {
    grouping.disconnect();
    regroup(list);
    grouping.observe(list, { childList: true });
  });
  grouping.observe(list, { childList: true });
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
        h('div', { class: 'empty' }, icon('bell'), h('p', { class: 'empty-title' }, 'No notifications yet'), h('p', {}, 'Likes, comments, follows, follow requests and mentions will show up here.')),
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
  grouping.disconnect();
  controller.abort();
  openPanel = null;
}
