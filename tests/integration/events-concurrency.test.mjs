// Registration under load and under crashes, and the check/repair command.
//   - 200 distinct users at once for 50 seats: exactly 50, file and count 50;
//   - 500 at once with no limit: 500, no duplicates;
//   - workers SIGKILLed at random during registrations: nothing answered
//     with success is lost; after `ems-admin check --repair` file and count agree;
//   - drift planted by hand is found and repaired.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { binPath, sleep, sql, stackEnv, workerPids, waitFor } from './lib/stack.mjs';
import { checkJson, problemsAbout } from './lib/admin.mjs';
import { attendedOf, countOf, createEvent, participantsOf, postForm, q, signedInClients } from './lib/fixtures.mjs';

const run = promisify(execFile);
const [org] = await signedInClients(1);

async function check(repair) {
  const args = ['-c', stackEnv().CONF, 'check', ...(repair ? ['--repair'] : [])];
  try {
    const { stdout } = await run(binPath('ems-admin'), args);
    return { code: 0, out: stdout };
  } catch (e) {
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

// The flash the app set for the next page, read from the cookie jar: no
// second request per client.
export function flashCookie(c) {
  const v = c.jar.get('ems_flash');
  return v ? decodeURIComponent(v.replace(/\+/g, ' ')).replace(/^(success|error):/, '') : null;
}

// Runs every client's registration at the same moment. A request that
// failed in the network (nginx closing a pooled keep-alive connection under
// this many sockets) is sent again; "already registered" then means the
// first attempt got through.
async function registerAll(clients, key) {
  return Promise.all(clients.map(async (c) => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const res = await postForm(c, `/events/register/${key}`);
        const flash = res.status === 302 ? flashCookie(c) : `(${res.status})`;
        return { status: res.status, flash, retried: attempt > 0 };
      } catch (e) {
        if (attempt >= 3) return { status: 0, flash: `(network: ${e.message})` };
      }
    }
  }));
}

const registered = (r, name) => r.flash === `Successfully registered for ${name}` ||
  (r.retried && r.flash === 'You are already registered for this event');

test('200 users at once for 50 seats: exactly 50 registered, the rest "This event is full"', async () => {
  const ev = await createEvent(org, { max_participants: '50' });
  const crowd = await signedInClients(200);
  const results = await registerAll(crowd, ev.key);
  const tally = { registered: 0 };
  for (const r of results) {
    if (registered(r, ev.name)) tally.registered += 1;
    else tally[r.flash] = (tally[r.flash] ?? 0) + 1;
  }
  assert.deepEqual(tally, { registered: 50, 'This event is full': 150 });
  const list = await participantsOf(org, ev.id);
  assert.equal(list.length, 50);
  assert.equal(await countOf(ev.id), 50);
  const winners = new Set(crowd.filter((_, i) => registered(results[i], ev.name)).map((c) => c.user.uid));
  assert.deepEqual(new Set(list.map((p) => p.uid)), winners);
});

test('500 users at once with no limit: 500 in file and count, no duplicates', async () => {
  const ev = await createEvent(org);
  const crowd = await signedInClients(500);
  const results = await registerAll(crowd, ev.key);
  assert.equal(results.filter((r) => registered(r, ev.name)).length, 500,
    JSON.stringify(results.filter((r) => !registered(r, ev.name)).slice(0, 3)));
  const list = await participantsOf(org, ev.id);
  assert.equal(list.length, 500);
  assert.equal(new Set(list.map((p) => p.uid)).size, 500);
  assert.equal(await countOf(ev.id), 500);
  const [[n]] = await sql(`SELECT COUNT(*) FROM user_credentials WHERE JSON_CONTAINS(attendedevents, ${q(JSON.stringify(ev.id))})`);
  assert.equal(Number(n), 500);
});

test('workers SIGKILLed during registrations: nothing acknowledged is lost; repair makes count = file', async (t) => {
  const ev = await createEvent(org);
  const crowd = await signedInClients(300);
  const acknowledged = new Set();
  let next = 0;
  let stop = false;
  const lanes = Array.from({ length: 8 }, async () => {
    while (next < crowd.length) {
      const c = crowd[next++];
      try {
        const res = await postForm(c, `/events/register/${ev.key}`);
        if (res.status === 302 && flashCookie(c) === `Successfully registered for ${ev.name}`) acknowledged.add(c.user.uid);
      } catch { /* a killed worker's request may fail; it was not acknowledged */ }
    }
  });
  const killer = (async () => {
    let kills = 0;
    while (!stop) {
      await sleep(40 + Math.random() * 80);
      const pids = workerPids();
      if (pids.length) {
        try { process.kill(pids[Math.floor(Math.random() * pids.length)], 'SIGKILL'); kills += 1; } catch { /* gone */ }
      }
    }
    return kills;
  })();
  await Promise.all(lanes);
  stop = true;
  const kills = await killer;
  await waitFor(() => workerPids().length >= 1, { timeoutMs: 5000, what: 'workers back' });
  assert.ok(kills >= 5, `killed ${kills} workers`);
  assert.ok(acknowledged.size > 50, `only ${acknowledged.size} acknowledged`);
  const inFile = new Set((await participantsOf(org, ev.id)).map((p) => p.uid));
  const lost = [...acknowledged].filter((uid) => !inFile.has(uid));
  assert.deepEqual(lost, [], 'every acknowledged registration is in the file');
  const repaired = await check(true);
  t.diagnostic(`${kills} workers killed, ${acknowledged.size} acknowledged, ${inFile.size} in the file; check --repair said:\n${repaired.out.slice(0, 2000)}`);
  assert.ok([0, 1].includes(repaired.code), repaired.out);
  assert.match(repaired.out, /checked \d+ events/);
  const after = problemsAbout((await checkJson()).report, { events: [ev.id], users: crowd.map((c) => c.user.uid) });
  assert.deepEqual(after, [], 'nothing left to report about this event and its people');
  assert.equal(await countOf(ev.id), inFile.size, 'count equals the file after the repair');
  for (const c of crowd.filter((x) => inFile.has(x.user.uid)).slice(0, 20)) {
    assert.ok((await attendedOf(c.user.uid)).includes(ev.id), `attended list of ${c.user.uid}`);
  }
});

test('ems-admin check finds and repairs drift planted by hand', async () => {
  const ev = await createEvent(org);
  const gone = await createEvent(org);
  const people = await signedInClients(4);
  for (const c of people) await postForm(c, `/events/register/${ev.key}`);
  await sql(`UPDATE events SET participantcount = participantcount + 3 WHERE eventid = ${ev.id}`);
  await sql(`UPDATE user_credentials SET attendedevents = '[]' WHERE uid = ${q(people[0].user.uid)}`);
  await sql(`UPDATE user_credentials SET attendedevents = ${q(JSON.stringify([ev.id, '99999999', ev.id]))}
    WHERE uid = ${q(org.user.uid)}`);
  await sql(`DELETE FROM events WHERE eventid = ${gone.id}`);
  const found = await check(false);
  assert.equal(found.code, 1, found.out);
  assert.match(found.out, new RegExp(`event ${ev.id}: participantcount 7, participants file 4`));
  assert.match(found.out, new RegExp(`user ${people[0].user.uid}: in the participants file of event ${ev.id} but not in attendedevents`));
  assert.match(found.out, new RegExp(`user ${org.user.uid}: attendedevents lists event 99999999, which no longer exists`));
  assert.match(found.out, new RegExp(`user ${org.user.uid}: attendedevents lists event ${ev.id}, whose participants file lacks the user`));
  assert.equal(await countOf(ev.id), 7, 'check alone changes nothing');
  const repaired = await check(true);
  assert.equal(repaired.code, 1);
  assert.match(repaired.out, /repaired: participantcount = 4/);
  assert.equal(await countOf(ev.id), 4);
  assert.ok((await attendedOf(people[0].user.uid)).includes(ev.id));
  assert.ok(!(await attendedOf(org.user.uid)).includes(ev.id));
  const after = problemsAbout((await checkJson()).report,
    { events: [ev.id, gone.id], users: [org.user.uid, ...people.map((c) => c.user.uid)] });
  assert.deepEqual(after, [], 'nothing left to report about what this test planted');
});
