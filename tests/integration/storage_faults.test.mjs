// The storage folder under the faults of issue #9, through the real stack:
//   - copied with `cp -a` and restored (new inodes), and a `touch` of a
//     participants file: every registration, compacted or journalled, stays;
//   - one flipped bit in the last and in a middle journal record: that
//     event answers a clear 503, its participants' dashboards and other
//     events keep working, nothing is truncated, `check` reports it and
//     `repair-list` brings back every valid record;
//   - a participants file replaced by a directory or a symlink, an event file
//     whose settings have wrong types: reported, a clear answer, no crash.
// Each test puts the stack back as it found it (its events repaired or
// deleted), so `check` stays clean for the tests after it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync, rmSync, mkdirSync, symlinkSync, existsSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { poolRestart, poolStart, poolStop, waitHealthy } from './lib/stack.mjs';
import { countOf, createEvent, flashAfter, participantsOf, postForm, signedInClients, storageRoot } from './lib/fixtures.mjs';
import { checkJson, emsAdmin, problemsAbout } from './lib/admin.mjs';

const run = promisify(execFile);
const [org] = await signedInClients(1);
const journalOf = (id) => path.join(storageRoot(), '.ems', 'journal', `${id}.jnl`);
const listOf = (id) => path.join(storageRoot(), 'participants', `${id}.json`);
const NEEDS_ATTENTION = /participant list needs attention/;

async function registerAll(clients, ev) {
  for (const c of clients) {
    const { flash } = await flashAfter(c, await postForm(c, `/events/register/${ev.key}`));
    assert.equal(flash, `Successfully registered for ${ev.name}`);
  }
}

// Repairs whatever a test did to its event, then asserts check has nothing
// left to say about it.
async function cleanUp(ev, users = []) {
  const repaired = await checkJson({ repair: true });
  const left = problemsAbout((await checkJson()).report, { events: [ev.id], users });
  assert.deepEqual(left, [], `after check --repair: ${JSON.stringify(repaired.report.problems, null, 1).slice(0, 2000)}`);
}

test('a storage folder copied with cp -a and restored loses no registration, compacted or journalled', async () => {
  const ev = await createEvent(org);
  const first = await signedInClients(20);
  await registerAll(first, ev);
  const compacted = await emsAdmin('compact', '--event', String(ev.id), '--storage', storageRoot());
  assert.equal(compacted.code, 0, compacted.out);
  const second = await signedInClients(30);
  await registerAll(second, ev);
  assert.ok(existsSync(journalOf(ev.id)), 'the last 30 are in the journal');

  await poolStop();
  const root = storageRoot();
  const copy = `${root}.copy-${process.pid}`;
  try {
    await run('cp', ['-a', root, copy]);
    rmSync(root, { recursive: true, force: true });
    await run('cp', ['-a', copy, root]); // a restore: same bytes, new inodes
  } finally {
    rmSync(copy, { recursive: true, force: true });
    await poolStart();
    await waitHealthy();
  }
  assert.equal((await participantsOf(org, ev.id)).length, 50, 'all 50 after the restore');
  const [late] = await signedInClients(1);
  await registerAll([late], ev);
  const all = new Set((await participantsOf(org, ev.id)).map((p) => String(p.uid)));
  assert.equal(all.size, 51);
  for (const c of [...first, ...second, late]) assert.ok(all.has(String(c.user.uid)), `uid ${c.user.uid} kept`);
  assert.equal(await countOf(ev.id), 51);
  await cleanUp(ev);
});

test('a touched participants file keeps its journal', async () => {
  const ev = await createEvent(org);
  await registerAll(await signedInClients(3), ev);
  assert.equal((await emsAdmin('compact', '--event', String(ev.id), '--storage', storageRoot())).code, 0);
  await registerAll(await signedInClients(4), ev);
  await run('touch', [listOf(ev.id)]);
  assert.equal((await participantsOf(org, ev.id)).length, 7);
  await registerAll(await signedInClients(1), ev);
  assert.equal((await participantsOf(org, ev.id)).length, 8);
  assert.equal(await countOf(ev.id), 8);
  await cleanUp(ev);
});

// Flips one bit inside the JSON of journal line `line` (1 = the header),
// leaving its newline: a complete record with a bad CRC.
function flipBit(file, line) {
  const bytes = readFileSync(file);
  let start = 0;
  for (let i = 0; i < line - 1; i += 1) start = bytes.indexOf(0x0a, start) + 1;
  const end = bytes.indexOf(0x0a, start);
  assert.ok(end > start + 20, `journal line ${line} exists`);
  bytes[start + Math.floor((end - start) * 0.6)] ^= 0x02;
  const { mtime } = statSync(file);
  writeFileSync(file, bytes);
  // Damage comes later than the last append; file times are coarse (a clock
  // tick), so say so explicitly: same size, a later mtime.
  utimesSync(file, new Date(), new Date(mtime.getTime() + 1000));
  return bytes;
}

for (const [where, line] of [['last', 6], ['middle', 3]]) {
  test(`one flipped bit in the ${where} journal record: a clear 503 for that event only, then repair-list`, async () => {
    const ev = await createEvent(org);
    const other = await createEvent(org);
    const people = await signedInClients(5);
    await registerAll(people, ev);
    const damaged = flipBit(journalOf(ev.id), line);
    // A worker that already verified the records before the damage keeps
    // serving its copy until it reads the journal again (a record appended
    // since is all it re-reads); fresh workers read it whole.
    await poolRestart();
    await waitHealthy();

    const manage = await org.get(`/events/manage/${ev.id}`);
    assert.equal(manage.status, 503);
    assert.match(manage.text, NEEDS_ATTENTION);
    assert.doesNotMatch(manage.text, /\.jnl|journal|\/tmp\//, 'no path on the page');
    const [late] = await signedInClients(1);
    const refused = await postForm(late, `/events/register/${ev.key}`);
    assert.equal(refused.status, 503);
    assert.match(refused.text, NEEDS_ATTENTION);
    assert.deepEqual(readFileSync(journalOf(ev.id)), damaged, 'the damaged journal is left exactly as it was');
    assert.equal((await people[0].get('/dashboard')).status, 200, "a participant's dashboard still works");
    await registerAll([late], other);

    const found = await checkJson();
    assert.equal(found.code, 1);
    const kinds = problemsAbout(found.report, { events: [ev.id] }).map((p) => p.kind);
    assert.ok(kinds.includes('corrupt_journal'), `check reports it: ${kinds}`);

    const repaired = await emsAdmin('repair-list', '--event', String(ev.id));
    assert.equal(repaired.code, 1, `one record could not be recovered: ${repaired.out}`);
    assert.match(repaired.out, /4/);
    const kept = (await participantsOf(org, ev.id)).map((p) => String(p.uid));
    assert.equal(kept.length, 4, 'every valid record is back');
    const lost = people[line - 2];
    assert.ok(!kept.includes(String(lost.user.uid)), 'the damaged record is the one reported lost');
    await cleanUp(ev, people.map((c) => c.user.uid));
    await registerAll([late], ev);
  });
}

test('a participants file replaced by a directory or a symlink is reported, answered clearly, and nothing else breaks', async () => {
  const ev = await createEvent(org);
  const target = await createEvent(org);
  await registerAll(await signedInClients(2), target);
  await emsAdmin('compact', '--event', String(target.id), '--storage', storageRoot());
  for (const make of [(p) => mkdirSync(p), (p) => symlinkSync(listOf(target.id), p)]) {
    make(listOf(ev.id));
    try {
      const manage = await org.get(`/events/manage/${ev.id}`);
      assert.equal(manage.status, 503, manage.text.slice(0, 300));
      assert.match(manage.text, NEEDS_ATTENTION);
      assert.equal((await org.get('/dashboard')).status, 200);
      const kinds = problemsAbout((await checkJson()).report, { events: [ev.id] }).map((p) => p.kind);
      assert.ok(kinds.some((k) => ['not_a_file', 'corrupt_list'].includes(k)), `reported: ${kinds}`);
    } finally {
      rmSync(listOf(ev.id), { recursive: true, force: true });
    }
  }
  assert.equal((await org.get(`/events/manage/${ev.id}`)).status, 200);
  assert.equal((await participantsOf(org, target.id)).length, 2, 'the symlink target is untouched');
});

for (const bad of ['"ten"', '-5', '1e400', 'true']) {
  test(`an event file whose max_participants is ${bad} closes registration with a clear message`, async () => {
    const ev = await createEvent(org, { max_participants: '3' });
    const file = path.join(storageRoot(), 'events', `${ev.id}.json`);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/"max_participants": 3/, `"max_participants": ${bad}`));
    try {
      const people = await signedInClients(4);
      for (const c of people) {
        const { flash } = await flashAfter(c, await postForm(c, `/events/register/${ev.key}`));
        assert.match(flash ?? '', /settings need attention/);
      }
      assert.equal((await participantsOf(org, ev.id)).length, 0, 'nobody got in past the unreadable cap');
      const kinds = problemsAbout((await checkJson()).report, { events: [ev.id] }).map((p) => p.kind);
      // 1e400 does not even parse as a PHP file would be read: a corrupt file.
      assert.ok(kinds.includes('invalid_settings') || kinds.includes('corrupt_event_file'), `reported: ${kinds}`);
    } finally {
      writeFileSync(file, text);
    }
    await cleanUp(ev);
  });
}
