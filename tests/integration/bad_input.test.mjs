// Issue 12, "Bad input": every route of handlers/routes.cpp, read from the
// file itself so a new route is walked too, gets each kind of bad input:
// overlong fields (1 MB), NUL bytes, invalid UTF-8, repeated parameters
// (`id=1&id=2`), repeated JSON keys, wrong JSON types, and extra fields
// (the bad values plus fields a client must never set: uid, eventcreator,
// emailverified...), in the query, the body and the route parameters. Each
// answer is below 500, nothing of the accounts and the event changes, and
// the error log gets no line.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { client, csrfFrom, readLog, repoRoot, sql } from './lib/stack.mjs';
import { createEvent, postForm, q, signedInClients, storageRoot } from './lib/fixtures.mjs';

// [{ method, pattern, name, access }] of every route but the test-only ones.
function routeTable() {
  const text = readFileSync(path.join(repoRoot, 'handlers/routes.cpp'), 'utf8');
  const rows = [];
  const re = /\{"(GET|POST|PATCH|DELETE|PUT)", "([^"]+)", \w+, "(\w+)", A::(\w+)(, nullptr, true)?\}/g;
  for (const m of text.matchAll(re)) {
    if (!m[5]) rows.push({ method: m[1], pattern: m[2], name: m[3], access: m[4] });
  }
  return rows;
}

// Every field name a form or the API reads, and fields no client may set.
const FIELDS = ['email', 'password', 'confirm_password', 'fname', 'mname', 'lname', 'eventname',
  'startdate', 'enddate', 'location', 'eventshortinfo', 'max_participants', 'registration_open',
  'require_approval', 'current_password', 'new_password', 'token_name', 'token_id', 'form_token',
  'name', 'id', 'page', 'per_page', 'all', 'status'];
const EXTRA = { uid: '1', eventcreator: '1', emailverified: '1', participantcount: '999', eventkey: 'AAAAAAAA', password_hash: 'x' };

const MB = 'x'.repeat(1024 * 1024);
const enc = encodeURIComponent;

// Urlencoded bodies (strings, so that raw bytes such as %FF can be sent).
const formVariants = {
  overlong: (csrf) => `csrf_token=${csrf}&${FIELDS.map((f, i) => `${f}=${i === 0 ? MB : 'x'}`).join('&')}`,
  nul: (csrf) => `csrf_token=${csrf}&${FIELDS.map((f) => `${f}=a%00b`).join('&')}`,
  utf8: (csrf) => `csrf_token=${csrf}&${FIELDS.map((f) => `${f}=a%FF%C0%AFb`).join('&')}`,
  repeated: (csrf) => `csrf_token=${csrf}&${FIELDS.map((f) => `${f}=1&${f}=2`).join('&')}`,
  extra: (csrf) => `csrf_token=${csrf}&${[...FIELDS.map((f) => `${f}=a%00b`),
    ...Object.entries(EXTRA).map(([k, v]) => `${k}=${enc(v)}`)].join('&')}`,
};

// JSON bodies, raw text.
const str = (v) => JSON.stringify(v);
const jsonVariants = {
  overlong: () => str(Object.fromEntries(FIELDS.map((f, i) => [f, i === 0 ? MB : 'x']))),
  nul: () => str(Object.fromEntries(FIELDS.map((f) => [f, 'a\u0000b']))),
  utf8: () => Buffer.concat([Buffer.from('{"email":"a'), Buffer.from([0xff, 0xc0, 0xaf]), Buffer.from('b","password":"x"}')]),
  repeatedKeys: () => `{${FIELDS.map((f) => `"${f}":"1","${f}":"2"`).join(',')}}`,
  wrongTypes: () => str(Object.fromEntries(FIELDS.map((f, i) => [f, [[1], { a: 1 }, 1e300, true, null][i % 5]]))),
  notAnObject: () => '[1,2,3]',
  extra: () => str({ ...Object.fromEntries(FIELDS.map((f) => [f, 'a\u0000b'])), ...EXTRA }),
};

const queryVariants = {
  overlong: `page=${MB}`,
  nul: FIELDS.map((f) => `${f}=a%00b`).join('&'),
  utf8: FIELDS.map((f) => `${f}=a%FF%C0%AFb`).join('&'),
  repeated: 'page=1&page=2&all=1&all=1&per_page=1&per_page=2&id=1&id=2',
};

const paramVariants = ['abc', '%00', '%FF%FE', '1%0d%0aX-Injected:%20yes', '9'.repeat(400), '-1', '0x10', '1e3'];

// What must not change: the two accounts, the event, its participants,
// and the counts of accounts, events, tokens and sessions.
async function snapshot(ev, users) {
  const uids = users.map((u) => q(u.uid)).join(',');
  // One client run for the three queries: the walk takes a snapshot per route.
  return JSON.stringify([
    await sql(`SELECT uid, fname, mname, lname, fullname, email, password, emailverified, profilepicture, attendedevents
      FROM user_credentials WHERE uid IN (${uids}) ORDER BY uid;
      SELECT eventid, eventname, startdate, enddate, location, eventshortinfo, eventkey, participantcount,
      CAST(eventcreator AS CHAR) FROM events WHERE eventid = ${ev.id};
      SELECT (SELECT COUNT(*) FROM user_credentials), (SELECT COUNT(*) FROM events),
      (SELECT COUNT(*) FROM ems_api_tokens), (SELECT COUNT(*) FROM ems_sessions WHERE uid IN (${uids}))`),
    ...[path.join('participants', `${ev.id}.json`), path.join('.ems', 'journal', `${ev.id}.jnl`)].map((f) => {
      try { return readFileSync(path.join(storageRoot(), f), 'utf8'); } catch { return ''; }
    }),
  ]);
}

test('every route refuses bad input below 500, changes nothing, and logs no error', async () => {
  const [owner, member] = await signedInClients(2);
  const ev = await createEvent(owner);
  assert.equal((await postForm(member, `/events/register/${ev.key}`)).status, 302);
  const anon = client();
  const anonCsrf = csrfFrom((await anon.get('/auth/login')).text);
  const logStart = readLog().length;

  // Routes that act on their path alone (no fields): their body variants
  // go to an event and a participant that do not exist, so that the
  // action itself (a legitimate one) has nothing to act on.
  const actsOnPath = new Set(['register_event_post', 'cancel_registration_post', 'delete_event_post',
    'approve_participant', 'decline_participant', 'remove_participant', 'api_register_event',
    'api_cancel_registration']);
  // Signing out is not bad input whatever the fields; it is walked with
  // the repeated-field variant only (refused before it acts).
  const signsOut = new Set(['logout_post', 'api_logout']);

  const params = (route, real) => ({
    id: real ? ev.id : '999999999', eventkey: real ? ev.key : 'ABCDEF012345',
    key: real ? ev.key : 'ABCDEF012345', uid: real ? member.user.uid : '999999999', token: 'a'.repeat(64),
  });
  const fill = (pattern, values) => pattern.replace(/\{(\w+)\}/g, (_, p) => String(values[p]));
  const failures = [];
  let sent = 0;

  for (const route of routeTable()) {
    const c = route.access === 'user' ? owner : anon;
    const csrf = route.access === 'user' ? owner.csrf : anonCsrf;
    const before = await snapshot(ev, [owner.user, member.user]);
    const check = (what, res) => {
      sent += 1;
      if (res.status >= 500) failures.push(`${what}: ${res.status} ${res.text.slice(0, 120)}`);
      if (res.headers.get('x-injected')) failures.push(`${what}: an injected header`);
    };
    const target = fill(route.pattern, params(route, !actsOnPath.has(route.name)));
    // The route parameters themselves.
    if (route.pattern.includes('{')) {
      for (const bad of paramVariants) {
        const p = route.pattern.replace(/\{(\w+)\}/g, bad);
        const res = await c.request(route.method, p, route.method === 'GET' ? {} : {
          body: `csrf_token=${csrf}`, headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        check(`${route.method} ${p.slice(0, 60)}`, res);
      }
    }
    if (route.method === 'GET') {
      for (const [kind, qs] of Object.entries(queryVariants)) {
        check(`${route.method} ${route.pattern} ?${kind}`, await c.get(`${target}?${qs}`));
      }
    } else {
      for (const [kind, body] of Object.entries(formVariants)) {
        if (signsOut.has(route.name) && kind !== 'repeated') continue;
        const res = await c.request(route.method, target, {
          body: body(csrf), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': csrf },
        });
        check(`${route.method} ${route.pattern} form ${kind}`, res);
      }
      if (route.pattern.startsWith('/api/') && !signsOut.has(route.name)) {
        for (const [kind, body] of Object.entries(jsonVariants)) {
          const res = await c.request(route.method, target, {
            body: body(), headers: { 'content-type': 'application/json', accept: 'application/json' },
          });
          check(`${route.method} ${route.pattern} json ${kind}`, res);
          if (res.status < 500 && res.status >= 400) {
            let message = null;
            try { message = res.json().error; } catch { /* not JSON */ }
            if (!message) failures.push(`${route.method} ${route.pattern} json ${kind}: ${res.status} without a message`);
          }
        }
      }
    }
    const after = await snapshot(ev, [owner.user, member.user]);
    if (after !== before) failures.push(`${route.method} ${route.pattern}: something changed`);
  }
  const errors = readLog().slice(logStart).split('\n').filter((l) => /"level":"error"/.test(l));
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.deepEqual(errors, [], `error log:\n${errors.join('\n')}`);
  assert.ok(sent > 300, `${sent} requests`);
  console.log(`bad input: ${routeTable().length} routes, ${sent} requests`);
});
