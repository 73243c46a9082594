// Profiles: picture, names, bio, counts, follow button and the posts grid;
// and the lists of followers and followed people.

import * as api from '../api.js';
import { h, replace } from '../dom.js';
import { compactCount, plural } from '../format.js';
import { icon } from '../icons.js';
import { avatar } from '../ui/avatar.js';
import { followButton, followLabels, userRow } from '../ui/follow.js';
import { reportDialog } from '../ui/report.js';
import { requireUser, signOutAndLeave } from '../ui/gate.js';
import { gridList, gridTile } from '../ui/grid.js';
import { emptyState, errorBlock, loadingBlock, page, pageTitle } from '../ui/page.js';
import { pager } from '../ui/pager.js';
import { toastError } from '../ui/toast.js';
import { reload } from '../router.js';

const userPath = (username) => `/api/users/${encodeURIComponent(username)}`;

export function profileView({ username }, ctx) {
  const { signal } = ctx;
  const body = h('div', { class: 'profile-body' }, loadingBlock('Loading profile'));
  const root = page('profile', body);

  async function load() {
    replace(body, loadingBlock('Loading profile'));
    try {
      const user = await api.get(userPath(username), { signal });
      ctx.setTitle(`${user.display_name} (@${user.username})`);
      replace(body, profileHeader(user), mayRead(user) ? postsGrid(user, signal) : privateNotice());
    } catch (err) {
      if (err.name === 'AbortError') return;
      ctx.setTitle(err.status === 404 ? 'Profile not found' : 'Profile');
      replace(body, pageTitle(err.status === 404 ? 'Profile not found' : 'Profile', { hidden: true }), errorBlock(err, err.status === 404 ? null : load));
    }
  }
  load();
  return root;
}

/** Whether the caller may read `user`'s posts and lists (see docs/API.md). */
function mayRead(user) {
  return !user.is_private || user.followed_by_me || api.currentUser()?.id === user.id;
}

function privateNotice() {
  return h(
    'section',
    { class: 'profile-private', 'aria-label': 'Posts' },
    emptyState('lock', 'This account is private', 'Follow this account to see their photos and who they follow.'),
  );
}

function stat(count, label, href) {
  const content = [h('strong', {}, compactCount(count)), h('span', {}, ` ${label}`)];
  return h('li', { class: 'stat' }, href ? h('a', { href }, content) : content);
}

function profileHeader(initial) {
  let user = initial;
  const me = api.currentUser();
  const isMe = me?.id === user.id;
  const base = `/u/${encodeURIComponent(user.username)}`;
  const stats = h('ul', { class: 'profile-stats', 'aria-label': 'Counts' });
  const paintStats = () =>
    replace(
      stats,
      stat(user.posts_count, user.posts_count === 1 ? 'post' : 'posts'),
      stat(user.followers_count, user.followers_count === 1 ? 'follower' : 'followers', mayRead(user) ? `${base}/followers` : null),
      stat(user.following_count, 'following', mayRead(user) ? `${base}/following` : null),
    );
  paintStats();

  let actions;
  if (isMe) {
    actions = h(
      'div',
      { class: 'profile-actions' },
      h('a', { class: 'btn btn-secondary', href: '/settings' }, 'Edit profile'),
      h('button', { class: 'btn btn-ghost', type: 'button', onclick: signOutAndLeave }, icon('logout'), 'Sign out'),
    );
  } else {
    const follow = h('button', { class: 'btn follow-btn', type: 'button' });
    const paintFollow = () => {
      const on = Boolean(user.followed_by_me || user.follow_requested);
      replace(follow, followLabels(null, { following: user.followed_by_me, requested: user.follow_requested }));
      follow.classList.toggle('btn-primary', !on);
      follow.classList.toggle('btn-secondary', on);
    };
    follow.addEventListener('click', async () => {
      if (!requireUser()) return;
      const want = !(user.followed_by_me || user.follow_requested);
      const before = user;
      // Optimistic: the button and count change at once, and back on failure.
      // A private account is asked instead: "Requested", no count change.
      user = want && user.is_private
        ? { ...user, follow_requested: true }
        : { ...user, followed_by_me: want, follow_requested: false, followers_count: user.followers_count + (want ? 1 : user.followed_by_me ? -1 : 0) };
      paintFollow();
      paintStats();
      follow.disabled = true;
      try {
        const wasReadable = mayRead(before);
        user = await (want ? api.put : api.del)(`${userPath(user.username)}/follow`);
        // Unfollowing a private account hides its posts again.
        if (wasReadable !== mayRead(user)) reload();
      } catch (err) {
        user = before;
        toastError(err, want ? 'Could not follow.' : 'Could not unfollow.');
      } finally {
        follow.disabled = false;
        paintFollow();
        paintStats();
      }
    });
    paintFollow();
    const report = me
      ? h('button', { class: 'btn btn-ghost report-btn', type: 'button', onclick: () => reportDialog({ kind: 'user', id: user.username }, 'account') }, 'Report')
      : null;
    const relations = me ? relationButtons(() => user, (next) => { user = next; paintFollow(); paintStats(); }) : [];
    actions = h('div', { class: 'profile-actions' }, follow, ...relations, report);
  }

  return h(
    'header',
    { class: 'profile-head' },
    h('div', { class: 'profile-avatar' }, avatar(user, 'xl', `${user.username}'s profile picture`)),
    h('div', { class: 'profile-title' }, pageTitle(user.username)),
    actions,
    stats,
    h(
      'div',
      { class: 'profile-about' },
      h('p', { class: 'profile-name' }, user.display_name, user.is_private ? h('span', { class: 'profile-lock', title: 'Private account' }, icon('lock'), h('span', { class: 'visually-hidden' }, ' (private account)')) : null),
      user.bio ? h('p', { class: 'profile-bio' }, user.bio) : null,
    ),
  );
}

function postsGrid(user, signal) {
  const isMe = api.currentUser()?.id === user.id;
  const grid = pager({
    list: gridList(`Posts by ${user.username}`),
    signal,
    label: 'posts',
    load: (cursor) => api.get(`${userPath(user.username)}/posts`, { query: { cursor, limit: 24 }, signal }),
    render: gridTile,
    empty: () =>
      isMe
        ? emptyState('camera', 'Share your first photo', 'When you share photos, they appear on your profile.', h('a', { class: 'btn btn-primary', href: '/new' }, 'Share a photo'))
        : emptyState('camera', 'No posts yet', null),
  });
  return h('section', { class: 'profile-posts', 'aria-label': 'Posts' }, h('h2', { class: 'grid-heading' }, icon('grid'), 'Posts'), grid.element);
}

/** `/u/:username/followers` and `/u/:username/following`. */
export function followListView({ username }, ctx, which) {
  const { signal } = ctx;
  const heading = which === 'followers' ? `People following ${username}` : `People ${username} follows`;
  ctx.setTitle(which === 'followers' ? `Followers of @${username}` : `Followed by @${username}`);
  const list = h('ul', { class: 'user-list', 'aria-label': heading });
  const count = h('p', { class: 'page-sub' });
  // The header shows the profile's own count, not how many rows are loaded.
  api
    .get(userPath(username), { signal })
    .then((user) => {
      count.textContent = plural(which === 'followers' ? user.followers_count : user.following_count, 'person', 'people');
    })
    .catch(() => {});
  const me = api.currentUser();
  const paged = pager({
    list,
    signal,
    label: which,
    load: (cursor) => api.get(`${userPath(username)}/${which}`, { query: { cursor, limit: 30 }, signal }),
    render: (u) => userRow(u, me && me.id !== u.id ? followButton(u, { following: Boolean(u.followed_by_me), small: true }) : null),
    empty: () => emptyState('user', which === 'followers' ? 'No followers yet' : 'Not following anyone yet', null),
  });
  return page(
    'follows',
    h(
      'div',
      { class: 'page-head' },
      h('a', { class: 'icon-btn back-link', href: `/u/${encodeURIComponent(username)}`, 'aria-label': `Back to ${username}'s profile` }, icon('back')),
      h('div', {}, pageTitle(heading), count),
    ),
    paged.element,
  );
}

/* Block, mute and remove follower: each answers with the account as it now
   stands, which repaints the header. A blocked profile stays on screen for
   its blocker (to unblock), though it is gone everywhere else. */
function relationButtons(current, update) {
  const toggle = ([off, on], isOn, path) => {
    const button = h('button', { class: 'btn btn-ghost', type: 'button' });
    const paint = () => replace(button, isOn(current()) ? on : off);
    button.addEventListener('click', async () => {
      const undo = isOn(current());
      button.disabled = true;
      try {
        update(await (undo ? api.del : api.put)(`${userPath(current().username)}/${path}`));
      } catch (err) {
        toastError(err, `Could not ${(undo ? on : off).toLowerCase()}.`);
      } finally {
        button.disabled = false;
        paint();
      }
    });
    paint();
    return button;
  };
  const buttons = [
    toggle(['Block', 'Unblock'], (u) => u.blocked_by_me, 'block'),
    toggle(['Mute', 'Unmute'], (u) => u.muted_by_me, 'mute'),
  ];
  if (current().follows_me) {
    const remove = h('button', { class: 'btn btn-ghost', type: 'button' }, 'Remove follower');
    remove.addEventListener('click', async () => {
      remove.disabled = true;
      try {
        update(await api.del(`${userPath(current().username)}/follower`));
        remove.remove();
      } catch (err) {
        remove.disabled = false;
        toastError(err, 'Could not remove the follower.');
      }
    });
    buttons.push(remove);
  }
  return buttons;
}
