// Issue 13, the public event page at the share link /events/register/<key>
// and /e/<key>: public, no participant data, OpenGraph tags, its state and
// one action; sign-in names the event and comes back; "Add to calendar"
// gives an iCalendar file (parsed here by Python's icalendar package).
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { client, poolOn, sql } from './lib/stack.mjs';
import {
  createEvent, eventFields, flashAfter, postForm, signedInClients, PASSWORD,
} from './lib/fixtures.mjs';

// Debian's python3-icalendar is installed for the system Python (a python3
// earlier on PATH, e.g. pyenv's, may not have it).
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const main = (html) => html.match(/<main[\s\S]*<\/main>/)[0];
const buttons = (html) => [...main(html).matchAll(/<button[^>]*>([^<]*)<\/button>/g)].map((m) => m[1].trim());

test('signed out: the page says what, when, where and who, shows no participant, previews in chat apps, and sign-in comes back to it', async () => {
  const [org, ada] = await signedInClients(2);
  const ev = await createEvent(org, { max_participants: '10', location: 'Hall <A>' });
  assert.equal((await postForm(ada, `/events/register/${ev.key}`)).status, 302);
  const anon = client();
  const page = await anon.get(`/e/${ev.key.toLowerCase()}`);
  assert.equal(page.status, 200);
  const body = main(page.text);
  assert.match(body, new RegExp(`<h1>${ev.name}</h1>`));
  assert.match(body, /<dt>Organizer<\/dt><dd>Test User 0<\/dd>/);
  assert.match(body, /Hall &lt;A&gt;/);
  assert.match(body, /Registration open/);
  assert.match(body, /9 of 10 places left/);
  assert.ok(!page.text.includes(ada.user.email) && !page.text.includes('Test User 1'), 'no participant data');
  assert.deepEqual(buttons(page.text), [], 'no button: signing in is a link');
  assert.match(body, /<a class="button primary" href="\/auth\/login">Sign in or create an account to register<\/a>/);
  assert.match(page.text, new RegExp(`<meta property="og:title" content="${ev.name}">`));
  assert.match(page.text, new RegExp(`<meta property="og:url" content="[^"]*/events/register/${ev.key}">`));
  assert.match(page.text, /<meta property="og:description" content="1 May 2030, 09:00, Hall &lt;A&gt;">/);

  const login = await anon.get('/auth/login');
  assert.match(login.text, new RegExp(`Sign in to register for ${ev.name}\\.`));
  const [bob] = await signedInClients(1);
  const signIn = await anon.post('/auth/login', { email: bob.user.email, password: PASSWORD, csrf_token: login.text.match(/name="csrf_token" value="([^"]+)"/)[1] });
  assert.equal(signIn.status, 302);
  assert.equal(signIn.location, `/e/${ev.key.toLowerCase()}`);
  const back = await anon.get(signIn.location);
  assert.deepEqual(buttons(back.text), ['Register']);

  assert.equal((await client().get('/e/ABCDEF012345')).status, 404);
  assert.equal((await client().get('/events/register/nothex')).status, 404);
  assert.equal((await client().get(`/event/register/${ev.key}`)).status, 200, 'the PHP alias');
});

test('signed in, each state has its words and only the button that can work', async () => {
  const [org, ada, bob, cy] = await signedInClients(4);
  const open = await createEvent(org);
  let page = await ada.get(`/events/register/${open.key}`);
  assert.deepEqual(buttons(page.text), ['Register']);
  assert.match(main(page.text), /Registration open/);
  assert.equal((await postForm(ada, `/events/register/${open.key}`)).status, 302);
  page = await ada.get(`/events/register/${open.key}`);
  assert.deepEqual(buttons(page.text), []);
  assert.match(main(page.text), /You are registered for this event/);
  assert.match(main(page.text), new RegExp(`<a class="button" href="/events/cancel/${open.id}">Cancel my registration</a>`));

  const approval = await createEvent(org, { require_approval: '1' });
  assert.match(main((await bob.get(`/events/register/${approval.key}`)).text), /The organizer approves each registration/);
  assert.equal((await postForm(bob, `/events/register/${approval.key}`)).status, 302);
  assert.match(main((await bob.get(`/events/register/${approval.key}`)).text), /Your registration is waiting for approval/);

  const full = await createEvent(org, { max_participants: '1' });
  assert.equal((await postForm(ada, `/events/register/${full.key}`)).status, 302);
  page = await cy.get(`/events/register/${full.key}`);
  assert.deepEqual(buttons(page.text), []);
  assert.match(main(page.text), /<span class="tag warn">Full<\/span>/);
  assert.match(main(page.text), /<p>This event is full<\/p>/);
  assert.match(main((await client().get(`/events/register/${full.key}`)).text), /This event is full/, 'signed out: the reason, no sign-in button');
  assert.ok(!main((await client().get(`/events/register/${full.key}`)).text).includes('Sign in or create'));

  const closed = await createEvent(org, { registration_open: '0' });
  page = await cy.get(`/events/register/${closed.key}`);
  assert.deepEqual(buttons(page.text), []);
  assert.match(main(page.text), /Registration is closed for this event/);

  const past = await createEvent(org);
  await sql(`UPDATE events SET startdate = '2020-01-01 09:00:00', enddate = '2020-01-01 17:00:00' WHERE eventid = ${past.id}`);
  page = await cy.get(`/events/register/${past.key}`);
  assert.deepEqual(buttons(page.text), []);
  assert.match(main(page.text), /<span class="tag warn">Past event<\/span>/);
  assert.match(main(page.text), /This event has ended/);
  const refused = await flashAfter(cy, await postForm(cy, `/events/register/${past.key}`));
  assert.equal(refused.flash, 'This event has ended');
  const api = await cy.request('POST', `/api/events/${past.key}/registrations`,
    { headers: { 'x-csrf-token': cy.csrf, accept: 'application/json', 'content-type': 'application/json' }, body: '{}' });
  assert.equal(api.status, 409);
  assert.equal(api.json().error, 'This event has ended');
  assert.equal(Number((await sql(`SELECT participantcount FROM events WHERE eventid = ${past.id}`))[0][0]), 0);
});

test('Add to calendar: a valid iCalendar file, read by Python\'s icalendar; an unknown or deleted event is 404', async () => {
  const [org] = await signedInClients(1);
  const ev = await createEvent(org, { location: 'Room 1; Hall, B', eventshortinfo: 'Bring: a laptop\nand a charger' });
  const res = await client().get(`/events/register/${ev.key}/calendar.ics`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/calendar; charset=utf-8');
  assert.match(res.headers.get('content-disposition'), /^attachment; filename="[A-Za-z0-9-]+\.ics"$/);
  const py = spawnSync(PYTHON, ['-c', `
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
ev = [c for c in cal.walk('VEVENT')][0]
print(json.dumps({"summary": str(ev["SUMMARY"]), "location": str(ev["LOCATION"]),
  "description": str(ev["DESCRIPTION"]), "uid": str(ev["UID"]), "url": str(ev["URL"]),
  "start": ev.decoded("DTSTART").isoformat(), "end": ev.decoded("DTEND").isoformat(),
  "version": str(cal["VERSION"])}))
`], { input: res.buffer });
  assert.equal(py.status, 0, py.stderr.toString());
  const got = JSON.parse(py.stdout.toString());
  assert.deepEqual(got, {
    summary: ev.name, location: 'Room 1; Hall, B', description: 'Bring: a laptop\nand a charger',
    uid: got.uid, url: got.url, start: '2030-05-01T09:00:00', end: '2030-05-01T17:00:00', version: '2.0',
  });
  assert.match(got.uid, new RegExp(`^event-${ev.key}@`));
  assert.match(got.url, new RegExp(`/events/register/${ev.key}$`));

  assert.equal((await client().get('/events/register/ABCDEF012345/calendar.ics')).status, 404);
  assert.equal((await postForm(org, `/events/delete/${ev.id}`)).status, 302);
  assert.equal((await client().get(`/events/register/${ev.key}/calendar.ics`)).status, 404);
});

test('the registration window: not open yet, closed on a date, closed when the event started; bad windows are refused and nothing is saved', async () => {
  const [org, cy] = await signedInClients(2);
  const api = (c, method, p, body) => c.request(method, p, {
    headers: { 'x-csrf-token': c.csrf, accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const soon = await createEvent(org, { registration_opens: '2029-01-01T08:00' });
  let page = await cy.get(`/events/register/${soon.key}`);
  assert.deepEqual(buttons(page.text), []);
  assert.match(main(page.text), /<span class="tag warn">Not open yet<\/span>/);
  assert.match(main(page.text), /Registration opens on 1 Jan 2029, 08:00/);
  assert.equal((await flashAfter(cy, await postForm(cy, `/events/register/${soon.key}`))).flash, 'Registration opens on 1 Jan 2029, 08:00');

  const late = await createEvent(org, { registration_closes: '2020-06-01T12:00' });
  page = await cy.get(`/events/register/${late.key}`);
  assert.match(main(page.text), /<span class="tag warn">Registration closed<\/span>/);
  assert.match(main(page.text), /Registration closed on 1 Jun 2020, 12:00/);
  const refused = await api(cy, 'POST', `/api/events/${late.key}/registrations`, {});
  assert.equal(refused.status, 409);
  assert.equal(refused.json().error, 'Registration closed on 1 Jun 2020, 12:00');
  // The organizer moves the deadline (API, settings.registration_closes): open again.
  const moved = await api(org, 'PATCH', `/api/events/${late.id}`, { settings: { registration_closes: '2030-04-30T18:00' } });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.json().settings.registration_closes, '2030-04-30 18:00:00');
  page = await cy.get(`/events/register/${late.key}`);
  assert.deepEqual(buttons(page.text), ['Register']);
  assert.match(main(page.text), /registration closes on 30 Apr 2030, 18:00/);

  const started = await createEvent(org, { close_at_start: '1' });
  await sql(`UPDATE events SET startdate = '2020-01-01 09:00:00', enddate = '2039-01-01 17:00:00' WHERE eventid = ${started.id}`);
  page = await cy.get(`/events/register/${started.key}`);
  assert.match(main(page.text), /Registration closed when the event started/);
  const open = await createEvent(org, { close_at_start: '0' });
  await sql(`UPDATE events SET startdate = '2020-01-01 09:00:00', enddate = '2039-01-01 17:00:00' WHERE eventid = ${open.id}`);
  assert.deepEqual(buttons((await cy.get(`/events/register/${open.key}`)).text), ['Register'], 'an ongoing event without close_at_start');

  const name = `Bad window ${Date.now()}`;
  for (const [fields, field, message] of [
    [{ registration_opens: '2030-04-02T10:00', registration_closes: '2030-04-01T10:00' }, 'registration_closes', 'The deadline must be after registration opens'],
    [{ registration_opens: '2030-05-02T10:00' }, 'registration_opens', 'Registration must open before the event starts'],
    [{ registration_closes: '2030-05-03T10:00' }, 'registration_closes', 'The deadline must be before the event ends'],
    [{ registration_opens: '2030-02-30T10:00' }, 'registration_opens', 'Please enter a real date and time (YYYY-MM-DDTHH:MM), or leave it empty'],
  ]) {
    const res = await postForm(org, '/events/create', { ...eventFields({ eventname: name }), ...fields });
    assert.equal(res.status, 422, JSON.stringify(fields));
    assert.match(res.text, new RegExp(`<p class="field-error" id="${field}-error">${message.replace(/[()]/g, '\\$&')}</p>`));
  }
  assert.deepEqual(await sql(`SELECT eventid FROM events WHERE eventname = '${name}'`), []);
  const badApi = await api(org, 'PATCH', `/api/events/${soon.id}`, { settings: { registration_closes: 'tomorrow' } });
  assert.equal(badApi.status, 422);
  assert.match(badApi.json().fields.registration_closes, /date and time/);
});

test('with time_zone set, every event time on the page names it, and the calendar file carries it', async () => {
  const [org] = await signedInClients(1);
  const ev = await createEvent(org);
  await poolOn({ EMS_TIME_ZONE: 'Europe/Berlin' });
  try {
    const page = await client().get(`/events/register/${ev.key}`);
    assert.match(main(page.text), /1 May 2030, 09:00<\/time> \(Europe\/Berlin\)/);
    assert.match(main(page.text), /1 May 2030, 17:00<\/time> \(Europe\/Berlin\)/);
    assert.match(main((await org.get(`/events/manage/${ev.id}`)).text), /09:00<\/time> \(Europe\/Berlin\)/);
    const ics = await client().get(`/events/register/${ev.key}/calendar.ics`);
    assert.match(ics.text, /\r\nDTSTART;TZID=Europe\/Berlin:20300501T090000\r\n/);
    assert.match(ics.text, /\r\nBEGIN:VTIMEZONE\r\nTZID:Europe\/Berlin\r\n/);
    const py = spawnSync(PYTHON, ['-c', `
import sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
ev = [c for c in cal.walk('VEVENT')][0]
print(ev.decoded("DTSTART").isoformat())
`], { input: ics.buffer });
    assert.equal(py.status, 0, py.stderr.toString());
    assert.equal(py.stdout.toString().trim(), '2030-05-01T09:00:00+02:00');
  } finally {
    await poolOn({});
  }
  assert.doesNotMatch(main((await client().get(`/events/register/${ev.key}`)).text), /Europe\/Berlin/);
});
