// The web front end, end to end, in real headless Chromium.
//
// Two people, each in a browser of their own (fresh profile directory):
// ana on a 1280 px desktop, ben on a 375 px phone. Both sign up; ana finds
// ben through search and follows him; ben posts a photo whose caption holds a
// hashtag and an HTML injection attempt; ana sees the "new post" pill, opens
// it and likes the post; ben's badge goes up without a reload and his panel
// says ana liked the post; his socket is cut (4008) while ana comments and the
// reconnect replays the comment from `since`, once; the caption shows as text
// and no dialog ever opens; a reload keeps ana signed in. Along the way: the
// carousel, tags, comments, profile editing, token renewal (also on the open
// socket, which outlives its first token), a 401 retried after a refresh,
// a private account's follow request approved live, a report dismissed and an
// account suspended and reinstated by a moderator, deleting a post, blocking,
// signing out. Any page error, console error or dialog
// fails the run. Screenshots go to SCREENSHOT_DIR.
//
// Usage: BASE_URL=http://127.0.0.1:8080 node scenario.mjs
// (set ACCESS_TOKEN_TTL to the server's, if 30 s or less, to also check that
// tokens are renewed before they expire).

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { png, scenes } from './png.mjs';

const BASE = process.env.BASE_URL;
if (!BASE) {
  console.error('BASE_URL is required, e.g. BASE_URL=http://127.0.0.1:8080 node scenario.mjs');
  process.exit(2);
}
const SHOTS = resolve(process.env.SCREENSHOT_DIR ?? '../../target/screenshots');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const XSS = '<img src=x onerror=alert(1)>';
const CAPTION = `Golden hour at the pier #Pier ${XSS}`;

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const problems = [];
const people = [];
const started = Date.now();

// Nothing may hang CI: the whole run has a hard limit.
setTimeout(() => {
  console.error('FAILED: the scenario took longer than 220 s');
  process.exit(1);
}, 220_000).unref();

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

async function step(name, fn) {
  const t0 = Date.now();
  await fn();
  console.log(`ok   ${name} (${Date.now() - t0} ms)`);
}

/** A person with a browser of their own. */
async function launch(name, { width, height, mobile }) {
  const dir = mkdtempSync(join(tmpdir(), `shutterbug-e2e-${name}-`));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width, height },
    deviceScaleFactor: 1,
    isMobile: mobile,
    hasTouch: mobile,
    colorScheme: 'light',
    reducedMotion: 'reduce',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  const person = { name, dir, context, page, allowed: [], refreshes: [] };
  page.on('response', (r) => {
    if (r.url().endsWith('/api/auth/refresh')) person.refreshes.push({ status: r.status(), at: Date.now() });
  });
  page.on('pageerror', (err) => problems.push(`${name}: uncaught page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const allowance = person.allowed.find((a) => a.pattern.test(msg.text()));
    if (allowance) allowance.seen += 1;
    else problems.push(`${name}: console error: ${msg.text()}`);
  });
  page.on('dialog', (dialog) => {
    problems.push(`${name}: a ${dialog.type()} dialog opened: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  people.push(person);
  return person;
}

/**
 * Puts the page's WebSocket through a tap that counts connections, records
 * each one's opening auth message, the renewals sent on open connections and
 * notification seqs, and can cut the connection with a close code and hold
 * the next one's messages to the server until released.
 */
async function tapLive(person) {
  const live = { connections: 0, auths: [], renewals: [], notificationSeqs: [], current: null, hold: null };
  await person.page.routeWebSocket(/\/api\/ws$/, (ws) => {
    const server = ws.connectToServer();
    const hold = live.hold?.promise ?? null;
    live.hold = null;
    live.connections += 1;
    const connection = live.connections;
    let opened = false;
    ws.onMessage((message) => {
      const parsed = JSON.parse(message);
      if (parsed.type === 'auth' && opened) live.renewals.push({ connection, at: Date.now() });
      else if (parsed.type === 'auth') live.auths.push(parsed);
      if (parsed.type === 'auth') opened = true;
      if (hold) hold.then(() => server.send(message));
      else server.send(message);
    });
    server.onMessage((message) => {
      const parsed = JSON.parse(message);
      if (parsed.type === 'notification') live.notificationSeqs.push(parsed.notification.seq);
      ws.send(message);
    });
    live.current = { ws, server };
  });
  live.cut = (code) => {
    let release;
    const promise = new Promise((resolve) => { release = resolve; });
    live.hold = { promise };
    live.current.ws.close({ code, reason: 'cut by the test' });
    live.current.server.close();
    return { release };
  };
  person.live = live;
}

/**
 * Runs `fn` while console errors matching `pattern` are expected (and,
 * unless `required` is false, required).
 */
async function expectingConsoleError(person, pattern, fn, { required = true } = {}) {
  const allowance = { pattern, seen: 0 };
  person.allowed.push(allowance);
  try {
    await fn();
  } finally {
    person.allowed.splice(person.allowed.indexOf(allowance), 1);
  }
  check(!required || allowance.seen > 0, `expected a console error matching ${pattern}`);
}

async function signUp({ page, name }) {
  await page.goto(`${BASE}/signup`);
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Email').fill(`${name}@example.com`);
  await page.getByLabel('Password', { exact: true }).fill(`password-${name}`);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText(`Welcome, ${name}`).waitFor();
  // The live connection is up before anything happens that it must report.
  await page.waitForFunction(() => document.documentElement.dataset.live === 'live');
}

/**
 * Runs axe-core on the page as it is, in light and dark, and fails on any
 * serious or critical violation. Injected through the debugging protocol,
 * which the page's CSP does not govern.
 */
async function axeCheck(page, what) {
  const found = [];
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    // Let the new colours settle (two frames) before they are measured.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await page.evaluate(AXE);
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run(document, { resultTypes: ['violations'] });
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} ${n.failureSummary?.split('\n')[1] ?? ''}`).join('; ')}`);
    });
    found.push(...violations.map((v) => `${what}, ${colorScheme}: ${v}`));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  check(found.length === 0, `axe found:\n    ${found.join('\n    ')}`);
}

function postArticle(page, author) {
  return page.locator('article.post', { has: page.locator('.post-author', { hasText: author }) }).first();
}

/** Average colour in linear light, back to sRGB, as a blurhash's DC term is. */
function averageSrgb(width, height, color) {
  const toLinear = (v) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  const toSrgb = (v) => Math.round(255 * (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055));
  const sum = [0, 0, 0];
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) color(x, y).forEach((c, i) => { sum[i] += toLinear(c); });
  }
  return sum.map((s) => toSrgb(s / (width * height)));
}

async function pureModules(page) {
  // The pure modules, run by the very engine that runs the app.
  const result = await page.evaluate(async () => {
    const blurhash = await import('/js/blurhash.js');
    const richtext = await import('/js/richtext.js');
    const format = await import('/js/format.js');
    const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~';
    const b83 = (value, length) => {
      let out = '';
      for (let i = 1; i <= length; i += 1) out += digits[Math.floor(value / 83 ** (length - i)) % 83];
      return out;
    };
    const dc = b83((200 << 16) + (90 << 8) + 40, 4);
    const flat = blurhash.decode(`00${dc}`, 4, 4);
    // Two columns, strongest positive horizontal term: bright left, dark right.
    const ramp = blurhash.decode(`1S${dc}${b83(18 * 361 + 18 * 19 + 18, 2)}`, 8, 1);
    const none = blurhash.decode(`1S${dc}${b83(9 * 361 + 9 * 19 + 9, 2)}`, 8, 1);
    const throws = (hash) => {
      try {
        blurhash.decode(hash, 4, 4);
        return false;
      } catch {
        return true;
      }
    };
    const now = Date.parse('2026-03-10T12:00:00Z');
    return {
      flat: [...flat.slice(0, 4)],
      flatUniform: flat.every((v, i) => v === flat[i % 4]),
      rampLeft: [...ramp.slice(0, 3)],
      rampRight: [...ramp.slice(28, 31)],
      noneUniform: none.every((v, i) => v === none[i % 4]),
      rejects: [throws('abc'), throws(`00${dc}x`), throws('00!!!!')],
      tokens: richtext.tokenize(`Hi @Ana. #Sunset, me@mail.com #café ${'<b>'}`),
      ago: [
        format.shortAgo('2026-03-10T11:59:40Z', now),
        format.shortAgo('2026-03-10T11:55:00Z', now),
        format.shortAgo('2026-03-10T09:00:00Z', now),
        format.shortAgo('2026-03-07T12:00:00Z', now),
      ],
      chars: format.charCount('📷 ok'),
      field: format.fieldOfMessage('username: this username is already taken', ['username', 'email']),
    };
  });
  check(JSON.stringify(result.flat) === '[200,90,40,255]', `1×1 blurhash decodes to its colour: ${result.flat}`);
  check(result.flatUniform && result.noneUniform, 'a blurhash without AC terms is uniform');
  check(result.rampLeft.every((v, i) => v > result.rampRight[i] + 40), `AC term shades left to right: ${result.rampLeft} vs ${result.rampRight}`);
  check(result.rejects.every(Boolean), 'malformed blurhashes are refused');
  const kinds = result.tokens.map((t) => `${t.type}:${t.text}`);
  check(
    JSON.stringify(kinds) === JSON.stringify(['text:Hi ', 'mention:@Ana', 'text:. ', 'tag:#Sunset', 'text:, me@mail.com ', 'tag:#café', 'text: <b>']),
    `caption tokens: ${JSON.stringify(kinds)}`,
  );
  check(result.tokens[1].username === 'ana' && result.tokens[3].tag === 'sunset', 'mentions and tags are lower-cased');
  check(JSON.stringify(result.ago) === '["now","5m","3h","3d"]', `relative times: ${result.ago}`);
  check(result.chars === 4, 'characters are counted as the server counts them');
  check(result.field?.field === 'username', 'API messages are matched to their field');
}

/** Shares a post through the composer and returns the API's answer. */
async function share({ page }, photos, caption) {
  await page.getByRole('link', { name: 'Create', exact: true }).click();
  await page.getByRole('heading', { name: 'New post' }).waitFor();
  await page.locator('input[type=file]').setInputFiles(
    photos.map((p) => ({ name: p.name, mimeType: 'image/png', buffer: png(p.width, p.height, p.color) })),
  );
  for (const [i, p] of photos.entries()) await page.getByLabel(`Alt text for photo ${i + 1}`).fill(p.alt);
  await page.getByLabel('Caption').fill(caption);
  const counter = await page.locator('.char-count').textContent();
  check(counter.startsWith(`${[...caption].length} /`), `caption counter counts: ${counter}`);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/posts') && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Share' }).click(),
  ]);
  check(response.status() === 201, `upload answered ${response.status()}`);
  const post = await response.json();
  await page.locator(`article.post[data-post-id="${post.id}"]`).waitFor();
  return post;
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const ana = await launch('ana', { width: 1280, height: 900, mobile: false });
  const ben = await launch('ben', { width: 375, height: 812, mobile: true });
  await tapLive(ben);

  await step('pure modules behave (blurhash, captions, times)', async () => {
    await ana.page.goto(`${BASE}/`);
    await pureModules(ana.page);
  });

  await step('sign-up shows every problem at once, before any request', async () => {
    await ana.page.goto(`${BASE}/signup`);
    await ana.page.getByLabel('Username').fill('a!');
    await ana.page.getByLabel('Email').fill('ana@example');
    await ana.page.getByLabel('Password', { exact: true }).fill('short');
    let requests = 0;
    const count = (r) => { if (r.url().endsWith('/api/auth/register')) requests += 1; };
    ana.page.on('request', count);
    await ana.page.getByRole('button', { name: 'Create account' }).click();
    const messages = {};
    for (const name of ['username', 'email', 'password']) {
      const input = ana.page.locator(`input[name=${name}]`);
      check((await input.getAttribute('aria-invalid')) === 'true', `${name} is marked invalid`);
      const described = await input.getAttribute('aria-describedby');
      messages[name] = await ana.page.locator(`[id="${described.split(' ')[0]}"]`).textContent();
    }
    ana.page.off('request', count);
    check(requests === 0, `no request with known problems: ${requests}`);
    check(messages.username === 'Must be 3 to 30 characters long', `username: ${messages.username}`);
    check(messages.email === 'Is not a valid e-mail address', `email: ${messages.email}`);
    check(messages.password === 'Must be at least 8 bytes long', `password: ${messages.password}`);
    check(await ana.page.locator('input[name=username]').evaluate((el) => el === document.activeElement), 'the first problem has the focus');
  });

  await step('ana signs up; a new account is offered people to follow', async () => {
    await signUp(ana);
  });

  await step("the server's field errors land on the same fields (a taken username)", async () => {
    await ben.page.goto(`${BASE}/signup`);
    await ben.page.getByLabel('Username').fill('ana');
    await ben.page.getByLabel('Email').fill('someone@example.com');
    await ben.page.getByLabel('Password', { exact: true }).fill('password-long');
    await expectingConsoleError(ben, /status of 409/, async () => {
      await ben.page.getByRole('button', { name: 'Create account' }).click();
      await ben.page.waitForFunction(() => document.querySelector('input[name=username]')?.getAttribute('aria-invalid') === 'true');
    });
    check((await ben.page.locator('input[name=email]').getAttribute('aria-invalid')) !== 'true', 'only the named field is marked');
  });

  await step('ben signs up and is offered ana, with a follow button', async () => {
    await signUp(ben);
    const suggested = ben.page.locator('.feed-suggestions');
    await suggested.getByRole('heading', { name: 'Suggested for you' }).waitFor();
    await suggested.getByRole('button', { name: 'Follow ana' }).waitFor();
    await ben.page.screenshot({ path: join(SHOTS, 'suggestions-375.png') });
  });

  await step("on a desktop the side bar suggests ben to ana, with a follow button", async () => {
    await ana.page.reload();
    const side = ana.page.locator('.side-suggestions');
    await side.getByRole('heading', { name: 'Suggested for you' }).waitFor();
    await side.getByRole('button', { name: 'Follow ben' }).waitFor();
  });

  await step('the session lives in memory and an HttpOnly cookie only', async () => {
    const stored = await ana.page.evaluate(() => ({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }));
    const text = JSON.stringify(stored);
    check(!/eyJ/.test(text), `no JWT in web storage or cookies: ${text}`);
    check(!/refresh_token/.test(stored.cookie), 'the refresh cookie is HttpOnly');
  });

  await step('ana finds ben through search and follows him', async () => {
    const search = ana.page.getByRole('combobox', { name: 'Search people and hashtags' });
    await search.fill('be');
    await ana.page.getByRole('option', { name: /ben/ }).click();
    await ana.page.waitForURL(`${BASE}/u/ben`);
    await ana.page.getByRole('button', { name: 'Follow', exact: true }).click();
    await ana.page.getByRole('button', { name: /^Following/ }).waitFor();
    await ana.page.getByText('1 follower').waitFor();
    // ben hears of it live.
    await ben.page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
    await ana.page.getByRole('link', { name: 'Home', exact: true }).click();
    await ana.page.getByText('Welcome, ana').waitFor();
  });

  let created;
  const sunset = scenes.sunset(480, 360);
  await step('ben posts two photos with a hashtag and an HTML injection attempt', async () => {
    created = await share(ben, [
      { name: 'pier.png', color: sunset, width: 480, height: 360, alt: 'The pier at sunset, orange sky' },
      { name: 'lake.png', color: scenes.mountains(480, 360), width: 480, height: 360, alt: 'Mountains over a lake' },
    ], CAPTION);
    check(created.media.length === 2 && created.hashtags.includes('pier'), 'the post has both photos and its tag');
  });

  await step('ana sees the new-post pill, opens it and sees the post', async () => {
    const pill = ana.page.getByRole('button', { name: /new post/i });
    await pill.waitFor();
    await pill.click();
    const article = postArticle(ana.page, 'ben');
    await article.waitFor();
    check(await pill.isHidden(), 'the pill goes away once clicked');
    const caption = article.locator('.post-caption');
    check((await caption.textContent()).includes(XSS), 'the caption shows the markup as text');
    check((await caption.locator('img').count()) === 0, 'the caption holds no element made from its text');
    check((await article.locator('a[href="/tags/pier"]').textContent()) === '#Pier', 'hashtags are links');
    const img = article.locator('img.photo-img').first();
    check((await img.getAttribute('alt')) === 'The pier at sunset, orange sky', 'alt text reaches the image');
    await ana.page.waitForFunction(() => document.querySelector('article.post img.photo-img')?.complete);
  });

  await step('the carousel moves to the second photo', async () => {
    const article = postArticle(ana.page, 'ben');
    const count = article.locator('.carousel-count');
    check((await count.textContent()) === '1/2', 'the carousel starts at the first photo');
    await article.getByRole('button', { name: 'Next photo' }).click();
    await ana.page.waitForFunction(() => document.querySelector('article.post .carousel-count')?.textContent === '2/2');
    check(await article.getByRole('button', { name: 'Next photo' }).isHidden(), 'no next button on the last photo');
    await article.getByRole('button', { name: 'Previous photo' }).click();
    await ana.page.waitForFunction(() => document.querySelector('article.post .carousel-count')?.textContent === '1/2');
  });

  await step("the blurhash placeholder matches the photo's colours", async () => {
    const hash = created.media[0].blurhash;
    // The DC term is the photo's average colour in linear light.
    const average = await ana.page.evaluate(async (h) => {
      const blurhash = await import('/js/blurhash.js');
      return blurhash.parse(h).colors[0].map(blurhash.toSrgb);
    }, hash);
    const expected = averageSrgb(480, 360, sunset);
    check(average.every((v, i) => Math.abs(v - expected[i]) <= 12), `blurhash average ${average} vs photo ${expected}`);
  });

  await step('ana likes the post; the count follows', async () => {
    const article = postArticle(ana.page, 'ben');
    const like = article.getByRole('button', { name: 'Like' });
    const [response] = await Promise.all([
      ana.page.waitForResponse((r) => r.url().endsWith(`/api/posts/${created.id}/like`)),
      like.click(),
    ]);
    check(response.status() === 200, `like answered ${response.status()}`);
    check((await like.getAttribute('aria-pressed')) === 'true', 'the like button is pressed');
    await article.getByText('1 like', { exact: true }).waitFor();
  });

  await step("ben's badge goes up without a reload; the panel says ana liked the post", async () => {
    const bell = ben.page.getByRole('button', { name: 'Notifications, 2 unread' });
    await bell.waitFor();
    await bell.click();
    const panel = ben.page.getByRole('dialog', { name: 'Notifications' });
    const item = panel.locator('li.notif', { hasText: 'liked your post.' });
    await item.waitFor();
    check((await item.textContent()).includes('ana'), 'the notification names ana');
    check((await item.locator('.notif-thumb img').count()) === 1, 'the notification shows the post thumbnail');
    const follow = panel.locator('li.notif', { hasText: 'started following you.' });
    await follow.waitFor();
    await follow.getByRole('button', { name: 'Follow back ana' }).waitFor();
    check((await panel.locator('.notif-group h3').allTextContents()).join() === 'Today', 'the panel groups under "Today"');
    await ben.page.keyboard.press('Escape');
    await ben.page.getByRole('button', { name: 'Notifications', exact: true }).waitFor();
  });

  await step('ana comments while ben is cut off (4008); he misses nothing on reconnect', async () => {
    const before = [...ben.live.notificationSeqs];
    const sinceWanted = Math.max(...before);
    const held = ben.live.cut(4008);
    // ben reconnects at once, but his auth waits until the comment exists.
    await ben.page.waitForFunction(() => document.documentElement.dataset.live === 'connecting');
    const article = postArticle(ana.page, 'ben');
    await article.getByLabel("Add a comment to ben's post").fill('Lovely light @ben');
    await article.getByRole('button', { name: 'Post', exact: true }).click();
    await article.locator('.comment-preview .comment', { hasText: 'Lovely light' }).waitFor();
    await article.locator('.comment-preview a[href="/u/ben"]', { hasText: '@ben' }).waitFor();
    held.release();
    await ben.page.getByRole('button', { name: /^Notifications, \d+ unread$/ }).waitFor();
    const auth = ben.live.auths.at(-1);
    check(auth.since === sinceWanted, `reconnected with since=${auth.since}, expected ${sinceWanted}`);
    const replayed = ben.live.notificationSeqs.slice(before.length);
    check(replayed.length > 0 && replayed.every((seq) => seq > sinceWanted), `replayed after since: ${replayed}`);
    const seqs = ben.live.notificationSeqs;
    check(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]), `each once, in seq order: ${seqs}`);
    const label = await ben.page.getByRole('button', { name: /^Notifications, \d+ unread$/ }).getAttribute('aria-label');
    check(label === `Notifications, ${replayed.length} unread`, `badge counts the replayed ones: ${label}`);
  });

  await step("ben's panel quotes the comment", async () => {
    await ben.page.getByRole('button', { name: /^Notifications/ }).click();
    const panel = ben.page.getByRole('dialog', { name: 'Notifications' });
    const item = panel.locator('li.notif', { hasText: 'commented on your post.' });
    await item.locator('.notif-excerpt', { hasText: 'Lovely light @ben' }).waitFor();
    await ben.page.screenshot({ path: join(SHOTS, 'notifications-375.png') });
    await ben.page.keyboard.press('Escape');
  });

  await step('hashtag links lead to the tag page', async () => {
    await postArticle(ana.page, 'ben').getByRole('link', { name: '#Pier' }).click();
    await ana.page.waitForURL(`${BASE}/tags/pier`);
    await ana.page.getByRole('heading', { name: '#pier' }).waitFor();
    await ana.page.getByText('1 post', { exact: true }).waitFor();
    check((await ana.page.locator('.grid .tile').count()) === 1, 'the tag page lists the post');
    await ana.page.goBack();
    await postArticle(ana.page, 'ben').waitFor();
  });

  await step('the post page lists comments and deletes one', async () => {
    await postArticle(ana.page, 'ben').locator('.post-time').click();
    await ana.page.waitForURL(`${BASE}/p/${created.id}`);
    const comment = ana.page.locator('.comment-all .comment', { hasText: 'Lovely light' });
    await comment.waitFor();
    await comment.getByRole('button', { name: 'Delete comment by ana' }).click();
    await comment.waitFor({ state: 'detached' });
    const toast = ana.page.locator('.toast', { hasText: 'Comment deleted' });
    await toast.waitFor();
    await toast.getByRole('button', { name: 'Dismiss' }).click();
    await toast.waitFor({ state: 'detached' });
    await ana.page.evaluate(async () => {
      const { toast: show } = await import('/js/ui/toast.js');
      for (const n of [1, 2, 3, 4, 5]) show(`message ${n}`);
    });
    const shown = await ana.page.locator('.toast:not(.toast-leaving)').count();
    check(shown <= 2, `toasts do not pile up: ${shown} shown`);
  });

  await step('on desktop a post opens large', async () => {
    const width = await ana.page.locator('.post-detail .post-media').evaluate((el) => el.getBoundingClientRect().width);
    check(width >= 560, `the photo is ${width} px wide at 1280 px`);
    await ana.page.waitForFunction(() => [...document.images].every((i) => i.complete));
    const open = ana.page.locator('.toast:not(.toast-leaving) .toast-close');
    while ((await open.count()) > 0) await open.first().click();
    await ana.page.waitForFunction(() => document.querySelectorAll('.toast').length === 0);
    await ana.page.screenshot({ path: join(SHOTS, 'post-1280.png') });
  });

  let reloadedAt = 0;
  await step('a reload keeps ana signed in', async () => {
    await ana.page.getByRole('link', { name: 'Home', exact: true }).click();
    await ana.page.waitForURL(`${BASE}/`);
    // A slow network: the session takes 1.5 s to come back.
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await ana.page.route('**/api/auth/refresh', async (route) => {
      await held;
      await route.continue();
    }, { times: 1 });
    await ana.page.reload({ waitUntil: 'domcontentloaded' });
    await ana.page.locator('#nav .logo').waitFor();
    await ana.page.locator('#nav a[href="/explore"]').waitFor();
    check(await ana.page.locator('#nav .logo').isVisible(), 'the frame paints before the session is restored');
    release();
    await postArticle(ana.page, 'ben').waitFor();
    await ana.page.getByRole('link', { name: 'Profile', exact: true }).waitFor();
    check((await ana.page.locator('html').getAttribute('data-signed-in')) === 'yes', 'signed in after reload');
    reloadedAt = Date.now();
  });

  await step('unlike, then double-click the photo to like again', async () => {
    const article = postArticle(ana.page, 'ben');
    const like = article.getByRole('button', { name: 'Like' });
    check((await like.getAttribute('aria-pressed')) === 'true', 'the like survived the reload');
    await like.click();
    await article.getByText('Be the first to like this').waitFor();
    await Promise.all([
      ana.page.waitForResponse((r) => r.url().endsWith(`/api/posts/${created.id}/like`) && r.request().method() === 'PUT'),
      article.locator('.post-media').dblclick(),
    ]);
    await article.getByText('1 like', { exact: true }).waitFor();
    check((await like.getAttribute('aria-pressed')) === 'true', 'double-click liked the post');
  });

  await step('a call refused with 401 is retried once after a token refresh', async () => {
    // The server would accept the token: this 401 is staged, once.
    await ana.page.route('**/api/users/ben', (route) => route.fulfill({
      status: 401,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'unauthorized', message: 'token expired' } }),
    }), { times: 1 });
    const refreshed = ana.page.waitForResponse((r) => r.url().endsWith('/api/auth/refresh') && r.status() === 200);
    await expectingConsoleError(ana, /status of 401/, async () => {
      await ana.page.getByRole('link', { name: 'ben', exact: true }).first().click();
      await refreshed;
      await ana.page.getByRole('heading', { name: 'ben', exact: true }).waitFor();
    });
  });

  await step('profiles show a square grid with thumbnail srcset', async () => {
    await ana.page.waitForURL(`${BASE}/u/ben`);
    const tile = ana.page.locator('.grid img.photo-img').first();
    await tile.waitFor();
    const srcset = await tile.getAttribute('srcset');
    check(srcset?.includes(`${created.media[0].thumbnail_url} 320w`) && srcset.includes(`${created.media[0].url} 480w`), `srcset offers both versions: ${srcset}`);
  });

  await step("ben's followers list shows ana", async () => {
    await ana.page.getByRole('link', { name: /1 follower/ }).click();
    await ana.page.waitForURL(`${BASE}/u/ben/followers`);
    await ana.page.getByRole('heading', { name: 'People following ben' }).waitFor();
    await ana.page.locator('.user-list a[href="/u/ana"]').waitFor();
    await ana.page.locator('.page-sub', { hasText: '1 person' }).waitFor();
    await ana.page.goto(`${BASE}/u/ana/following`);
    const row = ana.page.locator('.user-row', { has: ana.page.locator('a[href="/u/ben"]') });
    await row.getByRole('button', { name: /^Following ben/ }).waitFor();
  });

  await step('an unreachable server is shown, and clears itself', async () => {
    await expectingConsoleError(ana, /ERR_INTERNET_DISCONNECTED|WebSocket/, async () => {
      await ana.context.setOffline(true);
      await ana.page.locator('#net-status', { hasText: 'offline' }).waitFor();
      await ana.context.setOffline(false);
      await ana.page.locator('#net-status').waitFor({ state: 'hidden' });
    }, { required: false });
  });

  let wide;
  await step('ben shares two more photos (one without alt text, one wider than the medium size)', async () => {
    wide = await share(ben, [{ name: 'bubbles.png', color: scenes.bubbles(800, 800), width: 800, height: 800, alt: '' }], 'Weekend colour study #abstract');
    await share(ben, [{ name: 'peaks.png', color: scenes.mountains(400, 500), width: 400, height: 500, alt: 'Mountain ridge and lake' }], 'Morning hike with @ana #mountains');
  });

  await step('Enter opens the suggestion the search offers', async () => {
    const search = ana.page.getByRole('combobox', { name: 'Search people and hashtags' });
    await search.fill('#mount');
    await search.press('Enter');
    await ana.page.waitForURL(`${BASE}/tags/mountains`);
    await ana.page.getByRole('heading', { name: '#mountains' }).waitFor();
  });

  await step('a photo without alt text is named after its author; at 1× and 2× srcset picks a version within 1.5× of the slot', async () => {
    await ana.page.goto(`${BASE}/`);
    const article = ana.page.locator('article.post', { hasText: 'Weekend colour study' });
    const img = article.locator('img.photo-img');
    await img.waitFor();
    check((await img.getAttribute('alt')) === 'Photo by ben', `fallback alt: ${await img.getAttribute('alt')}`);
    await img.scrollIntoViewIfNeeded();
    await ana.page.waitForFunction(() => [...document.querySelectorAll('article.post img.photo-img')].every((i) => i.complete));
    const chosen = await img.evaluate((el) => ({ src: el.currentSrc, shown: el.getBoundingClientRect().width, srcset: el.srcset }));
    check(/_m\.jpg$/.test(chosen.src), `at 1× a ${chosen.shown} px slot takes the 540 px version: ${JSON.stringify(chosen)}`);
    check(540 <= chosen.shown * 1.5, `540 px is within 1.5× of ${chosen.shown} px`);

    // A 2× phone takes the display version for the same photo.
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    try {
      const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true });
      const page = await phone.newPage();
      await page.goto(`${BASE}/p/${wide.id}`);
      const big = page.locator('.post-detail img.photo-img');
      await page.waitForFunction(() => document.querySelector('.post-detail img.photo-img')?.complete);
      const picked = await big.evaluate((el) => ({ src: el.currentSrc, shown: el.getBoundingClientRect().width }));
      check(picked.src.endsWith(wide.media[0].url), `at 2× a ${picked.shown} px slot takes the 800 px display version: ${picked.src}`);
      const ratio = 800 / (picked.shown * 2);
      check(ratio >= 1 / 1.5 && ratio <= 1.5, `800 px is within 1.5× of ${picked.shown * 2} device px`);
    } finally {
      await browser.close();
    }
  });

  await step('ben edits his name, bio and picture', async () => {
    await ben.page.goto(`${BASE}/settings`);
    await ben.page.getByLabel('Name', { exact: true }).fill('Ben Okafor');
    await ben.page.getByLabel('Bio', { exact: true }).fill('Chasing light along the coast.\nFilm and digital.');
    await ben.page.getByRole('button', { name: 'Save' }).click();
    await ben.page.getByText('Profile saved').waitFor();
    // A file that is no image: one sentence under the picture, which keeps its shape.
    const error = ben.page.locator('.settings-avatar-info .field-error');
    await expectingConsoleError(ben, /status of 415/, async () => {
      const [refused] = await Promise.all([
        ben.page.waitForResponse((r) => r.url().endsWith('/api/me/avatar')),
        ben.page.locator('input[type=file]').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') }),
      ]);
      check(refused.status() === 415, `a text file as avatar answered ${refused.status()}`);
      await error.waitFor();
    });
    const said = (await error.textContent()).trim();
    check(said === 'That is not a supported image (JPEG, PNG, WebP or GIF).', `one sentence, not two casings: ${JSON.stringify(said)}`);
    const box = await ben.page.locator('.settings-avatar').boundingBox();
    check(box && Math.abs(box.width - box.height) <= 1, `the picture keeps its shape next to the error: ${JSON.stringify(box)}`);
    const [response] = await Promise.all([
      ben.page.waitForResponse((r) => r.url().endsWith('/api/me/avatar')),
      ben.page.locator('input[type=file]').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png(320, 320, scenes.bubbles(320, 320)) }),
    ]);
    check(response.status() === 200, `avatar upload answered ${response.status()}`);
    await ben.page.locator('.settings-avatar img.avatar').waitFor();
    const small = await ben.page.locator('#nav img.avatar').getAttribute('src');
    check(/_s\.jpg$/.test(small), `small slots take the small avatar: ${small}`);
    await ben.page.goto(`${BASE}/u/ben`);
    await ben.page.getByText('Chasing light along the coast.').waitFor();
    await ben.page.locator('.profile-name', { hasText: 'Ben Okafor' }).waitFor();
  });

  await step('ana goes private; ben asks to follow, ana approves, and each hears of it live', async () => {
    await ana.page.goto(`${BASE}/settings`);
    await ana.page.getByLabel('Private account').check();
    await ana.page.getByText('Your account is private').waitFor();
    await ben.page.goto(`${BASE}/u/ana`);
    await ben.page.getByText('This account is private').waitFor();
    check((await ben.page.locator('.profile-posts').count()) === 0, 'no grid for a private account');
    await ben.page.getByRole('button', { name: 'Follow', exact: true }).click();
    await ben.page.getByRole('button', { name: /^Requested/ }).waitFor();
    await ben.page.getByText('0 followers').waitFor();

    await ana.page.getByRole('button', { name: /^Notifications/ }).click();
    const panel = ana.page.getByRole('dialog', { name: 'Notifications' });
    await panel.locator('li.notif', { hasText: 'requested to follow you.' }).waitFor();
    await ana.page.keyboard.press('Escape');
    await ana.page.goto(`${BASE}/follow-requests`);
    await ana.page.getByRole('button', { name: 'Confirm ben' }).click();
    await ana.page.getByText('Approved').waitFor();

    await ben.page.getByRole('button', { name: /^Notifications, \d+ unread/ }).click();
    const benPanel = ben.page.getByRole('dialog', { name: 'Notifications' });
    await benPanel.locator('li.notif', { hasText: 'accepted your follow request.' }).waitFor();
    await ben.page.keyboard.press('Escape');
    await ben.page.goto(`${BASE}/u/ana`);
    await ben.page.getByRole('button', { name: /^Following/ }).waitFor();
    await ben.page.locator('.profile-posts').waitFor();

    // Back to public, as the rest of the run expects.
    await ana.page.goto(`${BASE}/settings`);
    await ana.page.getByLabel('Private account').uncheck();
    await ana.page.getByText('Your account is public').waitFor();
  });

  // Only when the server was started with short tokens (tests/browser.rs
  // passes its ACCESS_TOKEN_TTL on); waiting out 15 minutes is no test.
  const ttl = Number(process.env.ACCESS_TOKEN_TTL ?? 'NaN');
  if (ttl > 0 && ttl <= 30) {
    await step('the access token is refreshed before it expires', async () => {
      // A timer must have renewed ana's token since the reload, without any
      // call having failed.
      const deadline = Date.now() + (ttl + 5) * 1000;
      while (!ana.refreshes.some((r) => r.status === 200 && r.at > reloadedAt + 1000)) {
        check(Date.now() < deadline, `no scheduled refresh within ${ttl + 5} s of the reload`);
        await ana.page.waitForTimeout(250);
      }
      check(ana.refreshes.every((r) => r.status === 200), `every refresh succeeded: ${JSON.stringify(ana.refreshes)}`);
    });

    await step('the open socket takes each renewed token and outlives the first one', async () => {
      // The server closes a socket whose token expires (TTL + 5 s leeway)
      // unrenewed; by then this one must have been renewed and kept.
      const connection = ben.live.connections;
      await ben.page.waitForTimeout((ttl + 7) * 1000);
      check(ben.live.connections === connection, `the socket was replaced ${ben.live.connections - connection} time(s)`);
      check(ben.live.renewals.some((r) => r.connection === connection), 'a renewed token was sent on the open socket');
      const state = await ben.page.evaluate(() => document.documentElement.dataset.live);
      check(state === 'live', `the socket is ${state}`);
    });
  }

  await step('screenshots at 1280 px and 375 px, no sideways scrolling from 320 px', async () => {
    // Lazy images below the fold never load, and need not.
    // Every image has loaded, except lazy ones a browser never fetches:
    // below the fold, or not rendered at all (inside a `display: none` part).
    const settle = (page) => page.waitForFunction(() => [...document.images].every((i) => i.complete || (i.loading === 'lazy' && (i.getClientRects().length === 0 || i.getBoundingClientRect().top > innerHeight))));
    await ana.page.goto(`${BASE}/`);
    await postArticle(ana.page, 'ben').waitFor();
    await settle(ana.page);
    await ana.page.screenshot({ path: join(SHOTS, 'feed-1280.png') });
    for (const width of [1280, 900]) {
      await ana.page.setViewportSize({ width, height: 900 });
      await ana.page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await ana.page.waitForFunction(() => window.scrollY > 300);
      const nav = await ana.page.locator('#nav a.nav-item[href="/"]').evaluate((el) => el.getBoundingClientRect().top);
      check(nav >= 0 && nav < 200, `at ${width} px the rail stays in view after scrolling (Home at ${nav} px)`);
      await ana.page.locator('#nav a[href="/new"]').waitFor();
    }
    await ana.page.setViewportSize({ width: 1280, height: 900 });
    await ana.page.evaluate(() => window.scrollTo(0, 0));
    await ana.page.goto(`${BASE}/u/ben`);
    await ana.page.locator('.grid img.photo-img').first().waitFor();
    await settle(ana.page);
    await ana.page.screenshot({ path: join(SHOTS, 'profile-1280.png') });

    await ben.page.goto(`${BASE}/`);
    await postArticle(ben.page, 'ben').waitFor();
    await settle(ben.page);
    await ben.page.screenshot({ path: join(SHOTS, 'feed-375.png') });
    await ben.page.goto(`${BASE}/u/ben`);
    await ben.page.locator('.grid img.photo-img').first().waitFor();
    await settle(ben.page);
    await ben.page.screenshot({ path: join(SHOTS, 'profile-375.png') });
    await ben.page.emulateMedia({ colorScheme: 'dark' });
    await ben.page.screenshot({ path: join(SHOTS, 'profile-375-dark.png') });
    await ben.page.emulateMedia({ colorScheme: 'light' });
    const signOut = await ben.page.locator('#nav .nav-signout').evaluate((el) => getComputedStyle(el).display);
    check(signOut === 'none', `no sign-out control in the phone bar: display ${signOut}`);

    await ben.page.setViewportSize({ width: 320, height: 700 });
    for (const path of ['/', '/u/ben', `/p/${created.id}`, '/explore', '/new', '/tags/pier', '/no/such/page']) {
      await ben.page.goto(`${BASE}${path}`);
      await ben.page.locator('main h1').first().waitFor({ state: 'attached' });
      await settle(ben.page).catch(async (err) => {
        const pending = await ben.page.evaluate(() => [...document.images].filter((i) => !i.complete).map((i) => `${i.currentSrc || i.src} ${i.loading} ${i.getBoundingClientRect().top}`));
        throw new Error(`${path}: images not loaded: ${pending.join(', ')} (${err.message})`);
      });
      const wide = await ben.page.evaluate(() => document.documentElement.scrollWidth);
      check(wide <= 320, `${path} is ${wide} px wide at 320 px`);
    }
    await ben.page.setViewportSize({ width: 375, height: 812 });
  });
  return created;
}

async function cheapAndAccessible(ana, ben, post) {
  await step('a feed page costs no request per card; text is compressed', async () => {
    await ana.page.evaluate(async (id) => {
      const api = await import('/js/api.js');
      await api.post(`/api/posts/${id}/comments`, { body: 'Still the best light' });
    }, post.id);
    const calls = [];
    const track = (r) => { if (/\/api\/posts\/\d+\/comments/.test(r.url())) calls.push(r.url()); };
    ana.page.on('request', track);
    const response = await ana.page.goto(`${BASE}/`);
    await ana.page.locator(`article.post[data-post-id="${post.id}"] .comment-preview .comment`, { hasText: 'Still the best light' }).waitFor();
    ana.page.off('request', track);
    check(calls.length === 0, `cards fetch no comments: ${calls}`);
    const encoding = response.headers()['content-encoding'];
    check(encoding === 'br' || encoding === 'gzip', `the page is compressed: ${encoding}`);
  });

  await step('axe finds no serious or critical violation on the signed-in pages', async () => {
    const page = ana.page;
    const pages = [
      ['home', '/', () => postArticle(page, 'ben').waitFor()],
      ['post', `/p/${post.id}`, () => page.locator('.post-detail').waitFor()],
      ['profile', '/u/ben', () => page.locator('.grid img.photo-img').first().waitFor()],
      ['explore', '/explore', () => page.locator('.grid img.photo-img').first().waitFor()],
      ['tag', '/tags/pier', () => page.locator('.grid img.photo-img').first().waitFor()],
      ['compose', '/new', () => page.getByRole('heading', { name: 'New post' }).waitFor()],
      ['settings', '/settings', () => page.getByRole('heading', { name: 'Edit profile' }).waitFor()],
    ];
    for (const [what, path, ready] of pages) {
      await page.goto(`${BASE}${path}`);
      await ready();
      await page.waitForFunction(() => [...document.images].every((i) => i.complete || (i.loading === 'lazy' && i.getBoundingClientRect().top > innerHeight)));
      await axeCheck(page, what);
    }
    await ben.page.goto(`${BASE}/`);
    await ben.page.getByRole('button', { name: /^Notifications/ }).click();
    await ben.page.getByRole('dialog', { name: 'Notifications' }).locator('li.notif').first().waitFor();
    await axeCheck(ben.page, 'notifications');
    await ben.page.keyboard.press('Escape');
  });
}

async function afterwards(ben, ana) {
  await step("ana reports one of ben's posts, then as a moderator (ADMIN_USERNAMES) dismisses it", async () => {
    const page = ana.page;
    await page.goto(`${BASE}/u/ben`);
    await page.locator('.grid .tile').first().click();
    await page.getByRole('button', { name: 'Post options' }).click();
    await page.getByRole('button', { name: 'Report' }).click();
    const dialog = page.getByRole('dialog', { name: 'Report post' });
    await dialog.getByLabel('Spam').check();
    await dialog.getByLabel(/Anything the moderators should know/).fill('looks like an advert');
    await dialog.getByRole('button', { name: 'Report' }).click();
    await page.getByText('A moderator will look at it').waitFor();

    await page.locator('#nav').getByRole('link', { name: 'Moderation' }).click();
    await page.waitForURL(`${BASE}/moderation`);
    const report = page.locator('.report-item').first();
    await report.getByText('reported for spam').waitFor();
    await report.getByText('looks like an advert').waitFor();
    await axeCheck(page, 'moderation');
    await page.screenshot({ path: join(SHOTS, 'moderation-1280.png') });
    await report.getByRole('button', { name: 'Dismiss' }).click();
    const reason = page.getByRole('dialog', { name: 'Dismiss' });
    await reason.getByLabel(/Reason/).fill('an ordinary photo');
    await reason.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByText('Report resolved').waitFor();
    check((await page.locator('.report-item').count()) === 0, 'the resolved report left the queue');
  });

  await step('ben deletes a post after confirming', async () => {
    await ben.page.goto(`${BASE}/u/ben`);
    await ben.page.getByText('3 posts').waitFor();
    await ben.page.locator('.grid .tile').first().click();
    await ben.page.getByRole('button', { name: 'Post options' }).click();
    await ben.page.getByRole('button', { name: 'Delete post' }).click();
    const confirm = ben.page.getByRole('dialog', { name: 'Delete post?' });
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await ben.page.getByText('Post deleted').waitFor();
    await ben.page.waitForURL(`${BASE}/`);
    await ben.page.goto(`${BASE}/u/ben`);
    await ben.page.getByText('2 posts').waitFor();
  });

  await step('ana blocks ben: her profile is gone for him until she unblocks; mute and unmute', async () => {
    await ana.page.goto(`${BASE}/u/ben`);
    await ana.page.getByRole('button', { name: 'Block', exact: true }).click();
    await ana.page.getByRole('button', { name: 'Unblock', exact: true }).waitFor();
    await ana.page.getByRole('button', { name: 'Follow', exact: true }).waitFor();
    await expectingConsoleError(ben, /status of 404/, async () => {
      await ben.page.goto(`${BASE}/u/ana`);
      await ben.page.getByRole('heading', { name: 'Profile not found' }).waitFor();
    });
    check((await ben.page.locator('.profile-head').count()) === 0, 'no profile of ana for ben');
    await ana.page.getByRole('button', { name: 'Unblock', exact: true }).click();
    await ana.page.getByRole('button', { name: 'Block', exact: true }).waitFor();
    await ben.page.goto(`${BASE}/u/ana`);
    await ben.page.locator('.profile-head').waitFor();
    await ana.page.getByRole('button', { name: 'Mute', exact: true }).click();
    await ana.page.getByRole('button', { name: 'Unmute', exact: true }).click();
    await ana.page.getByRole('button', { name: 'Mute', exact: true }).waitFor();
  });

  await step('ana suspends ben by name: his open page signs out; the log lists it; reinstated, he signs in again', async () => {
    const page = ana.page;
    await page.goto(`${BASE}/moderation`);
    const accounts = page.getByRole('region', { name: 'Accounts' });
    await accounts.getByLabel('Username').fill('ben');
    await expectingConsoleError(ben, /status of 40[13]/, async () => {
      await accounts.getByRole('button', { name: 'Suspend', exact: true }).click();
      const reason = page.getByRole('dialog', { name: 'Suspend account' });
      await reason.getByLabel(/Reason/).fill('spam after a warning');
      await reason.getByRole('button', { name: 'Suspend account' }).click();
      await accounts.getByText(/ben was suspended/).waitFor();
      // The suspension closes his socket (4401) and his refresh is refused.
      await ben.page.waitForFunction(() => document.documentElement.dataset.signedIn === 'no');
    });
    const log = page.getByRole('list', { name: 'Moderation log' });
    await page.reload();
    await log.locator('.log-item').first().getByText('suspended').waitFor();
    await log.getByText('spam after a warning').waitFor();
    await axeCheck(page, 'moderation with the log');
    await page.screenshot({ path: join(SHOTS, 'moderation-log-1280.png') });

    await accounts.getByLabel('Username').fill('ben');
    await accounts.getByRole('button', { name: 'Reinstate' }).click();
    await accounts.getByText('ben is active.').waitFor();
    await ben.page.goto(`${BASE}/login`);
    await ben.page.getByLabel(/Username/).fill('ben');
    await ben.page.getByLabel('Password', { exact: true }).fill('password-ben');
    await ben.page.getByRole('button', { name: 'Sign in' }).click();
    await ben.page.waitForFunction(() => document.documentElement.dataset.signedIn === 'yes');
  });

  await step('signing out ends the session, also after a reload', async () => {
    const [logout] = await Promise.all([
      ana.page.waitForResponse((r) => r.url().endsWith('/api/auth/logout')),
      ana.page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    check(logout.status() === 204, `logout answered ${logout.status()}`);
    await ana.page.waitForURL(`${BASE}/`);
    await ana.page.getByRole('heading', { name: /See the world/ }).waitFor();
    check((await ana.page.locator('html').getAttribute('data-signed-in')) === 'no', 'signed out');
    await ana.page.reload();
    await ana.page.getByRole('heading', { name: /See the world/ }).waitFor();
  });

  await step('axe finds no serious or critical violation on the signed-out pages', async () => {
    const page = ana.page;
    await page.waitForFunction(() => [...document.images].every((i) => i.complete));
    await axeCheck(page, 'landing');
    for (const [what, path, button] of [['sign-in', '/login', 'Sign in'], ['sign-up', '/signup', 'Create account']]) {
      await page.goto(`${BASE}${path}`);
      await page.getByRole('button', { name: button }).waitFor();
      await axeCheck(page, what);
    }
  });
}

let failed = null;
try {
  const created = await main();
  const ana = people.find((p) => p.name === 'ana');
  const ben = people.find((p) => p.name === 'ben');
  await cheapAndAccessible(ana, ben, created);
  await afterwards(ben, ana);
} catch (err) {
  failed = err;
  // What each person saw when it went wrong.
  for (const person of people) {
    await person.page.screenshot({ path: join(SHOTS, `failure-${person.name}.png`) }).catch(() => {});
  }
}
for (const person of people) {
  await person.context.close().catch(() => {});
  rmSync(person.dir, { recursive: true, force: true });
}
if (failed) problems.unshift(`${failed.stack ?? failed}`);
if (problems.length) {
  console.error(`FAILED after ${Date.now() - started} ms:`);
  for (const problem of problems) console.error(`  - ${problem}`);
  process.exit(1);
}
console.log(`all browser checks passed in ${Date.now() - started} ms; screenshots in ${SHOTS}`);
