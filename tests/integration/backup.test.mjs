// ems-admin backup / backup --verify / restore against the real stack:
//   - a backup taken during a registration storm, restored into a fresh
//     database (same server, another db_name) and a fresh folder, holds every
//     registration acknowledged before it started; check is clean for them;
//     the counts of the manifest are those of the restored tables and folders;
//   - the archive is age-encrypted: no plaintext e-mail or name in its bytes,
//     useless with another key;
//   - truncated or altered archives, a wrong key, a non-empty target, a wrong
//     database password, an unreachable socket, read-only or full folders
//     (tmpfs; skipped with a message where mounting is not permitted): a clear
//     message, a non-zero exit, nothing written or the target emptied again;
//   - run as root into a folder owned by another user, restored files keep
//     that owner.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mountAllowed, repoRoot, sql, stackEnv } from './lib/stack.mjs';
import { createUsers, createEvent, postForm, signIn, signedInClients } from './lib/fixtures.mjs';

const run = promisify(execFile);
const work = mkdtempSync(path.join(os.tmpdir(), 'ems-backup-test-'));
const databases = [];
const mounts = [];

after(async () => {
  for (const m of mounts.reverse()) await run('umount', [m]).catch(() => {});
  for (const db of databases) await sql(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => {});
  rmSync(work, { recursive: true, force: true });
});

// bin/ems-admin with the stack's configuration and EMS_* overrides.
async function admin(args, env = {}) {
  try {
    const { stdout, stderr } = await run(path.join(repoRoot, 'bin/ems-admin'), ['-c', stackEnv().CONF, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
    return { code: 0, out: `${stdout}${stderr}`, stdout };
  } catch (e) {
    if (typeof e.code !== 'number') throw e;
    return { code: e.code, out: `${e.stdout}${e.stderr}`, stdout: e.stdout };
  }
}

// A fresh restore target: a database name that does not exist yet and an
// empty folder pair, as EMS_* overrides.
let targets = 0;
function freshTarget(dir = path.join(work, `target-${targets}`)) {
  const db = `ems_restore_${process.pid}_${targets++}`;
  databases.push(db);
  mkdirSync(dir, { recursive: true });
  return {
    db, dir,
    env: {
      EMS_DB_NAME: db,
      EMS_STORAGE_ROOT: path.join(dir, 'storage'),
      EMS_UPLOADS_DIR: path.join(dir, 'uploads'),
    },
  };
}

async function tablesOf(db) {
  return (await sql(`SELECT table_name FROM information_schema.TABLES WHERE table_schema = '${db}'`)).map((r) => r[0]);
}

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).filter((n) => statSync(path.join(dir, n)).isFile());
}

// An untouched target: no table, no file.
async function assertUntouched(t) {
  assert.deepEqual(await tablesOf(t.db), []);
  assert.deepEqual(filesUnder(t.dir), []);
}

// A participant list as the storage layer reads it: the JSON file, then the
// journal's put/del records ("<crc> <json>" lines after the header).
function participantUids(root, id) {
  const file = path.join(root, 'participants', `${id}.json`);
  const list = new Map(Object.entries(existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}));
  const journal = path.join(root, '.ems', 'journal', `${id}.jnl`);
  if (existsSync(journal)) {
    for (const line of readFileSync(journal, 'utf8').split('\n').slice(1)) {
      if (!line) continue;
      const rec = JSON.parse(line.slice(line.indexOf(' ') + 1));
      if (rec.op === 'put') list.set(rec.key, rec.entry);
      if (rec.op === 'del') list.delete(rec.key);
    }
  }
  return new Set(list.keys());
}

const flashOf = (c) => {
  const v = c.jar.get('ems_flash');
  return v ? decodeURIComponent(v.replace(/\+/g, ' ')).replace(/^(success|error):/, '') : null;
};

// "table NAME ROWS" and "folder NAME FILES" lines of backup --verify.
function manifestCounts(out) {
  const tables = {};
  const folders = {};
  for (const m of out.matchAll(/^table (\S+) (\d+)$/gm)) tables[m[1]] = Number(m[2]);
  for (const m of out.matchAll(/^folder (\S+) (\d+)$/gm)) folders[m[1]] = Number(m[2]);
  return { tables, folders };
}


async function tmpfs(dir, options) {
  mkdirSync(dir, { recursive: true });
  await run('mount', ['-t', 'tmpfs', '-o', options, 'ems-backup-test', dir]);
  mounts.push(dir);
}

const archive = path.join(work, 'storm.tar.age');
const marker = `Zebulon${process.pid}`;
let stormUsers = [];

test('backup during a registration storm, restored into a fresh database and folder: every acknowledged registration is there, check clean, counts equal', async () => {
  const [org] = await signedInClients(1);
  const ev = await createEvent(org);
  stormUsers = await createUsers(200, { names: (i) => [marker, `Quixote${i}`] });
  const crowd = await signIn(stormUsers);
  const acked = new Set(); // uids answered "Successfully registered"
  let next = 0;
  let before = null; // the acknowledged uids when the backup started
  let backup = null;
  const worker = async () => {
    while (next < crowd.length) {
      const c = crowd[next++];
      const res = await postForm(c, `/events/register/${ev.key}`);
      if (res.status === 302 && flashOf(c) === `Successfully registered for ${ev.name}`) acked.add(c.user.uid);
      // The backup starts once a quarter of the crowd is in; the storm goes on.
      if (!backup && acked.size >= 50) {
        before = [...acked.keys()];
        backup = admin(['backup', '--out', archive]);
      }
    }
  };
  await Promise.all(Array.from({ length: 12 }, worker));
  const made = await backup;
  assert.equal(made.code, 0, made.out);
  assert.match(made.out, /registrations paused \d+ ms/);
  assert.ok(before.length >= 50 && acked.size > before.length, `${before.length} before, ${acked.size} in all`);

  const verified = await admin(['backup', '--verify', archive]);
  assert.equal(verified.code, 0, verified.out);
  const counts = manifestCounts(verified.stdout);

  const t = freshTarget();
  const restored = await admin(['restore', archive], t.env);
  assert.match(restored.out, /restored into database/, restored.out);
  const root = t.env.EMS_STORAGE_ROOT;
  const uids = participantUids(root, ev.id);
  const missing = before.filter((uid) => !uids.has(uid));
  assert.deepEqual(missing, [], 'acknowledged before the backup started but not restored');
  for (const uid of uids) assert.ok(acked.has(uid), `restored ${uid}, never acknowledged`);
  const [[count]] = await sql(`SELECT participantcount FROM \`${t.db}\`.events WHERE eventid = ${ev.id}`);
  assert.equal(Number(count), uids.size);

  // check on the restored copy: nothing about this event or its people, and
  // nothing the source (shared with other test files) does not have too.
  const checkOf = async (env) => JSON.parse((await admin(['check', '--json'], env)).stdout);
  const mine = new Set([`event ${ev.id}`, ...stormUsers.map((u) => `user ${u.uid}`)]);
  const restoredCheck = await checkOf(t.env);
  assert.deepEqual(restoredCheck.problems.filter((p) => mine.has(p.subject)), []);
  const sourceProblems = new Set((await checkOf({})).problems.map((p) => `${p.kind} ${p.subject}`));
  for (const p of restoredCheck.problems) assert.ok(sourceProblems.has(`${p.kind} ${p.subject}`), JSON.stringify(p));
  if (restoredCheck.problems.length === 0) assert.equal(restored.code, 0, restored.out);

  // The manifest's counts are the restored tables' and folders'.
  assert.ok(counts.tables.user_credentials >= 201 && counts.tables.events >= 1, verified.stdout);
  for (const [table, rows] of Object.entries(counts.tables)) {
    const [[n]] = await sql(`SELECT COUNT(*) FROM \`${t.db}\`.\`${table}\``);
    assert.equal(Number(n), rows, `table ${table}`);
  }
  for (const folder of ['users', 'events', 'participants']) {
    assert.equal(filesUnder(path.join(root, folder)).length, counts.folders[folder] ?? 0, `folder ${folder}`);
  }
  assert.equal(filesUnder(path.join(root, '.ems', 'journal')).length, counts.folders.journals ?? 0);
});

test('the archive holds no plaintext e-mail or name, and only the configured key opens it', async () => {
  const bytes = readFileSync(archive);
  const email = stormUsers[0].email;
  assert.equal(bytes.includes(email), false);
  assert.equal(bytes.includes(marker), false);
  // The same bytes do hold them once decrypted with the right key.
  const { stdout } = await run('bash', ['-c', 'age -d -i "$1" "$2" | tar -xOf - dump.sql', '-', stackEnv().BACKUP_KEY, archive],
    { maxBuffer: 256 << 20 });
  assert.ok(stdout.includes(email) && stdout.includes(marker));

  const other = path.join(work, 'other.key');
  await run('age-keygen', ['-o', other]);
  const wrong = await admin(['backup', '--verify', archive], { EMS_BACKUP_KEY: other });
  assert.equal(wrong.code, 1);
  assert.match(wrong.out, /wrong key/);
  await assert.rejects(run('age', ['-d', '-i', other, archive]));
  const t = freshTarget();
  const restore = await admin(['restore', archive], { ...t.env, EMS_BACKUP_KEY: other });
  assert.equal(restore.code, 1);
  assert.match(restore.out, /wrong key/);
  await assertUntouched(t);
  const none = await admin(['backup', '--verify', archive], { EMS_BACKUP_KEY: '' });
  assert.equal(none.code, 1);
  assert.match(none.out, /no backup key/);
});

test('a truncated or altered archive: verify and restore fail with a clear message, the target untouched', async () => {
  const size = statSync(archive).size;
  const cut = path.join(work, 'cut.tar.age');
  writeFileSync(cut, readFileSync(archive));
  truncateSync(cut, Math.floor(size / 2));
  const altered = path.join(work, 'altered.tar.age');
  const bytes = readFileSync(archive);
  bytes[Math.floor(size * 0.6)] ^= 0x01;
  writeFileSync(altered, bytes);
  for (const [file, why] of [[cut, /cut short or was altered/], [altered, /cut short or was altered/]]) {
    const verify = await admin(['backup', '--verify', file]);
    assert.equal(verify.code, 1, verify.out);
    assert.match(verify.out, why);
    const t = freshTarget();
    const restore = await admin(['restore', file], t.env);
    assert.equal(restore.code, 1, restore.out);
    assert.match(restore.out, why);
    await assertUntouched(t);
  }
});

test('restore refuses a non-empty target without --force; backup refuses to overwrite', async () => {
  const intoStack = await admin(['restore', archive]);
  assert.equal(intoStack.code, 1);
  assert.match(intoStack.out, /database ems is not empty .*--force/);
  // An empty database but a folder with a file in it.
  const t = freshTarget();
  mkdirSync(path.join(t.env.EMS_STORAGE_ROOT, 'users'), { recursive: true });
  writeFileSync(path.join(t.env.EMS_STORAGE_ROOT, 'users', '1.json'), '{}');
  const folder = await admin(['restore', archive], t.env);
  assert.equal(folder.code, 1);
  assert.match(folder.out, /target folders are not empty .*users\/1\.json/);
  assert.deepEqual(await tablesOf(t.db), []);
  // --force: the previous files are moved aside, never deleted; the dump
  // replaces its tables.
  await sql(`CREATE TABLE \`${t.db}\`.events (stale INT)`);
  const forced = await admin(['restore', '--force', archive], t.env);
  assert.match(forced.out, /moved to .*\.ems\/replaced-\d+/, forced.out);
  assert.match(forced.out, /restored into database/);
  const aside = readdirSync(path.join(t.env.EMS_STORAGE_ROOT, '.ems')).find((n) => n.startsWith('replaced-'));
  assert.equal(readFileSync(path.join(t.env.EMS_STORAGE_ROOT, '.ems', aside, 'users', '1.json'), 'utf8'), '{}');
  const [[events]] = await sql(`SELECT COUNT(*) FROM \`${t.db}\`.events`);
  assert.ok(Number(events) >= 1);
  const again = await admin(['backup', '--out', archive]);
  assert.equal(again.code, 1);
  assert.match(again.out, /exists; add --force/);
});

test('bad database settings: a wrong password, an unreachable socket: a clear message, no archive', async () => {
  const out = path.join(work, 'bad.tar.age');
  const password = await admin(['backup', '--out', out], { EMS_DB_PASSWORD: 'wrong' });
  assert.equal(password.code, 1);
  assert.match(password.out, /Access denied/);
  const socket = await admin(['backup', '--out', out], { EMS_DB_SOCKET: path.join(work, 'no.sock') });
  assert.equal(socket.code, 1);
  assert.match(socket.out, /Can't connect/);
  assert.deepEqual(readdirSync(work).filter((n) => n.startsWith('bad.tar.age')), []);
  const t = freshTarget();
  const restore = await admin(['restore', archive], { ...t.env, EMS_DB_PASSWORD: 'wrong' });
  assert.equal(restore.code, 1);
  assert.match(restore.out, /Access denied/);
  assert.deepEqual(filesUnder(t.dir), []);
});

test('read-only and full folders: backup leaves no file, restore empties the target again', async (t) => {
  if (!(await mountAllowed())) return t.skip('mount is not permitted here (needs root and CAP_SYS_ADMIN)');
  const ro = path.join(work, 'ro');
  await tmpfs(ro, 'size=1m,ro');
  const roBackup = await admin(['backup', '--out', path.join(ro, 'x.tar.age')]);
  assert.equal(roBackup.code, 1);
  assert.match(roBackup.out, /Read-only file system/);

  const full = path.join(work, 'full');
  await tmpfs(full, 'size=64k');
  const fullBackup = await admin(['backup', '--out', path.join(full, 'x.tar.age')]);
  assert.equal(fullBackup.code, 1, fullBackup.out);
  assert.match(fullBackup.out, /No space left on device|no space left on device/);
  assert.deepEqual(readdirSync(full), []);

  const roTarget = freshTarget(path.join(work, 'ro-target'));
  await tmpfs(roTarget.env.EMS_STORAGE_ROOT, 'size=1m,ro');
  const roRestore = await admin(['restore', archive], roTarget.env);
  assert.equal(roRestore.code, 1);
  assert.match(roRestore.out, /Read-only file system/);
  assert.match(roRestore.out, /target is empty again|database was not touched/);
  await assertUntouched(roTarget);

  const fullTarget = freshTarget(path.join(work, 'full-target'));
  await tmpfs(fullTarget.env.EMS_STORAGE_ROOT, 'size=32k');
  const fullRestore = await admin(['restore', archive], fullTarget.env);
  assert.equal(fullRestore.code, 1);
  assert.match(fullRestore.out, /No space left on device/);
  assert.match(fullRestore.out, /removed the \d+ files it had written and dropped the tables it had loaded: the target is empty again/);
  await assertUntouched(fullTarget);
});

test('restore as root into a folder owned by another user gives every file to that user', async (t) => {
  if (process.getuid() !== 0) return t.skip('needs root (only root can give files away)');
  const tgt = freshTarget();
  for (const dir of [tgt.env.EMS_STORAGE_ROOT, tgt.env.EMS_UPLOADS_DIR]) {
    mkdirSync(dir, { recursive: true });
    await run('chown', ['33:33', dir]);
  }
  const restored = await admin(['restore', archive], tgt.env);
  assert.match(restored.out, /files given to uid 33/, restored.out);
  const owners = new Set();
  for (const n of readdirSync(tgt.env.EMS_STORAGE_ROOT, { recursive: true })) {
    owners.add(statSync(path.join(tgt.env.EMS_STORAGE_ROOT, n)).uid);
  }
  assert.deepEqual([...owners], [33]);
});

test('compact run as root against a folder another user owns refuses, creating nothing', async (t) => {
  if (process.getuid() !== 0) return t.skip('needs root');
  const dir = path.join(work, 'www-data-storage');
  mkdirSync(dir);
  await run('chown', ['33:33', dir]);
  let result;
  try {
    await run(path.join(repoRoot, 'bin/ems-admin'), ['compact', '--storage', dir]);
    result = { code: 0 };
  } catch (e) {
    result = { code: e.code, out: e.stderr };
  }
  assert.equal(result.code, 1);
  assert.match(result.out, /belongs to uid 33; run as root, this command would leave files that user cannot read/);
  assert.deepEqual(readdirSync(dir), []);
});
