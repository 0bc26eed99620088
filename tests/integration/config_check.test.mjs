// ems-fcgi -t (php-fpm's -t) against the test stack's configuration: OK as
// it is, and each kind of mistake named: an unknown key, a number out of its
// range, a bad base_url, an unreachable database, a storage folder that
// cannot be written. Nothing is started.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { binPath, stackEnv } from './lib/stack.mjs';

const run = promisify(execFile);

// ems-fcgi -t with the stack's file plus `extra` lines: { code, out }.
async function configTest(extra = '', env = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ems-conf-'));
  const file = path.join(dir, 'ems.conf');
  writeFileSync(file, readFileSync(stackEnv().CONF, 'utf8') + extra);
  try {
    const { stdout, stderr } = await run(binPath('ems-fcgi'), ['-t', '-c', file], { env: { ...process.env, ...env } });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    return { code: e.code, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

test('the stack\'s configuration tests OK; --version answers', async () => {
  const ok = await configTest();
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /configuration OK/);
  const { stdout } = await run(binPath('ems-fcgi'), ['--version']);
  assert.match(stdout, /^ems-fcgi \d+\.\d+\.\d+/);
});

test('each mistake is named: unknown key, out of range, bad base_url, duplicate key', async () => {
  const r = await configTest('wokers = 3\nverify_link_ttl_hours = 0\nmail_from = a@b\nmail_from = c@d\n', { EMS_BASE_URL: 'events.example.org' });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /:\d+: unknown key 'wokers'/);
  assert.match(r.out, /verify_link_ttl_hours must be at least 1, got 0/);
  assert.match(r.out, /base_url must be an absolute http:\/\/ or https:\/\/ URL/);
  assert.match(r.out, /mail_from is already set on line \d+/);
  assert.match(r.out, /4 problem\(s\)/);
});

test('an unreachable database and a storage folder that cannot be written are named', async () => {
  const db = await configTest('', { EMS_DB_HOST: '127.0.0.1', EMS_DB_SOCKET: '', EMS_DB_PORT: '1' });
  assert.equal(db.code, 1, db.out);
  assert.match(db.out, /database \S+: .*connect/i);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ems-conf-file-'));
  const notFolder = path.join(dir, 'storage');
  writeFileSync(notFolder, 'x');
  const storage = await configTest('', { EMS_STORAGE_ROOT: notFolder });
  assert.equal(storage.code, 1, storage.out);
  assert.match(storage.out, /storage_root \S+ is not a folder/);
  rmSync(dir, { recursive: true, force: true });
});

test('a storage folder on a read-only mount is named as not writable', async (t) => {
  const ro = mkdtempSync(path.join(os.tmpdir(), 'ems-conf-ro-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m,ro', 'ems-conf-test', ro]);
  } catch {
    return t.skip('mounting a tmpfs is not permitted here');
  }
  try {
    const r = await configTest('', { EMS_STORAGE_ROOT: ro });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, new RegExp(`storage_root ${ro} is not writable by this user: Read-only file system`));
  } finally {
    await run('umount', [ro]);
    rmdirSync(ro);
  }
});

test('a bad value in the file is rescued by its EMS_ variable', async () => {
  const r = await configTest('db_connect_timeout =\n', { EMS_DB_CONNECT_TIMEOUT: '2' });
  assert.equal(r.code, 0, r.out);
});

test('time_zone: a name under /usr/share/zoneinfo, or a clear refusal', async () => {
  assert.equal((await configTest('time_zone = Europe/Berlin\n')).code, 0);
  for (const bad of ['Mars/Olympus', '../../etc/passwd', '/etc/localtime', 'Europe/Berlin; rm']) {
    const r = await configTest(`time_zone = ${bad}\n`);
    assert.equal(r.code, 1, bad);
    assert.match(r.out, /time_zone must be a time zone name such as Europe\/Berlin or UTC/, bad);
  }
});
