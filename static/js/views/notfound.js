// Any path the app does not know.

import { h } from '../dom.js';
import { page, pageTitle } from '../ui/page.js';

export function notFoundView(_params, ctx) {
  ctx.setTitle('Page not found');
  return page(
    'notfound',
    h(
      'div',
      { class: 'empty' },
      pageTitle('This page isn’t available'),
      h('p', { class: 'empty-text' }, 'The link may be broken, or the page may have been removed.'),
      h('a', { class: 'btn btn-primary', href: '/' }, 'Go back home'),
    ),
  );
}
