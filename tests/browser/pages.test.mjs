// The pages no flow reaches on its happy path: error pages, forms showing
// their errors, empty states. Same checks as everywhere (axe, 375/1280 px,
// screenshots), plus: every error message is tied to its field.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkPage, createEvent, finishFlow, flash, launch, localDate, newPerson, newUser, registerAccount,
  submitFormWith, text,
} from './lib/ui.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const path = (page) => new URL(page.url()).pathname;

// Each invalid input names a message element that exists and says something.
async function assertErrorsTied(page) {
  const invalid = page.locator('main [aria-invalid="true"]');
  const n = await invalid.count();
  for (let i = 0; i < n; i++) {
    const ids = (await invalid.nth(i).getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
    assert.ok(ids.length, `${await invalid.nth(i).getAttribute('name')} has aria-describedby`);
    for (const id of ids) {
      const said = await page.locator(`[id="${id}"]`).innerText();
      assert.ok(said.trim(), `#${id} is not empty`);
    }
  }
  return n;
}

test('signed-out pages: login and register with errors, reset request, 404', async () => {
  const { context, page } = await newPerson(browser, 'pages-guest', 'guest');
  await page.goto('/auth/login');
  await checkPage(page, 'login');
  assert.match(await page.title(), /^Login - Event Management System$/);
  assert.equal(await page.getByLabel('Email').count(), 1);
  await submitFormWith(page, 'email');
  await checkPage(page, 'login empty');
  assert.match(await flash(page), /Please fill in all fields/);

  await page.goto('/auth/register');
  await checkPage(page, 'register');
  assert.match(await page.title(), /^Register - Event Management System$/);
  await page.fill('[name="fname"]', 'Kim');
  await page.fill('[name="lname"]', 'Lee');
  await page.fill('[name="email"]', 'not-an-address');
  await page.fill('[name="password"]', 'short');
  await page.fill('[name="confirm_password"]', 'short');
  await submitFormWith(page, 'email');
  await checkPage(page, 'register errors');
  assert.ok(await assertErrorsTied(page) >= 2, 'email and password are marked invalid');
  assert.match(await text(page), /Please enter a valid email address/);
  assert.match(await text(page), /at least 8 characters/);
  assert.equal(await page.locator('[name="fname"]').inputValue(), 'Kim', 'values are kept');
  assert.equal(await page.locator('[name="password"]').inputValue(), '', 'passwords are not');

  await page.goto('/auth/resetRequest');
  await checkPage(page, 'reset request');
  await page.goto('/auth/resetPassword/' + '0'.repeat(64));
  await checkPage(page, 'bad reset token');
  assert.match(await text(page, 'body'), /Invalid or expired reset token/);

  await page.goto('/no/such/page');
  await checkPage(page, '404', { status: 404 });
  assert.match(await page.title(), /^Page not found - Event Management System$/);
  assert.match(await text(page), /Sign in/);
  finishFlow(page);
  await context.close();
});

test('signed-in pages: empty states, error pages, other people\'s events', async () => {
  const owner = { ...newUser('Nia'), ...(await newPerson(browser, 'pages-user', 'owner')) };
  const other = { ...newUser('Per'), ...(await newPerson(browser, 'pages-user', 'other')) };
  await registerAccount(other.page, other);
  await checkPage(other.page, 'empty dashboard');
  assert.match(await text(other.page), /haven't created any events yet/);
  await other.page.goto('/dashboard/badges');
  await checkPage(other.page, 'no badges');
  assert.match(await text(other.page), /haven't attended any events yet/);

  await other.page.goto('/events/create');
  await checkPage(other.page, 'create form');
  await submitFormWith(other.page, 'eventname');
  await checkPage(other.page, 'create empty');
  assert.match(await flash(other.page), /Please fill in all required fields/);
  await assertErrorsTied(other.page);

  await other.page.goto('/no/such/page');
  await checkPage(other.page, '404 signed in');
  assert.match(await text(other.page), /dashboard/i);

  await registerAccount(owner.page, owner);
  await checkPage(owner.page, 'dashboard');
  const id = await createEvent(owner.page, {
    eventname: `Private ${Date.now().toString(36)}`, startdate: localDate(5, 9), enddate: localDate(5, 10),
    location: 'Attic', eventshortinfo: '',
  });
  for (const [what, url] of [['manage', `/events/manage/${id}`], ['edit', `/events/edit/${id}`], ['delete', `/events/delete/${id}`]]) {
    await other.page.goto(url);
    await checkPage(other.page, `someone else's ${what}`);
    assert.notEqual(path(other.page), url.replace(/\/$/, '') + '/x', 'stays safe');
    assert.match(await text(other.page, 'body'), new RegExp(`You can only ${what} your own events`));
  }
  await other.page.goto('/events/register/ZZZZZZZZ');
  await checkPage(other.page, 'bad key');
  assert.match(await text(other.page, 'body'), /Invalid event key/);
  finishFlow(owner.page);
  finishFlow(other.page);
  await owner.context.close();
  await other.context.close();
});

test('keyboard: the skip link comes first and every focused control shows a ring', async () => {
  const { context, page } = await newPerson(browser, 'keyboard', 'kai');
  const kai = newUser('Kai');
  await registerAccount(page, kai);
  await checkPage(page, 'dashboard');
  await page.goto('/events/create');
  await checkPage(page, 'create form');
  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => {
    const el = document.activeElement;
    const r = el.getBoundingClientRect();
    return { text: el.textContent, visible: r.top >= 0 && r.bottom <= window.innerHeight && r.width > 0 };
  });
  assert.equal(skip.text, 'Skip to content');
  assert.ok(skip.visible, 'the focused skip link is on screen');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  const seen = [];
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const el = document.activeElement;
      const s = getComputedStyle(el); // the ring is on the input even when a part inside it has focus
      return { what: `${el.tagName.toLowerCase()}[name=${el.name ?? ''}] ${el.textContent.trim().slice(0, 20)}`, style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    seen.push(f.what);
    assert.ok(f.style !== 'none' && f.width >= 2, `${f.what} has no visible focus ring (${f.style} ${f.width}px)`);
  }
  assert.ok(seen.some((w) => w.startsWith('input[name=eventname]')), `Tab reached the form: ${seen.join(', ')}`);
  finishFlow(page);
  await context.close();
});

// /_test/crash exists only with enable_test_routes (scripts/test.sh sets it).
test('the 500 page: a generic message and an error id, nothing internal', async (t) => {
  const { context, page } = await newPerson(browser, 'pages-500', 'guest');
  const res = await page.goto('/_test/crash');
  if (res.status() === 404) {
    await checkPage(page, '404 instead');
    t.skip('test routes are off (EMS_ENABLE_TEST_ROUTES=true enables /_test/crash)');
    await context.close();
    return;
  }
  await checkPage(page, '500', { status: 500 });
  assert.match(await page.title(), /^Error - Event Management System$/);
  assert.match(await text(page), /Something went wrong on our side/);
  assert.match(await text(page), /Error id: \S+/);
  assert.doesNotMatch(await page.content(), /std::|what\(\)|\.cpp\b|SELECT /);
  finishFlow(page);
  await context.close();
});
