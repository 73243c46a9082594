// Building blocks shared by the pages.

import { h } from '../dom.js';
import { icon } from '../icons.js';

/** A page container. */
export function page(name, ...children) {
  return h('div', { class: ['page', `page-${name}`] }, ...children);
}

/** The page's one <h1>; focus moves to it after navigation. */
export function pageTitle(text, { hidden = false } = {}) {
  return h('h1', { class: ['page-title', hidden && 'visually-hidden'], tabindex: '-1' }, text);
}

/** A friendly "nothing here" block. */
export function emptyState(iconName, title, text, action = null) {
  return h(
    'div',
    { class: 'empty' },
    h('span', { class: 'empty-icon' }, icon(iconName)),
    h('p', { class: 'empty-title' }, title),
    text ? h('p', { class: 'empty-text' }, text) : null,
    action,
  );
}

/** A centred spinner for a page whose data is on its way. */
export function loadingBlock(label = 'Loading') {
  return h('div', { class: 'loading-block' }, h('span', { class: 'spinner', role: 'status', 'aria-label': label }));
}

/** A page-level error with a retry button. */
export function errorBlock(err, retry) {
  return h(
    'div',
    { class: 'empty', role: 'alert' },
    h('p', { class: 'empty-title' }, err?.status === 404 ? 'Not found' : 'Something went wrong'),
    h('p', { class: 'empty-text' }, err?.status === 404 ? 'It may have been deleted, or the link is wrong.' : err?.message ?? 'Please try again.'),
    retry ? h('button', { class: 'btn btn-secondary', type: 'button', onclick: retry }, 'Try again') : h('a', { class: 'btn btn-secondary', href: '/' }, 'Go home'),
  );
}
