// Helpers for the browser tests: Debian's chromium driven by playwright-core
// against the stack that scripts/test.sh started (EMS_STACK_DIR).
//
// Every page a flow visits goes through checkPage(): axe-core (WCAG 2.0/2.1
// A and AA, zero violations), no horizontal scrolling at 375 and 1280 px,
// no CSP violation or page error, and a full-page screenshot at both widths
// under tests/output/screenshots/. finishFlow() then fails the test if any
// page the browser navigated to was never checked.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { baseUrl, repoRoot } from '../../integration/lib/stack.mjs';

export { baseUrl, repoRoot };
export { sql } from '../../integration/lib/stack.mjs';

export const WIDTHS = [375, 1280];
export const SHOT_DIR = path.join(repoRoot, 'tests/output/screenshots');
const axeSource = readFileSync(path.join(repoRoot, 'node_modules/axe-core/axe.min.js'), 'utf8');

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
}

// One browser for the test file: started before its tests, closed after.
// Returns a function giving it (the tests run after `before`).
export function browserForFile(before, after) {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });
  return () => browser;
}

// The two ways each flow runs: with JavaScript, and without it.
export const JS_MODES = [
  { mode: 'js', opts: {} },
  { mode: 'no-js', opts: { javaScriptEnabled: false } },
];

// One browser context is one person (own cookies). The page records its
// navigations and any CSP report or script error, for checkPage/finishFlow.
// contextOptions go to browser.newContext (e.g. { javaScriptEnabled: false }).
export async function newPerson(browser, flow, who, contextOptions = {}) {
  const context = await browser.newContext({
    baseURL: baseUrl(),
    viewport: { width: WIDTHS.at(-1), height: 900 },
    acceptDownloads: true,
    ...contextOptions,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl() });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const state = {
    flow, who, step: 0, visited: new Set(), checked: new Set(), problems: [],
    jsOff: contextOptions.javaScriptEnabled === false,
  };
  page.ems = state;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame() && frame.url().startsWith(baseUrl())) state.visited.add(pathOf(frame.url()));
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) {
      state.problems.push(`CSP on ${pathOf(page.url())}: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => state.problems.push(`script error on ${pathOf(page.url())}: ${err.message}`));
  // A page's own assets (stylesheet, script, icon, pictures) must load.
  page.on('response', (res) => {
    if (res.request().resourceType() !== 'document' && res.url().startsWith(baseUrl()) && res.status() >= 400) {
      state.problems.push(`${pathOf(res.url())} answered ${res.status()} on ${pathOf(page.url())}`);
    }
  });
  return { context, page };
}

const pathOf = (url) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);

// The checks every page must pass. `label` names the screenshot.
// `status`: the HTTP status the page must have (default: anything below 500).
// `title`: what the title must match (default: the app's default site name
// at the end; nginx's own pages and another site_name say otherwise).
export async function checkPage(page, label, { status: expected, title: titleRe = / - Event Management System$/ } = {}) {
  const state = page.ems;
  const where = pathOf(page.url());
  await page.waitForLoadState('load');
  const status = await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.responseStatus ?? 0);
  if (expected) assert.equal(status, expected, `${where} answered ${status}`);
  else assert.ok(status < 500, `${where} answered ${status}`);
  const title = await page.title();
  assert.match(title, titleRe, `${where}: title "${title}"`);
  const original = page.viewportSize();
  mkdirSync(SHOT_DIR, { recursive: true });
  state.step += 1;
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: original.height });
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
    }));
    assert.ok(scrollWidth <= innerWidth,
      `${where} scrolls sideways at ${width} px: scrollWidth ${scrollWidth} > innerWidth ${innerWidth}`);
    await page.screenshot({
      path: path.join(SHOT_DIR, `${slug(state.flow)}-${String(state.step).padStart(2, '0')}-${slug(state.who)}-${slug(label)}-${width}.png`),
      fullPage: true,
    });
  }
  await page.setViewportSize(original);
  const violations = await axe(page);
  assert.deepEqual(violations, [], `${where}: axe violations\n${violations.join('\n')}`);
  assert.deepEqual(state.problems, [], `${where}: CSP or script errors, or assets that failed`);
  state.checked.add(where);
}

// axe-core, evaluated through the DevTools protocol: the page's CSP (no
// inline script) stays on, which addScriptTag would need switched off.
// axe needs timers, which a page with JavaScript off never runs: there it
// checks a copy of the page's HTML served at the same origin in a helper
// tab with scripts on.
async function axe(page) {
  if (page.ems.jsOff) return axeOnCopy(page);
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  return result.violations.map((v) =>
    `  ${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ')}`).join('\n')}`);
}

async function axeOnCopy(page) {
  const html = await page.content();
  const helper = await page.context().browser().newContext({ baseURL: baseUrl(), viewport: page.viewportSize() });
  try {
    const tab = await helper.newPage();
    const copyUrl = new URL('/__axe_copy__', baseUrl()).href;
    await tab.route(copyUrl, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await tab.goto(copyUrl);
    return await axe(Object.assign(tab, { ems: { jsOff: false } }));
  } finally {
    await helper.close();
  }
}

// Fails when the browser showed an app page that no checkPage call saw.
export function finishFlow(page) {
  const { visited, checked } = page.ems;
  const missed = [...visited].filter((p) => !checked.has(p) && !p.endsWith('.csv'));
  assert.deepEqual(missed, [], 'pages visited but never checked (axe, widths, screenshot)');
}

// ---- Page-level actions ------------------------------------------------

export const text = (page, selector = 'main') => page.locator(selector).innerText();

// The flash banner's text ('' when none).
export async function flash(page) {
  const f = page.locator('.flash, .form-error');
  return (await f.count()) ? (await f.allInnerTexts()).join(' | ') : '';
}

// Submits the form that holds the named field, via its submit button (a
// real click, so the double-submit guard and the CSP-loaded script run).
export async function submitFormWith(page, fieldName, { dbl = false } = {}) {
  const form = page.locator('form').filter({ has: page.locator(`[name="${fieldName}"]`) }).first();
  const button = form.locator('button[type="submit"], button:not([type]), input[type="submit"]').first();
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    dbl ? button.dblclick() : button.click(),
  ]);
}

export async function clickAndWait(page, locator, { dbl = false } = {}) {
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    dbl ? locator.dblclick() : locator.click(),
  ]);
}

let counter = 0;
export function newUser(fname, lname = 'Tester') {
  counter += 1;
  const tag = `${Date.now().toString(36)}${process.pid.toString(36)}${counter}`;
  return { fname, lname, email: `${fname.toLowerCase().replace(/[^a-z]/g, '')}.${tag}@example.test`, password: 'Secret123!' };
}

export async function registerAccount(page, user, { dbl = false } = {}) {
  await page.goto('/auth/register');
  await checkPage(page, 'register form');
  await page.fill('[name="fname"]', user.fname);
  await page.fill('[name="lname"]', user.lname);
  await page.fill('[name="email"]', user.email);
  await page.fill('[name="password"]', user.password);
  await page.fill('[name="confirm_password"]', user.password);
  await submitFormWith(page, 'confirm_password', { dbl });
}

export async function signIn(page, email, password) {
  await page.goto('/auth/login');
  await checkPage(page, 'login form');
  await page.fill('[name="email"]', email);
  await page.fill('[name="password"]', password);
  await submitFormWith(page, 'password');
}

// Signs out through the nav's POST form.
export async function signOut(page) {
  await clickAndWait(page, page.locator('header nav').getByRole('button', { name: /sign out/i }));
  assert.equal(new URL(page.url()).pathname, '/auth/login');
}

// Fills the create/edit event form; only the keys given are changed.
export async function fillEvent(page, ev) {
  for (const key of ['eventname', 'startdate', 'enddate', 'location', 'eventshortinfo', 'max_participants']) {
    if (ev[key] !== undefined) await page.fill(`[name="${key}"]`, String(ev[key]));
  }
  for (const key of ['registration_open', 'require_approval']) {
    if (ev[key] !== undefined) await page.setChecked(`input[type="checkbox"][name="${key}"]`, ev[key]);
  }
}

// A datetime-local value `days` from now at `hour`:00.
export function localDate(days, hour) {
  const d = new Date(Date.now() + days * 86400000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(hour)}:00`;
}

// Creates an event through the form; returns its id (from the manage page
// the organizer lands on, which shows the registration link to share).
export async function createEvent(page, ev) {
  await page.goto('/events/create');
  await checkPage(page, 'create event form');
  await fillEvent(page, ev);
  await submitFormWith(page, 'eventname');
  const m = new URL(page.url()).pathname.match(/^\/events\/manage\/(\d+)$/);
  assert.ok(m, `after create: ${page.url()} ${await flash(page)}`);
  await checkPage(page, 'manage after create');
  assert.match(await flash(page), /Event created successfully!/);
  assert.match(await page.locator('main input[readonly]').first().inputValue(), /\/events\/register\/[0-9A-F]{12}$/);
  return Number(m[1]);
}

export async function eventIdOnDashboard(page, name) {
  const row = page.locator('main tr').filter({ hasText: name });
  assert.equal(await row.count(), 1, `one dashboard row for "${name}"`);
  const href = await row.locator('a[href*="/events/manage/"]').first().getAttribute('href');
  return Number(href.match(/\/events\/manage\/(\d+)/)[1]);
}

// ---- A PNG made here (no fixture file): an 8x8 RGB image. --------------

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
export function pngBytes(size = 8) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < size; y++) {
    rows.push(0); // filter: none
    for (let x = 0; x < size; x++) rows.push((x * 32) & 0xff, (y * 32) & 0xff, 160);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
