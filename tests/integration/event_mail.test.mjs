// Issue 13, mail to attendees and organizers: each registration change
// queues a mail in the outbox (read here, parsed by Python's email package,
// an implementation independent of ems's mailer), the profile's
// notification settings turn them off, and a mail that cannot be queued
// never fails the registration.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readLog, repoRoot, sql, stackEnv, waitFor } from './lib/stack.mjs';
import { mailsTo } from './lib/accounts.mjs';
import { emsAdmin } from './lib/admin.mjs';
import {
  attendedOf, createEvent, eventFields, flashAfter, postForm, q, signedInClients, unique,
} from './lib/fixtures.mjs';

function parse(eml) {
  const r = spawnSync('python3', [path.join(repoRoot, 'tests/tools/parse_eml.py')], { input: eml });
  assert.equal(r.status, 0, r.stderr.toString());
  return JSON.parse(r.stdout.toString());
}

const mails = (user) => mailsTo(user.email).map(parse);
const subjects = (user) => mails(user).map((m) => m.subject);

test('registering mails the person: text and HTML, the event link, Message-ID, List-Unsubscribe; a repeat mails nothing', async () => {
  const [org, ada] = await signedInClients(2);
  const name = `${unique('Tom & "Jerry" <b>in Zürich</b> ')}`;
  const ev = await createEvent(org, { eventname: name, location: 'Hall <B>' });
  const res = await postForm(ada, `/events/register/${ev.key}`);
  assert.equal(res.status, 302);
  const [mail, ...more] = mails(ada.user);
  assert.equal(more.length, 0);
  assert.deepEqual(mail.defects, []);
  assert.equal(mail.subject, `You are registered for ${name}`);
  assert.equal(mail.content_type, 'multipart/mixed');
  const [ics, ...others] = mail.attachments;
  assert.equal(others.length, 0);
  assert.equal(ics.type, 'text/calendar');
  assert.match(ics.filename, /^[A-Za-z0-9-]+\.ics$/);
  assert.match(ics.data, new RegExp(`^BEGIN:VCALENDAR\r\n[\\s\\S]*UID:event-${ev.key}@`));
  const link = `${stackEnv().BASE_URL.replace(/\/$/, '')}/events/register/${ev.key}`;
  assert.ok(mail.text.includes(link), mail.text);
  assert.ok(mail.text.includes('Hello Test User 1,'), mail.text);
  assert.ok(mail.text.includes(name), 'the text part has the name as typed');
  assert.ok(mail.html.includes(`href="${link}"`), mail.html);
  assert.ok(!mail.html.includes('<b>in Z'), 'the HTML part escapes the name');
  assert.ok(mail.html.includes('&lt;b&gt;in Zürich&lt;/b&gt;'), mail.html);
  assert.ok(mail.html.includes('Hall &lt;B&gt;'));
  assert.match(mail.message_id, /^<[0-9a-f]{32}@[a-z0-9.-]+>$/);
  assert.match(mail.list_unsubscribe, /^<https?:\/\/[^>]+\/dashboard\/profile#notifications>$/);
  assert.ok(mail.text.includes('/dashboard/profile#notifications'));

  // The same POST again (a double click, a retry): already registered, no mail.
  assert.equal((await postForm(ada, `/events/register/${ev.key}`)).status, 302);
  assert.equal(mails(ada.user).length, 1);
});

test('an event that needs approval: the person is told it waits, the organizer is asked; approve, decline and remove each tell the person', async () => {
  const [org, ada, bob] = await signedInClients(3);
  const ev = await createEvent(org, { require_approval: '1' });
  for (const c of [ada, bob]) assert.equal((await postForm(c, `/events/register/${ev.key}`)).status, 302);
  for (const c of [ada, bob]) {
    assert.deepEqual(subjects(c.user), [`Your registration for ${ev.name} waits for approval`]);
  }
  const asks = mails(org.user);
  assert.deepEqual(asks.map((m) => m.subject).sort(),
    [`Test User 1 asks to join ${ev.name}`, `Test User 2 asks to join ${ev.name}`]);
  assert.ok(asks[0].text.includes(`/events/manage/${ev.id}`), asks[0].text);

  const act = (verb, c) => postForm(org, `/events/manage/${ev.id}/participants/${c.user.uid}/${verb}`);
  assert.equal((await act('approve', ada)).status, 302);
  assert.equal((await act('decline', bob)).status, 302);
  assert.equal(subjects(ada.user).at(-1), `Your registration for ${ev.name} was approved`);
  assert.equal(mails(ada.user).at(-1).attachments[0].type, 'text/calendar', 'approved: the calendar file');
  assert.deepEqual(mails(bob.user).at(-1).attachments, [], 'declined: none');
  assert.equal(subjects(bob.user).at(-1), `Your registration for ${ev.name} was declined`);
  assert.equal((await act('remove', ada)).status, 302);
  assert.equal(subjects(ada.user).at(-1), `You were removed from ${ev.name}`);
  // Nobody else got a mail about it.
  assert.equal(mails(org.user).length, 2);
});

test('cancelling mails a confirmation, from the page and from the API', async () => {
  const [org, cy] = await signedInClients(2);
  const ev = await createEvent(org);
  assert.equal((await postForm(cy, `/events/register/${ev.key}`)).status, 302);
  assert.equal((await postForm(cy, `/events/cancel/${ev.id}`)).status, 302);
  assert.equal(subjects(cy.user).at(-1), `You cancelled your registration for ${ev.name}`);
  const api = (method) => cy.request(method, `/api/events/${ev.key}/registrations`,
    { headers: { 'x-csrf-token': cy.csrf, accept: 'application/json', 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
  assert.ok([200, 201].includes((await api('POST')).status));
  assert.equal((await api('DELETE')).status, 200);
  assert.deepEqual(subjects(cy.user), [
    `You are registered for ${ev.name}`, `You cancelled your registration for ${ev.name}`,
    `You are registered for ${ev.name}`, `You cancelled your registration for ${ev.name}`,
  ]);
});

test('the profile\'s notification settings turn the mails off; an incomplete form changes nothing', async () => {
  const [org, dee] = await signedInClients(2);
  const prefsOf = async (c) => (await sql(`SELECT registration_mail, pending_mail FROM ems_notify_prefs WHERE uid = ${q(c.user.uid)}`))
    .map((r) => r.map(Number));
  const profile = await dee.get('/dashboard/profile');
  assert.match(profile.text, /id="registration_mail"[^>]* checked/);
  assert.match(profile.text, /id="pending_mail_immediate"[^>]* checked/);

  for (const fields of [{ registration_mail: '1' }, { pending_mail: 'off' }, { registration_mail: '1', pending_mail: 'weekly' }]) {
    const bad = await flashAfter(dee, await postForm(dee, '/dashboard/notifications', fields));
    assert.match(bad.flash, /incomplete; nothing was changed/, JSON.stringify(fields));
  }
  assert.deepEqual(await prefsOf(dee), []);
  const forged = await dee.post('/dashboard/notifications', { registration_mail: '0', pending_mail: 'off' });
  assert.equal(forged.status, 403, 'no CSRF token, no change');
  assert.deepEqual(await prefsOf(dee), []);

  for (const c of [org, dee]) {
    const done = await flashAfter(c, await postForm(c, '/dashboard/notifications', { registration_mail: '0', pending_mail: 'off' }));
    assert.equal(done.flash, 'Notification settings saved');
    assert.doesNotMatch(done.page.text, /id="registration_mail"[^>]* checked/);
    assert.match(done.page.text, /id="pending_mail_off"[^>]* checked/);
  }
  const ev = await createEvent(org, { require_approval: '1' });
  assert.equal((await postForm(dee, `/events/register/${ev.key}`)).status, 302);
  assert.equal(mails(dee.user).length, 0);
  assert.equal(mails(org.user).length, 0);

  // On again (a checked box sends the hidden 0, then 1): mails come again.
  assert.equal((await dee.post('/dashboard/notifications', [['csrf_token', dee.csrf],
    ['registration_mail', '0'], ['registration_mail', '1'], ['pending_mail', 'daily']])).status, 302);
  assert.deepEqual(await prefsOf(dee), [[1, 2]]);
  assert.equal((await postForm(org, `/events/manage/${ev.id}/participants/${dee.user.uid}/approve`)).status, 302);
  assert.deepEqual(subjects(dee.user), [`Your registration for ${ev.name} was approved`]);
});

test('an organizer who chose one summary a day gets no mail per request, and one summary a day from ems-admin send-digests, also when it runs twice', async () => {
  const [daily, idle, ...people] = await signedInClients(5);
  for (const c of [daily, idle]) {
    assert.equal((await postForm(c, '/dashboard/notifications', { registration_mail: '1', pending_mail: 'daily' })).status, 302);
  }
  const first = await createEvent(daily, { require_approval: '1' });
  const second = await createEvent(daily, { require_approval: '1' });
  const open = await createEvent(daily);
  for (const c of people.slice(0, 2)) assert.equal((await postForm(c, `/events/register/${first.key}`)).status, 302);
  assert.equal((await postForm(people[2], `/events/register/${second.key}`)).status, 302);
  assert.equal((await postForm(people[2], `/events/register/${open.key}`)).status, 302);
  assert.equal(mails(daily.user).length, 0, 'no mail per request');

  const run = await emsAdmin('send-digests', '--day', '2030-01-15');
  assert.equal(run.code, 0, run.out);
  assert.match(run.out, new RegExp(`user ${daily.user.uid}: 3 waiting, summary queued`));
  const [digest, ...more] = mails(daily.user);
  assert.equal(more.length, 0);
  assert.deepEqual(digest.defects, []);
  assert.equal(digest.subject, '3 registrations wait for your approval');
  assert.match(digest.text, new RegExp(`${first.name}: 2 waiting\r?\n`));
  assert.match(digest.text, new RegExp(`${second.name}: 1 waiting\r?\n`));
  assert.ok(!digest.text.includes(open.name), 'an event without waiting requests is not listed');
  assert.ok(digest.text.includes('/dashboard'), digest.text);
  assert.equal(mails(idle.user).length, 0, 'nothing waits: no summary');

  // The timer fires again, or another host runs it: the day's summary is taken.
  const again = await emsAdmin('send-digests', '--day', '2030-01-15');
  assert.equal(again.code, 0, again.out);
  assert.doesNotMatch(again.out, new RegExp(`user ${daily.user.uid}:`));
  assert.equal(mails(daily.user).length, 1);
  // The next day: a new summary, while the requests still wait.
  assert.equal((await emsAdmin('send-digests', '--day', '2030-01-16')).code, 0);
  assert.equal(mails(daily.user).length, 2);
  assert.equal((await emsAdmin('send-digests', '--day', '16.01.2030')).code, 2);
});

test('a mail that cannot be queued never fails the registration: it is registered, answered, and the error logged', async () => {
  const [org, eve] = await signedInClients(2);
  const ev = await createEvent(org);
  const outbox = stackEnv().OUTBOX_DIR;
  const away = `${outbox}.away-${process.pid}`;
  renameSync(outbox, away);
  writeFileSync(outbox, 'not a directory'); // the outbox cannot be written
  let res;
  try {
    res = await flashAfter(eve, await postForm(eve, `/events/register/${ev.key}`));
  } finally {
    rmSync(outbox, { force: true });
    renameSync(away, outbox);
    if (!existsSync(outbox)) mkdirSync(outbox, { recursive: true });
  }
  assert.equal(res.status, 302);
  assert.match(res.flash, /registered/i);
  assert.ok((await attendedOf(eve.user.uid)).includes(String(ev.id)));
  await waitFor(() => readLog().includes(`to user ${eve.user.uid} was not queued`),
    { what: 'the error about the mail in error.log' });
});

test('a new date or place mails every participant once with the new and old details; a new name alone mails nobody; a deleted event mails them it was cancelled', async () => {
  const [org, ...people] = await signedInClients(4);
  const ev = await createEvent(org, { location: 'Hall A' });
  for (const c of people) assert.equal((await postForm(c, `/events/register/${ev.key}`)).status, 302);
  const [ada, bob, quiet] = people;
  await sql(`INSERT INTO ems_notify_prefs (uid, registration_mail, pending_mail) VALUES (${q(quiet.user.uid)}, 0, 1)`);
  const before = new Map(people.map((c) => [c, mails(c.user).length]));
  const news = (c) => mails(c.user).slice(before.get(c));

  const edit = (over) => postForm(org, `/events/edit/${ev.id}`, eventFields({ eventname: ev.name, ...over }));
  assert.equal((await edit({ location: 'Hall B' })).status, 302);
  for (const c of [ada, bob]) {
    const [mail, ...more] = news(c);
    assert.equal(more.length, 0);
    assert.equal(mail.subject, `${ev.name} has changed`);
    assert.match(mail.text, /Where: Hall B\r?\n/);
    assert.match(mail.text, /Was at: Hall A\r?\n/);
    assert.ok(mail.text.includes(`/events/register/${ev.key}`));
  }
  assert.equal(news(quiet).length, 0, 'turned off');
  assert.equal(mails(org.user).length, 0);

  assert.equal((await edit({ location: 'Hall B', eventname: `${ev.name} (renamed)` })).status, 302);
  assert.equal(news(ada).length, 1, 'a new name alone is no news');

  assert.equal((await postForm(org, `/events/delete/${ev.id}`)).status, 302);
  for (const c of [ada, bob]) {
    const mail = news(c).at(-1);
    assert.equal(mail.subject, `${ev.name} (renamed) was cancelled`);
    assert.match(mail.text, /deleted this event/);
    assert.ok(!mail.text.includes(`/events/register/${ev.key}`), 'no link to a deleted event');
  }
  assert.equal(news(quiet).length, 0);
});

test('the API\'s PATCH of a date mails an event\'s 600 participants, in batches, each once', async () => {
  const [org, ...people] = await signedInClients(601);
  const ev = await createEvent(org);
  const queue = [...people];
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const res = await c.request('POST', `/api/events/${ev.key}/registrations`,
        { headers: { 'x-csrf-token': c.csrf, accept: 'application/json', 'content-type': 'application/json' }, body: '{}' });
      assert.ok([200, 201].includes(res.status), `${res.status} ${res.text}`);
    }
  }));
  const res = await org.request('PATCH', `/api/events/${ev.id}`, {
    headers: { 'x-csrf-token': org.csrf, accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ startdate: '2030-05-02T09:00', enddate: '2030-05-02T17:00' }),
  });
  assert.equal(res.status, 200, res.text);
  const subject = `Subject: ${ev.name} has changed\r\n`;
  const got = people.map((c) => mailsTo(c.user.email).filter((m) => m.includes(subject)).length);
  assert.deepEqual([...new Set(got)], [1], 'each participant got exactly one');
  const one = parse(mailsTo(people[599].user.email).find((m) => m.includes(subject)));
  assert.match(one.text, /Was from: /);
});
