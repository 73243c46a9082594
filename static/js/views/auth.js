// Sign in and sign up. Sign-up checks every field before the request, with
// the server's rules and words (src/domain/fields.rs), and shows every
// problem at once; what only the server can tell (a taken name) arrives as
// its message, which names the field, and shows under that field.

import * as api from '../api.js';
import { h } from '../dom.js';
import { icon } from '../icons.js';
import { navigate } from '../router.js';
import { capitalise, field, showApiError } from '../ui/field.js';
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

const utf8 = new TextEncoder();

/** The server's sign-up rules: `{ field: message }` for each broken one. */
function signupProblems({ username, email, password, display_name: name = '' }) {
  const problems = {};
  const user = username.trim().toLowerCase();
  if ([...user].length < 3 || [...user].length > 30) problems.username = 'must be 3 to 30 characters long';
  else if (!/^[a-z0-9_.]+$/.test(user)) problems.username = "may contain only letters a-z, digits, '_' and '.'";
  const mail = email.trim();
  const at = mail.indexOf('@');
  const local = mail.slice(0, at);
  const domain = mail.slice(at + 1);
  const validMail = at > 0
    && [...email].length <= 254
    && utf8.encode(mail.toLowerCase()).length <= 254
    && !/[\s\p{Cc}]/u.test(mail)
    && utf8.encode(local.toLowerCase()).length <= 64
    && !domain.includes('@')
    && domain.includes('.')
    && !domain.startsWith('.')
    && !domain.endsWith('.');
  if (!validMail) problems.email = 'is not a valid e-mail address';
  const bytes = utf8.encode(password).length;
  if (bytes < 8) problems.password = 'must be at least 8 bytes long';
  else if (bytes > 72) problems.password = 'must be at most 72 bytes long';
  if ([...name].length > 50) problems.display_name = 'must be at most 50 characters';
  return problems;
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
    const body = {
      username: fields.username.input.value.trim(),
      email: fields.email.input.value.trim(),
      password: fields.password.input.value,
    };
    const name = fields.display_name.input.value.trim();
    if (name) body.display_name = name;
    const problems = signupProblems(body);
    formError.hidden = true;
    for (const [key, f] of Object.entries(fields)) f.setError(problems[key] ? capitalise(problems[key]) : null);
    const first = Object.keys(fields).find((key) => problems[key]);
    if (first) {
      fields[first].input.focus();
      return;
    }
    submitting(button, 'Creating account…', async () => {
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
