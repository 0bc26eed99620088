// Issue 12, authentication findings: API tokens end with the password and
// with an API sign-out, and expire; sign-in throttling per (account,
// address) that never locks the owner out; sign-up and reset limits;
// bounded bcrypt work; single-use links; sign-out by POST only.
import test from 'node:test';
import assert from 'node:assert/strict';
import { client, csrfFrom, sql } from './lib/stack.mjs';
import { flashOf, formPost, mailsTo, registered, signIn, uniqueEmail } from './lib/accounts.mjs';

test.beforeEach(async () => { await sql('DELETE FROM ems_login_attempts'); });

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

