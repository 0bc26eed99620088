// Faults give fast, clear answers and the site recovers by itself (issue #9):
// a damaged participant list, a held event row lock, a frozen MariaDB, a
// read-only or full storage, SIGTERM with requests queued, workers killed
// every 100 ms during creates and registrations.
//
// Each test damages the shared stack and restores it in `finally`, whatever
// the outcome, so the order of files and tests does not matter. Timeouts
// come from the EMS_DB_* settings that scripts/test.sh exports (the config
// defaults otherwise).
import test from 'node:test';
import { checkJson, problemsAbout } from './lib/admin.mjs';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { binPath, client, mountAllowed, poolPid, poolStart, processAlive, readLog, repoRoot, sleep, sql, stackDir, stackEnv, waitFor, waitHealthy, workerPids } from './lib/stack.mjs';
import { countOf, createEvent, participantsOf, postForm, q, signedInClients, storageRoot, unique } from './lib/fixtures.mjs';

const run = promisify(execFile);
const stackSh = path.join(repoRoot, 'scripts/stack.sh');
const stack = (cmd, ...args) => run('bash', [stackSh, cmd, stackDir(), ...args]);
const seconds = (name, fallback) => Number(process.env[`EMS_${name}`] ?? fallback);
const connectTimeout = seconds('DB_CONNECT_TIMEOUT', 3);
const readTimeout = seconds('DB_READ_TIMEOUT', 10);
const lockWait = seconds('DB_LOCK_WAIT_TIMEOUT', 5);

const MESSAGES = {
  list: /This event(&apos;|&#39;|')s participant list needs attention/,
  storage: /The site cannot save changes right now\. Please try again later\./,
  db: /The site cannot reach its database right now\. Please try again in a minute\./,
  busy: /This event is busy right now\. Please try again in a moment\./,
};
const INTERNALS = /MariaDB|mysql|SELECT |\/tmp\/|storage\/|participants\/\d|\.json|errno|Read-only file system|No space/i;

// A 503 that says what is wrong and nothing internal, with Retry-After and an error id.
function assertClear503(res, message, what) {
  assert.equal(res.status, 503, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
  assert.match(res.text, message, what);
  assert.ok(Number(res.headers.get('retry-after')) > 0, `${what}: Retry-After`);
  assert.match(res.text, /Error id|error_id/, `${what}: error id`);
  assert.doesNotMatch(res.text, INTERNALS, `${what}: no internals`);
}

async function timed(promise) {
  const t0 = Date.now();
  const value = await promise;
  return { value, ms: Date.now() - t0 };
}

// The flash the app set for the next page, from the cookie jar.
function flashCookie(c) {
  const v = c.jar.get('ems_flash');
  return v ? decodeURIComponent(v.replace(/\+/g, ' ')).replace(/^(success|error):/, '') : null;
}

async function register(c, ev) {
  const res = await postForm(c, `/events/register/${ev.key}`);
  return { res, ok: res.status === 302 && flashCookie(c) === `Successfully registered for ${ev.name}` };
}


// ---- a damaged participant list ------------------------------------------------

test('a corrupt participants file: that event answers a clear 503, its participants\' dashboards and other events work', async () => {
  const [org, alice, bob] = await signedInClients(3);
  const ev = await createEvent(org);
  const other = await createEvent(org);
  assert.ok((await register(alice, ev)).ok);
  assert.ok((await register(alice, other)).ok);
  // Everything in the JSON file, no journal: restoring its bytes restores the list.
  await run(binPath('ems-admin'), ['compact', '--event', ev.id, '--storage', storageRoot()]);
  const file = path.join(storageRoot(), 'participants', `${ev.id}.json`);
  const original = readFileSync(file);
  const logBefore = readLog().length;
  writeFileSync(file, '{"1": {"uid": 1, "name": "half a reco');
  try {
    const manage = await org.get(`/events/manage/${ev.id}`);
    assertClear503(manage, MESSAGES.list, 'manage page');
    const id = manage.text.match(/Error id: <code>([0-9a-f]+)<\/code>/)?.[1];
    assert.ok(id, 'the page shows its error id');
    const logged = readLog().slice(logBefore).split('\n').filter((l) => l.includes(`error_id=${id}`));
    assert.equal(logged.length, 1, 'the cause is logged once');
    assert.match(logged[0], new RegExp(`participants/${ev.id}\\.json`), 'the log names the file');

    assertClear503((await register(bob, ev)).res, MESSAGES.list, 'registration');
    const api = await org.json('GET', `/api/events/${ev.id}/participants`);
    assert.equal(api.status, 503);
    assert.match(api.json().error, /participant list needs attention/);

    const dash = await alice.get('/dashboard');
    assert.equal(dash.status, 200, 'the dashboard of a participant of the damaged event');
    assert.ok(dash.text.includes(ev.name) && dash.text.includes(other.name));
    assert.match(dash.text, /Status unavailable/);
    assert.equal((await alice.get('/dashboard/badges')).status, 200);
    assert.ok((await register(bob, other)).ok, 'another event still registers');
  } finally {
    writeFileSync(file, original);
    for (const name of readdirSync(path.dirname(file))) {
      if (name.startsWith(`${ev.id}.json.corrupt-`)) rmSync(path.join(path.dirname(file), name));
    }
  }
  assert.equal((await org.get(`/events/manage/${ev.id}`)).status, 200, 'repaired by hand: the event works again');
  assert.ok((await register(bob, ev)).ok);
});

// ---- a held event row lock -----------------------------------------------------

// A mariadb client session holding the event's row lock until release().
async function holdRowLock(eventId) {
  const child = spawn('bash', [stackSh, 'sql', stackDir(), '--unbuffered', '--batch', '--skip-column-names'],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.stdin.write(`BEGIN; SELECT eventid FROM events WHERE eventid = ${Number(eventId)} FOR UPDATE; SELECT 'locked';\n`);
  await waitFor(() => out.includes('locked'), { timeoutMs: 10000, what: `the row lock on event ${eventId}` });
  return async () => {
    child.stdin.end('ROLLBACK;\n');
    await exited;
  };
}

test('a held event row lock: its registrations answer 503 "busy" within the lock wait, other pages keep working', async () => {
  const [org, alice, bob, carol] = await signedInClients(4);
  const ev = await createEvent(org);
  const release = await holdRowLock(ev.id);
  try {
    let pending = 2;
    const hot = [alice, bob].map((c) => timed(register(c, ev)).finally(() => { pending -= 1; }));
    // Two workers wait on the lock; the others answer meanwhile.
    for (let i = 0; i < 6; i++) {
      assert.equal((await carol.get(i % 2 ? '/dashboard' : '/auth/login')).status, i % 2 ? 200 : 302);
    }
    assert.ok(pending > 0, 'other pages were answered while registrations waited on the lock');
    for (const { value, ms } of await Promise.all(hot)) {
      assertClear503(value.res, MESSAGES.busy, 'registration behind a held lock');
      assert.ok(ms <= (lockWait + 2) * 1000, `answered after ${ms} ms (lock wait ${lockWait} s)`);
    }
  } finally {
    await release();
  }
  assert.ok((await register(alice, ev)).ok, 'registration works once the lock is released');
  assert.equal(await countOf(ev.id), 1);
});

// ---- a frozen MariaDB ----------------------------------------------------------

test('mariadbd frozen past the timeouts: /health and pages answer 503 in time, the login page works, recovery by itself', async () => {
  const [alice] = await signedInClients(1);
  assert.equal((await alice.get('/dashboard')).status, 200);
  const patient = client({ timeoutMs: 60000 });
  const pids = workerPids();
  await stack('db-freeze');
  try {
    const { value: health, ms } = await timed(patient.get('/health'));
    assert.equal(health.status, 503, health.text);
    assert.equal(health.json().db.ok, false);
    assert.match(health.json().db.error, /database/);
    assert.ok(ms <= (Math.max(connectTimeout, readTimeout) + 2) * 1000, `/health answered after ${ms} ms`);

    const dash = await timed(alice.get('/dashboard'));
    assertClear503(dash.value, MESSAGES.db, 'dashboard with the database frozen');
    // One reconnect attempt at most: connect + read twice.
    assert.ok(dash.ms <= (2 * (connectTimeout + readTimeout) + 2) * 1000, `dashboard answered after ${dash.ms} ms`);
    assert.equal((await client().get('/auth/login')).status, 200, 'the login page needs no database');
  } finally {
    await stack('db-thaw');
    await waitHealthy(60000);
  }
  await waitFor(async () => (await alice.get('/dashboard')).status === 200, { timeoutMs: 30000, what: 'the dashboard back' });
  assert.deepEqual(workerPids(), pids, 'no worker died for it');
});

// ---- read-only storage ---------------------------------------------------------

test('storage read-only: clear 503 for registrations, /health read-only, a replaced worker answers; then back', async (t) => {
  if (!(await mountAllowed())) return t.skip('mount is not permitted here (needs root and CAP_SYS_ADMIN)');
  const [org, alice, bob] = await signedInClients(3);
  const ev = await createEvent(org);
  const logBefore = readLog().length;
  await stack('storage-ro');
  try {
    assertClear503((await register(alice, ev)).res, MESSAGES.storage, 'registration on a read-only storage');
    const health = await client().get('/health');
    assert.equal(health.status, 503);
    assert.equal(health.json().storage, 'read-only');
    // Workers that start now must start and answer.
    const old = workerPids();
    for (const pid of old) process.kill(pid, 'SIGKILL');
    await waitFor(() => {
      const now = workerPids();
      return now.length === old.length && now.every((p) => !old.includes(p));
    }, { timeoutMs: 10000, what: 'replacement workers' });
    for (let i = 0; i < 2 * old.length; i++) assert.equal((await client().get('/auth/login')).status, 200);
    assertClear503((await register(bob, ev)).res, MESSAGES.storage, 'registration through a new worker');
    assert.equal((await client().get('/health')).json().storage, 'read-only');
    assert.doesNotMatch(readLog().slice(logBefore), /could not start/, 'no worker failed to start');
  } finally {
    await stack('storage-rw');
    await waitHealthy();
  }
  assert.ok((await register(alice, ev)).ok, 'registrations work again');
});

// ---- full storage --------------------------------------------------------------

test('storage full: /health full, a registration answers 503 and leaves nothing half-written', async (t) => {
  if (!(await mountAllowed())) return t.skip('mount is not permitted here (needs root and CAP_SYS_ADMIN)');
  const [org, alice, bob] = await signedInClients(3);
  const ev = await createEvent(org);
  const before = await createEvent(org);
  assert.ok((await register(alice, before)).ok);
  await stack('storage-fill');
  try {
    const health = await client().get('/health');
    assert.equal(health.status, 503);
    assert.equal(health.json().storage, 'full');
    assert.equal(typeof health.json().free_mb, 'number');
    assertClear503((await register(bob, ev)).res, MESSAGES.storage, 'registration on a full storage');
    // What is on the full file system still parses and holds nobody new.
    const root = storageRoot();
    for (const id of [ev.id, before.id]) {
      const file = path.join(root, 'participants', `${id}.json`);
      if (existsSync(file)) JSON.parse(readFileSync(file, 'utf8'));
      const journal = path.join(root, '.ems', 'journal', `${id}.jnl`);
      if (existsSync(journal)) {
        const text = readFileSync(journal, 'utf8');
        assert.ok(text.endsWith('\n'), `journal of ${id} ends with a whole record`);
        for (const line of text.trimEnd().split('\n')) JSON.parse(line.slice(line.indexOf(' ') + 1));
      }
    }
    const temps = readdirSync(path.join(root, 'participants')).filter((n) => n.includes('.tmp.'));
    assert.deepEqual(temps, [], 'no temporary file left behind');
    assert.deepEqual((await participantsOf(org, ev.id)).map((p) => String(p.uid)), []);
    assert.deepEqual((await participantsOf(org, before.id)).map((p) => String(p.uid)), [alice.user.uid]);
  } finally {
    await stack('storage-unfill');
    await waitHealthy();
  }
  assert.ok((await register(bob, ev)).ok, 'registrations work again');
  assert.equal(await countOf(ev.id), 1);
});

// ---- SIGTERM with queued requests ----------------------------------------------

// Connections waiting in the listen queue of the pool's socket (ss's Recv-Q).
async function queued() {
  const { stdout } = await run('ss', ['-xlH']);
  const sock = stackEnv().POOL_SOCKET;
  const line = stdout.split('\n').find((l) => l.includes(` ${sock} `));
  return line ? Number(line.trim().split(/\s+/)[2]) : 0;
}

test('SIGTERM with requests queued: every accepted request is answered, none reset', async () => {
  const master = poolPid();
  const workers = workerPids().length;
  assert.equal(workers, 4, 'the stack runs 4 workers');
  const total = 4 * workers;
  const logBefore = readLog().length;
  const started = () => (readLog().slice(logBefore).match(/test_sleep: start/g) ?? []).length;
  const requests = Array.from({ length: total }, () => client({ timeoutMs: 60000 })
    .get('/_test/sleep?ms=300').then((r) => r.status, (e) => `failed: ${e.message}`));
  let waiting = 0;
  try {
    // Every worker busy and every other request in the socket's queue.
    await waitFor(async () => {
      waiting = await queued();
      return started() >= workers && started() + waiting >= total;
    }, { timeoutMs: 20000, intervalMs: 5, what: `${workers} busy workers and the rest queued` });
    process.kill(master, 'SIGTERM');
    const statuses = await Promise.all(requests);
    assert.deepEqual(statuses, Array(total).fill(200), `statuses (${waiting} were queued at SIGTERM)`);
    await waitFor(() => !processAlive(master), { timeoutMs: 40000, what: 'the master to exit' });
  } finally {
    await Promise.allSettled(requests);
    if (!poolPid()) await poolStart();
    await waitHealthy();
  }
  assert.notEqual(poolPid(), master);
});

// ---- workers that cannot start -------------------------------------------------

test('workers that cannot start: the master backs off and logs once, then recovers', async () => {
  // A second pool of its own (socket, pid file, logs, views), so breaking
  // its workers leaves the shared stack alone.
  const dir = stackDir();
  const tag = `backoff-${process.pid}`;
  const views = path.join(dir, 'tmp', `${tag}-views`);
  const logDir = path.join(dir, 'log', tag);
  await run('cp', ['-r', path.join(repoRoot, 'views'), views]);
  const env = {
    ...process.env, EMS_LISTEN: `unix:${dir}/run/${tag}.sock`, EMS_PID_FILE: `${dir}/run/${tag}.pid`,
    EMS_VIEWS_DIR: views, EMS_LOG_DIR: logDir, EMS_WORKERS: '2',
  };
  const pool = spawn(binPath('ems-fcgi'), ['-c', stackEnv().CONF], { env, stdio: 'ignore' });
  const exited = new Promise((resolve) => pool.on('exit', resolve));
  const log = () => { try { return readFileSync(path.join(logDir, 'error.log'), 'utf8'); } catch { return ''; } };
  try {
    await waitFor(() => workerPids(pool.pid).length === 2, { timeoutMs: 20000, what: 'the second pool' });
    // New workers now fail in App's constructor (no views).
    await run('mv', [views, `${views}.gone`]);
    for (const pid of workerPids(pool.pid)) process.kill(pid, 'SIGKILL');
    await waitFor(() => /could not start/.test(log()), { timeoutMs: 10000, what: 'a failed start' });
    await sleep(3000);  // broken for 3 s: without a back-off, hundreds of forks
    await run('mv', [`${views}.gone`, views]);
    process.kill(pool.pid, 'SIGHUP');  // an operator's reload retries at once
    const recovered = await waitFor(() => log().match(/workers start again after (\d+) failed start/),
      { timeoutMs: 15000, what: 'the pool to recover' });
    const failures = Number(recovered[1]);
    assert.ok(failures >= 2 && failures <= 30, `${failures} failed starts in about 3 s`);
    assert.equal(log().match(/could not start/g).length, 1, 'the master logs the burst once');
    // None when the first kill found workers still starting (the sanitizer
    // build starts slowly): that kill is then the burst's first failure.
    assert.ok((log().match(/worker cannot start/g) ?? []).length <= 2, 'the workers log the cause once per burst');
    await waitFor(() => workerPids(pool.pid).length === 2, { timeoutMs: 10000, what: '2 workers back' });
  } finally {
    if (existsSync(`${views}.gone`)) await run('mv', [`${views}.gone`, views]);
    if (processAlive(pool.pid)) process.kill(pool.pid, 'SIGTERM');
    await exited;
    rmSync(views, { recursive: true, force: true });
  }
});

// ---- workers killed during creates and registrations ---------------------------

test('a worker SIGKILLed every 100 ms during creates and registrations: everything acknowledged is there once', async (t) => {
  const organizers = await signedInClients(3);
  const people = await signedInClients(60);
  const events = [];
  for (const [i, cap] of [5, 12, null, null].entries()) {
    const owner = organizers[i % organizers.length];
    const ev = await createEvent(owner, cap ? { max_participants: String(cap) } : {});
    events.push({ ...ev, cap, owner });
  }
  const created = [];     // names of acknowledged creates
  const registered = [];  // [uid, event] of acknowledged registrations
  let stop = false;
  const creators = organizers.map(async (c) => {
    while (!stop) {
      const name = unique('Storm ');
      try {
        const res = await postForm(c, '/events/create', {
          eventname: name, startdate: '2031-01-01T10:00', enddate: '2031-01-01T12:00', location: 'Room',
          eventshortinfo: 'Storm test', registration_open: '1',
        });
        if (res.status === 302 && flashCookie(c) === 'Event created successfully!') created.push(name);
      } catch { /* a killed worker's request is not acknowledged */ }
    }
  });
  // Every (person, event) pair at most once, until the kills end.
  const pairs = people.flatMap((c) => events.map((ev) => [c, ev])).sort(() => Math.random() - 0.5);
  let next = 0;
  const registrants = Array.from({ length: 6 }, async () => {
    while (!stop && next < pairs.length) {
      const [c, ev] = pairs[next++];
      try {
        if ((await register(c, ev)).ok) registered.push([c.user.uid, ev]);
      } catch { /* not acknowledged */ }
    }
  });
  // 20 kills, 100 ms apart, each of a worker that is there: on a loaded
  // machine (or the sanitizer build) the master takes longer to fork new
  // ones, so the storm waits for a worker instead of counting empty turns.
  let kills = 0;
  while (kills < 20) {
    await sleep(100);
    const pids = await waitFor(() => { const p = workerPids(); return p.length ? p : null; },
      { timeoutMs: 30000, what: 'a worker to kill' });
    try {
      process.kill(pids[Math.floor(Math.random() * pids.length)], 'SIGKILL');
      kills += 1;
    } catch { /* already gone */ }
  }
  stop = true;
  await Promise.all([...registrants, ...creators]);
  await waitFor(() => workerPids().length === 4, { timeoutMs: 15000, what: '4 workers back' });
  t.diagnostic(`${kills} kills, ${created.length} creates and ${registered.length} registrations acknowledged`);
  assert.ok(registered.length > 10 && created.length > 3, 'enough work acknowledged');

  // One query for all of them: a query per name took most of this test's time.
  const rows = await sql(`SELECT eventname, COUNT(*), MIN(eventid) FROM events WHERE eventname LIKE 'Storm %' GROUP BY eventname`);
  const byName = new Map(rows.map(([name, n, id]) => [name, { n: Number(n), id }]));
  for (const name of created) {
    const row = byName.get(name);
    assert.equal(row?.n, 1, `event "${name}" exists once`);
    assert.ok(existsSync(path.join(storageRoot(), 'events', `${row.id}.json`)), `settings file of "${name}"`);
  }
  for (const ev of events) {
    const list = (await participantsOf(ev.owner, ev.id)).map((p) => String(p.uid));
    assert.equal(new Set(list).size, list.length, `no duplicate in event ${ev.id}`);
    if (ev.cap) assert.ok(list.length <= ev.cap, `event ${ev.id}: ${list.length} over its cap ${ev.cap}`);
    for (const [uid, e] of registered) if (e === ev) assert.ok(list.includes(uid), `acknowledged ${uid} in event ${ev.id}`);
  }
  for (const [uid, ev] of registered) {
    const [[text]] = await sql(`SELECT COALESCE(attendedevents, '[]') FROM user_credentials WHERE uid = ${q(uid)}`);
    assert.ok(JSON.parse(text).map(String).includes(String(ev.id)), `attended list of ${uid} has ${ev.id}`);
  }

  // A request killed between its file write and its commit leaves drift
  // (count, attended list) or, for a create, a settings file without a row:
  // check reports them and --repair fixes them; nothing else may be found.
  // Other test files share the stack, so only this test's events and people count.
  const mine = { events: events.map((e) => e.id), users: [...people, ...organizers].map((c) => c.user.uid) };
  const repairable = new Set(['count_drift', 'attended_drift', 'orphan_files']);
  const { report } = await checkJson();
  const found = problemsAbout(report, mine).concat(report.problems.filter((p) => p.kind === 'orphan_files'));
  assert.deepEqual(found.filter((p) => !repairable.has(p.kind)), [], `only repairable findings: ${JSON.stringify(found)}`);
  await checkJson({ repair: true });
  const after = await checkJson();
  assert.deepEqual(problemsAbout(after.report, mine).concat(after.report.problems.filter((p) => p.kind === 'orphan_files')), [],
    'nothing left after --repair');
});
