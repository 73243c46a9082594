// Follow buttons and the "Suggested for you" list they sit in.

import * as api from '../api.js';
import { h, replace } from '../dom.js';
import { avatar } from './avatar.js';
import { requireUser } from './gate.js';
import { toastError } from './toast.js';

/**
 * The label and hidden hint of a follow button: "Following", "Requested"
 * (a pending request to a private account) or `followLabel`; `username`
 * (null on the person's own profile) names whom the button is for.
 */
export function followLabels(username, { following, requested, followLabel = 'Follow' }) {
  const who = username ? ` ${username}` : '';
  if (following) return ['Following', h('span', { class: 'visually-hidden' }, `${who} (press to unfollow)`)];
  if (requested) return ['Requested', h('span', { class: 'visually-hidden' }, `${who} (press to cancel the request)`)];
  return who ? [followLabel, h('span', { class: 'visually-hidden' }, who)] : followLabel;
}

/**
 * A Follow / Following toggle for `user` (a short user), starting from
 * `following`; following a private account shows "Requested" until it
 * approves. `onChange(profile)` gets the server's answer each time;
 * `followLabel` names the button when not following (e.g. "Follow back").
 */
export function followButton(user, { following = false, followLabel = 'Follow', small = false, onChange = null } = {}) {
  let state = following;
  let requested = false;
  const button = h('button', { class: ['btn', 'follow-btn', small && 'btn-small'], type: 'button' });
  const paint = () => {
    const on = state || requested;
    replace(button, followLabels(user.username, { following: state, requested, followLabel }));
    button.classList.toggle('btn-primary', !on);
    button.classList.toggle('btn-secondary', on);
    button.setAttribute('aria-pressed', String(on));
  };
  button.addEventListener('click', async () => {
    if (!requireUser()) return;
    const want = !(state || requested);
    const before = [state, requested];
    state = want;
    requested = false;
    paint();
    button.disabled = true;
    try {
      const profile = await (want ? api.put : api.del)(`/api/users/${encodeURIComponent(user.username)}/follow`);
      state = Boolean(profile.followed_by_me);
      requested = Boolean(profile.follow_requested);
      onChange?.(profile);
    } catch (err) {
      [state, requested] = before;
      toastError(err, want ? 'Could not follow.' : 'Could not unfollow.');
    } finally {
      button.disabled = false;
      paint();
    }
  });
  paint();
  return button;
}

/** One person in a list: avatar and names linking to the profile, then `action`. */
export function userRow(user, action = null) {
  return h(
    'li',
    { class: 'user-row' },
    h(
      'a',
      { class: 'user-row-link', href: `/u/${encodeURIComponent(user.username)}` },
      avatar(user, 'm'),
      h('span', { class: 'user-row-names' }, h('strong', {}, user.username), h('span', {}, user.display_name)),
    ),
    action,
  );
}

/**
 * "Suggested for you": accounts from GET /api/suggestions, each with a
 * follow button; nothing at all when there are none (or they fail to load).
 */
export function suggestions({ signal, limit = 5, className = '' } = {}) {
  const list = h('ul', { class: 'user-list suggestion-list' });
  const titleId = `suggestions-title-${className || 'main'}`;
  list.setAttribute('aria-labelledby', titleId);
  const section = h('section', { class: ['suggestions', className], hidden: true }, h('h2', { class: 'suggestions-title', id: titleId }, 'Suggested for you'), list);
  api
    .get('/api/suggestions', { query: { limit }, signal })
    .then(({ users }) => {
      replace(list, users.map((u) => userRow(u, followButton(u, { small: true }))));
      section.hidden = users.length === 0;
    })
    .catch(() => {});
  return section;
}
