// Organizer polish (issue 13): after creating an event the organizer lands
// on its manage page with the link to share (Copy with JavaScript, a
// read-only field to select without); event names link to their pages;
// statuses and times read as words ("Waiting for approval", "30 Nov 2026,
// 02:11" in a <time datetime>); Approve and Decline keep a gap at 375 px;
// Decline and Cancel ask on a page of their own with two clear answers.
// Each flow runs with JavaScript on and off.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkPage, clickAndWait, createEvent, finishFlow, flash, launch, localDate, newPerson, newUser,
  registerAccount, sql, text,
} from './lib/ui.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const path = (page) => new URL(page.url()).pathname;
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// "30 Nov 2026, 02:11": the friendly form of a stored "2026-11-30 02:11:15".
const friendly = /^\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}, \d{2}:\d{2}$/;
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const friendlyOf = (db) => {
  const [, y, m, d, hm] = db.match(/^(\d{4})-(\d{2})-(\d{2}) (\d{2}:\d{2})/);
  return `${Number(d)} ${months[Number(m) - 1]} ${y}, ${hm}`;
};

// Every <time> in `scope`: its datetime attribute and text.
const times = (page, scope) => page.locator(`${scope} time`).evaluateAll(
  (els) => els.map((el) => ({ datetime: el.getAttribute('datetime'), text: el.textContent })));

for (const js of [true, false]) {
  const mode = js ? 'js' : 'no-js';
  const opts = js ? {} : { javaScriptEnabled: false };

  test(`organizer polish (${mode}): land on manage, linked names, labels, decline and cancel pages`, async () => {
    const org = { ...newUser('Orla', 'Organizer'), ...(await newPerson(browser, `polish-${mode}`, 'organizer', opts)) };
    const gus = { ...newUser('Gus', 'Guest'), ...(await newPerson(browser, `polish-${mode}`, 'gus', opts)) };
    const pia = { ...newUser('Pia', 'Pending'), ...(await newPerson(browser, `polish-${mode}`, 'pia', opts)) };
    const name = `Polish ${mode} ${Date.now().toString(36)}`;

    // 1. Create: the manage page with the link; Copy only where it works.
    await registerAccount(org.page, org);
    const id = await createEvent(org.page, {
      eventname: name, startdate: localDate(9, 18), enddate: localDate(9, 20), location: 'Hall 7',
      eventshortinfo: 'Approval needed.', require_approval: true,
    });
    assert.equal(path(org.page), `/events/manage/${id}`);
    const link = org.page.locator('main input#reglink');
    assert.equal(await link.getAttribute('readonly'), '');
    const shared = await link.inputValue();
    assert.match(shared, /\/events\/register\/[0-9A-F]{12}$/);
    const copy = org.page.locator('main [data-copy="reglink"]');
    assert.equal(await copy.isVisible(), js, `the Copy button is ${js ? 'shown' : 'hidden'}`);
    if (!js) {
      // The field alone: focused and selected, its whole value is the link.
      await link.focus();
      await link.selectText();
      assert.equal(await link.evaluate((el) => el.value.slice(el.selectionStart, el.selectionEnd)), shared);
    }

    // 2. The organizer's dashboard links the name to the manage page.
    await org.page.goto('/dashboard');
    await checkPage(org.page, 'dashboard');
    const orgRow = org.page.locator('main tr').filter({ hasText: name });
    await clickAndWait(org.page, orgRow.getByRole('link', { name }));
    assert.equal(path(org.page), `/events/manage/${id}`);
    await checkPage(org.page, 'manage via name');

    // Two people ask to join.
    for (const p of [gus, pia]) {
      await registerAccount(p.page, p);
      await p.page.goto(shared);
      await checkPage(p.page, 'register page');
      await clickAndWait(p.page, p.page.locator('main form').getByRole('button', { name: /^\s*register\b/i }));
      assert.match(await flash(p.page), /waiting for approval/);
      await checkPage(p.page, 'dashboard pending');
    }

    // 3. Their dashboard: the name links to the event's page; the status and
    // the start are words.
    const gusRow = gus.page.locator('main tr').filter({ hasText: name });
    assert.match(await gusRow.innerText(), /Waiting for approval/);
    const [[start]] = await sql(`SELECT startdate FROM events WHERE eventid = ${id}`);
    assert.deepEqual(await times(gus.page, `main tr:has-text("${name}")`), [{ datetime: start, text: friendlyOf(start) }]);
    await clickAndWait(gus.page, gusRow.getByRole('link', { name }));
    assert.equal(path(gus.page), new URL(shared).pathname);
    await checkPage(gus.page, 'event page via name');
    await gus.page.goto('/dashboard/badges');
    await checkPage(gus.page, 'badges');
    assert.equal(await gus.page.locator('main .badge').filter({ hasText: name }).getByRole('link', { name }).count(), 1);

    // 4. The manage page: labels, friendly join times, and a gap between
    // Approve and Decline at both widths.
    await org.page.goto(`/events/manage/${id}`);
    await checkPage(org.page, 'manage two pending');
    const row = (who) => org.page.locator('main table tr').filter({ hasText: who.email });
    assert.match(await row(gus).locator('td[data-label="Status"]').innerText(), /^Waiting for approval$/);
    assert.doesNotMatch(await text(org.page, 'main table'), /\bpending\b/);
    const [joined] = await times(org.page, `main table tr:has-text("${gus.email}")`);
    assert.match(joined.datetime, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.match(joined.text, friendly);
    assert.equal(joined.text, friendlyOf(joined.datetime));
    for (const width of [375, 1280]) {
      await org.page.setViewportSize({ width, height: 900 });
      const a = await row(gus).getByRole('button', { name: 'Approve' }).boundingBox();
      const d = await row(gus).getByRole('link', { name: 'Decline' }).boundingBox();
      // Side by side: a horizontal gap; wrapped: a vertical one. Never touching.
      const sameLine = Math.abs(a.y - d.y) < Math.min(a.height, d.height) / 2;
      const gap = sameLine ? d.x - (a.x + a.width) : d.y - (a.y + a.height);
      assert.ok(gap >= 8, `at ${width} px Approve and Decline are ${gap.toFixed(1)} px apart`);
    }
    await org.page.setViewportSize({ width: 1280, height: 900 });

    // 5. Decline asks first; "Back to the event" changes nothing.
    await clickAndWait(org.page, row(gus).getByRole('link', { name: 'Decline' }));
    assert.match(path(org.page), new RegExp(`^/events/manage/${id}/participants/[^/]+/decline$`));
    await checkPage(org.page, 'decline confirmation');
    assert.match(await text(org.page, 'main h1'), new RegExp(`^Decline Gus Guest's request for ${escapeRe(name)}\\?$`));
    await clickAndWait(org.page, org.page.getByRole('link', { name: 'Back to the event' }));
    assert.equal(path(org.page), `/events/manage/${id}`);
    await checkPage(org.page, 'manage after back');
    assert.equal(await row(gus).count(), 1);
    await clickAndWait(org.page, row(gus).getByRole('link', { name: 'Decline' }));
    await checkPage(org.page, 'decline confirmation again');
    await clickAndWait(org.page, org.page.locator('main form').getByRole('button', { name: 'Decline request' }));
    assert.equal(path(org.page), `/events/manage/${id}`);
    assert.match(await flash(org.page), /Participant declined/);
    await checkPage(org.page, 'manage after decline');
    assert.equal(await row(gus).count(), 0);

    // Approve: the label turns to "Registered".
    await clickAndWait(org.page, row(pia).getByRole('button', { name: 'Approve' }));
    assert.match(await flash(org.page), /Participant approved/);
    await checkPage(org.page, 'manage after approve');
    assert.match(await row(pia).locator('td[data-label="Status"]').innerText(), /^Registered$/);

    // 6. Cancel is a page with two clear answers; Keep keeps it.
    await pia.page.goto('/dashboard');
    await checkPage(pia.page, 'dashboard registered');
    const piaRow = pia.page.locator('main tr').filter({ hasText: name });
    assert.match(await piaRow.innerText(), /Registered/);
    await clickAndWait(pia.page, piaRow.getByRole('link', { name: 'Cancel registration' }));
    assert.equal(path(pia.page), `/events/cancel/${id}`);
    await checkPage(pia.page, 'cancel confirmation');
    assert.equal(await pia.page.locator('main form').getByRole('button', { name: 'Cancel my registration' }).count(), 1);
    await clickAndWait(pia.page, pia.page.locator('main').getByRole('link', { name: 'Keep my registration' }));
    assert.equal(path(pia.page), '/dashboard');
    await checkPage(pia.page, 'dashboard kept');
    assert.equal(await piaRow.count(), 1, 'still registered');
    await clickAndWait(pia.page, piaRow.getByRole('link', { name: 'Cancel registration' }));
    await checkPage(pia.page, 'cancel confirmation again');
    await clickAndWait(pia.page, pia.page.locator('main form').getByRole('button', { name: 'Cancel my registration' }));
    assert.match(await flash(pia.page), new RegExp(`Your registration for ${escapeRe(name)} has been cancelled`));
    await checkPage(pia.page, 'dashboard cancelled');
    assert.equal(await piaRow.count(), 0);

    for (const p of [org, gus, pia]) {
      finishFlow(p.page);
      await p.context.close();
    }
  });
}
