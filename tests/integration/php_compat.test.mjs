// Runs ems on databases the PHP app wrote: the V2.0.2 dump (INT uids) and
// the same data after the PHP app's uid-to-GUID script. Every user signs in
// with the password the fixtures README lists, weaker hashes are upgraded
// to ones PHP's password_verify accepts, and the PHP tables are left as
// they were. The pool is pointed at each database in turn and restored.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { client, poolOn, repoRoot, sql, stackDir, waitHealthy } from './lib/stack.mjs';
import { formPost, uniqueEmail } from './lib/accounts.mjs';

const run = promisify(execFile);
const fixtures = process.env.EMS_FIXTURES ?? path.resolve(repoRoot, '../shared/fixtures/php-v2.0.2');
const guidFixtures = path.resolve(fixtures, '../php-v2.0.2-guid');
const stackSh = path.join(repoRoot, 'scripts/stack.sh');
const users = [
  ['ana.organizer@example.test', 'Secret123!'], ['jose@example.test', 'Passw0rd!'], ['zoe@example.test', 'Passw0rd!'],
  ['jj@example.test', 'Passw0rd!'], ['max@example.test', 'Passw0rd!'], ['weak@example.test', 'a'],
  ['legacy@example.test', 'Legacy123!'], ['nulls@example.test', 'Legacy123!'],
];

const stack = (args, env = {}) => run('bash', [stackSh, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
const adminSql = async (db, query) => (await stack(['admin-sql', stackDir(), '--batch', '--skip-column-names', db, '-e', query])).stdout;

async function loadDump(db, dumpFile) {
  // The dump's first line is the sandbox-mode comment of recent dump
  // clients; older clients refuse it, so it is dropped here.
  const text = readFileSync(dumpFile, 'utf8').split('\n').slice(1).join('\n');
  const tmp = path.join(mkdtempSync(path.join(os.tmpdir(), 'ems-dump-')), 'dump.sql');
  writeFileSync(tmp, text);
  await adminSql('mysql', `DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  await adminSql(db, `source ${tmp}`);
}


const createTables = async (db) => Promise.all(['user_credentials', 'events', 'event_participants'].map(
  async (t) => (await adminSql(db, `SHOW CREATE TABLE ${t}`)).replace(/ AUTO_INCREMENT=\d+/, '')));

after(async () => { await poolOn({}); });

test('V2.0.2 database: every PHP user signs in, hashes upgrade, PHP tables untouched', async () => {
  await sql('DELETE FROM ems_login_attempts');
  await loadDump('ems_php', path.join(fixtures, 'dump-after-exercise.sql'));
  const storage = mkdtempSync(path.join(os.tmpdir(), 'ems-php-storage-'));
  cpSync(path.join(fixtures, 'storage'), storage, { recursive: true });
  const before = await createTables('ems_php');
  await poolOn({ EMS_DB_NAME: 'ems_php', EMS_STORAGE_ROOT: storage, EMS_PASSWORD_COST: '11' });

  assert.deepEqual(await createTables('ems_php'), before, 'the PHP tables are not altered');
  assert.match(await adminSql('ems_php', 'SHOW TABLES'), /ems_sessions/);
  for (const [email, password] of users) {
    const c = client();
    const res = await formPost(c, '/auth/login', '/auth/login', { email, password });
    assert.equal(res.status, 302, `${email} signs in`);
    assert.equal(res.location, '/dashboard');
    const dash = await c.get('/dashboard/profile');
    assert.equal(dash.status, 200, `${email} sees the profile page`);
    const hash = (await adminSql('ems_php', `SELECT password FROM user_credentials WHERE email='${email}'`)).trim();
    assert.match(hash, /^\$2y\$11\$/, `${email}'s $2y$10$ hash is upgraded at sign-in`);
    const { stdout } = await run('php', ['-r', 'echo password_verify($argv[1], $argv[2]) ? "yes" : "no";', password, hash]);
    assert.equal(stdout, 'yes', 'PHP password_verify accepts the hash ems wrote');
  }
  const wrong = await formPost(client(), '/auth/login', '/auth/login', { email: users[0][0], password: 'Passw0rd!' });
  assert.equal(wrong.status, 422);
  const max = client();
  await formPost(max, '/auth/login', '/auth/login', { email: 'max@example.test', password: 'Passw0rd!' });
  const page = await max.get('/dashboard/profile');
  assert.doesNotMatch(page.text, /<b>&<\/b>/, 'the name from the PHP era is escaped');
});

test('GUID database: PHP users sign in, new users get GUIDs and GUID-named files', async () => {
  await sql('DELETE FROM ems_login_attempts');
  await loadDump('ems_guid', path.join(guidFixtures, 'dump-after-guid-migration.sql'));
  const storage = mkdtempSync(path.join(os.tmpdir(), 'ems-guid-storage-'));
  cpSync(path.join(fixtures, 'storage'), storage, { recursive: true });
  await poolOn({ EMS_DB_NAME: 'ems_guid', EMS_STORAGE_ROOT: storage });
  for (const [email, password] of users) {
    const res = await formPost(client(), '/auth/login', '/auth/login', { email, password });
    assert.equal(res.status, 302, `${email} signs in on the GUID table`);
  }
  // The PHP app compared the GUID creator as an integer and listed nothing
  // (or another user's events); ems compares uids as strings.
  const ana = client();
  await formPost(ana, '/auth/login', '/auth/login', { email: users[0][0], password: users[0][1] });
  const dash = (await ana.get('/dashboard')).text;
  assert.match(dash, /Tech Talk: PHP &amp; JSON/);
  assert.match(dash, /Second talk/);
  const joseClient = client();
  await formPost(joseClient, '/auth/login', '/auth/login', { email: 'jose@example.test', password: 'Passw0rd!' });
  assert.doesNotMatch((await joseClient.get('/dashboard')).text, /\/events\/manage\/1"/, 'José created nothing');
  const email = uniqueEmail('guid');
  const res = await formPost(client(), '/auth/register', '/auth/register', {
    fname: 'Gu', mname: '', lname: 'Id', email, password: 'Passw0rd!', confirm_password: 'Passw0rd!',
  });
  assert.equal(res.location, '/dashboard');
  const uid = (await adminSql('ems_guid', `SELECT uid FROM user_credentials WHERE email='${email}'`)).trim();
  assert.match(uid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const file = path.join(storage, 'users', `${uid}.json`);
  assert.ok(existsSync(file));
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).uid, uid, 'the uid is a JSON string on GUID tables');
  // José's GUID starts with "5": an integer-bound lookup of uid 5 would find
  // him. ems compares uids as strings, so the old int uid 5 names nobody.
  const [jose] = (await adminSql('ems_guid', "SELECT uid FROM user_credentials WHERE email='jose@example.test'")).split('\n');
  assert.match(jose, /^5/);
});
