// The platform against the real stack: nginx → the ems-fcgi pool → MariaDB.
// Needs EMS_ENABLE_TEST_ROUTES=true (scripts/test.sh sets it). The tests run
// in order; the SIGTERM test stops the pool and starts it again, so it is last.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  client, csrfFrom, load, missingSecurityHeaders, poolPid, poolStart, poolStop, processAlive, rawRequest,
  readLog, repoRoot, sleep, stackEnv, waitFor, waitHealthy, workerPids,
} from './lib/stack.mjs';

const http = client();

// At least this many workers must be back; the master may run more only
// briefly (during a reload), so tests wait for exactly the starting count.
const expectedWorkers = () => workerPids().length;

function assertHeaders(res, what) {
  assert.deepEqual(missingSecurityHeaders(res.headers), [], `${what} (${res.status}) lacks security headers`);
}

// Leaves that say "unhealthy": false or an error/failed string.
function unhealthyLeaves(value, at = '') {
  if (value === false) return [at];
  if (typeof value === 'string' && /^(error|fail|down|unwritable)/i.test(value)) return [at];
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => unhealthyLeaves(v, `${at}.${k}`));
  }
  return [];
}

test('GET /health answers 200 JSON with the database up and storage writable', async () => {
  const res = await http.get('/health');
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = res.json();
  assert.equal(body.status, 'ok');
  assert.equal(typeof body.db, 'object');
  assert.deepEqual(unhealthyLeaves({ db: body.db }), []);
  assert.equal(body.storage, 'ok', 'storage is writable and above its free-space floor');
  assert.equal(typeof body.free_mb, 'number');
});

test('an unknown route gets the 404 HTML page', async () => {
  const res = await http.get('/nosuchthing/at/all');
  assert.equal(res.status, 404);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  assert.match(res.text, /<html/i);
  assertHeaders(res, '404 page');
});

test('a forced exception gets a 500 page with an error id and no internals', async () => {
  const res = await http.get('/_test/crash');
  assert.equal(res.status, 500);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  assert.match(res.text, /Error id:\s*\S+/);
  for (const leak of [/what\(\)/i, /exception/i, /std::/, /\bSELECT\b|\bINSERT\b|\bUPDATE\b/,
    /\.(cpp|hpp|h):\d*/, /\/(work|home|opt|tmp|usr)\//, /_test\/crash.*throw/i]) {
    assert.doesNotMatch(res.text, leak, `500 page leaks ${leak}`);
  }
  assertHeaders(res, '500 page');
});

test('a 20 MB body gets 413 and the pool keeps serving', async () => {
  const res = await http.request('POST', '/auth/login', {
    body: Buffer.alloc(20 << 20, 'a'),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(res.status, 413);
  assertHeaders(res, '413 page');
  const next = await http.get('/health');
  assert.equal(next.status, 200);
});

test('a body over nginx\'s own 32m limit gets 413 from nginx, with the headers', async () => {
  const res = await http.request('POST', '/auth/login', {
    body: Buffer.alloc(33 << 20, 'a'),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  }).catch((error) => ({ status: 0, error }));
  // nginx may answer before it has read the body; then the upload is cut.
  if (res.status !== 0) {
    assert.equal(res.status, 413);
    assertHeaders(res, 'nginx 413');
  }
  assert.equal((await http.get('/health')).status, 200);
});

test('every kind of response carries the security headers', async () => {
  const login = await http.get('/auth/login');
  assert.equal(login.status, 200);
  assert.match(login.text, /<form/i);
  csrfFrom(login.text);
  assertHeaders(login, 'login page');

  // The PHP app sent a visitor who is not signed in from `/` to the login
  // page; since issue 13 `/` is a landing page that links to it.
  const anon = client();
  const landing = await anon.get('/');
  assert.equal(landing.status, 200);
  assert.match(landing.text, /href="\/auth\/login"/);
  assertHeaders(landing, 'landing page');
  const redirect = await anon.get('/dashboard');
  assert.equal(redirect.status, 302);
  assertHeaders(redirect, 'redirect');

  // A file served by nginx itself from uploads_dir ...
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489' +
    '0000000d4944415478da63f8ffff3f0005fe02fea7d6a4c40000000049454e44ae426082', 'hex');
  writeFileSync(path.join(stackEnv().UPLOADS_DIR, 'headers-test.png'), png);
  const pic = await http.get('/profilePictures/headers-test.png');
  assert.equal(pic.status, 200);
  assert.equal(pic.headers.get('content-type'), 'image/png');
  assertHeaders(pic, 'profile picture');

  // ... and one from the repository's static/ folder, when it has any.
  const file = firstFile(path.join(repoRoot, 'static'));
  if (file) {
    const res = await http.get(`/static/${file}`);
    assert.equal(res.status, 200, `/static/${file}`);
    assert.match(res.headers.get('cache-control') ?? '', /max-age=\d+/);
    assertHeaders(res, 'static file');
  }
});

function firstFile(dir, rel = '') {
  let entries;
  try {
    entries = readdirSync(path.join(dir, rel)).sort();
  } catch {
    return null;
  }
  for (const e of entries) {
    const p = rel ? `${rel}/${e}` : e;
    if (statSync(path.join(dir, p)).isFile()) return p;
  }
  for (const e of entries) {
    const p = rel ? `${rel}/${e}` : e;
    if (statSync(path.join(dir, p)).isDirectory()) {
      const found = firstFile(dir, p);
      if (found) return found;
    }
  }
  return null;
}

const CRLF = '\r\n';
const raw = (lines, body = '') => Buffer.concat([Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'latin1'),
  Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1')]);

test('bad input gets a 4xx or a normal answer, never a 5xx, a crash or a hang', async (t) => {
  const before = workerPids();
  assert.ok(before.length > 0, 'pool has workers');
  const errorLogBefore = readLog().length;
  const harmless = (status) => status >= 200 && status < 500;

  const viaFetch = [
    ['malformed query string', () => http.get('/auth/login?%zz&a=%&b=%%%&=&&c=%C3')],
    ['percent-encoded NUL and dot segments', () => http.get('/auth/login?x=%00%2e%2e%2f&%00=1')],
    ['encoded traversal in the path', () => http.get('/auth/%2e%2e/%2e%2e/etc/passwd')],
    ['invalid UTF-8 in a form field', () => http.request('POST', '/auth/login', {
      body: Buffer.concat([Buffer.from('email='), Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
        Buffer.from('&password=%C3%28%FF%FE%ED%A0%80')]),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })],
    ['garbage cookies', () => http.get('/auth/login', { headers: { cookie: 'a; =; ;;; b=%%%; c="\\"; ems_session=../../x' } })],
    ['a 7 kB cookie', () => http.get('/auth/login', { headers: { cookie: `ems_session=${'z'.repeat(7000)}` } })],
    ['a 6 kB query string', () => http.get(`/auth/login?${'q=1&'.repeat(1500)}`)],
    ['multipart without a boundary', () => http.request('POST', '/auth/login', {
      body: 'garbage', headers: { 'content-type': 'multipart/form-data' },
    })],
    ['multipart with a broken body', () => http.request('POST', '/auth/login', {
      body: '--xyz\r\nContent-Disposition: form-data; name="email"\r\n\r\nabc\r\n--xy',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
    })],
    ['a JSON body where a form is expected', () => http.request('POST', '/auth/login', {
      body: '{"email":', headers: { 'content-type': 'application/json' },
    })],
  ];
  for (const [name, send] of viaFetch) {
    await t.test(name, async () => {
      const res = await send();
      assert.ok(harmless(res.status), `${name}: got ${res.status}`);
    });
  }

  const host = 'Host: 127.0.0.1';
  const viaSocket = [
    ['huge header', raw(['GET /auth/login HTTP/1.1', host, `X-Big: ${'a'.repeat(20000)}`, 'Connection: close']), [400, 431, 494]],
    ['many headers', raw(['GET /auth/login HTTP/1.1', host,
      ...Array.from({ length: 500 }, (_, i) => `X-H${i}: ${'v'.repeat(60)}`), 'Connection: close']), null],
    ['POST without Content-Length', raw(['POST /auth/login HTTP/1.1', host,
      'Content-Type: application/x-www-form-urlencoded', 'Connection: close'], 'email=a&password=b'), null],
    ['Content-Length shorter than the body', raw(['POST /auth/login HTTP/1.1', host,
      'Content-Type: application/x-www-form-urlencoded', 'Content-Length: 3', 'Connection: close'], 'email=a&password=b'), null],
    ['Content-Length that is not a number', raw(['POST /auth/login HTTP/1.1', host,
      'Content-Length: abc', 'Connection: close'], 'x'), [400]],
    ['two different Content-Lengths', raw(['POST /auth/login HTTP/1.1', host,
      'Content-Length: 1', 'Content-Length: 2', 'Connection: close'], 'xy'), [400]],
    ['a broken chunked body', raw(['POST /auth/login HTTP/1.1', host,
      'Transfer-Encoding: chunked', 'Connection: close'], 'zz\r\nabc\r\n0\r\n\r\n'), [400]],
    ['NUL in the path', raw(['GET /auth/login%00.php HTTP/1.1', host, 'Connection: close']), null],
    ['raw control bytes in the query', raw([`GET /auth/login?a=\x01\x7f\xff HTTP/1.1`, host, 'Connection: close']), null],
    ['a request line of garbage', raw(['\x16\x03\x01 hello', host]), [400]],
  ];
  for (const [name, bytes, expected] of viaSocket) {
    await t.test(name, async () => {
      const res = await rawRequest(bytes, { timeoutMs: 5000 });
      assert.equal(res.timedOut, false, `${name}: no answer within 5 s`);
      assert.ok(res.status === 0 || harmless(res.status), `${name}: got ${res.status}\n${res.raw.slice(0, 300)}`);
      if (expected) assert.ok(expected.includes(res.status), `${name}: got ${res.status}, want one of ${expected}`);
    });
  }

  await t.test('Content-Length longer than the body, then the client gives up', async () => {
    const res = await rawRequest(raw(['POST /auth/login HTTP/1.1', host,
      'Content-Type: application/x-www-form-urlencoded', 'Content-Length: 100'], 'email=a'), { timeoutMs: 5000, halfClose: true });
    assert.equal(res.timedOut, false, 'nginx must drop a connection whose body ended early');
    assert.ok(res.status === 0 || harmless(res.status), `got ${res.status}`);
  });

  await t.test('the pool is intact afterwards', async () => {
    assert.equal((await http.get('/health')).status, 200);
    // Pids alone could change legitimately (a worker recycled after
    // max_requests exits cleanly); the master logs "died" only for crashes.
    assert.doesNotMatch(readLog().slice(errorLogBefore), /died|signal \d|abort|segfault/i);
    await waitFor(() => workerPids().length === before.length, { what: `${before.length} workers` });
  });
});

test('a worker killed with SIGKILL under load is replaced within a second; only its request fails', async () => {
  const workers = expectedWorkers();
  assert.ok(workers >= 2, `need at least 2 workers, have ${workers}`);
  const victim = workerPids()[0];
  // A request stuck behind the dead worker would be a failure too.
  const quick = client({ timeoutMs: 5000 });
  let killedAt = 0;
  let replacedMs = null;
  const results = await load(400, 8, async (i) => {
    if (i === 120) {
      process.kill(victim, 'SIGKILL');
      killedAt = Date.now();
      waitFor(() => {
        const now = workerPids();
        return now.length === workers && !now.includes(victim);
      }, { timeoutMs: 5000, intervalMs: 10, what: 'replacement worker' })
        .then(() => { replacedMs = Date.now() - killedAt; }, () => { replacedMs = Infinity; });
    }
    return quick.get(i % 2 ? '/auth/login' : '/health');
  });
  await waitFor(() => replacedMs !== null, { timeoutMs: 6000, what: 'the replacement check' });
  assert.ok(replacedMs <= 1000, `worker replaced after ${replacedMs} ms`);
  const failed = results.filter((r) => r.status !== 200);
  assert.ok(failed.length <= 1, `${failed.length} of 400 failed: ${JSON.stringify(failed.map((r) => [r.i, r.status, r.error?.message]))}`);
  assert.equal(workerPids().length, workers);
});

test('SIGHUP replaces every worker while requests keep succeeding', async () => {
  const master = poolPid();
  const workers = expectedWorkers();
  const old = workerPids();
  const results = await load(200, 4, async (i) => {
    if (i === 50) process.kill(master, 'SIGHUP');
    return http.get('/health');
  });
  assert.deepEqual(results.filter((r) => r.status !== 200).map((r) => [r.i, r.status, r.error?.message]), []);
  await waitFor(() => {
    const now = workerPids();
    return now.length === workers && now.every((p) => !old.includes(p));
  }, { timeoutMs: 10000, what: `${workers} new workers` });
  assert.equal(poolPid(), master, 'the master stays');
  assert.equal((await http.get('/health')).status, 200);
});

test('with the pool down, nginx answers 502 with its own page styled like the app\'s', async () => {
  await poolStop();
  try {
    for (const url of ['/auth/login', '/dashboard', '/events/register/ABCDEF123456']) {
      const res = await http.get(url);
      assert.ok([502, 503].includes(res.status), `${url}: ${res.status}`);
      assertHeaders(res, `nginx ${res.status}`);
      assert.match(res.headers.get('content-type'), /^text\/html/);
      assert.match(res.text, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
      assert.match(res.text, /<link rel="stylesheet" href="\/static\/app\.css">/);
      assert.match(res.text, /<h1 id="error-title">Service unavailable<\/h1>/);
      assert.match(res.text, /<main id="main"/);
    }
    // What the page links to is nginx's, so it loads with the pool down.
    for (const asset of ['/static/app.css', '/static/favicon.svg']) {
      assert.equal((await http.get(asset)).status, 200, asset);
    }
  } finally {
    await poolStart();
    await waitHealthy();
  }
  assert.equal((await http.get('/auth/login')).status, 200);
});

test('SIGTERM lets the in-flight request finish, then the master exits', async () => {
  const master = poolPid();
  assert.ok(master);
  const slow = http.get('/_test/sleep?ms=1500');
  await sleep(300);
  process.kill(master, 'SIGTERM');
  try {
    const res = await slow;
    assert.equal(res.status, 200, 'the request in flight is answered');
    await waitFor(() => !processAlive(master), { timeoutMs: 10000, what: 'the master to exit' });
  } finally {
    // The next test file needs the pool, whatever happened here.
    await waitFor(() => !processAlive(master), { timeoutMs: 35000, what: 'the master to exit' });
    await poolStart();
    await waitHealthy();
  }
  assert.notEqual(poolPid(), master);
});
