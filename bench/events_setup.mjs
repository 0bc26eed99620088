// Data for bench/http_bench.sh, written straight into the stack (SQL and
// PHP-format participant files) so setting up 11,000 participants (and a
// 100,000-participant list) takes
// seconds. Prints shell assignments for the script to eval.
// BENCH_REGISTRANTS (8000): signed-in users for the registration runs.
//   EMS_STACK_DIR=DIR node bench/events_setup.mjs
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from '../tests/integration/lib/stack.mjs';
import { createUsers, q, signIn, storageRoot, unique } from '../tests/integration/lib/fixtures.mjs';

const [organizer] = await createUsers(1, { names: () => ['Bench', 'Organizer'] });
const [orgClient] = await signIn([organizer]);

// 200 events for the dashboard; the first two get 1,000 and 10,000 participants.
const rows = Array.from({ length: 200 }, (_, i) => `(${q(`Bench event ${i}`)}, '2030-05-01 09:00:00',
  '2030-05-01 17:00:00', 'Hall A', 'Benchmark', ${q(organizer.uid)}, ${q((0x10000000 + i).toString(16).toUpperCase())},
  'eventbadges/default.png', '', 0)`);
await sql(`INSERT INTO events (eventname, startdate, enddate, location, eventshortinfo, eventcreator, eventkey,
  eventbadgepath, eventinfopath, participantcount) VALUES ${rows.join(',')}`);
const ids = (await sql(`SELECT eventid FROM events WHERE eventcreator = ${q(organizer.uid)} ORDER BY eventid`)).map((r) => r[0]);

const people = await createUsers(10000, { prefix: unique('bench') });
function participantsFile(id, users) {
  const list = {};
  for (const u of users) {
    list[u.uid] = { uid: Number(u.uid), joined_at: '2026-11-25 10:00:00', status: 'registered', name: u.fullname, email: u.email };
  }
  // PHP's JSON_PRETTY_PRINT shape (4 spaces, "\/").
  writeFileSync(path.join(storageRoot(), 'participants', `${id}.json`), JSON.stringify(list, null, 4).replace(/\//g, '\\/'));
}
participantsFile(ids[0], people.slice(0, 1000));
participantsFile(ids[1], people);
await sql(`UPDATE events SET participantcount = 1000 WHERE eventid = ${ids[0]}`);
// Attended lists to match, so `ems-admin check` stays clean on a bench stack.
const inList = (us) => us.map((u) => q(u.uid)).join(',');
await sql(`UPDATE user_credentials SET attendedevents = ${q(JSON.stringify([ids[0], ids[1]]))} WHERE uid IN (${inList(people.slice(0, 1000))})`);
for (let i = 1000; i < people.length; i += 2000) {
  await sql(`UPDATE user_credentials SET attendedevents = ${q(JSON.stringify([ids[1]]))} WHERE uid IN (${inList(people.slice(i, i + 2000))})`);
}
await sql(`UPDATE events SET participantcount = 10000 WHERE eventid = ${ids[1]}`);

// The registration runs' events belong to a second organizer, so the
// dashboard above keeps its 200: one event for 16 clients (BE0C0001), 16
// for 16 clients spread over them, and two for the latency of single
// registrations: 100 and 100,000 participants already in their lists.
const [registrar] = await createUsers(1, { names: () => ['Bench', 'Registrar'] });
const regEvent = (name, key) => `(${q(name)}, '2030-05-01 09:00:00', '2030-05-01 17:00:00', 'Hall B', '',
  ${q(registrar.uid)}, ${q(key)}, 'eventbadges/default.png', '', 0)`;
const spreadKeys = Array.from({ length: 16 }, (_, i) => `BE0C01${(0x10 + i).toString(16).toUpperCase()}`);
await sql(`INSERT INTO events (eventname, startdate, enddate, location, eventshortinfo, eventcreator, eventkey,
  eventbadgepath, eventinfopath, participantcount) VALUES ${[regEvent('Bench registrations', 'BE0C0001'),
  ...spreadKeys.map((k, i) => regEvent(`Bench registrations ${i}`, k)),
  regEvent('Bench latency 100', 'BE0C0200'), regEvent('Bench latency 100000', 'BE0C0201')].join(',')}`);
const idOf = async (key) => (await sql(`SELECT eventid FROM events WHERE eventkey = ${q(key)}`))[0][0];
const regId = await idOf('BE0C0001');
const spreadIds = await Promise.all(spreadKeys.map(idOf));
const lat100 = await idOf('BE0C0200');
const lat100k = await idOf('BE0C0201');
// The latency lists are written in the storage format (a PHP-format file,
// no journal) with participants who are not users (uids from 9,000,000,000
// up): registration reads the list, never those users' rows. Building
// 100,000 users would take minutes; the list and participantcount are what
// a registration's cost could depend on.
function syntheticList(id, n) {
  const list = {};
  for (let i = 0; i < n; i += 1) {
    const uid = 9000000000 + i;
    list[uid] = { uid, joined_at: '2026-11-25 10:00:00', status: 'registered', name: `Listed Participant ${i}`,
      email: `listed.${i}@example.test` };
  }
  writeFileSync(path.join(storageRoot(), 'participants', `${id}.json`), JSON.stringify(list, null, 4).replace(/\//g, '\\/'));
}
syntheticList(lat100, 100);
syntheticList(lat100k, 100000);
await sql(`UPDATE events SET participantcount = 100 WHERE eventid = ${lat100}`);
await sql(`UPDATE events SET participantcount = 100000 WHERE eventid = ${lat100k}`);

// 8,000 signed-in registrants (the spread run and the latency run reuse them:
// each registers once per event).
const registrants = await signIn(await createUsers(Number(process.env.BENCH_REGISTRANTS ?? 8000), { prefix: unique('reg') }));
writeFileSync(path.join(storageRoot(), '..', 'bench-registrants.txt'),
  registrants.map((c) => `${c.sessionId} ${c.csrf}`).join('\n'));

// Every event has its settings file, as the PHP app and ems write it on
// create (an event without one is closed to registration: fail closed).
const eventRows = await sql(`SELECT eventid, eventname, startdate, enddate, location, eventshortinfo, eventkey,
  eventcreator FROM events WHERE eventcreator IN (${q(organizer.uid)}, ${q(registrar.uid)})`);
for (const [eventid, eventname, startdate, enddate, location, eventshortinfo, eventkey, creator] of eventRows) {
  const file = {
    eventid, eventname, startdate, enddate, location, eventshortinfo, eventcreator: Number(creator), eventkey,
    eventbadgepath: 'eventbadges/default.png', eventinfopath: '', created_at: '2026-11-25 10:00:00',
    last_updated: '2026-11-25 10:00:00', settings: { registration_open: true, max_participants: null, require_approval: false },
  };
  writeFileSync(path.join(storageRoot(), 'events', `${eventid}.json`), JSON.stringify(file, null, 4).replace(/\//g, '\\/'));
}

console.log(`ORG_SESSION=${orgClient.sessionId}`);
console.log(`EVENT_1K=${ids[0]}`);
console.log(`EVENT_10K=${ids[1]}`);
console.log(`REG_EVENT=${regId}`);
console.log(`SPREAD_KEYS=${spreadKeys.join(',')}`);
console.log(`SPREAD_IDS=${spreadIds.join(',')}`);
console.log(`LAT_100=${lat100}`);
console.log(`LAT_100K=${lat100k}`);
