// Events through nginx: create/edit/delete, register by key, manage,
// approve/decline/remove, cancel, CSV, dashboard, the PHP messages and the
// PHP defects ems fixes. Users and sessions come from fixtures.mjs (SQL).
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from './lib/stack.mjs';
import {
  attendedOf, countOf, createEvent, eventFields, eventFile, flashAfter, participantsOf, postForm, q,
  signedInClients, storageRoot, unique,
} from './lib/fixtures.mjs';

const [org, jose, zoe, other] = await signedInClients(4, {
  names: (i) => [['Ana', 'Organizer'], ['José María', 'Ñúñez'], ['=HYPERLINK("http://x")', 'Zoë "Z"'], ['Oscar', 'Other']][i],
});
const eventRows = async () => Number((await sql('SELECT COUNT(*) FROM events'))[0][0]);

async function expectFlash(c, res, message, location = '/dashboard') {
  assert.equal(res.status, 302, `expected a redirect, got ${res.status}: ${res.text.slice(0, 200)}`);
  assert.equal(res.location, location);
  const { flash } = await flashAfter(c, res);
  assert.equal(flash, message);
}

test('create: the form, every validation message, nothing stored on error', async () => {
  const form = await org.get('/events/create');
  assert.equal(form.status, 200);
  assert.match(form.text, /name="csrf_token"/);
  const before = await eventRows();
  const bad = [
    [{ location: '' }, 'Please fill in all required fields'],
    [{ eventname: '' }, 'Please fill in all required fields'],
    [{ enddate: '2030-04-30T09:00' }, 'End date must be after start date'],
    [{ enddate: '2030-05-01T09:00' }, 'End date must be after start date'],
    [{ startdate: '2025-02-30T10:00' }, 'Please correct the fields marked below'],
    [{ startdate: '30/05/2030' }, 'Please correct the fields marked below'],
    [{ eventname: 'x'.repeat(10240) }, 'Please correct the fields marked below'],
    [{ location: 'bad \u0001 byte' }, 'Please correct the fields marked below'],
    [{ max_participants: '-1' }, 'Please correct the fields marked below'],
    [{ max_participants: '1000000000000' }, 'Please correct the fields marked below'],
    [{ max_participants: '1.5' }, 'Please correct the fields marked below'],
  ];
  for (const [over, message] of bad) {
    const res = await postForm(org, '/events/create', eventFields(over));
    assert.equal(res.status, 422, `${JSON.stringify(over).slice(0, 80)} -> ${res.status}`);
    assert.ok(res.text.includes(message.replace(/'/g, '&#39;')), `${JSON.stringify(over).slice(0, 80)}: ${message}`);
    assert.match(res.text, /aria-invalid="true" aria-describedby="\w+-error"/);
  }
  // The user's values come back in the form.
  const kept = await postForm(org, '/events/create', eventFields({ eventname: 'Kept name', location: '' }));
  assert.match(kept.text, /value="Kept name"/);
  assert.equal(await eventRows(), before, 'no row was created by a refused form');
});

test('create: a valid event, the PHP key format, the event file with PHP keys', async () => {
  const name = unique('Launch party ');
  const res = await postForm(org, '/events/create', eventFields({ eventname: name, max_participants: '' }));
  const [[id, key, count, creator]] = await sql(
    `SELECT eventid, eventkey, participantcount, CAST(eventcreator AS CHAR) FROM events WHERE eventname = ${q(name)}`);
  // The organizer lands on the new event's manage page, with its link to share.
  await expectFlash(org, res, 'Event created successfully!', `/events/manage/${id}`);
  const manage = await org.get(res.location);
  assert.ok(manage.text.includes(`value="http://`) && manage.text.includes(`/events/register/${key}"`), 'the link to share');
  assert.match(key, /^[0-9A-F]{12}$/); // 48 bits (issue 12); older 8-character keys still work
  assert.equal(count, '0');
  assert.equal(creator, org.user.uid);
  const file = eventFile(id);
  assert.deepEqual(Object.keys(file), ['eventid', 'eventname', 'startdate', 'enddate', 'location', 'eventshortinfo',
    'eventcreator', 'eventkey', 'eventbadgepath', 'eventinfopath', 'created_at', 'last_updated', 'settings',
    'description', 'listed', 'registration_opens', 'registration_closes', 'close_at_start']); // ours, after the PHP keys (docs/COMPATIBILITY.md)
  assert.deepEqual(file.settings, { registration_open: true, max_participants: null, require_approval: false });
  assert.equal(file.startdate, '2030-05-01 09:00:00');
  // The alternative date format is accepted too.
  const alt = await postForm(org, '/events/create', eventFields({ startdate: '2030-06-01 10:00:00', enddate: '2030-06-01 12:00:00' }));
  assert.equal(alt.status, 302);
});

test('HTML in every field is escaped on every page that shows it', async () => {
  const evil = '<script>alert(1)</script>"\'&';
  const ev = await createEvent(org, { eventname: `N${evil}${unique()}`, location: `L${evil}`, eventshortinfo: `I${evil}` });
  await postForm(jose, `/events/register/${ev.key}`);
  for (const [c, p] of [[org, '/dashboard'], [org, `/events/manage/${ev.id}`], [org, `/events/edit/${ev.id}`],
    [jose, '/dashboard'], [jose, '/dashboard/badges'], [jose, `/events/register/${ev.key}`], [org, `/events/delete/${ev.id}`]]) {
    const res = await c.get(p);
    assert.equal(res.status, 200, p);
    assert.doesNotMatch(res.text, /<script>alert/, `${p} has raw HTML`);
    assert.match(res.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, `${p} shows the escaped value`);
  }
});

test('edit: owner checks, unknown and malformed ids, validation, created_at kept', async () => {
  const ev = await createEvent(org);
  const createdAt = eventFile(ev.id).created_at;
  await expectFlash(jose, await jose.get(`/events/edit/${ev.id}`), 'You can only edit your own events');
  await expectFlash(jose, await postForm(jose, `/events/edit/${ev.id}`, eventFields({ eventname: 'hijack' })),
    'You can only edit your own events');
  for (const id of ['99999999', 'abc', '0', '-1', '1e3', '01', '1%20OR%201=1', 'dist']) {
    await expectFlash(org, await org.get(`/events/edit/${id}`), 'Event not found');
  }
  const invalid = await postForm(org, `/events/edit/${ev.id}`, eventFields({ enddate: '2020-01-01T00:00' }));
  assert.equal(invalid.status, 422);
  assert.match(invalid.text, /End date must be after start date/);
  const res = await postForm(org, `/events/edit/${ev.id}`, eventFields({
    eventname: `${ev.name} (edited)`, max_participants: '5', registration_open: '0', require_approval: '1',
  }));
  await expectFlash(org, res, 'Event updated successfully!');
  const file = eventFile(ev.id);
  assert.equal(file.created_at, createdAt, 'created_at survives an edit');
  assert.equal(file.eventname, `${ev.name} (edited)`);
  assert.deepEqual(file.settings, { registration_open: false, max_participants: 5, require_approval: true });
  const page = await org.get(`/events/edit/${ev.id}`);
  assert.match(page.text, /value="5"/);
  assert.doesNotMatch(page.text, /id="registration_open"[^>]*checked/);
  assert.match(page.text, /id="require_approval"[^>]*checked/);
});

test('register: confirmation page, success, duplicate and lower-case key change nothing', async () => {
  const ev = await createEvent(org);
  const confirm = await jose.get(`/events/register/${ev.key}`);
  assert.equal(confirm.status, 200);
  assert.match(confirm.text, new RegExp(`action="/events/register/${ev.key}"`));
  assert.equal(await countOf(ev.id), 0, 'the GET changes nothing');
  await expectFlash(jose, await postForm(jose, `/events/register/${ev.key}`), `Successfully registered for ${ev.name}`);
  await expectFlash(jose, await postForm(jose, `/events/register/${ev.key}`), 'You are already registered for this event');
  await expectFlash(jose, await postForm(jose, `/event/register/${ev.key.toLowerCase()}`), 'You are already registered for this event');
  assert.equal(await countOf(ev.id), 1);
  assert.deepEqual((await attendedOf(jose.user.uid)).filter((x) => x === ev.id), [ev.id]);
  const [p] = await participantsOf(org, ev.id);
  assert.equal(p.uid, jose.user.uid);
  assert.equal(p.name, 'José María Ñúñez');
  assert.equal(p.status, 'registered');
  assert.match(p.joined_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  // A key matched case-insensitively on the first registration too.
  await expectFlash(zoe, await postForm(zoe, `/events/register/${ev.key.toLowerCase()}`), `Successfully registered for ${ev.name}`);
  assert.equal(await countOf(ev.id), 2);
  const nul = await postForm(jose, '/events/register/%00%00%00%00');
  assert.ok(nul.status === 400 || nul.status === 302, `NUL bytes in the key: ${nul.status}`);
  for (const key of ['DEADBEEF', 'xyz', 'ABCDEFGH', '123456789', 'ABCDEF1%27']) {
    await expectFlash(jose, await postForm(jose, `/events/register/${key}`), 'Invalid event key');
    await expectFlash(jose, await jose.get(`/events/register/${key}`), 'Invalid event key');
  }
});

test('a POST without the CSRF token is refused and changes nothing', async () => {
  const ev = await createEvent(org);
  const res = await jose.post(`/events/register/${ev.key}`, {});
  assert.equal(res.status, 403);
  assert.equal(await countOf(ev.id), 0);
  const del = await org.post(`/events/delete/${ev.id}`, { csrf_token: 'f'.repeat(64) });
  assert.equal(del.status, 403);
  assert.equal(await countOf(ev.id), 0, 'still there');
});

test('settings are enforced: closed, full, approval with approve and decline', async () => {
  // '0' is what the form's hidden input sends for an unchecked box; an
  // absent field would mean the PHP default (open).
  const closed = await createEvent(org, { registration_open: '0' });
  await expectFlash(jose, await postForm(jose, `/events/register/${closed.key}`), 'Registration is closed for this event');
  assert.equal(await countOf(closed.id), 0);
  const small = await createEvent(org, { max_participants: '2' });
  await expectFlash(jose, await postForm(jose, `/events/register/${small.key}`), `Successfully registered for ${small.name}`);
  await expectFlash(zoe, await postForm(zoe, `/events/register/${small.key}`), `Successfully registered for ${small.name}`);
  await expectFlash(other, await postForm(other, `/events/register/${small.key}`), 'This event is full');
  assert.equal(await countOf(small.id), 2);
  assert.ok(!(await attendedOf(other.user.uid)).includes(small.id));
  // Cancel returns the seat.
  await expectFlash(zoe, await postForm(zoe, `/events/cancel/${small.id}`), `Your registration for ${small.name} has been cancelled`);
  assert.equal(await countOf(small.id), 1);
  assert.ok(!(await attendedOf(zoe.user.uid)).includes(small.id));
  await expectFlash(zoe, await postForm(zoe, `/events/cancel/${small.id}`), 'You are not registered for this event');
  await expectFlash(other, await postForm(other, `/events/register/${small.key}`), `Successfully registered for ${small.name}`);
  assert.equal(await countOf(small.id), 2);

  const approval = await createEvent(org, { require_approval: '1', max_participants: '2' });
  await expectFlash(jose, await postForm(jose, `/events/register/${approval.key}`),
    `Your registration for ${approval.name} is waiting for approval by the organizer`);
  await postForm(zoe, `/events/register/${approval.key}`);
  assert.deepEqual((await participantsOf(org, approval.id)).map((p) => p.status), ['pending', 'pending']);
  await expectFlash(other, await postForm(other, `/events/register/${approval.key}`), 'This event is full', '/dashboard');
  const manage = `/events/manage/${approval.id}`;
  const page = await org.get(manage);
  assert.match(page.text, new RegExp(`action="${manage}/participants/${jose.user.uid}/approve"`));
  // Words, not stored values: the label in a tag, the time in a <time>.
  assert.match(page.text, /<td data-label="Status"><span class="tag warn">Waiting for approval<\/span><\/td>/);
  assert.doesNotMatch(page.text, /<td data-label="Status">pending/);
  assert.match(page.text, /<time datetime="\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}">\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}<\/time>/);
  // Decline asks first: the row links to a page whose button posts to the
  // same URL; the GET changes nothing and is the owner's only.
  const declineUrl = `${manage}/participants/${zoe.user.uid}/decline`;
  assert.ok(page.text.includes(`<a href="${declineUrl}">Decline</a>`), 'Decline is a link to its page');
  const ask = await org.get(declineUrl);
  assert.equal(ask.status, 200);
  assert.ok(ask.text.includes(`&#39;s request for ${approval.name}?</h1>`) || ask.text.includes(`&apos;s request for ${approval.name}?</h1>`), ask.text.slice(0, 3000));
  assert.match(ask.text, new RegExp(`<form method="post" action="${declineUrl}">\\s*<input type="hidden" name="csrf_token" value="[0-9a-f]+">`));
  assert.ok(ask.text.includes(`<a class="button" href="${manage}">Back to the event</a>`));
  assert.deepEqual((await participantsOf(org, approval.id)).map((p) => p.status), ['pending', 'pending'], 'the GET changed nothing');
  await expectFlash(jose, await jose.get(declineUrl), 'You can only manage your own events');
  await expectFlash(org, await org.get(`${manage}/participants/999999/decline`), 'Participant not found', manage);
  await expectFlash(org, await org.get(`${manage}/participants/abc/decline`), 'Participant not found', manage);
  // The PHP alias answers the GET too.
  assert.equal((await org.get(declineUrl.replace('/events/', '/event/'))).status, 200);
  await expectFlash(jose, await postForm(jose, `${manage}/participants/${jose.user.uid}/approve`), 'You can only manage your own events');
  await expectFlash(org, await postForm(org, `${manage}/participants/${jose.user.uid}/approve`), 'Participant approved', manage);
  const notWaiting = await flashAfter(org, await org.get(`${manage}/participants/${jose.user.uid}/decline`));
  assert.equal(notWaiting.location, manage);
  assert.match(notWaiting.flash, /is not waiting for approval$/);
  await expectFlash(org, await postForm(org, `${manage}/participants/${zoe.user.uid}/decline`), 'Participant declined', manage);
  await expectFlash(org, await postForm(org, `${manage}/participants/999999/remove`), 'Participant not found', manage);
  const traversal = await postForm(org, `${manage}/participants/..%2F1/remove`);
  assert.ok([302, 404].includes(traversal.status), `a uid with a slash: ${traversal.status}`);
  await expectFlash(org, await postForm(org, `${manage}/participants/abc/remove`), 'Participant not found', manage);
  const left = await participantsOf(org, approval.id);
  assert.deepEqual(left.map((p) => [p.uid, p.status]), [[jose.user.uid, 'registered']]);
  assert.equal(await countOf(approval.id), 1);
  assert.ok(!(await attendedOf(zoe.user.uid)).includes(approval.id));
  await expectFlash(org, await postForm(org, `${manage}/participants/${jose.user.uid}/remove`), 'Participant removed', manage);
  assert.equal(await countOf(approval.id), 0);
  assert.ok(!(await attendedOf(jose.user.uid)).includes(approval.id));
});

test('manage: owner only, key and link shown, paging and ?all=1', async () => {
  const ev = await createEvent(org);
  await expectFlash(jose, await jose.get(`/events/manage/${ev.id}`), 'You can only manage your own events');
  await expectFlash(jose, await jose.get(`/event/manage/${ev.id}`), 'You can only manage your own events');
  for (const id of ['abc', '99999999', 'dist']) await expectFlash(org, await org.get(`/events/manage/${id}`), 'Event not found');
  const empty = await org.get(`/events/manage/${ev.id}`);
  assert.match(empty.text, /No participants yet\./);
  assert.match(empty.text, new RegExp(`/events/register/${ev.key}"`));
  assert.match(empty.text, /data-copy="reglink"/);
  const crowd = await signedInClients(120);
  for (const c of crowd) assert.equal((await postForm(c, `/events/register/${ev.key}`)).status, 302);
  const page1 = await org.get(`/events/manage/${ev.id}`);
  assert.match(page1.text, /Participants \(120\)/);
  assert.equal((page1.text.match(/<tr><td>/g) ?? []).length, 100);
  assert.match(page1.text, /Page 1 of 2/);
  const page2 = await org.get(`/events/manage/${ev.id}?page=2`);
  assert.equal((page2.text.match(/<tr><td>/g) ?? []).length, 20);
  const all = await org.get(`/events/manage/${ev.id}?all=1`);
  assert.equal((all.text.match(/<tr><td>/g) ?? []).length, 120);
  assert.equal((await org.get(`/events/manage/${ev.id}?page=abc`)).status, 200);
});

test('CSV export: BOM, header, formula-safe cells, owner only', async () => {
  const ev = await createEvent(org);
  await postForm(zoe, `/events/register/${ev.key}`);
  await postForm(jose, `/events/register/${ev.key}`);
  const res = await org.get(`/events/manage/${ev.id}/participants.csv`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/csv; charset=utf-8/);
  assert.match(res.headers.get('content-disposition'), /^attachment; filename="event-\d+-participants\.csv"$/);
  assert.deepEqual([...res.buffer.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const lines = res.text.slice(1).split('\r\n');
  assert.equal(lines[0], '"Name","Email","Joined at","Status","User id"');
  assert.ok(lines[1].startsWith(`"'=HYPERLINK(""http://x"") Zoë ""Z""","${zoe.user.email}"`), lines[1]);
  assert.ok(lines[2].startsWith('"José María Ñúñez"'));
  // A machine format: the stored time and status, not the page's words.
  assert.match(lines[1], /,"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}","registered","[^"]+"$/);
  await expectFlash(jose, await jose.get(`/events/manage/${ev.id}/participants.csv`), 'You can only manage your own events');
});

test('dashboard: greeting, real figures, created and registered events; badges', async () => {
  const [ana, bob] = await signedInClients(2, { names: (i) => [['Dana', 'Dash'], ['Bob', 'B']][i] });
  const e1 = await createEvent(ana);
  const e2 = await createEvent(ana);
  const theirs = await createEvent(bob);
  await postForm(bob, `/events/register/${e1.key}`);
  await postForm(ana, `/events/register/${theirs.key}`);
  const dash = await ana.get('/dashboard');
  assert.equal(dash.status, 200);
  assert.match(dash.text, /Welcome, Dana Dash/);
  assert.match(dash.text, /Events created<\/dt><dd>2</);
  assert.match(dash.text, /Registrations<\/dt><dd>1</);
  assert.match(dash.text, /Total participants<\/dt><dd>1</);
  for (const e of [e1, e2]) {
    for (const a of ['edit', 'manage', 'delete']) assert.ok(dash.text.includes(`href="/events/${a}/${e.id}"`), `${a} ${e.id}`);
  }
  assert.ok(!dash.text.includes(`/events/manage/${theirs.id}"`), 'only events this user created (uids compared as strings)');
  // Cancel asks on its own page first (the browser's confirm() said "Cancel" for keep).
  assert.ok(dash.text.includes(`<a href="/events/cancel/${theirs.id}">Cancel registration</a>`), 'a cancel link for the registered event');
  // Names link to their pages: the organizer's to manage, the attendee's to the registration page.
  for (const e of [e1, e2]) assert.ok(dash.text.includes(`<td><a href="/events/manage/${e.id}">${e.name}</a></td>`), `name link ${e.id}`);
  assert.ok(dash.text.includes(`<td><a href="/events/register/${theirs.key}">${theirs.name}</a></td>`), 'attended name link');
  assert.match(dash.text, /<time datetime="2030-05-01 09:00:00">1 May 2030, 09:00<\/time>/);
  const cancelPage = await ana.get(`/events/cancel/${theirs.id}`);
  assert.match(cancelPage.text, /<button type="submit" class="danger">Cancel my registration<\/button>/);
  assert.match(cancelPage.text, /<a class="button" href="\/dashboard">Keep my registration<\/a>/);
  const badges = await ana.get('/dashboard/badges');
  assert.match(badges.text, new RegExp(theirs.name));
  assert.ok(badges.text.includes(`<a href="/events/register/${theirs.key}">${theirs.name}</a>`), 'badge name link');
  assert.equal((await ana.get('/dashboard/anything')).status, 404);
  // GET /dashboard/dist/output.css no longer renders the dashboard (and eats the flash).
  assert.equal((await ana.get('/dashboard/dist/output.css')).status, 404);
  // The API lists the same.
  const api = (await ana.get('/api/events')).json();
  assert.deepEqual(api.created.map((e) => String(e.id)).sort(), [e1.id, e2.id].sort());
  assert.deepEqual(api.attended.map((e) => String(e.id)), [theirs.id]);
});

test('delete: confirmation, owner only, row, files and attended entries removed, shared badge kept', async () => {
  const ev = await createEvent(org);
  await postForm(jose, `/events/register/${ev.key}`);
  await postForm(zoe, `/events/register/${ev.key}`);
  const badge = path.join(storageRoot(), '..', 'uploads', 'eventbadges', 'default.png');
  mkdirSync(path.dirname(badge), { recursive: true });
  writeFileSync(badge, 'png');
  const confirm = await org.get(`/events/delete/${ev.id}`);
  assert.equal(confirm.status, 200);
  assert.match(confirm.text, new RegExp(`action="/events/delete/${ev.id}"`));
  assert.equal(await countOf(ev.id), 2, 'the GET deletes nothing');
  await expectFlash(zoe, await zoe.get(`/events/delete/${ev.id}`), 'You can only delete your own events');
  await expectFlash(zoe, await postForm(zoe, `/events/delete/${ev.id}`), 'You can only delete your own events');
  await expectFlash(org, await postForm(org, `/events/delete/${ev.id}`), 'Event deleted successfully!');
  assert.equal(await countOf(ev.id), null);
  assert.equal(existsSync(path.join(storageRoot(), 'events', `${ev.id}.json`)), false);
  assert.equal(existsSync(path.join(storageRoot(), 'participants', `${ev.id}.json`)), false);
  assert.ok(!(await attendedOf(jose.user.uid)).includes(ev.id));
  assert.ok(!(await attendedOf(zoe.user.uid)).includes(ev.id));
  assert.ok(existsSync(badge), 'the shared default badge is never deleted');
  await expectFlash(org, await postForm(org, `/events/delete/${ev.id}`), 'Event not found');
  await expectFlash(org, await org.get(`/event/delete/${ev.id}`), 'Event not found');
});

test('unknown event routes answer 404; signed-out visitors go to the login page (the register link is public: tests/integration/public_event)', async () => {
  for (const p of ['/events/nosuch', '/event', '/events/manage/1/extra', '/events/dist/output.css']) {
    assert.equal((await org.get(p)).status, 404, p);
  }
  const { client } = await import('./lib/stack.mjs');
  const anon = client();
  for (const p of ['/dashboard', '/events/create', '/events/cancel/1', '/events/manage/1']) {
    const res = await anon.get(p);
    assert.equal(res.status, 302, p);
    assert.equal(res.location, '/auth/login');
  }
  assert.equal((await anon.get('/api/events')).status, 401);
});

test('attendedevents written PHP style and read leniently (numbers, strings, NULL)', async () => {
  const ev = await createEvent(org);
  const [c] = await signedInClients(1);
  await sql(`UPDATE user_credentials SET attendedevents = '[1, "x", 99999999]' WHERE uid = ${q(c.user.uid)}`);
  await postForm(c, `/events/register/${ev.key}`);
  const [[text]] = await sql(`SELECT attendedevents FROM user_credentials WHERE uid = ${q(c.user.uid)}`);
  assert.equal(text, `["1","x","99999999","${ev.id}"]`);
  await sql(`UPDATE user_credentials SET attendedevents = NULL WHERE uid = ${q(c.user.uid)}`);
  assert.equal((await c.get('/dashboard')).status, 200);
});
