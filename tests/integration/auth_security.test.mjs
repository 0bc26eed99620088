// Issue 12, authentication findings: API tokens end with the password and
// with an API sign-out, and expire; sign-in throttling per (account,
// address) that never locks the owner out; sign-up and reset limits;
// bounded bcrypt work; single-use links; sign-out by POST only.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { baseUrl, client, csrfFrom, poolRestart, sql, waitHealthy } from './lib/stack.mjs';
import { flashOf, formPost, mailsTo, registered, signIn, uniqueEmail } from './lib/accounts.mjs';

test.beforeEach(async () => { await sql('DELETE FROM ems_login_attempts'); });

// POST /api/auth/login from another loopback address (a fresh address to
// the app: nginx passes the peer's address on as REMOTE_ADDR).
function apiLoginFrom(localAddress, email, password) {
  const body = JSON.stringify({ email, password });
  const u = new URL('/api/auth/login', baseUrl());
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname, method: 'POST', localAddress,
      headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
// Runs fn against a pool restarted with env added to its environment, then
// restores the pool as it was (scripts/test.sh's settings).
async function withPoolEnv(env, fn) {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    await poolRestart();
    await waitHealthy();
    await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await poolRestart();
    await waitHealthy();
  }
}
const signInStatus = async (email, password) => (await signIn(email, password)).res.status;

const bearer = (token) => ({ headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });

// A new API token for the signed-in client c, made on the profile page.
async function newToken(c, name = 'script') {
  const page = await c.get('/dashboard/profile');
  await c.post('/dashboard/apiTokens', { csrf_token: csrfFrom(page.text), token_name: name });
  return flashOf((await c.get('/dashboard/profile')).text).match(/[0-9a-f]{64}/)[0];
}
const meWith = async (token) => (await client().request('GET', '/api/me', bearer(token))).status;

test('POST /api/auth/logout with a bearer token ends that token, not the others', async () => {
  const { c } = await registered();
  const used = await newToken(c, 'used');
  const other = await newToken(c, 'other');
  const res = await client().request('POST', '/api/auth/logout', bearer(used));
  assert.equal(res.status, 200);
  assert.equal(res.json().signed_out, true);
  assert.equal(await meWith(used), 401, 'the token it was called with no longer works');
  assert.equal(await meWith(other), 200, 'other tokens stay');
});

test('a password change (page and API) and a password reset end every API token', async () => {
  const { c, email, password } = await registered();
  let token = await newToken(c);
  await c.post('/dashboard/changePassword', {
    csrf_token: csrfFrom((await c.get('/dashboard/profile')).text),
    current_password: password, new_password: 'Second-pass1', confirm_password: 'Second-pass1',
  });
  assert.equal(flashOf((await c.get('/dashboard/profile')).text), 'Password changed successfully');
  assert.equal(await meWith(token), 401, 'page change revokes');

  token = await newToken(c);
  const other = await newToken(c, 'other');
  const res = await client().request('POST', '/api/me/password', {
    body: JSON.stringify({ current_password: 'Second-pass1', new_password: 'Third-pass1', confirm_password: 'Third-pass1' }),
    headers: { ...bearer(token).headers, 'content-type': 'application/json' },
  });
  assert.equal(res.status, 200);
  assert.equal(await meWith(token), 401, 'API change revokes the token used');
  assert.equal(await meWith(other), 401, 'and the others');

  const { c: again } = await signIn(email, 'Third-pass1');  // the API change ended c's session
  token = await newToken(again);
  await formPost(client(), '/auth/resetRequest', '/auth/resetRequest', { email });
  const url = mailsTo(email).pop().match(/\/auth\/resetPassword\/[0-9a-f]{64}/)[0];
  const r = await formPost(client(), url, url, { password: 'Fourth-pass1', confirm_password: 'Fourth-pass1' });
  assert.equal(r.location, '/auth/login');
  assert.equal(await meWith(token), 401, 'a reset revokes');
});

test('API tokens expire after api_token_ttl_days and are listed with their expiry', async () => {
  const { c, email } = await registered();
  const token = await newToken(c, 'ageing');
  assert.equal(await meWith(token), 200);
  const page = await c.get('/dashboard/profile');
  assert.match(page.text, /<th scope="col">Expires<\/th>/);
  assert.match(page.text, /ageing/);
  await sql(`UPDATE ems_api_tokens SET created_at = created_at - 91 * 86400 WHERE uid = (SELECT CAST(uid AS CHAR) FROM user_credentials WHERE email = '${email}')`);
  assert.equal(await meWith(token), 401, 'older than the default 90 days');
  assert.doesNotMatch((await c.get('/dashboard/profile')).text, /ageing/, 'gone from the list');
});

test('a token is revoked from the profile page with a CSRF-protected form', async () => {
  const { c } = await registered();
  const token = await newToken(c, 'to-revoke');
  const page = await c.get('/dashboard/profile');
  const id = page.text.match(/name="token_id" value="([0-9a-f]{16})"/)[1];
  let res = await c.post('/dashboard/apiTokens/revoke', { token_id: id });
  assert.equal(res.status, 403, 'no CSRF token, no revoke');
  assert.equal(await meWith(token), 200);
  res = await c.post('/dashboard/apiTokens/revoke', { csrf_token: csrfFrom(page.text), token_id: id });
  assert.equal(res.location, '/dashboard/profile');
  assert.equal(await meWith(token), 401);
});


test('failed sign-ins hold back only the (account, address) pair, with a growing delay', async () => {
  const { email, password } = await registered();
  // The finding: ten wrong passwords from anywhere locked the owner out.
  const statuses = [];
  for (let i = 0; i < 10; i++) statuses.push(await signInStatus(email, `wrong-${i}`));
  assert.deepEqual(statuses, [422, 422, 422, 422, 422, 429, 429, 429, 429, 429],
    'five failures, then that pair waits (refused tries are not counted)');
  const { res } = await signIn(email, password);
  assert.equal(res.status, 429, 'even the right password waits at this address');
  assert.match(res.text, /Too many failed sign-in attempts\. Please wait 1 minute and try again\./);
  const retry = Number(res.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
  const api = await apiLoginFrom('127.0.0.1', email, password);
  assert.equal(api.status, 429);
  assert.ok(JSON.parse(api.text).error.startsWith('Too many failed sign-in attempts'));
  assert.ok(Number(api.headers['retry-after']) >= 1);

  const owner = await apiLoginFrom('127.0.0.2', email, password);
  assert.equal(owner.status, 200, 'the owner from another address is never held back');

  // The delay doubles: once the first one has passed, one more failure
  // means two minutes.
  await sql(`UPDATE ems_login_attempts SET attempted_at = attempted_at - 61 WHERE email = '${email}'`);
  assert.equal(await signInStatus(email, 'wrong-again'), 422, 'allowed again after the delay');
  const next = (await signIn(email, password)).res;
  assert.equal(next.status, 429);
  assert.ok(Number(next.headers.get('retry-after')) > 60, `Retry-After ${next.headers.get('retry-after')}`);
  assert.match(next.text, /Please wait 2 minutes/);
});

test('one address may fail login_address_max (100) times in the window: a NAT is not locked out', async () => {
  const now = Math.floor(Date.now() / 1000);
  const rows = Array.from({ length: 99 }, (_, i) => `('nat-${i}@example.test', '127.0.0.1', ${now - i})`);
  await sql(`INSERT INTO ems_login_attempts (email, ip, attempted_at) VALUES ${rows.join(',')}`);
  const { email, password } = await registered();
  assert.equal(await signInStatus(email, 'typo-typo'), 422, '99 others\' typos do not stop the 100th try');
  const { res } = await signIn(email, password);
  assert.equal(res.status, 429, 'the 101st try within the window waits');
  assert.match(res.text, /Too many failed sign-in attempts from your network/);
  assert.equal((await apiLoginFrom('127.0.0.3', email, password)).status, 200, 'other addresses are not concerned');
});

test('a password reset clears the account\'s failures', async () => {
  const { email } = await registered();
  for (let i = 0; i < 10; i++) await signInStatus(email, `wrong-${i}`);
  await formPost(client(), '/auth/resetRequest', '/auth/resetRequest', { email });
  const url = mailsTo(email).pop().match(/\/auth\/resetPassword\/[0-9a-f]{64}/)[0];
  const r = await formPost(client(), url, url, { password: 'After-reset1', confirm_password: 'After-reset1' });
  assert.equal(r.location, '/auth/login');
  assert.equal(await signInStatus(email, 'After-reset1'), 302, 'signs in at once from the same address');
});

test('sign-ups and reset requests per address are limited: 429 with Retry-After, nothing made or sent', async () => {
  await withPoolEnv({ EMS_SIGNUP_THROTTLE_MAX: '2', EMS_RESET_THROTTLE_MAX: '2' }, async () => {
    await sql('DELETE FROM ems_rate_limits');
    const signUp = (email) => formPost(client(), '/auth/register', '/auth/register', {
      fname: 'Rate', lname: 'Limited', email, password: 'Passw0rd!', confirm_password: 'Passw0rd!',
    });
    const emails = [uniqueEmail('s1'), uniqueEmail('s2'), uniqueEmail('s3')];
    assert.equal((await signUp(emails[0])).status, 302);
    assert.equal((await signUp(emails[1])).status, 302);
    const third = await signUp(emails[2]);
    assert.equal(third.status, 429);
    assert.match(third.text, /Too many sign-ups from your address/);
    assert.ok(Number(third.headers.get('retry-after')) >= 1);
    const api = await client().json('POST', '/api/auth/register', {
      fname: 'Rate', lname: 'Limited', email: emails[2], password: 'Passw0rd!', confirm_password: 'Passw0rd!',
    });
    assert.equal(api.status, 429);
    assert.match(api.json().error, /Too many sign-ups/);
    assert.equal((await sql(`SELECT COUNT(*) FROM user_credentials WHERE email = '${emails[2]}'`))[0][0], '0');
    // Enumeration through "Email already exists" is bounded the same way.
    assert.equal((await signUp(emails[0])).status, 429);

    const reset = (email) => formPost(client(), '/auth/resetRequest', '/auth/resetRequest', { email });
    assert.equal((await reset(emails[0])).location, '/auth/login');
    assert.equal((await reset(emails[1])).location, '/auth/login');
    const refused = await reset(emails[0]);
    assert.equal(refused.status, 429);
    assert.match(refused.text, /Too many password reset requests from your address/);
    assert.equal(mailsTo(emails[0]).filter((m) => m.includes('resetPassword')).length, 1);
  });
});

test('reset mails per account are limited (reset_account_max): the same answer, no more mail', async () => {
  const { email } = await registered();
  const answers = [];
  for (let i = 0; i < 5; i++) {
    const c = client();
    const res = await formPost(c, '/auth/resetRequest', '/auth/resetRequest', { email });
    assert.equal(res.location, '/auth/login');
    answers.push(flashOf((await c.get('/auth/login')).text));
  }
  assert.equal(new Set(answers).size, 1, 'the answer never changes');
  assert.equal(mailsTo(email).filter((m) => m.includes('resetPassword')).length, 3);
});

test('bcrypt work is bounded across the pool: over the slots, 503 with Retry-After, never a pile-up', async () => {
  await withPoolEnv({ EMS_HASH_CONCURRENCY: '1', EMS_HASH_WAIT_MS: '1', EMS_PASSWORD_COST: '13' }, async () => {
    const emails = Array.from({ length: 8 }, () => uniqueEmail('flood'));
    const results = await Promise.all(emails.map((email) => client({ timeoutMs: 60000 }).json('POST', '/api/auth/register', {
      fname: 'Flood', lname: 'Test', email, password: 'Passw0rd!', confirm_password: 'Passw0rd!',
    })));
    const statuses = results.map((r) => r.status);
    for (const r of results.filter((x) => x.status === 503)) {
      assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After on a 503');
      assert.match(r.json().error, /busy/);
    }
    assert.ok(statuses.every((st) => st === 201 || st === 503), `statuses ${statuses}`);
    assert.ok(statuses.includes(201), 'one slot works');
    assert.ok(statuses.includes(503), 'the rest are refused, not queued behind the hash');
    const made = Number((await sql(`SELECT COUNT(*) FROM user_credentials WHERE email LIKE 'flood.%' AND email IN ('${emails.join("','")}')`))[0][0]);
    assert.equal(made, statuses.filter((st) => st === 201).length, 'a 503 made no account');
  });
});

test('sign-in takes as long for an unknown e-mail as for a known one (a dummy hash check)', async () => {
  // Cost 13 makes a bcrypt check last long enough to stand out from the
  // rest of a request by far; the margin (a third) leaves room for noise.
  await withPoolEnv({ EMS_PASSWORD_COST: '13' }, async () => {
    const { email } = await registered();
    const timed = async (who) => {
      const started = process.hrtime.bigint();
      const res = await client({ timeoutMs: 60000 }).json('POST', '/api/auth/login', { email: who, password: 'wrong-password' });
      assert.equal(res.status, 401);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const known = [];
    const unknown = [];
    for (let i = 0; i < 3; i++) {
      known.push(await timed(email));
      unknown.push(await timed(uniqueEmail('nobody')));
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[1];
    assert.ok(median(unknown) > median(known) / 3,
      `known e-mail ${median(known).toFixed(0)} ms, unknown ${median(unknown).toFixed(0)} ms`);
  });
});

test('the current password on a change is throttled like sign-in (API and page)', async () => {
  const { c, email, password } = await registered();
  const change = (current) => c.json('POST', '/api/me/password', {
    current_password: current, new_password: 'Changed-pw1', confirm_password: 'Changed-pw1',
  });
  for (let i = 0; i < 5; i++) {
    const res = await change(`guess-${i}-guess`);
    assert.equal(res.status, 403);
    assert.equal(res.json().error, 'Current password is incorrect');
  }
  const res = await change(password);
  assert.equal(res.status, 429, 'the sixth try waits, right or wrong');
  assert.match(res.json().error, /^Too many wrong passwords\. Please wait 1 minute/);
  assert.ok(Number(res.headers.get('retry-after')) >= 1);
  const page = await c.post('/dashboard/changePassword', {
    csrf_token: csrfFrom((await c.get('/dashboard/profile')).text),
    current_password: password, new_password: 'Changed-pw1', confirm_password: 'Changed-pw1',
  });
  assert.equal(page.status, 429);
  assert.equal((await apiLoginFrom('127.0.0.5', email, password)).status, 200, 'the password is unchanged');
});

test('the stored SHA-256 of a reset token is never accepted as the token', async () => {
  const { email } = await registered();
  await formPost(client(), '/auth/resetRequest', '/auth/resetRequest', { email });
  const [[stored]] = await sql(`SELECT password_reset_token FROM user_credentials WHERE email = '${email}'`);
  assert.match(stored, /^[0-9a-f]{64}$/);
  const c = client();
  const res = await c.get(`/auth/resetPassword/${stored}`);
  assert.equal(res.location, '/auth/login');
  assert.equal(flashOf((await c.get('/auth/login')).text), 'Invalid or expired reset token');
  const link = mailsTo(email).pop().match(/\/auth\/resetPassword\/[0-9a-f]{64}/)[0];
  assert.equal((await client().get(link)).status, 200, 'the mailed token works');
});

test('verification links work once, expire after verify_link_ttl_hours, and a reset verifies instead', async () => {
  const tokenOf = async (email) => (await sql(`SELECT currboundtoken FROM user_credentials WHERE email = '${email}'`))[0][0];
  const verifiedOf = async (email) => (await sql(`SELECT emailverified FROM user_credentials WHERE email = '${email}'`))[0][0];
  const c = client();
  const { email } = await registered();
  const token = await tokenOf(email);
  await c.get(`/auth/verifyEmail/${token}`);
  assert.equal(flashOf((await c.get('/auth/login')).text), 'Email verified successfully! You can now login.');
  await c.get(`/auth/verifyEmail/${token}`);
  assert.equal(flashOf((await c.get('/auth/login')).text), 'Invalid verification token', 'used once');

  const late = await registered();
  const old = await tokenOf(late.email);
  await sql(`UPDATE user_credentials SET creationtime = NOW() - INTERVAL 49 HOUR WHERE email = '${late.email}'`);
  await c.get(`/auth/verifyEmail/${old}`);
  assert.equal(flashOf((await c.get('/auth/login')).text), 'Invalid verification token', 'expired after 48 h');
  assert.equal(await verifiedOf(late.email), '0');
  await formPost(client(), '/auth/resetRequest', '/auth/resetRequest', { email: late.email });
  const url = mailsTo(late.email).pop().match(/\/auth\/resetPassword\/[0-9a-f]{64}/)[0];
  await formPost(client(), url, url, { password: 'Verified-by-reset1', confirm_password: 'Verified-by-reset1' });
  assert.equal(await verifiedOf(late.email), '1', 'the mailed reset link proved the address');
});

test('GET /auth/logout only asks; POST with the CSRF token signs out', async () => {
  const { c } = await registered();
  const page = await c.get('/auth/logout', { headers: { referer: 'http://evil.example/' } });
  assert.equal(page.status, 200, 'a cross-site GET (an <img>, a link) changes nothing');
  assert.match(page.text, /<form method="post" action="\/auth\/logout">/);
  assert.equal((await c.get('/dashboard')).status, 200, 'still signed in');
  assert.equal((await c.post('/auth/logout', {})).status, 403, 'a POST without the token is refused');
  const res = await c.post('/auth/logout', { csrf_token: csrfFrom(page.text) });
  assert.equal(res.location, '/auth/login');
  assert.equal((await c.get('/dashboard')).location, '/auth/login', 'signed out');
  assert.equal((await client().get('/auth/logout')).location, '/auth/login', 'signed out, the PHP link leads to the login page');
});
