// `ems-admin migrate-to-files` and `rekey-uids` on the databases the PHP
// app wrote (../shared/fixtures), each loaded into a database of its own on
// the test stack's MariaDB, with a storage folder of its own: the result is
// compared with what PHP's own migration script wrote, value by value, the
// documented differences aside (docs/MIGRATION.md).
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { client, mountAllowed, repoRoot, stackDir, stackEnv, waitHealthy } from './lib/stack.mjs';
import { formPost } from './lib/accounts.mjs';

const run = promisify(execFile);
const fixtures = process.env.EMS_FIXTURES ?? path.resolve(repoRoot, '../shared/fixtures/php-v2.0.2');
const guidFixtures = path.resolve(fixtures, '../php-v2.0.2-guid');
const stackSh = path.join(repoRoot, 'scripts/stack.sh');
const admin = path.join(repoRoot, 'bin/ems-admin');
const stack = (args, env = {}) => run('bash', [stackSh, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
const adminSql = async (db, query) => (await stack(['admin-sql', stackDir(), '--batch', '--skip-column-names', db, '-e', query])).stdout;

async function loadDump(db, dumpFile) {
  const text = readFileSync(dumpFile, 'utf8').split('\n').slice(1).join('\n');  // the sandbox-mode line
  const tmp = path.join(mkdtempSync(path.join(os.tmpdir(), 'ems-dump-')), 'dump.sql');
  writeFileSync(tmp, text);
  await adminSql('mysql', `DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  await adminSql(db, `source ${tmp}`);
}

// ems-admin on database `db` and storage `root`: { code, signal, out, stdout }.
function emsAdmin(db, root, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(admin, ['-c', stackEnv().CONF, ...args],
      { env: { ...process.env, EMS_DB_NAME: db, EMS_STORAGE_ROOT: root, ...env } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, out: stdout + stderr }));
  });
}

const freshStorage = (from) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ems-mig-storage-'));
  if (from) cpSync(from, dir, { recursive: true });
  return dir;
};
const readJson = (root, rel) => JSON.parse(readFileSync(path.join(root, rel), 'utf8'));
const text = (v) => (v === null || v === undefined ? '' : typeof v === 'boolean' ? (v ? '1' : '0') : String(v));

// sha1 of every file under root but the audit log (which records each run).
function snapshot(root) {
  const out = {};
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!p.endsWith('audit.log') && !p.endsWith('.lock')) out[path.relative(root, p)] = createHash('sha1').update(readFileSync(p)).digest('hex');
    }
  };
  walk(root);
  return out;
}

async function attendedOf(db) {
  const rows = (await adminSql(db, 'SELECT uid, COALESCE(attendedevents, \'\') FROM user_credentials')).trim().split('\n');
  return Object.fromEntries(rows.map((r) => r.split('\t')).map(([uid, a]) => [uid, a ? [...new Set(JSON.parse(a).map(String))].sort() : []]));
}

// Every participants file against the events rows and attendedevents.
async function assertConsistent(db, root) {
  const members = {};
  for (const line of (await adminSql(db, 'SELECT eventid, participantcount FROM events')).trim().split('\n')) {
    const [id, count] = line.split('\t');
    const file = path.join(root, 'participants', `${id}.json`);
    const list = existsSync(file) ? readJson(root, `participants/${id}.json`) : {};
    const uids = Array.isArray(list) ? [] : Object.keys(list);
    assert.equal(uids.length, Number(count), `event ${id}: participantcount = the file`);
    for (const uid of uids) (members[uid] ??= []).push(id);
  }
  for (const [uid, ids] of Object.entries(await attendedOf(db)))
    assert.deepEqual(ids, (members[uid] ?? []).sort(), `user ${uid}: attendedevents = the files`);
}

after(async () => {
  await stack(['pool-stop', stackDir()]);
  await stack(['pool-start', stackDir()]);
  await waitHealthy();
});

test('migrate-to-files on the V2.0.2 database: what PHP\'s script wrote, without its defects; a second run changes nothing', async () => {
  await loadDump('ems_mig', path.join(fixtures, 'dump-after-exercise.sql'));
  const root = freshStorage();
  const first = await emsAdmin('ems_mig', root, ['migrate-to-files']);
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /skipped: user 3: attendedevents lists event 2, which does not exist/);
  assert.match(first.out, /skipped: event_participants row \(event 3, uid 999\): no such user/);
  assert.match(first.out, /skipped: event_participants row \(event 2, uid 4\): event 2 does not exist/);
  assert.match(first.out, /users: 8 files written/);
  assert.match(first.out, /participants: 5 added from attendedevents, 3 added from event_participants/,
    'true counts: 8 registrations, where PHP printed 14 (it counted overwrites)');
  assert.match(first.out, /migrating: 1\/\d+ items/, 'plain progress lines when not on a terminal');

  const php = path.join(fixtures, 'migrated-storage');
  const timestamps = new Set(['created_at', 'last_updated', 'migration_date', 'joined_at']);
  for (const name of readdirSync(path.join(php, 'users'))) {
    const want = readJson(php, `users/${name}`), got = readJson(root, `users/${name}`);
    for (const [k, v] of Object.entries(want)) if (!timestamps.has(k)) assert.equal(text(got[k]), text(v), `users/${name} ${k}`);
  }
  for (const name of readdirSync(path.join(php, 'events'))) {
    const want = readJson(php, `events/${name}`), got = readJson(root, `events/${name}`);
    for (const [k, v] of Object.entries(want)) {
      if (timestamps.has(k)) continue;
      if (k === 'settings') assert.deepEqual(got.settings, v, `events/${name} settings`);
      else assert.equal(text(got[k]), text(v), `events/${name} ${k}`);
    }
  }
  assert.ok(!existsSync(path.join(root, 'participants/2.json')), 'no file for the deleted event 2 (PHP made one)');
  // ems writes the full name (fname mname lname), as its registrations do;
  // PHP's script wrote fname lname.
  const fullName = Object.fromEntries((await adminSql('ems_mig', 'SELECT uid, fullname FROM user_credentials')).trim().split('\n').map((l) => l.split('\t')));
  for (const id of ['1', '3']) {
    const want = readJson(php, `participants/${id}.json`), got = readJson(root, `participants/${id}.json`);
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `participants/${id}.json: the same people`);
    for (const [uid, entry] of Object.entries(want)) {
      for (const k of ['uid', 'status', 'email', 'profile_picture']) assert.equal(text(got[uid][k]), text(entry[k]), `${id}/${uid} ${k}`);
      assert.ok([fullName[uid], entry.name].includes(got[uid].name), `${id}/${uid} name: ${got[uid].name}`);
      assert.match(got[uid].joined_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    }
  }
  assert.equal(readJson(root, 'participants/3.json')['7'].joined_at, '2026-11-21 13:01:00',
    'join_time of event_participants kept as joined_at (PHP wrote the migration time)');
  await assertConsistent('ems_mig', root);

  const before = snapshot(root);
  const second = await emsAdmin('ems_mig', root, ['migrate-to-files']);
  assert.equal(second.code, 0, second.out);
  assert.match(second.out, /nothing to do/);
  assert.deepEqual(snapshot(root), before, 'the second run writes nothing');

  assert.equal((await emsAdmin('ems_mig', root, ['migrate-to-files', '--verify'])).code, 0);
  const check = await emsAdmin('ems_mig', root, ['check']);
  assert.equal(check.code, 0, check.out);

  await adminSql('ems_mig', 'UPDATE events SET participantcount = 99 WHERE eventid = 3');
  const planted = await emsAdmin('ems_mig', root, ['migrate-to-files', '--verify']);
  assert.equal(planted.code, 1, planted.out);
  assert.match(planted.out, /differs: event 3: participantcount 99 -> 2/);
  const dry = await emsAdmin('ems_mig', root, ['migrate-to-files', '--dry-run', '--event', '3']);
  assert.equal(dry.code, 0);
  assert.match(dry.out, /would do: event 3: participantcount 99 -> 2/);
  assert.equal((await adminSql('ems_mig', 'SELECT participantcount FROM events WHERE eventid = 3')).trim(), '99', 'a dry run writes nothing');
  assert.equal((await emsAdmin('ems_mig', root, ['migrate-to-files', '--event', '3'])).code, 0);
  assert.equal((await emsAdmin('ems_mig', root, ['migrate-to-files', '--verify'])).code, 0);
});

test('a PHP storage folder already in place keeps its joined_at; SIGKILL half-way, then a re-run, reaches the same end state', async () => {
  await loadDump('ems_mig2', path.join(fixtures, 'dump-after-exercise.sql'));
  const root = freshStorage(path.join(fixtures, 'storage'));
  const old = readJson(root, 'participants/1.json');
  const killed = await emsAdmin('ems_mig2', root, ['migrate-to-files'], { EMS_MIGRATE_KILL_AFTER: '2' });
  assert.equal(killed.signal, 'SIGKILL', killed.out);
  const again = await emsAdmin('ems_mig2', root, ['migrate-to-files']);
  assert.equal(again.code, 0, again.out);
  const now = readJson(root, 'participants/1.json');
  for (const [uid, entry] of Object.entries(old)) assert.equal(now[uid].joined_at, entry.joined_at, `uid ${uid} keeps its first joined_at`);
  assert.deepEqual(Object.keys(now).sort(), ['2', '3', '4', '5', '6', '7']);
  assert.deepEqual(Object.keys(readJson(root, 'participants/3.json')).sort(), ['2', '7']);
  await assertConsistent('ems_mig2', root);
  assert.equal((await emsAdmin('ems_mig2', root, ['migrate-to-files', '--verify'])).code, 0);
});

test('rekey-uids after PHP\'s uid-to-GUID script: every old registration is its owner\'s again, check is clean', async () => {
  await loadDump('ems_rekey', path.join(guidFixtures, 'dump-after-guid-migration.sql'));
  const root = freshStorage(path.join(fixtures, 'storage'));
  const map = path.join(guidFixtures, 'uid-map.tsv');
  const guid = Object.fromEntries(readFileSync(map, 'utf8').trim().split('\n').map((l) => l.split('\t')));

  const bad = path.join(mkdtempSync(path.join(os.tmpdir(), 'ems-map-')), 'bad.tsv');
  writeFileSync(bad, `${readFileSync(map, 'utf8')}x\tnot-a-guid\tx@example.test\n9\t${guid[1]}\tsomeone@example.test\nonly-one-column\n`);
  const before = snapshot(root);
  const refused = await emsAdmin('ems_rekey', root, ['rekey-uids', '--map', bad]);
  assert.equal(refused.code, 2);
  assert.match(refused.out, /line 9: 'x' is not an integer uid/);
  assert.match(refused.out, /line 10: user \S+ has the e-mail ana.organizer@example.test, not someone@example.test/);
  assert.match(refused.out, /line 11: expected 3 tab-separated columns/);
  assert.deepEqual(snapshot(root), before, 'a bad map changes nothing');

  const dry = await emsAdmin('ems_rekey', root, ['rekey-uids', '--map', map, '--dry-run']);
  assert.equal(dry.code, 0, dry.out);
  assert.deepEqual(snapshot(root), before, 'a dry run changes nothing');

  const done = await emsAdmin('ems_rekey', root, ['rekey-uids', '--map', map]);
  assert.equal(done.code, 0, done.out);
  for (const id of ['1', '3'])
    for (const [uid, entry] of Object.entries(readJson(root, `participants/${id}.json`))) {
      assert.match(uid, /^[0-9a-f]{8}-/, `participants/${id}.json is keyed by GUIDs`);
      assert.equal(entry.uid, uid);
    }
  assert.equal(readJson(root, 'participants/1.json')[guid[2]].joined_at, '2026-11-25 16:49:25', 'José keeps his joined_at');
  for (const old of ['1', '2', '3', '4', '5', '6']) {
    assert.ok(!existsSync(path.join(root, `users/${old}.json`)), `users/${old}.json moved`);
    assert.equal(readJson(root, `users/${guid[old]}.json`).uid, guid[old]);
  }
  assert.equal(readJson(root, 'events/1.json').eventcreator, guid[1]);
  await assertConsistent('ems_rekey', root);
  const check = await emsAdmin('ems_rekey', root, ['check']);
  assert.equal(check.code, 0, check.out);
  const twice = await emsAdmin('ems_rekey', root, ['rekey-uids', '--map', map]);
  assert.match(twice.out, /nothing to do/);

  // Each user's dashboard lists what they registered for before the GUIDs.
  await stack(['pool-stop', stackDir()]);
  await stack(['pool-start', stackDir()], { EMS_DB_NAME: 'ems_rekey', EMS_STORAGE_ROOT: root });
  await waitHealthy();
  const jose = client();
  assert.equal((await formPost(jose, '/auth/login', '/auth/login', { email: 'jose@example.test', password: 'Passw0rd!' })).status, 302);
  const dash = (await jose.get('/dashboard')).text;
  assert.match(dash, /Tech Talk: PHP &amp; JSON/);
  assert.match(dash, /Second talk/);
});

test('bad input: wrong password, no server, storage that is not a folder, unknown options: a clear message, exit 2', async () => {
  const root = freshStorage();
  const wrong = await emsAdmin('ems_mig', root, ['migrate-to-files'], { EMS_DB_PASSWORD: 'wrong' });
  assert.equal(wrong.code, 2);
  assert.match(wrong.out, /ems-admin migrate-to-files: .*(Access denied|denied)/i);
  const gone = await emsAdmin('ems_mig', root, ['migrate-to-files'], { EMS_DB_SOCKET: '/nonexistent/mysqld.sock', EMS_DB_HOST: 'localhost' });
  assert.equal(gone.code, 2);
  assert.match(gone.out, /ems-admin migrate-to-files: /);
  const file = path.join(root, 'not-a-folder');
  writeFileSync(file, 'x');
  const notDir = await emsAdmin('ems_mig', file, ['migrate-to-files']);
  assert.equal(notDir.code, 2, notDir.out);
  assert.match(notDir.out, /not-a-folder/);
  assert.equal((await emsAdmin('ems_mig', root, ['migrate-to-files', '--bogus'])).code, 2);
  const missing = await emsAdmin('ems_rekey', root, ['rekey-uids', '--map', '/nonexistent.tsv']);
  assert.equal(missing.code, 2);
  assert.match(missing.out, /cannot read the map file/);
});


test('a read-only or full storage folder: a clear message, exit 2, no file half-written; with room again, a re-run completes', async (t) => {
  if (!(await mountAllowed())) return t.skip('mounting a tmpfs is not permitted here');
  await loadDump('ems_mig3', path.join(fixtures, 'dump-after-exercise.sql'));
  const mounts = [];
  const tmpfs = async (options) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ems-mig-fs-'));
    await run('mount', ['-t', 'tmpfs', '-o', options, 'ems-migrate-test', dir]);
    mounts.push(dir);
    return dir;
  };
  try {
    const ro = await tmpfs('size=1m,ro');
    const refused = await emsAdmin('ems_mig3', ro, ['migrate-to-files']);
    assert.equal(refused.code, 2, refused.out);
    assert.match(refused.out, /ems-admin migrate-to-files: .*(Read-only file system|read-only)/i);
    assert.deepEqual(readdirSync(ro), []);

    // The PHP storage folder, then a filler taking every byte left.
    const full = await tmpfs('size=512k');
    cpSync(path.join(fixtures, 'storage'), full, { recursive: true });
    const before = snapshot(full);
    await run('bash', ['-c', `dd if=/dev/zero of=${full}/filler bs=4k 2>/dev/null; true`]);
    const failed = await emsAdmin('ems_mig3', full, ['migrate-to-files']);
    assert.equal(failed.code, 2, failed.out);
    assert.match(failed.out, /ems-admin migrate-to-files: .*No space left on device/);
    const after = snapshot(full);
    for (const [file, sum] of Object.entries(before))
      if (after[file] !== sum) JSON.parse(readFileSync(path.join(full, file), 'utf8')); // changed: whole, never cut
    for (const name of Object.keys(after)) assert.doesNotMatch(name, /\.tmp\./, 'no temporary file left behind');

    await run('rm', [path.join(full, 'filler')]);
    const again = await emsAdmin('ems_mig3', full, ['migrate-to-files']);
    assert.equal(again.code, 0, again.out);
    await assertConsistent('ems_mig3', full);
    assert.equal((await emsAdmin('ems_mig3', full, ['migrate-to-files', '--verify'])).code, 0);
  } finally {
    for (const dir of mounts) await run('umount', [dir]).catch(() => {});
  }
});
