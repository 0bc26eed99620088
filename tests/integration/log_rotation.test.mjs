// Logs as JSON lines, and php-fpm's SIGUSR1: after logrotate renames the
// files, SIGUSR1 to the master makes every process continue in new files;
// no line is lost (each request's access line is in the old or the new
// file, once), and storms of SIGUSR1 and SIGHUP crash nothing.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { client, load, poolPid, readLog, repoRoot, stackEnv, waitFor, waitHealthy } from './lib/stack.mjs';
import { createEvent, postForm, signedInClients, storageRoot, unique } from './lib/fixtures.mjs';

const run = promisify(execFile);

const logDir = () => stackEnv().LOG_DIR;
const read = (name) => (existsSync(path.join(logDir(), name)) ? readFileSync(path.join(logDir(), name), 'utf8') : '');
const linesWith = (text, tag) => text.split('\n').filter((l) => l.includes(tag));

test('every access and error line is one JSON object; a %0A in a path stays inside its line', async () => {
  const tag = unique('json');
  await client().get(`/nosuch/${tag}%0a{"forged":1}`);
  const crash = await client().get('/_test/crash');
  const errorId = crash.text.match(/Error id: <code>([0-9a-f]+)<\/code>/)?.[1];
  assert.ok(errorId);
  await waitFor(() => linesWith(readLog('access.log'), tag).length === 1 && linesWith(readLog(), errorId).length === 1,
    { what: 'the access line and the error line' });
  for (const name of ['access.log', 'error.log']) {
    for (const line of readLog(name).split('\n').filter((l) => l !== '')) {
      const entry = JSON.parse(line); // throws on a line that is not one object
      assert.equal(typeof entry, 'object', `${name}: ${line}`);
      assert.ok(entry.time, `${name}: every line has a time`);
    }
  }
  const [line] = linesWith(readLog('access.log'), `/nosuch/${tag}`);
  const entry = JSON.parse(line);
  assert.equal(entry.path, `/nosuch/${tag}\n{"forged":1}`);
  assert.equal(entry.status, 404);
  assert.equal(entry.method, 'GET');
  assert.ok(entry.request_id, 'nginx\'s $request_id is carried');
  const errorLine = JSON.parse(linesWith(readLog(), errorId)[0]);
  assert.equal(errorLine.level, 'error');
  const crashLine = JSON.parse(linesWith(readLog('access.log'), errorId)[0]);
  assert.equal(crashLine.status, 500);
  assert.equal(crashLine.error_id, errorId, 'the error id finds the access line too');
  assert.ok(errorLine.request_id, 'the error line carries nginx\'s request id');
  assert.equal(errorLine.request_id, crashLine.request_id);
  const nginxLog = readFileSync(path.join(stackEnv().DIR, 'nginx', 'access.log'), 'utf8');
  assert.ok(nginxLog.includes(`request_id=${errorLine.request_id}`), 'and nginx\'s access line');
});

test('SIGUSR1 after a rename: new files, and every request is logged exactly once across old and new', async () => {
  const tag = unique('rot');
  const total = 120;
  renameSync(path.join(logDir(), 'access.log'), path.join(logDir(), `access.log.${tag}`));
  renameSync(path.join(logDir(), 'error.log'), path.join(logDir(), `error.log.${tag}`));
  const results = await load(total, 8, async (i) => {
    if (i === total / 2) process.kill(poolPid(), 'SIGUSR1');
    return client().get(`/nosuch/${tag}/${i}`);
  });
  assert.deepEqual([...new Set(results.map((r) => r.status))], [404]);
  await waitFor(() => linesWith(read('error.log'), 'SIGUSR1: logs reopened').length === 1, { what: 'the master\'s line in the new error.log' });
  // A request after the signal has been taken by every worker lands in the new file.
  await waitFor(async () => {
    await client().get(`/nosuch/${tag}/probe`);
    return linesWith(read('access.log'), `/nosuch/${tag}/probe`).length > 0;
  }, { what: 'an access line in the new access.log', timeoutMs: 15000 });
  const logged = [...linesWith(read(`access.log.${tag}`), tag), ...linesWith(read('access.log'), tag)]
    .map((l) => JSON.parse(l).path).filter((p) => !p.endsWith('/probe'));
  assert.equal(logged.length, total, 'each request once');
  assert.equal(new Set(logged).size, total, 'no line twice');
});

test('storms of SIGUSR1 and SIGHUP: no worker dies, every request is answered and logged', async () => {
  const tag = unique('storm');
  const errorsBefore = readLog().length;
  const master = poolPid();
  let signalling = true;
  const storm = (async () => {
    for (let i = 0; signalling; i++) {
      process.kill(master, i % 5 === 4 ? 'SIGHUP' : 'SIGUSR1');
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  let results;
  try {
    results = await load(200, 8, (i) => client().get(`/nosuch/${tag}/${i}`));
  } finally {
    signalling = false;
    await storm;
  }
  await waitHealthy();
  assert.deepEqual([...new Set(results.map((r) => r.status))], [404], results.find((r) => r.error)?.error?.message);
  assert.equal(poolPid(), master, 'the master is the same process');
  assert.doesNotMatch(readLog().slice(errorsBefore), /died|could not start|signal \d/);
  await waitFor(() => {
    const paths = new Set([...linesWith(read('access.log'), tag)].map((l) => JSON.parse(l).path));
    return paths.size === 200;
  }, { what: 'all 200 access lines' });
});

test('the shipped logrotate file, run by logrotate: pool logs and the audit log continue in new files', async () => {
  const tag = unique('lr');
  const work = mkdtempSync(path.join(os.tmpdir(), 'ems-logrotate-'));
  // nginx/ems.logrotate with this stack's folders, its user, and a kill of
  // its master instead of systemctl.
  const conf = readFileSync(path.join(repoRoot, 'nginx/ems.logrotate'), 'utf8')
    .replaceAll('/var/log/ems', logDir())
    .replaceAll('/var/lib/ems/storage', storageRoot())
    .replaceAll('www-data www-data', 'root root')
    .replace(/systemctl kill [^\n]*/, `kill -USR1 ${poolPid()}`);
  const confFile = path.join(work, 'ems');
  writeFileSync(confFile, conf);
  chmodSync(confFile, 0o644);
  const [owner] = await signedInClients(1);
  await createEvent(owner, { eventname: `Before ${tag}` }); // an audit record before
  await client().get(`/nosuch/${tag}/before`);
  await waitFor(() => read('access.log').includes(`${tag}/before`), { what: 'the line before' });
  await run('logrotate', ['-f', '-s', path.join(work, 'state'), confFile]);
  assert.ok(existsSync(path.join(logDir(), 'access.log.1')), 'access.log rotated');
  assert.ok(existsSync(path.join(storageRoot(), 'logs', 'audit.log.1')), 'audit.log rotated');
  assert.ok(read('access.log.1').includes(`${tag}/before`));
  await waitFor(async () => {
    await client().get(`/nosuch/${tag}/after`);
    return read('access.log').includes(`${tag}/after`);
  }, { what: 'a line in the new access.log', timeoutMs: 15000 });
  await createEvent(owner, { eventname: `After ${tag}` });
  const audit = readFileSync(path.join(storageRoot(), 'logs', 'audit.log'), 'utf8');
  assert.ok(audit.split('\n').some((l) => l.includes('"op"')), 'new audit records in a new audit.log');
  assert.ok(!readFileSync(path.join(storageRoot(), 'logs', 'audit.log.1'), 'utf8').includes(`After ${tag}`));
});
