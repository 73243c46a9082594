// Profile pictures, with a coloured initial for people who have none.

import { h } from '../dom.js';

function hue(username) {
  let sum = 0;
  for (const ch of username) sum = (sum * 31 + ch.codePointAt(0)) % 997;
  return sum % 8;
}

/**
 * A round avatar of `size` ('xs', 's', 'm', 'l', 'xl'). Decorative (empty
 * alt) by default because a name sits next to it; pass `label` otherwise.
 */
export function avatar(user, size = 's', label = '') {
  const classes = ['avatar', `avatar-${size}`];
  if (user?.avatar_url) {
    return h('img', {
      class: classes,
      src: user.avatar_url,
      alt: label,
      width: 320,
      height: 320,
      loading: 'lazy',
      decoding: 'async',
    });
  }
  const name = user?.display_name || user?.username || '?';
  const initial = [...name.trim()][0]?.toUpperCase() ?? '?';
  return h(
    'span',
    {
      class: [...classes, 'avatar-initial', `hue-${hue(user?.username ?? '')}`],
      role: label ? 'img' : null,
      'aria-label': label || null,
      'aria-hidden': label ? null : 'true',
    },
    initial,
  );
}
