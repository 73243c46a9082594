// Explore: the search box and a grid of recent posts from everyone.

import * as api from '../api.js';
import { h } from '../dom.js';
import { gridList, gridTile } from '../ui/grid.js';
import { emptyState, page, pageTitle } from '../ui/page.js';
import { pager } from '../ui/pager.js';
import { searchBox } from '../ui/search.js';

export function exploreView(_params, ctx) {
  ctx.setTitle('Explore');
  const { signal } = ctx;
  const grid = pager({
    list: gridList('Recent posts'),
    signal,
    label: 'posts',
    load: (cursor) => api.get('/api/explore', { query: { cursor, limit: 24 }, signal }),
    render: gridTile,
    empty: () => emptyState('image', 'Nothing to explore yet', 'When people share photos, they show up here.'),
  });
  return page(
    'explore',
    h('div', { class: 'page-head' }, pageTitle('Explore')),
    h('div', { class: 'explore-search' }, searchBox({ id: 'explore-search' })),
    grid.element,
  );
}
