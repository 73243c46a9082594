// Requests to follow your private account (GET /api/me/follow_requests),
// each approved (PUT) or rejected (DELETE) in place.

import * as api from '../api.js';
import { h, replace } from '../dom.js';
import { icon } from '../icons.js';
import { userRow } from '../ui/follow.js';
import { requireUserAt } from '../ui/gate.js';
import { emptyState, page, pageTitle } from '../ui/page.js';
import { pager } from '../ui/pager.js';
import { toastError } from '../ui/toast.js';

export function followRequestsView(_params, ctx) {
  const me = api.currentUser();
  if (!me) {
    requireUserAt('/follow-requests');
    return page('redirect');
  }
  const { signal } = ctx;
  ctx.setTitle('Follow requests');
  const list = h('ul', { class: 'user-list', 'aria-label': 'Follow requests' });
  const paged = pager({
    list,
    signal,
    label: 'follow requests',
    load: (cursor) => api.get('/api/me/follow_requests', { query: { cursor, limit: 30 }, signal }),
    render: (u) => userRow(u, answerButtons(u)),
    empty: () =>
      emptyState('user', 'No follow requests', me.is_private ? 'When someone asks to follow you, they appear here.' : 'Your account is public: anyone can follow you.'),
  });
  return page(
    'follow-requests',
    h(
      'div',
      { class: 'page-head' },
      h('a', { class: 'icon-btn back-link', href: '/settings', 'aria-label': 'Back to settings' }, icon('back')),
      pageTitle('Follow requests'),
    ),
    paged.element,
  );
}

/** Confirm and Delete, replaced by the outcome once answered. */
function answerButtons(user) {
  const path = `/api/me/follow_requests/${encodeURIComponent(user.username)}`;
  const box = h('div', { class: 'request-actions' });
  const answer = async (approve) => {
    for (const b of box.querySelectorAll('button')) b.disabled = true;
    try {
      await (approve ? api.put : api.del)(path);
      replace(box, h('span', { class: 'request-outcome', role: 'status' }, approve ? 'Approved' : 'Removed'));
    } catch (err) {
      for (const b of box.querySelectorAll('button')) b.disabled = false;
      toastError(err, approve ? 'Could not approve.' : 'Could not remove the request.');
    }
  };
  replace(
    box,
    h('button', { class: 'btn btn-primary btn-small', type: 'button', onclick: () => answer(true) }, 'Confirm', h('span', { class: 'visually-hidden' }, ` ${user.username}`)),
    h('button', { class: 'btn btn-secondary btn-small', type: 'button', onclick: () => answer(false) }, 'Delete', h('span', { class: 'visually-hidden' }, ` ${user.username}'s request`)),
  );
  return box;
}
