// Progressive enhancement: with JavaScript switched off in the browser,
// every action still works (forms post, confirmations are pages, the
// registration link can be read from its box). Same page checks as the
// other flows.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkPage, clickAndWait, createEvent, fillEvent, finishFlow, flash, launch, localDate, newPerson, newUser,
  registerAccount, signIn, signOut, submitFormWith, text,
} from './lib/ui.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const path = (page) => new URL(page.url()).pathname;
const noJs = { javaScriptEnabled: false };

test('without JavaScript: sign up, create, share, register, edit, delete, sign out', async () => {
  const org = { ...newUser('Quinn'), ...(await newPerson(browser, 'no-js', 'organizer', noJs)) };
  const guest = { ...newUser('Rae'), ...(await newPerson(browser, 'no-js', 'guest', noJs)) };
  await registerAccount(org.page, org);
  assert.equal(path(org.page), '/dashboard');
  await checkPage(org.page, 'dashboard');
  const name = `No script ${Date.now().toString(36)}`;
  const id = await createEvent(org.page, {
    eventname: name, startdate: localDate(4, 14), enddate: localDate(4, 16), location: 'Library', eventshortinfo: 'Quiet.',
  });
  await org.page.goto(`/events/manage/${id}`);
  await checkPage(org.page, 'manage');
  const link = await org.page.locator('main input[readonly]').first().inputValue();
  assert.match(link, /\/events\/register\/[0-9A-F]{12}$/);

  await registerAccount(guest.page, guest);
  await checkPage(guest.page, 'dashboard');
  await guest.page.goto(link);
  await checkPage(guest.page, 'confirmation');
  await clickAndWait(guest.page, guest.page.locator('main form').getByRole('button', { name: /^\s*register\b/i }));
  await checkPage(guest.page, 'registered');
  assert.match(await flash(guest.page), /Successfully registered/);

  await org.page.goto(`/events/edit/${id}`);
  await checkPage(org.page, 'edit');
  await fillEvent(org.page, { location: 'Library, room 2' });
  await submitFormWith(org.page, 'eventname');
  await checkPage(org.page, 'edited');
  assert.match(await flash(org.page), /Event updated successfully!/);
  assert.match(await text(org.page), /Library, room 2/);

  await org.page.goto(`/events/manage/${id}`);
  await checkPage(org.page, 'manage with guest');
  assert.equal(await org.page.locator('main table tr').filter({ hasText: guest.email }).count(), 1);
  // The row's button posts the table's one form to its own action.
  await clickAndWait(org.page, org.page.locator('main table tr').filter({ hasText: guest.email }).getByRole('button', { name: 'Remove' }));
  assert.match(await flash(org.page), /Participant removed/);
  await checkPage(org.page, 'manage after remove');
  assert.equal(await org.page.locator('main table tr').filter({ hasText: guest.email }).count(), 0);

  await org.page.goto(`/events/delete/${id}`);
  await checkPage(org.page, 'delete confirmation');
  await clickAndWait(org.page, org.page.locator('main form').getByRole('button', { name: /delete/i }));
  await checkPage(org.page, 'deleted');
  assert.match(await flash(org.page), /Event deleted successfully!/);
  await signOut(org.page);
  await checkPage(org.page, 'signed out');
  await signIn(org.page, org.email, org.password);
  await checkPage(org.page, 'signed in');
  assert.equal(path(org.page), '/dashboard');
  finishFlow(org.page);
  finishFlow(guest.page);
  await org.context.close();
  await guest.context.close();
});
