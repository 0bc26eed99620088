// A database outage: /health says 503, pages that need no database still
// render, pages that do answer a clear 503 page (not a hang, not a 500), and
// once MariaDB is back every worker reconnects on its own. It stops the
// shared stack's database for a moment and, pass or fail, starts it again and
// waits for /health to be ok before it ends, so the files may run in any order.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { binPath, client, repoRoot, stackDir, waitHealthy, workerPids } from './lib/stack.mjs';
import { registered } from './lib/accounts.mjs';

const run = promisify(execFile);
const stackSh = path.join(repoRoot, 'scripts/stack.sh');

test('MariaDB down and back: 503 health, clear 503 pages, automatic reconnect', async () => {
  const { c } = await registered();
  const workersBefore = workerPids();
  assert.equal((await c.get('/dashboard')).status, 200);
  await run('bash', [stackSh, 'db-stop', stackDir()]);
  try {
    const anon = client();
    const health = await anon.get('/health');
    assert.equal(health.status, 503);
    assert.equal(health.json().db.ok, false);
    assert.equal((await anon.get('/auth/login')).status, 200, 'the login page needs no database');
    const dash = await c.get('/dashboard');
    assert.equal(dash.status, 503);
    assert.match(dash.text, /The site cannot reach its database right now\. Please try again in a minute\./);
    assert.ok(Number(dash.headers.get('retry-after')) > 0, 'Retry-After');
    assert.match(dash.text, /Error id:/);
    assert.doesNotMatch(dash.text, /MariaDB|mysql|Can't connect/i, 'no internals on the page');
    const api = await c.json('GET', '/api/me');
    assert.equal(api.status, 503);
    assert.match(api.json().error, /cannot reach its database/);
    assert.ok(api.json().error_id);
  } finally {
    await run('bash', [stackSh, 'db-start', stackDir()]);
    await waitHealthy(20000);
  }
  for (let i = 0; i < 8; i++) assert.equal((await c.get('/dashboard')).status, 200, 'the session survived, workers reconnected');
  assert.deepEqual(workerPids(), workersBefore, 'no worker died for it');
});

test('the pool refuses to start when MariaDB would not keep acknowledged commits', async () => {
  const admin = (q) => run('bash', [stackSh, 'admin-sql', stackDir(), '-e', q]);
  await admin('SET GLOBAL innodb_flush_log_at_trx_commit = 2');
  try {
    const dir = stackDir();
    const env = { ...process.env, EMS_LISTEN: `unix:${dir}/run/refused.sock`, EMS_PID_FILE: `${dir}/run/refused.pid` };
    const err = await run(binPath('ems-fcgi'), ['-c', path.join(dir, 'ems.conf')], { env })
      .then(() => null, (e) => e);
    assert.ok(err, 'ems-fcgi must exit non-zero');
    assert.equal(err.code, 1);
    assert.match(err.stderr, /innodb_flush_log_at_trx_commit=2/);
  } finally {
    await admin('SET GLOBAL innodb_flush_log_at_trx_commit = 1');
  }
});
