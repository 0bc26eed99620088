// Issue 12, authentication findings: API tokens end with the password and
// with an API sign-out, and expire; sign-in throttling per (account,
// address) that never locks the owner out; sign-up and reset limits;
// bounded bcrypt work; single-use links; sign-out by POST only.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { baseUrl, client, csrfFrom, sql } from './lib/stack.mjs';
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
