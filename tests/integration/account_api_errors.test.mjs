// The account API's refusals: each answers with the status of its error
// type (never one picked from the message's words) and the same message as
// the page, as {"error", "fields"?}; the HTML page answers the same refusal
// in its own way. Runs in any order with the other files.
import test from 'node:test';
import assert from 'node:assert/strict';
import { client, sql } from './lib/stack.mjs';
import { flashOf, formPost, registered, uniqueEmail } from './lib/accounts.mjs';

test.beforeEach(async () => { await sql('DELETE FROM ems_login_attempts'); });

// The PNG signature: the type is read from the first bytes.
const PNG_SIGNATURE = Buffer.from('89504e470d0a1a0a', 'hex');

test('API register: 422 with the fields, 409 with the field for a taken e-mail', async () => {
  const c = client();
  const email = uniqueEmail('apireg');
  const base = { fname: 'Ana', lname: 'Lopez', email, password: 'Passw0rd!', confirm_password: 'Passw0rd!' };
  let res = await c.json('POST', '/api/auth/register', { ...base, lname: '' });
  assert.equal(res.status, 422);
  assert.deepEqual(res.json(), { error: 'Please fill in all fields' });
  res = await c.json('POST', '/api/auth/register', { ...base, email: 'nope', confirm_password: 'Other000!' });
  assert.equal(res.status, 422);
  assert.deepEqual(res.json(), {
    error: 'Passwords do not match',
    fields: { confirm_password: 'Passwords do not match', email: 'Please enter a valid email address' },
  });
  res = await c.json('POST', '/api/auth/register', base);
  assert.equal(res.status, 201);
  res = await client().json('POST', '/api/auth/register', { ...base, email: email.toUpperCase() });
  assert.equal(res.status, 409);
  assert.deepEqual(res.json(), { error: 'Email already exists', fields: { email: 'Email already exists' } });
  // The page answers the same refusal with its form, 422, the field marked.
  res = await formPost(client(), '/auth/register', '/auth/register', { ...base, mname: '' });
  assert.equal(res.status, 422);
  assert.match(res.text, /Email already exists/);
});

test('API sign-in: 422 for a missing field, 401 for wrong credentials', async () => {
  const { email } = await registered();
  const c = client();
  let res = await c.json('POST', '/api/auth/login', { email });
  assert.equal(res.status, 422);
  assert.equal(res.json().error, 'Please fill in all fields');
  res = await c.json('POST', '/api/auth/login', { email, password: 'wrong-password' });
  assert.equal(res.status, 401);
  assert.equal(res.json().error, 'Invalid email or password');
});

test('API password and picture: 403 wrong current password, 422 mismatch, 413 over 5 MB', async () => {
  const { email, password } = await registered();
  const c = client();
  const login = await c.json('POST', '/api/auth/login', { email, password });
  const csrf = login.json().csrf_token;
  let res = await c.json('POST', '/api/me/password',
    { current_password: 'not-it-at-all', new_password: 'Newpass00!', confirm_password: 'Newpass00!' });
  assert.equal(res.status, 403);
  assert.equal(res.json().error, 'Current password is incorrect');
  res = await c.json('POST', '/api/me/password',
    { current_password: password, new_password: 'Newpass00!', confirm_password: 'Other000!' });
  assert.equal(res.status, 422);
  assert.equal(res.json().error, 'New passwords do not match');

  const upload = (bytes) => {
    const fd = new FormData();
    fd.append('profile_picture', new Blob([bytes], { type: 'image/png' }), 'p.png');
    return c.postMultipart('/api/me/picture', fd, { headers: { 'x-csrf-token': csrf, accept: 'application/json' } });
  };
  res = await upload(Buffer.concat([PNG_SIGNATURE, Buffer.alloc(6 * 1024 * 1024)]));
  assert.equal(res.status, 413);
  assert.equal(res.json().error, 'File size must be less than 5MB');
  res = await upload(Buffer.from('GIF? no'));
  assert.equal(res.status, 422);
  assert.equal(res.json().error, 'Only JPEG, PNG, and GIF files are allowed');
  assert.equal((await sql(`SELECT profilepicture FROM user_credentials WHERE email='${email}'`))[0][0], 'default.png');
});

test('API reset request: 422 for a bad address, 202 otherwise, and no flash cookie', async () => {
  const c = client();
  let res = await c.json('POST', '/api/auth/resetRequest', { email: 'bad' });
  assert.equal(res.status, 422);
  assert.equal(res.json().error, 'Please enter a valid email address');
  res = await c.json('POST', '/api/auth/resetRequest', { email: uniqueEmail('nobody') });
  assert.equal(res.status, 202);
  assert.equal(res.json().message, 'If an account with that email exists, a password reset link has been sent.');
  assert.equal(c.cookies().ems_flash, undefined, 'the API answers in the body, not in a flash');
});

test('an API path in capitals is the API: bearer-less calls get a JSON 401, not the login page', async () => {
  const res = await client().json('GET', '/API/me');
  assert.equal(res.status, 401);
  assert.equal(res.json().error, 'Sign in required');
});

test('the profile page answers the same refusals with a flash on the profile page', async () => {
  const { c } = await registered();
  const res = await formPost(c, '/dashboard/profile', '/dashboard/changePassword',
    { current_password: 'not-it-at-all', new_password: 'Newpass00!', confirm_password: 'Newpass00!' });
  assert.equal(res.status, 302);
  assert.equal(res.location, '/dashboard/profile');
  assert.equal(flashOf((await c.get('/dashboard/profile')).text), 'Current password is incorrect');
});
