// Issue 13, the public event page at the share link, with the checks of
// every page (axe, 375 and 1280 px, screenshots), with and without
// JavaScript: a visitor signs in from it, comes back, registers and sees
// Cancel; the full, closed and past states show their reason and no
// Register button; Add to calendar gives an iCalendar file.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from '../integration/lib/stack.mjs';
import { createEvent, postForm, signedInClients, PASSWORD } from '../integration/lib/fixtures.mjs';
import {
  checkPage, clickAndWait, finishFlow, flash, browserForFile, JS_MODES, newPerson, submitFormWith, text,
} from './lib/ui.mjs';

const browser = browserForFile(before, after);

const registerButton = (page) => page.locator('main').getByRole('button', { name: /^\s*register\b/i });

for (const { mode, opts } of JS_MODES) {
  test(`the public page: sign in from it, come back, register; full, closed and past say why (${mode})`, async () => {
    const [org, taken, visitor] = await signedInClients(3);
    const open = await createEvent(org, { max_participants: '3', location: 'Hall A, 2nd floor', eventshortinfo: 'Talks and snacks.\nBring a laptop.' });
    const full = await createEvent(org, { max_participants: '1' });
    assert.equal((await postForm(taken, `/events/register/${full.key}`)).status, 302);
    const closed = await createEvent(org, { registration_open: '0' });
    const past = await createEvent(org);
    await sql(`UPDATE events SET startdate = '2020-01-01 09:00:00', enddate = '2020-01-01 17:00:00' WHERE eventid = ${past.id}`);

    const { context, page } = await newPerson(browser(), `public-event-${mode}`, 'visitor', opts);
    try {
      await page.goto(`/e/${open.key}`);
      await checkPage(page, 'public page signed out');
      assert.match(await text(page), new RegExp(open.name));
      assert.match(await text(page), /3 of 3 places left/);
      assert.match(await text(page), /Talks and snacks\.\nBring a laptop\./);
      assert.equal(await registerButton(page).count(), 0);
      const calendar = await page.locator('main a', { hasText: 'Add to calendar' }).getAttribute('href');
      const ics = await page.request.get(calendar);
      assert.equal(ics.status(), 200);
      assert.match(await ics.text(), /^BEGIN:VCALENDAR\r\n[\s\S]*SUMMARY:Event /);

      await clickAndWait(page, page.getByRole('link', { name: 'Sign in or create an account to register' }));
      await checkPage(page, 'sign in names the event');
      assert.match(await text(page), new RegExp(`Sign in to register for ${open.name}`));
      await page.fill('[name="email"]', visitor.user.email);
      await page.fill('[name="password"]', PASSWORD);
      await submitFormWith(page, 'password');
      assert.equal(new URL(page.url()).pathname, `/e/${open.key}`);
      await checkPage(page, 'back on the public page');
      await clickAndWait(page, registerButton(page));
      await checkPage(page, 'registered from the public page');
      assert.match(await flash(page), new RegExp(`Successfully registered for ${open.name}`));
      await page.goto(`/e/${open.key}`);
      await checkPage(page, 'public page registered');
      assert.match(await text(page), /You are registered for this event/);
      assert.equal(await registerButton(page).count(), 0);
      assert.equal(await page.getByRole('link', { name: 'Cancel my registration' }).count(), 1);

      for (const [ev, label, reason] of [[full, 'full', /This event is full/], [closed, 'closed', /Registration is closed for this event/], [past, 'past', /This event has ended/]]) {
        await page.goto(`/events/register/${ev.key}`);
        await checkPage(page, `public page ${label}`);
        assert.match(await text(page), reason);
        assert.equal(await registerButton(page).count(), 0, `${label}: no Register button`);
      }
      finishFlow(page);
    } finally {
      await context.close();
    }
  });
}
