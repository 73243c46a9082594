// The API client and the signed-in session.
//
// The access token lives in this module's memory only. The refresh token is
// an HttpOnly cookie scoped to /api/auth that scripts never see: a reload
// restores the session by POSTing to /api/auth/refresh with no body. Tokens
// are refreshed shortly before they expire and, when a call still meets a 401,
// once more before that call is retried. Each renewed token is also handed to
// the live socket (`onTokenRenewed`), which the server closes when the token
// it holds expires.

import { reportNetwork } from './ui/connection.js';

const HINT_KEY = 'shutterbug.session-hint';

/** An error answer from the API (or `status` 0 when the network failed). */
export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

let session = null; // { token, user, expiresAt }
let refreshTimer = 0;
let refreshing = null;
const events = new EventTarget();
// Tabs tell each other about sign-in and sign-out; never tokens.
const tabs = typeof BroadcastChannel === 'function' ? new BroadcastChannel('shutterbug-auth') : null;

/** The signed-in user, or null. */
export function currentUser() {
  return session?.user ?? null;
}

/** The current access token, or null (for the WebSocket's auth message). */
export function accessToken() {
  return session?.token ?? null;
}

/** Calls `fn(user)` whenever the signed-in user changes, until `signal` aborts. */
export function onSessionChange(fn, signal) {
  events.addEventListener('change', (e) => fn(e.detail), { signal });
}

/**
 * Calls `fn(token)` with each renewed access token of the signed-in user
 * (not at sign-in: that is a session change), until `signal` aborts.
 */
export function onTokenRenewed(fn, signal) {
  events.addEventListener('token', (e) => fn(e.detail), { signal });
}

function emit(type, detail) {
  events.dispatchEvent(new CustomEvent(type, { detail }));
}

/** Replaces the user object (after editing the profile or avatar). */
export function updateCurrentUser(user) {
  if (!session) return;
  session.user = { ...session.user, ...user };
  emit('change', session.user);
}

function adopt(body) {
  const fresh = !session || session.user.id !== body.user.id;
  session = {
    token: body.access_token,
    user: body.user,
    expiresAt: Date.now() + body.expires_in * 1000,
    // Refresh before a call when less than this is left (10 s, or a
    // quarter of a very short lifetime).
    margin: Math.min(10_000, body.expires_in * 250),
  };
  markHint(true);
  scheduleRefresh(body.expires_in);
  if (fresh) emit('change', session.user);
  else emit('token', session.token);
}

function drop() {
  clearTimeout(refreshTimer);
  markHint(false);
  if (!session) return;
  session = null;
  emit('change', null);
}

// Only a yes/no hint that a refresh cookie may exist, so a first visit does
// not spend a request (and a console-logged 401) on a session it never had.
function markHint(on) {
  try {
    if (on) localStorage.setItem(HINT_KEY, '1');
    else localStorage.removeItem(HINT_KEY);
  } catch {
    // Storage can be disabled; the hint is an optimisation only.
  }
}

/** Whether this browser was signed in when last seen (a session may come back). */
export function hasHint() {
  try {
    return localStorage.getItem(HINT_KEY) === '1';
  } catch {
    return true;
  }
}

function scheduleRefresh(expiresIn) {
  clearTimeout(refreshTimer);
  // A minute early for the usual 15 minutes; proportionally for short ones.
  const lead = expiresIn > 120 ? 60 : expiresIn / 4;
  const delay = Math.max(1, expiresIn - lead) * 1000;
  refreshTimer = setTimeout(() => { refresh().catch(() => {}); }, delay);
}

/**
 * Trades the refresh cookie for new tokens. Concurrent callers share one
 * request; tabs take turns through a Web Lock, because a refresh token is
 * single-use and presenting a spent one signs the whole session out.
 * Resolves true when signed in afterwards.
 */
export function refresh() {
  if (!refreshing) {
    const run = () => refreshNow();
    const locked = navigator.locks?.request
      ? navigator.locks.request('shutterbug-refresh', run)
      : run();
    refreshing = locked.finally(() => { refreshing = null; });
  }
  return refreshing;
}

async function refreshNow() {
  let response;
  try {
    response = await fetch('/api/auth/refresh', { method: 'POST', credentials: 'same-origin' });
  } catch {
    // Offline: keep what we have and try again soon.
    reportNetwork('down');
    if (session) scheduleRefresh(30);
    return Boolean(session);
  }
  if (response.ok) {
    adopt(await response.json());
    return true;
  }
  if (response.status === 401) drop();
  else if (session) scheduleRefresh(30);
  return Boolean(session);
}

/** At start-up: restores the session from the refresh cookie, if any. */
export async function restoreSession() {
  if (!hasHint()) return null;
  await refresh();
  return currentUser();
}

export async function signIn(login, password) {
  const body = await request('POST', '/api/auth/login', { json: { login, password }, anonymous: true });
  adopt(body);
  tabs?.postMessage({ type: 'signed-in' });
  return body.user;
}

export async function signUp(fields) {
  const body = await request('POST', '/api/auth/register', { json: fields, anonymous: true });
  adopt(body);
  tabs?.postMessage({ type: 'signed-in' });
  return body.user;
}

/**
 * Signs out here and in the other tabs. The page forgets the session first,
 * so its live socket is closed by us rather than refused by the server.
 */
export async function signOut() {
  drop();
  tabs?.postMessage({ type: 'signed-out' });
  await fetch('/api/auth/logout', { method: 'POST', credentials: 'same-origin' });
}

tabs?.addEventListener('message', (event) => {
  if (event.data?.type === 'signed-out') drop();
  else if (event.data?.type === 'signed-in' && !session) refresh();
});

// A tab that slept past its timer refreshes as soon as it is looked at.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && session && session.expiresAt - Date.now() < session.margin * 3) {
    refresh();
  }
});

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value != null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function ensureFreshToken() {
  if (session && session.expiresAt - Date.now() < session.margin) await refresh();
}

/**
 * Calls the API and returns the parsed JSON (null for 204). Options: `json`
 * (a body to send as JSON), `body` (FormData etc.), `query`, `signal`, and
 * `anonymous` (never send the token nor refresh on 401). Throws `ApiError`.
 */
export async function request(method, path, { json, body, query, signal, anonymous = false } = {}) {
  const url = withQuery(path, query);
  const send = () => {
    const headers = { Accept: 'application/json' };
    if (json !== undefined) headers['Content-Type'] = 'application/json';
    if (session && !anonymous) headers.Authorization = `Bearer ${session.token}`;
    return fetch(url, {
      method,
      headers,
      body: json !== undefined ? JSON.stringify(json) : body,
      signal,
      credentials: 'same-origin',
    });
  };
  if (!anonymous) await ensureFreshToken();
  let response;
  try {
    response = await send();
    if (response.status === 401 && session && !anonymous && (await refresh())) {
      response = await send();
    }
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    reportNetwork('down');
    throw offline();
  }
  // A 503 is an answer too, but not one that says the server is well.
  reportNetwork(response.status === 503 ? 'down' : 'up');
  return read(response);
}

function offline() {
  return new ApiError(0, 'network', 'Could not reach Shutterbug. Check your connection and try again.');
}

async function read(response) {
  if (response.status === 204) return null;
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.ok) return body;
  throw errorOf(response.status, body, response.headers.get('Retry-After'));
}

function errorOf(status, body, retryAfter) {
  const detail = body?.error;
  const message = detail?.message ?? (status >= 500
    ? 'Something went wrong on our side. Please try again.'
    : `The request failed (${status}).`);
  return new ApiError(status, detail?.code ?? 'http_error', message, retryAfter);
}

export const get = (path, options) => request('GET', path, options);
export const post = (path, json, options) => request('POST', path, { ...options, json });
export const put = (path, options) => request('PUT', path, options);
export const patch = (path, json, options) => request('PATCH', path, { ...options, json });
export const del = (path, options) => request('DELETE', path, options);

/**
 * Sends multipart `form` with XMLHttpRequest, because fetch cannot report
 * upload progress. `onProgress(fraction)` runs as bytes leave. Retries once
 * after a token refresh on 401. Resolves with the parsed JSON; `signal` aborts.
 */
export async function upload(method, path, form, { onProgress, signal } = {}) {
  await ensureFreshToken();
  let answer = await sendXhr(method, path, form, onProgress, signal);
  if (answer.status === 401 && session && (await refresh())) {
    answer = await sendXhr(method, path, form, onProgress, signal);
  }
  if (answer.status >= 200 && answer.status < 300) return answer.body;
  throw errorOf(answer.status, answer.body, answer.retryAfter);
}

function sendXhr(method, path, form, onProgress, signal) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.responseType = 'text';
    xhr.setRequestHeader('Accept', 'application/json');
    if (session) xhr.setRequestHeader('Authorization', `Bearer ${session.token}`);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress?.(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      let body = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      resolve({ status: xhr.status, body, retryAfter: xhr.getResponseHeader('Retry-After') });
    });
    xhr.addEventListener('error', () => {
      reportNetwork('down');
      reject(offline());
    });
    xhr.addEventListener('abort', () => reject(new DOMException('upload cancelled', 'AbortError')));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}
