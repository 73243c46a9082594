// Square thumbnail grids (profiles, explore, hashtags).

import { h } from '../dom.js';
import { compactCount } from '../format.js';
import { icon } from '../icons.js';
import { photo } from './photo.js';

const SIZES = '(min-width: 768px) 310px, 33vw';

/** A grid list element to pass to `pager`. */
export function gridList(label) {
  return h('ul', { class: 'grid', 'aria-label': label });
}

/** One post as a square tile linking to it. */
export function gridTile(post) {
  const first = post.media[0];
  if (!first) return null;
  const media = { ...first, alt: first.alt || `Photo by ${post.author.display_name || post.author.username}` };
  return h(
    'li',
    { class: 'grid-item' },
    h(
      'a',
      { class: 'tile', href: `/p/${post.id}` },
      photo(media, { square: true, sizes: SIZES }),
      post.media.length > 1 ? h('span', { class: 'tile-multi', 'aria-label': `${post.media.length} photos`, role: 'img' }, icon('grid')) : null,
      h(
        'span',
        { class: 'tile-stats', 'aria-hidden': 'true' },
        h('span', {}, icon('heart', { filled: true }), compactCount(post.like_count)),
        h('span', {}, icon('comment', { filled: true }), compactCount(post.comment_count)),
      ),
    ),
  );
}
