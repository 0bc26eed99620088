// The development stack follows the configuration: with EMS_UPLOADS_DIR set,
// the pool stores pictures there and the stack's nginx serves
// /profilePictures/ from the same folder (issue 11; it used to serve the
// stack's own uploads/ whatever the pool was told).
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { client, csrfFrom, repoRoot, sql, stackDir, waitHealthy } from './lib/stack.mjs';
import { registered } from './lib/accounts.mjs';

const run = promisify(execFile);
const stackSh = path.join(repoRoot, 'scripts/stack.sh');
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f6c2a50000000049454e44ae426082', 'hex');

async function stackWith(env) {
  const opts = { env: { ...process.env, ...env } };
  await run('bash', [stackSh, 'pool-stop', stackDir()], opts);
  await run('bash', [stackSh, 'pool-start', stackDir()], opts);
  await run('bash', [stackSh, 'nginx-reload', stackDir()], opts);
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
