// Start-up: restore the session, draw the frame (navigation, side bar) and
// hand pages to the router.

import * as api from './api.js';
import { h, replace } from './dom.js';
import { icon } from './icons.js';
import { notificationsButton, startNotifications, stopNotifications } from './notifications.js';
import { reload, route, start } from './router.js';
import { avatar } from './ui/avatar.js';
import { signOutAndLeave } from './ui/gate.js';
import { suggestions } from './ui/follow.js';
import { searchBox } from './ui/search.js';
import { startClock } from './ui/time.js';
import { loginView, signupView } from './views/auth.js';
import { composeView } from './views/compose.js';
import { exploreView } from './views/explore.js';
import { homeView } from './views/home.js';
import { moderates, moderationView } from './views/moderation.js';
import { notFoundView } from './views/notfound.js';
import { postView } from './views/post.js';
import { followListView, profileView } from './views/profile.js';
import { followRequestsView } from './views/requests.js';
import { settingsView } from './views/settings.js';
import { tagView } from './views/tag.js';

route('/', homeView);
route('/login', loginView);
route('/signup', signupView);
route('/explore', exploreView);
route('/new', composeView);
route('/settings', settingsView);
route('/follow-requests', followRequestsView);
route('/moderation', moderationView);
route('/tags/:tag', tagView);
route('/p/:id', postView);
route('/u/:username', profileView);
route('/u/:username/followers', (params, ctx) => followListView(params, ctx, 'followers'));
route('/u/:username/following', (params, ctx) => followListView(params, ctx, 'following'));
route('/404', notFoundView);

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const topbar = document.getElementById('topbar');
const side = document.getElementById('side');

function logo() {
  return h('a', { class: 'logo', href: '/', 'aria-label': 'Shutterbug home' }, h('span', { class: 'logo-mark' }, icon('camera')), h('span', { class: 'logo-word' }, 'Shutterbug'));
}

function navLink(href, label, iconNode, extra = '') {
  return h('a', { class: ['nav-item', extra], href, dataset: { nav: href } }, h('span', { class: 'nav-icon' }, iconNode), h('span', { class: 'nav-label' }, label));
}

function drawFrame({ restoring = false } = {}) {
  const me = api.currentUser();
  document.documentElement.dataset.signedIn = me ? 'yes' : 'no';
  if (!me && restoring) {
    // Someone who was signed in: what every signed-in frame has, until the
    // session is back (then the full frame) or gone (the signed-out one).
    replace(
      nav,
      h('div', { class: 'nav-logo' }, logo()),
      h('ul', { class: 'nav-list' }, h('li', {}, navLink('/', 'Home', icon('home'))), h('li', {}, navLink('/explore', 'Explore', icon('explore')))),
    );
    replace(topbar, logo());
    replace(side, searchBox({ id: 'side-search' }), footer());
  } else if (me) {
    const profile = `/u/${encodeURIComponent(me.username)}`;
    replace(
      nav,
      h('div', { class: 'nav-logo' }, logo()),
      h(
        'ul',
        { class: 'nav-list' },
        h('li', {}, navLink('/', 'Home', icon('home'))),
        h('li', {}, navLink('/explore', 'Explore', icon('explore'))),
        h('li', {}, navLink('/new', 'Create', icon('create'), 'nav-create')),
        h('li', { class: 'nav-only-wide' }, notificationsButton({ withLabel: true })),
        h('li', {}, navLink(profile, 'Profile', avatar(me, 'xs'))),
        moderates(me) ? h('li', {}, navLink('/moderation', 'Moderation', icon('bell'))) : null,
      ),
      h(
        'button',
        { class: 'nav-item nav-signout', type: 'button', onclick: signOutAndLeave },
        h('span', { class: 'nav-icon' }, icon('logout')),
        h('span', { class: 'nav-label' }, 'Sign out'),
      ),
    );
    replace(topbar, logo(), h('div', { class: 'topbar-actions' }, notificationsButton()));
    replace(
      side,
      searchBox({ id: 'side-search' }),
      h(
        'section',
        { class: 'side-card', 'aria-label': 'You' },
        h('a', { class: 'side-me', href: profile }, avatar(me, 'm'), h('span', { class: 'side-names' }, h('strong', {}, me.username), h('span', {}, me.display_name))),
        h('a', { class: 'btn btn-secondary btn-small', href: '/settings' }, 'Edit profile'),
      ),
      suggestions({ limit: 5, className: 'side-suggestions' }),
      footer(),
    );
  } else {
    replace(
      nav,
      h('div', { class: 'nav-logo' }, logo()),
      h(
        'ul',
        { class: 'nav-list' },
        h('li', {}, navLink('/', 'Home', icon('home'))),
        h('li', {}, navLink('/explore', 'Explore', icon('explore'))),
        h('li', {}, navLink('/login', 'Sign in', icon('user'))),
      ),
    );
    replace(
      topbar,
      logo(),
      h('div', { class: 'topbar-actions' }, h('a', { class: 'btn btn-primary btn-small', href: '/signup' }, 'Sign up')),
    );
    replace(
      side,
      searchBox({ id: 'side-search' }),
      h(
        'section',
        { class: 'side-card side-join' },
        h('h2', {}, 'New to Shutterbug?'),
        h('p', {}, 'Sign up to follow photographers and share your own photos.'),
        h('a', { class: 'btn btn-primary', href: '/signup' }, 'Create an account'),
        h('a', { class: 'btn btn-ghost', href: '/login' }, 'Sign in'),
      ),
      footer(),
    );
  }
  markCurrentNav();
}

function footer() {
  return h('footer', { class: 'side-footer' }, h('p', {}, 'Shutterbug • share what you see'));
}

function markCurrentNav() {
  const path = location.pathname;
  for (const link of document.querySelectorAll('[data-nav]')) {
    const target = link.dataset.nav;
    const active = target === '/' ? path === '/' : path === target || path.startsWith(`${target}/`);
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

// "Skip to content" moves focus without a fragment in the URL, which the
// router would otherwise take for a navigation.
document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

async function boot() {
  startClock();
  // The frame paints at once; the session comes back over the network.
  drawFrame({ restoring: api.hasHint() });
  await api.restoreSession();
  let lastUserId = api.currentUser()?.id ?? null;
  drawFrame();
  if (lastUserId != null) startNotifications();
  // Signing in or out (here or in another tab) rebuilds the frame and page.
  api.onSessionChange((user) => {
    const id = user?.id ?? null;
    drawFrame();
    if (id === lastUserId) return;
    lastUserId = id;
    if (user) startNotifications();
    else stopNotifications();
    reload();
  });
  start((node) => {
    replace(main, node);
    markCurrentNav();
  });
}

boot();
