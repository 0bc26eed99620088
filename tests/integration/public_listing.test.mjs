// Issue 13, the public listing: /events (upcoming listed events, search by
// name and place, paging), /events/feed.ics, the landing page at /, and the
// index table kept in step with `events` (ems-admin check reports and
// repairs what the PHP app changes behind it). Other tests create events in
// the same stack, so each test searches for its own unique words.
import test from 'node:test';
import assert from 'node:assert/strict';
import { client, sql } from './lib/stack.mjs';
import { checkJson } from './lib/admin.mjs';
import {
  createEvent, eventFields, eventFile, postForm, q, signedInClients, unique,
} from './lib/fixtures.mjs';

const names = (html) => [...html.matchAll(/<li class="card">\s*<h[23]><a href="[^"]+">([^<]*)<\/a>/g)].map((m) => m[1]);
const word = () => unique('zq').replace(/[^a-z0-9]/g, '');

test('/events: listed upcoming events, soonest first; unlisted, past and started events are not; search by name or place', async () => {
  const [org] = await signedInClients(1);
  const w = word();
  const later = await createEvent(org, { eventname: `${w} Later`, startdate: '2031-02-01T10:00', enddate: '2031-02-01T12:00', listed: '1' });
  const sooner = await createEvent(org, { eventname: `${w} Sooner`, startdate: '2031-01-01T10:00', enddate: '2031-01-01T12:00', location: `Hall ${w}place`, listed: '1' });
  await createEvent(org, { eventname: `${w} Hidden`, listed: '0' });
  const past = await createEvent(org, { eventname: `${w} Past`, listed: '1' });
  await sql(`UPDATE events SET startdate = '2020-01-01 09:00:00', enddate = '2020-01-01 10:00:00' WHERE eventid = ${past.id}`);
  await sql(`UPDATE ems_event_index SET startdate = '2020-01-01 09:00:00', enddate = '2020-01-01 10:00:00' WHERE eventid = ${past.id}`);

  const anon = client();
  const res = await anon.get(`/events?q=${w}`);
  assert.equal(res.status, 200);
  assert.deepEqual(names(res.text), [`${w} Sooner`, `${w} Later`]);
  assert.ok(res.text.includes(`href="/events/register/${sooner.key}"`));
  assert.deepEqual(names((await anon.get(`/events?q=${w}place`)).text), [`${w} Sooner`], 'by place');
  assert.deepEqual(names((await anon.get(`/events?q=${w.slice(0, 8)}`)).text).filter((n) => n.startsWith(w)).length, 2, 'a prefix');
  assert.deepEqual(names((await anon.get(`/events?q=${w}+later`)).text), [`${w} Later`], 'every word must match');
  assert.match((await anon.get(`/events?q=${w}nothing`)).text, new RegExp(`No upcoming event matches “${w}nothing”`));
  assert.equal((await anon.get('/events')).status, 200);
  void later;
});

test('bad input: operators, SQL and regex characters, a long query, huge and silly page numbers answer calmly and change nothing', async () => {
  const anon = client();
  const before = (await sql('SELECT COUNT(*) FROM ems_event_index'))[0][0];
  for (const qs of [
    `q=${encodeURIComponent("' OR 1=1 -- ")}`, `q=${encodeURIComponent('+-"*()<>~@ (.*)+[a-')}`,
    `q=${encodeURIComponent('\\%_')}`, `q=${'a'.repeat(6000)}`, 'q=%00%01%ff', 'page=1000000000000', 'page=-1',
    'page=abc', 'page=1e3', 'q=ab&page=2',
  ]) {
    const res = await anon.get(`/events?${qs}`);
    assert.equal(res.status, 200, qs.slice(0, 40));
    assert.match(res.text, /<h1>Upcoming events<\/h1>/);
  }
  assert.match((await anon.get('/events?page=1000000000000')).text, /Only the first 500 pages are shown/);
  assert.equal((await sql('SELECT COUNT(*) FROM ems_event_index'))[0][0], before);
  // 1 MB of text: nginx refuses the request line before the app.
  const huge = await anon.get(`/events?q=${'x'.repeat(1 << 20)}`);
  assert.ok([400, 414].includes(huge.status), String(huge.status));
});

test('paging: 20 a page with Next and Previous, the search kept in the links', async () => {
  const [org] = await signedInClients(1);
  const w = word();
  const rows = [];
  for (let i = 0; i < 23; i += 1) {
    const day = String(i + 1).padStart(2, '0');
    rows.push(createEvent(org, { eventname: `${w} n${String(i).padStart(2, '0')}`, startdate: `2032-03-${day}T10:00`, enddate: `2032-03-${day}T11:00`, listed: '1' }));
  }
  await Promise.all(rows);
  const first = await client().get(`/events?q=${w}`);
  assert.equal(names(first.text).length, 20);
  assert.equal(names(first.text)[0], `${w} n00`);
  const next = first.text.match(/<a href="([^"]+)" rel="next">/)[1].replace(/&amp;/g, '&');
  assert.equal(next, `/events?q=${w}&page=2`);
  const second = await client().get(next);
  assert.deepEqual(names(second.text), [`${w} n20`, `${w} n21`, `${w} n22`]);
  assert.ok(!second.text.includes('rel="next"'));
  assert.ok(second.text.includes(`href="/events?q=${w}&amp;page=1" rel="prev"`));
});

test('the index follows every create, edit and delete; the form\'s checkbox lists and unlists; ems-admin check repairs what the PHP app changes', async () => {
  const [org] = await signedInClients(1);
  const w = word();
  const ev = await createEvent(org, { eventname: `${w} One`, listed: '1' });
  const row = async () => (await sql(`SELECT name, location, listed FROM ems_event_index WHERE eventid = ${ev.id}`))[0];
  assert.deepEqual(await row(), [`${w} One`, 'Hall A', '1']);
  assert.equal(eventFile(ev.id).listed, true);
  assert.equal((await postForm(org, `/events/edit/${ev.id}`, eventFields({ eventname: `${w} Two`, location: 'Hall B', listed: '0' }))).status, 302);
  assert.deepEqual(await row(), [`${w} Two`, 'Hall B', '0']);
  assert.deepEqual(names((await client().get(`/events?q=${w}`)).text), []);
  assert.equal((await postForm(org, `/events/edit/${ev.id}`, eventFields({ eventname: `${w} Two`, location: 'Hall B', listed: '1' }))).status, 302);
  assert.deepEqual(names((await client().get(`/events?q=${w}`)).text), [`${w} Two`]);

  // The PHP app (after a rollback) renames the event, and creates one that
  // our index never saw: check reports both, --repair fixes them.
  await sql(`UPDATE events SET eventname = ${q(`${w} Renamed`)} WHERE eventid = ${ev.id}`);
  await sql(`INSERT INTO events (participantcount, eventname, location, startdate, enddate, eventkey, eventcreator)
    SELECT 0, ${q(`${w} Php`)}, 'Aula', '2031-05-01 10:00:00', '2031-05-01 11:00:00', 'ABCDEF99', eventcreator FROM events WHERE eventid = ${ev.id}`);
  const [[phpId]] = await sql(`SELECT eventid FROM events WHERE eventname = ${q(`${w} Php`)}`);
  const mine = (report) => report.problems.filter((p) => p.kind === 'index_drift' && [`event ${ev.id}`, `event ${phpId}`].includes(p.subject));
  const { report } = await checkJson();
  assert.deepEqual(mine(report).map((p) => p.detail).sort(), [
    `event ${ev.id}: the listing's index differs from the events row`,
    `event ${phpId}: not in the listing's index`,
  ]);
  const repaired = await checkJson({ repair: true });
  assert.ok(mine(repaired.report).every((p) => p.repaired), JSON.stringify(mine(repaired.report)));
  assert.deepEqual(mine((await checkJson()).report), []);
  assert.deepEqual(names((await client().get(`/events?q=${w}`)).text), [`${w} Renamed`], 'the PHP event has no file: not listed');
  await sql(`DELETE FROM events WHERE eventid = ${phpId}`);
  await sql(`DELETE FROM ems_event_index WHERE eventid = ${phpId}`);

  assert.equal((await postForm(org, `/events/delete/${ev.id}`)).status, 302);
  assert.deepEqual(await sql(`SELECT * FROM ems_event_index WHERE eventid = ${ev.id}`), []);
});

test('the landing page for signed-out visitors, the dashboard for the signed in; the feed is iCalendar', async () => {
  const [org] = await signedInClients(1);
  const home = await client().get('/');
  assert.equal(home.status, 200);
  assert.match(home.text, /<a class="button primary" href="\/auth\/login">Sign in<\/a>/);
  assert.match(home.text, /<a class="button secondary" href="\/auth\/register">Create an account<\/a>/);
  assert.match(home.text, /Next public events/);
  const signedIn = await org.get('/');
  assert.equal(signedIn.status, 302);
  assert.equal(signedIn.location, '/dashboard');
  const feed = await client().get('/events/feed.ics');
  assert.equal(feed.status, 200);
  assert.equal(feed.headers.get('content-type'), 'text/calendar; charset=utf-8');
  assert.match(feed.text, /^BEGIN:VCALENDAR\r\n/);
  assert.match(feed.text, /END:VCALENDAR\r\n$/);
});
