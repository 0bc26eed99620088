// The event life cycle in a real browser, with three people (three browser
// contexts): the organizer creates an event and copies its link from the
// manage page; a second user opens the link and registers; the organizer sees
// them and exports the CSV; capacity 1 turns a third user away; the
// organizer deletes the event. The steps share state, so they run in order
// as subtests of one test.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  checkPage, clickAndWait, createEvent, fillEvent, finishFlow, flash, launch, localDate, newPerson,
  newUser, registerAccount, submitFormWith, text,
} from './lib/ui.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const path = (page) => new URL(page.url()).pathname;

test('event life cycle: create, share, register, manage, CSV, capacity, delete', async (t) => {
  const org = { ...newUser('Olga', 'Organizer'), ...(await newPerson(browser, 'event', 'organizer')) };
  const guest = { ...newUser('Gus', 'Guest'), ...(await newPerson(browser, 'event', 'guest')) };
  const late = { ...newUser('Lou', 'Latecomer'), ...(await newPerson(browser, 'event', 'latecomer')) };
  const ev = {
    eventname: `Browser Meetup ${Date.now().toString(36)} & <Friends>`,
    startdate: localDate(7, 18),
    enddate: localDate(7, 21),
    location: 'Room 4, Ünïcode Hall',
    eventshortinfo: 'Talks and snacks. Bring a laptop.',
  };
  let id;
  let link;
  // Each step needs the ones before it: after a failure the rest are
  // reported as skipped with the reason (the test itself still fails).
  let failed = '';
  const step = (name, fn) => t.test(name, { skip: failed ? `needs the failed step "${failed}"` : false }, async () => {
    try {
      await fn();
    } catch (err) {
      failed = name;
      throw err;
    }
  });

  await step('the organizer creates an event; it is on the dashboard', async () => {
    await registerAccount(org.page, org);
    await checkPage(org.page, 'dashboard');
    await org.page.goto('/events/create');
    await checkPage(org.page, 'create form');
    assert.match(await org.page.title(), /^Create Event - Event Management System$/);
    // Server-side validation: end before start re-renders with a message.
    await fillEvent(org.page, { ...ev, enddate: localDate(6, 9) });
    await submitFormWith(org.page, 'eventname');
    await checkPage(org.page, 'end before start');
    assert.match(await flash(org.page), /End date must be after start date/);
    id = await createEvent(org.page, ev);
    assert.ok(id > 0);
    assert.match(await text(org.page), new RegExp(ev.location));
  });

  await step('the manage page shows the registration link; Copy puts it on the clipboard', async () => {
    await org.page.goto('/dashboard');
    await checkPage(org.page, 'dashboard after create');
    const row = org.page.locator('main tr').filter({ hasText: ev.eventname });
    await clickAndWait(org.page, row.locator(`a[href$="/events/manage/${id}"]`).first());
    await checkPage(org.page, 'manage empty');
    assert.match(await org.page.title(), /^Manage Event - Event Management System$/);
    assert.match(await text(org.page), /No participants yet/);
    const input = org.page.locator('main input[readonly]').first();
    link = await input.inputValue();
    assert.match(link, /\/events\/register\/[0-9A-F]{12}$/);
    assert.ok(await input.evaluate((el) => el.labels.length > 0 || el.hasAttribute('aria-label')), 'link input is labelled');
    const copy = org.page.locator('main').getByRole('button', { name: /copy/i });
    await copy.click();
    await org.page.waitForFunction(() => document.querySelector('[data-copy]')?.textContent === 'Copied');
    assert.equal(await org.page.evaluate(() => navigator.clipboard.readText()), link);
    await checkPage(org.page, 'manage copied');
  });

  await step('a second user opens the link, confirms and is registered', async () => {
    await registerAccount(guest.page, guest);
    await guest.page.goto(link);
    await checkPage(guest.page, 'register confirmation');
    assert.match(await text(guest.page), new RegExp(escapeRe(ev.eventname)));
    await clickAndWait(guest.page, guest.page.locator('main form').getByRole('button', { name: /^\s*register\b/i }));
    assert.equal(path(guest.page), '/dashboard');
    await checkPage(guest.page, 'registered');
    assert.match(await flash(guest.page), new RegExp(`Successfully registered for ${escapeRe(ev.eventname)}`));
    // Opening the link again says so instead of counting twice.
    await guest.page.goto(link);
    await checkPage(guest.page, 'link again');
    const again = guest.page.locator('main form').getByRole('button', { name: /^\s*register\b/i });
    if (await again.count()) {
      await clickAndWait(guest.page, again);
      await checkPage(guest.page, 'registered again');
    }
    assert.match(await text(guest.page, 'main'), /already registered|you are registered/i);
    await guest.page.goto('/dashboard/badges');
    await checkPage(guest.page, 'badges');
    assert.match(await guest.page.title(), /^My Badges - Event Management System$/);
    assert.match(await text(guest.page), new RegExp(escapeRe(ev.eventname)));
  });

  await step('the organizer sees the participant and downloads the CSV', async () => {
    await org.page.goto(`/events/manage/${id}`);
    await checkPage(org.page, 'manage one participant');
    const row = org.page.locator('main table tr').filter({ hasText: guest.email });
    assert.equal(await row.count(), 1, 'one row for the guest');
    assert.match(await row.innerText(), /Gus/);
    const csvLink = org.page.locator(`main a[href$="/events/manage/${id}/participants.csv"]`);
    assert.equal(await csvLink.count(), 1, 'CSV export link');
    const [download] = await Promise.all([org.page.waitForEvent('download'), csvLink.click()]);
    assert.match(download.suggestedFilename(), /\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    assert.equal(lines.length, 2, `header and one row:\n${csv}`);
    assert.match(lines[0], /email/i);
    assert.match(lines[1], new RegExp(escapeRe(guest.email)));
    assert.match(lines[1], /Gus/);
  });

  await step('capacity 1: a third user is refused with "This event is full"', async () => {
    await org.page.goto(`/events/edit/${id}`);
    await checkPage(org.page, 'edit form');
    assert.match(await org.page.title(), /^Edit Event - Event Management System$/);
    assert.equal(await org.page.locator('[name="eventname"]').inputValue(), ev.eventname, 'form keeps the name');
    await fillEvent(org.page, { max_participants: 1 });
    await submitFormWith(org.page, 'eventname');
    assert.equal(path(org.page), '/dashboard');
    await checkPage(org.page, 'edited');
    assert.match(await flash(org.page), /Event updated successfully!/);

    await registerAccount(late.page, late);
    await checkPage(late.page, 'latecomer dashboard');
    await late.page.goto(link);
    await checkPage(late.page, 'full event link');
    // The public page says why, and offers no Register button (issue 13).
    assert.equal(await late.page.locator('main').getByRole('button', { name: /^\s*register\b/i }).count(), 0);
    assert.match(await text(late.page), /This event is full/);
    await org.page.goto(`/events/manage/${id}`);
    await checkPage(org.page, 'manage still one');
    assert.equal(await org.page.locator('main table tr').filter({ hasText: late.email }).count(), 0);
    assert.equal(await org.page.locator('main table tr').filter({ hasText: guest.email }).count(), 1);
  });

  await step('Remove (a button of the table\'s one form) asks first: dismissed, the row stays; accepted, it goes', async () => {
    await org.page.goto(`/events/manage/${id}`);
    const remove = org.page.locator('main table tr').filter({ hasText: guest.email }).getByRole('button', { name: 'Remove' });
    const asked = new Promise((resolve) => {
      org.page.once('dialog', (d) => { resolve(d.message()); d.dismiss(); });
    });
    await remove.click();
    assert.equal(await asked, 'Remove this participant?');
    assert.equal(path(org.page), `/events/manage/${id}`);
    assert.equal(await org.page.locator('main table tr').filter({ hasText: guest.email }).count(), 1);
    org.page.once('dialog', (d) => d.accept());
    await clickAndWait(org.page, remove);
    assert.match(await flash(org.page), /Participant removed/);
    await checkPage(org.page, 'manage after remove');
    assert.equal(await org.page.locator('main table tr').filter({ hasText: guest.email }).count(), 0);
  });

  await step('the organizer deletes the event after a confirmation page', async () => {
    await org.page.goto('/dashboard');
    await checkPage(org.page, 'dashboard before delete');
    const row = org.page.locator('main tr').filter({ hasText: ev.eventname });
    await clickAndWait(org.page, row.locator(`a[href$="/events/delete/${id}"], button`).filter({ hasText: /delete/i }).first());
    assert.equal(path(org.page), `/events/delete/${id}`);
    await checkPage(org.page, 'delete confirmation');
    assert.match(await text(org.page), new RegExp(escapeRe(ev.eventname)));
    await clickAndWait(org.page, org.page.locator('main form').getByRole('button', { name: /delete/i }));
    assert.equal(path(org.page), '/dashboard');
    await checkPage(org.page, 'deleted');
    assert.match(await flash(org.page), /Event deleted successfully!/);
    assert.equal(await org.page.locator('main tr').filter({ hasText: ev.eventname }).count(), 0);
    await org.page.goto(`/events/manage/${id}`);
    await checkPage(org.page, 'manage after delete');
    assert.match(await text(org.page), /not found/i);
  });

  for (const p of [org, guest, late]) {
    finishFlow(p.page);
    await p.context.close();
  }
});

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
