// Issue 13, the landing page and the public listing with the checks of
// every page (axe, 375 and 1280 px, screenshots), with and without
// JavaScript: a visitor finds an event by searching, pages through the
// results and opens the event's public page.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createEvent, signedInClients, unique } from '../integration/lib/fixtures.mjs';
import {
  checkPage, clickAndWait, finishFlow, browserForFile, JS_MODES, newPerson, submitFormWith, text,
} from './lib/ui.mjs';

const browser = browserForFile(before, after);

for (const { mode, opts } of JS_MODES) {
  test(`landing page, search, paging, and on to an event (${mode})`, async () => {
    const [org] = await signedInClients(1);
    const w = unique('zz').replace(/[^a-z0-9]/g, '');
    const made = [];
    for (let i = 0; i < 22; i += 1) {
      const day = String(i + 1).padStart(2, '0');
      made.push(createEvent(org, { eventname: `${w} Meetup ${String(i).padStart(2, '0')}`, location: `Room ${i}`, startdate: `2033-04-${day}T18:00`, enddate: `2033-04-${day}T20:00`, listed: '1' }));
    }
    const events = await Promise.all(made);

    const { context, page } = await newPerson(browser(), `listing-${mode}`, 'visitor', opts);
    try {
      await page.goto('/');
      await checkPage(page, 'landing page', { title: /^Welcome - Event Management System$/ });
      assert.equal(await page.getByRole('link', { name: 'Sign in' }).count() >= 1, true);
      assert.equal(await page.locator('main').getByRole('link', { name: 'Create an account' }).count(), 1);

      await page.goto('/events');
      await checkPage(page, 'listing');
      await page.fill('[name="q"]', w);
      await submitFormWith(page, 'q');
      await checkPage(page, 'search results');
      assert.equal(await page.locator('main .event-list li').count(), 20);
      assert.match(await text(page), new RegExp(`${w} Meetup 00`));
      await clickAndWait(page, page.getByRole('link', { name: 'Next' }));
      await checkPage(page, 'search results page 2');
      assert.equal(await page.locator('main .event-list li').count(), 2);
      assert.equal(await page.locator('[name="q"]').inputValue(), w, 'the search stays in the box');
      await clickAndWait(page, page.getByRole('link', { name: `${w} Meetup 21` }));
      assert.equal(new URL(page.url()).pathname, `/events/register/${events[21].key}`);
      await checkPage(page, 'event from the listing');
      assert.match(await text(page), /Room 21/);

      await page.goto(`/events?q=${encodeURIComponent(`${w}nothing "(*`)}`);
      await checkPage(page, 'no results');
      assert.match(await text(page), /No upcoming event matches/);
      finishFlow(page);
    } finally {
      await context.close();
    }
  });
}
