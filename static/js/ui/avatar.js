// Profile pictures, with a coloured initial for people who have none.

import { h } from '../dom.js';

const SMALL_SIZES = new Set(['xs', 's', 'm']);

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
    // The 96 px version fills the small slots (24–44 px, at up to 2×).
    const small = SMALL_SIZES.has(size) && user.avatar_small_url;
    return h('img', {
      class: classes,
      src: small ? user.avatar_small_url : user.avatar_url,
      alt: label,
      width: small ? 96 : 320,
      height: small ? 96 : 320,
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
