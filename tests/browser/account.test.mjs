// Account flows in a real browser: register, sign out and in, profile name,
// picture upload, password change. Every page passes checkPage (axe, 375 and
// 1280 px without sideways scrolling, screenshots).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkPage, finishFlow, flash, launch, newPerson, newUser, pngBytes, registerAccount, signIn, signOut,
  submitFormWith, text,
} from './lib/ui.mjs';
import { mailsTo } from '../integration/lib/accounts.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const path = (page) => new URL(page.url()).pathname;

test('register lands on the dashboard, which greets the user by name', async () => {
  const { context, page } = await newPerson(browser, 'register', 'ana');
  const ana = newUser('Ana');
  await registerAccount(page, ana);
  assert.equal(path(page), '/dashboard');
  await checkPage(page, 'dashboard');
  assert.match(await page.title(), /^Dashboard - Event Management System$/);
  assert.match(await text(page), new RegExp(ana.fname));
  assert.match(await text(page, 'header nav'), /Sign out/);
  for (const link of ['Dashboard', 'Create Event', 'My Badges', 'Profile']) {
    assert.equal(await page.locator('header nav').getByRole('link', { name: link, exact: true }).count(), 1, `nav link ${link}`);
  }
  finishFlow(page);
  await context.close();
});

test('sign out, then sign in again', async () => {
  const { context, page } = await newPerson(browser, 'sign-out-in', 'ben');
  const ben = newUser('Ben');
  await registerAccount(page, ben);
  await checkPage(page, 'dashboard');
  await signOut(page);
  await checkPage(page, 'signed out');
  assert.match(await page.title(), /^Login - Event Management System$/);
  assert.equal(await page.locator('header nav').getByRole('button', { name: /sign out/i }).count(), 0);
  // Signed out, the dashboard sends us back to the login page.
  await page.goto('/dashboard');
  assert.equal(path(page), '/auth/login');
  await checkPage(page, 'dashboard bounced');

  await page.fill('[name="email"]', ben.email);
  await page.fill('[name="password"]', 'wrong-password');
  await submitFormWith(page, 'password');
  await checkPage(page, 'wrong password');
  assert.match(await flash(page), /Invalid email or password/);
  assert.equal(await page.locator('[name="password"]').inputValue(), '', 'password not echoed');

  await signIn(page, ben.email, ben.password);
  assert.equal(path(page), '/dashboard');
  await checkPage(page, 'signed in');
  assert.match(await text(page), /Ben/);
  finishFlow(page);
  await context.close();
});

test('a profile name change shows in the nav', async () => {
  const { context, page } = await newPerson(browser, 'profile-name', 'cleo');
  const cleo = newUser('Cleo');
  await registerAccount(page, cleo);
  await checkPage(page, 'dashboard');
  assert.match(await text(page, 'header nav'), /Cleo/);
  await page.locator('header nav').getByRole('link', { name: 'Profile', exact: true }).click();
  await page.waitForURL('**/dashboard/profile');
  await checkPage(page, 'profile');
  assert.match(await page.title(), /^Edit Profile - Event Management System$/);
  await page.fill('[name="fname"]', 'Cléo-Renamed');
  await submitFormWith(page, 'fname');
  await checkPage(page, 'profile saved');
  assert.match(await flash(page), /Profile updated successfully/);
  assert.match(await text(page, 'header nav'), /Cléo-Renamed/);
  assert.doesNotMatch(await text(page, 'header nav'), /\(Cleo\)/);
  // And on the next page too, not only in the response to the POST.
  await page.goto('/dashboard');
  await checkPage(page, 'dashboard renamed');
  assert.match(await text(page, 'header nav'), /Cléo-Renamed/);
  finishFlow(page);
  await context.close();
});

test('profile picture upload (a PNG made by the test)', async () => {
  const { context, page } = await newPerson(browser, 'profile-picture', 'dan');
  const dan = newUser('Dan');
  await registerAccount(page, dan);
  await checkPage(page, 'dashboard');
  await page.goto('/dashboard/profile');
  await checkPage(page, 'profile');
  await page.setInputFiles('[name="profile_picture"]', { name: 'me.png', mimeType: 'image/png', buffer: pngBytes(16) });
  await submitFormWith(page, 'profile_picture');
  assert.equal(path(page), '/dashboard/profile');
  await checkPage(page, 'picture uploaded');
  assert.match(await flash(page), /Profile picture updated successfully/);
  // The new picture is shown and actually loads.
  const img = page.locator('main img').first();
  await img.waitFor();
  const loaded = await img.evaluate((el) => el.complete && el.naturalWidth > 0);
  assert.ok(loaded, `the profile picture ${await img.getAttribute('src')} loads`);
  assert.ok(await img.getAttribute('alt') !== null, 'the picture has alt text');

  // A text file dressed up as a PNG is refused by content, not by name.
  await page.setInputFiles('[name="profile_picture"]', { name: 'evil.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') });
  await submitFormWith(page, 'profile_picture');
  await checkPage(page, 'bad picture refused');
  assert.match(await flash(page), /Only JPEG, PNG, and GIF files are allowed/);
  finishFlow(page);
  await context.close();
});

test('password change, then sign in with the new password only', async () => {
  const { context, page } = await newPerson(browser, 'password-change', 'eve');
  const eve = newUser('Eve');
  await registerAccount(page, eve);
  await checkPage(page, 'dashboard');
  await page.goto('/dashboard/profile');
  await checkPage(page, 'profile');

  await page.fill('[name="current_password"]', eve.password);
  await page.fill('[name="new_password"]', 'New-pass-42');
  await page.fill('[name="confirm_password"]', 'New-pass-43');
  await submitFormWith(page, 'current_password');
  await checkPage(page, 'mismatch');
  assert.match(await flash(page), /New passwords do not match/);

  await page.fill('[name="current_password"]', eve.password);
  await page.fill('[name="new_password"]', 'New-pass-42');
  await page.fill('[name="confirm_password"]', 'New-pass-42');
  await submitFormWith(page, 'current_password');
  assert.equal(path(page), '/dashboard/profile');
  await checkPage(page, 'changed');
  assert.match(await flash(page), /Password changed successfully/);

  await signOut(page);
  await checkPage(page, 'signed out');
  await signIn(page, eve.email, eve.password);
  await checkPage(page, 'old password refused');
  assert.equal(path(page), '/auth/login');
  assert.match(await flash(page), /Invalid email or password/);
  await signIn(page, eve.email, 'New-pass-42');
  assert.equal(path(page), '/dashboard');
  await checkPage(page, 'new password works');
  finishFlow(page);
  await context.close();
});

test('forgot password: the mailed link sets a new password', async () => {
  const { context, page } = await newPerson(browser, 'password-reset', 'fred');
  const fred = newUser('Fred');
  await registerAccount(page, fred);
  await checkPage(page, 'dashboard');
  await signOut(page);
  await checkPage(page, 'signed out');
  await page.getByRole('link', { name: /forgot your password/i }).click();
  await page.waitForURL('**/auth/resetRequest');
  await checkPage(page, 'reset request');
  await page.fill('[name="email"]', fred.email);
  await submitFormWith(page, 'email');
  await checkPage(page, 'reset requested');
  assert.match(await flash(page), /If an account with that email exists, a password reset link has been sent\./);
  const mail = mailsTo(fred.email).at(-1) ?? '';
  const link = mail.replace(/=\r?\n/g, '').match(/\/auth\/resetPassword\/([0-9a-f]{64})/)?.[0];
  assert.ok(link, `a reset link in the mail:\n${mail.slice(0, 500)}`);
  await page.goto(link);
  await checkPage(page, 'reset form');
  await page.fill('[name="password"]', 'Reset-pass-77');
  await page.fill('[name="confirm_password"]', 'Reset-pass-77');
  await submitFormWith(page, 'confirm_password');
  assert.equal(path(page), '/auth/login');
  await checkPage(page, 'reset done');
  assert.match(await flash(page), /Password reset successful!/);
  await signIn(page, fred.email, 'Reset-pass-77');
  assert.equal(path(page), '/dashboard');
  await checkPage(page, 'signed in with reset password');
  // The link works once.
  await page.goto(link);
  await checkPage(page, 'used link');
  assert.match(await text(page, 'body'), /Invalid or expired reset token/);
  finishFlow(page);
  await context.close();
});
