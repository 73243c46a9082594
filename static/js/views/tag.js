// A hashtag page: every post carrying the tag, newest first, as a grid.

import * as api from '../api.js';
import { h } from '../dom.js';
import { plural } from '../format.js';
import { icon } from '../icons.js';
import { gridList, gridTile } from '../ui/grid.js';
import { emptyState, page, pageTitle } from '../ui/page.js';
import { pager } from '../ui/pager.js';

export function tagView({ tag }, ctx) {
  const name = tag.toLowerCase();
  ctx.setTitle(`#${name}`);
  const { signal } = ctx;
  const count = h('p', { class: 'tag-count' });
  let loaded = 0;
  const grid = pager({
    list: gridList(`Posts tagged #${name}`),
    signal,
    label: 'posts',
    load: async (cursor) => {
      const result = await api.get(`/api/tags/${encodeURIComponent(name)}/posts`, { query: { cursor, limit: 24 }, signal });
      loaded += result.items.length;
      count.textContent = result.next_cursor ? `${plural(loaded, 'post')} and more` : plural(loaded, 'post');
      return result;
    },
    render: gridTile,
    empty: () => emptyState('hash', `No posts with #${name} yet`, 'Use it in a caption and yours will be the first.'),
  });
  return page(
    'tag',
    h(
      'header',
      { class: 'tag-head' },
      h('span', { class: 'tag-badge', 'aria-hidden': 'true' }, icon('hash')),
      h('div', {}, pageTitle(`#${name}`), count),
    ),
    grid.element,
  );
}
