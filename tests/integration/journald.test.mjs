// log_target = journald: the pool's error, access and slow lines go to the
// systemd journal. A real systemd-journald runs for this test in a private
// mount namespace (its own /run/systemd and /run/log on tmpfs), so the
// machine's journal is never touched; skipped where that is not permitted.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { binPath, client, mountAllowed, poolOn, poolPid, readLog, repoRoot, stackDir, stackEnv, waitFor, waitHealthy } from './lib/stack.mjs';
import { unique } from './lib/fixtures.mjs';

const run = promisify(execFile);
const journald = ['/lib/systemd/systemd-journald', '/usr/lib/systemd/systemd-journald'].find((p) => existsSync(p));

after(async () => { await poolOn({}); });

test('with log_target = journald every line is a journal entry with its priority and request id', async (t) => {
  if (!journald || !(await mountAllowed())) return t.skip('needs systemd-journald and permission to mount');
  await run('bash', [path.join(repoRoot, 'scripts/stack.sh'), 'pool-stop', stackDir()]);
  const script = `
    mount -t tmpfs ems-journal /run/systemd && mkdir -p /run/systemd/journal && mount -t tmpfs ems-journal /run/log || exit 97
    ${journald} &
    jd=$!
    trap 'kill $jd' EXIT
    for i in $(seq 200); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
    "$0" -c "$1"`;
  const pool = spawn('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', script, binPath('ems-fcgi'), stackEnv().CONF],
    { env: { ...process.env, EMS_LOG_TARGET: 'journald' }, stdio: 'ignore' });
  const exited = new Promise((resolve) => pool.on('exit', resolve));
  try {
    await waitHealthy();
    const master = poolPid();
    const journal = async () => (await run('nsenter', ['-t', String(master), '-m', 'journalctl', '-D', '/run/log/journal',
      '-o', 'json', '--no-pager', 'SYSLOG_IDENTIFIER=ems-fcgi'], { maxBuffer: 64 << 20 })).stdout
      .split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const tag = unique('jd');
    const accessBefore = readLog('access.log');
    await client().get(`/nosuch/${tag}`);
    const crash = await client().get('/_test/crash');
    const errorId = crash.text.match(/Error id: <code>([0-9a-f]+)<\/code>/)?.[1];
    assert.ok(errorId);
    const entries = await waitFor(async () => {
      const all = await journal();
      return all.some((e) => e.EMS_LOG === 'access' && e.MESSAGE.includes(tag)) &&
        all.some((e) => e.EMS_LOG === 'error' && e.MESSAGE.includes(errorId)) && all;
    }, { what: 'the access and error entries in the journal', timeoutMs: 15000 });
    const access = entries.find((e) => e.EMS_LOG === 'access' && e.MESSAGE.includes(tag));
    assert.equal(JSON.parse(access.MESSAGE).path, `/nosuch/${tag}`);
    assert.equal(access.PRIORITY, '6');
    const error = entries.find((e) => e.EMS_LOG === 'error' && e.MESSAGE.includes(errorId));
    assert.equal(error.PRIORITY, '3');
    assert.ok(error.EMS_REQUEST_ID, 'the request id is a field of its own');
    assert.ok(entries.some((e) => /pool started/.test(e.MESSAGE)), 'the master logs there too');
    assert.ok(!readLog('access.log').slice(accessBefore.length).includes(tag), 'not also in access.log');
  } finally {
    const master = poolPid();
    if (master) process.kill(master, 'SIGTERM');
    await exited;
  }
});
