// The pool and the development stack follow the configuration (issue 11):
// with EMS_UPLOADS_DIR set, the pool stores pictures there and the stack's
// nginx serves /profilePictures/ from the same folder (it used to serve the
// stack's own uploads/ whatever the pool was told); php-fpm's listen.* and
// process.priority knobs take effect.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { client, csrfFrom, nginxReload, poolOn, sql, stackEnv, waitHealthy, workerPids } from './lib/stack.mjs';
import { registered } from './lib/accounts.mjs';

const run = promisify(execFile);
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f6c2a50000000049454e44ae426082', 'hex');

// The pool and nginx (which renders its uploads folder from the environment).
async function stackWith(env) {
  await poolOn(env);
  await nginxReload(env);
  await waitHealthy();
}

after(async () => { await stackWith({}); });

test('EMS_UPLOADS_DIR: the pool writes the picture there and nginx serves it from there', async () => {
  const uploads = mkdtempSync(path.join(os.tmpdir(), 'ems-uploads-'));
  await stackWith({ EMS_UPLOADS_DIR: uploads });
  const { c, email } = await registered();
  const fd = new FormData();
  fd.append('csrf_token', csrfFrom((await c.get('/dashboard/profile')).text));
  fd.append('profile_picture', new Blob([PNG], { type: 'image/png' }), 'me.png');
  assert.equal((await c.postMultipart('/dashboard/uploadProfilePicture', fd)).location, '/dashboard/profile');
  const [[pic]] = await sql(`SELECT profilepicture FROM user_credentials WHERE email='${email}'`);
  assert.ok(existsSync(path.join(uploads, pic)), 'stored in EMS_UPLOADS_DIR');
  const served = await client().get(`/profilePictures/${pic}`);
  assert.equal(served.status, 200);
  assert.deepEqual(served.buffer, PNG);
});

test('listen_backlog, listen_owner/group/mode and process_priority (php-fpm\'s pool knobs) take effect', async () => {
  await stackWith({ EMS_LISTEN_BACKLOG: '77', EMS_LISTEN_OWNER: 'nobody', EMS_LISTEN_GROUP: 'nogroup', EMS_LISTEN_MODE: '0660', EMS_PROCESS_PRIORITY: '5' });
  const socket = stackEnv().POOL_SOCKET;
  const st = statSync(socket);
  assert.equal(st.mode & 0o777, 0o660);
  assert.equal(st.uid, Number((await run('id', ['-u', 'nobody'])).stdout.trim()));
  assert.equal(st.gid, Number((await run('getent', ['group', 'nogroup'])).stdout.split(':')[2]));
  // ss shows a listening socket's backlog as its Send-Q.
  const ss = (await run('ss', ['-xlnH'])).stdout.split('\n').find((l) => l.includes(socket));
  assert.ok(ss, 'the socket is listed');
  assert.equal(ss.trim().split(/\s+/)[3], '77', ss);
  const nice = (pid) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
  const workers = workerPids();
  assert.ok(workers.length > 0);
  for (const pid of workers) assert.equal(nice(pid), 5, `worker ${pid}`);
  assert.equal((await client().get('/auth/login')).status, 200, 'nginx still reaches the pool');
});
