// What careless or unlucky people do: double-click submit buttons, press
// Back after a POST, submit a form that was open when they signed out.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkPage, clickAndWait, createEvent, finishFlow, flash, launch, localDate, newPerson, newUser,
  registerAccount, signOut, sql, submitFormWith, text,
} from './lib/ui.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// A second tab of the same browser signs out, leaving `page` with a stale
// form; the tab is returned (still open) for the test to use or close.
async function secondTabSignedOut(context, page, who) {
  const other = await context.newPage();
  other.ems = { ...page.ems, who, visited: new Set(), checked: new Set(), problems: [] };
  await other.goto('/dashboard');
  await signOut(other);
  return other;
}

const path = (page) => new URL(page.url()).pathname;
const quote = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

// POSTs the page sent, by path.
function countPosts(page) {
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST' && r.frame() === page.mainFrame()) posts.push(new URL(r.url()).pathname); });
  return posts;
}

test('a double-clicked Register button creates one account', async () => {
  const { context, page } = await newPerson(browser, 'double-click-account', 'fay');
  const fay = newUser('Fay');
  await registerAccount(page, fay, { dbl: true });
  assert.equal(path(page), '/dashboard', `${page.url()}: ${await flash(page)}`);
  await checkPage(page, 'dashboard');
  const rows = await sql(`SELECT COUNT(*) FROM user_credentials WHERE email = ${quote(fay.email)}`);
  assert.equal(rows[0][0], '1');
  finishFlow(page);
  await context.close();
});

test('a double-clicked event Register button registers once', async () => {
  const org = { ...newUser('Omar'), ...(await newPerson(browser, 'double-click-event', 'organizer')) };
  const gil = { ...newUser('Gil'), ...(await newPerson(browser, 'double-click-event', 'guest')) };
  await registerAccount(org.page, org);
  await checkPage(org.page, 'dashboard');
  const name = `Double ${Date.now().toString(36)}`;
  const id = await createEvent(org.page, {
    eventname: name, startdate: localDate(3, 10), enddate: localDate(3, 12), location: 'Hall B', eventshortinfo: 'x',
  });
  const [[key]] = await sql(`SELECT eventkey FROM events WHERE eventid = ${id}`);

  await registerAccount(gil.page, gil);
  const posts = countPosts(gil.page);
  await gil.page.goto(`/events/register/${key}`);
  await checkPage(gil.page, 'confirmation');
  await clickAndWait(gil.page, gil.page.locator('main form').getByRole('button', { name: /^\s*register\b/i }), { dbl: true });
  await checkPage(gil.page, 'after double click');
  assert.match(await flash(gil.page), /Successfully registered/);
  assert.deepEqual(posts, [`/events/register/${key}`], 'the second click sent nothing');
  const [[count]] = await sql(`SELECT participantcount FROM events WHERE eventid = ${id}`);
  assert.equal(count, '1');
  await org.page.goto(`/events/manage/${id}`);
  await checkPage(org.page, 'manage');
  assert.equal(await org.page.locator('main table tr').filter({ hasText: gil.email }).count(), 1);
  finishFlow(org.page);
  finishFlow(gil.page);
  await org.context.close();
  await gil.context.close();
});

test('Back and Reload after a POST do not send it again (Post/Redirect/Get)', async () => {
  const { context, page } = await newPerson(browser, 'prg', 'hal');
  const hal = newUser('Hal');
  await registerAccount(page, hal);
  const posts = countPosts(page);
  const name = `PRG ${Date.now().toString(36)}`;
  await createEvent(page, {
    eventname: name, startdate: localDate(2, 9), enddate: localDate(2, 11), location: 'Lab', eventshortinfo: 'y',
  });
  assert.deepEqual(posts, ['/events/create']);
  // The POST answered with a redirect (to the event's manage page), so the
  // history entry is a GET.
  const managePath = path(page);
  await page.reload();
  await checkPage(page, 'manage reloaded');
  await page.goto('/dashboard/profile');
  await checkPage(page, 'profile');
  await page.goBack();
  assert.equal(path(page), managePath);
  await checkPage(page, 'manage via back');
  await page.goBack();
  assert.equal(path(page), '/events/create');
  await checkPage(page, 'create form via back');
  await page.goForward();
  assert.equal(path(page), managePath);
  await checkPage(page, 'manage via forward');
  assert.deepEqual(posts, ['/events/create'], 'no POST was repeated');
  const [[count]] = await sql(`SELECT COUNT(*) FROM events WHERE eventname = ${quote(name)}`);
  assert.equal(count, '1');
  await page.goto('/dashboard');
  await checkPage(page, 'dashboard');
  assert.equal(await page.locator('main tr').filter({ hasText: name }).count(), 1);
  finishFlow(page);
  await context.close();
});

test('a form left open across sign-out gets a clear message, not a 500', async () => {
  const { context, page } = await newPerson(browser, 'stale-form', 'ida');
  const ida = newUser('Ida');
  await registerAccount(page, ida);
  await page.goto('/dashboard/profile');
  await checkPage(page, 'profile open');
  // Sign out in another tab of the same browser.
  const other = await secondTabSignedOut(context, page, 'ida-tab2');
  await other.close();

  const responses = [];
  page.on('response', (r) => { if (r.request().isNavigationRequest()) responses.push(r.status()); });
  await page.fill('[name="fname"]', 'Stale');
  await submitFormWith(page, 'fname');
  assert.ok(responses.every((s) => s < 500), `statuses ${responses}`);
  await checkPage(page, 'stale profile form');
  assert.equal(path(page), '/auth/login');
  assert.match(await text(page), /session has ended|sign in again|expired/i);
  const [[fname]] = await sql(`SELECT fname FROM user_credentials WHERE email = ${quote(ida.email)}`);
  assert.equal(fname, 'Ida', 'the stale form changed nothing');

  // The login form of the signed-out tab still works (its token is fresh).
  await page.fill('[name="email"]', ida.email);
  await page.fill('[name="password"]', ida.password);
  await submitFormWith(page, 'password');
  assert.equal(path(page), '/dashboard');
  await checkPage(page, 'signed in again');
  finishFlow(page);
  await context.close();
});

test('a form from an earlier session (signed out and in again) says it expired', async () => {
  const { context, page } = await newPerson(browser, 'stale-session', 'lea');
  const lea = newUser('Lea');
  await registerAccount(page, lea);
  await checkPage(page, 'dashboard');
  await page.goto('/dashboard/profile');
  await checkPage(page, 'profile open');
  const other = await secondTabSignedOut(context, page, 'lea-tab2');
  await other.fill('[name="email"]', lea.email);
  await other.fill('[name="password"]', lea.password);
  await submitFormWith(other, 'password');
  assert.equal(path(other), '/dashboard');
  await other.close();

  // Signed in again, but the open form carries the old session's token.
  const responses = [];
  page.on('response', (r) => { if (r.request().isNavigationRequest()) responses.push(r.status()); });
  await page.fill('[name="fname"]', 'Stale');
  await submitFormWith(page, 'fname');
  assert.ok(responses.every((s) => s < 500), `statuses ${responses}`);
  await checkPage(page, 'old token');
  assert.match(await text(page), /expired/i);
  assert.ok(await page.getByRole('link', { name: /dashboard/i }).count(), 'a way on');
  const [[fname]] = await sql(`SELECT fname FROM user_credentials WHERE email = ${quote(lea.email)}`);
  assert.equal(fname, 'Lea', 'the stale form changed nothing');
  finishFlow(page);
  await context.close();
});

test('a stale sign-out form (already signed out elsewhere) is harmless', async () => {
  const { context, page } = await newPerson(browser, 'stale-logout', 'jo');
  const jo = newUser('Jo');
  await registerAccount(page, jo);
  await checkPage(page, 'dashboard');
  const other = await secondTabSignedOut(context, page, 'jo-tab2');
  await other.close();
  // The first tab's nav still shows Sign out, with a now-dead token: the
  // answer is the login page or a 4xx page that says what happened.
  const responses = [];
  page.on('response', (r) => { if (r.request().isNavigationRequest()) responses.push(r.status()); });
  await clickAndWait(page, page.locator('header nav').getByRole('button', { name: /sign out/i }));
  assert.ok(responses.every((s) => s < 500), `statuses ${responses}`);
  await checkPage(page, 'signed out twice');
  if (path(page) !== '/auth/login') assert.match(await text(page), /expired|signed out|sign in/i);
  assert.equal(await page.locator('header nav').getByRole('button', { name: /sign out/i }).count(), 0);
  finishFlow(page);
  await context.close();
});
