// Home: the feed when signed in (endless, with a "new posts" pill fed by the
// WebSocket), a welcome with fresh photos otherwise.

import * as api from '../api.js';
import { h, announce, replace } from '../dom.js';
import { plural } from '../format.js';
import { icon } from '../icons.js';
import { onLivePost } from '../notifications.js';
import { avatar } from '../ui/avatar.js';
import { gridList, gridTile } from '../ui/grid.js';
import { emptyState, page, pageTitle } from '../ui/page.js';
import { pager } from '../ui/pager.js';
import { postCard } from '../ui/post.js';
import { suggestions } from '../ui/follow.js';

const PAGE_SIZE = 8;

export function homeView(_params, ctx) {
  return api.currentUser() ? feedView(ctx) : welcomeView(ctx);
}

function feedView(ctx) {
  ctx.setTitle('Home');
  const { signal } = ctx;
  const list = h('div', { class: 'feed', role: 'feed', 'aria-label': 'Your feed' });
  let first = true;
  const paged = pager({
    list,
    signal,
    label: 'posts',
    load: (cursor) => api.get('/api/feed', { query: { cursor, limit: PAGE_SIZE }, signal }),
    render: (post) => {
      const card = postCard(post, { signal, eager: first });
      first = false;
      return card;
    },
    empty: () => emptyFeed(signal),
  });

  // Posts that arrived live wait behind the pill: the list never moves
  // under the reader's thumb.
  const pending = new Map();
  const pillFaces = h('span', { class: 'pill-faces', 'aria-hidden': 'true' });
  const pillText = h('span', {});
  const pill = h('button', { class: 'new-posts-pill', type: 'button', hidden: true }, icon('up'), pillFaces, pillText);
  pill.addEventListener('click', showPending);

  onLivePost((post) => {
    if (paged.has(post.id) || pending.has(post.id)) return;
    pending.set(post.id, post);
    const authors = [...new Map([...pending.values()].reverse().map((p) => [p.author.id, p.author])).values()];
    replace(pillFaces, authors.slice(0, 3).map((a) => avatar(a, 'xs')));
    pillText.textContent = pending.size === 1 ? 'New post' : `${plural(pending.size, 'new post')}`;
    if (pill.hidden) announce(`${pillText.textContent} in your feed`);
    pill.hidden = false;
  }, signal);

  function showPending() {
    const posts = [...pending.values()].sort((a, b) => b.id - a.id);
    pending.clear();
    pill.hidden = true;
    // Prepending keeps every loaded post (and so the way back down);
    // the browser's scroll anchoring keeps the view steady until we move.
    const nodes = paged.prepend(posts);
    window.scrollTo({ top: 0, behavior: 'smooth' });
    const firstNew = nodes[0];
    if (firstNew) {
      firstNew.setAttribute('tabindex', '-1');
      firstNew.focus({ preventScroll: true });
    }
  }

  return page('home', pageTitle('Home', { hidden: true }), h('div', { class: 'pill-bar' }, pill), paged.element);
}

function emptyFeed(signal) {
  const me = api.currentUser();
  const welcome = emptyState(
    'camera',
    `Welcome, ${me?.display_name || me?.username || 'friend'}`,
    'Follow people to see their photos here, or share your first one.',
    h(
      'div',
      { class: 'empty-actions' },
      h('a', { class: 'btn btn-primary', href: '/explore' }, 'Find people to follow'),
      h('a', { class: 'btn btn-secondary', href: '/new' }, 'Share a photo'),
    ),
  );
  return h('div', { class: 'feed-empty' }, welcome, suggestions({ signal, limit: 10, className: 'feed-suggestions' }));
}

function welcomeView(ctx) {
  ctx.setTitle('');
  const { signal } = ctx;
  const grid = pager({
    list: gridList('Recent photos'),
    signal,
    label: 'photos',
    load: (cursor) => api.get('/api/explore', { query: { cursor, limit: 24 }, signal }),
    render: gridTile,
    empty: () => emptyState('image', 'No photos yet', 'Be the first to share one.'),
  });
  return page(
    'welcome',
    h(
      'section',
      { class: 'hero' },
      pageTitle('See the world through other people’s lenses'),
      h('p', { class: 'hero-lead' }, 'Shutterbug is where photographers share what they see. Follow the people you like, and their photos fill your feed.'),
      h(
        'div',
        { class: 'hero-actions' },
        h('a', { class: 'btn btn-primary btn-large', href: '/signup' }, 'Create an account'),
        h('a', { class: 'btn btn-secondary btn-large', href: '/login' }, 'Sign in'),
      ),
    ),
    h('h2', { class: 'section-title' }, 'Fresh on Shutterbug'),
    grid.element,
  );
}
