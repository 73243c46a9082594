// Sign in and sign up. Validation is the API's: its message names the field,
// and the message shows under that field.

import * as api from '../api.js';
import { h } from '../dom.js';
import { icon } from '../icons.js';
import { navigate } from '../router.js';
import { field, showApiError } from '../ui/field.js';
import { nextPath } from '../ui/gate.js';
import { page, pageTitle } from '../ui/page.js';

function passwordToggle(input) {
  const button = h('button', { class: 'link-btn reveal', type: 'button', 'aria-pressed': 'false' }, 'Show');
  button.setAttribute('aria-label', 'Show password');
  button.addEventListener('click', () => {
    const show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    button.textContent = show ? 'Hide' : 'Show';
    button.setAttribute('aria-pressed', String(show));
    button.setAttribute('aria-label', show ? 'Hide password' : 'Show password');
  });
  return button;
}

function authCard(title, lead, form, foot) {
  return page(
    'auth',
    h(
      'div',
      { class: 'auth-wrap' },
      h('div', { class: 'auth-art', 'aria-hidden': 'true' }, h('div', { class: 'auth-art-tiles' }, [1, 2, 3, 4, 5, 6].map((n) => h('span', { class: `tile tile-${n}` })))),
      h(
        'div',
        { class: 'auth-card' },
        h('div', { class: 'auth-brand' }, h('span', { class: 'logo-mark logo-mark-large' }, icon('camera')), h('span', { class: 'logo-word' }, 'Shutterbug')),
        pageTitle(title),
        h('p', { class: 'auth-lead' }, lead),
        form,
        h('p', { class: 'auth-foot' }, foot),
      ),
    ),
  );
}

// Views run while the router shows a page; leave it on the next tick.
function redirectSignedIn(ctx) {
  queueMicrotask(() => navigate(nextPath(ctx.query), { replace: true }));
  return page('redirect');
}

function submitButton(text) {
  return h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, text);
}

async function submitting(button, busyText, work) {
  const text = button.textContent;
  button.disabled = true;
  button.textContent = busyText;
  try {
    await work();
  } finally {
    button.disabled = false;
    button.textContent = text;
  }
}

export function loginView(_params, ctx) {
  if (api.currentUser()) return redirectSignedIn(ctx);
  ctx.setTitle('Sign in');
  const fields = {
    login: field({ name: 'login', label: 'Username or email', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' }),
    password: field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' }),
  };
  fields.password.element.append(passwordToggle(fields.password.input));
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const button = submitButton('Sign in');
  const form = h('form', { class: 'form', novalidate: true }, formError, fields.login.element, fields.password.element, button);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(button, 'Signing in…', async () => {
      try {
        // A successful sign-in rebuilds this page, which then moves on.
        await api.signIn(fields.login.input.value.trim(), fields.password.input.value);
      } catch (err) {
        showApiError(err, fields, formError);
      }
    });
  });
  const signup = h('a', { href: `/signup${location.search}` }, 'Sign up');
  return authCard('Sign in', 'Welcome back. See what the people you follow have been shooting.', form, ["Don't have an account? ", signup]);
}

export function signupView(_params, ctx) {
  if (api.currentUser()) return redirectSignedIn(ctx);
  ctx.setTitle('Sign up');
  const fields = {
    username: field({
      name: 'username',
      label: 'Username',
      hint: '3–30 letters, numbers, _ or .',
      autocomplete: 'username',
      autocapitalize: 'none',
      spellcheck: 'false',
    }),
    display_name: field({ name: 'display_name', label: 'Name (optional)', autocomplete: 'name' }),
    email: field({ name: 'email', label: 'Email', type: 'email', autocomplete: 'email' }),
    password: field({ name: 'password', label: 'Password', type: 'password', hint: 'At least 8 characters.', autocomplete: 'new-password' }),
  };
  fields.password.element.append(passwordToggle(fields.password.input));
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const button = submitButton('Create account');
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    formError,
    fields.username.element,
    fields.display_name.element,
    fields.email.element,
    fields.password.element,
    button,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(button, 'Creating account…', async () => {
      const body = {
        username: fields.username.input.value.trim(),
        email: fields.email.input.value.trim(),
        password: fields.password.input.value,
      };
      const name = fields.display_name.input.value.trim();
      if (name) body.display_name = name;
      try {
        await api.signUp(body);
      } catch (err) {
        showApiError(err, fields, formError);
      }
    });
  });
  const login = h('a', { href: `/login${location.search}` }, 'Sign in');
  return authCard('Create your account', 'Share your photos and follow the people whose eye you like.', form, ['Have an account? ', login]);
}
