// Database faults and what they must never cost: connections killed
// server-side (KILL CONNECTION) during event creation, sign-up and
// registration; events created or edited with the PHP contract's fields
// only; events whose settings file is missing or damaged.
//
// The killer runs inside MariaDB as the superuser: a loop that every few
// milliseconds kills, with some probability, the ems user's connections
// that are running one of the given statements or sit idle inside an open
// transaction (the worker is writing a file or hashing a password). Each
// test stops it in a finally block, so the shared stack is left as found.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { binPath, client, csrfFrom, repoRoot, sql, stackDir, stackEnv, waitFor } from './lib/stack.mjs';
import {
  countOf, createEvent, eventFields, eventFile, flashAfter, participantsOf, postForm, q, signedInClients,
  storageRoot, unique,
} from './lib/fixtures.mjs';

const run = promisify(execFile);
const stackSh = path.join(repoRoot, 'scripts/stack.sh');
const UNAVAILABLE = 'Registration is unavailable for this event right now: its settings need attention from the organizer.';

// ---- the killer ------------------------------------------------------------

function killerSql({ statements, idleInTransaction, probability }) {
  const like = statements.map((s) => `p.INFO LIKE ${q(`${s}%`)}`);
  if (idleInTransaction) {
    like.push(`(p.COMMAND = 'Sleep' AND p.ID IN (SELECT trx_mysql_thread_id FROM information_schema.INNODB_TRX))`);
  }
  const user = stackEnv().DB_USER || 'ems';
  // A time bound as a safety net; the test kills this connection when done.
  return `SELECT CONNECTION_ID()$$
BEGIN NOT ATOMIC
  DECLARE stop_at DATETIME DEFAULT NOW() + INTERVAL 300 SECOND;
  WHILE NOW() < stop_at DO
    FOR r IN (SELECT p.ID AS id FROM information_schema.PROCESSLIST p
              WHERE p.USER = ${q(user)} AND p.ID <> CONNECTION_ID() AND (${like.join(' OR ')})) DO
      IF RAND() < ${probability} THEN
        BEGIN
          DECLARE CONTINUE HANDLER FOR SQLEXCEPTION BEGIN END;
          KILL CONNECTION r.id;
        END;
      END IF;
    END FOR;
    DO SLEEP(0.001);
  END WHILE;
END$$`;
}

async function startKiller(options) {
  const child = spawn('bash', [stackSh, 'admin-sql', stackDir(), '--batch', '--skip-column-names', '--unbuffered',
    '--delimiter=$$', '-e', killerSql(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const id = await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`killer exited: ${err}`);
    return out.match(/^(\d+)\n/)?.[1];
  }, { timeoutMs: 15000, what: 'the killer connection id' });
  return {
    async stop() {
      await run('bash', [stackSh, 'admin-sql', stackDir(), '-e', `KILL CONNECTION ${Number(id)}`]).catch(() => {});
      await exited;
      if (/ERROR/.test(err) && !/Lost connection|killed|server has gone away/i.test(err)) throw new Error(`killer failed: ${err}`);
    },
  };
}

async function killsSoFar() {
  const { stdout } = await run('bash', [stackSh, 'admin-sql', stackDir(), '-N', '-B', '-e', "SHOW GLOBAL STATUS LIKE 'Com_kill'"]);
  return Number(stdout.trim().split('\t')[1]);
}

// Runs fn with the killer on; resolves to [fn's result, KILLs it ran].
async function withKiller(options, fn) {
  const before = await killsSoFar();
  const killer = await startKiller(options);
  let result;
  try {
    result = await fn();
  } finally {
    await killer.stop();
  }
  return [result, await killsSoFar() - before - 1];  // minus the one that stopped the killer
}

// Rounds of withKiller until it has killed at least once (a kill depends on
// the killer catching a statement in flight: on a slow, e.g. sanitizer,
// build a round can pass without one). Resolves to [every round's results,
// kills].
async function untilKilled(options, round, maxRounds = 6) {
  const all = [];
  let kills = 0;
  for (let r = 0; r < maxRounds && kills === 0; r++) {
    const [results, k] = await withKiller(options, round);
    all.push(...results);
    kills += k;
  }
  return [all, kills];
}

// ---- helpers ----------------------------------------------------------------

function formTokenFrom(html) {
  const m = html.match(/<input\b[^>]*\bname="form_token"[^>]*\bvalue="([^"]*)"/) ??
    html.match(/<input\b[^>]*\bvalue="([^"]*)"[^>]*\bname="form_token"/);
  return m ? m[1] : undefined;
}

// Runs fn(i) for i in [0, n) with `lanes` in flight.
async function inLanes(n, lanes, fn) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}

async function tryRequest(fn) {
  try {
    return await fn();
  } catch (e) {
    return { status: 0, text: String(e) };
  }
}

const flashType = (c) => {
  const v = c.jar.get('ems_flash');
  return v ? decodeURIComponent(v.replace(/\+/g, ' ')).split(':')[0] : null;
};
const flashText = (c) => {
  const v = c.jar.get('ems_flash');
  return v ? decodeURIComponent(v.replace(/\+/g, ' ')).replace(/^(success|error):/, '') : null;
};

function adminCheck(...args) {
  const dir = stackDir();
  return run(binPath('ems-admin'), ['-c', path.join(dir, 'ems.conf'), 'check', ...args])
    .then((r) => ({ code: 0, ...r }), (e) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
}

function validSettings(file) {
  const s = file?.settings;
  return !!s && typeof s === 'object' && typeof s.registration_open === 'boolean' &&
    typeof s.require_approval === 'boolean' && (s.max_participants === null || Number.isInteger(s.max_participants));
}

// ---- connection killed during event creation ------------------------------

test('connection killed during event create: no duplicate, no row without its file, one event per token', async () => {
  const [org] = await signedInClients(1);
  const N = 60;
  const names = Array.from({ length: N }, () => unique('Killed create '));
  const [results, kills] = await withKiller({
    statements: ['INSERT INTO events', 'INSERT INTO ems_event_keys', 'INSERT INTO ems_idempotency',
      'UPDATE ems_idempotency', 'SELECT eventid', 'COMMIT'],
    idleInTransaction: true,
    probability: 0.35,
  }, () => inLanes(N, 4, async (i) => {
    const page = await tryRequest(() => org.get('/events/create'));
    const token = page.status === 200 ? formTokenFrom(page.text) : undefined;
    const fields = eventFields({ eventname: names[i], form_token: token });
    if (token === undefined) delete fields.form_token;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const res = await tryRequest(() => postForm(org, '/events/create', fields));
      if (res.status === 302 || attempts === 2) return { acked: res.status === 302, attempts, token };
    }
  }));
  assert.ok(kills > 0, 'the killer hit no create: the test proved nothing');

  const rows = await sql(`SELECT eventid, eventname, eventkey FROM events WHERE eventcreator = ${q(org.user.uid)}`);
  const dupKeys = await sql(`SELECT eventkey, COUNT(*) FROM events WHERE eventcreator = ${q(org.user.uid)}
    GROUP BY eventkey HAVING COUNT(*) > 1`);
  assert.deepEqual(dupKeys, [], 'two events share a key');
  const byName = new Map();
  for (const [id, name] of rows) byName.set(name, [...(byName.get(name) ?? []), id]);
  for (const [name, ids] of byName) assert.equal(ids.length, 1, `one attempt (one token) made ${ids.length} events: ${name}`);
  for (const [id] of rows) assert.ok(validSettings(eventFile(id)), `event ${id} has no valid settings file`);
  results.forEach((r, i) => {
    if (!r.acked) return;
    const ids = byName.get(names[i]);
    assert.ok(ids, `acknowledged create ${names[i]} is missing`);
    assert.ok(validSettings(eventFile(ids[0])), `acknowledged event ${ids[0]} has no settings file`);
  });
  const keyRows = await sql(`SELECT COUNT(*) FROM events e JOIN ems_event_keys k ON k.eventid = e.eventid
    WHERE e.eventcreator = ${q(org.user.uid)} AND k.eventkey = e.eventkey`);
  assert.equal(Number(keyRows[0][0]), rows.length, 'every event has its key in ems_event_keys');
});

// ---- connection killed during sign-up --------------------------------------

test('connection killed during sign-up: one account per e-mail, every acknowledged sign-up can sign in', async () => {
  const N = 24;
  const password = 'Passw0rd!killed';
  const [results, kills] = await untilKilled({
    statements: ['INSERT INTO user_credentials', 'INSERT INTO ems_user_emails', 'INSERT INTO ems_idempotency',
      'UPDATE ems_idempotency', 'COMMIT'],
    idleInTransaction: true,
    probability: 0.35,
  }, () => inLanes(N, 4, async (i) => {
    const email = `${unique('killed')}@example.test`;
    const c = client();
    const page = await tryRequest(() => c.get('/auth/register'));
    if (page.status !== 200) return { email, acked: false, attempts: 0 };
    const fields = {
      csrf_token: csrfFrom(page.text), fname: 'Killed', mname: '', lname: `Signup ${i}`, email,
      password, confirm_password: password,
    };
    const token = formTokenFrom(page.text);
    if (token !== undefined) fields.form_token = token;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const res = await tryRequest(() => c.post('/auth/register', fields));
      if (res.status === 302 || attempts === 2) {
        return { email, acked: res.status === 302 && res.location === '/dashboard', attempts, status: res.status, text: res.text };
      }
    }
  }));
  assert.ok(kills > 0, 'the killer hit no sign-up in 6 rounds: the test proved nothing');
  const emails = results.map((r) => r.email);
  for (const [i, email] of emails.entries()) {
    const [[n]] = await sql(`SELECT COUNT(*) FROM user_credentials WHERE email = ${q(email)}`);
    assert.ok(Number(n) <= 1, `${email} has ${n} accounts`);
    if (results[i].acked) assert.equal(Number(n), 1, `acknowledged sign-up ${email} has no account`);
    const r = results[i];
    if (r.attempts === 2 && !r.acked) assert.doesNotMatch(r.text ?? '', /Email already exists/, 'a retry of a committed sign-up must not say "Email already exists"');
  }
  for (const [i, email] of emails.entries()) {
    if (!results[i].acked) continue;
    const c = client();
    const page = await c.get('/auth/login');
    const res = await c.post('/auth/login', { csrf_token: csrfFrom(page.text), email, password });
    assert.equal(res.status, 302, `acknowledged ${email} cannot sign in: ${res.status}`);
    assert.equal(res.location, '/dashboard');
  }
});

test('the same e-mail signed up 8 times at once: one account, the rest "Email already exists", never a 500', async () => {
  const email = `${unique('twice')}@example.test`;
  // The password hashes are bounded per host: a sign-up that finds every
  // slot taken gets 503 with Retry-After, and a person sends the form again.
  const results = await Promise.all(Array.from({ length: 8 }, async () => {
    for (;;) {
      const c = client();
      const page = await c.get('/auth/register');
      const fields = { csrf_token: csrfFrom(page.text), fname: 'Twice', mname: '', lname: 'Person', email,
        password: 'Passw0rd!', confirm_password: 'Passw0rd!' };
      const token = formTokenFrom(page.text);
      if (token) fields.form_token = token;
      const r = await c.post('/auth/register', fields);
      if (r.status !== 503) return r;
      assert.ok(r.headers.get('retry-after'), 'a busy answer says when to try again');
    }
  }));
  assert.equal(results.filter((r) => r.status === 302).length, 1, results.map((r) => r.status).join(','));
  for (const r of results.filter((x) => x.status !== 302)) {
    assert.equal(r.status, 422);
    assert.match(r.text, /Email already exists/);
  }
  const [[n]] = await sql(`SELECT COUNT(*) FROM user_credentials WHERE email = ${q(email)}`);
  assert.equal(Number(n), 1);
  const upper = await (async () => {
    const c = client();
    const page = await c.get('/auth/register');
    return c.post('/auth/register', { csrf_token: csrfFrom(page.text), fname: 'Twice', mname: '', lname: 'Upper',
      email: email.toUpperCase(), password: 'Passw0rd!', confirm_password: 'Passw0rd!' });
  })();
  assert.equal(upper.status, 422, 'e-mails are unique case-insensitively, as PHP looked them up');
});

test('a double-submitted sign-up form returns the first result', async () => {
  const c = client();
  const page = await c.get('/auth/register');
  const token = formTokenFrom(page.text);
  assert.match(token ?? '', /^[0-9a-f]{32}$/, 'the sign-up form carries a 128-bit form_token');
  const email = `${unique('double')}@example.test`;
  const fields = { csrf_token: csrfFrom(page.text), form_token: token, fname: 'Double', mname: '', lname: 'Submit',
    email, password: 'Passw0rd!', confirm_password: 'Passw0rd!' };
  const c2 = client();
  for (const [k, v] of c.jar) c2.jar.set(k, v);
  const first = await c.post('/auth/register', fields);
  const second = await c2.post('/auth/register', fields);
  assert.equal(first.status, 302);
  assert.equal(second.status, 302, `second submit: ${second.status} ${second.text.slice(0, 200)}`);
  assert.equal(second.location, first.location);
  assert.equal((await c2.get('/dashboard')).status, 200, 'the second submit is signed in too');
  const [[n]] = await sql(`SELECT COUNT(*) FROM user_credentials WHERE email = ${q(email)}`);
  assert.equal(Number(n), 1);
});

// ---- connection killed during registration ---------------------------------

test('connection killed during registration: every acknowledged registration is in the file, nobody registered sees an error', async () => {
  const [org] = await signedInClients(1);
  const ev = await createEvent(org);
  const crowd = await signedInClients(40);
  const [results, kills] = await withKiller({
    statements: ['UPDATE events SET participantcount', 'UPDATE user_credentials SET attendedevents', 'COMMIT',
      'SELECT attendedevents'],
    idleInTransaction: true,
    probability: 0.35,
  }, () => inLanes(crowd.length, 4, async (i) => {
    const c = crowd[i];
    const flashes = [];
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      c.jar.delete('ems_flash');
      const res = await tryRequest(() => postForm(c, `/events/register/${ev.key}`));
      flashes.push(res.status === 302 ? { type: flashType(c), text: flashText(c) } : { type: 'status', text: String(res.status) });
      if (res.status === 302) break;
    }
    return flashes;
  }));
  assert.ok(kills > 0, 'the killer hit no registration: the test proved nothing');
  const list = await participantsOf(org, ev.id);
  const inFile = new Set(list.map((p) => String(p.uid)));
  results.forEach((flashes, i) => {
    const last = flashes[flashes.length - 1];
    const acked = last.type === 'success';
    if (acked) assert.ok(inFile.has(String(crowd[i].user.uid)), `acknowledged registration of ${crowd[i].user.uid} lost`);
    if (inFile.has(String(crowd[i].user.uid))) {
      for (const f of flashes) assert.notEqual(f.type, 'error', `registered user ${crowd[i].user.uid} saw the error "${f.text}"`);
    }
  });
  // Everyone in the file who tries again is told so, as a success.
  for (const c of crowd.filter((x) => inFile.has(String(x.user.uid)))) {
    const { flash, page } = await flashAfter(c, await postForm(c, `/events/register/${ev.key}`));
    assert.equal(flash, 'You are already registered for this event');
    assert.match(page.text, /class="flash flash-success"/);
  }
  const check = await adminCheck('--repair');
  assert.ok(check.code === 0 || check.code === 1, `check --repair: ${check.code} ${check.stderr}`);
  assert.equal(await countOf(ev.id), list.length, 'participantcount equals the file after check --repair');
});

// ---- absent means default ---------------------------------------------------

test('an event created with the contract fields only is open; the ems form sends every setting', async () => {
  const [org, guest] = await signedInClients(2);
  const name = unique('Contract only ');
  const res = await postForm(org, '/events/create', {
    eventname: name, startdate: '2030-05-01T09:00', enddate: '2030-05-01T17:00', location: 'Hall A', eventshortinfo: 'x',
  });
  assert.equal(res.status, 302);
  const [[id, key]] = await sql(`SELECT eventid, eventkey FROM events WHERE eventname = ${q(name)}`);
  assert.deepEqual(eventFile(id).settings, { registration_open: true, max_participants: null, require_approval: false });
  const reg = await flashAfter(guest, await postForm(guest, `/events/register/${key}`));
  assert.equal(reg.flash, `Successfully registered for ${name}`);

  const form = await org.get('/events/create');
  assert.match(form.text, /<input type="hidden" name="registration_open" value="0">\s*<input id="registration_open"/);
  assert.match(form.text, /<input type="hidden" name="require_approval" value="0">\s*<input id="require_approval"/);
  const closedName = unique('Unchecked ');
  const pairs = Object.entries(eventFields({ eventname: closedName, registration_open: '0' }));
  pairs.push(['require_approval', '0'], ['require_approval', '1'], ['csrf_token', org.csrf]);
  assert.equal((await org.post('/events/create', pairs)).status, 302);
  const [[closedId]] = await sql(`SELECT eventid FROM events WHERE eventname = ${q(closedName)}`);
  assert.deepEqual(eventFile(closedId).settings, { registration_open: false, max_participants: null, require_approval: true },
    'hidden 0 then checkbox 1: the last value wins');
});

test('editing a PHP-created event with the contract fields only keeps its settings', async () => {
  const [org] = await signedInClients(1);
  const key = unique('').slice(-8).toUpperCase().replace(/[^0-9A-F]/g, 'A').padEnd(8, 'B');
  const name = unique('PHP made ');
  await sql(`INSERT INTO events (participantcount, startdate, enddate, eventinfopath, location, eventname, eventcreator,
    eventkey, eventshortinfo) VALUES (0, '2030-06-01 09:00:00', '2030-06-01 17:00:00', '', 'Old hall', ${q(name)},
    ${q(org.user.uid)}, ${q(key)}, 'old')`);
  const [[id]] = await sql(`SELECT eventid FROM events WHERE eventname = ${q(name)}`);
  // As PHP's json_encode(JSON_PRETTY_PRINT) wrote it, the cap as the string its form stored.
  const php = `{\n    "eventid": "${id}",\n    "eventname": "${name}",\n    "startdate": "2030-06-01 09:00:00",\n` +
    `    "enddate": "2030-06-01 17:00:00",\n    "location": "Old hall",\n    "eventshortinfo": "old",\n` +
    `    "eventcreator": ${org.user.uid},\n    "eventkey": "${key}",\n    "eventbadgepath": "eventbadges\\/default.png",\n` +
    `    "eventinfopath": "",\n    "created_at": "2026-01-01 10:00:00",\n    "last_updated": "2026-01-01 10:00:00",\n` +
    `    "settings": {\n        "registration_open": false,\n        "max_participants": "50",\n` +
    `        "require_approval": true\n    }\n}`;
  writeFileSync(path.join(storageRoot(), 'events', `${id}.json`), php);
  const res = await postForm(org, `/events/edit/${id}`, {
    eventname: `${name} (edited)`, startdate: '2030-06-01T09:00', enddate: '2030-06-01T18:00', location: 'New hall',
    eventshortinfo: 'new',
  });
  assert.equal(res.status, 302, res.text.slice(0, 300));
  const file = eventFile(id);
  assert.equal(file.eventname, `${name} (edited)`);
  assert.equal(file.settings.registration_open, false);
  assert.equal(Number(file.settings.max_participants), 50);
  assert.equal(file.settings.require_approval, true);
});

// ---- fail closed on settings ------------------------------------------------

test('an event whose settings file is missing or damaged refuses registration and never exceeds its cap', async () => {
  const [org, ...guests] = await signedInClients(7);
  for (const damage of ['missing', 'ten']) {
    const ev = await createEvent(org, { max_participants: '3' });
    const file = path.join(storageRoot(), 'events', `${ev.id}.json`);
    if (damage === 'missing') rmSync(file);
    else writeFileSync(file, JSON.stringify({ ...eventFile(ev.id), settings: { registration_open: true, max_participants: 'ten', require_approval: false } }, null, 4));
    const page = await guests[0].get(`/events/register/${ev.key}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(UNAVAILABLE.replace(/'/g, '&#39;')) || page.text.includes(UNAVAILABLE), `${damage}: the register page explains`);
    for (const g of guests) {
      const { flash } = await flashAfter(g, await postForm(g, `/events/register/${ev.key}`));
      assert.equal(flash, UNAVAILABLE, `${damage}: ${flash}`);
    }
    assert.equal((await participantsOf(org, ev.id)).length, 0, `${damage}: nobody got in`);
    // The organizer can open the edit form and saving it writes a valid file.
    assert.equal((await org.get(`/events/edit/${ev.id}`)).status, 200);
    const saved = await postForm(org, `/events/edit/${ev.id}`, eventFields({ eventname: ev.name, max_participants: '3' }));
    assert.equal(saved.status, 302);
    assert.ok(validSettings(eventFile(ev.id)), `${damage}: the edit rewrote a valid file`);
    let ok = 0;
    for (const g of guests) {
      const { flash } = await flashAfter(g, await postForm(g, `/events/register/${ev.key}`));
      if (flash === `Successfully registered for ${ev.name}`) ok += 1;
    }
    assert.equal(ok, 3, `${damage}: after the repair, exactly the cap`);
    assert.ok(existsSync(file));
  }
});

// ---- idempotency keys -------------------------------------------------------

test('a double-submitted create form makes one event; the API honours Idempotency-Key', async () => {
  const [org] = await signedInClients(1);
  const page = await org.get('/events/create');
  const token = formTokenFrom(page.text);
  assert.match(token ?? '', /^[0-9a-f]{32}$/, 'the create form carries a 128-bit form_token');
  assert.notEqual(formTokenFrom((await org.get('/events/create')).text), token, 'fresh on each render');
  const name = unique('Double create ');
  const fields = eventFields({ eventname: name, form_token: token });
  const [a, b] = await Promise.all([postForm(org, '/events/create', fields), postForm(org, '/events/create', fields)]);
  assert.equal(a.status, 302);
  assert.equal(b.status, 302);
  const third = await flashAfter(org, await postForm(org, '/events/create', fields));
  assert.equal(third.flash, 'Event created successfully!');
  const [[n, id]] = await sql(`SELECT COUNT(*), MIN(eventid) FROM events WHERE eventname = ${q(name)}`);
  assert.equal(Number(n), 1);
  // Every answer lands on the one event's manage page.
  for (const res of [a, b, third]) assert.equal(res.location, `/events/manage/${id}`);

  const apiName = unique('API create ');
  const body = { eventname: apiName, startdate: '2030-05-01T09:00', enddate: '2030-05-01T17:00', location: 'Hall B' };
  const post = (k) => org.request('POST', '/api/events', {
    body: JSON.stringify(body),
    headers: { accept: 'application/json', 'content-type': 'application/json', ...(k ? { 'idempotency-key': k } : {}) },
  });
  const idem = unique('key-');
  const first = await post(idem);
  assert.equal(first.status, 201, first.text);
  const again = await post(idem);
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.json(), first.json());
  assert.deepEqual(first.json().settings, { registration_open: true, max_participants: null, require_approval: false,
    listed: false, registration_opens: null, registration_closes: null, close_at_start: false });
  const [[m]] = await sql(`SELECT COUNT(*) FROM events WHERE eventname = ${q(apiName)}`);
  assert.equal(Number(m), 1);
  assert.equal((await post('bad key with spaces')).status, 400);
  const wrong = await org.request('POST', '/api/events', {
    body: JSON.stringify({ ...body, eventname: unique('Wrong '), max_participants: 'ten', registration_open: 'yes' }),
    headers: { accept: 'application/json', 'content-type': 'application/json' },
  });
  assert.equal(wrong.status, 422);
  assert.ok(wrong.json().fields.max_participants);
  assert.ok(wrong.json().fields.registration_open);
});

// ---- migration without a named lock ---------------------------------------

test('four starters migrate one database at once; legacy duplicates: the lowest uid / eventid wins', async () => {
  const db = `ems_migr_${unique('').replace(/[^a-z0-9]/g, '')}`;
  await sql(`CREATE DATABASE ${db}`);
  try {
    await sql(`CREATE TABLE ${db}.user_credentials LIKE user_credentials; CREATE TABLE ${db}.events LIKE events;
      INSERT INTO ${db}.user_credentials (uid, email, password) VALUES (7, 'dup@example.test', 'x'), (3, 'DUP@example.test', 'y'),
        (5, 'solo@example.test', 'z');
      INSERT INTO ${db}.events (eventid, participantcount, eventkey) VALUES (9, 0, 'AAAA0001'), (4, 0, 'AAAA0001'), (6, 0, 'BBBB0002')`);
    const conf = path.join(stackDir(), 'ems.conf');
    const env = { ...process.env, EMS_DB_NAME: db };
    const runs = await Promise.all(Array.from({ length: 4 }, () =>
      run(binPath('ems-admin'), ['-c', conf, 'migrate-schema'], { env })
        .then((r) => ({ code: 0, out: r.stdout }), (e) => ({ code: e.code, out: `${e.stdout}${e.stderr}` }))));
    for (const r of runs) assert.equal(r.code, 0, r.out);
    const versions = (await sql(`SELECT version FROM ${db}.ems_schema_migrations ORDER BY version`)).map(([v]) => Number(v));
    assert.deepEqual(versions, versions.map((_, i) => i + 1), 'each migration applied once, none skipped');
    assert.ok(versions.length >= 3);
    assert.deepEqual(await sql(`SELECT email, uid FROM ${db}.ems_user_emails ORDER BY email`),
      [['DUP@example.test', '3'], ['solo@example.test', '5']], 'uid 3 wins, with its own spelling');
    assert.deepEqual(await sql(`SELECT eventkey, eventid FROM ${db}.ems_event_keys ORDER BY eventkey`),
      [['AAAA0001', '4'], ['BBBB0002', '6']]);
    // The check the lead's `ems-admin check` runs to report them:
    assert.deepEqual(await sql(`SELECT u.email, CAST(u.uid AS CHAR) FROM ${db}.user_credentials u
      JOIN ${db}.ems_user_emails m ON m.email = u.email WHERE m.uid <> CAST(u.uid AS CHAR) ORDER BY u.uid`),
    [['dup@example.test', '7']]);
    assert.deepEqual(await sql(`SELECT e.eventid, e.eventkey FROM ${db}.events e
      LEFT JOIN ${db}.ems_event_keys k ON k.eventkey = e.eventkey WHERE k.eventid IS NULL OR k.eventid <> e.eventid`),
    [['9', 'AAAA0001']]);
  } finally {
    await sql(`DROP DATABASE IF EXISTS ${db}`);
  }
});
