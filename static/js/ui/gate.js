// Actions that need an account send signed-out visitors to sign in first,
// and back to where they were afterwards.

import { currentUser, signOut } from '../api.js';
import { navigate } from '../router.js';
import { toastError } from './toast.js';

/** True when signed in; otherwise goes to the sign-in page and returns false. */
export function requireUser() {
  if (currentUser()) return true;
  navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
  return false;
}

/**
 * For a page that needs an account, built while signed out: sends the visitor
 * to sign in on the next tick, unless something (signing out here, say) has
 * moved on from `path` by then.
 */
export function requireUserAt(path) {
  queueMicrotask(() => {
    if (location.pathname === path) requireUser();
  });
}

/** A same-site path from `?next=`, or `/`: never another site. */
export function nextPath(query) {
  const next = query.get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** The sign-out buttons: end the session, then start from the home page. */
export async function signOutAndLeave() {
  // signOut forgets the session at once; the server is told meanwhile.
  const told = signOut();
  navigate('/');
  try {
    await told;
  } catch (err) {
    toastError(err, 'Signed out here, but the server could not be told.');
  }
}
