// Cold load of the signed-in home feed: what a returning visitor with an
// empty cache pays before seeing the first post and the first photo.
// Not run by `cargo test`; figures for the README.
//
// It makes two accounts through the API (an author with POSTS posts of
// 1200 × 900 photos, each with three comments, and a reader who follows the
// author), signs the reader in, then opens `/` in a fresh browser (empty
// cache, the refresh cookie only) RUNS times and reports, per run: requests,
// bytes received (as sent, after any compression), the time to the first
// post card and to the first photo decoded, and the requests made after the
// first page while scrolling to the end of the feed.
//
// Usage: BASE_URL=http://127.0.0.1:8080 node coldload.mjs
// Options (environment): POSTS (default 24), RUNS (default 5),
// THROTTLE=1 (Chromium's "Fast 3G": 1.6 Mb/s down, 750 kb/s up, 150 ms RTT).
// The server must run with RATE_LIMITS=off (it creates posts quickly).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { png, scenes } from './png.mjs';

const BASE = process.env.BASE_URL;
if (!BASE) {
  console.error('BASE_URL is required, e.g. BASE_URL=http://127.0.0.1:8080 node coldload.mjs');
  process.exit(2);
}
const POSTS = Number(process.env.POSTS ?? 24);
const RUNS = Number(process.env.RUNS ?? 5);
const THROTTLE = process.env.THROTTLE === '1';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

async function api(method, path, { token, json, form } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (json) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${BASE}${path}`, { method, headers, body: json ? JSON.stringify(json) : form });
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(body)}`);
  return { body, response };
}

async function account(name) {
  const password = `password-${name}`;
  const { body } = await api('POST', '/api/auth/register', { json: { username: name, email: `${name}@example.com`, password } });
  return { name, password, token: body.access_token };
}

async function seed() {
  const tag = Date.now().toString(36);
  const author = await account(`author_${tag}`);
  const reader = await account(`reader_${tag}`);
  await api('PUT', `/api/users/${author.name}/follow`, { token: reader.token });
  const photo = new Blob([png(1200, 900, scenes.sunset(1200, 900))], { type: 'image/png' });
  for (let i = 0; i < POSTS; i += 1) {
    const form = new FormData();
    form.append('caption', `Cold load post ${i + 1} #coldload`);
    form.append('image', photo, 'photo.png');
    const { body: post } = await api('POST', '/api/posts', { token: author.token, form });
    for (const n of [1, 2, 3]) {
      await api('POST', `/api/posts/${post.id}/comments`, { token: reader.token, json: { body: `comment ${n}` } });
    }
  }
  return reader;
}

async function coldRun(reader) {
  const dir = mkdtempSync(join(tmpdir(), 'shutterbug-coldload-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
  });
  try {
    // Signed in as a returning visitor is: the refresh cookie and the hint.
    const login = await context.request.post(`${BASE}/api/auth/login`, { data: { login: reader.name, password: reader.password } });
    if (!login.ok()) throw new Error(`login: ${login.status()}`);
    await context.addInitScript(() => {
      localStorage.setItem('shutterbug.session-hint', '1');
      // When the first card and the first decoded photo appear.
      window.__marks = {};
      new MutationObserver(() => {
        const marks = window.__marks;
        if (!marks.post && document.querySelector('article.post')) marks.post = performance.now();
        const img = document.querySelector('article.post img.photo-img');
        if (!marks.photo && img?.complete && img.naturalWidth > 0) marks.photo = performance.now();
      }).observe(document, { childList: true, subtree: true, attributes: true });
      addEventListener('load', (e) => {
        if (e.target?.matches?.('article.post img.photo-img') && !window.__marks.photo) window.__marks.photo = performance.now();
      }, true);
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    if (THROTTLE) {
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 150,
        downloadThroughput: (1.6 * 1024 * 1024) / 8,
        uploadThroughput: (750 * 1024) / 8,
      });
    }
    let requests = 0;
    let bytes = 0;
    cdp.on('Network.requestWillBeSent', () => { requests += 1; });
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
    cdp.on('Network.webSocketFrameReceived', (e) => { bytes += e.response.payloadData.length; });

    await page.goto(`${BASE}/`);
    await page.waitForFunction(() => window.__marks.post && window.__marks.photo, null, { timeout: 60_000 });
    await page.waitForLoadState('networkidle');
    const marks = await page.evaluate(() => window.__marks);
    const first = { requests, bytes };
    // The rest of the feed: scroll until every post is on the page.
    for (let i = 0; i < 200; i += 1) {
      const shown = await page.locator('article.post').count();
      if (shown >= POSTS) break;
      await page.mouse.wheel(0, 4000);
      await page.waitForTimeout(150);
    }
    await page.waitForLoadState('networkidle');
    return { ...first, post: marks.post, photo: marks.photo, scrollRequests: requests - first.requests, scrollBytes: bytes - first.bytes };
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const reader = await seed();
const runs = [];
for (let i = 0; i < RUNS; i += 1) runs.push(await coldRun(reader));
for (const [i, run] of runs.entries()) {
  console.log(`run ${i + 1}: ${run.requests} requests, ${(run.bytes / 1024).toFixed(1)} KiB, first post ${run.post.toFixed(0)} ms, first photo ${run.photo.toFixed(0)} ms; scrolling the rest: ${run.scrollRequests} requests, ${(run.scrollBytes / 1024).toFixed(1)} KiB`);
}
console.log(
  `median of ${RUNS}${THROTTLE ? ' (Fast 3G)' : ''}: ${median(runs.map((r) => r.requests))} requests, ` +
    `${(median(runs.map((r) => r.bytes)) / 1024).toFixed(1)} KiB, first post ${median(runs.map((r) => r.post)).toFixed(0)} ms, ` +
    `first photo ${median(runs.map((r) => r.photo)).toFixed(0)} ms; scrolling the rest of ${POSTS} posts: ` +
    `${median(runs.map((r) => r.scrollRequests))} requests, ${(median(runs.map((r) => r.scrollBytes)) / 1024).toFixed(1)} KiB`,
);
