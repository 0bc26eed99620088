// make install DESTDIR=...: exactly the listed files (the programs, views,
// static files, nginx snippet, systemd units, logrotate file, example
// configuration, docs), nothing from tests/ or bench/, paths rewritten to the
// prefix; and the installed ems-fcgi serves pages with the installed views.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { client, repoRoot, stackDir, stackEnv, waitFor, waitHealthy } from './lib/stack.mjs';

const run = promisify(execFile);
const stackSh = path.join(repoRoot, 'scripts/stack.sh');
const dest = mkdtempSync(path.join(os.tmpdir(), 'ems-install-'));

function filesUnder(root) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(`/${path.relative(root, p)}`);
    }
  };
  walk(root);
  return out.sort();
}

const repoFiles = (dir, ext) => readdirSync(path.join(repoRoot, dir)).filter((n) => n.endsWith(ext)).map((n) => `${dir}/${n}`);

after(async () => {
  await run('bash', [stackSh, 'pool-start', stackDir()]).catch(() => {});
  await waitHealthy();
});

test('make install DESTDIR: exactly the listed files, paths of the prefix in the units, snippet and example config', async () => {
  await run('make', ['--no-print-directory', '-C', repoRoot, 'install', `DESTDIR=${dest}`, 'PREFIX=/usr/local', 'SYSCONFDIR=/etc'],
    { maxBuffer: 16 << 20 });
  const share = '/usr/local/share/ems';
  const expected = [
    '/usr/local/bin/ems-fcgi', '/usr/local/bin/ems-admin',
    ...repoFiles('views', '.mustache').map((f) => `${share}/${f}`),
    ...readdirSync(path.join(repoRoot, 'static')).map((n) => `${share}/static/${n}`),
    ...['ems-site.conf', 'ems-limits.conf', 'ems-limit-req.conf', 'ems-security-headers.conf'].map((n) => `${share}/nginx/${n}`),
    ...repoFiles('nginx/errors', '.html').map((f) => `${share}/${f}`),
    `${share}/scripts/migrate_to_file_storage`,
    '/usr/local/lib/systemd/system/ems.service', '/usr/local/lib/systemd/system/ems-backup.service',
    '/usr/local/lib/systemd/system/ems-backup.timer', '/usr/local/lib/systemd/system/ems-digest.service',
    '/usr/local/lib/systemd/system/ems-digest.timer',
    '/etc/logrotate.d/ems', '/etc/ems/ems.conf.example',
    '/usr/local/share/doc/ems/README.md', ...repoFiles('docs', '.md').map((f) => `/usr/local/share/doc/ems/${f}`),
  ].sort();
  assert.deepEqual(filesUnder(dest), expected);
  const unit = readFileSync(path.join(dest, 'usr/local/lib/systemd/system/ems.service'), 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/local\/bin\/ems-fcgi -c \/etc\/ems\/ems.conf$/m);
  assert.match(readFileSync(path.join(dest, 'usr/local/lib/systemd/system/ems-digest.service'), 'utf8'),
    /^ExecStart=\/usr\/local\/bin\/ems-admin -c \/etc\/ems\/ems.conf send-digests$/m);
  assert.doesNotMatch(unit + readFileSync(path.join(dest, 'usr/local/share/ems/nginx/ems-site.conf'), 'utf8'), /\/opt\/ems/);
  assert.match(readFileSync(path.join(dest, 'etc/ems/ems.conf.example'), 'utf8'), /^views_dir = \/usr\/local\/share\/ems\/views$/m);
  assert.equal(statSync(path.join(dest, 'usr/local/bin/ems-fcgi')).mode & 0o777, 0o755);
});

test('the installed ems-fcgi, with the installed views, serves the sign-in page through the stack\'s nginx', async () => {
  await run('bash', [stackSh, 'pool-stop', stackDir()]);
  const pool = spawn(path.join(dest, 'usr/local/bin/ems-fcgi'), ['-c', stackEnv().CONF], {
    env: { ...process.env, EMS_VIEWS_DIR: path.join(dest, 'usr/local/share/ems/views'), EMS_STATIC_DIR: path.join(dest, 'usr/local/share/ems/static') },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => pool.on('exit', resolve));
  try {
    await waitHealthy();
    const page = await client().get('/auth/login');
    assert.equal(page.status, 200);
    assert.match(page.text, /<form[^>]+action="\/auth\/login"/);
  } finally {
    pool.kill('SIGTERM');
    await exited;
  }
  await waitFor(async () => {
    try { return (await client().get('/health')).status !== 200; } catch { return true; }
  }, { what: 'the installed pool to be gone' });
});
