// Data for bench/http_bench.sh, written straight into the stack (SQL and
// PHP-format participant files) so setting up 11,000 participants takes
// seconds. Prints shell assignments for the script to eval.
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

// An open event for the registration run, and 8,000 signed-in registrants.
await sql(`INSERT INTO events (eventname, startdate, enddate, location, eventshortinfo, eventcreator, eventkey,
  eventbadgepath, eventinfopath, participantcount) VALUES ('Bench registrations', '2030-05-01 09:00:00',
  '2030-05-01 17:00:00', 'Hall B', '', ${q(organizer.uid)}, 'BE0C0001', 'eventbadges/default.png', '', 0)`);
const [[regId]] = await sql("SELECT eventid FROM events WHERE eventkey = 'BE0C0001'");
const registrants = await signIn(await createUsers(8000, { prefix: unique('reg') }));
writeFileSync(path.join(storageRoot(), '..', 'bench-registrants.txt'),
  registrants.map((c) => `${c.sessionId} ${c.csrf}`).join('\n'));

// Every event has its settings file, as the PHP app and ems write it on
// create (an event without one is closed to registration: fail closed).
const eventRows = await sql(`SELECT eventid, eventname, startdate, enddate, location, eventshortinfo, eventkey
  FROM events WHERE eventcreator = ${q(organizer.uid)}`);
for (const [eventid, eventname, startdate, enddate, location, eventshortinfo, eventkey] of eventRows) {
  const file = {
    eventid, eventname, startdate, enddate, location, eventshortinfo, eventcreator: Number(organizer.uid), eventkey,
    eventbadgepath: 'eventbadges/default.png', eventinfopath: '', created_at: '2026-11-25 10:00:00',
    last_updated: '2026-11-25 10:00:00', settings: { registration_open: true, max_participants: null, require_approval: false },
  };
  writeFileSync(path.join(storageRoot(), 'events', `${eventid}.json`), JSON.stringify(file, null, 4).replace(/\//g, '\\/'));
}

console.log(`ORG_SESSION=${orgClient.sessionId}`);
console.log(`EVENT_1K=${ids[0]}`);
console.log(`EVENT_10K=${ids[1]}`);
console.log(`REG_EVENT=${regId}`);
