// Accounts through nginx: register, sign in and out, the gate, sessions,
// CSRF, throttling, profile, password change, picture upload, reset and
// verification, the account API, and bad input.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { client, csrfFrom, sql, stackEnv } from './lib/stack.mjs';
import { flashOf, formPost, mailsTo, registered, signIn, uniqueEmail } from './lib/accounts.mjs';

// Every test client comes from 127.0.0.1, and failed sign-ins count per
// address too: start each test with a clean count.
test.beforeEach(async () => { await sql('DELETE FROM ems_login_attempts'); });

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

test('register validates like the PHP app and renders its messages', async () => {
  const c = client();
  const email = uniqueEmail('reg');
  const base = { fname: 'Ana', mname: '', lname: 'Lopez', email, password: 'Passw0rd!', confirm_password: 'Passw0rd!' };
  let res = await formPost(c, '/auth/register', '/auth/register', { ...base, lname: '' });
  assert.equal(res.status, 422);
  assert.match(res.text, /Please fill in all fields/);
  res = await formPost(c, '/auth/register', '/auth/register', { ...base, confirm_password: 'Other000!' });
  assert.match(res.text, /Passwords do not match/);
  assert.match(res.text, new RegExp(`value="${email.replace(/\./g, '\\.')}"`), 'values are kept');
  assert.doesNotMatch(res.text, /value="Passw0rd!"/, 'passwords are never echoed');
  res = await formPost(c, '/auth/register', '/auth/register', { ...base, password: 'short', confirm_password: 'short' });
  assert.match(res.text, /Password must be at least 8 characters long/);
  res = await formPost(c, '/auth/register', '/auth/register', { ...base, password: 'x'.repeat(129), confirm_password: 'x'.repeat(129) });
  assert.match(res.text, /at most 128 characters/);
  res = await formPost(c, '/auth/register', '/auth/register', { ...base, email: 'not-an-email' });
  assert.match(res.text, /Please enter a valid email address/);
  assert.equal((await sql(`SELECT COUNT(*) FROM user_credentials WHERE email='${email}'`))[0][0], '0');

  res = await formPost(c, '/auth/register', '/auth/register', base);
  assert.equal(res.status, 302);
  assert.equal(res.location, '/dashboard');
  assert.ok(c.cookies().ems_session, 'signed in right after registering');
  const [row] = await sql(`SELECT uid, fullname, emailverified, profilepicture, password FROM user_credentials WHERE email='${email}'`);
  assert.equal(row[1], 'Ana Lopez');
  assert.equal(row[2], '0');
  assert.match(row[4], /^\$2y\$1\d\$/);
  const userFile = path.join(stackEnv().STORAGE_ROOT, 'users', `${row[0]}.json`);
  assert.ok(existsSync(userFile), 'storage/users/<uid>.json written');

  const dup = client();
  res = await formPost(dup, '/auth/register', '/auth/register', base);
  assert.equal(res.status, 422);
  assert.match(res.text, /Email already exists/);
  assert.equal((await sql(`SELECT COUNT(*) FROM user_credentials WHERE email='${email}'`))[0][0], '1');
});

test('the gate sends signed-out users to login and signed-in users away from it', async () => {
  const anon = client();
  for (const p of ['/dashboard', '/dashboard/profile', '/Dashboard/Profile']) {
    const res = await anon.get(p);
    assert.equal(res.status, 302, p);
    assert.equal(res.location, '/auth/login', p);
  }
  // `/` is the landing page for signed-out visitors (issue 13), with the way in.
  const landing = await anon.get('/');
  assert.equal(landing.status, 200);
  assert.match(landing.text, /href="\/auth\/login">Sign in</);
  const anonLogin = await anon.get('/auth/login');
  assert.equal(anonLogin.status, 200);
  assert.match(anonLogin.text, /<title>Login - Event Management System<\/title>/);
  assert.equal(anon.cookies().ems_session, undefined, 'no session for an anonymous reader');

  const { c } = await registered();
  assert.equal((await c.get('/')).location, '/dashboard');
  assert.equal((await c.get('/auth/login')).location, '/dashboard');
  assert.equal((await c.get('/auth/register')).location, '/dashboard');
  const dash = await c.get('/dashboard');
  assert.equal(dash.status, 200);
  assert.match(dash.headers.get('cache-control') ?? '', /no-store/);
});

test('sign in: messages, session fixation, sign out ends the session', async () => {
  const { email, password } = await registered();
  const c = client();
  let res = await formPost(c, '/auth/login', '/auth/login', { email, password: 'wrong-password' });
  assert.equal(res.status, 422);
  assert.match(res.text, /Invalid email or password/);
  res = await formPost(c, '/auth/login', '/auth/login', { email: '', password: '' });
  assert.match(res.text, /Please fill in all fields/);
  res = await formPost(c, '/auth/login', '/auth/login', { email: uniqueEmail('nobody'), password });
  assert.match(res.text, /Invalid email or password/);

  c.jar.set('ems_session', 'a'.repeat(32));  // a cookie chosen by an attacker
  res = await formPost(c, '/auth/login', '/auth/login', { email, password });
  assert.equal(res.status, 302);
  assert.equal(res.location, '/dashboard');
  const sid = c.cookies().ems_session;
  assert.notEqual(sid, 'a'.repeat(32), 'a new session id is issued at sign-in');
  assert.match(res.headers.get('set-cookie'), /HttpOnly/);
  assert.match(res.headers.get('set-cookie'), /SameSite=Lax/);
  assert.equal((await c.get('/dashboard')).status, 200);

  const page = await c.get('/dashboard');
  res = await c.post('/auth/logout', { csrf_token: csrfFrom(page.text) });
  assert.equal(res.location, '/auth/login');
  assert.equal((await sql(`SELECT COUNT(*) FROM ems_sessions WHERE id='${sid}'`))[0][0], '0');
  const replay = client();
  replay.jar.set('ems_session', sid);
  assert.equal((await replay.get('/dashboard')).location, '/auth/login', 'old cookie no longer works');
});

test('CSRF: POST without or with a foreign token is refused and changes nothing', async () => {
  const { c, email } = await registered({ fname: 'Csrf' });
  const other = await registered();
  const foreign = csrfFrom((await other.c.get('/dashboard/profile')).text);
  let res = await c.post('/dashboard/profile', { fname: 'Hacked', lname: 'X' });
  assert.equal(res.status, 403);
  res = await c.post('/dashboard/profile', { fname: 'Hacked', lname: 'X', csrf_token: foreign });
  assert.equal(res.status, 403);
  const token = csrfFrom((await c.get('/dashboard/profile')).text);
  res = await c.post('/dashboard/profile', { fname: 'Hacked', lname: 'X', csrf_token: token },
    { headers: { origin: 'http://evil.example' } });
  assert.equal(res.status, 403, 'a foreign Origin is refused');
  assert.equal((await sql(`SELECT fname FROM user_credentials WHERE email='${email}'`))[0][0], 'Csrf');
  const anon = client();
  res = await anon.post('/auth/login', { email, password: 'x' });
  assert.equal(res.status, 403, 'anonymous forms need the token too');
});

test('after five failed sign-ins from one address the account waits there: 429', async () => {
  const { email, password } = await registered();
  const c = client();
  for (let i = 0; i < 5; i++) {
    const res = await formPost(c, '/auth/login', '/auth/login', { email, password: `wrong-${i}` });
    assert.equal(res.status, 422);
  }
  const res = await formPost(c, '/auth/login', '/auth/login', { email, password });
  assert.equal(res.status, 429);
  assert.match(res.text, /Too many failed sign-in attempts/);
  assert.ok(res.headers.get('retry-after'));
  await sql('DELETE FROM ems_login_attempts');  // the address is shared by every test
  assert.equal((await signIn(email, password)).res.status, 302);
});

test('profile: names are required, fullname and the nav follow, HTML is escaped', async () => {
  const { c, email } = await registered({ fname: 'Ana' });
  let page = await c.get('/dashboard/profile');
  assert.match(page.text, /<title>Edit Profile - Event Management System<\/title>/);
  let res = await c.post('/dashboard/profile', { csrf_token: csrfFrom(page.text), fname: 'Ana', lname: '' });
  assert.equal(res.location, '/dashboard/profile');
  page = await c.get('/dashboard/profile');
  assert.equal(flashOf(page.text), 'First name and last name are required');
  assert.equal(flashOf((await c.get('/dashboard/profile')).text), null, 'a flash is shown once');
  res = await c.post('/dashboard/profile', { csrf_token: csrfFrom(page.text), fname: 'Max <b>&</b>', mname: '', lname: "d'Arc" });
  page = await c.get('/dashboard/profile');
  assert.equal(flashOf(page.text), 'Profile updated successfully');
  assert.doesNotMatch(page.text, /<b>&<\/b>/, 'never printed raw, nav included');
  assert.match(page.text, /Max &lt;b&gt;&amp;&lt;\/b&gt;/);
  const [row] = await sql(`SELECT fullname FROM user_credentials WHERE email='${email}'`);
  assert.equal(row[0], "Max <b>&</b> d'Arc");
});

test('change password works, ends other sessions, and the new password signs in', async () => {
  const { c, email, password } = await registered();
  const second = (await signIn(email, password)).c;
  const token = async () => csrfFrom((await c.get('/dashboard/profile')).text);
  const change = async (fields) => {
    await c.post('/dashboard/changePassword', { csrf_token: await token(), ...fields });
    return flashOf((await c.get('/dashboard/profile')).text);
  };
  assert.equal(await change({ current_password: '', new_password: 'x', confirm_password: 'x' }), 'Please fill in all fields');
  assert.equal(await change({ current_password: password, new_password: 'NewPassw0rd!', confirm_password: 'Different1!' }), 'New passwords do not match');
  assert.equal(await change({ current_password: password, new_password: 'short', confirm_password: 'short' }), 'Password must be at least 8 characters long');
  assert.equal(await change({ current_password: 'wrong-one!', new_password: 'NewPassw0rd!', confirm_password: 'NewPassw0rd!' }), 'Current password is incorrect');
  assert.equal(await change({ current_password: password, new_password: 'NewPassw0rd!', confirm_password: 'NewPassw0rd!' }), 'Password changed successfully');
  assert.equal((await c.get('/dashboard')).status, 200, 'this device stays signed in');
  assert.equal((await second.get('/dashboard')).location, '/auth/login', 'other sessions end');
  assert.equal((await signIn(email, password)).res.status, 422);
  assert.equal((await signIn(email, 'NewPassw0rd!')).res.location, '/dashboard');
});

test('profile picture: type from content, 5 MB limit, stored as <uid>_<time>.<ext> and served', async () => {
  const { c, email } = await registered();
  const upload = async (bytes, name, type) => {
    const fd = new FormData();
    fd.append('csrf_token', csrfFrom((await c.get('/dashboard/profile')).text));
    fd.append('profile_picture', new Blob([bytes], { type }), name);
    const res = await c.postMultipart('/dashboard/uploadProfilePicture', fd);
    assert.equal(res.location, '/dashboard/profile');
    return flashOf((await c.get('/dashboard/profile')).text);
  };
  assert.equal(await upload(Buffer.from('<?php system($_GET["c"]); ?>'), 'shell.png', 'image/png'),
    'Only JPEG, PNG, and GIF files are allowed');
  const big = Buffer.concat([PNG, Buffer.alloc(6 * 1024 * 1024)]);
  assert.equal(await upload(big, 'big.png', 'image/png'), 'File size must be less than 5MB');
  assert.equal((await sql(`SELECT profilepicture FROM user_credentials WHERE email='${email}'`))[0][0], 'default.png');
  assert.equal(await upload(PNG, 'me.txt', 'text/plain'), 'Profile picture updated successfully');
  const [[uid, pic]] = await sql(`SELECT uid, profilepicture FROM user_credentials WHERE email='${email}'`);
  assert.match(pic, new RegExp(`^${uid}_\\d+\\.png$`));
  const served = await client().get(`/profilePictures/${pic}`);
  assert.equal(served.status, 200);
  assert.equal(served.headers.get('content-type'), 'image/png');
  assert.deepEqual(served.buffer, PNG);
});

test('password reset by mail: request, link, new password; token single-use', async () => {
  const { email } = await registered();
  const c = client();
  let res = await formPost(c, '/auth/resetRequest', '/auth/resetRequest', { email: 'bad' });
  assert.equal(res.status, 422);
  assert.match(res.text, /Please enter a valid email address/);
  res = await formPost(c, '/auth/resetRequest', '/auth/resetRequest', { email: uniqueEmail('ghost') });
  assert.equal(res.location, '/auth/login');
  const generic = flashOf((await c.get('/auth/login')).text);
  res = await formPost(c, '/auth/resetRequest', '/auth/resetRequest', { email });
  assert.equal(res.location, '/auth/login');
  assert.equal(flashOf((await c.get('/auth/login')).text), generic, 'same answer whether or not the account exists');
  assert.equal(generic, 'If an account with that email exists, a password reset link has been sent.');
  const mail = mailsTo(email).pop();
  const link = mail.match(/\/auth\/resetPassword\/([0-9a-f]{64})/);
  assert.ok(link, 'the mail carries the reset link');
  const url = `/auth/resetPassword/${link[1]}`;
  assert.equal((await c.get(url)).status, 200);
  res = await formPost(c, url, url, { password: 'Brand-new-1', confirm_password: 'Brand-new-2' });
  assert.match(res.text, /Passwords do not match/);
  res = await formPost(c, url, url, { password: 'short', confirm_password: 'short' });
  assert.match(res.text, /Password must be at least 8 characters long/);
  res = await formPost(c, url, url, { password: 'Brand-new-1', confirm_password: 'Brand-new-1' });
  assert.equal(res.location, '/auth/login');
  assert.equal(flashOf((await c.get('/auth/login')).text), 'Password reset successful! You can now login with your new password.');
  assert.equal((await signIn(email, 'Brand-new-1')).res.location, '/dashboard');
  res = await c.get(url);
  assert.equal(res.location, '/auth/login');
  assert.equal(flashOf((await c.get('/auth/login')).text), 'Invalid or expired reset token');
});

test('verify email: a bogus token fails, the real one sets emailverified', async () => {
  const { email } = await registered();
  const c = client();
  let res = await c.get('/auth/verifyEmail/abc');
  assert.equal(res.location, '/auth/login');
  assert.equal(flashOf((await c.get('/auth/login')).text), 'Invalid verification token');
  const [[token]] = await sql(`SELECT currboundtoken FROM user_credentials WHERE email='${email}'`);
  res = await c.get(`/auth/verifyEmail/${token}`);
  assert.equal(flashOf((await c.get('/auth/login')).text), 'Email verified successfully! You can now login.');
  assert.equal((await sql(`SELECT emailverified FROM user_credentials WHERE email='${email}'`))[0][0], '1');
});

test('account API: JSON sign-in, /api/me, bearer tokens from the profile page, JSON errors', async () => {
  const { email, password } = await registered({ fname: 'Api' });
  const c = client();
  let res = await c.json('GET', '/api/me');
  assert.equal(res.status, 401);
  assert.equal(res.json().error, 'Sign in required');
  res = await c.json('POST', '/api/auth/login', { email, password: 'nope-nope' });
  assert.equal(res.status, 401);
  assert.equal(res.json().error, 'Invalid email or password');
  res = await c.request('POST', '/api/auth/login', { body: '{bad json', headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 400);
  assert.ok(res.json().error);
  res = await c.json('POST', '/api/auth/login', { email, password });
  assert.equal(res.status, 200);
  assert.equal(res.json().user.fname, 'Api');
  res = await c.json('POST', '/api/me', { fname: 'Apis', lname: 'Updated' });
  assert.equal(res.json().fullname, 'Apis Updated');
  res = await c.json('POST', '/api/me', { fname: '', lname: 'X' });
  assert.equal(res.status, 422);

  const page = await c.get('/dashboard/profile');
  await c.post('/dashboard/apiTokens', { csrf_token: csrfFrom(page.text), token_name: 'script' });
  const withToken = (await c.get('/dashboard/profile')).text;
  const flash = flashOf(withToken);
  const token = flash.match(/[0-9a-f]{64}/)[0];
  // Its times read as words, in a <time>; not used yet says so.
  assert.match(withToken, /<td data-label="Created"><time datetime="\d{4}-\d{2}-\d{2} \d{2}:\d{2}">\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}<\/time><\/td><td data-label="Last used">Never<\/td><td data-label="Expires"><time datetime=/);
  const bot = client();
  res = await bot.request('GET', '/api/me', { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  assert.equal(res.json().email, email);
  res = await bot.request('GET', '/api/me', { headers: { authorization: `Bearer ${'0'.repeat(64)}` } });
  assert.equal(res.status, 401);
});

test('bad input: overlong, NUL, invalid UTF-8, extra fields get a form error and change nothing', async () => {
  const { c, email } = await registered({ fname: 'Stable' });
  const before = await sql(`SELECT uid, fname, lname, emailverified FROM user_credentials WHERE email='${email}'`);
  const token = csrfFrom((await c.get('/dashboard/profile')).text);
  for (const fname of ['x'.repeat(1024 * 1024), 'a\u0000b', Buffer.from([0x41, 0xff, 0xfe]).toString('latin1')]) {
    const body = `csrf_token=${token}&lname=L&fname=${encodeURIComponent(fname).replace(/%C3%BF%C3%BE/, '%FF%FE')}`;
    const res = await c.request('POST', '/dashboard/profile', { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.ok(res.status === 302 || (res.status >= 400 && res.status < 500), `status ${res.status}`);
    const flash = flashOf((await c.get('/dashboard/profile')).text) ?? '';
    assert.doesNotMatch(flash, /successfully/);
  }
  await c.post('/dashboard/profile', { csrf_token: token, fname: 'Stable', lname: 'User', uid: '1', is_admin: '1', emailverified: '1' });
  const after = await sql(`SELECT uid, fname, lname, emailverified FROM user_credentials WHERE email='${email}'`);
  assert.deepEqual(after, before, 'extra fields are ignored');
  const res = await formPost(client(), '/auth/register', '/auth/register', {
    fname: 'A', lname: 'B', email: `${'a'.repeat(300)}@example.test`, password: 'Passw0rd!', confirm_password: 'Passw0rd!',
  });
  assert.equal(res.status, 422);
});

test('signing in continues to the page a shared link pointed at, never off-site', async () => {
  const { email, password } = await registered();
  await sql('DELETE FROM ems_sessions WHERE uid IN (SELECT CAST(uid AS CHAR) FROM user_credentials WHERE email = \'' + email + '\')');
  const c = client();
  const gate = await c.get('/events/manage/1?page=2');
  assert.equal(gate.location, '/auth/login', 'the gate still answers like the PHP app');
  const res = await formPost(c, '/auth/login', '/auth/login', { email, password });
  assert.equal(res.location, '/events/manage/1?page=2');
  assert.equal(c.cookies().ems_next, undefined, 'used once');
  const again = await signIn(email, password);
  assert.equal(again.res.location, '/dashboard');
  for (const hostile of ['%2F%2Fevil.example', 'https%3A%2F%2Fevil.example', '%2F%5Cevil.example']) {
    const h = client();
    h.jar.set('ems_next', hostile);
    const r = await formPost(h, '/auth/login', '/auth/login', { email, password });
    assert.equal(r.location, '/dashboard', hostile);
  }
});
