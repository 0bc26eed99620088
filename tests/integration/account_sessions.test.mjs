// Session lifetime (idle and absolute timeouts, purge) and the optional
// e-mail verification gate (require_email_verification = true).
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { client, poolOn, sql } from './lib/stack.mjs';
import { flashOf, formPost, mailsTo, registered, signIn, uniqueEmail } from './lib/accounts.mjs';

test.beforeEach(async () => { await sql('DELETE FROM ems_login_attempts'); });
after(async () => { await poolOn({}); });

test('an idle session ends after session_idle_timeout, and its row is removed', async () => {
  const { c } = await registered();
  const sid = c.cookies().ems_session;
  assert.equal((await c.get('/dashboard')).status, 200);
  await sql(`UPDATE ems_sessions SET last_seen = last_seen - 1801 WHERE id = '${sid}'`);
  assert.equal((await c.get('/dashboard')).location, '/auth/login');
  assert.equal((await sql(`SELECT COUNT(*) FROM ems_sessions WHERE id = '${sid}'`))[0][0], '0');
});

test('a session ends after session_absolute_timeout even when in use', async () => {
  const { c } = await registered();
  const sid = c.cookies().ems_session;
  await sql(`UPDATE ems_sessions SET created_at = created_at - 43201 WHERE id = '${sid}'`);
  assert.equal((await c.get('/dashboard')).location, '/auth/login');
});

test('with require_email_verification, sign-in waits for the link in the mail', async () => {
  await poolOn({ EMS_REQUIRE_EMAIL_VERIFICATION: 'true' });
  const email = uniqueEmail('verify');
  const c = client();
  const res = await formPost(c, '/auth/register', '/auth/register', {
    fname: 'Vera', mname: '', lname: 'Fied', email, password: 'Passw0rd!', confirm_password: 'Passw0rd!',
  });
  assert.equal(res.location, '/auth/login', 'not signed in yet');
  assert.equal(c.cookies().ems_session, undefined);
  assert.match(flashOf((await c.get('/auth/login')).text), /check your email/);
  const attempt = await signIn(email, 'Passw0rd!');
  assert.equal(attempt.res.status, 422);
  assert.match(attempt.res.text, /verify your email address/);
  const link = mailsTo(email).pop().match(/\/auth\/verifyEmail\/[0-9a-f]{64}/)[0];
  assert.equal((await client().get(link)).location, '/auth/login');
  assert.equal((await signIn(email, 'Passw0rd!')).res.location, '/dashboard');
});
